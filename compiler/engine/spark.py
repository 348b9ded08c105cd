"""The Spark executor: metering queries on a local Apache Spark session (`--engine spark`).

One Spark session per process, started on first use (the JVM takes seconds to start): local
mode with two cores, a small driver, no web UI, bound to localhost, quiet (errors only), every
timestamp in UTC, ANSI arithmetic (an overflowing sum fails, as on DuckDB, rather than turning
NULL) and no decimal precision loss. Each replay works in its own child session, so its temp
views (`attributed`, `segments`, `priced`) are its own.

Tables cross over with their exact types: text stays STRING, quantities stay DECIMAL, times
are TIMESTAMP in UTC. While the store may still write files (before `EventStore.lock`), a table
goes over as a Parquet file in a temporary directory (the bulk of the events); after that, as
rows through Python (the small tables made after the lock: segments, priced groups).
"""

from __future__ import annotations

import atexit
import re
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import TimestampType
from sqlglot import exp

from compiler.engine.executors import Engine, EngineUnavailable

# DuckDB column types of the shared tables → Spark SQL types.
SPARK_TYPES = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP",
    "VARCHAR[]": "ARRAY<STRING>",
    "BIGINT[]": "ARRAY<BIGINT>",
}
DECIMAL = re.compile(r"DECIMAL\(\d+,\s*\d+\)")

LOG4J2 = """\
rootLogger.level = error
# Spark's own loggers set explicitly: else Spark prints how to change the level on start
logger.spark.name = org.apache.spark
logger.spark.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = spark: %p %c{1}: %m%n%ex
"""

SETTINGS = {
    "spark.master": "local[2]",
    "spark.app.name": "plan-compiler",
    "spark.driver.memory": "1g",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    # a replay's tables are small per query: 200 shuffle partitions would be 200 tiny tasks
    "spark.sql.shuffle.partitions": "2",
}


@cache
def _workspace() -> Path:
    """The session's own directory (logging setup, scratch, warehouse), removed at exit."""
    directory = tempfile.TemporaryDirectory(prefix="plan-spark-")
    atexit.register(directory.cleanup)
    return Path(directory.name)


@cache
def spark_session() -> SparkSession:
    """The process's Spark session, started on first call."""
    workspace = _workspace()
    log4j = workspace / "log4j2.properties"
    log4j.write_text(LOG4J2)
    builder = SparkSession.builder
    for key, value in {
        **SETTINGS,
        "spark.driver.extraJavaOptions": (
            f"-Dlog4j2.configurationFile=file:{log4j} -Duser.timezone=UTC"
        ),
        "spark.local.dir": str(workspace / "scratch"),
        "spark.sql.warehouse.dir": str(workspace / "warehouse"),
    }.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark reports a missing or failing JVM in several ways
        raise EngineUnavailable(
            f"could not start Spark (it needs Java 17 or later): {exc}".splitlines()[0]
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    atexit.register(session.stop)
    return session


class SparkExecutor:
    """Runs metering queries on Spark over copies of the store's tables."""

    dialect: Engine = "spark"

    def __init__(self, connection: duckdb.DuckDBPyConnection):
        self.connection = connection
        self.session = spark_session().newSession()
        self._files = tempfile.TemporaryDirectory(prefix="tables-", dir=_workspace())
        self._views: list[str] = []

    def __enter__(self) -> SparkExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        for view in self._views:
            self.session.catalog.dropTempView(view)
        self._files.cleanup()

    def share(self, table: str) -> None:
        columns = self.connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        schema = ", ".join(f"`{name}` {_spark_type(kind)}" for name, kind in columns)
        (writable,) = self.connection.execute(
            "SELECT current_setting('enable_external_access')"
        ).fetchone() or (False,)
        if writable:
            frame = self._through_parquet(table, columns, schema)
        else:
            frame = self._through_rows(table, schema)
        frame.createOrReplaceTempView(table)
        self._views.append(table)

    def _through_parquet(
        self, table: str, columns: list[tuple[str, str]], schema: str
    ) -> DataFrame:
        # TIMESTAMPTZ is written as a UTC instant, which Spark reads as its TIMESTAMP
        selected = [
            exp.cast(exp.column(name, quoted=True), "TIMESTAMPTZ").as_(name, quoted=True)
            if kind == "TIMESTAMP"
            else exp.column(name, quoted=True)
            for name, kind in columns
        ]
        query = exp.select(*selected).from_(exp.to_table(table)).sql(dialect="duckdb")
        path = Path(self._files.name) / f"{table}.parquet"
        target = exp.Literal.string(str(path)).sql(dialect="duckdb")
        self.connection.execute(f"COPY ({query}) TO {target} (FORMAT parquet)")
        return self.session.read.schema(schema).parquet(str(path))

    def _through_rows(self, table: str, schema: str) -> DataFrame:
        query = exp.select("*").from_(exp.to_table(table)).sql(dialect="duckdb")
        rows = [
            tuple(_to_spark(v) for v in row) for row in self.connection.execute(query).fetchall()
        ]
        return self.session.createDataFrame(rows, schema=schema)

    def rows(self, query: exp.Expression) -> list[dict[str, Any]]:
        frame = self.session.sql(query.sql(dialect=self.dialect))
        # PySpark returns TIMESTAMP values in the Python process's local time; as
        # TIMESTAMP_NTZ (under the session's UTC) they come back as naive UTC, like DuckDB's.
        frame = frame.select(
            *[
                frame[field.name].cast("timestamp_ntz").alias(field.name)
                if isinstance(field.dataType, TimestampType)
                else frame[field.name]
                for field in frame.schema.fields
            ]
        )
        return [row.asDict() for row in frame.collect()]


def _spark_type(duckdb_type: str) -> str:
    if duckdb_type in SPARK_TYPES:
        return SPARK_TYPES[duckdb_type]
    if DECIMAL.fullmatch(duckdb_type):
        return duckdb_type
    raise TypeError(f"no Spark type for DuckDB type {duckdb_type}")


def _to_spark(value: Any) -> Any:
    """DuckDB hands TIMESTAMPs over as naive UTC; PySpark would read those as local time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return value
