"""The two ways in (compiler/engine/ingest.py) give one result: DuckDB's reading of a file, where
it takes the file, equals the Python reader's (events.parse_event, the reference).

These tests generate lines with every kind of value (escaped strings, strings that look like
numbers, big integers, fractions beyond a double's precision, exponents, booleans, nulls, nested
values, `properties` that is not an object) and compare the rows both readers produce. They
found that `0E-12` was read as "0" by DuckDB and as 0.000000000000 by Python.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import compiler.engine.ingest as ingest_module
from compiler.engine.ingest import ingest
from compiler.engine.store import EventStore

NAMES = ["tokens", "model", "0"]  # "0" is found by a JSON pointer in an array too
READ_BY_DUCKDB: dict[bool, bool] = {}  # the last reading's: was the file DuckDB's?


def read_rows(lines: list[str], fast: bool) -> tuple[list[Any], list[Any], int]:
    """The rows of view `parsed` (without the content key), the rejections and the count read,
    for a file of `lines`, read by DuckDB where it can (fast) or by Python only."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "events.jsonl"
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        original = ingest_module._read_fast
        if not fast:
            ingest_module._read_fast = lambda connection, files, names: (
                original(connection, [], names) | {i for i, _ in files}
            )
        try:
            with EventStore("256MB") as store:
                ingested = ingest(store.connection, [(path, "events.jsonl")], NAMES)
                rows = store.connection.execute(
                    "SELECT * EXCLUDE (content) FROM parsed ORDER BY seq"
                ).fetchall()
                READ_BY_DUCKDB[fast] = not store.connection.execute(
                    "SELECT count(*) FROM file_index WHERE NOT slow"
                ).fetchone() == (0,)
        finally:
            ingest_module._read_fast = original
    rejected = [(r.line, r.reason, r.transaction_id) for r in ingested.rejected]
    return rows, rejected, ingested.read


def assert_same(lines: list[str]) -> None:
    assert read_rows(lines, fast=True) == read_rows(lines, fast=False)


json_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=12).map(str),
    st.sampled_from(
        ["12345678901234.565", "0.10000000000000000001", "1e3", "-0.0", "1.50", "7E-2", "-0"]
    ),
)
strings = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1.5", "12", "{", "[x]", 'a"b', "back\\slash", "é", "\u2028", "null", "true"]),
)
values = st.one_of(
    strings.map(json.dumps),
    json_numbers,
    st.sampled_from(["true", "false", "null", "{}", '{"a": 1}', "[]", "[1, 2]"]),
)


@st.composite
def lines(draw: st.DrawFn) -> str:
    properties: str
    shape = draw(st.sampled_from(["object"] * 6 + ["absent", "null", "string", "array", "number"]))
    if shape == "object":
        names = draw(st.lists(st.sampled_from([*NAMES, "other"]), unique=True, max_size=4))
        properties = "{" + ", ".join(f"{json.dumps(n)}: {draw(values)}" for n in names) + "}"
    else:
        properties = {"absent": "", "null": "null", "string": '"x"', "array": "[1, {}]"}.get(
            shape, "5"
        )
    txid = draw(st.one_of(strings.filter(bool).map(json.dumps), st.sampled_from(["7", "null"])))
    fields = {
        "transaction_id": txid,
        "customer_id": json.dumps(draw(st.sampled_from(["acme", 'é\\"x', ""]))),
        "event_type": json.dumps("request"),
        "timestamp": json.dumps(
            draw(st.sampled_from(["2026-11-10T12:00:00Z", "2026-11-10 12:00:00.5+02:00", "bad"]))
        ),
    }
    body = ", ".join(f'"{k}": {v}' for k, v in fields.items())
    if shape != "absent":
        body += f', "properties": {properties}'
    # what DuckDB's parser forgives and JSON does not (a comma before `}`), and what surrounds a
    # line's JSON (vertical tab and form feed are stripped as DuckDB strips them)
    body += draw(st.sampled_from(["", "", "", ",", " , "]))
    around = st.sampled_from(["", "", " ", "\t", "\v", "\f", "\r"])
    return draw(around) + "{" + body + "}" + draw(around)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=6))
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 12345678901234.565}}'
    ]
)
@example(
    [
        '{"transaction_id": "a\\u00e9\\"", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"model": "x\\\\y", "tokens": 1}}'
    ]
)
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": ["zero"]}'
    ]
)
@example(
    [
        '{"transaction_id": "0", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 0E-12, "model": 5E0}}'
    ]
)
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 5},}'
    ]
)
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": -0, "model": -0.0}}'
    ]
)
@example(["\f", '\v{"transaction_id": "a"}\f'])
def test_duckdb_reads_a_file_as_the_python_reader_does(generated: list[str]) -> None:
    assert_same(generated)


@pytest.mark.parametrize(
    ("line", "accepted"),
    [
        # a trailing comma is not JSON: DuckDB's parser took the line, the Python reader did not
        ('{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
         '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": [1, 2,]}}', False),
        ('{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
         '"timestamp": "2026-11-10T12:00:00Z" , }', False),
        # vertical tab and form feed around a line: DuckDB strips them, the Python reader did not
        ('\f{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
         '"timestamp": "2026-11-10T12:00:00Z"}\v', True),
    ],
)
def test_what_json_does_not_allow_is_rejected_and_what_surrounds_it_is_stripped(
    line: str, accepted: bool
) -> None:
    """Found comparing the readers: whether such a line was an event depended on whether
    another line of its file sent the file to the Python reader."""
    fast = read_rows([line, "\f"], fast=True)
    assert fast == read_rows([line, "\f"], fast=False)
    rows, rejected, read = fast
    assert read == 1  # a line of only a form feed is blank, as DuckDB sees it
    assert (len(rows), len(rejected)) == ((1, 0) if accepted else (0, 1))


def test_a_negative_zero_is_zero() -> None:
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": -0, "model": -0.00}}'
    )
    fast = read_rows([line], fast=True)
    assert fast == read_rows([line], fast=False)
    (row,) = fast[0]
    assert (row[5], row[6]) == ("0", "0.00")  # columns p_0 (tokens), p_1 (model)


@pytest.mark.parametrize(
    "properties",
    ['"x"', "5", "[1]", "true", "null", "{}", '{"other": 1}'],
)
def test_properties_that_hold_none_of_the_names_are_still_type_checked(properties: str) -> None:
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {properties}}}'
    )
    fast, slow = read_rows([line], fast=True), read_rows([line], fast=False)
    assert fast == slow
    # an object or null is an event; anything else is rejected by both
    assert bool(fast[0]) == (properties in ("null", "{}", '{"other": 1}'))


def test_plain_lines_are_read_by_duckdb_exactly() -> None:
    """The comparisons above mean something only if DuckDB takes ordinary files: escaped
    strings, fractions beyond a double and big integers included."""
    lines = [
        '{"transaction_id": "a\\u00e9\\"", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", '
        '"properties": {"model": "x\\\\y", "tokens": 12345678901234.565}}',
        '{"transaction_id": "b", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 123456789012345678901234}}',
    ]
    rows, rejected, read = read_rows(lines, fast=True)
    assert READ_BY_DUCKDB[True] and not rejected and read == 2
    assert (rows[0][1], rows[0][6], rows[0][5]) == ('aé"', "x\\y", "12345678901234.565")
    assert rows[1][5] == "123456789012345678901234"
    assert (rows, rejected, read) == read_rows(lines, fast=False)


plain_values = st.one_of(
    strings.map(json.dumps),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    # fractions a double holds exactly enough for DuckDB's reading to be kept
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["true", "false", "null"]),
)


@st.composite
def plain_lines(draw: st.DrawFn) -> str:
    """Lines DuckDB's reading keeps: valid fields, an object of flat properties."""
    names = draw(st.lists(st.sampled_from([*NAMES, "other"]), unique=True, max_size=4))
    properties = "{" + ", ".join(f"{json.dumps(n)}: {draw(plain_values)}" for n in names) + "}"
    txid = json.dumps(draw(st.text(min_size=1, max_size=12)))
    customer = json.dumps(draw(st.sampled_from(["acme", 'é\\"x', "a b"])))
    return (
        f'{{"transaction_id": {txid}, "customer_id": {customer}, "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {properties}}}'
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_lines(), min_size=1, max_size=6))
def test_duckdb_reads_plain_files_itself_and_as_the_python_reader_does(
    generated: list[str],
) -> None:
    """The test above mostly sends files to the Python reader (one unusual line is enough);
    here every file is DuckDB's, so its own reading is what is compared."""
    fast = read_rows(generated, fast=True)
    assert READ_BY_DUCKDB[True]
    assert fast == read_rows(generated, fast=False)
