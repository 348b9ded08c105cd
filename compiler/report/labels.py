"""Small shared wording for invoice reports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

BUCKET_LABELS = {
    "invalid": "invalid (rejected lines)",
    "duplicate": "duplicate transaction IDs",
    "unknown_customer": "unknown customer",
    "outside_contract": "outside any contract",
    "outside_period": "outside the invoiced periods",
    "unmetered": "matched no metric",
    "unpriced": "metered but unpriced",
    "rated": "rated",
}


def day(moment: datetime) -> str:
    if moment.hour == moment.minute == moment.second == 0 and not moment.microsecond:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def values_text(values: Mapping[str, str | None]) -> str:
    """`model=gpt-4, region=∅`: group values as written, ∅ for a missing one."""
    return ", ".join(f"{k}={'∅' if v is None else v}" for k, v in values.items())


def describe_values(values: Mapping[str, str | None]) -> str:
    """` (model=gpt-4, region=∅)` after a name; nothing when there are no values."""
    return f" ({values_text(values)})" if values else ""


def money(amount: Decimal, unit: str | None = None) -> str:
    return f"{amount} {unit}" if unit else str(amount)
