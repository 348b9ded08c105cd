"""Usage charges (SPEC 3.3): aggregated quantities priced into invoice lines.

Per contract, billing period, usage product and pricing group values: convert and round the
quantity, price it with the rate in effect after the override that applies, split at rate and
override boundaries (segments), and allocate the line's amount over presentation sub-lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from itertools import pairwise

from compiler.engine.allocation import allocate_largest_remainder
from compiler.engine.invoice import PeriodOut, PresentationLine, TierLine, UnpricedUsage, UsageLine
from compiler.engine.money import MONEY_CONTEXT, plain, round_money, round_quantity
from compiler.engine.overrides import EffectiveRate, PlacedOverride, choose, effective_rate
from compiler.engine.periods import Period
from compiler.engine.tiers import TierCharge, price_flat, price_graduated, price_volume
from compiler.model.currencies import minor_unit_quantum
from compiler.plan.ir import MetricPlan, ProductPlan, RatePlan

GroupValues = tuple[str | None, ...]

# Aggregates that are additive over time can be measured per segment; the others take the
# whole period at the rate in effect at its start (SPEC 3.3 rule 4).
SEGMENTED = ("count", "sum")


def segments(
    period: Period,
    metric: MetricPlan,
    rates: Sequence[RatePlan],
    overrides: Sequence[PlacedOverride],
    product_id: str,
) -> list[tuple[datetime, datetime]]:
    """The period split at every rate or override boundary of the product inside it."""
    if metric.kind == "sql" or metric.aggregate not in SEGMENTED:
        return [(period.start, period.end)]
    cuts = {period.start, period.end}
    for rate in rates:
        cuts.update(t for t in (rate.starting_at, rate.ending_before) if t is not None)
    for placed in overrides:
        if product_id in placed.override.products:
            cuts.update((placed.start, placed.end))
    inside = sorted(c for c in cuts if period.start <= c <= period.end)
    return list(pairwise(inside))


def rate_in_effect(
    rates: Sequence[RatePlan], keys: Sequence[str], values: GroupValues, at: datetime
) -> RatePlan | None:
    wanted = dict(zip(keys, values, strict=True))
    for rate in rates:
        if rate.pricing_group_values != wanted:
            continue
        if (rate.starting_at is None or rate.starting_at <= at) and (
            rate.ending_before is None or at < rate.ending_before
        ):
            return rate
    return None


@dataclass
class Aggregate:
    """One product's measured quantity for one segment and pricing group."""

    segment: tuple[datetime, datetime]
    values: GroupValues
    value: Decimal
    events: int
    presentation: dict[GroupValues, Decimal] = field(default_factory=dict)


@dataclass
class UsageRating:
    lines: list[UsageLine] = field(default_factory=list)
    unpriced: list[UnpricedUsage] = field(default_factory=list)
    priced_groups: list[tuple[datetime, datetime, GroupValues]] = field(default_factory=list)


@dataclass(frozen=True)
class Pricing:
    currency: str
    rounding: str
    quantum: Decimal

    @classmethod
    def of(cls, currency: str, rounding: str) -> Pricing:
        return cls(currency, rounding, minor_unit_quantum(currency))

    def round(self, amount: Decimal) -> Decimal:
        return round_money(amount, self.currency, self.rounding)  # type: ignore[arg-type]


def convert(product: ProductPlan, raw: Decimal) -> Decimal:
    """Quantity conversion, then quantity rounding (SPEC 3.3 rule 2)."""
    with localcontext(MONEY_CONTEXT):
        quantity = raw
        if product.conversion is not None:
            factor = product.conversion.factor
            quantity = (
                quantity / factor
                if product.conversion.operation == "divide"
                else (quantity * factor)
            )
        if product.rounding is not None:
            quantity = round_quantity(
                quantity, product.rounding.decimal_places, product.rounding.method
            )
        return quantity


def rate_usage(
    *,
    customer_id: str,
    contract_id: str,
    period: Period,
    product: ProductPlan,
    rates: Sequence[RatePlan] | None,
    overrides: Sequence[PlacedOverride],
    aggregates: Sequence[Aggregate],
    pricing: Pricing,
) -> UsageRating:
    """Price one product's aggregates for one contract period into usage lines."""
    result = UsageRating()
    by_group: dict[GroupValues, list[Aggregate]] = defaultdict(list)
    for aggregate in aggregates:
        by_group[aggregate.values].append(aggregate)
    keys = product.pricing_group_keys
    for values in sorted(by_group, key=lambda v: tuple((x is None, x or "") for x in v)):
        group_values = dict(zip(keys, values, strict=True))
        runs = _runs(
            sorted(by_group[values], key=lambda a: a.segment),
            product,
            rates,
            overrides,
            group_values,
        )
        quantities = [convert(product, run.aggregate.value) for run in runs]
        for run, quantity in zip(runs, quantities, strict=True):
            if run.rate is not None and run.rate.tiers and quantity < 0:
                run.reason = "negative quantity on a tiered rate"
        priced = [i for i, run in enumerate(runs) if run.rate is not None and run.reason is None]
        with localcontext(MONEY_CONTEXT):
            # tiers count only what is priced: unpriced segments neither fill nor reach a tier
            total = sum((quantities[i] for i in priced), Decimal(0))
        already = Decimal(0)
        for index, (run, quantity) in enumerate(zip(runs, quantities, strict=True)):
            aggregate, effective = run.aggregate, run.rate
            start, end = aggregate.segment
            if effective is None or run.reason is not None:
                result.unpriced.append(
                    UnpricedUsage(
                        customer_id=customer_id,
                        contract_id=contract_id,
                        product_id=product.id,
                        period=PeriodOut(starting_at=start, ending_before=end),
                        pricing_group_values=group_values,
                        quantity=quantity,
                        events=aggregate.events,
                        reason=run.reason or "unpriced",
                    )
                )
                continue
            charges = _charges(effective, quantity, already, total, index == priced[-1])
            already += max(quantity, Decimal(0))
            result.lines.append(
                _line(product, group_values, aggregate, quantity, effective, charges, pricing)
            )
            result.priced_groups.append((start, end, values))
    return result


@dataclass
class _Run:
    """Consecutive segments of one pricing group that share one effective rate."""

    aggregate: Aggregate
    rate: EffectiveRate | None
    reason: str | None


def _runs(
    parts: Sequence[Aggregate],
    product: ProductPlan,
    rates: Sequence[RatePlan] | None,
    overrides: Sequence[PlacedOverride],
    group_values: Mapping[str, str | None],
) -> list[_Run]:
    """Price each segment's rate, and merge neighbours priced alike (count and sum add up)."""
    runs: list[_Run] = []
    for part in parts:
        start = part.segment[0]
        rate = rate_in_effect(rates or (), product.pricing_group_keys, part.values, start)
        effective, reason = None, None
        if rates is None:
            reason = "product is not on the contract's rate card"
        elif rate is None:
            reason = "no rate for these pricing group values"
        else:
            price_override, entitlement = choose(overrides, product.id, group_values, start)
            effective = effective_rate(rate, price_override, entitlement)
            if not effective.entitled:
                reason = "product is not entitled on this contract"
        previous = runs[-1] if runs else None
        if (
            previous is not None
            and previous.rate == effective
            and previous.reason == reason
            and previous.aggregate.segment[1] == part.segment[0]
        ):
            previous.aggregate = _merge(previous.aggregate, part)
        else:
            runs.append(_Run(part, effective, reason))
    return runs


def _merge(first: Aggregate, second: Aggregate) -> Aggregate:
    with localcontext(MONEY_CONTEXT):
        presentation = dict(first.presentation)
        for values, value in second.presentation.items():
            presentation[values] = presentation.get(values, Decimal(0)) + value
        return Aggregate(
            segment=(first.segment[0], second.segment[1]),
            values=first.values,
            value=first.value + second.value,
            events=first.events + second.events,
            presentation=presentation,
        )


def _charges(
    rate: EffectiveRate, quantity: Decimal, already: Decimal, total: Decimal, last: bool
) -> list[TierCharge] | None:
    """Tier charges for a tiered rate; None for a flat one."""
    if not rate.tiers:
        return None
    if rate.tier_mode == "volume":
        return price_volume(rate.tiers, quantity, total, charge_flat=last)
    return price_graduated(rate.tiers, quantity, already)


def _line(
    product: ProductPlan,
    group_values: Mapping[str, str | None],
    aggregate: Aggregate,
    quantity: Decimal,
    rate: EffectiveRate,
    charges: list[TierCharge] | None,
    pricing: Pricing,
) -> UsageLine:
    with localcontext(MONEY_CONTEXT):
        if charges is None:
            assert rate.price is not None
            unit_price: Decimal | None = rate.price
            exact = price_flat(quantity, rate.price)
        else:
            unit_price = None
            exact = sum((c.amount for c in charges), Decimal(0))
    amount = pricing.round(exact)
    tiers = None
    if charges is not None:
        tiers = [
            TierLine(
                tier=c.index + 1,
                quantity=c.quantity,
                unit_price=plain(c.unit_price),
                flat=plain(c.flat),
                amount=plain(c.amount),
            )
            for c in charges
        ]
    presentation = None
    if product.presentation_group_keys and aggregate.presentation:
        ordered = sorted(
            aggregate.presentation.items(),
            key=lambda kv: tuple((x is None, x or "") for x in kv[0]),
        )
        weights = [max(v, Decimal(0)) for _, v in ordered]
        parts = allocate_largest_remainder(amount, weights, pricing.quantum)
        presentation = [
            PresentationLine(
                group_values=dict(zip(product.presentation_group_keys, values, strict=True)),
                quantity=convert(product, raw),
                amount=part,
            )
            for (values, raw), part in zip(ordered, parts, strict=True)
        ]
    start, end = aggregate.segment
    return UsageLine(
        product_id=product.id,
        name=product.name,
        pricing_group_values=dict(group_values),
        starting_at=start,
        ending_before=end,
        quantity=quantity,
        unit_price=None if unit_price is None else plain(unit_price),
        amount=amount,
        tiers=tiers,
        presentation=presentation,
        unit=rate.unit,
        override=rate.override,
    )
