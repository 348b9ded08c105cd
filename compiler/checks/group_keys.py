"""Group keys: products price and present by their metric's group keys (E0203-E0206)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from compiler.checks.context import CheckContext
from compiler.checks.suggest import did_you_mean
from compiler.checks.terms import contract_terms
from compiler.diagnostics import Diagnostic, Span, error
from compiler.model import Product


def _group_key_subset(ctx: CheckContext, field: str, code: str, role: str) -> Iterator[Diagnostic]:
    for pid, product in ctx.package.products.items():
        metric = ctx.package.metrics.get(product.metric or "")
        if metric is None:
            continue  # no metric: E0201 or E0208
        for i, key in enumerate(getattr(product, field)):
            if key not in metric.group_keys:
                keys = ", ".join(metric.group_keys) or "none"
                yield error(
                    code,
                    f"{role} group key '{key}' is not a group key of metric "
                    f"'{product.metric}' (its keys: {keys})",
                    ctx.value("products", pid, field, i),
                    did_you_mean(key, metric.group_keys)
                    or f"add '{key}' to the group_keys of metric '{product.metric}'",
                )


def pricing_keys_in_metric(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0203: every pricing group key of a product is a group key of its metric."""
    yield from _group_key_subset(ctx, "pricing_group_keys", "E0203", "pricing")


def presentation_keys_in_metric(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0204: every presentation group key of a product is a group key of its metric."""
    yield from _group_key_subset(ctx, "presentation_group_keys", "E0204", "presentation")


def disjoint_group_keys(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0205: no key is both a pricing and a presentation group key of a product."""
    for pid, product in ctx.package.products.items():
        pricing = set(product.pricing_group_keys)
        for i, key in enumerate(product.presentation_group_keys):
            if key in pricing:
                yield error(
                    "E0205",
                    f"group key '{key}' of product '{pid}' is both a pricing and a "
                    "presentation key",
                    ctx.value("products", pid, "presentation_group_keys", i),
                    "a pricing key already splits the line; remove it from presentation_group_keys",
                )


def _values_name_keys(
    values: Mapping[str, object],
    product_id: str,
    product: Product,
    where: str,
    at_values: Span,
    at_key: Mapping[str, Span],
) -> Iterator[Diagnostic]:
    keys = product.pricing_group_keys
    shown = ", ".join(keys) or "none"
    for name in values:
        if name not in keys:
            yield error(
                "E0206",
                f"{where}: '{name}' is not a pricing group key of product '{product_id}' "
                f"(its pricing keys: {shown})",
                at_key[name],
                did_you_mean(name, keys)
                or "pricing_group_values name exactly the product's pricing_group_keys",
            )
    missing = [k for k in keys if k not in values]
    if missing:
        yield error(
            "E0206",
            f"{where}: pricing_group_values lack pricing group key(s) "
            f"{', '.join(missing)} of product '{product_id}'",
            at_values,
            "give a value for every pricing group key; a rate per combination",
        )


def pricing_group_values(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0206: pricing_group_values name exactly the product's pricing group keys."""
    products = ctx.package.products
    for card_id, card in ctx.package.rate_cards.items():
        for pid, entries in card.rates.items():
            product = products.get(pid)
            if product is None or product.type == "fixed":
                continue  # E0201 / E0303
            for i, entry in enumerate(entries):
                path = ("rate_cards", card_id, "rates", pid, i)
                has = ctx.positions.has((*path, "pricing_group_values"))
                yield from _values_name_keys(
                    entry.pricing_group_values,
                    pid,
                    product,
                    f"rate {i + 1} of '{pid}' on rate card '{card_id}'",
                    ctx.value(*path, "pricing_group_values") if has else ctx.value(*path),
                    {
                        k: ctx.key(*path, "pricing_group_values", k)
                        for k in entry.pricing_group_values
                    },
                )
    for site in contract_terms(ctx.loaded):
        for i, override in enumerate(site.terms.overrides):
            if override.pricing_group_values is None:
                continue
            # Only products named by ID: a tag may select products priced by other keys.
            for pid in override.products:
                product = products.get(pid)
                if product is None:
                    continue
                yield from _values_name_keys(
                    override.pricing_group_values,
                    pid,
                    product,
                    f"override {i + 1} of {site.owner}",
                    site.value("overrides", i, "pricing_group_values"),
                    {
                        k: site.key("overrides", i, "pricing_group_values", k)
                        for k in override.pricing_group_values
                    },
                )
