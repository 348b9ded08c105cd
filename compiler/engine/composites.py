"""Composite charges (SPEC 3.4): a percentage of the period's applicable charges.

The base is the sum of the invoice's usage and subscription lines of the products the
composite includes (its `of` products and tags, resolved in the plan as `includes`), after
overrides and before commits and credits. Lines priced in a custom unit count at their fiat
value (the card's conversion rate). The charge is `percentage × base`, at least `minimum`.

Overrides: the rate and the override in effect at the period's start apply to the whole
period. A `multiplier` scales the percentage and the minimum alike (a 10% discount on
premium support); overwrites (`price`, `tiers`) have no meaning for a percentage and are not
considered; `entitled` decides whether the composite is charged at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext

from compiler.engine.contracts import ContractInstance
from compiler.engine.invoice import CompositeLine, LineItem, SubscriptionLine, UsageLine
from compiler.engine.money import MONEY_CONTEXT, plain
from compiler.engine.overrides import PlacedOverride, choose
from compiler.engine.periods import Period
from compiler.engine.usage import Pricing, rate_in_effect
from compiler.plan.ir import ProductPlan, RateCardPlan

_COMPOSITE_OVERRIDES = ("multiplier", "entitled")


def fiat_value(line: UsageLine | SubscriptionLine, card: RateCardPlan) -> Decimal:
    """A usage or subscription line's amount in the card's currency (custom units converted).

    A unit missing from the card's `pricing_units` counts as worth nothing.
    """
    if line.unit is None:
        return line.amount
    with localcontext(MONEY_CONTEXT):
        return line.amount * card.pricing_units.get(line.unit, Decimal(0))


def composite_base(product: ProductPlan, lines: Sequence[LineItem], card: RateCardPlan) -> Decimal:
    """The sum of the applicable usage and subscription lines, unrounded."""
    included = set(product.includes)
    with localcontext(MONEY_CONTEXT):
        return sum(
            (
                fiat_value(line, card)
                for line in lines
                if isinstance(line, UsageLine | SubscriptionLine) and line.product_id in included
            ),
            Decimal(0),
        )


def composite_lines(
    contract: ContractInstance,
    period: Period,
    products: Mapping[str, ProductPlan],
    lines: Sequence[LineItem],
    overrides: Sequence[PlacedOverride],
    pricing: Pricing,
) -> list[CompositeLine]:
    """One line per composite product on the contract's card that is entitled, by product ID."""
    card = contract.rate_card
    fitting = [o for o in overrides if o.override.kind in _COMPOSITE_OVERRIDES]
    result = []
    for product_id in sorted(card.rates):
        product = products.get(product_id)
        if product is None or product.type != "composite":
            continue
        rate = rate_in_effect(card.rates[product_id], (), (), period.start)
        if rate is None or rate.percentage is None:
            continue
        multiplier, entitlement = choose(fitting, product_id, {}, period.start)
        entitled = rate.entitled
        if entitlement is not None and entitlement.override.entitled is not None:
            entitled = entitlement.override.entitled
        if not entitled:
            continue
        factor = Decimal(1)
        if multiplier is not None and multiplier.override.multiplier is not None:
            factor = multiplier.override.multiplier
        base = composite_base(product, lines, card)
        with localcontext(MONEY_CONTEXT):
            percentage = rate.percentage * factor
            minimum = None if rate.minimum is None else rate.minimum * factor
            exact = base * percentage
            if minimum is not None and exact < minimum:
                exact = minimum
        result.append(
            CompositeLine(
                product_id=product_id,
                name=product.name,
                base=plain(base),
                percentage=plain(percentage),
                minimum=None if minimum is None else plain(minimum),
                amount=pricing.round(exact),
                override=None if multiplier is None else multiplier.label,
            )
        )
    return result
