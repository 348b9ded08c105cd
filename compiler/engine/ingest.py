"""Ingestion: event files into DuckDB, every line accounted for, numbers exact.

Two ways in, one result. A file is first read by DuckDB (`read_json_objects`, which keeps each
line's verbatim JSON text) and the fields and properties the plan needs are extracted in SQL.
JSON numbers need care: DuckDB parses them as doubles, so a number with a fraction is taken from
the line's own text and kept only when it agrees with DuckDB's value; integers are exact as
parsed. A file in which any line is malformed or unusual (an exponent, a nested value, an odd
date-time) is read by the Python reader (`events.parse_event`) instead: it is the reference,
and gives each rejection its reason and line number. Both ways fill the same table `parsed`,
ordered by `seq` (file, then position in the file).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from compiler.engine.events import Event, read_events
from compiler.engine.invoice import Rejected
from compiler.engine.store import execute_long


@dataclass(frozen=True)
class Ingested:
    read: int
    rejected: list[Rejected]


FILE_STRIDE = 1 << 40  # seq = file index × stride + position in the file
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})"
FIELDS = ("transaction_id", "customer_id", "event_type", "timestamp")
DIALECT = "duckdb"


def prop_column(i: int) -> str:
    return f"p_{i}"


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


def _trailing_comma(line: exp.Expr) -> exp.Expr:
    """Whether a comma may close an object or array in the line: DuckDB's JSON parser allows
    that, JSON (and the Python reader) does not. A string holding `,}` is a false alarm, which
    only sends the file to the Python reader."""
    return exp.func("regexp_matches", line, _string(r",[ \t\n\r]*[}\]]"))


# Paths whose JSON types are read from every line (one parse), and those whose texts are (a
# second): the line itself and `properties` are only type-checked, never copied out.
ROOT_PATHS = [(), *[(f,) for f in FIELDS], ("properties",)]
TEXT_ROOT_PATHS = [(f,) for f in FIELDS]


def _item(column: str, index: int) -> exp.Expr:
    """`column[index]` of the per-line lists (1-based, as DuckDB lists are)."""
    return _call("list_extract", exp.column(column), exp.Literal.number(index + 1))


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
    ).from_(
        exp.Table(
            this=exp.func(
                "read_json_objects",
                exp.Placeholder(),
                exp.EQ(this=exp.column("format"), expression=_string("newline_delimited")),
                exp.EQ(this=exp.column("ignore_errors"), expression=exp.true()),
                exp.EQ(this=exp.column("filename"), expression=exp.true()),
            )
        )
    )
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
    plain = exp.func(
        "coalesce",
        exp.and_(
            kind(()).eq(_string("OBJECT")),
            *[kind((f,)).eq(_string("VARCHAR")) for f in FIELDS],
            exp.func("length", texts["transaction_id"]).between(
                exp.Literal.number(1), exp.Literal.number(128)
            ),
            exp.func("length", texts["customer_id"]) > exp.Literal.number(0),
            exp.func("length", texts["event_type"]) > exp.Literal.number(0),
            exp.func("regexp_full_match", texts["timestamp"], _string(TIMESTAMP_PATTERN)),
            exp.not_(exp.func("starts_with", texts["timestamp"], _string("0000"))),
            exp.or_(
                kind(("properties",)).is_(exp.null()),
                kind(("properties",)).isin(_string("OBJECT"), _string("NULL")),
            ),
            *[exp.not_(d) for d in doubts],
            exp.not_(_trailing_comma(line)),
        ),
        exp.false(),
    )
    timestamp = exp.cast(exp.cast(texts["timestamp"], "TIMESTAMPTZ"), "TIMESTAMP")
    file_index = _call(
        "list_extract",
        exp.Array(expressions=[exp.Literal.number(i) for i, _ in files]),
        _call(
            "list_position",
            exp.Array(expressions=[_string(str(path)) for _, path in files]),
            exp.column("filename"),
        ),
    )
    query = exp.select(
        file_index.as_("file_index"),
        plain.as_("plain"),
        texts["transaction_id"].as_("transaction_id"),
        texts["customer_id"].as_("customer_id"),
        texts["event_type"].as_("event_type"),
        exp.Case(ifs=[exp.If(this=plain, true=timestamp)]).as_("timestamp"),
        *[value.as_(prop_column(i)) for i, value in enumerate(values)],
        content_key(line).as_("content"),
    ).from_(parsed.subquery("lines"))
    return query.sql(dialect=DIALECT)


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
) -> Ingested:
    """Create the view `parsed` over `files`: one row per valid event, ordered by `seq`."""
    props = "".join(f", {prop_column(i)} VARCHAR" for i in range(len(names)))
    connection.execute(
        "CREATE TEMP TABLE slow_lines (seq BIGINT, transaction_id VARCHAR, customer_id VARCHAR, "
        f"event_type VARCHAR, timestamp TIMESTAMP{props}, content UBIGINT)"
    )
    connection.execute("CREATE TEMP TABLE file_index (filename VARCHAR, file_index BIGINT)")
    parquet = [
        (i, path)
        for i, (path, _) in enumerate(files)
        if path.suffix == ".parquet" and path.is_file()
    ]
    # DuckDB reads a path once, and expands glob characters: a file given again, or one whose
    # name holds *?[{, is read by the Python reader instead (each occurrence counts).
    seen: set[Path] = set()
    slow = set()
    for i, (path, _) in enumerate(files):
        if not path.is_file() or (
            path.suffix != ".parquet"
            and (path.resolve() in seen or any(c in str(path) for c in "*?[{"))
        ):
            slow.add(i)
        seen.add(path.resolve())
    readable = [
        (i, path)
        for i, (path, _) in enumerate(files)
        if path.suffix != ".parquet" and i not in slow
    ]
    slow |= _read_fast(connection, readable, names)
    read, rejected = _read_parquet(connection, parquet, files, names) if parquet else (0, [])
    for i in sorted(slow):
        count, problems = _read_slow(connection, i, files[i], names)
        read += count
        rejected.extend(problems)
    from_parquet = ""
    if parquet:
        from_parquet = f"""UNION ALL
        SELECT f.file_index * {FILE_STRIDE} + r.row, r.transaction_id, r.customer_id,
               r.event_type, r.timestamp{_columns(names, "r")}, r.content
        FROM parquet_rows r JOIN file_index f USING (filename) WHERE r.reason IS NULL"""
    connection.execute(
        f"""CREATE TEMP VIEW parsed AS
        SELECT f.file_index * {FILE_STRIDE} + l.rowid - f.first_row + 1 AS seq,
               l.transaction_id, l.customer_id,
               l.event_type, l.timestamp{_columns(names, "l")}, l.content
        FROM fast_lines l JOIN file_index f USING (file_index)
        WHERE NOT f.slow
        UNION ALL
        SELECT * FROM slow_lines
        {from_parquet}"""
    )
    fast_read = connection.execute(
        "SELECT count(*) FROM fast_lines JOIN file_index USING (file_index) WHERE NOT slow"
    ).fetchone()
    # Only the reading above needed rows kept in order (a file's rowids number its lines);
    # from here on `seq` orders whatever must be ordered, and DuckDB may stream and spill more
    # freely without keeping insertion order.
    connection.execute("SET preserve_insertion_order = false")
    order = {shown: i for i, (_, shown) in enumerate(files)}
    rejected.sort(key=lambda r: (order.get(r.file, len(files)), r.line))
    return Ingested(read + (fast_read[0] if fast_read else 0), rejected)


def _read_fast(
    connection: duckdb.DuckDBPyConnection, files: Sequence[tuple[int, Path]], names: Sequence[str]
) -> set[int]:
    """Read files in DuckDB into `fast_lines`; the indexes of files that need Python."""
    connection.execute("ALTER TABLE file_index ADD COLUMN slow BOOLEAN DEFAULT false")
    connection.execute("ALTER TABLE file_index ADD COLUMN first_row BIGINT DEFAULT 0")
    props = "".join(f", {prop_column(i)} VARCHAR" for i in range(len(names)))
    # A table of the store's own database, not a TEMP one: when the events are too many to
    # hold in memory the store is a database file (store.held_in_memory), and DuckDB writes a
    # bulk insert there compressed (dictionaries for the few event types, customers and
    # models), where a temporary table is kept, and spilled past the memory limit, as raw
    # vectors. At 10M events every later pass over the events then reads far less (measured:
    # the accounting groups 2.3 s -> 1.6 s, the usage query 4-5 s -> 2.4 s).
    connection.execute(
        "CREATE TABLE fast_lines (file_index BIGINT, plain BOOLEAN, transaction_id VARCHAR, "
        f"customer_id VARCHAR, event_type VARCHAR, timestamp TIMESTAMP{props}, content UBIGINT)"
    )
    if not files:
        return set()
    try:
        execute_long(
            connection,
            "reading events",
            f"INSERT INTO fast_lines {fast_query(names, files)}",
            [[str(path) for _, path in files]],
        )
    except duckdb.Error:
        connection.execute("DELETE FROM fast_lines")
        return {i for i, _ in files}  # unreadable as a whole (e.g. a broken .gz): go slow
    if files:
        connection.executemany(
            "INSERT INTO file_index VALUES (?, ?, false, 0)", [(str(path), i) for i, path in files]
        )
    # seq counts event lines within each file: position = rowid - the file's first rowid + 1
    connection.execute(
        "UPDATE file_index SET first_row = m.first_row FROM (SELECT file_index, min(rowid) AS "
        "first_row FROM fast_lines GROUP BY file_index) m "
        "WHERE file_index.file_index = m.file_index"
    )
    connection.execute(
        "UPDATE file_index SET slow = true WHERE file_index IN "
        "(SELECT DISTINCT file_index FROM fast_lines WHERE NOT plain)"
    )
    rows = connection.execute("SELECT file_index FROM file_index WHERE slow").fetchall()
    return {row[0] for row in rows}


def _read_slow(
    connection: duckdb.DuckDBPyConnection,
    index: int,
    file: tuple[Path, str],
    names: Sequence[str],
) -> tuple[int, list[Rejected]]:
    """Read one file line by line in Python: valid events into `slow_lines`, rejections back."""
    rejected: list[Rejected] = []
    count, written = 0, 0
    with tempfile.TemporaryDirectory(prefix="plan-ingest-") as directory:
        path = Path(directory) / "events.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for item in read_events([file], keep_text=True):
                count += 1
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
                out.write(
                    json.dumps(
                        {
                            "seq": index * FILE_STRIDE + item.line,
                            "line": item.text,
                            "transaction_id": item.transaction_id,
                            "customer_id": item.customer_id,
                            "event_type": item.event_type,
                            "timestamp": item.timestamp.replace(tzinfo=None).isoformat(),
                            **{prop_column(i): item.properties.get(n) for i, n in enumerate(names)},
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        if written:
            _load_slow(connection, path, names)
    return count, rejected


def _load_slow(connection: duckdb.DuckDBPyConnection, path: Path, names: Sequence[str]) -> None:
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
        f"columns={struct})",
        [str(path)],
    )


PARQUET_COLUMNS = (
    "transaction_id, customer_id, event_type, timestamp, properties MAP(VARCHAR, *) or STRUCT"
)


def _unreadable(exc: duckdb.Error) -> EventFileError:
    return EventFileError(
        f"cannot read Parquet events ({str(exc).splitlines()[0]}); expected columns "
        f"{PARQUET_COLUMNS}"
    )


def _struct_fields(
    connection: duckdb.DuckDBPyConnection, paths: list[list[str]]
) -> set[str] | None:
    """The field names of the files' `properties` where it is a STRUCT (what Spark and most
    writers make of a JSON object); None where it is a MAP."""
    described = connection.execute(
        "SELECT column_type FROM (DESCRIBE SELECT properties FROM read_parquet(?))", paths
    ).fetchone()
    if described is None or not str(described[0]).startswith("STRUCT("):
        return None
    return {
        str(row[0])
        for row in connection.execute(
            "SELECT column_name FROM (DESCRIBE SELECT properties.* FROM read_parquet(?))", paths
        ).fetchall()
    }


def _property(name: str, fields: set[str] | None) -> str:
    """SQL for property `name` of a row: a MAP entry, a STRUCT field, or NULL for a field the
    STRUCT does not have (every row lacks that property)."""
    if fields is None:
        return f"properties[{exp.Literal.string(name).sql(dialect=DIALECT)}]"
    if name not in fields:
        return "NULL"
    return f"struct_extract(properties, {exp.Literal.string(name).sql(dialect=DIALECT)})"


def _read_parquet(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[int, Path]],
    shown: Sequence[tuple[Path, str]],
    names: Sequence[str],
) -> tuple[int, list[Rejected]]:
    """Parquet files into `parquet_rows`, which the view `parsed` reads where `reason` is NULL:
    typed columns, so no number passes through text; rows checked in SQL.

    Columns: transaction_id, customer_id, event_type (strings), timestamp (a timestamp, or an
    RFC 3339 string), properties (a MAP from names to values, or a STRUCT with a field per
    name; values read as their text).
    """
    index = {str(path): i for i, path in files}
    paths = [[str(path) for _, path in files]]
    try:
        fields = _struct_fields(connection, paths)
    except duckdb.Error as exc:
        raise _unreadable(exc) from exc
    props = "".join(
        f", CAST({_property(n, fields)} AS VARCHAR) AS p_{i}" for i, n in enumerate(names)
    )
    moment = "TRY_CAST(CAST(TRY_CAST(timestamp AS VARCHAR) AS TIMESTAMPTZ) AS TIMESTAMP)"
    reason = f"""CASE
        WHEN transaction_id IS NULL OR length(transaction_id) NOT BETWEEN 1 AND 128
            THEN 'transaction_id must be a string of 1 to 128 characters'
        WHEN customer_id IS NULL OR customer_id = ''
            THEN 'customer_id is required and must be a non-empty string'
        WHEN event_type IS NULL OR event_type = ''
            THEN 'event_type is required and must be a non-empty string'
        WHEN {moment} IS NULL THEN 'invalid timestamp' END"""
    try:
        connection.execute(
            f"""CREATE TEMP TABLE parquet_rows AS
            SELECT filename, file_row_number + 1 AS row, {reason} AS reason,
                   transaction_id, customer_id, event_type, {moment} AS timestamp{props},
                   hash(customer_id, event_type, {moment}, properties) AS content
            FROM read_parquet(?, filename = true, file_row_number = true)""",
            paths,
        )
    except duckdb.Error as exc:
        raise _unreadable(exc) from exc
    # numbered by row already, as the Python reader numbers lines: `slow` for conflict positions
    connection.executemany("INSERT INTO file_index VALUES (?, ?, true, 0)", list(index.items()))
    rejected = [
        Rejected(file=shown[index[file]][1], line=row, reason=why, transaction_id=txid)
        for file, row, why, txid in connection.execute(
            "SELECT filename, row, reason, transaction_id FROM parquet_rows "
            "WHERE reason IS NOT NULL ORDER BY filename, row"
        ).fetchall()
    ]
    count = connection.execute("SELECT count(*) FROM parquet_rows").fetchone()
    return (count[0] if count else 0), rejected


class EventFileError(Exception):
    """Event files that cannot be read at all: the files' problem, not a line's."""
