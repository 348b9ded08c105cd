"""Cycles in the dependency graph (E0202).

Metrics, rate cards, templates and scenarios only point "down" (scenario → template → rate card
→ product → metric), so in practice a cycle runs through composite products that include one
another, or a composite that selects itself through one of its own tags.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic, error


def _rotated(cycle: list[str]) -> list[str]:
    """The cycle started at its smallest node, so that each is reported the same way."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def dependency_cycles(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0202: no object depends on itself, directly or through others."""
    cycles = sorted(_rotated(c) for c in nx.simple_cycles(ctx.graph))
    for cycle in cycles[:20]:  # bounded: a dense graph has exponentially many cycles
        first, second = cycle[0], cycle[(1 % len(cycle))]
        edge = ctx.graph.edges[first, second]
        shown = " → ".join([*cycle, cycle[0]])
        via = " (through a tag)" if edge.get("via") == "tag" else ""
        hint = (
            "a composite prices other products' charges; it cannot include itself"
            if len(cycle) == 1
            else "break the cycle: composites never include composites"
        )
        yield error("E0202", f"dependency cycle: {shown}{via}", ctx.value(*edge["path"]), hint)
