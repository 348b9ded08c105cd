"""Planning SQL metrics for `plan validate` (SPEC 6: no input makes it hang or exhaust memory).

The limits are made small here so that each is tripped at once; nothing asserts on timing."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.engine.sql_binding import BindLimits, bind_errors

OK = "SELECT COUNT(*) AS value FROM events"
UNBOUND = "SELECT nope AS value FROM events"
# DuckDB plans 1,500 UNION ALL branches for many seconds (17 s here), whatever the limits
SLOW = OK + " UNION ALL SELECT COUNT(*) FROM events" * 1500
# DuckDB folds the constant while it plans: a 1 GB string, outside its own memory_limit
BIG = "SELECT COUNT(*) AS value FROM events WHERE length(repeat('" + "x" * 1000 + "', 1000000)) > 5"


def test_each_query_is_planned() -> None:
    assert bind_errors([OK, UNBOUND]) == [
        None,
        'Binder Error: Referenced column "nope" not found in FROM clause!',
    ]


def test_a_query_that_plans_too_long_is_stopped_and_the_next_ones_planned() -> None:
    errors = bind_errors([SLOW, OK, UNBOUND], BindLimits(seconds=0.05))
    assert errors[0] == "planning it took longer than 0.05 s"
    assert errors[1:] == [None, 'Binder Error: Referenced column "nope" not found in FROM clause!']


def test_a_worker_that_never_answers_is_stopped_for_each_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time limit as such, whatever DuckDB's speed: a worker that starts and then plans
    nothing is stopped after the limit, and started again for the next query."""
    import compiler.engine.sql_binding as sql_binding

    silent = tmp_path / "silent_worker.py"
    silent.write_text(
        "import sys, time\nsys.stdin.readline()\nprint('ready', flush=True)\ntime.sleep(600)\n"
    )
    monkeypatch.setattr(sql_binding, "WORKER", silent)
    assert bind_errors([OK, UNBOUND], BindLimits(seconds=0.05)) == [
        "planning it took longer than 0.05 s",
        "planning it took longer than 0.05 s",
    ]


def test_a_query_that_plans_with_too_much_memory_is_stopped() -> None:
    errors = bind_errors([BIG, OK], BindLimits(resident=300 * 2**20))
    assert errors == ["planning it used more than 300 MiB of memory", None]
