"""Choosing where metering queries run (compiler/engine/executors.py)."""

from __future__ import annotations

import sys

import pytest
from sqlglot import exp

from compiler.engine.executors import DuckDBExecutor, EngineUnavailable, open_executor
from compiler.engine.store import EventStore


def test_duckdb_runs_on_the_store_itself() -> None:
    with EventStore() as store, open_executor("duckdb", store) as executor:
        assert isinstance(executor, DuckDBExecutor)
        store.connection.execute("CREATE TEMP TABLE t AS SELECT 1 AS n, 'a' AS s")
        executor.share("t")  # nothing to copy
        query = exp.select("n", "s").from_("t")
        assert executor.rows(query) == [{"n": 1, "s": "a"}]


def test_spark_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "compiler.engine.spark", None)  # import fails
    with (
        EventStore() as store,
        pytest.raises(EngineUnavailable, match=r"pip install 'plan-compiler\[spark\]'"),
        open_executor("spark", store),
    ):
        pass


def test_unknown_engine_is_refused() -> None:
    with (
        EventStore() as store,
        pytest.raises(ValueError, match="unknown engine"),
        open_executor("oracle", store),  # type: ignore[arg-type]
    ):
        pass
