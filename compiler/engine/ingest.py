"""Ingestion: event files into DuckDB, every line accounted for, numbers exact.

Three ways in, one result; each file is read by the first that takes it:
1. the typed reader (`typed_query`): DuckDB's `read_json` with the fields typed, one parse per
   line straight into columns, with a pass over the lines' text alongside (`contents_query`)
   for their content keys and for what the typed columns cannot show. It takes a file in which
   at most one line in a hundred is not plain (a used property that is not a string, integer,
   boolean or null; malformed; ...), and leaves those lines to the Python reader;
2. the objects reader (`fast_query`): `read_json_objects`, which keeps each line's text, and the
   fields extracted in SQL. JSON numbers need care: DuckDB parses them as doubles, so a number
   with a fraction is taken from the line's own text and kept only when it agrees with
   DuckDB's value; integers are exact as parsed;
3. the Python reader (`events.parse_event`), for the lines the other two leave because they are
   malformed or unusual (an exponent, a nested value, an odd date-time, what only DuckDB's
   parser allows), and for whole files DuckDB cannot read: it is the reference, and gives each
   rejection its reason and line number.
All fill tables read through the view `parsed`, ordered by `seq` (file, then position in the
file); Parquet files have their own reader (parquet_events.py).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb
from sqlglot import exp

from compiler.engine.events import (
    FILE_STRIDE,
    FIRST_YEAR,
    GLOB,
    MAX_DEPTH,
    MAX_TRANSACTION_ID,
    PAST_YEAR,
    TIMESTAMP_PATTERN,
    UNREADABLE,
    Event,
    Rejection,
    in_range_year_sql,
    instant_sql,
    lines,
    number_column,
    prop_column,
    read_events,
    read_line,
)
from compiler.engine.invoice import Rejected
from compiler.engine.parquet_events import read_parquet_files
from compiler.engine.store import execute_long


@dataclass(frozen=True)
class Ingested:
    read: int
    rejected: list[Rejected]


# What DuckDB's JSON parser forgives and JSON (and the Python reader) does not, found in a
# line's text: a comma before a closing bracket, and NaN or an infinity as a value (in any
# spelling: nan, -Infinity, INF). A string holding one is a false alarm, which only sends the
# file to the Python reader. One pattern per first character, as RE2 skips ahead to a
# pattern's first character only where there is one; the two after a comma share one pass over
# every line (10M events: the text pass 3.3 s -> 2.75 s).
NON_FINITE = r"[ \t\n\r]*[-+]?(?i:nan|inf)"
AFTER_COMMA = r",[ \t\n\r]*(?:[}\]]|[-+]?(?i:nan|inf))"  # a trailing comma, or "," + NON_FINITE
NOT_JSON = (AFTER_COMMA, ":" + NON_FINITE, r"\[" + NON_FINITE)
FIELDS = ("transaction_id", "customer_id", "event_type", "timestamp")
DIALECT = "duckdb"


def _string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _pointer(*parts: str) -> exp.Literal:
    """A JSON Pointer: user text is never parsed as JSON path syntax."""
    return _string("".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts))


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A DuckDB function call that sqlglot passes through untranslated."""
    return exp.Anonymous(this=name, expressions=list(args))


def _after_key(line: exp.Expr, name: str) -> exp.Expr:
    """The line's text right after `"name":`."""
    key = _string(json.dumps(name, ensure_ascii=False) + ":")
    return exp.func("ltrim", exp.func("split_part", line, key, exp.Literal.number(2)))


def _raw_number(line: exp.Expr, name: str) -> exp.Expr:
    """The text of the number right after `"name":` in the line itself."""
    return exp.func("regexp_extract", _after_key(line, name), _string(r"^-?[0-9]+(\.[0-9]+)?"))


def _has_exponent(line: exp.Expr, name: str) -> exp.Expr:
    """Whether the number after `"name":` has an exponent, which only the Python reader turns
    into the reference's text (0E-12 is 0.000000000000 there; the fraction before the exponent
    could pass for the whole number)."""
    return exp.func("regexp_matches", _after_key(line, name), _string(r"^-?[0-9]+(\.[0-9]+)?[eE]"))


def _not_json(line: exp.Expr, patterns: Sequence[str] = NOT_JSON) -> exp.Expr:
    """Whether the line may hold what only DuckDB's parser allows (`NOT_JSON`)."""
    return exp.or_(*[exp.func("regexp_matches", line, _string(p)) for p in patterns])


def _maybe_too_deep(line: exp.Expr) -> exp.Expr:
    """Whether the line may nest deeper than MAX_DEPTH, which DuckDB would read and the Python
    reader refuses: it has more opening brackets than that (counted only in a long line)."""
    without = exp.func(
        "replace", exp.func("replace", line, _string("["), _string("")), _string("{"), _string("")
    )
    opening = exp.Sub(this=exp.func("strlen", line), expression=exp.func("strlen", without))
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.func("strlen", line) > exp.Literal.number(MAX_DEPTH),
                true=opening > exp.Literal.number(MAX_DEPTH),
            )
        ],
        default=exp.false(),
    )


# Paths whose JSON types are read from every line (one parse), and those whose texts are (a
# second): the line itself and `properties` are only type-checked, never copied out.
ROOT_PATHS = [(), *[(f,) for f in FIELDS], ("properties",)]
TEXT_ROOT_PATHS = [(f,) for f in FIELDS]


def _item(column: str, index: int) -> exp.Expr:
    """`column[index]` of the per-line lists (1-based, as DuckDB lists are)."""
    return _call("list_extract", exp.column(column), exp.Literal.number(index + 1))


def _lines_of(ignore_errors: bool) -> exp.Expr:
    """`read_json_objects` over the files of the list parameter: each non-blank line's text
    (`json`) and file (`filename`). Without `ignore_errors`, a line DuckDB cannot parse fails
    the whole reading."""
    options = [("format", _string("newline_delimited")), ("filename", exp.true())]
    if ignore_errors:
        options.insert(1, ("ignore_errors", exp.true()))
    return exp.Table(
        this=exp.func(
            "read_json_objects",
            exp.Placeholder(),
            *[exp.EQ(this=exp.column(k), expression=v) for k, v in options],
        )
    )


def _paths(paths: Sequence[tuple[str, ...]]) -> exp.Expr:
    return exp.Array(expressions=[_pointer(*p) for p in paths])


def fast_query(names: Sequence[str], files: Sequence[tuple[int, Path]]) -> str:
    """Every non-blank line of `files` (file index, path), given again as the list parameter,
    fields extracted. Each row names its file by index, not by its path (which would be copied
    into every row)."""
    properties = [("properties", n) for n in names]
    paths = [*ROOT_PATHS, *properties]
    text_paths = [*TEXT_ROOT_PATHS, *properties]
    line = exp.column("json")
    parsed = exp.select(
        exp.column("filename"),
        line,
        _call("json_type", line, _paths(paths)).as_("kinds"),
        _call("json_extract_string", line, _paths(text_paths)).as_("texts"),
    ).from_(_lines_of(ignore_errors=True))
    at = {p: i for i, p in enumerate(paths)}
    text_at = {p: i for i, p in enumerate(text_paths)}

    def kind(path: tuple[str, ...]) -> exp.Expr:
        return _item("kinds", at[path])

    def text(path: tuple[str, ...]) -> exp.Expr:
        return _item("texts", text_at[path])

    values, doubts = [], []
    for name in names:
        path = ("properties", name)
        raw = _raw_number(line, name)
        is_double = kind(path).eq(_string("DOUBLE"))
        values.append(exp.Case(ifs=[exp.If(this=is_double, true=raw)], default=text(path)))
        disagrees: exp.Expr = exp.NEQ(
            this=exp.TryCast(this=raw, to=exp.DataType.build("DOUBLE")),
            expression=exp.TryCast(this=text(path), to=exp.DataType.build("DOUBLE")),
        )
        # the raw text is taken after the first `"name":` in the line: if the key is there
        # more than once (say, nested elsewhere too), it may be the wrong one
        key = _string(json.dumps(name, ensure_ascii=False) + ":")
        repeated = exp.GT(
            this=exp.Sub(
                this=exp.func("length", line),
                expression=exp.func("length", exp.func("replace", line, key, _string(""))),
            ),
            expression=exp.func("length", key),
        )
        # a negative zero is zero in the reference (events.property_text), "-0.0" here
        negative_zero = exp.and_(
            exp.func("starts_with", raw, _string("-")),
            exp.EQ(
                this=exp.TryCast(this=raw, to=exp.DataType.build("DOUBLE")),
                expression=exp.Literal.number(0),
            ),
        )
        disagrees = exp.or_(disagrees, repeated, _has_exponent(line, name), negative_zero)
        # CASE, not AND/OR: the line's own text is searched only where a number has a fraction
        doubts.append(
            exp.Case(
                ifs=[
                    exp.If(
                        this=kind(path).isin(_string("OBJECT"), _string("ARRAY")), true=exp.true()
                    ),
                    exp.If(this=is_double, true=exp.func("coalesce", disagrees, exp.true())),
                ],
                default=exp.false(),
            )
        )
    texts = {f: text((f,)) for f in FIELDS}
    # a time of the right shape may still be no time (12:75, February 30): not plain, so the
    # Python reader gives the line its reason, and the reading goes on
    timestamp = exp.TryCast(
        this=exp.TryCast(this=texts["timestamp"], to=exp.DataType.build("TIMESTAMPTZ")),
        to=exp.DataType.build("TIMESTAMP"),
    )
    plain = exp.func(
        "coalesce",
        exp.and_(
            kind(()).eq(_string("OBJECT")),
            *[kind((f,)).eq(_string("VARCHAR")) for f in FIELDS],
            exp.func("length", texts["transaction_id"]).between(
                exp.Literal.number(1), exp.Literal.number(MAX_TRANSACTION_ID)
            ),
            exp.func("length", texts["customer_id"]) > exp.Literal.number(0),
            exp.func("length", texts["event_type"]) > exp.Literal.number(0),
            exp.func("regexp_full_match", texts["timestamp"], _string(TIMESTAMP_PATTERN)),
            texts["timestamp"] >= _string(FIRST_YEAR),  # the pattern matched: four digits
            texts["timestamp"] < _string(PAST_YEAR),
            exp.not_(timestamp.is_(exp.null())),
            exp.or_(
                kind(("properties",)).is_(exp.null()),
                kind(("properties",)).isin(_string("OBJECT"), _string("NULL")),
            ),
            *[exp.not_(d) for d in doubts],
            exp.not_(_not_json(line)),
            exp.not_(_maybe_too_deep(line)),
        ),
        exp.false(),
    )
    query = exp.select(
        _file_index(files).as_("file_index"),
        plain.as_("plain"),
        texts["transaction_id"].as_("transaction_id"),
        texts["customer_id"].as_("customer_id"),
        texts["event_type"].as_("event_type"),
        exp.Case(ifs=[exp.If(this=plain, true=timestamp)]).as_("timestamp"),
        *[value.as_(prop_column(i)) for i, value in enumerate(values)],
        content_key(line).as_("content"),
    ).from_(parsed.subquery("lines"))
    return query.sql(dialect=DIALECT)


def _file_index(files: Sequence[tuple[int, Path]]) -> exp.Expr:
    """A row's file as its index, from the reader's `filename` column."""
    return _call(
        "list_extract",
        exp.Array(expressions=[exp.Literal.number(i) for i, _ in files]),
        _call(
            "list_position",
            exp.Array(expressions=[_string(str(path)) for _, path in files]),
            exp.column("filename"),
        ),
    )


def content_key(line: exp.Expr) -> exp.Expr:
    """What two events with one transaction ID must share to be the same event: the line's
    text (without surrounding whitespace, which DuckDB's reader drops and the Python reader
    strips). A retry that repeats the line is a plain duplicate; any other difference, even in
    key order, is reported as a conflict (over-reporting is safer than missing one). Only lines
    with one transaction ID are compared, so a 64-bit hash is plenty."""
    return exp.func("hash", line)


def _columns(names: Sequence[str], table: str | None = None) -> str:
    prefix = f"{table}." if table else ""
    return "".join(f", {prefix}{prop_column(i)}" for i in range(len(names)))


def ingest(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[Path, str]],
    names: Sequence[str],
    numeric: Sequence[int] = (),
) -> Ingested:
    """Create the view `parsed` over `files`: one row per valid event, ordered by `seq`, with
    the used properties' texts (`names`: `p_i`) and, for the indexes in `numeric`, whether
    each is a number where a reader can tell without matching the text (`n_i`, see
    events.number_column; NULL elsewhere)."""
    props = "".join(f", {prop_column(i)} VARCHAR" for i in range(len(names)))
    connection.execute(
        "CREATE TEMP TABLE slow_lines (seq BIGINT, transaction_id VARCHAR, customer_id VARCHAR, "
        f"event_type VARCHAR, timestamp TIMESTAMP{props}, content UBIGINT)"
    )
    # each file DuckDB reads: `typed` by the typed reader, else by the objects reader; `slow`
    # (and no longer `typed`) where either left the file to the Python reader after all, the
    # lines they left not being the ones Python sees; Parquet files are `slow` too, as their
    # rows are numbered already. `first_row`, `content_row`: the file's first rowid in its reader's
    # table and in `line_contents`.
    connection.execute(
        "CREATE TEMP TABLE file_index (filename VARCHAR, file_index BIGINT, "
        "slow BOOLEAN DEFAULT false, first_row BIGINT DEFAULT 0, typed BOOLEAN DEFAULT false, "
        "content_row BIGINT DEFAULT 0)"
    )
    parquet = [
        (i, path) for i, (path, _) in enumerate(files) if _is_parquet(path) and path.is_file()
    ]
    # DuckDB reads a path once, and expands glob characters: a file given again, or one whose
    # name holds *?[{, is read by the Python reader instead (each occurrence counts); so is a
    # `.zst` file, which the Python reader refuses (DuckDB would decompress it).
    seen: set[Path] = set()
    slow = set()
    for i, (path, _) in enumerate(files):
        if not path.is_file() or (
            not _is_parquet(path)
            and (
                path.resolve() in seen
                or any(c in str(path) for c in GLOB)
                or path.suffix.lower() == ".zst"
            )
        ):
            slow.add(i)
        seen.add(path.resolve())
    readable = [
        (i, path) for i, (path, _) in enumerate(files) if not _is_parquet(path) and i not in slow
    ]
    typed_odd = _read_fast(connection, readable, names, slow)
    read, rejected = (
        read_parquet_files(connection, parquet, files, names, numeric) if parquet else (0, [])
    )
    for table, odd in (("typed_lines", typed_odd), ("fast_lines", _unusual(connection))):
        for i, lines_read in odd:
            problems = _read_lines(connection, table, i, files[i], names, lines_read)
            if problems is None:  # the Python reader sees other lines: it reads the file whole
                connection.execute(
                    "UPDATE file_index SET slow = true, typed = false WHERE file_index = ?", [i]
                )
                slow.add(i)
            else:
                rejected.extend(problems)
    for i in sorted(slow):
        count, problems = _read_slow(connection, i, files[i], names)
        read += count
        rejected.extend(problems)
    _create_views(connection, names, numeric, with_parquet=bool(parquet))
    fast_read = connection.execute(
        "SELECT count(*) FROM fast_lines JOIN file_index USING (file_index) WHERE NOT slow"
    ).fetchone()
    typed_read = connection.execute(
        "SELECT count(*) FROM typed_lines JOIN file_index USING (file_index) WHERE typed"
    ).fetchone()
    read += (fast_read[0] if fast_read else 0) + (typed_read[0] if typed_read else 0)
    # Only the reading above needed rows kept in order (a file's rowids number its lines);
    # from here on `seq` orders whatever must be ordered, and DuckDB may stream and spill more
    # freely without keeping insertion order.
    connection.execute("SET preserve_insertion_order = false")
    order = {shown: i for i, (_, shown) in enumerate(files)}
    rejected.sort(key=lambda r: (order.get(r.file, len(files)), r.line))
    return Ingested(read, rejected)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


# A JSON Lines reader's row's `seq`: its file's index, then its position among the file's lines
# (rowid - the file's first rowid + 1); `l` a reader's table, `f` the file's row of file_index.
LINE_SEQ = f"f.file_index * {FILE_STRIDE} + l.rowid - f.first_row + 1"
# Which rows of each JSON Lines reader's table the view `parsed` reads.
READ_ROWS = {"typed_lines": "f.typed AND l.plain", "fast_lines": "NOT f.slow AND l.plain"}


def _reader_rows(table: str) -> str:
    """FROM ... WHERE for the rows of a JSON Lines reader's table that `parsed` reads."""
    return f"{table} l JOIN file_index f USING (file_index) WHERE {READ_ROWS[table]}"


def _create_views(
    connection: duckdb.DuckDBPyConnection,
    names: Sequence[str],
    numeric: Sequence[int],
    with_parquet: bool,
) -> None:
    """The view `parsed` (every valid event: its `seq` and fields) and the view `contents` (an
    event's content key by `seq`: only repeated transaction IDs need it, and the typed reader
    keeps it apart from the fields), each over the rows of the four readers. Only the Parquet
    reader knows any number column (`n_i`); the JSON Lines readers' are NULL."""
    fields = "transaction_id, customer_id, event_type, timestamp"
    typed, fast = _reader_rows("typed_lines"), _reader_rows("fast_lines")
    parquet = "parquet_rows r WHERE r.reason IS NULL"
    unknown = "".join(f", CAST(NULL AS BOOLEAN) AS {number_column(i)}" for i in numeric)
    line_fields = f"{_prefixed(fields, 'l')}{_columns(names, 'l')}{unknown}"
    parsed = [
        f"SELECT {LINE_SEQ} AS seq, {line_fields} FROM {typed}",
        f"SELECT {LINE_SEQ}, {line_fields} FROM {fast}",
        f"SELECT seq, {fields}{_columns(names)}{unknown} FROM slow_lines",
    ]
    contents = [
        f"SELECT f.file_index * {FILE_STRIDE} + c.rowid - f.content_row + 1 AS seq, c.content "
        "FROM line_contents c JOIN file_index f USING (file_index) "
        "WHERE f.typed AND NOT c.doubtful",
        f"SELECT {LINE_SEQ}, l.content FROM {fast}",
        "SELECT seq, content FROM slow_lines",
    ]
    if with_parquet:
        parsed.append(
            f"SELECT r.seq, {_prefixed(fields, 'r')}{_columns(names, 'r')}"
            + "".join(f", r.{number_column(i)}" for i in numeric)
            + f" FROM {parquet}"
        )
        contents.append(f"SELECT r.seq, r.content FROM {parquet}")
    connection.execute("CREATE TEMP VIEW parsed AS " + " UNION ALL ".join(parsed))
    connection.execute("CREATE TEMP VIEW contents AS " + " UNION ALL ".join(contents))


def transaction_ids(connection: duckdb.DuckDBPyConnection, seqs: Iterable[int]) -> dict[int, str]:
    """The transaction IDs of the parsed events (view `parsed`) with these `seq`s: the few
    examples a replay shows. The JSON Lines readers' rows are fetched by their rowid (a line's
    `seq` is computed from it, so a filter on `seq` would read all of them: 0.16 s at 10M
    events), the others by their `seq` column."""
    wanted = sorted({int(seq) for seq in seqs})
    if not wanted:
        return {}
    files = {
        index: (typed, slow, first_row)
        for index, typed, slow, first_row in connection.execute(
            "SELECT file_index, typed, slow, first_row FROM file_index"
        ).fetchall()
    }
    rowids: dict[str, list[int]] = {"typed_lines": [], "fast_lines": []}
    for seq in wanted:
        index, position = divmod(seq, FILE_STRIDE)
        typed, slow, first_row = files.get(index, (False, True, 0))
        if typed or not slow:
            rowids["typed_lines" if typed else "fast_lines"].append(first_row + position - 1)
    seq_list = ", ".join(map(str, wanted))
    parts = [f"SELECT seq, transaction_id FROM slow_lines WHERE seq IN ({seq_list})"]
    if connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'parquet_rows'"
    ).fetchone() != (0,):
        parts.append(
            "SELECT seq, transaction_id FROM parquet_rows "
            f"WHERE seq IN ({seq_list}) AND reason IS NULL"
        )
    for table, rows in rowids.items():
        if rows:
            parts.append(
                f"SELECT {LINE_SEQ}, l.transaction_id FROM {_reader_rows(table)} "
                f"AND l.rowid IN ({', '.join(map(str, rows))})"
            )
    sought = set(wanted)  # a rowid sought in one file may be a line of another
    found = {
        int(seq): str(txid)
        for seq, txid in connection.execute(" UNION ALL ".join(parts)).fetchall()
        if int(seq) in sought
    }
    missing = [seq for seq in wanted if seq not in found]
    if missing:
        raise LookupError(f"no parsed event has seq {missing[0]} (of {len(missing)} sought)")
    return found


def _prefixed(columns: str, table: str) -> str:
    return ", ".join(f"{table}.{c}" for c in columns.split(", "))


def _lines_table(connection: duckdb.DuckDBPyConnection, table: str, names: Sequence[str]) -> None:
    """Create `table` for one reader's rows.

    A table of the store's own database, not a TEMP one: when the events are too many to hold
    in memory the store is a database file (store.held_in_memory), and DuckDB writes a bulk
    insert there compressed (dictionaries for the few event types, customers and models), where
    a temporary table is kept, and spilled past the memory limit, as raw vectors. At 10M events
    every later pass over the events then reads far less (measured: the accounting groups 2.3 s
    -> 1.6 s, the usage query 4-5 s -> 2.4 s)."""
    props = "".join(f", {prop_column(i)} VARCHAR" for i in range(len(names)))
    content = ", content UBIGINT" if table == "fast_lines" else ""
    connection.execute(
        f"CREATE TABLE {table} (file_index BIGINT, plain BOOLEAN, transaction_id VARCHAR, "
        f"customer_id VARCHAR, event_type VARCHAR, timestamp TIMESTAMP{props}{content})"
    )


def _insert(
    connection: duckdb.DuckDBPyConnection, table: str, query: str, files: Sequence[tuple[int, Path]]
) -> bool:
    """Insert a reader's rows of `files` (the query's list parameter) into `table`; False where
    DuckDB cannot read them as a whole (a line it cannot parse, a broken .gz, an error message
    cut inside a character), and then none are inserted: the failed statement is rolled back."""
    try:
        execute_long(
            connection,
            "reading events",
            f"INSERT INTO {table} {query}",
            [[str(p) for _, p in files]],
        )
    except (duckdb.Error, UnicodeDecodeError):
        return False
    return True


def _read_fast(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[int, Path]],
    names: Sequence[str],
    slow: set[int],
) -> list[tuple[int, int]]:
    """Read files in DuckDB, by the typed reader where it takes them (`typed_lines`) and else by
    the objects reader (`fast_lines`); in either, a line that is not `plain` is left to the
    Python reader (`_read_lines`). Files that need the Python reader whole are added to `slow`;
    the typed reader's files with lines left to it are returned, with their numbers of lines."""
    _lines_table(connection, "typed_lines", names)
    _lines_table(connection, "fast_lines", names)
    connection.execute(
        "CREATE TABLE line_contents (file_index BIGINT, content UBIGINT, doubtful BOOLEAN)"
    )
    typed, typed_odd = _read_typed(connection, files, names) if files else (set(), [])
    files = [(i, path) for i, path in files if i not in typed]
    if not files:
        return typed_odd
    if not _insert(connection, "fast_lines", fast_query(names, files), files):
        slow.update(i for i, _ in files)  # unreadable as a whole (e.g. a broken .gz): go slow
        return typed_odd
    connection.executemany(
        "INSERT INTO file_index (filename, file_index) VALUES (?, ?)",
        [(str(path), i) for i, path in files],
    )
    # seq counts event lines within each file: position = rowid - the file's first rowid + 1
    connection.execute(
        "UPDATE file_index SET first_row = m.first_row FROM (SELECT file_index, min(rowid) AS "
        "first_row FROM fast_lines GROUP BY file_index) m "
        "WHERE file_index.file_index = m.file_index"
    )
    return typed_odd


# The typed reader takes a file when neither of its passes finds more than one line in
# PYTHON_SHARE to leave to the Python reader. That reader takes about 17 µs a line, and a scan
# of the file's lines to find them (0.2 µs a line, 0.4 µs in a .gz); the objects reader 0.4-1.2
# µs a line more than the typed one: a few lines in a hundred would still pay.
PYTHON_SHARE = 100


def _read_typed(
    connection: duckdb.DuckDBPyConnection, files: Sequence[tuple[int, Path]], names: Sequence[str]
) -> tuple[set[int], list[tuple[int, int]]]:
    """Read files with DuckDB's typed JSON reader, one parse per line straight into columns:
    the indexes of the files it took (`file_index.typed`), and, of those, the ones with lines
    left to the Python reader and how many lines each has.

    A pass over the lines' text (`contents_query`) comes first: it keeps each line's content
    key (`line_contents`) and finds the lines that the typed reader cannot be trusted with
    (`doubtful`). The typed reader finds more in its own checks (`typed_query`). Every line
    that is doubtful or not plain is marked so in both tables and left to the Python reader. A
    file with too many such lines (PYTHON_SHARE), or whose two passes disagree on the number of
    lines, goes to the objects reader, and so do the files of a tolerant reading that fails as
    a whole; a file that the first pass cannot read at all sends every file there."""
    if not _insert(connection, "line_contents", contents_query(names, files), files):
        return set(), []
    doubtful = dict(
        connection.execute(
            "SELECT file_index, count(*) FILTER (doubtful) FROM line_contents GROUP BY file_index "
            f"HAVING count(*) FILTER (doubtful) * {PYTHON_SHARE} <= count(*)"
        ).fetchall()
    )
    # The files without a doubtful line by the faster reading, which fails as a whole on a line
    # it cannot take (`properties` that is not an object, which the text pass does not look
    # for: that costs its files a second, tolerant reading); the others by the tolerant one.
    clean = [(i, path) for i, path in files if doubtful.get(i) == 0]
    strict = bool(clean) and _insert(
        connection, "typed_lines", typed_query(names, clean, False), clean
    )
    tolerant = [(i, path) for i, path in files if doubtful.get(i) or (not strict and i in doubtful)]
    if tolerant:
        _insert(connection, "typed_lines", typed_query(names, tolerant, True), tolerant)
    # seq counts event lines within each file: position = rowid - the file's first rowid + 1,
    # in both tables
    taken = connection.execute(f"""
        WITH l AS (SELECT file_index, count(*) AS n, count(*) FILTER (NOT plain) AS odd,
                          min(rowid) AS first_row FROM typed_lines GROUP BY file_index),
             c AS (SELECT file_index, count(*) AS n, count(*) FILTER (doubtful) AS odd,
                          min(rowid) AS first_row FROM line_contents GROUP BY file_index)
        SELECT l.file_index, l.first_row, c.first_row, l.n, greatest(l.odd, c.odd) > 0
        FROM l JOIN c USING (file_index)
        WHERE l.n = c.n AND greatest(l.odd, c.odd) * {PYTHON_SHARE} <= l.n
    """).fetchall()
    if not taken:
        return set(), []
    paths = dict(files)
    connection.executemany(
        "INSERT INTO file_index (filename, file_index, typed, first_row, content_row) "
        "VALUES (?, ?, true, ?, ?)",
        [(str(paths[i]), i, first_row, content_row) for i, first_row, content_row, _, _ in taken],
    )
    if any(odd for *_, odd in taken):
        _mark_odd_lines(connection)
    return {row[0] for row in taken}, [(i, n) for i, _, _, n, odd in taken if odd]


def _mark_odd_lines(connection: duckdb.DuckDBPyConnection) -> None:
    """In the files the typed reader took, a line doubtful in `line_contents` or not plain in
    `typed_lines` is made both, so that each table leaves out the same lines: those the Python
    reader reads."""
    connection.execute("""
        UPDATE typed_lines SET plain = false FROM (
            SELECT c.rowid - f.content_row + f.first_row AS line_row
            FROM line_contents c JOIN file_index f USING (file_index) WHERE f.typed AND c.doubtful
        ) d WHERE typed_lines.rowid = d.line_row
    """)
    connection.execute("""
        UPDATE line_contents SET doubtful = true FROM (
            SELECT l.rowid - f.first_row + f.content_row AS content_row
            FROM typed_lines l JOIN file_index f USING (file_index) WHERE f.typed AND NOT l.plain
        ) o WHERE line_contents.rowid = o.content_row
    """)


def _regex_literal(text: str) -> str:
    """`text` matched literally in an RE2 pattern."""
    return "".join("\\" + c if c in "\\.^$|?*+()[]{}" else c for c in text)


# After a colon, a number with a fraction or an exponent, NaN or an infinity: what DuckDB's
# typed reader reads as a double. Found cheaply (RE2 skips to each colon); only in the lines that
# have one is it looked for after a used property's name.
NUMBER_AFTER_COLON = r":[ \t\n\r]*[-+]?(?:[0-9]+[.eE]|(?i:nan|inf))"


def contents_query(names: Sequence[str], files: Sequence[tuple[int, Path]]) -> str:
    """Each non-blank line of `files` (given again as the list parameter): its file, its
    content key, and whether it is doubtful for the typed reader: a line DuckDB cannot parse,
    one that is not an object, what only DuckDB's parser allows (`NOT_JSON`, which the typed
    reader cannot see, in any property, used or not), a used property whose value looks like a
    number with a fraction or an exponent (which the typed reader would read as a double). A
    string that only looks so is a false alarm, costing only speed; a used property written
    with escapes in its name is missed here and caught by `typed_query`'s checks."""
    line = exp.column("json")
    after_colon = [":" + NON_FINITE]
    if names:
        keys = "|".join(_regex_literal(json.dumps(n, ensure_ascii=False)) for n in names)
        after_colon.append(f"(?:{keys})[ \\t\\n\\r]*{NUMBER_AFTER_COLON}")
    # CASE, not AND: the rarer patterns are looked for only in the lines with such a number
    doubtful = exp.or_(
        exp.not_(exp.func("starts_with", line, _string("{"))),
        _not_json(line, [p for p in NOT_JSON if not p.startswith(":")]),
        _maybe_too_deep(line),
        exp.Case(
            ifs=[
                exp.If(
                    this=exp.func("regexp_matches", line, _string(NUMBER_AFTER_COLON)),
                    true=_not_json(line, after_colon),
                )
            ],
            default=exp.false(),
        ),
    )
    return (
        exp.select(
            _file_index(files).as_("file_index"),
            content_key(line).as_("content"),
            exp.func("coalesce", doubtful, exp.true()).as_("doubtful"),  # NULL: not parsed
        )
        .from_(_lines_of(ignore_errors=True))
        .sql(dialect=DIALECT)
    )


# A property value that the typed reader may have read from something other than a plain JSON
# string, integer, boolean or null: an object or array (as its JSON text), a number with a
# fraction or exponent (as a double's text), NaN or an infinity. A string that looks so is a
# false alarm, costing only speed.
DOUBTFUL_PROPERTY = r"^(?:[\[{]|[-+]?[0-9]+[.eE]|[-+]?(?i:nan|inf|infinity)$)"


def typed_query(names: Sequence[str], files: Sequence[tuple[int, Path]], tolerant: bool) -> str:
    """Every non-blank line of `files` (given again as the list parameter) through DuckDB's
    typed JSON reader: the four fields as JSON (a string is told from a number or a boolean by
    its quote), `properties` as a STRUCT of the used names' texts. Integers, strings and
    booleans read so are the reference's texts (a -0 is 0 in both); anything else makes the row
    not `plain`, and the line is left to the Python reader.

    A line the reader cannot parse fails the whole reading, unless `tolerant`: then it is an
    empty row (not `plain`), and `properties` is read as JSON and the used names' texts
    extracted from it (0.05 s more per 1M lines, the same texts), since a STRUCT would take a
    `properties` that is not an object for one without the used names."""
    as_struct = bool(names) and not tolerant
    struct = ", ".join(
        exp.to_identifier(n, quoted=True).sql(dialect=DIALECT) + " VARCHAR" for n in names
    )
    columns = {f: "JSON" for f in FIELDS} | {
        "properties": f"STRUCT({struct})" if as_struct else "JSON"
    }
    spec = "{" + ", ".join(f"{_sql_string(k)}: {_sql_string(v)}" for k, v in columns.items()) + "}"
    tolerance = ", ignore_errors = true" if tolerant else ""
    source = (
        f"read_json(?, format = 'newline_delimited', columns = {spec}, filename = true{tolerance})"
    )
    if not as_struct and names:  # each line's properties parsed once for all the used names
        pointers = _paths([(n,) for n in names]).sql(dialect=DIALECT)
        source = f"(SELECT *, json_extract_string(properties, {pointers}) AS texts FROM {source})"

    def text(field: str) -> str:
        """The field's string, where it is a JSON string written without escapes."""
        value = f'r."{field}"'
        return (
            f"CASE WHEN starts_with({value}, '\"') AND NOT contains({value}, '\\') "
            f"THEN substring({value}, 2, length({value}) - 2) END"
        )

    if as_struct:
        props = "".join(
            f", struct_extract(r.properties, {_sql_string(n)}) AS {prop_column(i)}"
            for i, n in enumerate(names)
        )
    else:
        props = "".join(f", r.texts[{i + 1}] AS {prop_column(i)}" for i in range(len(names)))
    doubtful = _sql_string(DOUBTFUL_PROPERTY)
    properties_ok = (
        "true" if as_struct else "(r.properties IS NULL OR starts_with(r.properties, '{'))"
    )
    checks = [
        f"length(transaction_id) BETWEEN 1 AND {MAX_TRANSACTION_ID}",
        "length(customer_id) > 0",
        "length(event_type) > 0",
        f"regexp_full_match(time_text, {_sql_string(TIMESTAMP_PATTERN)})",
        in_range_year_sql("time_text"),  # only counts where the pattern matched
        "moment IS NOT NULL",
        "properties_ok",
        *[
            f"coalesce(NOT regexp_matches({prop_column(i)}, {doubtful}), true)"
            for i in range(len(names))
        ],
    ]
    lines = f"""SELECT {_file_index(files).sql(dialect=DIALECT)} AS file_index,
               {text("transaction_id")} AS transaction_id, {text("customer_id")} AS customer_id,
               {text("event_type")} AS event_type, {text("timestamp")} AS time_text,
               {properties_ok} AS properties_ok{props}
        FROM {source} r"""
    checked = f"""SELECT *, {instant_sql("time_text")} AS moment FROM ({lines})"""
    return f"""SELECT file_index, plain, transaction_id, customer_id, event_type,
           CASE WHEN plain THEN moment END AS timestamp{_columns(names)}
        FROM (SELECT *, coalesce({" AND ".join(checks)}, false) AS plain FROM ({checked}))"""


def _sql_string(text: str) -> str:
    return _string(text).sql(dialect=DIALECT)


def _read_slow(
    connection: duckdb.DuckDBPyConnection,
    index: int,
    file: tuple[Path, str],
    names: Sequence[str],
) -> tuple[int, list[Rejected]]:
    """Read one file line by line in Python: valid events into `slow_lines`, rejections back."""
    count = 0

    def items() -> Iterator[tuple[int, Event | Rejection]]:
        nonlocal count
        for item in read_events([file], keep_text=True):
            count += 1
            yield index * FILE_STRIDE + item.line, item

    rejected = _write_slow(connection, items(), names)
    return count, rejected or []


def _unusual(connection: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """The files the objects reader read with lines that are not `plain`, and how many lines
    it read of each."""
    return [
        (row[0], row[1])
        for row in connection.execute(
            "SELECT file_index, count(*) FROM fast_lines JOIN file_index USING (file_index) "
            "WHERE NOT slow GROUP BY file_index HAVING NOT bool_and(plain) ORDER BY file_index"
        ).fetchall()
    ]


def _read_lines(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    index: int,
    file: tuple[Path, str],
    names: Sequence[str],
    lines_read: int,
) -> list[Rejected] | None:
    """The lines of a file that its DuckDB reader (`table`) did not take (not `plain`), read by
    the Python reader: valid events into `slow_lines` under the DuckDB reader's `seq` (the
    line's position among the file's non-blank lines), rejections back with their line numbers.
    One malformed line in a file of millions costs that line's parsing and a scan of the file's
    lines (decompressed, for a .gz), not the parsing of every line. None where the Python
    reader does not see the lines DuckDB read, one for one: it then reads the file whole."""
    path, shown = file
    result = connection.execute(
        f"SELECT l.rowid - f.first_row + 1 FROM {table} l JOIN file_index f USING (file_index) "
        "WHERE l.file_index = ? AND NOT l.plain ORDER BY 1",
        [index],
    )
    # The positions are fetched as the file is read: nothing else may run on the connection
    # until `items` is exhausted (`_write_slow` loads the rows only after that).
    wanted = (
        position for batch in iter(partial(result.fetchmany, 10_000), []) for (position,) in batch
    )
    seen, unread = 0, next(wanted, None)

    def items() -> Iterator[tuple[int, Event | Rejection]]:
        nonlocal seen, unread
        for seen, (number, raw) in enumerate(lines(path), start=1):
            if seen == unread:
                yield index * FILE_STRIDE + seen, read_line(raw, seen, shown, number, True)
                unread = next(wanted, None)

    try:
        return _write_slow(
            connection, items(), names, lambda: seen == lines_read and unread is None
        )
    except UNREADABLE:  # read whole, the file is reported as unreadable
        return None


def _write_slow(
    connection: duckdb.DuckDBPyConnection,
    items: Iterable[tuple[int, Event | Rejection]],
    names: Sequence[str],
    keep: Callable[[], bool] = lambda: True,
) -> list[Rejected] | None:
    """Events read by the Python reader into `slow_lines` under their `seq`, once all are read
    and if `keep()` then holds; the rejections (None where it does not hold)."""
    rejected: list[Rejected] = []
    written = longest = 0
    with tempfile.TemporaryDirectory(prefix="plan-ingest-") as directory:
        path = Path(directory) / "events.jsonl"
        with path.open("wb") as out:
            for seq, item in items:
                if not isinstance(item, Event):
                    rejected.append(
                        Rejected(
                            file=item.file,
                            line=item.line,
                            reason=item.reason,
                            transaction_id=item.transaction_id,
                        )
                    )
                    continue
                written += 1
                row = json.dumps(
                    {
                        "seq": seq,
                        "line": item.text,
                        "transaction_id": item.transaction_id,
                        "customer_id": item.customer_id,
                        "event_type": item.event_type,
                        "timestamp": item.timestamp.replace(tzinfo=None).isoformat(),
                        **{prop_column(i): item.properties.get(n) for i, n in enumerate(names)},
                    },
                    ensure_ascii=False,
                ).encode()
                longest = max(longest, len(row))
                out.write(row + b"\n")
        if not keep():
            return None
        if written:
            _load_slow(connection, path, names, longest)
    return rejected


# DuckDB's JSON reader refuses an object longer than this unless told otherwise (its default).
MAX_OBJECT_SIZE = 16 * 2**20


def _load_slow(
    connection: duckdb.DuckDBPyConnection, path: Path, names: Sequence[str], longest: int
) -> None:
    """Load the rows `_write_slow` wrote, the longest `longest` bytes long: a row holds its
    line's text and the used properties' values again, so an event line DuckDB read whole can
    make a row over DuckDB's default limit."""
    columns = {
        "seq": "BIGINT",
        "line": "VARCHAR",
        "transaction_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "event_type": "VARCHAR",
        "timestamp": "TIMESTAMP",
        **{prop_column(i): "VARCHAR" for i in range(len(names))},
    }
    struct = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    content = content_key(exp.column("line")).sql(dialect=DIALECT)
    connection.execute(
        f"INSERT INTO slow_lines SELECT seq, transaction_id, customer_id, event_type, "
        f"timestamp{_columns(names)}, {content} FROM read_json(?, format='newline_delimited', "
        f"columns={struct}, maximum_object_size={max(MAX_OBJECT_SIZE, longest + 1)})",
        [str(path)],
    )
