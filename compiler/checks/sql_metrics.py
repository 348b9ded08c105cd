"""SQL metrics stay inside the sandbox (E0401-E0404), checked statically with sqlglot (DuckDB).

The engine runs SQL metrics in a locked-down DuckDB (no file, network or extension access);
this check is the first line of that defence and the one that gives a positioned diagnostic.
What it accepts:

- E0401: exactly one statement that parses.
- E0402: that statement is a query (SELECT, or a set operation of SELECTs), and no node anywhere
  in it is a statement or clause that changes or configures anything (INSERT, UPDATE, DELETE,
  CREATE, DROP, ATTACH, COPY, PRAGMA, SET, INSTALL, LOAD, SELECT ... INTO, ...).
- E0403: what a FROM reads is an *allowlist*: the table `events` (unqualified), the query's own
  CTE names, subqueries, VALUES, UNNEST and the pure generators `range`/`generate_series`.
  Anything else in table position is rejected: other tables, qualified names (`main.events`),
  table functions (`read_csv(...)`), quoted file names (`FROM 'data.csv'`). Functions
  elsewhere are checked against a *denylist* of name patterns that read outside data
  (`read_*`, `*_scan`, `glob`, `getenv`, `current_setting`, `query`, ...): an allowlist of
  every harmless DuckDB scalar function would reject legitimate metrics with every DuckDB
  release, while the engine's lock-down still stops anything this list misses.
- E0404: the result names a `value` column and one column per group key, nothing else, with
  explicit names (no `*`).

Positions: inside the `sql` value where the scalar's layout allows it (a single-line scalar,
or a literal block `|` whose content is assumed indented two columns past its key); otherwise
the `sql` value itself.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError

from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic, Span, error

_FORBIDDEN = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable",
        "Attach", "Detach", "Copy", "Export", "Pragma", "Set", "Command", "Install", "Use",
        "Transaction", "Commit", "Rollback", "Describe", "Summarize", "Show", "Kill",
        "LoadData", "Cache", "Uncache", "Refresh", "Grant", "Revoke", "Analyze", "Comment",
        "Into",
    )
    if hasattr(exp, name)
)  # fmt: skip

_DENIED_FUNCTIONS = re.compile(
    r"^(read_.*|.*_scan|scan_.*|parquet_.*|sniff_csv|glob|getenv|current_setting|getvariable"
    r"|query|query_table|duckdb_.*|pragma_.*|iceberg_.*|delta_.*|sqlite_.*|postgres_.*"
    r"|mysql_.*|http.*|load_.*|install_.*|st_read.*|which_secret|json_execute_serialized_sql"
    r"|ducklake_.*)$"
)
_TABLE_GENERATORS = {"range", "generate_series", "unnest"}


@dataclass(frozen=True)
class _Parsed:
    statements: tuple[exp.Expr, ...] = ()
    problem: str | None = None
    line: int | None = None
    column: int | None = None


@lru_cache(maxsize=256)
def _parse(sql: str) -> _Parsed:
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # sqlglot warns when it falls back to a bare Command
    try:
        statements = tuple(s for s in sqlglot.parse(sql, read="duckdb") if s is not None)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        described = str(first.get("description") or exc).splitlines()[0]
        # "<class 'sqlglot.expressions.core.Paren'>" → "Paren": no module paths in messages
        described = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", described)
        near = str(first.get("highlight") or "").strip()
        problem = f"{described} (near '{near}')" if near else described
        column = first.get("col")
        if isinstance(column, int) and near and "\n" not in near:
            column = max(1, column - len(near) + 1)  # sqlglot gives the token's last column
        return _Parsed(problem=problem, line=first.get("line"), column=column)
    except Exception as exc:  # untrusted SQL: any failure inside sqlglot is a diagnostic
        text = str(exc).splitlines()[0] if str(exc) else ""
        if isinstance(exc, RecursionError):
            text = "nested too deeply"
        return _Parsed(problem=text or type(exc).__name__)
    finally:
        logger.setLevel(level)
    return _Parsed(statements)


def _start(node: exp.Expr) -> int | None:
    """The smallest character offset sqlglot recorded for the node or its descendants."""
    starts = [n.meta["start"] for n in node.walk() if "start" in n.meta]
    return min(starts) if starts else None


def _place(ctx: CheckContext, mid: str, line: int | None, column: int | None) -> Span:
    """The YAML position of (line, column) of the metric's SQL text (both 1-based)."""
    value = ctx.value("metrics", mid, "sql")
    sql = ctx.package.metrics[mid].sql or ""
    if line is None or column is None or value.end_line is None or value.end_column is None:
        return value
    if value.line == value.end_line and line == 1:
        width = value.end_column - value.column
        quote = 1 if width == len(sql) + 2 else 0 if width == len(sql) else None
        if quote is not None:
            return Span(value.file, value.line, value.column + quote + column - 1)
    lines = sql.rstrip("\n").count("\n") + 1
    if value.end_line - value.line - 1 == lines and value.end_column == 1:
        key = ctx.key("metrics", mid, "sql")
        return Span(value.file, value.line + line, key.column + 2 + column - 1)
    return value


def _second_statement(sql: str) -> int | None:
    """The character offset of the first token after the first `;` that has one."""
    try:
        tokens = Dialect.get_or_raise("duckdb").tokenize(sql)
    except Exception:  # no position is better than no diagnostic
        return None
    for before, token in itertools.pairwise(tokens):
        if before.token_type.name == "SEMICOLON" and token.token_type.name != "SEMICOLON":
            return token.start
    return None


def _first_token(sql: str) -> int | None:
    try:
        tokens = Dialect.get_or_raise("duckdb").tokenize(sql)
    except Exception:  # no position is better than no diagnostic
        return None
    return tokens[0].start if tokens else None


def _statement_name(statement: exp.Expr) -> str:
    """`INSTALL`, `CREATE`, ...; a statement sqlglot keeps as a bare command by its keyword."""
    if isinstance(statement, exp.Command):
        return str(statement.this).upper()
    return statement.key.upper()


def _at_node(ctx: CheckContext, mid: str, node: exp.Expr) -> Span:
    return _at_offset(ctx, mid, _start(node))


def _at_offset(ctx: CheckContext, mid: str, start: int | None) -> Span:
    if start is None:
        return ctx.value("metrics", mid, "sql")
    sql = ctx.package.metrics[mid].sql or ""
    line = sql.count("\n", 0, start) + 1
    column = start - (sql.rfind("\n", 0, start) + 1) + 1
    return _place(ctx, mid, line, column)


def _sql_metrics(ctx: CheckContext) -> Iterator[tuple[str, str, _Parsed]]:
    for mid, metric in ctx.package.metrics.items():
        if metric.sql is not None:
            yield mid, metric.sql, _parse(metric.sql)


def _query(parsed: _Parsed) -> exp.Expr | None:
    if parsed.problem is None and len(parsed.statements) == 1:
        return parsed.statements[0]
    return None


def sql_parses(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0401: a SQL metric parses (DuckDB dialect) as exactly one statement."""
    for mid, _sql, parsed in _sql_metrics(ctx):
        if parsed.problem is not None:
            yield error(
                "E0401",
                f"SQL of metric '{mid}' does not parse: {parsed.problem}",
                _place(ctx, mid, parsed.line, parsed.column),
                "write one DuckDB SELECT over the events table",
            )
        elif len(parsed.statements) != 1:
            second = _second_statement(_sql)
            at = (
                _at_offset(ctx, mid, second)
                if second is not None
                else ctx.value("metrics", mid, "sql")
            )
            yield error(
                "E0401",
                f"SQL of metric '{mid}' has {len(parsed.statements)} "
                "statements; it must have exactly one",
                at,
                "a SQL metric is a single SELECT; use CTEs (WITH) for steps",
            )


def sql_read_only(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0402: a SQL metric is a single SELECT that changes and configures nothing."""
    for mid, _sql, parsed in _sql_metrics(ctx):
        query = _query(parsed)
        if query is None:
            continue
        if not isinstance(query, exp.Query):
            yield error(
                "E0402",
                f"SQL of metric '{mid}' is not a SELECT (it is {_statement_name(query)})",
                _at_offset(ctx, mid, _first_token(_sql)),
                "only a SELECT over the events table is allowed",
            )
            continue
        for node in query.walk():
            if isinstance(node, _FORBIDDEN):
                yield error(
                    "E0402",
                    f"SQL of metric '{mid}' contains {_statement_name(node)}, "
                    "which is not allowed in a metric",
                    _at_node(ctx, mid, node),
                    "a metric only reads events: no statements that change anything",
                )
                break


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _table_problem(table: exp.Table, ctes: set[str]) -> str | None:
    source = table.this
    if isinstance(source, exp.Func):
        name = _function_name(source)
        return None if name in _TABLE_GENERATORS else f"reads table function {name}(...)"
    if not isinstance(source, exp.Identifier):
        return f"reads {table.sql(dialect='duckdb')}"
    name = str(source.this)
    if table.args.get("db") or table.args.get("catalog"):
        return f"reads '{table.sql(dialect='duckdb')}'; use the unqualified table events"
    if name.lower() == "events" or name.lower() in ctes:
        return None
    if source.quoted and re.search(r"[./:\\]", name):
        return f"reads the file '{name}'"
    return f"reads table '{name}'"


def sql_sandbox(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0403: a SQL metric reads only the events table (and its own CTEs), and calls no
    function that reads outside data."""
    for mid, _sql, parsed in _sql_metrics(ctx):
        query = _query(parsed)
        if query is None:
            continue
        ctes = {str(cte.alias).lower() for cte in query.find_all(exp.CTE)}
        table_functions = {id(t.this) for t in query.find_all(exp.Table)}
        for node in query.walk():
            problem = None
            if isinstance(node, exp.Table):
                problem = _table_problem(node, ctes)
            elif (
                isinstance(node, exp.Func)
                and id(node) not in table_functions  # reported as the table it is
                and _DENIED_FUNCTIONS.match(_function_name(node))
            ):
                problem = f"calls {_function_name(node)}(), which reads outside data"
            if problem is not None:
                yield error(
                    "E0403",
                    f"SQL of metric '{mid}' {problem}",
                    _at_node(ctx, mid, node),
                    "a SQL metric sees one table, events(transaction_id, customer_id, "
                    "event_type, timestamp, properties)",
                )


def _output_name(column: exp.Expr) -> str | None:
    if isinstance(column, exp.Alias):
        return str(column.alias)
    if isinstance(column, exp.Column) and not isinstance(column.this, exp.Star):
        return str(column.name)
    return None


def sql_result_columns(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0404: a SQL metric's result has a `value` column and one per group key, named
    explicitly."""
    for mid, _sql, parsed in _sql_metrics(ctx):
        query = _query(parsed)
        if not isinstance(query, exp.Query):
            continue
        metric = ctx.package.metrics[mid]
        wanted = ["value", *metric.group_keys]
        names: list[str] = []
        starred = False
        for column in query.selects:
            if isinstance(column, exp.Star) or (
                isinstance(column, exp.Column) and isinstance(column.this, exp.Star)
            ):
                starred = True
                yield error(
                    "E0404",
                    f"SQL of metric '{mid}' selects *",
                    _at_node(ctx, mid, column),
                    f"select the columns explicitly: {', '.join(wanted)}",
                )
                continue
            name = _output_name(column)
            if name is None:
                yield error(
                    "E0404",
                    f"SQL of metric '{mid}' has an unnamed result column "
                    f"{column.sql(dialect='duckdb')}",
                    _at_node(ctx, mid, column),
                    "name it with AS: value, or one of the group keys",
                )
            elif name not in wanted:
                yield error(
                    "E0404",
                    f"SQL of metric '{mid}' returns column '{name}', which is "
                    "neither value nor a group key",
                    _at_node(ctx, mid, column),
                    f"the result columns are exactly: {', '.join(wanted)}",
                )
            else:
                names.append(name)
        missing = [w for w in wanted if w not in names]
        if missing and not starred:
            yield error(
                "E0404",
                f"SQL of metric '{mid}' does not return column(s) {', '.join(missing)}",
                ctx.value("metrics", mid, "sql"),
                "the result has a `value` column and one column per group key",
            )


def _binding_connection() -> duckdb.DuckDBPyConnection:
    """An empty `events` table on a connection that can read nothing else."""
    connection = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    connection.execute(
        "CREATE TABLE events (transaction_id VARCHAR, customer_id VARCHAR, event_type VARCHAR, "
        "timestamp TIMESTAMP, properties MAP(VARCHAR, VARCHAR))"
    )
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def sql_binds(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0406: a SQL metric binds against the events table: the columns and functions it names
    exist and their types fit (planned with EXPLAIN, never executed)."""
    connection = None
    static = [
        d.message for check in (sql_read_only, sql_sandbox, sql_result_columns) for d in check(ctx)
    ]
    for mid, sql, parsed in _sql_metrics(ctx):
        if not isinstance(_query(parsed), exp.Query):
            continue  # E0401/E0402 say why
        if any(m.startswith(f"SQL of metric '{mid}' ") for m in static):
            continue  # only a query that passed the static checks is planned

        connection = connection or _binding_connection()
        try:
            connection.execute("EXPLAIN " + sql)
        except duckdb.Error as exc:
            yield error(
                "E0406",
                f"SQL of metric '{mid}' does not run on the events table: "
                f"{str(exc).splitlines()[0]}",
                ctx.value("metrics", mid, "sql"),
                "the table is events(transaction_id, customer_id, event_type, timestamp, "
                "properties); a property is properties['name'], a string",
            )
    if connection is not None:
        connection.close()
