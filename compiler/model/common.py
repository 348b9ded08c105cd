"""Types shared by every model: IDs, instants, decimals and the strict base model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)
from pydantic import Strict as StrictMode
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not pass silently), values are taken as written
    (`"3"` is not a number, `"yes"` not a boolean: pydantic's strict mode) and models never
    change."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# A decimal written as a string: the schemas' pattern, matched as JSON Schema (ECMA-262) does,
# `\d` being 0-9. Python's Decimal would also take " 1.5", "1_000" and other scripts' digits.
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_DECIMAL_TEXT = re.compile(DECIMAL_PATTERN, re.ASCII)


# Files of an earlier revision (`plan diff --base`) are read as they were accepted when they
# were written: before 2026-11-24, text such as " 1.5", "3" or "2026-11-15 00:00:00Z" was
# taken and converted. Refusing it there would make the base fail to load, and the diff would
# lose its breaking-change checks exactly when a pull request brings a file up to the rules.
lenient_reading: ContextVar[bool] = ContextVar("lenient_reading", default=False)


@contextmanager
def read_leniently() -> Iterator[None]:
    """Within: package files are validated as before values were taken as written."""
    token = lenient_reading.set(True)
    try:
        yield
    finally:
        lenient_reading.reset(token)


def _decimal_input(value: Any) -> Any:
    if isinstance(value, float):
        raise PydanticCustomError(
            "decimal_float", "a decimal is read from its text, never from a float"
        )
    if isinstance(value, str) and lenient_reading.get():
        return value.strip()
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "decimal_text",
            'expected a decimal such as 1500 or "0.002", with no spaces or underscores',
        )
    return value


# Written out rather than left to pydantic, whose rendering of Decimal changes between
# versions: the committed schemas must not depend on the installed pydantic.
DECIMAL_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": DECIMAL_PATTERN},
    ],
    "description": "a decimal, as a number or as a string of its digits",
}


def _in_range(value: Decimal) -> Decimal:
    """Prices and amounts the money arithmetic (50 significant digits) works with: below
    10^20, at most 24 decimal places and 30 significant digits."""
    exponent = value.as_tuple().exponent
    if value.is_zero():
        # a zero past 24 places (0e-999999999) is 0: its text would be a billion zeros
        return Decimal(0) if isinstance(exponent, int) and exponent < -24 else value
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
# compiler.source.yaml_reader) and integers as int; strings like "0.000002" are accepted too,
# so the type is not strict, its text being checked instead.
Amount = Annotated[
    Decimal,
    StrictMode(strict=False),
    BeforeValidator(_decimal_input),
    AfterValidator(_in_range),
    WithJsonSchema(DECIMAL_SCHEMA),
]

# A decimal in the compiled plan: serialised as a string, the same schema.
PlanDecimal = Annotated[Decimal, WithJsonSchema(DECIMAL_SCHEMA)]


# SPEC 2: a date, or an RFC 3339 date-time (`T` and `Z` in either case, as RFC 3339 allows);
# the offset is optional here only to say that it is missing.
_INSTANT_TEXT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<offset>[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?",
    re.ASCII,
)
_INSTANT_EXPECTED = "expected a date such as 2026-11-01 or a date-time such as 2026-11-01T00:00:00Z"
_NO_OFFSET = "a date-time needs a time zone offset, e.g. 2026-11-01T00:00:00Z"

# The calendar a package's dates live in, and how far a relative time may reach. Python's
# datetime ends with year 9999; the engine steps from these dates by month counts (a term, an
# access window, a billing period, a year around a subscription's period), so dates are kept
# well inside, and every date it computes stays inside too: at most MAX_MONTHS after a window's
# start, itself at most MAX_MONTHS after a contract's start, plus one billing year, is still
# centuries before year 9999 (and before the engine's open end, contracts.FAR_FUTURE).
EARLIEST_INSTANT: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT: Final = datetime(9000, 1, 1, tzinfo=UTC)
# 100 years: a relative time (`months`, `starting_month`, `month`, `duration_months`)
MAX_MONTHS: Final = 1200
_INSTANT_RANGE = "a date must be from 1900-01-01 to 9000-01-01 (UTC)"


def check_instant_range(moment: datetime) -> datetime:
    """`moment` if it lies in [EARLIEST_INSTANT, LATEST_INSTANT]; raises ValueError (a
    PydanticCustomError) naming the range otherwise."""
    if not EARLIEST_INSTANT <= moment <= LATEST_INSTANT:
        raise PydanticCustomError("instant_range", _INSTANT_RANGE)
    return moment


def parse_instant(value: Any) -> datetime:
    """`2026-11-01` is midnight UTC; a date-time must say its offset (`Z` for UTC).

    Text is taken in those two forms only, not in every form `fromisoformat` reads (week
    dates, `+0000`, a space for the `T`, surrounding spaces), and only between EARLIEST_INSTANT
    and LATEST_INSTANT. Raises ValueError (a PydanticCustomError, so that a model's diagnostic
    shows the message alone).
    """
    return check_instant_range(_instant(value))


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PydanticCustomError("instant_offset", _NO_OFFSET)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and lenient_reading.get():
        value = _rfc3339_spelling(value)
    match = _INSTANT_TEXT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("instant_text", _INSTANT_EXPECTED)
    if match["date"] != value and match["offset"] is None:
        raise PydanticCustomError("instant_offset", _NO_OFFSET)
    try:
        moment = datetime.fromisoformat(value.upper())  # 2026-11-01 is naive midnight
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset past year 1 or 9999
        raise PydanticCustomError("instant_range", "no such date or time of day") from None


def _rfc3339_spelling(text: str) -> str:
    """What `fromisoformat` took before the rule (see lenient_reading), spelt as RFC 3339;
    the text unchanged where it cannot be."""
    stripped = text.strip()
    try:
        moment = datetime.fromisoformat(stripped.replace("z", "Z"))
    except ValueError:
        return text
    if len(stripped) == 10 and moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.isoformat() if moment.tzinfo is not None else text


Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [{"format": "date"}, {"format": "date-time"}],
            "description": "ISO-8601 date (midnight UTC) or date-time with offset, "
            "from 1900-01-01 to 9000-01-01",
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
