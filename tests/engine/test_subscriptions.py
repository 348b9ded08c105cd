"""Subscription charges: terms per billing frequency, timing, daily proration, overrides."""

from __future__ import annotations

from decimal import Decimal

from compiler.engine.invoice import Invoice, SubscriptionLine
from compiler.plan.ir import SubscriptionPlan, TermsPlan
from tests.engine.terms_builders import card, contract, flat, invoices, override, utc, window

D = Decimal


def fee(
    timing: str = "in_advance", proration: str = "daily", quantity: str = "1"
) -> SubscriptionPlan:
    return SubscriptionPlan(product="fee", quantity=D(quantity), timing=timing, proration=proration)


def subs(invoice: Invoice) -> list[SubscriptionLine]:
    return [line for line in invoice.line_items if isinstance(line, SubscriptionLine)]


def amounts(result: list[Invoice]) -> list[list[str]]:
    return [[str(line.amount) for line in subs(inv)] for inv in result]


MONTHLY = card({"fee": [flat("500", billing_frequency="monthly")]})
QUARTERLY = card({"fee": [flat("300", billing_frequency="quarterly")]})


def test_a_mid_month_start_is_prorated_by_days() -> None:
    c = contract(TermsPlan(subscriptions=(fee(),)), MONTHLY, utc(2026, 10, 15), months=12)
    first, second = invoices(c)[:2]
    (line,) = subs(first)
    # Oct 15 – Nov 1 is 17 of October's 31 days: 500 × 17/31 = 274.1935… → 274.19
    assert (str(line.amount), str(line.proration)) == ("274.19", "0.548387")
    assert (line.starting_at, line.ending_before) == (utc(2026, 10, 15), utc(2026, 11))
    assert amounts([second]) == [["500.00"]]  # a whole month: 500 × 1


def test_the_last_short_period_is_prorated_too() -> None:
    c = contract(TermsPlan(subscriptions=(fee(),)), MONTHLY, utc(2026, 10, 15), months=12)
    last = invoices(c)[-1]
    assert (last.period.starting_at, last.period.ending_before) == (
        utc(2027, 10),
        utc(2027, 10, 15),
    )
    # Oct 1 – Oct 15, 2027 is 14 of 31 days: 500 × 14/31 = 225.806… → 225.81
    assert amounts([last]) == [["225.81"]]


def test_proration_none_charges_a_partial_term_whole() -> None:
    terms = TermsPlan(subscriptions=(fee(proration="none"),))
    c = contract(terms, MONTHLY, utc(2026, 10, 15), months=12)
    (line,) = subs(invoices(c)[0])
    assert (str(line.amount), str(line.proration)) == ("500.00", "1")  # 17 days, charged 500


def test_quarterly_fee_on_monthly_invoices_in_advance() -> None:
    c = contract(TermsPlan(subscriptions=(fee(),)), QUARTERLY, utc(2026, 11), months=12)
    # quarters from Nov 1 (first_of_month anchor): Nov–Jan, Feb–Apr, May–Jul, Aug–Oct;
    # each charged on the invoice of the month it starts in
    assert amounts(invoices(c)[:7]) == [["300.00"], [], [], ["300.00"], [], [], ["300.00"]]
    (line,) = subs(invoices(c)[0])
    assert (line.starting_at, line.ending_before) == (utc(2026, 11), utc(2027, 2))


def test_quarterly_fee_on_monthly_invoices_in_arrears() -> None:
    terms = TermsPlan(subscriptions=(fee(timing="in_arrears"),))
    c = contract(terms, QUARTERLY, utc(2026, 11), months=12)
    # the Nov–Jan quarter ends with January: charged on January's invoice
    assert amounts(invoices(c)[:6]) == [[], [], ["300.00"], [], [], ["300.00"]]
    assert subs(invoices(c)[2])[0].timing == "in_arrears"


def test_a_partial_quarter_is_prorated_over_the_whole_quarter() -> None:
    c = contract(TermsPlan(subscriptions=(fee(),)), QUARTERLY, utc(2026, 11, 15), months=12)
    (line,) = subs(invoices(c)[0])
    # quarter Nov 1 – Feb 1 has 30 + 31 + 31 = 92 days; Nov 15 – Feb 1 is 78 of them:
    # 300 × 78/92 = 254.3478… → 254.35
    assert str(line.amount) == "254.35"


def test_monthly_fee_on_quarterly_invoices_gives_three_lines() -> None:
    c = contract(
        TermsPlan(subscriptions=(fee(quantity="2"),)),
        MONTHLY,
        utc(2026, 9, 15),
        months=12,
        frequency="quarterly",
        anchor="contract_start",
    )
    first = invoices(c)[0]
    # Sep 15 – Dec 15 holds three monthly terms anchored on the 15th: 2 × 500 = 1000 each
    assert amounts([first]) == [["1000.00", "1000.00", "1000.00"]]
    assert [line.starting_at for line in subs(first)] == [
        utc(2026, 9, 15),
        utc(2026, 10, 15),
        utc(2026, 11, 15),
    ]


def test_a_price_change_inside_a_term_splits_it_by_days() -> None:
    rates = card(
        {
            "fee": [
                flat("300", billing_frequency="monthly", ending_before=utc(2026, 11, 16)),
                flat("600", billing_frequency="monthly", starting_at=utc(2026, 11, 16)),
            ]
        }
    )
    c = contract(TermsPlan(subscriptions=(fee(),)), rates, utc(2026, 11), months=2)
    (nov, _) = invoices(c)
    # Nov 1–16: 300 × 15/30 = 150.00; Nov 16 – Dec 1: 600 × 15/30 = 300.00
    assert amounts([nov]) == [["150.00", "300.00"]]


def test_overrides_apply_to_subscriptions_and_split_at_their_window() -> None:
    terms = TermsPlan(
        subscriptions=(fee(),),
        overrides=(
            override(["fee"], multiplier=D("0.8")),
            override(["fee"], price=D("100"), window=window(2, 1), index=1),
        ),
    )
    c = contract(terms, MONTHLY, utc(2026, 1), months=4)
    result = invoices(c)
    # months 0, 1, 3: 500 × 0.8 = 400.00; month 2: the overwrite, 100.00
    assert amounts(result) == [["400.00"], ["400.00"], ["100.00"], ["400.00"]]
    assert subs(result[2])[0].override == "template override #2 (price 100)"


def test_a_subscription_not_entitled_is_billed_only_where_an_override_entitles_it() -> None:
    rates = card({"fee": [flat("500", billing_frequency="monthly", entitled=False)]})
    plain = contract(TermsPlan(subscriptions=(fee(),)), rates, utc(2026, 1), months=1)
    assert amounts(invoices(plain)) == [[]]
    entitled = contract(
        TermsPlan(subscriptions=(fee(),), overrides=(override(["fee"], entitled=True),)),
        rates,
        utc(2026, 1),
        months=1,
    )
    assert amounts(invoices(entitled)) == [["500.00"]]


def test_quantity_multiplies_the_price() -> None:
    c = contract(
        TermsPlan(subscriptions=(fee(quantity="60"),)),
        card({"fee": [flat("12", billing_frequency="monthly")]}),
        utc(2026, 11),
        months=1,
    )
    assert amounts(invoices(c)) == [["720.00"]]  # 60 seats × 12 = 720
