"""Usage charges (SPEC 3.3): aggregated quantities priced into invoice lines.

Per contract, billing period, usage product and pricing group values: convert and round the
quantity, price it with the rate in effect after the override that applies, split at rate and
override boundaries (segments), and allocate the line's amount over presentation sub-lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from itertools import pairwise
from operator import attrgetter

from compiler.engine.allocation import allocate_largest_remainder
from compiler.engine.invoice import PeriodOut, PresentationLine, TierLine, UnpricedUsage, UsageLine
from compiler.engine.money import MONEY_CONTEXT, plain, round_quantity, round_to_quantum
from compiler.engine.overrides import EffectiveRate, PlacedOverride, choose, effective_rate
from compiler.engine.periods import Period
from compiler.engine.tiers import (
    TierCharge,
    charges_total,
    price_flat,
    price_graduated,
    price_volume,
)
from compiler.model.currencies import minor_unit_quantum
from compiler.plan.ir import MetricPlan, ProductPlan, RatePlan

GroupValues = tuple[str | None, ...]

# Aggregates that are additive over time can be measured per segment; the others take the
# whole period at the rate in effect at its start (SPEC 3.3 rule 4).
SEGMENTED = ("count", "sum")

_ZERO = Decimal(0)


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
    """The first of `rates` for the group values in effect at `at`."""
    wanted = dict(zip(keys, values, strict=True))
    return next((r for r in rates if r.pricing_group_values == wanted and _in_force(r, at)), None)


def _in_force(rate: RatePlan, at: datetime) -> bool:
    return (rate.starting_at is None or rate.starting_at <= at) and (
        rate.ending_before is None or at < rate.ending_before
    )


def group_order(values: Iterable[str | None]) -> tuple[tuple[bool, str], ...]:
    """Pricing group values in order: by value, a missing value (None) last."""
    return tuple([(value is None, value or "") for value in values])


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
        return round_to_quantum(amount, self.quantum, self.rounding)  # type: ignore[arg-type]


def convert(product: ProductPlan, raw: Decimal) -> Decimal:
    """Quantity conversion, then quantity rounding (SPEC 3.3 rule 2)."""
    if product.conversion is None and product.rounding is None:
        return raw  # most products: no context to enter for every line
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
    rates: ProductRates,
    overrides: Sequence[PlacedOverride],
    aggregates: Sequence[Aggregate],
    pricing: Pricing,
) -> UsageRating:
    """Price one product's aggregates for one contract period into usage lines (`rates`: the
    product's on the contract's rate card)."""
    result = UsageRating()
    by_group: dict[GroupValues, list[Aggregate]] = defaultdict(list)
    for aggregate in aggregates:
        by_group[aggregate.values].append(aggregate)
    keys = product.pricing_group_keys
    product_rates = _ContractRates(rates, overrides)
    # One context for all of the product's arithmetic: entering one per operation would cost
    # more than the operations.
    with localcontext(MONEY_CONTEXT):
        for values in sorted(by_group, key=group_order):
            group_values = dict(zip(keys, values, strict=True))
            parts = by_group[values]
            parts.sort(key=_SEGMENT)
            runs = _runs(parts, product, product_rates, group_values)
            priced = [run for run in runs if run.rate is not None and run.reason is None]
            # tiers count only what is priced: unpriced segments neither fill nor reach a tier
            total = _ZERO
            for run in priced:
                total += run.quantity
            already = _ZERO
            for run in runs:
                if run.rate is None or run.reason is not None:
                    result.unpriced.append(
                        _unpriced(customer_id, contract_id, product, group_values, run)
                    )
                    continue
                charges = None
                if run.rate.tiers:
                    charges = _tier_charges(run, already, total, last=run is priced[-1])
                # tiers keep counting across segments, also after one priced at a flat rate
                already += max(run.quantity, _ZERO)
                result.lines.append(_line(product, group_values, run, charges, pricing))
                start, end = run.aggregate.segment
                result.priced_groups.append((start, end, values))
    return result


_SEGMENT = attrgetter("segment")


class ProductRates:
    """One product's rates on one rate card, looked up by group values and instant.

    The rates are indexed by their pricing group values, each with the rate it makes when no
    override applies, once per card and product: the contracts on a card (a thousand in the
    benchmark) share the index rather than each build its own.
    """

    def __init__(self, product: ProductPlan, rates: Sequence[RatePlan] | None) -> None:
        self.product_id = product.id
        self.on_card = rates is not None
        # A rate's index key is its values in the order of `dict(zip(keys, values))`, the
        # group values it must equal: each key once, where it first appears.
        keys = tuple(dict.fromkeys(product.pricing_group_keys))
        every_key = set(keys)
        self.by_values: dict[GroupValues, list[tuple[RatePlan, EffectiveRate]]] = {}
        for rate in rates or ():
            named = rate.pricing_group_values
            if named.keys() == every_key:
                found = self.by_values.setdefault(tuple([named[k] for k in keys]), [])
                found.append((rate, effective_rate(rate, None, None)))


class _ContractRates:
    """A product's rates on one contract: the card's, under the contract's overrides that name
    the product (most contracts have none)."""

    def __init__(self, rates: ProductRates, overrides: Sequence[PlacedOverride]) -> None:
        self.rates = rates
        self.overrides = [o for o in overrides if rates.product_id in o.override.products]

    def at(
        self, group_values: Mapping[str, str | None], at: datetime
    ) -> tuple[EffectiveRate | None, str | None]:
        """(the rate in effect after overrides, why the usage is not priced or None)."""
        if not self.rates.on_card:
            return None, "product is not on the contract's rate card"
        for found in self.rates.by_values.get(tuple(group_values.values()), ()):
            if _in_force(found[0], at):
                break
        else:
            return None, "no rate for these pricing group values"
        rate, effective = found
        if self.overrides:
            price_override, entitlement = choose(
                self.overrides, self.rates.product_id, group_values, at
            )
            if price_override is not None or entitlement is not None:
                effective = effective_rate(rate, price_override, entitlement)
        if not effective.entitled:
            return effective, "product is not entitled on this contract"
        return effective, None


@dataclass
class _Run:
    """Consecutive segments of one pricing group that share one effective rate."""

    aggregate: Aggregate
    rate: EffectiveRate | None
    reason: str | None
    quantity: Decimal = _ZERO  # the aggregate's value, converted once the run is complete


def _runs(
    parts: Sequence[Aggregate],
    product: ProductPlan,
    rates: _ContractRates,
    group_values: Mapping[str, str | None],
) -> list[_Run]:
    """Price each segment's rate, merge neighbours priced alike (count and sum add up), and
    convert each run's quantity."""
    runs: list[_Run] = []
    for part in parts:
        effective, reason = rates.at(group_values, part.segment[0])
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
    for run in runs:
        run.quantity = convert(product, run.aggregate.value)
        if run.rate is not None and run.rate.tiers and run.quantity < 0:
            run.reason = "negative quantity on a tiered rate"
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


def _tier_charges(run: _Run, already: Decimal, total: Decimal, last: bool) -> list[TierCharge]:
    """A tiered run's charges: `already` is what the group's earlier runs priced, `total` all
    it prices in the period, `last` whether this is its last priced run."""
    assert run.rate is not None
    if run.rate.tier_mode == "volume":
        return price_volume(run.rate.tiers, run.quantity, total, charge_flat=last)
    return price_graduated(run.rate.tiers, run.quantity, already)


def _unpriced(
    customer_id: str,
    contract_id: str,
    product: ProductPlan,
    group_values: Mapping[str, str | None],
    run: _Run,
) -> UnpricedUsage:
    start, end = run.aggregate.segment
    return UnpricedUsage(
        customer_id=customer_id,
        contract_id=contract_id,
        product_id=product.id,
        period=PeriodOut(starting_at=start, ending_before=end),
        pricing_group_values=group_values,
        quantity=run.quantity,
        events=run.aggregate.events,
        reason=run.reason or "unpriced",
    )


def _line(
    product: ProductPlan,
    group_values: Mapping[str, str | None],
    run: _Run,
    charges: list[TierCharge] | None,
    pricing: Pricing,
) -> UsageLine:
    aggregate, rate, quantity = run.aggregate, run.rate, run.quantity
    assert rate is not None
    tiers = None
    if charges is None:
        assert rate.price is not None
        unit_price: Decimal | None = plain(rate.price)
        exact = price_flat(quantity, rate.price)
    else:
        unit_price = None
        exact = charges_total(charges)
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
    amount = pricing.round(exact)
    presentation = None
    if product.presentation_group_keys and aggregate.presentation:
        ordered = sorted(aggregate.presentation.items(), key=lambda kv: group_order(kv[0]))
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
        pricing_group_values=group_values,  # validation copies it
        starting_at=start,
        ending_before=end,
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        tiers=tiers,
        presentation=presentation,
        unit=rate.unit,
        override=rate.override,
    )
