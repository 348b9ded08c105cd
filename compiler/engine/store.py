"""The embedded DuckDB database a replay works in.

A database file in a temporary directory, with a memory limit: what does not fit in memory
spills to that directory, so a replay's memory is bounded by the limit rather than by the
number of events. Once the events are read, the connection gives up external access and locks
its configuration: the queries that follow (SQL metrics included) can read nothing but its own
tables.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """A naive UTC timestamp from DuckDB as an aware datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
        self.connection.execute("SET enable_progress_bar = false")

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
        self, rows: Sequence[tuple[str, str, datetime, datetime, datetime]]
    ) -> None:
        """(product, contract, period start, segment start, segment end) rows."""
        self.connection.execute(
            "CREATE OR REPLACE TEMP TABLE segments (product_id VARCHAR, contract_id VARCHAR, "
            "period_start TIMESTAMP, segment_start TIMESTAMP, segment_end TIMESTAMP)"
        )
        if rows:
            self.connection.executemany(
                "INSERT INTO segments VALUES (?, ?, ?, ?, ?)",
                [(p, c, naive_utc(ps), naive_utc(s), naive_utc(e)) for p, c, ps, s, e in rows],
            )

    def create_priced(
        self, rows: Sequence[tuple[str, str, datetime, datetime, tuple[str | None, ...]]]
    ) -> None:
        """(product, contract, segment start, segment end, pricing values) of priced groups."""
        self.connection.execute(
            "CREATE OR REPLACE TEMP TABLE priced (product_id VARCHAR, contract_id VARCHAR, "
            "segment_start TIMESTAMP, segment_end TIMESTAMP, group_values VARCHAR[])"
        )
        if rows:
            self.connection.executemany(
                "INSERT INTO priced VALUES (?, ?, ?, ?, ?)",
                [(p, c, naive_utc(s), naive_utc(e), list(v)) for p, c, s, e, v in rows],
            )

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
