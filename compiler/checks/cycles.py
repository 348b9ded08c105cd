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


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    """One cycle per tangle (strongly connected component with a cycle), from its first node.

    Enumerating every simple cycle would be exponential: a dozen composites selecting one
    another through a shared tag have millions of them.
    """
    cycles = []
    for component in nx.strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        edges = nx.find_cycle(graph.subgraph(component), source=start)
        cycles.append([source for source, _target in edges])
    return sorted(cycles)


def dependency_cycles(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0202: no object depends on itself, directly or through others."""
    for cycle in _cycles(ctx.graph):
        first, second = cycle[0], cycle[1 % len(cycle)]
        edge = ctx.graph.edges[first, second]
        shown = " → ".join([*cycle, cycle[0]])
        via = " (through a tag)" if edge.get("via") == "tag" else ""
        hint = (
            "a composite prices other products' charges; it cannot include itself"
            if len(cycle) == 1
            else "break the cycle: composites never include composites"
        )
        yield error("E0202", f"dependency cycle: {shown}{via}", ctx.value(*edge["path"]), hint)
