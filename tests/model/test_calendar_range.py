"""Dates and month counts stay where the engine's calendar arithmetic can follow them.

Python's datetime ends with year 9999. A month count of 100000 (a term, an access window, an
invoice month) or a date late in year 9999 (a scenario period, a contract start) once passed
`plan validate` and then stopped preview or replay with `ValueError: year N is out of range`.
Dates now lie in [EARLIEST_INSTANT, LATEST_INSTANT] and month counts are at most MAX_MONTHS,
both checked where a value is read (E0101 in a file, a usage error on the command line).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compiler.api import preview
from compiler.diagnostics import CompilerError
from compiler.model.common import (
    EARLIEST_INSTANT,
    LATEST_INSTANT,
    MAX_MONTHS,
    parse_instant,
)
from compiler.validation import validate
from tests.support import CALLS_PACKAGE, write_package


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-01",
        "0001-01-01",
        "1899-12-31T23:59:59Z",
        "9000-01-01T00:00:00.000001Z",
        "9000-01-01T00:00:00-00:01",  # 00:01 UTC on 9000-01-01
        "1900-01-01T00:30:00+01:00",  # 23:30 UTC on 1899-12-31
    ],
)
def test_a_date_outside_the_calendar_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="from 1900-01-01 to 9000-01-01"):
        parse_instant(text)


@pytest.mark.parametrize("text", ["1900-01-01", "9000-01-01", "8999-12-31T23:00:00-01:00"])
def test_the_ends_of_the_range_are_dates(text: str) -> None:
    assert EARLIEST_INSTANT <= parse_instant(text) <= LATEST_INSTANT


TEMPLATE = """\
contract_templates:
  payg:
    name: PAYG
    rate_card: list
    billing: {{frequency: {frequency}, anchor: {anchor}}}
    {duration}
    subscriptions: [{{product: fee}}]
    commits:
      - id: commit
        type: prepaid
        product: commit
        amount: 100
        access: {{starting_month: {access_start}, months: {access_months}}}
        invoice: [{{month: {invoice_month}, amount: 100}}]
    credits:
      - {{id: promo, product: commit, amount: 10, access: {{months: {credit_months}}}}}
    scheduled_charges:
      - {{product: onboarding, month: {charge_month}, amount: 5}}
"""

PRODUCTS = """\
products:
  calls: {name: Calls, type: usage, metric: calls}
  fee: {name: Fee, type: subscription}
  commit: {name: Commit, type: fixed}
  onboarding: {name: Onboarding, type: fixed}
"""

RATE_CARDS = """\
rate_cards:
  list:
    name: List
    currency: USD
    rates:
      calls: [{price: 1}]
      fee: [{price: 10, billing_frequency: monthly}]
"""

SCENARIO = """\
scenario:
  period: {{starting_at: {period_start}, ending_before: {period_end}}}
customers:
  acme:
    name: Acme
    contracts: [{{id: acme-1, template: payg, starting_at: {contract_start}}}]
"""

LATEST = LATEST_INSTANT.replace(tzinfo=None)  # hypothesis draws naive datetimes


def _text(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


# dates near the ends of the range, month counts up to MAX_MONTHS; in some examples one value
# is pushed out of range, which must be a diagnostic
dates = st.one_of(
    st.datetimes(min_value=datetime(8995, 1, 1), max_value=datetime(9000, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(1902, 1, 1)),
    st.sampled_from([datetime(1900, 1, 1), datetime(8999, 12, 1), datetime(9000, 1, 1)]),
)
months = st.one_of(st.integers(0, MAX_MONTHS), st.sampled_from([0, 1, MAX_MONTHS]))
TOO_LATE = ["9999-12-01", "9999-12-31T23:59:59Z", "0001-01-01", "9000-01-01T00:00:01Z"]
TOO_LONG = [MAX_MONTHS + 1, 100_000, 200_000, 300_000, 99_999_999]
FIELDS = [
    "duration",
    "access_start",
    "access_months",
    "invoice_month",
    "credit_months",
    "charge_month",
    "period_start",
    "period_end",
    "contract_start",
]


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, object]:
    """The template's month counts and the scenario's dates, perhaps one out of range."""
    period_start = draw(dates)
    values: dict[str, object] = {
        "frequency": draw(st.sampled_from(["monthly", "quarterly", "annual"])),
        "anchor": draw(st.sampled_from(["first_of_month", "contract_start"])),
        "duration": draw(st.one_of(st.none(), months.map(lambda m: max(m, 1)))),
        "access_start": draw(months),
        "access_months": max(draw(months), 1),
        "invoice_month": draw(months),
        "credit_months": max(draw(months), 1),
        "charge_month": draw(months),
        "period_start": _text(period_start),
        "period_end": _text(min(period_start + timedelta(days=draw(st.integers(1, 800))), LATEST)),
        "contract_start": _text(draw(dates)),
    }
    broken = draw(st.sampled_from([*[None] * len(FIELDS), *FIELDS]))
    if broken in ("period_start", "period_end", "contract_start"):
        values[broken] = draw(st.sampled_from(TOO_LATE))
    elif broken is not None:
        values[broken] = draw(st.sampled_from(TOO_LONG))
    return values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendar=calendars())
def test_late_dates_and_long_terms_give_a_diagnostic_or_invoices(
    calendar: dict[str, object],
) -> None:
    """Never an exception: what validate accepts, preview replays."""
    duration = calendar.pop("duration")
    period = {k: calendar.pop(k) for k in ("period_start", "period_end", "contract_start")}
    files = {
        **CALLS_PACKAGE,
        "products.yaml": PRODUCTS,
        "rate_cards.yaml": RATE_CARDS,
        "contract_templates.yaml": TEMPLATE.format(
            duration="" if duration is None else f"duration_months: {duration}", **calendar
        ),
        "scenarios/one/scenario.yaml": SCENARIO.format(**period),
    }
    with tempfile.TemporaryDirectory() as root:
        directory = write_package(Path(root), files)
        validation = validate(directory)
        if not validation.ok:
            event("a diagnostic")
            errors = [d for d in validation.diagnostics if d.severity == "error"]
            # E0505: a period that starts at LATEST_INSTANT has no room to end after it
            assert all(d.code in ("E0101", "E0505") for d in errors), errors
            return
        event("replayed")
        try:
            preview(directory)
        except CompilerError as exc:
            pytest.fail(f"validate was clean but preview found {exc.diagnostics}")
