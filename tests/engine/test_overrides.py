"""Which override applies (SPEC 2.5), and what it does to usage and subscription charges."""

from __future__ import annotations

from decimal import Decimal

from compiler.engine.overrides import PlacedOverride, choose, effective_rate, placed_overrides
from compiler.engine.periods import Period
from compiler.engine.usage import Aggregate, ProductRates, rate_usage
from compiler.plan.ir import OverridePlan, RatePlan, SubscriptionPlan, TermsPlan, TierPlan
from tests.engine.terms_builders import (
    PRODUCTS,
    USD,
    card,
    contract,
    flat,
    invoices,
    override,
    utc,
    window,
)

D = Decimal
NOV = Period(utc(2026, 11), utc(2026, 12))
CARD = card({"usage": [flat("10")], "fee": [flat("500", billing_frequency="monthly")]})


def placed(*overrides: OverridePlan) -> list[PlacedOverride]:
    return [PlacedOverride(o, utc(2026, 1), utc(2030, 1)) for o in overrides]


def usage_amount(
    overrides: list[PlacedOverride], quantity: str = "3", rates: list[RatePlan] | None = None
) -> tuple[str, str | None]:
    """The amount and override label of `quantity` units of `usage` in November."""
    rating = rate_usage(
        customer_id="acme",
        contract_id="acme-1",
        period=NOV,
        product=PRODUCTS["usage"],
        rates=ProductRates(PRODUCTS["usage"], rates or CARD.rates["usage"]),
        overrides=overrides,
        aggregates=[
            Aggregate(segment=(NOV.start, NOV.end), values=(), value=D(quantity), events=1)
        ],
        pricing=USD,
    )
    (line,) = rating.lines
    return str(line.amount), line.override


def test_two_multipliers_the_lower_wins() -> None:
    overrides = placed(
        override(["usage"], multiplier=D("0.9"), index=0),
        override(["usage"], multiplier=D("0.8"), index=1),
    )
    # 3 × 10 × 0.8 = 24.00 (0.8 beats 0.9; never stacked to 0.72)
    assert usage_amount(overrides) == ("24.00", "template override #2 (multiplier 0.8)")


def test_an_overwrite_beats_both_multipliers() -> None:
    overrides = placed(
        override(["usage"], multiplier=D("0.9"), index=0),
        override(["usage"], price=D("9.50"), index=1),
        override(["usage"], multiplier=D("0.5"), index=2),
    )
    # the overwrite wins even against the lower 0.5: 3 × 9.50 = 28.50
    assert usage_amount(overrides) == ("28.50", "template override #2 (price 9.50)")


def test_an_overwrite_with_tiers() -> None:
    tiers = (TierPlan(up_to=D(1), price=D(4)), TierPlan(up_to=None, price=D(2)))
    overrides = placed(override(["usage"], tiers=tiers))
    assert usage_amount(overrides) == ("8.00", "template override #1 (tiers)")  # 1×4 + 2×2


def test_the_contract_own_override_beats_the_template() -> None:
    overrides = placed(
        override(["usage"], multiplier=D("0.5"), origin="template"),
        override(["usage"], multiplier=D("0.9"), origin="contract"),
    )
    # both multipliers: the contract's 0.9 beats the template's lower 0.5; 3 × 10 × 0.9 = 27.00
    assert usage_amount(overrides)[0] == "27.00"


def test_explicit_priority_comes_first() -> None:
    overrides = placed(
        override(["usage"], price=D("1"), index=0),
        override(["usage"], multiplier=D("0.9"), priority=1, index=1),
    )
    assert usage_amount(overrides)[0] == "27.00"  # priority 1 beats the overwrite: 30 × 0.9


def test_targeting_by_pricing_values() -> None:
    o = override(["usage"], multiplier=D("0.5"), pricing_group_values={"model": "a"})
    (p,) = placed(o)
    assert choose([p], "usage", {"model": "a"}, NOV.start) == (p, None)
    assert choose([p], "usage", {"model": "b"}, NOV.start) == (None, None)


def test_entitlement_does_not_stop_a_discount() -> None:
    rate = flat("10", entitled=False)
    entitle, discount = placed(
        override(["usage"], entitled=True, index=0),
        override(["usage"], multiplier=D("0.5"), index=1),
    )
    assert effective_rate(rate, None, None).entitled is False
    chosen = choose([entitle, discount], "usage", {}, NOV.start)
    assert chosen == (discount, entitle)
    effective = effective_rate(rate, *chosen)
    assert (effective.entitled, effective.price) == (True, D("5.0"))


def test_usage_not_entitled_is_unpriced_unless_an_override_entitles_it() -> None:
    rates = [flat("10", entitled=False)]
    rating = rate_usage(
        customer_id="acme",
        contract_id="acme-1",
        period=NOV,
        product=PRODUCTS["usage"],
        rates=ProductRates(PRODUCTS["usage"], rates),
        overrides=[],
        aggregates=[Aggregate(segment=(NOV.start, NOV.end), values=(), value=D(3), events=1)],
        pricing=USD,
    )
    assert rating.lines == []
    assert rating.unpriced[0].reason == "product is not entitled on this contract"
    assert usage_amount(placed(override(["usage"], entitled=True)), rates=rates)[0] == "30.00"


def test_relative_month_windows_are_placed_from_the_contract_start() -> None:
    terms = TermsPlan(overrides=(override(["usage"], multiplier=D("0.5"), window=window(2, 3)),))
    c = contract(terms, CARD, utc(2026, 10, 15), months=12)
    (p,) = placed_overrides(c)
    assert (p.start, p.end) == (utc(2026, 12, 15), utc(2027, 3, 15))  # months 2 to 5


def test_the_same_choice_applies_to_subscriptions() -> None:
    terms = TermsPlan(
        subscriptions=(
            SubscriptionPlan(product="fee", quantity=D(1), timing="in_advance", proration="daily"),
        ),
        overrides=(
            override(["fee"], multiplier=D("0.9"), index=0),
            override(["fee"], multiplier=D("0.8"), index=1),
            override(["fee"], price=D("450"), origin="contract", index=0),
        ),
    )
    (inv,) = invoices(contract(terms, CARD, utc(2026, 11), months=1))
    (line,) = [li for li in inv.line_items if li.type == "subscription"]
    assert str(line.amount) == "450.00"  # the overwrite beats both multipliers (400, 450)
