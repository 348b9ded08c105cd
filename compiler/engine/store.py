"""The embedded DuckDB database a replay works in.

An in-memory database, or a database file in a temporary directory when the events would not
fit (see held_in_memory), with a memory limit: what does not fit in memory spills to that
directory, so a replay's memory is bounded by the limit rather than by the
number of events. Once the events are read, the connection gives up external access and locks
its configuration: the queries that follow (SQL metrics included) can read nothing but its own
tables.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"
# Every DuckDB connection here (the store, a SQL metric's sandbox, the binding check): no
# extension is installed or loaded behind our back, and a table name never resolves to a Python
# variable of the calling code (DuckDB's Python client scans data frames, arrays and relations
# by name).
CLOSED: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
}
SIZE_PATTERN = re.compile(
    r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE | re.ASCII
)
SIZE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
SIZE_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


# What `plan replay --memory-limit` takes. Below the minimum DuckDB cannot hold a replay's
# working buffers even for a handful of events (64MB ran out on two threads; a machine with
# more threads needs more); DuckDB refuses values past 8 EiB, and no machine has a petabyte.
MIN_MEMORY_LIMIT = 128 * 10**6
MAX_MEMORY_LIMIT = 10**15


class MemoryLimitError(Exception):
    """DuckDB refused the memory limit, or a replay ran out of memory within it."""


def memory_limit_problem(limit: str) -> str | None:
    """Why `limit` is no memory limit for a replay (None: it is one)."""
    size = memory_bytes(limit)
    if size is None:
        return "a size such as 512MB or 2GB"
    if size < MIN_MEMORY_LIMIT:
        return (
            "at least 128MB: DuckDB needs that much to run a replay, and spills what does not fit"
        )
    if size > MAX_MEMORY_LIMIT:
        return "at most 1000TB"
    return None


def memory_bytes(limit: str) -> int | None:
    """A memory limit such as `512MB` or `2GiB` in bytes; None if it is not one."""
    match = SIZE_PATTERN.fullmatch(limit.strip())
    if match is None:
        return None
    return int(float(match[1]) * SIZE_UNITS[match[2].lower()])


def held_in_memory(memory_limit: str, event_bytes: int | None) -> bool:
    """Whether a replay's events are kept in memory rather than in a database file.

    The events read are kept as a table of their used fields, which in memory takes about half
    their JSON Lines size (measured: 150 MB for 1M events, 289 MB of JSON Lines). A file costs
    compressing that table as it is written (0.3 s at 1M events) and pays off only when the
    table would not fit: at 10M events the later passes read far less (usage 2.9 s -> 1.4 s).
    Spilling works either way; this only chooses the faster. When the limit or the size cannot
    be told (None), the file."""
    limit = memory_bytes(memory_limit)
    return limit is not None and event_bytes is not None and event_bytes <= limit // 2


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
    """Insert many rows in one statement. `table` and `types` are our own constants; the types
    are VARCHAR (str), TIMESTAMP (datetimes; aware ones are stored as naive UTC) and VARCHAR[]
    (sequences of str), each value possibly None.

    The rows go over as one text parameter, a tab between values and a newline between rows,
    split by DuckDB: a string as JSON (which holds neither raw), an instant as its ISO text, a
    NULL as nothing. DuckDB converts a Python list parameter one element at a time, which cost
    0.26 s for the 40,000 priced groups of a 1M-event replay and 0.35 s for 100,000 events
    going to a SQL metric; this takes 0.08 s and 0.28 s (executemany costs a statement per
    row)."""
    if not rows:
        return
    columns = [
        _ENCODERS[kind](column) for kind, column in zip(types, zip(*rows, strict=True), strict=True)
    ]
    lines = "\n".join(map("\t".join, zip(*columns, strict=True)))
    select = ", ".join(
        _DECODERS[kind].format(f"nullif(f[{i}], '')") for i, kind in enumerate(types, start=1)
    )
    connection.execute(
        f"INSERT INTO {table} SELECT {select} "
        "FROM (SELECT string_split(unnest(string_split(?, chr(10))), chr(9)) AS f)",
        [lines],
    )


_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps' defaults, minus its overhead


def _strings(column: Sequence[Any]) -> list[str]:
    """Each value as JSON: most are distinct (transaction IDs), so none is cached."""
    return ["" if v is None else _JSON(v) if type(v) is str else _not_text(v) for v in column]


def _not_text(value: Any) -> str:
    raise TypeError(f"insert_rows: a VARCHAR value must be a str, not {value!r}")


def _checked(value: Any) -> str | None:
    return value if value is None or type(value) is str else _not_text(value)


def _instants(column: Sequence[Any]) -> list[str]:
    """Each instant's ISO text in UTC, each distinct one made once (periods and segments
    repeat). Aware instants are told apart by their offset too: 01:30 before and after a
    clock goes back compare equal."""
    texts: dict[Any, str] = {}
    out = []
    for v in column:
        key = v if v is None or v.tzinfo is None else (v, v.utcoffset())
        text = texts.get(key)
        if text is None:
            text = texts[key] = "" if v is None else (naive_utc(v) if v.tzinfo else v).isoformat()
        out.append(text)
    return out


def _string_lists(column: Sequence[Any]) -> list[str]:
    """Each list as JSON, each distinct one made once (group values repeat)."""
    texts: dict[Any, str] = {}
    out = []
    for v in column:
        key = None if v is None else tuple(v)
        text = texts.get(key)
        if text is None:
            text = texts[key] = "" if key is None else _JSON([_checked(x) for x in key])
        out.append(text)
    return out


_ENCODERS: dict[str, Callable[[Sequence[Any]], list[str]]] = {
    "VARCHAR": _strings,
    "TIMESTAMP": _instants,
    "VARCHAR[]": _string_lists,
}
_DECODERS = {
    "VARCHAR": "({} ->> '$')",
    "TIMESTAMP": "CAST({} AS TIMESTAMP)",
    "VARCHAR[]": "from_json({}, '[\"VARCHAR\"]')",
}


class EventStore:
    def __init__(
        self,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        threads: int | None = None,
        in_memory: bool = False,
    ):
        self._directory = tempfile.TemporaryDirectory(prefix="plan-replay-")
        spill = Path(self._directory.name)
        config: dict[str, Any] = {
            "memory_limit": memory_limit,
            "temp_directory": str(spill / "spill"),
            **CLOSED,
        }
        if threads:
            config["threads"] = threads
        database = ":memory:" if in_memory else str(spill / "replay.duckdb")
        try:
            self.connection = duckdb.connect(database, config=config)
        except (duckdb.ParserException, duckdb.InvalidInputException) as exc:
            self._directory.cleanup()
            raise MemoryLimitError(f"memory limit {memory_limit!r} refused: {exc}") from exc
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
        try:
            self.connection.close()
        finally:
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
            rows,
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
            rows,
        )

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
