"""Renderers: diagnostics (text, json, github, sarif), invoices (text, json, markdown, html)."""
