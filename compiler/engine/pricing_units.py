"""Custom pricing units (SPEC 2.4, 3.4): lines priced in a unit, its credits, its conversion.

A rate with `unit: credits` prices its lines in credits, not in the card's currency. On each
invoice, per unit: credits in that unit (a credit with `unit: credits`) are drawn down against
those lines first, in the usual covering order; what is left is converted to the currency at
the card's `pricing_units` rate on one `conversion` line, rounded once. For the currency's
own commits and credits, the converted amount is shared back over the lines it came from
(largest remainder, so the shares add up to the conversion line exactly), so that a commit on
the product can cover it like any other charge of that product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from compiler.engine.allocation import allocate_largest_remainder
from compiler.engine.balances import Balance
from compiler.engine.drawdown import Application, Charge, charge_of, draw
from compiler.engine.invoice import ConversionLine, LineItem, SubscriptionLine, UsageLine
from compiler.engine.money import MONEY_CONTEXT, plain
from compiler.engine.usage import Pricing
from compiler.plan.ir import RateCardPlan


def line_unit(line: LineItem) -> str | None:
    """The custom unit a charge line is priced in, or None for the card's currency."""
    if isinstance(line, UsageLine | SubscriptionLine):
        return line.unit
    return None


@dataclass
class UnitSettlement:
    """What the custom units of one invoice come to."""

    applications: list[Application] = field(default_factory=list)
    conversions: list[ConversionLine] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)  # converted, for the currency's balances


def settle_units(
    lines: Sequence[LineItem],
    balances: Sequence[Balance],
    card: RateCardPlan,
    pricing: Pricing,
) -> UnitSettlement:
    """Draw each unit's credits against its lines, then convert what is left, unit by unit.

    A unit the card gives no rate for cannot be converted: its lines stay unbilled.
    """
    settlement = UnitSettlement()
    for unit in sorted({u for line in lines if (u := line_unit(line)) is not None}):
        charges = [
            c
            for i, line in enumerate(lines)
            if line_unit(line) == unit and (c := charge_of(line, i)) is not None
        ]
        settlement.applications.extend(draw(charges, [b for b in balances if b.unit == unit]))
        rate = card.pricing_units.get(unit)
        if rate is None:
            continue
        with localcontext(MONEY_CONTEXT):
            left = sum((c.amount for c in charges), Decimal(0))
            amount = pricing.round(left * rate)
        settlement.conversions.append(
            ConversionLine(unit=unit, quantity=plain(left), rate=plain(rate), amount=amount)
        )
        shares = allocate_largest_remainder(amount, [c.amount for c in charges], pricing.quantum)
        with localcontext(MONEY_CONTEXT):
            settlement.charges.extend(
                Charge(
                    kind=c.kind,
                    unit_price=c.unit_price * rate,
                    product_id=c.product_id,
                    name=c.name,
                    amount=share,
                    position=c.position,
                )
                for c, share in zip(charges, shares, strict=True)
                if share > 0
            )
    return settlement
