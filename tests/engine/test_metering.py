"""Metering queries for both dialects (compiler/engine/metering.py), without running Spark.

What Spark itself does with them is tests/engine/test_spark_engine.py's job (it needs the
`[spark]` extra); here every query of the example packages is rendered for Spark and parsed
back, and the DuckDB-only functions are checked to stay out of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from compiler.api import compile_package
from compiler.engine.metering import (
    Columns,
    Dialect,
    accounting_groups_query,
    classification_query,
    matches_number,
    needed_properties,
    number_properties,
    problems_query,
    usage_query,
)
from compiler.plan.ir import FilterPlan, MetricPlan, ProductPlan
from tests.support import PACKAGES

DUCKDB_ONLY = re.compile(r"\b(REGEXP_FULL_MATCH|REGEXP_MATCHES|ARG_MIN|ARG_MAX|LIST|ROW)\(", re.I)


def example_queries(dialect: Dialect) -> Iterator[exp.Expression]:
    for package in sorted(p for p in PACKAGES.iterdir() if p.is_dir()):
        plan, _ = compile_package(package)
        products = [
            (p, plan.metrics[p.metric])
            for p in plan.products.values()
            if p.type == "usage" and p.metric is not None
        ]
        simple = [(p, m) for p, m in products if m.kind == "simple"]
        metrics = list(plan.metrics.values())
        columns = Columns(
            needed_properties(metrics, [p for p, _ in products]), number_properties(metrics)
        )
        yield from (usage_query(p, m, columns, dialect) for p, m in simple)
        yield classification_query(metrics, simple, columns, 3, dialect)
        for metric in metrics:
            query = problems_query(metric, columns, 3, dialect)
            if query is not None:
                yield query


def test_spark_queries_parse_as_spark_and_use_no_duckdb_functions() -> None:
    queries = list(example_queries("spark"))
    assert len(queries) > 10
    for query in queries:
        sql = query.sql(dialect="spark")
        sqlglot.parse_one(sql, read="spark")
        assert not DUCKDB_ONLY.search(sql), sql


def tokens_summed(**fields: Any) -> MetricPlan:
    """A simple metric summing property `tokens` of `request` events."""
    return MetricPlan(
        id="tokens",
        name="Tokens",
        kind="simple",
        event_types=("request",),
        aggregate="sum",
        property="tokens",
        **fields,
    )


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_a_number_is_matched_only_where_its_reader_did_not_tell(dialect: Dialect) -> None:
    """Every place a query reads a property as a number asks its number column first (the
    Parquet reader's word, see events.number_column) and matches the text only where that is
    NULL: a match costs 0.22 s per 10M events, a told one 0.04 s."""
    metric = tokens_summed()
    product = ProductPlan(id="tokens", name="Tokens", type="usage", metric="tokens")
    columns = Columns(["model", "tokens"], number_properties([metric]))
    sql = usage_query(product, metric, columns, dialect).sql(dialect=dialect)
    # tokens is p_1: its number column is n_1, then the text's match
    assert re.search(r"COALESCE\(e\.n_1, (REGEXP_FULL_MATCH|e\.p_1 RLIKE)", sql), sql
    assert len(re.findall(r"REGEXP_FULL_MATCH|RLIKE", sql)) == 1, sql
    groups = accounting_groups_query([], columns, 3).sql(dialect="duckdb")
    assert "COALESCE(COALESCE(e.n_1, REGEXP_FULL_MATCH(e.p_1" in groups, groups


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", True),
        ("+5", True),
        ("-2.5", True),
        ("1.", True),
        ("99999999999999999999.999999999", True),
        ("123456789012345678901", False),
        ("1.0000000001", False),
        ("1e3", False),
        (" 12", False),
        ("12\n", False),
        ("\n12", False),
        ("lots", False),
    ],
)
def test_a_number_is_the_whole_text(text: str, expected: bool) -> None:
    """DuckDB's full match, and the anchored pattern Spark gets, run here on DuckDB's RE2."""
    value = exp.Literal.string(text)
    full = duckdb.execute(
        f"SELECT {matches_number(value, 'duckdb').sql(dialect='duckdb')}"
    ).fetchone()
    spark_pattern = matches_number(value, "spark")
    assert isinstance(spark_pattern, exp.RegexpLike)
    anchored = exp.func("regexp_matches", value, spark_pattern.expression)
    partial = duckdb.execute(f"SELECT {anchored.sql(dialect='duckdb')}").fetchone()
    assert full == partial == (expected,)


def test_only_the_properties_the_replay_reads_are_extracted() -> None:
    """A metric's own group keys bound its products' keys; they are not read from events
    unless a product groups by them (every extracted property costs each line's reading)."""
    metric = tokens_summed(
        filters=(FilterPlan(property="tier", in_=("paid",)),),
        group_keys=("model", "region", "user"),
    )
    product = ProductPlan(
        id="tokens",
        name="Tokens",
        type="usage",
        metric="tokens",
        pricing_group_keys=("model",),
        presentation_group_keys=("user",),
    )
    assert needed_properties([metric], [product]) == ["model", "tier", "tokens", "user"]
