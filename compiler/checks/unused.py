"""Objects nothing uses (W0601), usage products no rate card prices (W0602) and tags that
select no product (W0603). Warnings: the package still compiles, but something is likely
forgotten or misspelt."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks.context import CheckContext
from compiler.checks.graph import node
from compiler.checks.suggest import did_you_mean
from compiler.checks.terms import contract_terms, tag_references
from compiler.diagnostics import Diagnostic, warning

# For each kind of object: its section, the kinds whose reference makes it used, and a hint.
_USERS = {
    "metric": ("metrics", {"product"}, "no product prices it"),
    "product": (
        "products",
        {"rate_card", "template", "scenario"},
        "no rate card prices it and no contract names it",
    ),
    "rate_card": ("rate_cards", {"template"}, "no contract template uses it"),
    "template": ("contract_templates", {"scenario"}, "no scenario contract uses it"),
    "pricing_unit": ("pricing_units", {"rate_card"}, "no rate card gives it a value"),
}


def _used_by(ctx: CheckContext, name: str, kinds: set[str]) -> bool:
    return any(ctx.graph.nodes[p].get("kind") in kinds for p in ctx.graph.predecessors(name))


def unused_objects(ctx: CheckContext) -> Iterator[Diagnostic]:
    """W0601: every metric, product, rate card, pricing unit (and, where the package has
    scenarios, template) is used by something."""
    scenarios_known = bool(ctx.loaded.scenarios) and all(
        s.model is not None for s in ctx.loaded.scenarios
    )
    for kind, (section, users, why) in _USERS.items():
        if kind == "template" and not scenarios_known:
            continue  # templates are used by customers outside the package
        for object_id in getattr(ctx.package, section):
            name = node(kind, object_id)
            if _used_by(ctx, name, users):
                continue
            product = ctx.package.products.get(object_id) if kind == "product" else None
            if product is not None and product.type == "usage":
                continue  # W0602 says more
            yield warning(
                "W0601",
                f"{kind.replace('_', ' ')} '{object_id}' is unused: {why}",
                ctx.key(section, object_id),
                "use it, or remove it",
            )


def usage_products_priced(ctx: CheckContext) -> Iterator[Diagnostic]:
    """W0602: every usage product is on at least one rate card."""
    for pid, product in ctx.package.products.items():
        if product.type == "usage" and not _used_by(ctx, node("product", pid), {"rate_card"}):
            yield warning(
                "W0602",
                f"usage product '{pid}' is on no rate card: its usage would never be priced",
                ctx.key("products", pid),
                f"add rates for '{pid}' to a rate card, or remove the product",
            )


def tags_select_products(ctx: CheckContext) -> Iterator[Diagnostic]:
    """W0603: every tag used to select products is carried by some product."""
    carried = {tag for product in ctx.package.products.values() for tag in product.tags}

    def unknown(tag: str) -> tuple[str, str]:
        return (
            f"tag '{tag}' is on no product, so it selects nothing",
            did_you_mean(tag, carried) or "add the tag to the products it should select",
        )

    for pid, product in ctx.package.products.items():
        for j, tag in enumerate(product.of.tags if product.of else []):
            if tag not in carried:
                message, hint = unknown(tag)
                yield warning("W0603", message, ctx.value("products", pid, "of", "tags", j), hint)
    for site in contract_terms(ctx.loaded):
        for tag, path in tag_references(site.terms):
            if tag not in carried:
                message, hint = unknown(tag)
                yield warning("W0603", message, site.value(*path), hint)
