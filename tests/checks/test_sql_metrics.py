from __future__ import annotations

import pytest

from compiler.checks import sql_metrics
from compiler.diagnostics import Diagnostic, Span

from .conftest import PackageMaker, diagnose


def _metric(sql_value: str, group_keys: str = "[bucket]") -> dict[str, str]:
    return {
        "extra.yaml": f"""\
metrics:
  storage:
    name: Storage
    group_keys: {group_keys}
    sql: {sql_value}"""
    }


def test_valid_sql_metric_passes(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric("""|
      WITH daily AS (
        SELECT date_trunc('day', timestamp) AS day, properties['bucket'] AS bucket,
               MAX(CAST(properties['gb'] AS DECIMAL(38, 9))) AS gb
        FROM events WHERE event_type = 'storage' GROUP BY day, bucket)
      SELECT bucket, SUM(gb) / COUNT(*) AS value FROM daily GROUP BY bucket
""")
    )
    assert [d for d in diagnose(directory) if "E04" in d] == []


def test_does_not_parse_block_scalar(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric("""|
      SELECT properties['bucket'] AS bucket,
             SUM(x) AS value
      FROM events WHERE (
""")
    )
    assert diagnose(directory, "E0401") == [
        "extra.yaml:8:25: error[E0401]: SQL of metric 'storage' does not parse: Required keyword: "
        "'this' missing for Paren (near '(')",
    ]


def test_does_not_parse_single_line(make_package: PackageMaker) -> None:
    directory = make_package(_metric("SELEC 1 AS value\n"))
    assert diagnose(directory, "E0401") == [
        "extra.yaml:5:16: error[E0401]: SQL of metric 'storage' does not parse: Invalid "
        "expression / Unexpected token (near '1')",
    ]


def test_more_than_one_statement(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric("'SELECT 1 AS value, 2 AS bucket FROM events; SELECT 2 AS value FROM events'\n")
    )
    assert diagnose(directory, "E0401") == [
        "extra.yaml:5:55: error[E0401]: SQL of metric 'storage' has 2 statements; it must "
        "have exactly one",
    ]


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("INSTALL httpfs", "INSTALL"),
        ("LOAD httpfs", "LOAD"),
        ("ATTACH 'x.db'", "ATTACH"),
        ("PRAGMA version", "PRAGMA"),
        ("SET threads = 1", "SET"),
        ("DELETE FROM events", "DELETE"),
        ("CREATE TABLE t AS SELECT 1 AS value", "CREATE"),
        ("COPY events TO 'x.csv'", "COPY"),
        ("DESCRIBE events", "DESCRIBE"),
    ],
)
def test_not_a_select(make_package: PackageMaker, sql: str, what: str) -> None:
    directory = make_package(_metric(sql + "\n"))
    assert diagnose(directory, "E0402") == [
        f"extra.yaml:5:10: error[E0402]: SQL of metric 'storage' is not a SELECT (it is {what})",
    ]


def test_select_into(make_package: PackageMaker) -> None:
    directory = make_package(_metric("SELECT 1 AS value, 2 AS bucket INTO t FROM events\n"))
    assert diagnose(directory, "E0402") == [
        "extra.yaml:5:46: error[E0402]: SQL of metric 'storage' contains INTO, which is not "
        "allowed in a metric",
    ]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1 AS value, b AS bucket FROM other", "reads table 'other'"),
        (
            "SELECT 1 AS value, b AS bucket FROM main.events",
            "reads 'main.events'; use the unqualified table events",
        ),
        (
            "SELECT 1 AS value, b AS bucket FROM read_csv('x.csv')",
            "reads table function read_csv(...)",
        ),
        ("SELECT 1 AS value, b AS bucket FROM glob('*')", "reads table function glob(...)"),
        (
            "SELECT 1 AS value, b AS bucket FROM sqlite_scan('x', 'y')",
            "reads table function sqlite_scan(...)",
        ),
        ("SELECT 1 AS value, b AS bucket FROM 'data.csv'", "reads the file 'data.csv'"),
        (
            "SELECT getenv('HOME') AS value, b AS bucket FROM events",
            "calls getenv(), which reads outside data",
        ),
        (
            "SELECT read_text('/etc/passwd') AS value, b AS bucket FROM events",
            "calls read_text(), which reads outside data",
        ),
        (
            "SELECT current_setting('home_directory') AS value, b AS bucket FROM events",
            "calls current_setting(), which reads outside data",
        ),
        (
            "SELECT 1 AS value, b AS bucket FROM events WHERE x IN (SELECT y FROM secrets)",
            "reads table 'secrets'",
        ),
        # sqlglot keeps a table function after LATERAL apart from the tables in FROM
        (
            "SELECT 1 AS value, 'x' AS bucket FROM range(1) r, LATERAL test_all_types() t",
            "reads table function test_all_types(...)",
        ),
        (
            "SELECT 1 AS value, 'x' AS bucket FROM events, LATERAL pg_timezone_names() t",
            "reads table function pg_timezone_names(...)",
        ),
        (
            "SELECT 1 AS value, 'x' AS bucket FROM events JOIN LATERAL checkpoint() t ON true",
            "reads table function checkpoint(...)",
        ),
    ],
)
def test_reads_outside_events(make_package: PackageMaker, sql: str, message: str) -> None:
    directory = make_package(_metric(sql + "\n"))
    (line,) = diagnose(directory, "E0403")
    assert line.endswith(f"error[E0403]: SQL of metric 'storage' {message}")


def test_sandbox_position_inside_block(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric("""|
      SELECT 1 AS value, b AS bucket
      FROM events
      WHERE b IN (SELECT b FROM read_parquet('s3://x/y.parquet'))
""")
    )
    assert diagnose(directory, "E0403") == [
        "extra.yaml:8:33: error[E0403]: SQL of metric 'storage' reads table function "
        "read_parquet(...)",
    ]


def test_ctes_and_generators_are_allowed(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric(
            "WITH t AS (SELECT * FROM events) SELECT COUNT(*) AS value, r AS bucket "
            "FROM t, range(3) AS g(r), LATERAL generate_series(1, r) AS s(i), "
            "LATERAL unnest([r]) AS u(j), LATERAL (SELECT r + 1 AS q) GROUP BY r\n"
        )
    )
    assert diagnose(directory, "E0403") == []


def test_result_columns(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric(
            """|
      SELECT properties['bucket'],
             COUNT(*) AS n,
             transaction_id
      FROM events
""",
            "[bucket, region]",
        )
    )
    assert diagnose(directory, "E0404") == [
        "extra.yaml:5:10: error[E0404]: SQL of metric 'storage' does not return column(s) "
        "value, bucket, region",
        "extra.yaml:6:14: error[E0404]: SQL of metric 'storage' has an unnamed result column "
        "properties['bucket']",
        "extra.yaml:7:14: error[E0404]: SQL of metric 'storage' returns column 'n', which is "
        "neither value nor a group key",
        "extra.yaml:8:14: error[E0404]: SQL of metric 'storage' returns column "
        "'transaction_id', which is neither value nor a group key",
    ]


def test_star_select(make_package: PackageMaker) -> None:
    directory = make_package(_metric("SELECT * FROM events\n"))
    assert diagnose(directory, "E0404") == [
        "extra.yaml:5:17: error[E0404]: SQL of metric 'storage' selects *",
    ]


@pytest.mark.parametrize(
    ("sql", "column", "name"),
    [
        # the outer `secret` is outside the subquery whose WITH defines it
        (
            "SELECT 1 AS value, 2 AS bucket FROM "
            "(WITH secret AS (SELECT 1) SELECT * FROM secret) a, secret b",
            98,
            "secret",
        ),
        # a CTE sees only the CTEs before it in its WITH
        (
            "WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) "
            "SELECT x AS value, 1 AS bucket FROM a",
            35,
            "b",
        ),
        # without RECURSIVE a CTE does not see itself
        (
            "WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
            "SELECT n AS value, 1 AS bucket FROM r",
            63,
            "r",
        ),
        # with RECURSIVE, the anchor does not see the CTE, only the recursive term does
        (
            "WITH RECURSIVE r AS (SELECT n FROM r UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
            "SELECT n AS value, 1 AS bucket FROM r",
            45,
            "r",
        ),
        # EXCEPT (and INTERSECT) do not make a CTE recursive in DuckDB
        (
            "WITH RECURSIVE r AS (SELECT 1 AS n EXCEPT SELECT n FROM r) "
            "SELECT n AS value, 1 AS bucket FROM r",
            66,
            "r",
        ),
        # a WITH inside one branch of a set operation is not in scope in the other
        (
            "(WITH s AS (SELECT 1 AS x) SELECT x AS value, 1 AS bucket FROM s) "
            "UNION ALL SELECT x, 1 FROM s",
            103,
            "s",
        ),
        # a WITH inside a CTE's body is not in scope after that CTE
        (
            "WITH a AS (WITH t AS (SELECT 1 AS x) SELECT * FROM t) "
            "SELECT x AS value, 1 AS bucket FROM t",
            100,
            "t",
        ),
    ],
)
def test_cte_out_of_scope(make_package: PackageMaker, sql: str, column: int, name: str) -> None:
    directory = make_package(_metric(sql + "\n"))
    assert [d for d in diagnose(directory) if "E04" in d] == [
        f"extra.yaml:5:{column}: error[E0403]: SQL of metric 'storage' reads table '{name}'; "
        f"the CTE {name} is not in scope there",
    ]


@pytest.mark.parametrize(
    "sql",
    [
        # a CTE in a subquery of the query that defines it
        "WITH s AS (SELECT customer_id FROM events) SELECT COUNT(*) AS value, 'x' AS bucket "
        "FROM events WHERE customer_id IN (SELECT customer_id FROM s)",
        # chained CTEs
        "WITH a AS (SELECT event_type FROM events), b AS (SELECT event_type FROM a) "
        "SELECT COUNT(*) AS value, event_type AS bucket FROM b GROUP BY event_type",
        # a nested WITH sees the enclosing one, and may shadow its names
        "WITH c AS (SELECT event_type FROM events) SELECT COUNT(*) AS value, event_type AS bucket "
        "FROM (WITH c AS (SELECT * FROM c) SELECT * FROM c) GROUP BY event_type",
        # a WITH on a set operation is in scope in both branches
        "WITH s AS (SELECT 1 AS x) SELECT x AS value, 'a' AS bucket FROM s "
        "UNION ALL SELECT x, 'b' FROM s",
        # a recursive CTE sees itself in its recursive term, subqueries included
        "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM (SELECT n FROM r) "
        "WHERE n < 3) SELECT SUM(n) AS value, 'all' AS bucket FROM r",
        # a CTE named events reads the events table inside its own body
        "WITH events AS (SELECT * FROM events WHERE event_type = 'x') "
        "SELECT COUNT(*) AS value, 'all' AS bucket FROM events",
    ],
)
def test_ctes_in_scope_are_allowed(make_package: PackageMaker, sql: str) -> None:
    directory = make_package(_metric(sql + "\n"))
    assert [d for d in diagnose(directory) if "E04" in d] == []


def _metrics(**sql: str) -> dict[str, str]:
    body = "".join(
        f"  {mid}:\n    name: M\n    group_keys: [bucket]\n    sql: {text}\n"
        for mid, text in sql.items()
    )
    return {"extra.yaml": "metrics:\n" + body}


_STATIC = "SELECT 1 AS value, 2 AS bucket FROM other"  # E0403; would not bind either
_UNBOUND = "SELECT nope AS value, 2 AS bucket FROM events"  # binds not: no column nope


@pytest.mark.parametrize(("m", "m2"), [(_STATIC, _UNBOUND), (_UNBOUND, _STATIC)])
def test_binding_skips_exactly_the_metrics_with_static_problems(
    make_package: PackageMaker, m: str, m2: str
) -> None:
    directory = make_package(_metrics(m=m, m2=m2))
    found = {(d.split("'")[1], d.split("[")[1][:5]) for d in diagnose(directory) if "E04" in d}
    static, unbound = ("m", "m2") if m == _STATIC else ("m2", "m")
    assert found == {(static, "E0403"), (unbound, "E0406")}


def test_binding_skip_does_not_depend_on_message_text(
    make_package: PackageMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    reworded = sql_metrics.error

    def error(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
        return reworded(code, message.replace("SQL of metric", "Metric"), span, hint)

    monkeypatch.setattr(sql_metrics, "error", error)
    directory = make_package(_metrics(m=_STATIC))
    assert [d.split(": ", 1)[1] for d in diagnose(directory) if "E04" in d] == [
        "error[E0403]: Metric 'm' reads table 'other'",
    ]


def test_a_property_read_other_than_by_literal_subscript(make_package: PackageMaker) -> None:
    """The engine loads only properties['name'] reads: map_extract(properties, 'gb') would
    have found no gb and billed zero, and so is refused (E0407), not bound."""
    directory = make_package(
        _metric("""|
      SELECT properties['bucket'] AS bucket,
             SUM(CAST(map_extract(properties, 'gb')[1] AS DECIMAL(38, 9))) AS value
      FROM events GROUP BY 1
""")
    )
    assert [d for d in diagnose(directory) if "E04" in d] == [
        "extra.yaml:7:35: error[E0407]: SQL of metric 'storage' uses the properties column "
        "other than as properties['name']",
    ]


def test_planning_within_limits(
    make_package: PackageMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC 6: DuckDB folds constants while it plans, outside its memory_limit and its
    interrupt; `plan validate` plans in a worker it can stop, and says so (E0406)."""
    from compiler.engine.sql_binding import BindLimits

    monkeypatch.setattr(sql_metrics, "BIND_LIMITS", BindLimits(resident=300 * 2**20))
    directory = make_package(
        _metric(
            "\"SELECT COUNT(*) AS value, 'x' AS bucket FROM events "
            f"WHERE length(repeat('{'x' * 1000}', 1000000)) > 5\"\n"
        )
    )
    assert diagnose(directory, "E0406") == [
        "extra.yaml:5:10: error[E0406]: SQL of metric 'storage' does not run on the events "
        "table: planning it used more than 300 MiB of memory",
    ]


def test_sql_text_size_limit(make_package: PackageMaker) -> None:
    union = " UNION ALL SELECT 1, 'x' FROM events" * 600  # 600 × 36 characters
    # 44 characters before the union: 44 + 21,600 = 21,644
    directory = make_package(_metric(f"\"SELECT 1 AS value, 'x' AS bucket FROM events{union}\"\n"))
    assert [d for d in diagnose(directory) if "E04" in d] == [
        "extra.yaml:5:10: error[E0401]: SQL of metric 'storage' is 21,644 characters long; the "
        "limit is 20,000",
    ]


def test_a_result_column_named_twice(make_package: PackageMaker) -> None:
    directory = make_package(
        _metric("SELECT 1 AS value, 2 AS value, event_type AS bucket FROM events\n")
    )
    assert diagnose(directory, "E0404") == [
        "extra.yaml:5:29: error[E0404]: SQL of metric 'storage' returns column 'value' twice",
    ]


def test_a_statement_sqlglot_reads_as_a_column_is_named(make_package: PackageMaker) -> None:
    directory = make_package(_metric("CHECKPOINT\n"))
    assert diagnose(directory, "E0402") == [
        "extra.yaml:5:10: error[E0402]: SQL of metric 'storage' is not a SELECT (it is CHECKPOINT)",
    ]
