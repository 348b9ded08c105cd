"""The replay's DuckDB store (compiler/engine/store.py): where it keeps the events, and rows
handed to it from Python arriving exactly as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.engine.store import (
    EventStore,
    MemoryLimitError,
    held_in_memory,
    insert_rows,
    memory_bytes,
    memory_limit_problem,
)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("512MB", 512 * 10**6),
        ("2GB", 2 * 10**9),
        ("2GiB", 2 * 2**30),
        ("1.5gb", 1_500_000_000),  # 1.5 × 10^9
        (" 300 KiB ", 300 * 1024),
        ("100B", 100),
        ("lots", None),
        ("2 GB of it", None),
        ("", None),
    ],
)
def test_memory_limits_read_as_bytes(limit: str, expected: int | None) -> None:
    assert memory_bytes(limit) == expected


@pytest.mark.parametrize(
    ("limit", "problem"),
    [
        ("128MB", None),
        ("1000TB", None),
        ("127MB", "at least 128MB"),
        ("1B", "at least 128MB"),
        ("1001TB", "at most 1000TB"),
        ("lots", "a size such as"),
    ],
)
def test_a_replays_memory_limit_is_one_duckdb_can_work_in(limit: str, problem: str | None) -> None:
    found = memory_limit_problem(limit)
    assert found == problem if problem is None else (found or "").startswith(problem)


def test_a_memory_limit_duckdb_refuses_is_named() -> None:
    with pytest.raises(MemoryLimitError, match="'99999999TB' refused"):
        EventStore("99999999TB")


def test_events_are_held_in_memory_up_to_half_the_limit() -> None:
    # 1GB = 10^9 bytes; half of it is 500,000,000
    assert held_in_memory("1GB", 500_000_000)
    assert not held_in_memory("1GB", 500_000_001)
    assert held_in_memory("1GB", 0)
    # events whose size cannot be told (a pipe): the file
    assert not held_in_memory("1GB", None)
    # a limit DuckDB may take but we cannot read: the database file, which is always safe
    assert not held_in_memory("80%", 10)


@pytest.mark.parametrize("in_memory", [True, False])
def test_the_store_spills_and_answers_either_way(in_memory: bool) -> None:
    with EventStore("64MB", in_memory=in_memory) as store:
        store.connection.execute(
            "CREATE TABLE t AS SELECT range AS i, repeat('x', 40) || range AS s FROM range(2000000)"
        )
        # sum of 0..1,999,999 = 1,999,999 × 2,000,000 / 2 = 1,999,999,000,000
        assert store.connection.execute("SELECT sum(i), count(DISTINCT s) FROM t").fetchone() == (
            1_999_999_000_000,
            2_000_000,
        )


texts = st.one_of(st.none(), st.text(alphabet=st.characters(exclude_categories=["Cs"])))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            texts,
            st.one_of(st.none(), st.datetimes(min_value=datetime(1, 1, 2), timezones=st.none())),
            st.one_of(st.none(), st.lists(texts, max_size=4).map(tuple)),
        ),
        max_size=30,
    )
)
def test_rows_arrive_exactly(
    rows: list[tuple[str | None, datetime | None, tuple[str | None, ...] | None]],
) -> None:
    """Tabs, newlines, quotes, backslashes, any Unicode text (lone surrogates aside: no text
    decoded from UTF-8 holds one), NULLs, NULLs in lists, empty lists."""
    with EventStore("64MB", in_memory=True) as store:
        store.connection.execute("CREATE TABLE t (n VARCHAR, s VARCHAR, m TIMESTAMP, v VARCHAR[])")
        numbered = [(str(i), *row) for i, row in enumerate(rows)]
        insert_rows(
            store.connection, "t", ("VARCHAR", "VARCHAR", "TIMESTAMP", "VARCHAR[]"), numbered
        )
        back = store.connection.execute("SELECT s, m, v FROM t ORDER BY n::INTEGER").fetchall()
    assert back == [(s, m, None if v is None else list(v)) for s, m, v in rows]


def test_aware_instants_arrive_as_naive_utc() -> None:
    later = datetime(2026, 11, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    with EventStore("64MB", in_memory=True) as store:
        store.connection.execute("CREATE TABLE t (m TIMESTAMP)")
        insert_rows(
            store.connection, "t", ("TIMESTAMP",), [(later,), (datetime(2026, 11, 1, tzinfo=UTC),)]
        )
        back = [m for (m,) in store.connection.execute("SELECT m FROM t").fetchall()]
    # 09:30 at +09:00 is 00:30 UTC
    assert sorted(back) == [datetime(2026, 11, 1, 0, 0), datetime(2026, 11, 1, 0, 30)]


def test_instants_equal_in_their_zone_stay_apart_in_utc() -> None:
    """01:30 on 1 November 2026 happens twice in New York (clocks go back at 02:00 EDT); the
    two compare equal as aware datetimes but are an hour apart."""
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=new_york)  # EDT, UTC-4: 05:30 UTC
    second = datetime(2026, 11, 1, 1, 30, tzinfo=new_york, fold=1)  # EST, UTC-5: 06:30 UTC
    assert first == second
    with EventStore("64MB", in_memory=True) as store:
        store.connection.execute("CREATE TABLE t (m TIMESTAMP)")
        insert_rows(store.connection, "t", ("TIMESTAMP",), [(first,), (second,)])
        back = [m for (m,) in store.connection.execute("SELECT m FROM t ORDER BY m").fetchall()]
    assert back == [datetime(2026, 11, 1, 5, 30), datetime(2026, 11, 1, 6, 30)]


def test_a_text_column_takes_text_only() -> None:
    with EventStore("64MB", in_memory=True) as store:
        store.connection.execute("CREATE TABLE t (s VARCHAR)")
        with pytest.raises(TypeError, match="must be a str"):
            insert_rows(store.connection, "t", ("VARCHAR",), [(True,)])


def test_a_table_name_never_reads_a_python_variable() -> None:
    """DuckDB's Python client resolves an unknown table name to a variable of the calling
    code (a data frame, an array, a relation); the store, whose tables SQL metrics read, does
    not, even before it is locked."""
    import duckdb

    leak = duckdb.sql("SELECT 42 AS value")  # noqa: F841 - the name the query asks for
    with EventStore("64MB", in_memory=True) as store:
        with pytest.raises(duckdb.CatalogException, match="leak"):
            store.connection.execute("SELECT * FROM leak")
