"""Products have the fields their type calls for (E0208), and contract terms name products of
the type each term bills (E0210)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks.context import CheckContext
from compiler.checks.terms import contract_terms, product_references
from compiler.diagnostics import Diagnostic, error

# Fields that only usage products may have: they shape a metered quantity.
_USAGE_ONLY = (
    "metric",
    "pricing_group_keys",
    "presentation_group_keys",
    "quantity_conversion",
    "quantity_rounding",
)

# What type of product each kind of contract term bills.
_TERM_TYPES = {
    "subscription": "subscription",
    "commit": "fixed",
    "credit": "fixed",
    "scheduled charge": "fixed",
}


def product_fields(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0208: a product's fields fit its type (metric on usage, `of` on composite, ...)."""
    for pid, product in ctx.package.products.items():
        path = ("products", pid)
        kind = product.type
        if kind == "usage" and product.metric is None:
            yield error(
                "E0208",
                f"usage product '{pid}' has no metric",
                ctx.key(*path),
                "add `metric: <metric id>`: a usage product prices a metric",
            )
        if kind == "composite" and product.of is None:
            yield error(
                "E0208",
                f"composite product '{pid}' has no `of`",
                ctx.key(*path),
                "add `of: {products: [...]}` or `of: {tags: [...]}`",
            )
        if kind == "composite" and product.of is not None:
            if not product.of.products and not product.of.tags:
                yield error(
                    "E0208",
                    f"composite product '{pid}' selects no products",
                    ctx.value(*path, "of"),
                    "list products and/or tags under `of`",
                )
        if kind != "composite" and product.of is not None:
            yield error(
                "E0208",
                f"{kind} product '{pid}' cannot have `of`",
                ctx.key(*path, "of"),
                "only composite products include other products",
            )
        if kind != "usage":
            for field in _USAGE_ONLY:
                if ctx.positions.has((*path, field)):
                    yield error(
                        "E0208",
                        f"{kind} product '{pid}' cannot have `{field}`",
                        ctx.key(*path, field),
                        f"`{field}` applies to usage products only",
                    )
        conversion = product.quantity_conversion
        if conversion is not None:
            given = [f for f in ("divide_by", "multiply_by") if getattr(conversion, f) is not None]
            if len(given) != 1:
                yield error(
                    "E0208",
                    f"quantity_conversion of product '{pid}' needs exactly one of divide_by, "
                    f"multiply_by (found {len(given)})",
                    ctx.value(*path, "quantity_conversion"),
                    "e.g. {divide_by: 1000000} to price per million",
                )


def term_product_types(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0210: subscriptions name subscription products; commits, credits and scheduled charges
    name fixed products."""
    products = ctx.package.products
    for site in contract_terms(ctx.loaded):
        for reference in product_references(site.terms):
            expected = _TERM_TYPES.get(reference.role)
            product = products.get(reference.product)
            if expected is None or product is None or product.type == expected:
                continue
            yield error(
                "E0210",
                f"{reference.role} of {site.owner} names {product.type} product "
                f"'{reference.product}'; a {reference.role} needs a {expected} product",
                site.value(*reference.path),
                f"define a product with `type: {expected}` for it",
            )
