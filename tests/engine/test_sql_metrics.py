"""SQL metrics at run time (SPEC 2.2): the package's own SELECT over one contract period's
deduplicated events, in the locked-down DuckDB connection."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import compiler
from compiler.cli import main
from compiler.engine.invoice import UsageLine
from tests.support import write_package

# SPEC 2.2's example: average over days of each bucket's daily maximum. (As the SPEC writes it,
# the outer SELECT reads properties['bucket'], which its subquery does not return: `plan validate`
# reports that as E0406. Here the outer query reads the subquery's `bucket`.)
STORAGE_AVG = """
metrics:
  storage_avg:
    name: Average daily storage (GB)
    sql: |
      SELECT bucket, SUM(daily_max) / COUNT(*) AS value
      FROM (SELECT date_trunc('day', timestamp) AS day, properties['bucket'] AS bucket,
                   MAX(CAST(properties['gb'] AS DECIMAL(38, 9))) AS daily_max
            FROM events WHERE event_type = 'storage_heartbeat' GROUP BY day, bucket)
      GROUP BY bucket
    group_keys: [bucket]
"""


def storage_package(root: Path, metrics: str = STORAGE_AVG) -> Path:
    def beat(txid: str, day: int, bucket: str, gb: str, customer: str = "acme") -> str:
        return json.dumps(
            {
                "transaction_id": txid,
                "customer_id": customer,
                "event_type": "storage_heartbeat",
                "timestamp": f"2026-11-{day:02d}T12:00:00Z",
                "properties": {"bucket": bucket, "gb": gb},
            }
        )

    events = [
        beat("a1", 1, "logs", "10"),
        beat("a2", 1, "logs", "30"),  # day 1 max 30
        beat("a3", 2, "logs", "20"),  # day 2 max 20
        beat("a3", 2, "logs", "20"),  # a retry: counted once
        beat("b1", 1, "media", "100.5"),  # one day at 100.5
        beat("z1", 1, "logs", "999", customer="other"),  # another customer
        beat("late", 1, "logs", "999").replace("2026-11-01", "2026-12-01"),  # next period
    ]
    return write_package(
        root,
        {
            "package.yaml": "package: {name: storage}\n",
            "metrics.yaml": metrics,
            "products.yaml": """
            products:
              storage:
                name: Storage (GB-month)
                type: usage
                metric: storage_avg
                pricing_group_keys: [bucket]
            """,
            "rate_cards.yaml": """
            rate_cards:
              list:
                name: List
                currency: USD
                rates:
                  storage:
                    - {pricing_group_values: {bucket: logs}, price: 0.02}
                    - {pricing_group_values: {bucket: media}, price: 0.01}
            """,
            "contract_templates.yaml": """
                contract_templates:
                  payg: {name: PAYG, rate_card: list}
                """,
            "scenarios/nov/scenario.yaml": """
            scenario:
              period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
              as_of: 2026-12-03T00:00:00Z
            customers:
              acme:
                name: Acme
                contracts: [{id: acme-1, template: payg, starting_at: 2026-11-01}]
              other:
                name: Other
                contracts: [{id: other-1, template: payg, starting_at: 2026-11-01}]
            """,
            "scenarios/nov/events.jsonl": "\n".join(events) + "\n",
        },
    )


def test_the_specs_storage_metric_prices_per_bucket(tmp_path: Path) -> None:
    (result,) = compiler.preview(storage_package(tmp_path))
    acme = next(i for i in result.invoices if i.customer_id == "acme")
    lines = {
        line.pricing_group_values["bucket"]: line
        for line in acme.line_items
        if isinstance(line, UsageLine)
    }
    # logs: daily maxima 30 (day 1) and 20 (day 2) → (30 + 20) / 2 = 25 GB × 0.02 = 0.50;
    # the other customer's 999 and the December heartbeat are not in acme's November view
    assert (lines["logs"].quantity, lines["logs"].amount) == (Decimal(25), Decimal("0.50"))
    # media: one day at 100.5 → 100.5 GB × 0.01 = 1.005 → 1.01 (half_up)
    assert (lines["media"].quantity, lines["media"].amount) == (Decimal("100.5"), Decimal("1.01"))
    other = next(i for i in result.invoices if i.customer_id == "other")
    # other: logs 999 on day 1 → 999 × 0.02 = 19.98
    assert other.total == Decimal("19.98")


def test_a_sql_metric_failing_at_run_time_is_a_diagnostic(tmp_path: Path) -> None:
    failing = STORAGE_AVG.replace(
        "CAST(properties['gb'] AS DECIMAL(38, 9))", "CAST(properties['bucket'] AS INTEGER)"
    )
    package = storage_package(tmp_path, failing)
    assert compiler.validate(package).ok  # statically fine: the failure is in the data
    with pytest.raises(compiler.CompilerError) as raised:
        compiler.preview(package)
    (diagnostic,) = raised.value.diagnostics
    # metrics.yaml: line 1 is "metrics:"; the `sql: |` block value starts on line 4
    assert (diagnostic.code, Path(diagnostic.span.file).name, diagnostic.span.line) == (
        "E0405",
        "metrics.yaml",
        4,
    )
    result = CliRunner().invoke(main, ["preview", str(package)])
    assert result.exit_code == 1
    assert "E0405" in result.output and "Traceback" not in result.output


def test_sql_metrics_cannot_read_files_at_run_time(tmp_path: Path) -> None:
    """Even past the checks, the connection the query runs on has no file access."""
    import duckdb

    from compiler.engine.store import EventStore

    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with EventStore() as store:
        store.lock()
        with pytest.raises(duckdb.Error):
            store.connection.execute(f"SELECT * FROM read_csv('{secret}')")
        with pytest.raises(duckdb.Error):
            store.connection.execute("SET enable_external_access = true")


def _run_direct(sql: str, month: int = 11) -> list[object]:
    """Run a SQL metric against one attributed event (in November), for the contract period
    that starts in `month`, bypassing `plan validate`."""
    from datetime import UTC, datetime

    from compiler.engine.metering import Columns
    from compiler.engine.sql_metrics import run_sql_metric
    from compiler.engine.store import EventStore
    from compiler.plan.ir import MetricPlan

    with EventStore() as store:
        store.connection.execute(
            "CREATE TABLE attributed AS SELECT 1 AS seq, 't1' AS transaction_id, 'acme' AS "
            "customer_id, 'c1' AS contract_id, TIMESTAMP '2026-11-01' AS period_start, "
            "'e' AS event_type, TIMESTAMP '2026-11-02' AS timestamp, '7' AS p_0"
        )
        store.lock()
        metric = MetricPlan(id="m", name="M", kind="sql", sql=sql, group_keys=("k",))
        return list(
            run_sql_metric(
                store.connection,
                metric,
                Columns(["gb"]),
                "c1",
                datetime(2026, month, 1, tzinfo=UTC),
            )
        )


def test_a_sql_metric_sees_only_its_own_period_not_the_replays_tables() -> None:
    """Even a query that slipped past the static checks finds nothing but `events` (the
    review's CTE-scoping trick read the replay's settings and table definitions)."""
    (row,) = _run_direct(
        "SELECT count(*) AS value, string_agg(name, ',' ORDER BY name) AS k FROM sqlite_master"
    )
    # the sandbox holds the event rows and the events view, and nothing of the replay
    assert row.values == {"k": "event_rows,events"}  # type: ignore[attr-defined]
    (row,) = _run_direct(
        "SELECT sum(CAST(properties['gb'] AS INTEGER)) AS value, 'all' AS k FROM events"
    )
    assert row.value == Decimal(7)  # type: ignore[attr-defined]


def test_a_sql_metric_that_runs_too_long_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.engine import sql_metrics

    monkeypatch.setattr(sql_metrics, "TIME_LIMIT_SECONDS", 0.5)
    with pytest.raises(sql_metrics.SqlMetricError, match="took longer"):
        _run_direct("SELECT count(*) AS value, 'x' AS k FROM range(1000000000000)")


def test_events_a_sql_metric_measures_are_rated_not_unmetered(tmp_path: Path) -> None:
    (result,) = compiler.preview(storage_package(tmp_path))
    accounting = result.accounting
    # 7 lines: one retry (duplicate), one December heartbeat (outside the period); the other
    # 5 storage_heartbeat events are claimed by the SQL metric, whose groups are all priced
    assert (accounting.read, accounting.duplicate, accounting.outside_period) == (7, 1, 1)
    assert (accounting.unmetered, accounting.unpriced, accounting.rated) == (0, 0, 5)


def test_a_null_value_is_no_usage() -> None:
    """An aggregate over no rows is NULL: a SUM without GROUP BY in a period without the
    events it selects (found in review: stopping the run there stopped nearly every backtest;
    before this round NULL was billed 0). Its group has no usage, as a grouped query gives no
    row. The event is in November, an `e` with gb '7'; December has none."""
    no_rows = (
        "SELECT SUM(CAST(properties['gb'] AS DECIMAL(38, 9))) AS value, 'all' AS k FROM events"
    )
    assert _run_direct(no_rows + " WHERE event_type = 'other'") == []  # November, no match
    assert _run_direct(no_rows, month=12) == []  # December: no events
    (row,) = _run_direct(no_rows)  # November: the event's 7
    assert row.value == Decimal(7)  # type: ignore[attr-defined]
    # said explicitly, zero is a line of zero: COALESCE(NULL, 0) = 0
    (row,) = _run_direct(
        "SELECT COALESCE(SUM(TRY_CAST(properties['gb'] || 'x' AS DECIMAL(38, 9))), 0) AS value, "
        "'all' AS k FROM events"
    )
    assert row.value == Decimal(0)  # type: ignore[attr-defined]
