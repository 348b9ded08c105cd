"""SQL metrics at run time: a package's own SELECT over one customer's events of one period.

The query runs in a fresh in-memory DuckDB database of its own, holding nothing but a view
`events(transaction_id, customer_id, event_type, timestamp, properties)` of one contract
period's events (`properties` maps the names the query reads to their text), with external
access disabled, its configuration locked and a time limit per period. `plan validate` has checked
the query (one SELECT over `events`, no files or other tables); at run time its result is read
as `value` (cast to DECIMAL(38, 9)) and one column per group key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from compiler.engine.metering import Columns
from compiler.engine.sql_properties import referenced_properties
from compiler.engine.sql_sandbox import CONFIG, LOCK_DOWN, Watchdog
from compiler.engine.store import insert_rows, naive_utc
from compiler.plan.ir import MetricPlan

DIALECT = "duckdb"


class SqlMetricError(Exception):
    """A SQL metric failed at run time; the CLI places it on the metric's `sql` node."""

    def __init__(self, metric_id: str, message: str):
        super().__init__(f"SQL metric '{metric_id}' failed: {message}")
        self.metric_id = metric_id
        self.reason = message


def event_types(sql: str) -> set[str] | None:
    """Event types the query restricts itself to (`event_type = 'x'` / `IN (...)`), or None
    when it names none: then every event of the period counts as measured by it."""
    try:
        tree = sqlglot.parse_one(sql, read=DIALECT)
    except sqlglot.errors.ParseError:
        return None
    found: set[str] = set()
    for node in tree.find_all(exp.EQ, exp.In):
        column = node.this if isinstance(node.this, exp.Column) else node.expression
        if not (isinstance(column, exp.Column) and column.name.lower() == "event_type"):
            continue
        values = node.expressions if isinstance(node, exp.In) else [node.expression]
        found.update(v.this for v in values if isinstance(v, exp.Literal) and v.is_string)
    return found or None


@dataclass(frozen=True)
class SqlRow:
    values: dict[str, str | None]
    value: Decimal


TIME_LIMIT_SECONDS = 30.0  # per metric and contract period


def _slice(
    connection: duckdb.DuckDBPyConnection,
    names: list[str],
    columns: Columns,
    contract_id: str,
    period_start: datetime,
) -> list[tuple[Any, ...]]:
    """One contract period's events, with the properties the query reads, from the replay."""
    query = (
        exp.select(
            "transaction_id", "customer_id", "event_type", "timestamp", *[columns(n) for n in names]
        )
        .from_("attributed")
        .where(
            exp.and_(
                exp.column("contract_id").eq(exp.Literal.string(contract_id)),
                exp.column("period_start").eq(
                    exp.cast(exp.Literal.string(naive_utc(period_start).isoformat()), "TIMESTAMP")
                ),
            )
        )
        .order_by("seq")
    )
    return connection.execute(query.sql(dialect=DIALECT)).fetchall()


def _sandbox(names: list[str], rows: list[tuple[Any, ...]]) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database holding only `events` for one contract period, that can read
    no file, load no extension and change no setting."""
    sandbox = duckdb.connect(config=CONFIG)
    props = "".join(f", p_{i} VARCHAR" for i in range(len(names)))
    sandbox.execute(
        "CREATE TABLE event_rows (transaction_id VARCHAR, customer_id VARCHAR, "
        f"event_type VARCHAR, timestamp TIMESTAMP{props})"
    )
    insert_rows(
        sandbox,
        "event_rows",
        ["VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP", *["VARCHAR"] * len(names)],
        rows,
    )
    entries = exp.Array(
        expressions=[
            exp.Struct(
                expressions=[
                    exp.PropertyEQ(
                        this=exp.to_identifier("key"), expression=exp.Literal.string(name)
                    ),
                    exp.PropertyEQ(
                        this=exp.to_identifier("value"), expression=exp.column(f"p_{i}")
                    ),
                ]
            )
            for i, name in enumerate(names)
        ]
    )
    present = exp.Lambda(
        this=exp.not_(exp.column("value", table="e").is_(exp.null())),
        expressions=[exp.to_identifier("e")],
    )
    properties = exp.func("map_from_entries", exp.func("list_filter", entries, present))
    if not names:
        properties = exp.cast(exp.func("map"), "MAP(VARCHAR, VARCHAR)")
    view = exp.select(
        "transaction_id", "customer_id", "event_type", "timestamp", properties.as_("properties")
    ).from_("event_rows")
    sandbox.execute("CREATE VIEW events AS " + view.sql(dialect=DIALECT))
    for statement in LOCK_DOWN:
        sandbox.execute(statement)
    return sandbox


def run_sql_metric(
    connection: duckdb.DuckDBPyConnection,
    metric: MetricPlan,
    columns: Columns,
    contract_id: str,
    period_start: datetime,
) -> list[SqlRow]:
    """The metric's rows for one contract period, computed in a sandbox of their own."""
    assert metric.sql is not None
    names = sorted(referenced_properties(metric.sql) & set(columns.names))
    keys = list(metric.group_keys)
    rows = _slice(connection, names, columns, contract_id, period_start)
    try:
        outer = exp.select(
            exp.cast(exp.column("value"), "DECIMAL(38, 9)").as_("value"),
            *[exp.column(k) for k in keys],
        ).from_(
            exp.Subquery(
                this=sqlglot.parse_one(metric.sql, read=DIALECT),
                alias=exp.TableAlias(this=exp.to_identifier("metric")),
            )
        )
        sandbox = _sandbox(names, rows)
    except (duckdb.Error, sqlglot.errors.SqlglotError) as exc:
        raise SqlMetricError(metric.id, str(exc).splitlines()[0]) from exc
    watchdog = Watchdog(sandbox, TIME_LIMIT_SECONDS)
    try:
        with watchdog:
            result = sandbox.execute(outer.sql(dialect=DIALECT)).fetchall()
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        if watchdog.expired:
            reason = f"took longer than {TIME_LIMIT_SECONDS:g} s for one contract period"
        raise SqlMetricError(metric.id, reason) from exc
    finally:
        sandbox.close()
    rows_out = []
    for row in result:
        values = {k: None if v is None else str(v) for k, v in zip(keys, row[1:], strict=True)}
        if row[0] is None:
            # no usage for the group: an aggregate over no rows is NULL (SUM without GROUP BY
            # in a period without the events it selects), as a grouped one gives no row
            continue
        rows_out.append(SqlRow(values, row[0]))
    return rows_out
