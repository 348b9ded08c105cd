"""The Spark engine against DuckDB: the same invoice JSON, byte for byte (compiler/engine/spark.py).

Every example scenario, and the rule-test package (tests/engine/test_replay_rules.py) on event
streams that reach every metering query's corners: numbers as strings, exact big decimals,
the largest number accepted and the first refused, missing and non-numeric properties, text
with a trailing line break, max / unique / latest, presentation keys, NULL group values, a
mid-period rate change, duplicates and every accounting bucket.

Needs the `[spark]` extra (pyspark and Java 17); without pyspark the module is skipped, so the
main test run stays green. CI runs it as its own step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "pyspark", reason="the spark engine is the optional extra: pip install '.[spark]'"
)

from compiler.api import compile_package
from compiler.engine.executors import Engine
from compiler.engine.replay import replay
from compiler.engine.scenario_replay import scenario_input
from compiler.engine.spark import spark_session
from compiler.report.invoice_json import to_json
from tests.engine.test_replay_rules import (
    DEFAULT_RATES,
    METRICS,
    MID_PERIOD_CHANGE,
    PRODUCTS,
    event,
    request,
)
from tests.support import PACKAGES, write_package

SCENARIOS = sorted(
    (package.name, scenario.name)
    for package in PACKAGES.iterdir()
    if package.is_dir()
    for scenario in (package / "scenarios").glob("*")
    if (scenario / "scenario.yaml").is_file()
)


def invoice_json(package: Path, engine: Engine) -> list[str]:
    """Every scenario of the package replayed on the engine, as invoice JSON."""
    plan, validation = compile_package(package)
    return [
        to_json(replay(plan, scenario_input(s, engine)))
        for s in validation.package.scenarios
        if s.model is not None
    ]


def assert_same_on_both(package: Path) -> list[str]:
    on_duckdb = invoice_json(package, "duckdb")
    on_spark = invoice_json(package, "spark")
    assert on_spark == on_duckdb
    return on_duckdb


@pytest.mark.parametrize(("package", "scenario"), SCENARIOS, ids=[f"{p}/{s}" for p, s in SCENARIOS])
def test_example_scenarios(package: str, scenario: str) -> None:
    plan, validation = compile_package(PACKAGES / package)
    (loaded,) = [s for s in validation.package.scenarios if s.name == scenario]
    on_duckdb = to_json(replay(plan, scenario_input(loaded, "duckdb")))
    on_spark = to_json(replay(plan, scenario_input(loaded, "spark")))
    assert on_spark == on_duckdb
    assert spark_session.cache_info().currsize == 1  # it did run on Spark


def rules_package(
    root: Path, events: list[dict[str, Any] | str], rates: str = DEFAULT_RATES
) -> Path:
    """The rule-test package (one metric per aggregate) with these events for November."""
    lines = [e if isinstance(e, str) else json.dumps(e) for e in events]
    return write_package(
        root,
        {
            "package.yaml": "package: {name: rules, rounding: half_up}\n",
            "metrics.yaml": METRICS,
            "products.yaml": PRODUCTS,
            "rate_cards.yaml": "rate_cards:\n  list:\n    name: List\n    currency: USD\n"
            "    rates:\n" + rates.strip("\n") + "\n",
            "contract_templates.yaml": (
                "contract_templates:\n  payg: {name: PAYG, rate_card: list}\n"
            ),
            "scenarios/nov/scenario.yaml": """
            scenario:
              period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
              as_of: 2026-12-03T00:00:00Z
            customers:
              acme:
                name: Acme
                ingest_aliases: [acme-prod]
                contracts: [{id: acme-1, template: payg, starting_at: 2026-11-01}]
            """,
            "scenarios/nov/events.jsonl": "\n".join(lines) + "\n",
        },
    )


def raw(txid: str, tokens_json: str, at: str = "2026-11-10T00:00:00Z", user: str = "u1") -> str:
    """A request line with the tokens value written as given (JSON number text kept exact)."""
    return (
        f'{{"transaction_id": "{txid}", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "{at}", "properties": {{"model": "a", "user": "{user}", '
        f'"tokens": {tokens_json}}}}}'
    )


NUMBERS: list[dict[str, Any] | str] = [
    request("1500", txid="string"),
    raw("exact", "12345678901234.565"),
    raw("largest", '"99999999999999999999.999999999"'),
    raw("tiny", "0.000000001", user="u2"),
    request("+5", txid="plus"),
    request("-2.5", txid="minus", user="u3"),
    request("007", txid="zeros"),
    request("1.", txid="trailing-dot"),
    request(txid="no-tokens"),
    request("lots", txid="word"),
    request(True, txid="flag"),
    request("1e3", txid="exponent"),
    request("12\n", txid="line-break"),
    request(" 12", txid="space"),
    request("123456789012345678901", txid="too-many-digits"),
    request("1.0000000001", txid="too-many-decimals"),
    raw("null-tokens", "null"),
]


def test_numbers_on_both_engines(tmp_path: Path) -> None:
    rates = "      tokens:\n        - {pricing_group_values: {model: a}, price: 1000000}\n"
    (document,) = assert_same_on_both(rules_package(tmp_path, NUMBERS, rates))
    problems = json.loads(document)["accounting"]["metric_problems"]["tokens"]
    # 'no-tokens' and 'null-tokens' (a JSON null) are missing; the seven others are not numbers
    assert problems["missing"]["events"] == 2
    assert problems["non_numeric"]["events"] == 7
    assert problems["non_numeric"]["examples"] == ["word", "flag", "exponent"]


def test_aggregates_groups_and_buckets_on_both_engines(tmp_path: Path) -> None:
    events: list[dict[str, Any] | str] = [
        request(1_000_000, at="2026-11-01T00:00:00Z", txid="at-start"),
        request(700_000, at="2026-11-14T23:59:59Z", user="u2"),
        request(500_000, at="2026-11-15T00:00:00Z", user="u3"),  # at the rate change
        request(250_000, at="2026-11-15T01:00:00+02:00"),  # 11-14T23:00Z: before it
        request(1_000_000, model="z", txid="unpriced-model"),
        {**request(3, txid="no-model"), "properties": {"user": "u1", "tokens": 3}},
        {**request(4, txid="no-user"), "properties": {"model": "a", "tokens": 4}},
        request(1_000_000, txid="dup"),
        request(1_000_000, txid="dup"),
        request(9_000_000, txid="dup"),
        request(1_000_000, customer="acme-prod", txid="by-alias"),
        request(1_000_000, customer="nobody", txid="unknown"),
        request(1_000_000, at="2026-12-01T00:00:00Z", txid="at-end"),
        request(1_000_000, at="2026-10-31T23:59:59Z", txid="before-contract"),
        event("storage", gb=120, at="2026-11-02T00:00:00Z"),
        event("storage", gb="250.5", at="2026-11-03T00:00:00Z"),
        event("storage", gb="250.50", at="2026-11-16T00:00:00Z"),
        event("storage", gb="huge", at="2026-11-04T00:00:00Z"),
        event("login", user="ann"),
        event("login", user="bob"),
        event("login", user="ann"),
        event("login"),
        event("seat_count", seats=10, at="2026-11-05T00:00:00Z"),
        event("seat_count", seats=12, at="2026-11-20T00:00:00Z"),
        event("seat_count", seats=11, at="2026-11-20T00:00:00Z"),  # same instant, read later
        event("seat_count", seats="n/a", at="2026-11-29T00:00:00Z"),  # latest, not a number
        event("seat_count", seats=30, at="2026-11-07T00:00:00Z"),
        event("file_upload", size=3),  # no metric
        "{not json",
    ]
    (document,) = assert_same_on_both(rules_package(tmp_path, events, MID_PERIOD_CHANGE))
    accounting = json.loads(document)["accounting"]
    assert {k: accounting[k] for k in ("duplicate", "unknown_customer", "invalid")} == {
        "duplicate": 2,
        "unknown_customer": 1,
        "invalid": 1,
    }
    assert accounting["unmetered"] == 1 and accounting["unpriced"] >= 1


def test_nothing_to_meter_on_both_engines(tmp_path: Path) -> None:
    events: list[dict[str, Any] | str] = [
        request(1_000_000, customer="nobody"),
        event("file_upload", size=3),
    ]
    assert_same_on_both(rules_package(tmp_path, events))


READINGS = [
    event("storage", gb=40),
    event("storage", gb=75, at="2026-11-20T00:00:00Z"),
    event("storage"),  # no gb
    event("seat_count", seats=12, at="2026-11-05T00:00:00Z"),
    event("seat_count", seats=9, at="2026-11-25T00:00:00Z"),
]
TOKENS = [request(1_500_000, txid="a"), request(txid="no-tokens"), request(-500_000, txid="b")]


@pytest.mark.parametrize(
    ("shape", "events", "expected"),
    [
        # tokens: 1,500,000 - 500,000 = 1,000,000, per million: 1; peak: max(40, 75); seats: 9
        ("struct", TOKENS + READINGS, {"tokens": "1", "peak": "75", "seats": "9"}),
        # a MAP(VARCHAR, BIGINT) holds only numbers: the readings alone, without model names
        ("intmap", READINGS, {"peak": "75", "seats": "9"}),
    ],
)
def test_parquet_integer_fields_on_both_engines(
    tmp_path: Path, shape: str, events: list[dict[str, Any]], expected: dict[str, str]
) -> None:
    """Integer-typed Parquet fields (a STRUCT's, or a MAP's values), which the reader itself
    tells numbers (the number columns Spark reads in place of matching the text), some events
    lacking them."""
    from tests.engine.test_parquet_events import write_parquet

    package = rules_package(tmp_path, [])
    scenario = package / "scenarios" / "nov"
    write_parquet(scenario / "events.parquet", events, shape)
    with (scenario / "scenario.yaml").open("a", encoding="utf-8") as spec:
        spec.write("events: [events.parquet]\n")
    (document,) = assert_same_on_both(package)
    result = json.loads(document)
    quantities = {
        li["product_id"]: li["quantity"]
        for li in result["invoices"][0]["line_items"]
        if li.get("product_id") in ("tokens", "peak", "seats")
    }
    assert quantities == expected
    problems = result["accounting"]["metric_problems"]
    assert problems["peak"]["missing"]["events"] == 1
    if "tokens" in expected:
        assert problems["tokens"]["missing"]["events"] == 1
