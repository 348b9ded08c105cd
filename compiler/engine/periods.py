"""Calendar arithmetic for contracts: month steps, billing periods, invoice status, proration.

All instants are timezone-aware `datetime`s; billing boundaries are computed in UTC and
periods are half-open `[start, end)`.

Billing periods (SPEC 3.2). Boundaries fall on anchors counted from the contract's start,
every 1 (monthly), 3 (quarterly) or 12 (annual) months:
- `first_of_month`: the 1st of the month at 00:00 UTC, starting with the 1st of the month
  the contract starts in (a quarterly contract starting 2026-11-15 has boundaries on Nov 1,
  Feb 1, May 1, ...). A contract starting after the 1st gets a short first period.
- `contract_start`: the contract start's day of month and time of day, clamped to the
  month's last day and computed from the start each time (a start on Jan 31 gives Feb 28,
  Mar 31, Apr 30), so the first period is always whole.
Every period is clipped to `[contract_start, contract_end)`, so a contract ending between
anchors gets a short last period.

Month arithmetic raises ValueError past year 9999 (Python's calendar). It is never reached
from a package: the model keeps dates in [EARLIEST_INSTANT, LATEST_INSTANT] and month counts
at most MAX_MONTHS (compiler.model.common), so what is computed from them stays centuries
inside the calendar.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Final, Literal

from compiler.engine.money import MONEY_CONTEXT

Frequency = Literal["monthly", "quarterly", "annual"]
Anchor = Literal["first_of_month", "contract_start"]
InvoiceStatus = Literal["draft", "finalized"]

FREQUENCY_MONTHS: Final[dict[str, int]] = {"monthly": 1, "quarterly": 3, "annual": 12}
FINALIZATION_GRACE: Final[timedelta] = timedelta(hours=24)

_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Period:
    """A half-open time range `[start, end)`; `start` is before `end`, both timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        if self.start >= self.end:
            raise ValueError(f"a period must end after it starts: [{self.start}, {self.end})")

    def contains(self, instant: datetime) -> bool:
        """Whether `instant` lies in `[start, end)`."""
        return self.start <= instant < self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether the period shares at least one instant with `[start, end)`."""
        return self.start < end and start < self.end


def add_months(dt: datetime, n: int, anchor_day: int | None = None) -> datetime:
    """`dt` moved by `n` calendar months (n may be negative), keeping the time of day.

    The day is `anchor_day` (default: `dt`'s day) clamped to the target month's last day:
    Jan 31 + 1 month is Feb 28 (29 in a leap year); with anchor_day=31, Feb 28 + 1 month is
    Mar 31.
    """
    day = dt.day if anchor_day is None else anchor_day
    if not 1 <= day <= 31:
        raise ValueError(f"anchor_day must be between 1 and 31, got {day}")
    month_index = dt.year * 12 + (dt.month - 1) + n
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.replace(year=year, month=month + 1, day=min(day, last_day))


def month_offset(start: datetime, n: int) -> datetime:
    """The instant `n` whole months after a contract's `start` (for `starting_month: n`)."""
    return add_months(start, n, anchor_day=start.day)


def billing_periods(
    contract_start: datetime,
    contract_end: datetime | None,
    frequency: Frequency,
    anchor: Anchor,
    window_start: datetime,
    window_end: datetime,
) -> list[Period]:
    """The contract's billing periods that overlap `[window_start, window_end)`, in order.

    `contract_end` None means open-ended. Periods are the contract's own (clipped to the
    contract, not to the window); see the module docstring for where boundaries fall.
    Raises ValueError for naive datetimes or a contract that ends before it starts.
    """
    start = _utc(contract_start, "contract_start")
    end = None if contract_end is None else _utc(contract_end, "contract_end")
    w_start = _utc(window_start, "window_start")
    w_end = _utc(window_end, "window_end")
    if end is not None and end <= start:
        raise ValueError(f"contract ends ({end}) before it starts ({start})")
    step = _step_months(frequency)
    limit = w_end if end is None else min(w_end, end)
    periods: list[Period] = []
    k = _first_step_near(start, anchor, step, w_start)
    while True:
        nominal_start = _boundary(start, anchor, k * step)
        if nominal_start >= limit:
            break
        nominal_end = _boundary(start, anchor, (k + 1) * step)
        period_start = max(nominal_start, start)
        period_end = nominal_end if end is None else min(nominal_end, end)
        if period_start < period_end and period_start < w_end and w_start < period_end:
            periods.append(Period(period_start, period_end))
        k += 1
    return periods


def full_billing_period(
    contract_start: datetime, frequency: Frequency, anchor: Anchor, instant: datetime
) -> Period:
    """The whole (unclipped) billing period that contains `instant`.

    This is the full term a short first or last period is prorated against: for a monthly
    `first_of_month` contract starting 2026-11-15, the first period is [Nov 15, Dec 1) and
    its full billing period [Nov 1, Dec 1). `instant` must not be before the first anchor.
    """
    start = _utc(contract_start, "contract_start")
    at = _utc(instant, "instant")
    step = _step_months(frequency)
    if at < _boundary(start, anchor, 0):
        raise ValueError(f"{at} is before the contract's first billing anchor")
    k = _first_step_near(start, anchor, step, at)
    while _boundary(start, anchor, (k + 1) * step) <= at:
        k += 1
    return Period(_boundary(start, anchor, k * step), _boundary(start, anchor, (k + 1) * step))


def invoice_status(period_end: datetime, as_of: datetime) -> InvoiceStatus:
    """`finalized` once `as_of` is at least 24 hours past the period's end, else `draft`."""
    return "finalized" if as_of >= period_end + FINALIZATION_GRACE else "draft"


def proration_fraction(charged: Period, full_term: Period) -> Decimal:
    """The share of `full_term` that `charged` covers: elapsed time over elapsed time.

    Time is measured exactly (to the microsecond). For date-level contracts every boundary
    is midnight UTC, so this is whole days over whole days (16 days of a 30-day month give
    16/30). A fraction that does not terminate is rounded to MONEY_CONTEXT's 50 significant
    digits; to prorate an amount without that rounding, use `prorate`.
    """
    with localcontext(MONEY_CONTEXT):
        return Decimal(_length(charged)) / Decimal(_length(full_term))


def prorate(amount: Decimal, charged: Period, full_term: Period) -> Decimal:
    """`amount` scaled by `proration_fraction(charged, full_term)`, unrounded.

    Multiplies before it divides, so a result that is exact in decimals comes out exact
    (0.015 for a third of 0.045) and half-way cases round the right way later.
    """
    with localcontext(MONEY_CONTEXT):
        return amount * Decimal(_length(charged)) / Decimal(_length(full_term))


def _length(period: Period) -> int:
    return (period.end - period.start) // _MICROSECOND


def _step_months(frequency: Frequency) -> int:
    if frequency not in FREQUENCY_MONTHS:
        raise ValueError(f"unknown billing frequency {frequency!r}")
    return FREQUENCY_MONTHS[frequency]


def _boundary(contract_start: datetime, anchor: Anchor, months: int) -> datetime:
    """The anchor `months` months after the contract's first anchor."""
    if anchor == "first_of_month":
        first = contract_start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return add_months(first, months)
    if anchor == "contract_start":
        return month_offset(contract_start, months)
    raise ValueError(f"unknown billing anchor {anchor!r}")


def _first_step_near(contract_start: datetime, anchor: Anchor, step: int, at: datetime) -> int:
    """A period index whose period starts at or before `at` (or 0), so long contracts need
    not be walked from their start. One step of slack covers clamped month ends."""
    first = _boundary(contract_start, anchor, 0)
    months = (at.year - first.year) * 12 + (at.month - first.month)
    return max(0, months // step - 1)


def _utc(value: datetime, name: str) -> datetime:
    _require_aware(value, name)
    return value.astimezone(UTC)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value}")
