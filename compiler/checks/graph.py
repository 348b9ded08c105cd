"""The package's dependency graph: a node per object, an edge per reference.

Nodes are named `<kind>:<id>` (`metric:input_tokens`, `product:platform_fee`,
`rate_card:standard`, `template:enterprise`, `pricing_unit:credits`, `scenario:november`) and
carry `kind`, `id` and `label` (the object's name). An edge points from the referring object
to the one it names and carries `path`, the data path of the referring YAML node, `file`, the
file that node is in, and `paths`, every such path when an object names another more than once.
Composite products point at the products they include, by ID or by tag (`via: "tag"`).

Only resolvable references become edges: a dangling one is reported by the reference checks
(E0201, E0501) and would otherwise add a node with no object behind it.
`to_mermaid` and `to_dot` render the graph for `plan graph`, deterministically.
"""

from __future__ import annotations

import json
import re

import networkx as nx

from compiler.checks.terms import contract_terms, product_references
from compiler.loader import LoadedPackage
from compiler.source.package_source import SourceMap
from compiler.source.yaml_reader import YamlPath

KINDS = ("metric", "product", "rate_card", "template", "pricing_unit", "scenario")
_COLOURS = {
    "metric": "#e8f4fd",
    "product": "#eafbea",
    "rate_card": "#fff6e0",
    "template": "#f3e8fd",
    "pricing_unit": "#fdeaea",
    "scenario": "#eeeeee",
}


def node(kind: str, object_id: str) -> str:
    return f"{kind}:{object_id}"


def build_graph(loaded: LoadedPackage) -> nx.DiGraph:
    """The dependency graph of a schema-valid package (empty when the schema check failed)."""
    graph = nx.DiGraph(name=loaded.name)
    package = loaded.model
    if package is None:
        return graph
    positions = loaded.source.positions
    sections = (
        ("metric", "metrics", package.metrics),
        ("product", "products", package.products),
        ("rate_card", "rate_cards", package.rate_cards),
        ("template", "contract_templates", package.contract_templates),
        ("pricing_unit", "pricing_units", package.pricing_units),
    )
    for kind, section, objects in sections:
        for object_id, obj in objects.items():
            graph.add_node(
                node(kind, object_id),
                kind=kind,
                id=object_id,
                label=obj.name,
                file=positions.key((section, object_id)).file,
            )
    for scenario in loaded.scenarios:
        if scenario.model is not None:
            graph.add_node(
                node("scenario", scenario.name),
                kind="scenario",
                id=scenario.name,
                label=scenario.name,
                file=scenario.source.file,
            )

    def link(source: str, target: str, path: YamlPath, where: SourceMap, **extra: str) -> None:
        if target not in graph or source not in graph:
            return
        if graph.has_edge(source, target):
            graph.edges[source, target]["paths"].append(path)
            return
        file = where.value(path).file
        graph.add_edge(source, target, path=path, paths=[path], file=file, **extra)

    for pid, product in package.products.items():
        here = node("product", pid)
        if product.metric is not None:
            link(here, node("metric", product.metric), ("products", pid, "metric"), positions)
        if product.of is not None:
            for j, included in enumerate(product.of.products):
                link(
                    here,
                    node("product", included),
                    ("products", pid, "of", "products", j),
                    positions,
                )
            for j, tag in enumerate(product.of.tags):
                for other, candidate in package.products.items():
                    if tag in candidate.tags:
                        link(
                            here,
                            node("product", other),
                            ("products", pid, "of", "tags", j),
                            positions,
                            via="tag",
                        )
    for card_id, card in package.rate_cards.items():
        here = node("rate_card", card_id)
        for pid, entries in card.rates.items():
            link(here, node("product", pid), ("rate_cards", card_id, "rates", pid), positions)
            for i, entry in enumerate(entries):
                if entry.unit is not None:
                    link(
                        here,
                        node("pricing_unit", entry.unit),
                        ("rate_cards", card_id, "rates", pid, i, "unit"),
                        positions,
                    )
        for unit in card.pricing_units:
            link(
                here,
                node("pricing_unit", unit),
                ("rate_cards", card_id, "pricing_units", unit),
                positions,
            )
    for site in contract_terms(loaded):
        if site.section is None:
            here = node("template", str(site.path[-1]))
            assert site.template is not None
            link(
                here,
                node("rate_card", site.template.rate_card),
                (*site.path, "rate_card"),
                site.positions,
            )
        elif site.section.scenario is not None:
            here = node("scenario", site.section.scenario.name)
        else:
            continue  # the customers file of `plan replay` is no part of the package
        for reference in product_references(site.terms):
            link(
                here,
                node("product", reference.product),
                (*site.path, *reference.path),
                site.positions,
            )
    for customers in loaded.customer_sections():
        if customers.scenario is None:
            continue
        for customer_id, index, contract in customers.contracts():
            link(
                node("scenario", customers.scenario.name),
                node("template", contract.template),
                ("customers", customer_id, "contracts", index, "template"),
                customers.positions,
            )
    return graph


def _label(graph: nx.DiGraph, name: str) -> str:
    data = graph.nodes[name]
    kind = str(data.get("kind", "?")).replace("_", " ")
    return f"{kind}: {data.get('label', name)}"


def to_mermaid(graph: nx.DiGraph) -> str:
    """A Mermaid flowchart of the graph, nodes and edges sorted."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(graph.nodes):
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        ids[name] = candidate
        taken.add(candidate)
    lines = ["flowchart LR"]
    for name in sorted(graph.nodes):
        label = _label(graph, name).replace('"', "#quot;")
        lines.append(f'    {ids[name]}["{label}"]')
    for source, target in sorted(graph.edges):
        arrow = "-.->" if graph.edges[source, target].get("via") == "tag" else "-->"
        lines.append(f"    {ids[source]} {arrow} {ids[target]}")
    for kind, colour in _COLOURS.items():
        lines.append(f"    classDef {kind} fill:{colour}")
    for kind in KINDS:
        members = [ids[n] for n in sorted(graph.nodes) if graph.nodes[n].get("kind") == kind]
        if members:
            lines.append(f"    class {','.join(members)} {kind}")
    return "\n".join(lines) + "\n"


def to_dot(graph: nx.DiGraph) -> str:
    """A Graphviz DOT digraph of the graph, nodes and edges sorted."""
    shapes = {
        "metric": "ellipse",
        "product": "box",
        "rate_card": "folder",
        "template": "note",
        "pricing_unit": "diamond",
        "scenario": "component",
    }
    name = graph.graph.get("name") or "package"
    lines = [f"digraph {_quote(name)} {{", "    rankdir=LR;"]
    for node_name in sorted(graph.nodes):
        shape = shapes.get(graph.nodes[node_name].get("kind", ""), "box")
        lines.append(
            f"    {_quote(node_name)} [label={_quote(_label(graph, node_name))}, shape={shape}];"
        )
    for source, target in sorted(graph.edges):
        style = " [style=dashed]" if graph.edges[source, target].get("via") == "tag" else ""
        lines.append(f"    {_quote(source)} -> {_quote(target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A DOT double-quoted string (JSON's escaping of quotes and backslashes is DOT's)."""
    return json.dumps(text, ensure_ascii=False)
