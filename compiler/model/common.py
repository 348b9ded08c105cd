"""Types shared by every model: IDs, instants, decimals and the strict base model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)

ID_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not pass silently) and models never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("a decimal is read from its text, never from a float")
    return value


# Written out rather than left to pydantic, whose rendering of Decimal changes between
# versions: the committed schemas must not depend on the installed pydantic.
DECIMAL_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"},
    ],
    "description": "a decimal, as a number or as a string of its digits",
}


def _in_range(value: Decimal) -> Decimal:
    """Prices and amounts the money arithmetic (50 significant digits) works with: below
    10^20, at most 24 decimal places and 30 significant digits."""
    if value.is_zero():
        return value
    exponent = value.as_tuple().exponent
    if (
        value.adjusted() >= 20
        or len(value.as_tuple().digits) > 30
        or (isinstance(exponent, int) and exponent < -24)
    ):
        raise ValueError(
            "a decimal must be below 10^20, with at most 24 decimal places and 30 digits"
        )
    return value


# Money and quantities: YAML numbers arrive as Decimal built from their text (see
# compiler.source.yaml_reader); strings like "0.000002" are accepted too.
Amount = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    AfterValidator(_in_range),
    WithJsonSchema(DECIMAL_SCHEMA),
]

# A decimal in the compiled plan: serialised as a string, the same schema.
PlanDecimal = Annotated[Decimal, WithJsonSchema(DECIMAL_SCHEMA)]


def parse_instant(value: Any) -> Any:
    """`2026-11-01` is midnight UTC; a date-time must say its offset (`Z` for UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a date-time needs a time zone offset, e.g. 2026-11-01T00:00:00Z")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                day = date.fromisoformat(text)
            except ValueError as exc:
                raise ValueError(f"not an ISO-8601 date: {text!r}") from exc
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 date or date-time: {text!r}") from exc
        if moment.tzinfo is None:
            raise ValueError("a date-time needs a time zone offset, e.g. 2026-11-01T00:00:00Z")
        return moment.astimezone(UTC)
    raise ValueError("expected an ISO-8601 date or date-time")


Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [{"format": "date"}, {"format": "date-time"}],
            "description": "ISO-8601 date (midnight UTC) or date-time with offset",
        }
    ),
]

# A property value named in YAML (filters, pricing group values): compared by its text.
PropertyValue = str | int | bool | Amount


def property_text(value: PropertyValue) -> str:
    """The text a property value has in an event's properties map."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # 1e3 is "1000", as the event reader writes a JSON 1e3
    return str(value)
