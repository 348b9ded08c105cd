"""The rating engine: events to aggregates, aggregates to priced lines and invoices."""
