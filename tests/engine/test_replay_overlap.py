"""The accounting groups are built in a worker thread while usage is rated (engine/replay.py):
a failure, or Ctrl-C, while rating stops the worker's query instead of waiting it out."""

from __future__ import annotations

import threading
from typing import Any

import duckdb
import pytest

import compiler.engine.replay as replay_module
from compiler.api import preview
from compiler.engine.store import EventStore
from tests.support import PACKAGES

# about ten seconds of work on two cores, were it not stopped
LONG_QUERY = "SELECT sum(a.range * b.range) FROM range(200000) a, range(20000) b"


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failure_while_rating_stops_the_accounting_query(
    monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    started, outcome = threading.Event(), {}

    def long_groups(store: EventStore, query: str) -> Any:
        started.set()
        try:
            store.connection.execute(LONG_QUERY).fetchall()
        except duckdb.InterruptException:
            outcome["interrupted"] = True
            raise
        outcome["interrupted"] = False
        return None

    def failing(*args: Any, **kwargs: Any) -> Any:
        started.wait()
        threading.Event().wait(0.3)  # the worker's query is running by now
        raise failure("while rating")  # a new one each time: a raised one holds its frames

    monkeypatch.setattr(replay_module, "_accounting_groups", long_groups)
    monkeypatch.setattr(replay_module, "contract_invoices", failing)
    with pytest.raises(failure):
        preview(PACKAGES / "ai-platform")
    assert outcome == {"interrupted": True}
