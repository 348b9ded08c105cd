"""The embedded DuckDB database a replay works in.

A database file in a temporary directory, with a memory limit: what does not fit in memory
spills to that directory, so a replay's memory is bounded by the limit rather than by the
number of events. Once the events are read, the connection gives up external access and locks
its configuration: the queries that follow (SQL metrics included) can read nothing but its own
tables.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"

# Shows how far a long statement has got: (what, percent done), then (what, None) when it ends.
# The CLI sets one on a terminal; a library caller may too. None: nothing is shown.
ProgressCallback = Callable[[str, float | None], None]
progress_display: ContextVar[ProgressCallback | None] = ContextVar("progress_display", default=None)


def execute_long(
    connection: duckdb.DuckDBPyConnection, what: str, sql: str, params: Any = None
) -> None:
    """Run a statement that may take a while, reporting DuckDB's own progress estimate."""
    show = progress_display.get()
    if show is None:
        connection.execute(sql, params)
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            connection.execute(sql, params)
        except BaseException as exc:  # re-raised in the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        percent = connection.query_progress()
        if percent >= 0:
            show(what, percent)
    show(what, None)
    if failure:
        raise failure[0]


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """A naive UTC timestamp from DuckDB as an aware datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def insert_rows(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    types: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert many rows in one statement: one list parameter per column, zipped by unnest
    (executemany costs a statement per row). `table` and `types` are our own constants."""
    if not rows:
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    select = ", ".join(f"unnest(?::{kind}[])" for kind in types)
    connection.execute(f"INSERT INTO {table} SELECT {select}", columns)


class EventStore:
    def __init__(self, memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None):
        self._directory = tempfile.TemporaryDirectory(prefix="plan-replay-")
        spill = Path(self._directory.name)
        config: dict[str, Any] = {
            "memory_limit": memory_limit,
            "temp_directory": str(spill / "spill"),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        if threads:
            config["threads"] = threads
        self.connection = duckdb.connect(str(spill / "replay.duckdb"), config=config)
        self.connection.execute("SET TimeZone = 'UTC'")
        # Every join here is written with the events on the left and a small table (aliases,
        # contracts, slices, segments, repeated IDs) on the right, DuckDB's build side. Its join
        # order optimizer estimates the views over the events at a handful of rows and would
        # build hash tables on them instead: at 10M events that ran out of a 1 GB memory limit.
        self.connection.execute("SET disabled_optimizers = 'join_order'")
        # progress is read with query_progress(), never printed by DuckDB itself
        self.connection.execute("SET enable_progress_bar = true")
        self.connection.execute("SET enable_progress_bar_print = false")

    def lock(self) -> None:
        """No more files, network or settings changes from here on."""
        self.connection.execute("SET enable_external_access = false")
        self.connection.execute("SET lock_configuration = true")

    def close(self) -> None:
        self.connection.close()
        self._directory.cleanup()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create_segments(
        self, rows: Sequence[tuple[str, str, datetime, datetime, datetime, datetime]]
    ) -> None:
        """(product, contract, period start, slice start, segment start, segment end) rows:
        the segment of each product that holds each slice of a period (see replay._slices)."""
        self.connection.execute(
            "CREATE OR REPLACE TEMP TABLE segments (product_id VARCHAR, contract_id VARCHAR, "
            "period_start TIMESTAMP, slice_start TIMESTAMP, segment_start TIMESTAMP, "
            "segment_end TIMESTAMP)"
        )
        insert_rows(
            self.connection,
            "segments",
            ("VARCHAR", "VARCHAR", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP"),
            [
                (p, c, naive_utc(ps), naive_utc(sl), naive_utc(s), naive_utc(e))
                for p, c, ps, sl, s, e in rows
            ],
        )

    def create_table(self, name: str, query: str) -> None:
        """A temporary table of a query's rows (`name` and `query` are our own)."""
        self.connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")

    def create_priced(
        self, rows: Sequence[tuple[str, str, datetime, datetime, tuple[str | None, ...]]]
    ) -> None:
        """(product, contract, segment start, segment end, pricing values) of priced groups."""
        self.connection.execute(
            "CREATE OR REPLACE TEMP TABLE priced (product_id VARCHAR, contract_id VARCHAR, "
            "segment_start TIMESTAMP, segment_end TIMESTAMP, group_values VARCHAR[])"
        )
        insert_rows(
            self.connection,
            "priced",
            ("VARCHAR", "VARCHAR", "TIMESTAMP", "TIMESTAMP", "VARCHAR[]"),
            [(p, c, naive_utc(s), naive_utc(e), list(v)) for p, c, s, e, v in rows],
        )

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
