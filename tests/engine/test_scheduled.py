"""Scheduled charges and commit purchases land on the invoice of the period holding their date."""

from __future__ import annotations

from decimal import Decimal

from compiler.plan.ir import ScheduledChargePlan, TermsPlan
from tests.engine.terms_builders import card, commit, contract, invoices, lines_of, utc, window

D = Decimal
CARD = card({})


def test_a_scheduled_charge_by_month_and_by_date() -> None:
    terms = TermsPlan(
        scheduled_charges=(
            ScheduledChargePlan(product="onboarding", month=0, amount=D("2500")),
            ScheduledChargePlan(
                product="onboarding",
                name="Training day",
                date=utc(2027, 1, 20),
                amount=D("800.005"),
            ),
        )
    )
    c = contract(terms, CARD, utc(2026, 11, 12), months=12)
    nov, dec, jan = invoices(c)[:3]
    (onboarding,) = lines_of(nov, "scheduled")
    # month 0 is the contract start, Nov 12: on the first invoice
    assert (onboarding.name, onboarding.date, str(onboarding.amount)) == (
        "Onboarding",
        utc(2026, 11, 12),
        "2500.00",
    )
    assert lines_of(dec, "scheduled") == []
    (training,) = lines_of(jan, "scheduled")
    assert (training.name, str(training.amount)) == ("Training day", "800.01")  # half up
    assert str(jan.total) == "800.01"


def test_commit_purchases_follow_the_invoice_schedule() -> None:
    terms = TermsPlan(
        commits=(
            commit(
                "annual",
                "prepaid",
                "2400",
                window(0, 12),
                invoice=[(0, "600"), (3, "600"), (6, "600"), (9, "600")],
            ),
        )
    )
    c = contract(terms, CARD, utc(2026, 10, 15), months=12)
    result = invoices(c)
    billed = [
        (r.period.starting_at, str(line.amount), line.commit_id)
        for r in result
        for line in lines_of(r, "commit_purchase")
    ]
    # months 0, 3, 6, 9 from Oct 15: Oct 15, Jan 15, Apr 15, Jul 15
    assert billed == [
        (utc(2026, 10, 15), "600.00", "annual"),
        (utc(2027, 1), "600.00", "annual"),
        (utc(2027, 4), "600.00", "annual"),
        (utc(2027, 7), "600.00", "annual"),
    ]
    assert str(result[0].total) == "600.00"  # what the customer pays; nothing applied to it


def test_a_date_outside_the_replayed_periods_is_billed_nowhere() -> None:
    terms = TermsPlan(
        scheduled_charges=(ScheduledChargePlan(product="onboarding", month=2, amount=D("100")),)
    )
    c = contract(terms, CARD, utc(2026, 11), months=12, window=(utc(2026, 11), utc(2026, 12)))
    (nov,) = invoices(c)
    assert lines_of(nov, "scheduled") == []
