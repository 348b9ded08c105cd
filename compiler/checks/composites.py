"""Composite products never include composites (E0207)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic, error


def composites_of_composites(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0207: a composite's `of` selects no composite product, by ID or by tag."""
    products = ctx.package.products
    for pid, product in products.items():
        if product.type != "composite" or product.of is None:
            continue
        for j, included in enumerate(product.of.products):
            other = products.get(included)
            # A composite naming itself is a cycle (E0202), reported there.
            if other is not None and other.type == "composite" and included != pid:
                yield error(
                    "E0207",
                    f"composite product '{pid}' includes composite product '{included}'",
                    ctx.value("products", pid, "of", "products", j),
                    "composites price usage and subscription charges, never other composites",
                )
        for j, tag in enumerate(product.of.tags):
            caught = [
                other_id
                for other_id, other in products.items()
                if other.type == "composite" and tag in other.tags and other_id != pid
            ]
            if caught:
                yield error(
                    "E0207",
                    f"composite product '{pid}' includes composite product(s) "
                    f"{', '.join(repr(c) for c in caught)} through tag '{tag}'",
                    ctx.value("products", pid, "of", "tags", j),
                    "remove the tag from the composite(s), or select products by ID",
                )
