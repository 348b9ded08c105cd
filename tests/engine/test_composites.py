"""Composite charges: a percentage of the applicable usage and subscription lines."""

from __future__ import annotations

from decimal import Decimal

from compiler.engine.invoice import CompositeLine, Invoice
from compiler.plan.ir import RatePlan, SubscriptionPlan, TermsPlan
from tests.engine.terms_builders import (
    card,
    commit,
    contract,
    flat,
    invoices,
    override,
    usage_line,
    utc,
    window,
)

D = Decimal


def support(percentage: str, minimum: str | None = None, **extra: object) -> RatePlan:
    return RatePlan(
        kind="percentage",
        percentage=D(percentage),
        minimum=None if minimum is None else D(minimum),
        **extra,
    )


FEE = SubscriptionPlan(product="fee", quantity=D(60), timing="in_advance", proration="daily")


def composites(inv: Invoice) -> list[CompositeLine]:
    return [li for li in inv.line_items if isinstance(li, CompositeLine)]


def one_invoice(
    rates: dict[str, list[RatePlan]], terms: TermsPlan, usage: str = "258.75"
) -> Invoice:
    c = contract(terms, card(rates), utc(2026, 11), months=1)
    p = c.periods[0]
    (inv,) = invoices(c, {p.start: [usage_line("usage", usage, "1", p)]})
    return inv


def test_percentage_below_the_minimum_charges_the_minimum() -> None:
    rates = {
        "usage": [flat("1")],
        "fee": [flat("12", billing_frequency="monthly")],
        "support": [support("0.10", "250")],
    }
    inv = one_invoice(rates, TermsPlan(subscriptions=(FEE,)))
    (line,) = composites(inv)
    # base: 258.75 usage + 60 × 12 = 720 seats = 978.75; 10% = 97.875 < 250 → 250.00
    assert (str(line.base), str(line.amount), str(line.minimum)) == ("978.75", "250.00", "250")


def test_percentage_above_the_minimum() -> None:
    rates = {"usage": [flat("1")], "support": [support("0.10", "20")]}
    (line,) = composites(one_invoice(rates, TermsPlan(), usage="258.75"))
    assert str(line.amount) == "25.88"  # 258.75 × 0.10 = 25.875 → 25.88 (half up)


def test_only_the_included_products_count() -> None:
    rates = {"usage": [flat("1")], "cheap": [flat("1")], "support": [support("0.5")]}
    c = contract(TermsPlan(), card(rates), utc(2026, 11), months=1)
    p = c.periods[0]
    (inv,) = invoices(
        c, {p.start: [usage_line("usage", "10", "1", p), usage_line("cheap", "4", "1", p)]}
    )
    # `support` includes cheap, fee and usage (terms_builders): (10 + 4) × 0.5 = 7.00
    assert str(composites(inv)[0].amount) == "7.00"


def test_a_composite_not_entitled_is_charged_only_where_entitled() -> None:
    rates = {"usage": [flat("1")], "support": [support("0.10", "250", entitled=False)]}
    assert composites(one_invoice(rates, TermsPlan())) == []
    terms = TermsPlan(overrides=(override(["support"], entitled=True),))
    assert str(composites(one_invoice(rates, terms))[0].amount) == "250.00"


def test_a_multiplier_scales_the_percentage_and_the_minimum() -> None:
    rates = {"usage": [flat("1")], "support": [support("0.10", "250")]}
    terms = TermsPlan(overrides=(override(["support"], multiplier=D("0.5")),))
    (line,) = composites(one_invoice(rates, terms, usage="3000"))
    # 10% × 0.5 = 5% of 3000 = 150.00, above the minimum 250 × 0.5 = 125
    assert (str(line.percentage), str(line.minimum), str(line.amount)) == ("0.05", "125", "150.00")


def test_composites_see_charges_after_overrides_and_before_commits() -> None:
    rates = {"usage": [flat("1")], "support": [support("0.10")]}
    terms = TermsPlan(
        overrides=(override(["usage"], multiplier=D("0.5")),),
        commits=(commit("c", "prepaid", "1000", window(0, 1)),),
    )
    c = contract(terms, card(rates), utc(2026, 11), months=1)
    p = c.periods[0]
    # the usage line arrives already priced (overrides are usage rating's: 200 × 0.5 = 100.00)
    (inv,) = invoices(c, {p.start: [usage_line("usage", "200", "0.5", p)]})
    (line,) = composites(inv)
    # 10% of 100.00 = 10.00, although the commit then covers everything (100 + 10 = 110)
    assert str(line.amount) == "10.00"
    assert (str(inv.subtotal), str(inv.applied), str(inv.total)) == ("110.00", "-110.00", "0.00")
