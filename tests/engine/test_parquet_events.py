"""Parquet event files (SPEC 4.4): the same events as Parquet or as JSON Lines give the same
invoices and accounting; a bad row is rejected with its row number; conflicts are placed by row.

The events are the rule-test package's (tests/engine/test_replay_rules.py); the Parquet file is
written by DuckDB from the same values, with `properties` as a MAP of names to value texts or as
a STRUCT of typed fields.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

import compiler
from compiler.engine.events import BAD_TRANSACTION_ID, missing_field
from compiler.engine.invoice import ReplayResult, UsageLine
from compiler.report.invoice_json import to_json
from tests.engine.test_replay_rules import event, replay, request


def write_parquet(path: Path, events: list[dict[str, Any]], shape: str = "map") -> None:
    """`properties` as a MAP of names to value texts ("map"), a MAP of names to integers
    ("intmap", where every value is one), or as a STRUCT (what Spark writes for a JSON object):
    one field per name any event has, NULL where an event lacks it, integers typed BIGINT and
    other values text."""
    names = sorted({k for e in events for k in e["properties"]})
    integer = {n for n in names if all(isinstance(e["properties"].get(n, 0), int) for e in events)}
    fields = ", ".join(f'"{n}" {"BIGINT" if n in integer else "VARCHAR"}' for n in names)
    kind = {"map": "MAP(VARCHAR, VARCHAR)", "intmap": "MAP(VARCHAR, BIGINT)"}.get(
        shape, f"STRUCT({fields})"
    )
    assert shape != "intmap" or integer == set(names), "intmap: every value an integer"
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE e (transaction_id VARCHAR, customer_id VARCHAR, event_type VARCHAR, "
        f"timestamp VARCHAR, properties {kind})"
    )
    for e in events:
        if shape in ("map", "intmap"):
            props = {k: v if shape == "intmap" else str(v) for k, v in e["properties"].items()}
            value = f"MAP(?::VARCHAR[], ?::{kind[len('MAP(VARCHAR, ') : -1]}[])"
            params = [list(props), list(props.values())]
        else:
            value = "{" + ", ".join(f"'{n}': ?" for n in names) + "}"
            params = [
                e["properties"].get(n)
                if n in integer or n not in e["properties"]
                else str(e["properties"][n])
                for n in names
            ]
        connection.execute(
            f"INSERT INTO e VALUES (?, ?, ?, ?, {value})",
            [e["transaction_id"], e["customer_id"], e["event_type"], e["timestamp"], *params],
        )
    connection.execute(f"COPY e TO '{path}' (FORMAT parquet)")
    connection.close()


def as_parquet(tmp_path: Path, events: list[dict[str, Any]], shape: str = "map") -> ReplayResult:
    """The rule-test scenario, replayed from a Parquet file holding `events`."""
    replay(tmp_path, [])  # writes the package and its scenario
    scenario = tmp_path / "scenarios" / "nov"
    write_parquet(scenario / "events.parquet", events, shape)
    with (scenario / "scenario.yaml").open("a", encoding="utf-8") as spec:
        spec.write("events: [events.parquet]\n")
    (result,) = compiler.preview(tmp_path)
    return result


@pytest.mark.parametrize("shape", ["map", "struct"])
def test_parquet_and_json_lines_give_the_same_result(tmp_path: Path, shape: str) -> None:
    events = [
        request(1_500_000, txid="a"),
        request("2500000.25", model="z", txid="b"),  # unpriced model
        request(1_500_000, txid="a"),  # a plain retry: duplicate
        {**event("click"), "transaction_id": "c"},
        request(1_000_000, customer="nobody", txid="d"),
        request(2_000_000, user="u2", at="2026-11-30T23:59:59Z", txid="e"),
    ]
    from_json = replay(tmp_path / "json", events)
    from_parquet = as_parquet(tmp_path / "parquet", events, shape)
    assert json.loads(to_json(from_parquet)) == json.loads(to_json(from_json))
    # tokens of model a: 1.5M + 2M = 3.5M at 2 per 1M = 7.00
    (line,) = [
        li
        for li in from_parquet.invoices[0].line_items
        if isinstance(li, UsageLine) and li.product_id == "tokens"
    ]
    assert line.amount == Decimal("7.00")
    accounting = from_parquet.accounting
    assert (accounting.read, accounting.duplicate, accounting.unknown_customer) == (6, 1, 1)


def test_a_bad_parquet_row_is_rejected_by_row_number(tmp_path: Path) -> None:
    result = as_parquet(
        tmp_path,
        [request(1_000_000, txid="ok"), {**request(1, txid="bad"), "customer_id": ""}],
    )
    (rejected,) = result.accounting.rejected
    assert (rejected.line, rejected.transaction_id) == (2, "bad")
    assert rejected.file.endswith("events.parquet")
    assert "customer_id" in rejected.reason
    assert (result.accounting.read, result.accounting.invalid) == (2, 1)


@pytest.mark.parametrize("shape", ["map", "struct"])
@pytest.mark.parametrize("rows", [3, 40])
def test_a_parquet_conflict_is_placed_by_row(tmp_path: Path, rows: int, shape: str) -> None:
    """A conflict names `file:row` (rows count from 1), as a JSON Lines conflict names lines."""
    # line breaks inside a value: a reader counting the file's lines would misplace the rows
    note = "\n\n".join(f"w{i}" for i in range(200))
    events = [request(1, txid="x", note=note)] + [request(2) for _ in range(rows - 2)]
    events.append(request(9, txid="x"))  # same ID, other content: row `rows`
    result = as_parquet(tmp_path, events, shape)
    (conflict,) = result.accounting.conflicts
    assert conflict.transaction_id == "x"
    assert conflict.kept.endswith("events.parquet:1")
    assert conflict.duplicate.endswith(f"events.parquet:{rows}")


def test_a_struct_without_a_used_property_reads_it_as_absent(tmp_path: Path) -> None:
    """No event has `user`: the STRUCT has no such field, and the events count as they would
    from JSON Lines lacking it (the tokens are still summed per model)."""
    events = [request(1_000_000, txid="a"), request(500_000, txid="b")]
    for e in events:
        del e["properties"]["user"]
    from_json = replay(tmp_path / "json", events)
    from_parquet = as_parquet(tmp_path / "parquet", events, "struct")
    assert json.loads(to_json(from_parquet)) == json.loads(to_json(from_json))
    # 1M + 0.5M = 1.5M tokens of model a at 2 per 1M = 3.00
    (line,) = [
        li
        for li in from_parquet.invoices[0].line_items
        if isinstance(li, UsageLine) and li.product_id == "tokens"
    ]
    assert line.amount == Decimal("3.00")


def test_timestamp_strings_are_read_as_from_json_lines(tmp_path: Path) -> None:
    """A timestamp string in a Parquet file follows the JSON Lines rules (RFC 3339 with an
    offset, as the Python reader parses it): DuckDB's cast took a time without an offset (as
    UTC), a date alone, and 24:00."""
    times = [
        "2026-11-10T12:00:00Z",  # the common shape, cast by DuckDB
        "2026-11-10 13:00:00.5+01:00",  # also common: 12:00:00.5 UTC
        "2026-11-10T12:00:00.1234567Z",  # 7 decimals: by the Python reader's rules (.123456)
        "2026-11-10t12:00:00z",  # lower case, as RFC 3339 allows: the same
        "2026-11-10T12:00:00",  # no offset: rejected
        "2026-11-10T12:00Z",  # no seconds, which RFC 3339 requires: rejected
        "2026-11-10",  # a date alone: rejected
        "2026-11-10T24:00:00Z",  # hour 24: rejected
        "2026-02-30T12:00:00Z",  # the common shape, no such day: rejected
        "",  # empty: required
    ]
    events = [request(1_000_000, at=at, txid=f"t{i}") for i, at in enumerate(times)]
    from_json = json.loads(to_json(replay(tmp_path / "json", events)))
    parquet = as_parquet(tmp_path / "parquet", events)
    from_parquet = json.loads(to_json(parquet))
    for result in (from_json, from_parquet):
        for rejected in result["accounting"]["rejected"]:
            assert rejected.pop("file").endswith(("events.jsonl", "events.parquet"))
    assert from_parquet == from_json
    assert [(r.line, r.reason.split(":")[0]) for r in parquet.accounting.rejected] == [
        (5, "invalid timestamp '2026-11-10T12"),
        (6, "invalid timestamp '2026-11-10T12"),
        (7, "invalid timestamp '2026-11-10'"),
        (8, "invalid timestamp '2026-11-10T24"),
        (9, "invalid timestamp '2026-02-30T12"),
        (10, "timestamp is required and must be a non-empty string"),
    ]
    # 4 events of 1M tokens of model a, at 2 per 1M: 4 × 2.00 = 8.00
    (line,) = [
        li
        for li in parquet.invoices[0].line_items
        if isinstance(li, UsageLine) and li.product_id == "tokens"
    ]
    assert line.amount == Decimal("8.00")


def copy_parquet(path: Path, query: str) -> Path:
    """A Parquet file of the rows of a DuckDB query."""
    with duckdb.connect() as connection:
        connection.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
    return path


def ingest_parquet(paths: list[Path]) -> tuple[list[Any], list[tuple[str, int, str]], int]:
    """(seq place, transaction ID, timestamp) of the events read, the rejections, the count."""
    from compiler.engine.ingest import ingest
    from compiler.engine.store import EventStore

    with EventStore("256MB") as store:
        ingested = ingest(store.connection, [(p, p.name) for p in paths], ["model"])
        rows = store.connection.execute(
            "SELECT seq // 1099511627776, transaction_id, timestamp FROM parsed ORDER BY seq"
        ).fetchall()
    rejected = [(r.file, r.line, r.reason) for r in ingested.rejected]
    return rows, rejected, ingested.read


def rows_of(times: str) -> str:
    """Two rows, IDs a and b, with the given timestamps (SQL expressions) and a model."""
    a, b = times.split("|")
    return (
        f"SELECT * FROM (VALUES ('a', 'acme', 'request', {a}, MAP {{'model': 'm'}}), "
        f"('b', 'acme', 'request', {b}, MAP {{'model': 'm'}})) "
        "t(transaction_id, customer_id, event_type, timestamp, properties)"
    )


@pytest.mark.parametrize("kind", ["TIMESTAMPTZ", "TIMESTAMP"])  # TIMESTAMP: taken as UTC
@pytest.mark.parametrize("order", ["text-first", "typed-first"])
def test_each_parquet_file_is_read_with_its_own_timestamp_type(
    tmp_path: Path, order: str, kind: str
) -> None:
    """One read_parquet cast every file to the first file's types: a TIMESTAMPTZ file after a
    text one lost its offsets (every event rejected), and a text file after a typed one was
    read by DuckDB's lenient cast (found in review)."""
    text = copy_parquet(
        tmp_path / "text.parquet",
        rows_of("'2026-11-10T12:00:00+05:00'|'2026-11-10T12:00:00'"),
    )
    typed = copy_parquet(
        tmp_path / "typed.parquet",
        rows_of(f"{kind} '2026-11-10 12:00:00+00'|{kind} '2026-11-11 12:00:00+00'"),
    )
    paths = [text, typed] if order == "text-first" else [typed, text]
    rows, rejected, count = ingest_parquet(paths)
    by_file = {p.name: i for i, p in enumerate(paths)}
    assert sorted(rows) == sorted(
        [
            (by_file["text.parquet"], "a", datetime(2026, 11, 10, 7, 0)),  # 12:00 at +05:00
            (by_file["typed.parquet"], "a", datetime(2026, 11, 10, 12, 0)),
            (by_file["typed.parquet"], "b", datetime(2026, 11, 11, 12, 0)),
        ]
    )
    assert rejected == [
        (
            "text.parquet",
            2,
            "invalid timestamp '2026-11-10T12:00:00': timestamp needs a time zone offset "
            "(Z for UTC)",
        )
    ]
    assert count == 4


def test_a_parquet_file_given_twice_is_read_twice(tmp_path: Path) -> None:
    """As a JSON Lines file given twice: its events again (duplicates, by their IDs), its bad
    rows rejected again. Both readings shared one file index, so neither deduplication nor
    the rejections came out right (found in review)."""
    path = copy_parquet(tmp_path / "e.parquet", rows_of("'2026-11-10T12:00:00Z'|'bad'"))
    rows, rejected, count = ingest_parquet([path, path])
    assert rows == [
        (0, "a", datetime(2026, 11, 10, 12, 0)),
        (1, "a", datetime(2026, 11, 10, 12, 0)),
    ]
    assert [(file, line) for file, line, _ in rejected] == [("e.parquet", 2), ("e.parquet", 2)]
    assert count == 4


def test_a_parquet_file_without_a_timestamp_column_is_one_invalid_entry(tmp_path: Path) -> None:
    """It stopped the replay; now it is one invalid entry at row 0, as an unreadable JSON Lines
    file is, and the other files are read (SPEC 3.1: nothing stops the run)."""
    bad = copy_parquet(
        tmp_path / "e.parquet",
        "SELECT 'a' AS transaction_id, 'acme' AS customer_id, 'request' AS event_type, "
        "MAP {'model': 'm'} AS properties",
    )
    good = copy_parquet(tmp_path / "good.parquet", rows_of("'2026-11-10T12:00:00Z'|'x'"))
    rows, rejected, count = ingest_parquet([bad, good])
    assert [r[1] for r in rows] == ["a"]
    assert [(file, line, reason.split(";")[0]) for file, line, reason in rejected] == [
        ("e.parquet", 0, "events file is unreadable: it lacks the columns timestamp"),
        (
            "good.parquet",
            2,
            "invalid timestamp 'x': timestamp must be an RFC 3339 date-time, "
            "e.g. 2026-11-03T10:00:00Z",
        ),
    ]
    assert "expected columns transaction_id, customer_id" in rejected[0][2]
    assert count == 3  # the unreadable file, and good.parquet's two rows


def test_a_broken_parquet_file_is_one_invalid_entry(tmp_path: Path) -> None:
    """A truncated file, or bytes that are no Parquet at all, stopped the whole replay."""
    good = copy_parquet(
        tmp_path / "good.parquet", rows_of("'2026-11-10T12:00:00Z'|'2026-11-11T12:00:00Z'")
    )
    whole = good.read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole[: len(whole) // 2])
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all\n")
    rows, rejected, count = ingest_parquet([cut, good, junk])
    assert [(r[0], r[1]) for r in rows] == [(1, "a"), (1, "b")]
    assert [(file, line) for file, line, _ in rejected] == [("cut.parquet", 0), ("junk.parquet", 0)]
    assert all(reason.startswith("events file is unreadable: ") for _, _, reason in rejected)
    assert count == 4  # two unreadable files, two events


def test_a_file_whose_rows_fail_in_a_batch_leaves_the_others_read(tmp_path: Path) -> None:
    """Files of one schema are read in one batch: when DuckDB fails on one of them, the others
    are read on their own, and nothing of the failed reading stays."""
    first = copy_parquet(
        tmp_path / "first.parquet", rows_of("'2026-11-10T12:00:00Z'|'2026-11-11T12:00:00Z'")
    )
    second = copy_parquet(
        tmp_path / "second.parquet", rows_of("'2026-11-12T12:00:00Z'|'2026-11-13T12:00:00Z'")
    )
    whole = second.read_bytes()
    # the footer (the schema, DESCRIBE's) intact, the data pages before it overwritten: a scan
    # fails ("PAR1", pages, footer, the footer's 4-byte length, "PAR1")
    pages_end = len(whole) - 8 - int.from_bytes(whole[-8:-4], "little")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(whole[:4] + b"\xff" * (pages_end - 4) + whole[pages_end:])
    rows, rejected, count = ingest_parquet([first, broken, second])
    assert [(r[0], r[1]) for r in rows] == [(0, "a"), (0, "b"), (2, "a"), (2, "b")]
    assert [(file, line) for file, line, _ in rejected] == [("broken.parquet", 0)]
    assert count == 5


@pytest.mark.parametrize("error", [duckdb.OutOfMemoryException, duckdb.InterruptException])
def test_running_out_of_memory_is_the_runs_error_not_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[duckdb.Error]
) -> None:
    """Out of memory (or interrupted) while reading, a file was made one invalid entry and its
    events were lost, the replay ending well (found in review); the error is the run's."""
    import compiler.engine.parquet_events as parquet_events

    def failing(*args: Any) -> None:
        raise error("failed to allocate data of size 128.0 MiB")

    monkeypatch.setattr(parquet_events, "_read_batch", failing)
    path = copy_parquet(tmp_path / "e.parquet", rows_of("'2026-11-10T12:00:00Z'|'x'"))
    with pytest.raises(error):
        ingest_parquet([path, path])


@pytest.mark.parametrize(
    ("columns", "reason"),
    [
        ("'x' AS filename", None),  # DuckDB's own name for a row's file: read as any column
        ("7 AS file_row_number", "it has a column named file_row_number"),
        ("[1, 2] AS properties", "its properties are a INTEGER[]"),
    ],
)
def test_columns_this_reader_cannot_take_make_the_file_unreadable(
    tmp_path: Path, columns: str, reason: str | None
) -> None:
    """A `filename` column stopped the replay with DuckDB's binder error; it is read now. A
    `file_row_number` column, which DuckDB's reader reserves, or properties that are neither a
    map nor a struct make the file one invalid entry."""
    query = (
        "SELECT 'a' AS transaction_id, 'acme' AS customer_id, 'request' AS event_type, "
        f"'2026-11-10T12:00:00Z' AS timestamp, MAP {{'model': 'm'}} AS properties, {columns}"
    ).replace("MAP {'model': 'm'} AS properties, [1, 2] AS properties", "[1, 2] AS properties")
    path = copy_parquet(tmp_path / "e.parquet", query)
    rows, rejected, count = ingest_parquet([path])
    if reason is None:
        assert ([r[1] for r in rows], rejected, count) == (["a"], [], 1)
    else:
        assert rows == [] and count == 1
        assert [(f, line) for f, line, _ in rejected] == [("e.parquet", 0)]
        assert rejected[0][2].startswith(f"events file is unreadable: {reason}")


def test_fields_of_another_type_than_text_reject_each_row_as_json_lines_does(
    tmp_path: Path,
) -> None:
    """An INT customer_id or a list transaction_id stopped the replay with DuckDB's conversion
    error, or was read as its text ("[a]"); each row is now rejected with the reason a JSON Lines
    line with a number or a list there gets. Strings stored as bytes are read as text."""
    path = copy_parquet(
        tmp_path / "e.parquet",
        "SELECT * FROM (VALUES (['a'], 7, CAST('request' AS BLOB), '2026-11-10T12:00:00Z', "
        "MAP {'model': 'm'})) t(transaction_id, customer_id, event_type, timestamp, properties)",
    )
    rows, rejected, count = ingest_parquet([path])
    assert (rows, count) == ([], 1)
    assert [(f, line, r) for f, line, r in rejected] == [("e.parquet", 1, BAD_TRANSACTION_ID)]
    path = copy_parquet(
        tmp_path / "f.parquet",
        "SELECT * FROM (VALUES ('a', 7, CAST('request' AS BLOB), '2026-11-10T12:00:00Z', "
        "MAP {'model': 'm'})) t(transaction_id, customer_id, event_type, timestamp, properties)",
    )
    rows, rejected, count = ingest_parquet([path])
    assert (rows, count) == ([], 1)
    assert rejected == [("f.parquet", 1, missing_field("customer_id"))]
    path = copy_parquet(
        tmp_path / "g.parquet",
        "SELECT * FROM (VALUES ('a', 'acme', CAST('request' AS BLOB), '2026-11-10T12:00:00Z', "
        "MAP {'model': 'm'})) t(transaction_id, customer_id, event_type, timestamp, properties)",
    )
    rows, rejected, count = ingest_parquet([path])
    assert ([r[1] for r in rows], rejected, count) == (["a"], [], 1)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("DATE '2026-11-10'", "2026-11-10"),
        ("1762776000", "1762776000"),
        ("TIME '12:00:00'", "12:00:00"),
    ],
)
def test_a_timestamp_column_that_holds_no_instants_is_rejected_row_by_row(
    tmp_path: Path, value: str, text: str
) -> None:
    """A DATE was read as midnight, where a date string is rejected; an epoch number or a TIME
    stopped the replay with DuckDB's conversion error. Each value is now read as its text, by
    the JSON Lines rules, and each row rejected with their reason (SPEC 3.1: nothing stops the
    run)."""
    path = copy_parquet(tmp_path / "e.parquet", rows_of(f"{value}|{value}"))
    rows, rejected, count = ingest_parquet([path])
    reason = f"invalid timestamp {text!r}: timestamp must be an RFC 3339 date-time"
    assert rows == []
    assert [(file, row, r.split(", e.g.")[0]) for file, row, r in rejected] == [
        ("e.parquet", 1, reason),
        ("e.parquet", 2, reason),
    ]
    assert count == 2


def test_timestamps_stored_as_bytes_follow_the_string_rules(tmp_path: Path) -> None:
    """A writer that leaves out the UTF8 annotation stores strings as BLOB; DuckDB's lenient
    cast read them (found in review), and they are now read as strings are: a date alone is
    rejected."""
    path = copy_parquet(
        tmp_path / "e.parquet", rows_of("'2026-11-10T12:00:00Z'::BLOB|'2026-11-10'::BLOB")
    )
    rows, rejected, count = ingest_parquet([path])
    assert rows == [(0, "a", datetime(2026, 11, 10, 12, 0))]
    assert [(file, row, reason.split(":")[0]) for file, row, reason in rejected] == [
        ("e.parquet", 2, "invalid timestamp '2026-11-10'")
    ]
    assert count == 2


def test_a_timestamp_column_without_a_value_rejects_each_row(tmp_path: Path) -> None:
    """A column of nulls only has the type NULL: each row lacks its timestamp, as in a file
    where some rows do; nothing stops the replay."""
    path = copy_parquet(tmp_path / "e.parquet", rows_of("NULL|NULL"))
    rows, rejected, count = ingest_parquet([path])
    assert rows == []
    assert [(row, reason.split(" ")[0]) for _, row, reason in rejected] == [
        (1, "timestamp"),
        (2, "timestamp"),
    ]
    assert count == 2


@pytest.mark.parametrize("kind", ["TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"])
def test_a_timestamp_of_any_precision_is_read(tmp_path: Path, kind: str) -> None:
    value = f"CAST(TIMESTAMP '2026-11-10 12:00:00' AS {kind})"
    path = copy_parquet(tmp_path / "e.parquet", rows_of(f"{value}|{value}"))
    rows, rejected, count = ingest_parquet([path])
    assert rows == [
        (0, "a", datetime(2026, 11, 10, 12, 0)),
        (0, "b", datetime(2026, 11, 10, 12, 0)),
    ]
    assert (rejected, count) == ([], 2)


@pytest.mark.parametrize(
    "value",
    ["'infinity'", "'-infinity'", "'290000-01-01 00:00:00'", "'0044-03-15 (BC) 12:00:00'"],
)
def test_a_typed_timestamp_outside_years_1_to_9999_is_invalid(tmp_path: Path, value: str) -> None:
    """Such an instant landed in `outside_contract`, where its text in a JSON Lines line is an
    invalid timestamp (found by a probe)."""
    path = copy_parquet(
        tmp_path / "e.parquet",
        rows_of(f"TIMESTAMP '2026-11-10 12:00:00'|CAST({value} AS TIMESTAMP)"),
    )
    rows, rejected, count = ingest_parquet([path])
    assert ([r[1] for r in rows], count) == (["a"], 2)
    assert rejected == [("e.parquet", 2, "invalid timestamp")]


def test_a_parquet_name_with_glob_characters_is_one_invalid_entry(tmp_path: Path) -> None:
    """DuckDB reads such a name as a pattern: `c[1].parquet` would be `c1.parquet`."""
    path = copy_parquet(tmp_path / "c[1].parquet", rows_of("'2026-11-10T12:00:00Z'|'x'"))
    rows, rejected, count = ingest_parquet([path])
    assert (rows, count) == ([], 1)
    assert [(file, line, reason.split(";")[0]) for file, line, reason in rejected] == [
        (
            "c[1].parquet",
            0,
            "events file is unreadable: DuckDB would read the name as a pattern (* ? [ {)",
        )
    ]


def test_a_parquet_suffix_in_any_case_is_parquet(tmp_path: Path) -> None:
    path = copy_parquet(tmp_path / "E.PARQUET", rows_of("'2026-11-10T12:00:00Z'|'x'"))
    rows, rejected, count = ingest_parquet([path])
    assert ([r[1] for r in rows], count) == (["a"], 2)
    assert [(line, reason.split(":")[0]) for _, line, reason in rejected] == [
        (2, "invalid timestamp 'x'")
    ]


# Typed Parquet values for the number columns' tests. name: (type, value in row a, in row b,
# a number in a, in b); row c: all NULL.
TYPED = {
    "tiny": ("TINYINT", "-128", "0", True, True),
    "big": ("BIGINT", "-9223372036854775808", "42", True, True),
    "ubig": ("UBIGINT", "18446744073709551615", "7", True, True),  # 20 digits
    # Parquet has no 128-bit integer: DuckDB writes one as a DOUBLE (texts 1e+23, 1.0)
    "huge": ("HUGEINT", "100000000000000000000000", "1", False, True),
    "double": ("DOUBLE", "1.5", "1e25", True, False),  # texts 1.5 and 1e+25
    "decimal": ("DECIMAL(10, 3)", "1.5", "-2", True, True),  # 1.500 and -2.000
    # 12 places: 1.500000000000 is a number (zeros past the 9th), 1.123456789012 is not
    "fine": ("DECIMAL(18, 12)", "1.5", "1.123456789012", True, False),
    # 38 digits: 10^25 has 26 integer digits
    "wide": ("DECIMAL(38, 0)", "7", "10000000000000000000000000", True, False),
    "flag": ("BOOLEAN", "true", "false", False, False),
    "text": ("VARCHAR", "'7'", "' 7'", True, False),
}
# the types whose every value is a number: the reader tells these without the text
ALWAYS_NUMBERS = {"tiny", "big", "ubig", "decimal"}


def test_a_typed_number_field_is_a_number_exactly_where_its_text_is(tmp_path: Path) -> None:
    """The Parquet reader tells a field a number without matching its text where every value of
    its type is one (parquet_events.always_a_number, the number column `n_i`); any other type
    is told by its text, by the queries. The number column's word, where it has one, must be
    the text's match."""
    from compiler.engine.ingest import ingest
    from compiler.engine.metering import matches_number
    from compiler.engine.store import EventStore

    names = list(TYPED)

    def row(txid: str, column: int) -> str:
        values = ", ".join(
            f"'{n}': CAST({spec[column] if column else 'NULL'} AS {spec[0]})"
            for n, spec in TYPED.items()
        )
        return f"('{txid}', 'acme', 'request', '2026-11-10T12:00:00Z', {{{values}}})"

    path = copy_parquet(
        tmp_path / "typed.parquet",
        f"SELECT * FROM (VALUES {row('a', 1)}, {row('b', 2)}, {row('c', 0)}) "
        "t(transaction_id, customer_id, event_type, timestamp, properties)",
    )
    flags = ", ".join(f"n_{i}" for i in range(len(names)))
    matches = ", ".join(
        matches_number(exp.column(f"p_{i}"), "duckdb").sql(dialect="duckdb")
        for i in range(len(names))
    )
    with EventStore("256MB") as store:
        ingest(store.connection, [(path, path.name)], names, range(len(names)))
        rows = store.connection.execute(
            f"SELECT transaction_id, [{flags}], [{matches}] FROM parsed ORDER BY seq"
        ).fetchall()
    assert [txid for txid, _, _ in rows] == ["a", "b", "c"]
    for _, flagged, matched in rows:
        told = {n: f for n, f in zip(names, flagged, strict=True) if f is not None}
        assert set(told) == ALWAYS_NUMBERS  # the reader tells exactly these fields
        assert all(f == bool(m) for f, m in zip(flagged, matched, strict=True) if f is not None)
    assert [bool(m) for m in rows[0][2]] == [spec[3] for spec in TYPED.values()]
    assert [bool(m) for m in rows[1][2]] == [spec[4] for spec in TYPED.values()]
    assert not any(rows[2][1]) and not any(rows[2][2])  # absent: the accounting says `missing`


@pytest.mark.parametrize("name", list(TYPED))
def test_a_typed_map_value_is_a_number_exactly_where_its_text_is(tmp_path: Path, name: str) -> None:
    """As for STRUCT fields, for `properties` as a MAP: the reader tells a value a number by
    the map's value type where every value of it is one, and the word is the text's match."""
    from compiler.engine.ingest import ingest
    from compiler.engine.metering import matches_number
    from compiler.engine.store import EventStore

    kind, a, b, number_a, number_b = TYPED[name]
    rows_sql = ", ".join(
        f"('{txid}', 'acme', 'request', '2026-11-10T12:00:00Z', "
        f"MAP {{'{key}': CAST({v} AS {kind})}})"
        for txid, key, v in [("a", "v", a), ("b", "v", b), ("c", "other", a), ("d", "v", "NULL")]
    )
    path = copy_parquet(
        tmp_path / "map.parquet",
        f"SELECT * FROM (VALUES {rows_sql}) "
        "t(transaction_id, customer_id, event_type, timestamp, properties)",
    )
    matches = matches_number(exp.column("p_0"), "duckdb").sql(dialect="duckdb")
    with EventStore("256MB") as store:
        ingest(store.connection, [(path, path.name)], ["v"], [0])
        rows = store.connection.execute(
            f"SELECT transaction_id, n_0, coalesce({matches}, false) FROM parsed ORDER BY seq"
        ).fetchall()
    # rows c (no such key) and d (a NULL value) are no numbers: the accounting says `missing`
    assert [(txid, matched) for txid, _, matched in rows] == [
        ("a", number_a),
        ("b", number_b),
        ("c", False),
        ("d", False),
    ]
    if name in ALWAYS_NUMBERS:
        assert [flag for _, flag, _ in rows] == [number_a, number_b, False, False]
    else:
        assert [flag for _, flag, _ in rows] == [None, None, None, None]  # the text tells


READINGS = [
    event("storage", gb=40),
    event("storage", gb=75, at="2026-11-20T00:00:00Z"),
    event("storage"),  # no gb (in a MAP: an empty map)
    event("seat_count", seats=12, at="2026-11-05T00:00:00Z"),
    event("seat_count", seats=9, at="2026-11-25T00:00:00Z"),
]
TOKENS = [
    request(1_500_000, txid="a"),
    request(txid="no-tokens"),  # no tokens: a `missing` problem, as from JSON Lines
    request(-500_000, txid="b"),  # a negative integer is a number
]


@pytest.mark.parametrize(
    ("shape", "events"),
    [
        ("struct", TOKENS + READINGS),
        ("intmap", READINGS),  # a MAP(VARCHAR, BIGINT) holds only numbers: no model names
    ],
)
def test_integer_fields_sum_max_and_latest_as_from_json_lines(
    tmp_path: Path, shape: str, events: list[dict[str, Any]]
) -> None:
    """Every number property typed BIGINT (a STRUCT's field, or a MAP's values), so the
    Parquet reader tells them numbers by their type (sum, max and latest read its word), some
    events lacking them."""
    from_json = replay(tmp_path / "json", events)
    from_parquet = as_parquet(tmp_path / "parquet", events, shape)
    assert json.loads(to_json(from_parquet)) == json.loads(to_json(from_json))
    quantities = {
        li.product_id: li.quantity
        for li in from_parquet.invoices[0].line_items
        if isinstance(li, UsageLine)
    }
    # peak gb: max(40, 75) = 75; seats: the latest reading, 9 (Nov 25)
    assert (quantities["peak"], quantities["seats"]) == (Decimal("75"), Decimal("9"))
    problems = from_parquet.accounting.metric_problems
    assert problems["peak"]["missing"].events == 1
    if shape == "struct":
        # tokens of model a: 1,500,000 - 500,000 = 1,000,000, billed per million: 1
        assert quantities["tokens"] == Decimal("1")
        assert problems["tokens"]["missing"].examples == ["no-tokens"]
