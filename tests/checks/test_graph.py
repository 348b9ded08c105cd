from __future__ import annotations

from compiler.checks.graph import build_graph, to_dot, to_mermaid
from compiler.loader import load_package

from .conftest import SCENARIO, PackageMaker


def test_nodes_and_edges_of_minimal_package(make_package: PackageMaker) -> None:
    graph = build_graph(load_package(make_package({"scenarios/nov/scenario.yaml": SCENARIO})))
    assert sorted(graph.nodes) == [
        "metric:tokens",
        "product:commit",
        "product:platform",
        "product:support",
        "product:tokens",
        "rate_card:standard",
        "scenario:nov",
        "template:basic",
    ]
    assert graph.nodes["product:tokens"] == {
        "kind": "product",
        "id": "tokens",
        "label": "Tokens",
        "file": graph.nodes["product:tokens"]["file"],
    }
    assert sorted(graph.edges) == [
        ("product:support", "product:tokens"),
        ("product:tokens", "metric:tokens"),
        ("rate_card:standard", "product:platform"),
        ("rate_card:standard", "product:support"),
        ("rate_card:standard", "product:tokens"),
        ("scenario:nov", "template:basic"),
        ("template:basic", "product:commit"),
        ("template:basic", "product:platform"),
        ("template:basic", "rate_card:standard"),
    ]
    edge = graph.edges["product:tokens", "metric:tokens"]
    assert edge["path"] == ("products", "tokens", "metric")
    assert edge["file"].endswith("products.yaml")
    assert graph.edges["product:support", "product:tokens"]["via"] == "tag"
    scenario_edge = graph.edges["scenario:nov", "template:basic"]
    assert scenario_edge["path"] == ("customers", "acme", "contracts", 0, "template")
    assert scenario_edge["file"].endswith("scenario.yaml")


def test_unresolved_references_make_no_edges(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "products.yaml": """\
        products:
          tokens: {name: Tokens, type: usage, metric: missing}
        """
        }
    )
    graph = build_graph(load_package(directory))
    assert "metric:missing" not in graph
    assert list(graph.successors("product:tokens")) == []


def test_repeated_references_keep_every_path(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "contract_templates.yaml": """\
        contract_templates:
          basic:
            name: Basic
            rate_card: standard
            subscriptions:
              - {product: platform}
            overrides:
              - {products: [platform], price: 90}
            commits:
              - {id: annual, type: prepaid, product: commit, amount: 100,
                 access: {starting_month: 0, months: 12}}
        """
        }
    )
    edge = build_graph(load_package(directory)).edges["template:basic", "product:platform"]
    assert edge["paths"] == [
        ("contract_templates", "basic", "subscriptions", 0, "product"),
        ("contract_templates", "basic", "overrides", 0, "products", 0),
    ]


def test_mermaid_is_sorted_and_deterministic(make_package: PackageMaker) -> None:
    graph = build_graph(load_package(make_package()))
    text = to_mermaid(graph)
    assert text == to_mermaid(build_graph(load_package(make_package())))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    metric_tokens["metric: Tokens"]' in lines
    assert "    product_tokens --> metric_tokens" in lines
    assert "    product_support -.-> product_tokens" in lines
    edges = [line for line in lines if "-->" in line or "-.->" in line]
    assert edges == sorted(edges)


def test_mermaid_ids_stay_unique() -> None:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_node("product:a-b", kind="product", label='say "hi"')
    graph.add_node("product:a_b", kind="product", label="other")
    text = to_mermaid(graph)
    assert 'product_a_b["product: say #quot;hi#quot;"]' in text
    assert 'product_a_b_2["product: other"]' in text


def test_dot_output(make_package: PackageMaker) -> None:
    text = to_dot(build_graph(load_package(make_package())))
    lines = text.splitlines()
    assert lines[0] == 'digraph "demo" {'
    assert '    "metric:tokens" [label="metric: Tokens", shape=ellipse];' in lines
    assert '    "product:tokens" -> "metric:tokens";' in lines
    assert '    "product:support" -> "product:tokens" [style=dashed];' in lines
    assert lines[-1] == "}"


def test_graph_of_a_package_that_failed_the_schema_is_empty(make_package: PackageMaker) -> None:
    directory = make_package({"package.yaml": "package: {}\n"})
    assert build_graph(load_package(directory)).number_of_nodes() == 0
