"""From a checked package model to the rating plan, every reference resolved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol

from compiler.model import ContractTemplate, Package
from compiler.model.common import PropertyValue, property_text
from compiler.model.contracts import ContractTerms, Window
from compiler.model.currencies import MINOR_UNITS
from compiler.model.metrics import Metric
from compiler.model.products import Product, ProductSelector
from compiler.model.rate_cards import RateCard, RateEntry, Tier
from compiler.plan.ir import (
    BillingPlan,
    CommitPlan,
    ConversionPlan,
    CreditPlan,
    FilterPlan,
    InvoiceEntryPlan,
    MetricPlan,
    OverridePlan,
    PackagePlan,
    ProductPlan,
    RateCardPlan,
    RatePlan,
    RatingPlan,
    RoundingPlan,
    ScheduledChargePlan,
    SubscriptionPlan,
    TemplatePlan,
    TermsPlan,
    TierPlan,
    WindowPlan,
)
from compiler.plan.serialize import with_hash


def build_plan(package: Package) -> RatingPlan:
    """Resolve a package that passed validation into its rating plan (hash included)."""

    plan = RatingPlan(
        package=PackagePlan(
            name=package.package.name,
            description=package.package.description,
            rounding=package.package.rounding,
        ),
        metrics={mid: _metric(mid, m) for mid, m in sorted(package.metrics.items())},
        products={
            pid: _product(pid, p, package.products) for pid, p in sorted(package.products.items())
        },
        rate_cards={cid: _rate_card(cid, c) for cid, c in sorted(package.rate_cards.items())},
        contract_templates={
            tid: _template(tid, t, package.products)
            for tid, t in sorted(package.contract_templates.items())
        },
        pricing_units={uid: u.name for uid, u in sorted(package.pricing_units.items())},
    )
    return with_hash(plan)


def _texts(values: Iterable[PropertyValue] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(property_text(v) for v in values)


def _metric(mid: str, metric: Metric) -> MetricPlan:
    return MetricPlan(
        id=mid,
        name=metric.name,
        kind="sql" if metric.sql is not None else "simple",
        event_types=tuple(metric.event_types),
        aggregate=metric.aggregate,
        property=metric.property,
        filters=tuple(
            FilterPlan(property=name, in_=_texts(f.in_), not_in=_texts(f.not_in), exists=f.exists)
            for name, f in sorted(metric.filters.items())
        ),
        group_keys=tuple(metric.group_keys),
        sql=metric.sql,
    )


class Selectable(Protocol):
    """What selecting by tag needs of a product: a package model's or a plan's."""

    @property
    def type(self) -> str: ...

    @property
    def tags(self) -> Sequence[str]: ...


def select_products(
    selector: ProductSelector | None, products: Mapping[str, Selectable], default: Iterable[str]
) -> tuple[str, ...]:
    """Product IDs a selector names, directly or by tag; `default` when there is no selector."""
    if selector is None:
        return tuple(sorted(default))
    tags = set(selector.tags)
    chosen = set(selector.products) | {
        pid for pid, p in products.items() if tags.intersection(p.tags)
    }
    return tuple(sorted(chosen))


def _product(pid: str, product: Product, products: Mapping[str, Product]) -> ProductPlan:
    conversion = None
    if product.quantity_conversion is not None:
        qc = product.quantity_conversion
        conversion = (
            ConversionPlan(operation="divide", factor=qc.divide_by)
            if qc.divide_by is not None
            else ConversionPlan(operation="multiply", factor=qc.multiply_by or 1)
        )
    rounding = None
    if product.quantity_rounding is not None:
        rounding = RoundingPlan(**product.quantity_rounding.model_dump())
    includes: tuple[str, ...] = ()
    if product.type == "composite":
        includes = tuple(
            p
            for p in select_products(product.of, products, ())
            if products[p].type in ("usage", "subscription")
        )
    return ProductPlan(
        id=pid,
        name=product.name,
        type=product.type,
        metric=product.metric,
        pricing_group_keys=tuple(product.pricing_group_keys),
        presentation_group_keys=tuple(product.presentation_group_keys),
        conversion=conversion,
        rounding=rounding,
        tags=tuple(product.tags),
        includes=includes,
    )


def _tiers(tiers: Iterable[Tier] | None) -> tuple[TierPlan, ...]:
    return tuple(TierPlan(up_to=t.up_to, price=t.price, flat=t.flat) for t in tiers or ())


def _group_values(values: Mapping[str, PropertyValue] | None) -> dict[str, str] | None:
    if values is None:
        return None
    return {k: property_text(v) for k, v in sorted(values.items())}


def _rate(entry: RateEntry) -> RatePlan:
    kind = "percentage" if entry.percentage is not None else "tiered" if entry.tiers else "flat"
    return RatePlan(
        starting_at=entry.starting_at,
        ending_before=entry.ending_before,
        pricing_group_values=_group_values(entry.pricing_group_values) or {},
        kind=kind,
        price=entry.price,
        tiers=_tiers(entry.tiers),
        tier_mode=entry.tier_mode or "graduated",
        percentage=entry.percentage,
        minimum=entry.minimum,
        billing_frequency=entry.billing_frequency,
        unit=entry.unit,
        entitled=entry.entitled,
    )


def _rate_card(cid: str, card: RateCard) -> RateCardPlan:
    return RateCardPlan(
        id=cid,
        name=card.name,
        currency=card.currency,
        minor_unit=MINOR_UNITS[card.currency],
        pricing_units=dict(sorted(card.pricing_units.items())),
        rates={
            pid: tuple(_rate(e) for e in entries) for pid, entries in sorted(card.rates.items())
        },
    )


def _window(window: Window) -> WindowPlan:
    return WindowPlan(**window.model_dump())


def terms_plan(
    terms: ContractTerms,
    products: Mapping[str, Selectable],
    origin: Literal["template", "contract"] = "template",
) -> TermsPlan:
    """Resolve contract terms (a template's, or a customer contract's own additions)."""
    usage_like = [
        p for p, prod in products.items() if prod.type in ("usage", "subscription", "composite")
    ]
    overrides = []
    for index, o in enumerate(terms.overrides):
        kind = (
            "multiplier"
            if o.multiplier is not None
            else "price"
            if o.price is not None
            else "tiers"
            if o.tiers
            else "entitled"
        )
        overrides.append(
            OverridePlan(
                products=select_products(
                    ProductSelector(products=o.products, tags=o.tags), products, ()
                ),
                pricing_group_values=_group_values(o.pricing_group_values),
                kind=kind,
                multiplier=o.multiplier,
                price=o.price,
                tiers=_tiers(o.tiers),
                tier_mode=o.tier_mode or "graduated",
                entitled=o.entitled,
                priority=o.priority,
                window=WindowPlan(
                    starting_month=o.starting_month,
                    months=o.months,
                    starting_at=o.starting_at,
                    ending_before=o.ending_before,
                ),
                origin=origin,
                index=index,
            )
        )
    return TermsPlan(
        subscriptions=tuple(SubscriptionPlan(**s.model_dump()) for s in terms.subscriptions),
        overrides=tuple(overrides),
        commits=tuple(
            CommitPlan(
                id=c.id,
                name=c.name,
                type=c.type,
                product=c.product,
                amount=c.amount,
                access=_window(c.access),
                invoice=tuple(InvoiceEntryPlan(**e.model_dump()) for e in c.invoice),
                applies_to=select_products(c.applies_to, products, usage_like),
                priority=c.priority,
            )
            for c in terms.commits
        ),
        credits=tuple(
            CreditPlan(
                id=c.id,
                name=c.name,
                product=c.product,
                amount=c.amount,
                access=_window(c.access) if c.access else None,
                recurring=c.recurring,
                applies_to=select_products(c.applies_to, products, usage_like),
                priority=c.priority,
                unit=c.unit,
            )
            for c in terms.credits
        ),
        scheduled_charges=tuple(
            ScheduledChargePlan(**s.model_dump()) for s in terms.scheduled_charges
        ),
    )


def _template(
    tid: str, template: ContractTemplate, products: Mapping[str, Product]
) -> TemplatePlan:
    terms = terms_plan(template, products)
    return TemplatePlan(
        id=tid,
        name=template.name,
        rate_card=template.rate_card,
        duration_months=template.duration_months,
        billing=BillingPlan(**template.billing.model_dump()),
        **dict(terms),
    )
