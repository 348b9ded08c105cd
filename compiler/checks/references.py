"""Unresolved references (E0201): every ID a package names must be defined.

Scenario contracts naming a template are checked in `compiler.checks.scenarios` (E0501); the
products their own terms name are checked here, with the templates' terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from compiler.checks.context import CheckContext
from compiler.checks.suggest import did_you_mean
from compiler.checks.terms import contract_terms, product_references
from compiler.diagnostics import Diagnostic, Span, error


def unresolved(kind: str, name: str, defined: Iterable[str], span: Span, where: str) -> Diagnostic:
    """The E0201 diagnostic for `name`, which no `kind` in `defined` is called."""
    known = sorted(set(defined))
    hint = did_you_mean(name, known)
    if hint is None:
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        hint = f"defined {kind}s: {shown}" if known else f"the package defines no {kind}"
    return error("E0201", f"{where} names {kind} '{name}', which is not defined", span, hint)


def resolve_metrics(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0201: a product's `metric` names a defined metric."""
    metrics = ctx.package.metrics
    for pid, product in ctx.package.products.items():
        if product.metric is not None and product.metric not in metrics:
            yield unresolved(
                "metric",
                product.metric,
                metrics,
                ctx.value("products", pid, "metric"),
                f"product '{pid}'",
            )


def resolve_products(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0201: composites, rate cards and contract terms name defined products."""
    products = ctx.package.products
    for pid, product in products.items():
        if product.of is None:
            continue
        for j, included in enumerate(product.of.products):
            if included not in products:
                yield unresolved(
                    "product",
                    included,
                    products,
                    ctx.value("products", pid, "of", "products", j),
                    f"composite product '{pid}'",
                )
    for card_id, card in ctx.package.rate_cards.items():
        for rated in card.rates:
            if rated not in products:
                yield unresolved(
                    "product",
                    rated,
                    products,
                    ctx.key("rate_cards", card_id, "rates", rated),
                    f"rate card '{card_id}'",
                )
    for site in contract_terms(ctx.loaded):
        for reference in product_references(site.terms):
            if reference.product not in products:
                yield unresolved(
                    "product",
                    reference.product,
                    products,
                    site.value(*reference.path),
                    f"{site.owner} ({reference.role})",
                )


def resolve_rate_cards(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0201: a contract template's `rate_card` names a defined rate card."""
    cards = ctx.package.rate_cards
    for template_id, template in ctx.package.contract_templates.items():
        if template.rate_card not in cards:
            yield unresolved(
                "rate card",
                template.rate_card,
                cards,
                ctx.value("contract_templates", template_id, "rate_card"),
                f"contract template '{template_id}'",
            )


def resolve_pricing_units(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0201: rate `unit`s and a card's `pricing_units` keys name defined pricing units."""
    units = ctx.package.pricing_units
    for card_id, card in ctx.package.rate_cards.items():
        for unit in card.pricing_units:
            if unit not in units:
                yield unresolved(
                    "pricing unit",
                    unit,
                    units,
                    ctx.key("rate_cards", card_id, "pricing_units", unit),
                    f"rate card '{card_id}'",
                )
        for pid, entries in card.rates.items():
            for i, entry in enumerate(entries):
                if entry.unit is not None and entry.unit not in units:
                    yield unresolved(
                        "pricing unit",
                        entry.unit,
                        units,
                        ctx.value("rate_cards", card_id, "rates", pid, i, "unit"),
                        f"rate of '{pid}' on rate card '{card_id}'",
                    )
