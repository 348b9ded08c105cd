"""The embedded DuckDB database a replay aggregates in: events, segments and priced groups.

Attributed events are written as normalised JSON Lines (every property a string) to a temporary
file and read by DuckDB's JSON reader into typed columns, so no number passes through a double.
Once loaded, the connection gives up external access and its configuration is locked: the
queries that follow (metrics included) can read nothing but these tables.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from compiler.engine.events import Event

EVENT_COLUMNS = {
    "seq": "BIGINT",
    "transaction_id": "VARCHAR",
    "customer_id": "VARCHAR",
    "contract_id": "VARCHAR",
    "period_start": "TIMESTAMP",
    "event_type": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "properties": "MAP(VARCHAR, VARCHAR)",
}


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _iso(moment: datetime) -> str:
    return naive_utc(moment).isoformat(timespec="microseconds")


class EventStore:
    def __init__(self, memory_limit: str = "2GB"):
        self.connection = duckdb.connect(
            config={
                "memory_limit": memory_limit,
                "threads": 2,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            }
        )

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, attributed: Iterable[tuple[Event, str, datetime]]) -> int:
        """Load (event, contract ID, period start) rows; returns the number loaded."""
        columns = ", ".join(f"{name} {kind}" for name, kind in EVENT_COLUMNS.items())
        self.connection.execute(f"CREATE TABLE events ({columns})")
        count = 0
        with tempfile.TemporaryDirectory(prefix="plan-events-") as directory:
            path = Path(directory) / "events.jsonl"
            with path.open("w", encoding="utf-8") as out:
                for event, contract_id, period_start in attributed:
                    count += 1
                    out.write(
                        json.dumps(
                            {
                                "seq": event.seq,
                                "transaction_id": event.transaction_id,
                                "customer_id": event.customer_id,
                                "contract_id": contract_id,
                                "period_start": _iso(period_start),
                                "event_type": event.event_type,
                                "timestamp": _iso(event.timestamp),
                                "properties": event.properties,
                            },
                            separators=(",", ":"),
                        )
                    )
                    out.write("\n")
            if count:
                self.connection.execute(
                    "INSERT INTO events SELECT * FROM read_json(?, format='newline_delimited', "
                    "columns=" + _struct_literal(EVENT_COLUMNS) + ")",
                    [str(path)],
                )
        self.connection.execute("SET enable_external_access = false")
        self.connection.execute("SET lock_configuration = true")
        return count

    def create_segments(
        self, rows: Sequence[tuple[str, str, datetime, datetime, datetime]]
    ) -> None:
        """(product, contract, period start, segment start, segment end) rows."""
        self.connection.execute(
            "CREATE OR REPLACE TABLE segments (product_id VARCHAR, contract_id VARCHAR, "
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
            "CREATE OR REPLACE TABLE priced (product_id VARCHAR, contract_id VARCHAR, "
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


def _struct_literal(columns: dict[str, str]) -> str:
    # Column names and types are our own constants, not user input.
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"


def aware(moment: datetime) -> datetime:
    """A naive UTC timestamp from DuckDB as an aware datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
