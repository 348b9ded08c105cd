"""Subscription charges (SPEC 3.4): price × quantity for each term of the rate's frequency.

A subscription's terms follow its rate's `billing_frequency` (monthly, quarterly, annual),
anchored like the contract's billing and clipped to the contract. A term lands on the invoice
whose billing period contains its start (`in_advance`) or its last instant (`in_arrears`), so
a quarterly fee on monthly invoices appears once a quarter and a monthly fee on quarterly
invoices three times a quarter.

`proration: daily` charges a partial term (a contract starting or ending inside it) by its
share of the whole term, and splits a term where the price or an override changes inside it,
each piece at its own price. `proration: none` charges every term whole, at the price and
override in effect when the term starts. docs/rating.md explains the choices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import pairwise
from typing import Final

from compiler.engine.contracts import ContractInstance
from compiler.engine.invoice import SubscriptionLine
from compiler.engine.money import MONEY_CONTEXT, plain, round_quantity
from compiler.engine.overrides import EffectiveRate, PlacedOverride, choose, effective_rate
from compiler.engine.periods import (
    Frequency,
    Period,
    add_months,
    billing_periods,
    full_billing_period,
    prorate,
    proration_fraction,
)
from compiler.engine.tiers import charges_total, price_graduated, price_volume
from compiler.engine.usage import Pricing, rate_in_effect
from compiler.plan.ir import ProductPlan, RatePlan, SubscriptionPlan

# The proration shown on a line; the amount is prorated exactly.
PRORATION_PLACES: Final[int] = 6


@dataclass(frozen=True)
class Term:
    """One subscription term: the part charged (clipped to the contract) and the whole term."""

    charged: Period
    full: Period

    def lands_in(self, period: Period, timing: str) -> bool:
        """Whether this term is billed on `period`'s invoice."""
        if timing == "in_advance":
            return period.contains(self.charged.start)
        return period.start < self.charged.end <= period.end


def subscription_terms(
    contract: ContractInstance, frequency: Frequency, near: Period
) -> list[Term]:
    """The contract's terms of `frequency` within a year either side of `near`."""
    anchor = contract.template.billing.anchor
    clipped = billing_periods(
        contract.start,
        contract.end,
        frequency,
        anchor,
        add_months(near.start, -12),
        add_months(near.end, 12),
    )
    return [
        Term(p, full_billing_period(contract.start, frequency, anchor, p.start)) for p in clipped
    ]


def subscription_lines(
    contract: ContractInstance,
    period: Period,
    products: Mapping[str, ProductPlan],
    overrides: Sequence[PlacedOverride],
    pricing: Pricing,
) -> list[SubscriptionLine]:
    """Every subscription charge billed on `period`'s invoice, in the order written."""
    lines: list[SubscriptionLine] = []
    for subscription in contract.terms.subscriptions:
        product = products[subscription.product]
        rates = contract.rate_card.rates.get(product.id, ())
        frequencies = sorted({r.billing_frequency for r in rates if r.billing_frequency})
        for frequency in frequencies:
            for term in subscription_terms(contract, frequency, period):
                first = rate_in_effect(rates, (), (), term.charged.start)
                if (
                    not term.lands_in(period, subscription.timing)
                    or first is None
                    or first.billing_frequency != frequency
                ):
                    continue
                lines.extend(_term_lines(product, subscription, term, rates, overrides, pricing))
    return lines


@dataclass(frozen=True)
class _Piece:
    span: Period
    rate: EffectiveRate


def _pieces(
    product: ProductPlan,
    subscription: SubscriptionPlan,
    term: Term,
    rates: Sequence[RatePlan],
    overrides: Sequence[PlacedOverride],
) -> list[_Piece]:
    """The term's parts priced alike: one part without daily proration, else split at every
    rate or override boundary inside it (neighbours with the same rate merged)."""
    cuts = {term.charged.start, term.charged.end}
    if subscription.proration == "daily":
        cuts.update(t for r in rates for t in (r.starting_at, r.ending_before) if t is not None)
        cuts.update(
            t for o in overrides if product.id in o.override.products for t in (o.start, o.end)
        )
    inside = sorted(c for c in cuts if term.charged.start <= c <= term.charged.end)
    pieces: list[_Piece] = []
    for start, end in pairwise(inside):
        rate = rate_in_effect(rates, (), (), start)
        if rate is None:
            continue
        price_override, entitlement = choose(overrides, product.id, {}, start)
        effective = effective_rate(rate, price_override, entitlement)
        if pieces and pieces[-1].rate == effective and pieces[-1].span.end == start:
            pieces[-1] = _Piece(Period(pieces[-1].span.start, end), effective)
        else:
            pieces.append(_Piece(Period(start, end), effective))
    return [p for p in pieces if p.rate.entitled]


def _term_lines(
    product: ProductPlan,
    subscription: SubscriptionPlan,
    term: Term,
    rates: Sequence[RatePlan],
    overrides: Sequence[PlacedOverride],
    pricing: Pricing,
) -> list[SubscriptionLine]:
    lines = []
    for piece in _pieces(product, subscription, term, rates, overrides):
        whole = _term_price(piece.rate, subscription.quantity)
        if subscription.proration == "daily":
            exact = prorate(whole, piece.span, term.full)
            fraction = proration_fraction(piece.span, term.full)
        else:
            exact, fraction = whole, Decimal(1)
        lines.append(
            SubscriptionLine(
                product_id=product.id,
                name=product.name,
                starting_at=piece.span.start,
                ending_before=piece.span.end,
                quantity=plain(subscription.quantity),
                unit_price=None if piece.rate.price is None else plain(piece.rate.price),
                proration=plain(round_quantity(fraction, PRORATION_PLACES, "half_up")),
                amount=pricing.round(exact),
                timing=subscription.timing,
                unit=piece.rate.unit,
                override=piece.rate.override,
            )
        )
    return lines


def _term_price(rate: EffectiveRate, quantity: Decimal) -> Decimal:
    """A whole term's price for `quantity`: flat, or through the rate's tiers."""
    with localcontext(MONEY_CONTEXT):
        if not rate.tiers:
            assert rate.price is not None
            return quantity * rate.price
        if rate.tier_mode == "volume":
            return charges_total(price_volume(rate.tiers, quantity))
        return charges_total(price_graduated(rate.tiers, quantity))
