"""The locked-down DuckDB that SQL metrics bind (`plan validate`) and run in (`plan preview`,
`plan replay`): one set of settings and one watchdog for both."""

from __future__ import annotations

import threading
from types import TracebackType

import duckdb

from compiler.engine.store import CLOSED

MEMORY_LIMIT = "512MB"
# DuckDB's memory_limit bounds its buffers, not every allocation (a constant `repeat(...)`
# folded while a query is planned ignores it), so the process that plans a query for
# `plan validate` has limits of its own (compiler/engine/sql_binding.py).
RESIDENT_BYTES = 2**30
ADDRESS_SPACE_BYTES = 8 * 2**30

CONFIG: dict[str, str | bool | int | float | list[str]] = {
    **CLOSED,
    "memory_limit": MEMORY_LIMIT,
    "threads": 1,
}
# Run after the `events` table or view exists: from then on nothing can be read or changed.
LOCK_DOWN = ("SET enable_external_access = false", "SET lock_configuration = true")


class Watchdog:
    """Interrupts a connection's query after `seconds`; `expired` says whether it did."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, seconds: float):
        self.expired = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._interrupt)

    def _interrupt(self) -> None:
        self.expired = True
        self._connection.interrupt()

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
