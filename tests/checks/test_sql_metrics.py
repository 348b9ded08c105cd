from __future__ import annotations

import pytest

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
            "FROM t, range(3) AS g(r) GROUP BY r\n"
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
