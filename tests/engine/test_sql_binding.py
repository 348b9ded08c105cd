"""Planning SQL metrics for `plan validate` (SPEC 6: no input makes it hang or exhaust memory).

The limits are made small here so that each is tripped at once; nothing asserts on timing."""

from __future__ import annotations

from compiler.engine.sql_binding import BindLimits, bind_errors

OK = "SELECT COUNT(*) AS value FROM events"
UNBOUND = "SELECT nope AS value FROM events"
# DuckDB plans 400 UNION ALL branches for seconds, whatever the limits
SLOW = OK + " UNION ALL SELECT COUNT(*) FROM events" * 400
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


def test_a_query_that_plans_with_too_much_memory_is_stopped() -> None:
    errors = bind_errors([BIG, OK], BindLimits(resident=300 * 2**20))
    assert errors == ["planning it used more than 300 MiB of memory", None]
