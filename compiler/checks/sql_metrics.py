"""SQL metrics stay inside the sandbox (E0401-E0404, E0407), checked statically with sqlglot.

The engine runs SQL metrics in a locked-down DuckDB (no file, network or extension access);
this check is the first line of that defence and the one that gives a positioned diagnostic.
What it accepts:

- E0401: exactly one statement that parses, of at most MAX_SQL_CHARACTERS characters.
- E0402: that statement is a query (SELECT, or a set operation of SELECTs), and no node anywhere
  in it is a statement or clause that changes or configures anything (INSERT, UPDATE, DELETE,
  CREATE, DROP, ATTACH, COPY, PRAGMA, SET, INSTALL, LOAD, SELECT ... INTO, ...).
- E0403: what a FROM reads is an *allowlist*: the table `events` (unqualified), the query's own
  CTEs where DuckDB has them in scope (`_visible_ctes`), subqueries, VALUES, UNNEST and the
  pure generators `range`/`generate_series`.
  Anything else in table position is rejected: other tables, qualified names (`main.events`),
  table functions (`read_csv(...)`, also after LATERAL), quoted file names
  (`FROM 'data.csv'`). Functions elsewhere are checked against a *denylist* of name patterns
  that read outside data (`read_*`, `*_scan`, `glob`, `getenv`, `current_setting`, `query`,
  ...): an allowlist of every harmless DuckDB scalar function would reject legitimate metrics
  with every DuckDB release, while the engine's lock-down still stops anything this list misses.
- E0404: the result names a `value` column and one column per group key, nothing else, with
  explicit names (no `*`).
- E0407: the query reaches event properties only as `properties['name']`, the form the engine
  loads them by (compiler/engine/sql_properties.py is the one definition of both).

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

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError

from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic, Span, error
from compiler.engine.sql_binding import BindLimits, bind_errors
from compiler.engine.sql_properties import property_reads

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


# A metric is a query a reviewer reads; DuckDB takes seconds to plan a query of many thousand
# characters (3,000 UNION ALL branches, 150 KB: over a minute), and does so at every run.
MAX_SQL_CHARACTERS = 20_000
_TOO_LONG = "too long"


@dataclass(frozen=True)
class _Parsed:
    statements: tuple[exp.Expr, ...] = ()
    problem: str | None = None
    line: int | None = None
    column: int | None = None


@lru_cache(maxsize=256)
def _parse(sql: str) -> _Parsed:
    if len(sql) > MAX_SQL_CHARACTERS:
        return _Parsed(problem=_TOO_LONG)
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
    if isinstance(statement, exp.Condition):
        # a keyword sqlglot does not know as a statement (CHECKPOINT) parses as a column
        return statement.sql(dialect="duckdb").split(" ", 1)[0].upper()
    return statement.key.upper()


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
        if parsed.problem is _TOO_LONG:
            yield error(
                "E0401",
                f"SQL of metric '{mid}' is {len(_sql):,} characters long; the limit is "
                f"{MAX_SQL_CHARACTERS:,}",
                ctx.value("metrics", mid, "sql"),
                "a SQL metric is one readable SELECT; split the measurement into metrics",
            )
        elif parsed.problem is not None:
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


@dataclass(frozen=True)
class _Finding:
    """A static problem of a metric's SQL, not yet placed in the package: its code, the message
    after "SQL of metric '<id>' ", the character offset it points at (None: the `sql` value)."""

    code: str
    problem: str
    offset: int | None
    hint: str


@lru_cache(maxsize=256)
def _findings(sql: str, group_keys: tuple[str, ...]) -> tuple[_Finding, ...]:
    """Every E0402-E0404 problem of a metric's SQL, in the order the checks report them.

    Computed once per SQL text and group keys, and shared: each static check reports its own
    code, and sql_binds plans only a query that has none.
    """
    query = _query(_parse(sql))
    if query is None:
        return ()  # E0401 says why
    found = [*_read_only_findings(sql, query), *_sandbox_findings(query)]
    if isinstance(query, exp.Query):
        found.extend(_result_findings(query, group_keys))
        found.extend(_property_findings(query))
    return tuple(found)


def _reported(ctx: CheckContext, code: str) -> Iterator[Diagnostic]:
    for mid, sql, _parsed in _sql_metrics(ctx):
        for finding in _findings(sql, tuple(ctx.package.metrics[mid].group_keys)):
            if finding.code == code:
                yield error(
                    code,
                    f"SQL of metric '{mid}' {finding.problem}",
                    _at_offset(ctx, mid, finding.offset),
                    finding.hint,
                )


def sql_read_only(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0402: a SQL metric is a single SELECT that changes and configures nothing."""
    yield from _reported(ctx, "E0402")


def sql_sandbox(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0403: a SQL metric reads only the events table (and its own CTEs where they are in
    scope), and calls no function that reads outside data."""
    yield from _reported(ctx, "E0403")


def sql_result_columns(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0404: a SQL metric's result has a `value` column and one per group key, named
    explicitly."""
    yield from _reported(ctx, "E0404")


def sql_properties(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0407: a SQL metric reads event properties only as `properties['name']`, the form the
    engine loads properties by."""
    yield from _reported(ctx, "E0407")


_PROPERTIES_HINT = (
    "the engine loads only the properties a query names as properties['name'] (a string "
    "literal); read each one that way, e.g. CAST(properties['gb'] AS DECIMAL(38, 9))"
)


def _property_findings(query: exp.Query) -> Iterator[_Finding]:
    seen: set[tuple[int | None, str]] = set()
    for node, problem in property_reads(query).problems:
        start = _start(node)
        if (start, problem) not in seen:
            seen.add((start, problem))
            yield _Finding("E0407", problem, start, _PROPERTIES_HINT)


def _read_only_findings(sql: str, query: exp.Expr) -> Iterator[_Finding]:
    if not isinstance(query, exp.Query):
        yield _Finding(
            "E0402",
            f"is not a SELECT (it is {_statement_name(query)})",
            _first_token(sql),
            "only a SELECT over the events table is allowed",
        )
        return
    forbidden = next((node for node in query.walk() if isinstance(node, _FORBIDDEN)), None)
    if forbidden is not None:
        yield _Finding(
            "E0402",
            f"contains {_statement_name(forbidden)}, which is not allowed in a metric",
            _start(forbidden),
            "a metric only reads events: no statements that change anything",
        )


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _cte_name(cte: exp.Expr) -> str:
    return str(cte.alias).lower()  # DuckDB matches CTE names case-insensitively, quoted or not


def _recursive_term(cte: exp.CTE) -> exp.Expr | None:
    """The part of a CTE in a WITH RECURSIVE that sees the CTE itself, if any: DuckDB makes a
    CTE recursive only when its body is `anchor UNION [ALL] term` (not BY NAME, INTERSECT or
    EXCEPT), and then only `term` sees it; the anchor reads a table of that name."""
    body = cte.this
    while isinstance(body, exp.Subquery) and not body.alias:
        body = body.this  # parentheses around the body
    if isinstance(body, exp.Union) and not body.args.get("by_name"):
        term: exp.Expr = body.expression
        return term
    return None


def _visible_ctes(table: exp.Table) -> set[str]:
    """The CTE names a table reference can mean where it stands, as DuckDB binds them.

    A WITH's CTEs are in scope in the whole query that carries it, its subqueries included.
    Inside the WITH, a CTE sees the CTEs defined before it, and itself only as the recursive
    term of a WITH RECURSIVE (see _recursive_term). Any other name is a catalog table.
    """
    visible: set[str] = set()
    path: list[exp.Expr] = [table]
    node = table.parent
    while node is not None:
        child = path[-1]
        if isinstance(node, exp.With):
            ctes = list(node.expressions)
            before = next((i for i, cte in enumerate(ctes) if cte is child), 0)
            visible.update(_cte_name(cte) for cte in ctes[:before])
            if isinstance(child, exp.CTE) and node.args.get("recursive"):
                term = _recursive_term(child)
                if any(step is term for step in path):
                    visible.add(_cte_name(child))
        else:
            with_ = node.args.get("with_")
            if isinstance(with_, exp.With) and with_ is not child:
                visible.update(_cte_name(cte) for cte in with_.expressions)
        path.append(node)
        node = node.parent
    return visible


_SANDBOX_HINT = (
    "a SQL metric sees one table, events(transaction_id, customer_id, event_type, timestamp, "
    "properties)"
)
_CTE_SCOPE_HINT = (
    "a CTE is visible in the query whose WITH defines it (subqueries included) and in the CTEs "
    "after it; only the recursive term of WITH RECURSIVE ... UNION sees the CTE itself"
)


def _table_problem(table: exp.Table, defined: set[str]) -> tuple[str, str] | None:
    """What is wrong with reading `table`, and the hint; `defined`: every CTE in the query."""
    source = table.this
    if isinstance(source, exp.Func):
        return _function_problem(source)
    if not isinstance(source, exp.Identifier):
        return f"reads {table.sql(dialect='duckdb')}", _SANDBOX_HINT
    name = str(source.this)
    if table.args.get("db") or table.args.get("catalog"):
        qualified = table.sql(dialect="duckdb")
        return f"reads '{qualified}'; use the unqualified table events", _SANDBOX_HINT
    if name.lower() == "events" or name.lower() in _visible_ctes(table):
        return None
    if source.quoted and re.search(r"[./:\\]", name):
        return f"reads the file '{name}'", _SANDBOX_HINT
    if name.lower() in defined:
        return f"reads table '{name}'; the CTE {name} is not in scope there", _CTE_SCOPE_HINT
    return f"reads table '{name}'", _SANDBOX_HINT


def _lateral_problem(lateral: exp.Lateral) -> tuple[str, str] | None:
    """`LATERAL f()` reads what a table function in FROM would (sqlglot keeps it apart)."""
    source = lateral.this
    if isinstance(source, exp.Func):
        return _function_problem(source)
    return f"reads {lateral.sql(dialect='duckdb')}", _SANDBOX_HINT


def _function_problem(source: exp.Func) -> tuple[str, str] | None:
    """What is wrong with reading a table function: anything but the generators."""
    name = _function_name(source)
    if name in _TABLE_GENERATORS:
        return None
    return f"reads table function {name}(...)", _SANDBOX_HINT


def _sandbox_findings(query: exp.Expr) -> Iterator[_Finding]:
    defined = {_cte_name(cte) for cte in query.find_all(exp.CTE)}
    table_functions = {id(t.this) for t in query.find_all(exp.Table, exp.Lateral)}
    for node in query.walk():
        problem = None
        if isinstance(node, exp.Table):
            problem = _table_problem(node, defined)
        elif isinstance(node, exp.Lateral) and not isinstance(node.this, exp.Subquery):
            problem = _lateral_problem(node)
        elif (
            isinstance(node, exp.Func)
            and id(node) not in table_functions  # reported as the table it is
            and _DENIED_FUNCTIONS.match(_function_name(node))
        ):
            problem = f"calls {_function_name(node)}(), which reads outside data", _SANDBOX_HINT
        if problem is not None:
            yield _Finding("E0403", problem[0], _start(node), problem[1])


def _output_name(column: exp.Expr) -> str | None:
    if isinstance(column, exp.Alias):
        return str(column.alias)
    if isinstance(column, exp.Column) and not isinstance(column.this, exp.Star):
        return str(column.name)
    return None


def _result_findings(query: exp.Query, group_keys: tuple[str, ...]) -> Iterator[_Finding]:
    wanted = ["value", *group_keys]
    names: list[str] = []
    starred = False
    for column in query.selects:
        if isinstance(column, exp.Star) or (
            isinstance(column, exp.Column) and isinstance(column.this, exp.Star)
        ):
            starred = True
            yield _Finding(
                "E0404",
                "selects *",
                _start(column),
                f"select the columns explicitly: {', '.join(wanted)}",
            )
            continue
        name = _output_name(column)
        if name is None:
            yield _Finding(
                "E0404",
                f"has an unnamed result column {column.sql(dialect='duckdb')}",
                _start(column),
                "name it with AS: value, or one of the group keys",
            )
        elif name in names:
            yield _Finding(
                "E0404",
                f"returns column '{name}' twice",
                _start(column),
                "each result column is named once; the second would be ignored",
            )
        elif name not in wanted:
            yield _Finding(
                "E0404",
                f"returns column '{name}', which is neither value nor a group key",
                _start(column),
                f"the result columns are exactly: {', '.join(wanted)}",
            )
        else:
            names.append(name)
    missing = [w for w in wanted if w not in names]
    if missing and not starred:
        yield _Finding(
            "E0404",
            f"does not return column(s) {', '.join(missing)}",
            None,
            "the result has a `value` column and one column per group key",
        )


BIND_LIMITS = BindLimits()  # tests make them small


def sql_binds(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0406: a SQL metric binds against the events table: the columns and functions it names
    exist and their types fit (planned with EXPLAIN, never executed, within time and memory
    limits)."""
    planned = [
        (mid, sql)
        for mid, sql, parsed in _sql_metrics(ctx)
        if isinstance(_query(parsed), exp.Query)  # E0401/E0402 say why not
        # only a query that passed the static checks is planned
        and not _findings(sql, tuple(ctx.package.metrics[mid].group_keys))
    ]
    if not planned:
        return
    errors = bind_errors([sql for _mid, sql in planned], BIND_LIMITS)
    for (mid, _sql), problem in zip(planned, errors, strict=True):
        if problem is not None:
            yield error(
                "E0406",
                f"SQL of metric '{mid}' does not run on the events table: {problem}",
                ctx.value("metrics", mid, "sql"),
                "the table is events(transaction_id, customer_id, event_type, timestamp, "
                "properties); a property is properties['name'], a string",
            )
