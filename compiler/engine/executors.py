"""Where the metering queries run: on the replay's own DuckDB, or on an Apache Spark session.

Ingestion, attribution and SQL metrics always run on the replay's DuckDB store (see
store.EventStore). The metering queries built in metering.py (usage per product, the accounting
classification, the metric problem report) run on an executor: it is handed the store tables
they read (`share`), renders each sqlglot expression for its own dialect and returns the rows as
plain Python values (`rows`): strings, ints, `Decimal`s, lists, and naive UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol

from sqlglot import exp

from compiler.engine.store import EventStore

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")


class EngineUnavailable(Exception):
    """The engine asked for cannot run here (its extra is not installed, or it cannot start)."""


class Executor(Protocol):
    dialect: Engine

    def share(self, table: str) -> None:
        """Make a table of the store readable by this executor's queries."""

    def rows(self, query: exp.Expression) -> list[dict[str, Any]]:
        """The query's rows, each a column name → value mapping."""


class DuckDBExecutor:
    """Runs the queries on the store's own connection: nothing to share."""

    dialect: Engine = "duckdb"

    def __init__(self, store: EventStore):
        self.store = store

    def share(self, table: str) -> None:
        return None

    def rows(self, query: exp.Expression) -> list[dict[str, Any]]:
        return self.store.rows(query.sql(dialect=self.dialect))


@contextmanager
def open_executor(engine: Engine, store: EventStore) -> Iterator[Executor]:
    """The executor of an engine for one replay over `store`, released when the replay ends."""
    if engine == "duckdb":
        yield DuckDBExecutor(store)
        return
    if engine != "spark":
        raise ValueError(f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    try:
        from compiler.engine.spark import SparkExecutor
    except ImportError as exc:
        raise EngineUnavailable(
            "the spark engine needs pyspark: pip install 'plan-compiler[spark]'"
        ) from exc
    with SparkExecutor(store.connection) as executor:
        yield executor
