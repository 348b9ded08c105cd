"""Month arithmetic, billing periods, invoice status and proration."""

import itertools
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.engine.money import MONEY_CONTEXT, round_money
from compiler.engine.periods import (
    Anchor,
    Frequency,
    Period,
    add_months,
    billing_periods,
    full_billing_period,
    invoice_status,
    month_offset,
    prorate,
    proration_fraction,
)

D = Decimal


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def period(a: datetime, b: datetime) -> Period:
    return Period(a, b)


# --- add_months -----------------------------------------------------------------------------


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(utc(2026, 1, 31), 1) == utc(2026, 2, 28)  # 2026 is not a leap year
    assert add_months(utc(2028, 1, 31), 1) == utc(2028, 2, 29)  # 2028 is
    assert add_months(utc(2026, 3, 31), 1) == utc(2026, 4, 30)  # April has 30 days
    assert add_months(utc(2026, 3, 31), -1) == utc(2026, 2, 28)  # backwards too
    assert add_months(utc(2028, 2, 29), 12) == utc(2029, 2, 28)  # a year on, no Feb 29


def test_add_months_with_anchor_day_returns_to_it() -> None:
    assert add_months(utc(2026, 2, 28), 1, anchor_day=31) == utc(2026, 3, 31)
    assert add_months(utc(2026, 2, 28), 2, anchor_day=30) == utc(2026, 4, 30)


def test_add_months_crosses_years_and_keeps_time() -> None:
    assert add_months(utc(2026, 12, 15), 1) == utc(2027, 1, 15)
    assert add_months(utc(2026, 11, 1), 14) == utc(2028, 1, 1)  # Nov 2026 + 14 = Jan 2028
    assert add_months(utc(2026, 1, 10), -13) == utc(2024, 12, 10)
    assert add_months(utc(2026, 1, 31, 12), 1) == utc(2026, 2, 28, 12)
    assert add_months(utc(2026, 5, 5), 0) == utc(2026, 5, 5)


def test_add_months_refuses_impossible_anchor_day() -> None:
    with pytest.raises(ValueError):
        add_months(utc(2026, 1, 1), 1, anchor_day=32)
    with pytest.raises(ValueError):
        add_months(utc(2026, 1, 1), 1, anchor_day=0)


def test_month_offset_counts_from_the_start_not_the_previous_month() -> None:
    start = utc(2026, 1, 31)
    assert month_offset(start, 0) == start
    assert month_offset(start, 1) == utc(2026, 2, 28)  # clamped
    assert month_offset(start, 2) == utc(2026, 3, 31)  # back to the 31st
    assert month_offset(start, 12) == utc(2027, 1, 31)


# --- Period ---------------------------------------------------------------------------------


def test_period_is_half_open() -> None:
    november = period(utc(2026, 11, 1), utc(2026, 12, 1))
    assert november.contains(utc(2026, 11, 1))
    assert not november.contains(utc(2026, 12, 1))
    assert november.overlaps(utc(2026, 11, 30), utc(2026, 12, 5))
    assert not november.overlaps(utc(2026, 12, 1), utc(2026, 12, 5))
    assert not november.overlaps(utc(2026, 10, 1), utc(2026, 11, 1))


def test_period_refuses_empty_and_naive() -> None:
    with pytest.raises(ValueError):
        Period(utc(2026, 11, 1), utc(2026, 11, 1))
    with pytest.raises(ValueError):
        Period(datetime(2026, 11, 1), utc(2026, 12, 1))


# --- billing_periods ------------------------------------------------------------------------


def test_monthly_first_of_month() -> None:
    got = billing_periods(
        utc(2026, 11, 1), None, "monthly", "first_of_month", utc(2026, 11, 1), utc(2027, 2, 1)
    )
    assert got == [
        period(utc(2026, 11, 1), utc(2026, 12, 1)),
        period(utc(2026, 12, 1), utc(2027, 1, 1)),
        period(utc(2027, 1, 1), utc(2027, 2, 1)),
    ]


def test_short_first_period() -> None:
    got = billing_periods(
        utc(2026, 11, 15), None, "monthly", "first_of_month", utc(2026, 11, 1), utc(2026, 12, 1)
    )
    assert got == [period(utc(2026, 11, 15), utc(2026, 12, 1))]


def test_short_last_period() -> None:
    got = billing_periods(
        utc(2026, 11, 1),
        utc(2027, 1, 20),
        "monthly",
        "first_of_month",
        utc(2026, 11, 1),
        utc(2027, 3, 1),
    )
    assert got == [
        period(utc(2026, 11, 1), utc(2026, 12, 1)),
        period(utc(2026, 12, 1), utc(2027, 1, 1)),
        period(utc(2027, 1, 1), utc(2027, 1, 20)),  # the contract ends on the 20th
    ]


def test_quarterly_first_of_month_counts_from_the_start_month() -> None:
    got = billing_periods(
        utc(2026, 11, 15), None, "quarterly", "first_of_month", utc(2026, 11, 1), utc(2027, 6, 1)
    )
    assert got == [
        period(utc(2026, 11, 15), utc(2027, 2, 1)),  # short: Nov 1 + 3 months = Feb 1
        period(utc(2027, 2, 1), utc(2027, 5, 1)),
        period(utc(2027, 5, 1), utc(2027, 8, 1)),  # overlaps the window's last month
    ]


def test_annual_period_spans_the_window() -> None:
    got = billing_periods(
        utc(2026, 1, 1), utc(2027, 1, 1), "annual", "first_of_month", utc(2026, 11, 1),
        utc(2026, 12, 1),
    )  # fmt: skip
    assert got == [period(utc(2026, 1, 1), utc(2027, 1, 1))]


def test_contract_start_anchor_clamps_and_returns_to_the_day() -> None:
    got = billing_periods(
        utc(2026, 1, 31), None, "monthly", "contract_start", utc(2026, 1, 1), utc(2026, 5, 1)
    )
    assert got == [
        period(utc(2026, 1, 31), utc(2026, 2, 28)),
        period(utc(2026, 2, 28), utc(2026, 3, 31)),
        period(utc(2026, 3, 31), utc(2026, 4, 30)),
        period(utc(2026, 4, 30), utc(2026, 5, 31)),
    ]


def test_contract_start_quarterly_with_short_last_period() -> None:
    got = billing_periods(
        utc(2026, 11, 15),
        utc(2027, 3, 1),
        "quarterly",
        "contract_start",
        utc(2026, 1, 1),
        utc(2028, 1, 1),
    )
    assert got == [
        period(utc(2026, 11, 15), utc(2027, 2, 15)),
        period(utc(2027, 2, 15), utc(2027, 3, 1)),  # ends with the contract
    ]


def test_contract_start_keeps_the_time_of_day() -> None:
    got = billing_periods(
        utc(2026, 11, 15, 12), None, "monthly", "contract_start", utc(2026, 12, 1), utc(2027, 1, 1)
    )
    assert got == [
        period(utc(2026, 11, 15, 12), utc(2026, 12, 15, 12)),
        period(utc(2026, 12, 15, 12), utc(2027, 1, 15, 12)),
    ]


def test_window_selection_is_half_open() -> None:
    args: tuple[datetime, None, Frequency, Anchor] = (
        utc(2026, 1, 1), None, "monthly", "first_of_month",
    )  # fmt: skip
    # a one-hour window inside November selects November only
    assert billing_periods(*args, utc(2026, 11, 10), utc(2026, 11, 10, 1)) == [
        period(utc(2026, 11, 1), utc(2026, 12, 1))
    ]
    # a window ending exactly at December's start does not select December
    assert billing_periods(*args, utc(2026, 11, 30), utc(2026, 12, 1)) == [
        period(utc(2026, 11, 1), utc(2026, 12, 1))
    ]


def test_window_outside_the_contract_selects_nothing() -> None:
    before = billing_periods(
        utc(2026, 11, 1), None, "monthly", "first_of_month", utc(2026, 9, 1), utc(2026, 11, 1)
    )
    after = billing_periods(
        utc(2026, 11, 1),
        utc(2026, 12, 1),
        "monthly",
        "first_of_month",
        utc(2026, 12, 1),
        utc(2027, 1, 1),
    )
    assert before == [] and after == []


def test_long_running_contract_finds_the_window() -> None:
    got = billing_periods(
        utc(2000, 1, 31), None, "monthly", "contract_start", utc(2026, 11, 1), utc(2026, 11, 2)
    )
    assert got == [period(utc(2026, 10, 31), utc(2026, 11, 30))]


def test_other_offsets_are_read_as_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    start = datetime(2026, 11, 1, 2, tzinfo=plus_two)  # = 2026-11-01T00:00Z
    got = billing_periods(start, None, "monthly", "first_of_month", start, utc(2026, 12, 1))
    assert got == [period(utc(2026, 11, 1), utc(2026, 12, 1))]


def test_billing_periods_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        billing_periods(
            utc(2026, 11, 1), utc(2026, 11, 1), "monthly", "first_of_month",
            utc(2026, 11, 1), utc(2026, 12, 1),
        )  # fmt: skip
    with pytest.raises(ValueError, match="timezone"):
        billing_periods(
            datetime(2026, 11, 1), None, "monthly", "first_of_month",
            utc(2026, 11, 1), utc(2026, 12, 1),
        )  # fmt: skip


def test_full_billing_period() -> None:
    start = utc(2026, 11, 15)
    # the short first period [Nov 15, Dec 1) belongs to the full month [Nov 1, Dec 1)
    assert full_billing_period(start, "monthly", "first_of_month", start) == period(
        utc(2026, 11, 1), utc(2026, 12, 1)
    )
    assert full_billing_period(start, "quarterly", "first_of_month", utc(2027, 3, 10)) == period(
        utc(2027, 2, 1), utc(2027, 5, 1)
    )
    assert full_billing_period(
        utc(2026, 1, 31), "monthly", "contract_start", utc(2026, 3, 5)
    ) == period(utc(2026, 2, 28), utc(2026, 3, 31))
    with pytest.raises(ValueError):
        full_billing_period(start, "monthly", "contract_start", utc(2026, 11, 1))


# --- invoice status -------------------------------------------------------------------------


def test_invoice_status_boundary_is_period_end_plus_24_hours() -> None:
    end = utc(2026, 12, 1)
    assert invoice_status(end, utc(2026, 12, 2)) == "finalized"  # exactly end + 24 h
    assert invoice_status(end, utc(2026, 12, 2) - timedelta(microseconds=1)) == "draft"
    assert invoice_status(end, utc(2026, 12, 3)) == "finalized"  # the SPEC's as_of
    assert invoice_status(end, utc(2026, 11, 15)) == "draft"  # period still running


# --- proration ------------------------------------------------------------------------------


def test_proration_fraction_by_days() -> None:
    november = period(utc(2026, 11, 1), utc(2026, 12, 1))  # 30 days
    assert proration_fraction(period(utc(2026, 11, 1), utc(2026, 11, 16)), november) == D("0.5")
    # 15 of 30 days = 0.5
    with localcontext(MONEY_CONTEXT):
        sixteen_thirtieths = D(16) / D(30)
        fifteen_29ths = D(15) / D(29)
    assert proration_fraction(period(utc(2026, 11, 15), utc(2026, 12, 1)), november) == (
        sixteen_thirtieths  # Nov 15..30 is 16 days of 30
    )
    leap_february = period(utc(2028, 2, 1), utc(2028, 3, 1))  # 29 days
    assert proration_fraction(period(utc(2028, 2, 15), utc(2028, 3, 1)), leap_february) == (
        fifteen_29ths  # Feb 15..29 is 15 days of 29
    )
    assert proration_fraction(november, november) == 1


def test_proration_fraction_with_time_of_day_is_exact_time() -> None:
    november = period(utc(2026, 11, 1), utc(2026, 12, 1))
    half_day = period(utc(2026, 11, 30, 12), utc(2026, 12, 1))
    with localcontext(MONEY_CONTEXT):
        one_sixtieth = D(1) / D(60)
    assert proration_fraction(half_day, november) == one_sixtieth  # 0.5 day of 30 = 1/60


def test_prorate_multiplies_before_dividing() -> None:
    november = period(utc(2026, 11, 1), utc(2026, 12, 1))
    ten_days = period(utc(2026, 11, 1), utc(2026, 11, 11))
    # 0.045 x 10/30 = 0.015 exactly, so half_up gives 0.02
    assert prorate(D("0.045"), ten_days, november) == D("0.015")
    assert round_money(prorate(D("0.045"), ten_days, november), "USD", "half_up") == D("0.02")
    # 500 x 16/30 = 266.666..., 266.67 once rounded
    sixteen_days = period(utc(2026, 11, 15), utc(2026, 12, 1))
    assert round_money(prorate(D(500), sixteen_days, november), "USD", "half_up") == D("266.67")


# --- properties -----------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0)
)
frequencies = st.sampled_from(["monthly", "quarterly", "annual"])
anchors = st.sampled_from(["first_of_month", "contract_start"])


@given(starts, st.none() | st.integers(min_value=1, max_value=2000), frequencies, anchors)
def test_periods_tile_the_contract(
    start: datetime, days: int | None, frequency: Frequency, anchor: Anchor
) -> None:
    end = None if days is None else start + timedelta(days=days)
    horizon = start + timedelta(days=2100)
    got = billing_periods(start, end, frequency, anchor, start, horizon)
    assert got[0].start == start
    for before, after in itertools.pairwise(got):
        assert before.end == after.start
    if end is not None:
        assert got[-1].end == end
    for p in got:
        full = full_billing_period(start, frequency, anchor, p.start)
        assert full.start <= p.start and p.end <= full.end
        assert 0 < proration_fraction(p, full) <= 1


@given(starts, frequencies, anchors, st.integers(min_value=0, max_value=3000))
def test_window_sees_the_same_periods_as_a_full_walk(
    start: datetime, frequency: Frequency, anchor: Anchor, offset_days: int
) -> None:
    window_start = start + timedelta(days=offset_days)
    window_end = window_start + timedelta(days=40)
    everything = billing_periods(start, None, frequency, anchor, start, window_end)
    expected = [p for p in everything if p.overlaps(window_start, window_end)]
    assert billing_periods(start, None, frequency, anchor, window_start, window_end) == expected
