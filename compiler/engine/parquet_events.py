"""Parquet event files (SPEC 4.4) into the table `parquet_rows`, which the view `parsed` reads
where `reason` is NULL: typed columns, so no number passes through text; rows checked in SQL.

Columns: transaction_id, customer_id, event_type (strings), timestamp (a timestamp, or a string
read by the JSON Lines rules), properties (a MAP from names to values, or a STRUCT with a field
per name; values read as their text).

Each file is read with the types it has: files are read in batches of one schema (DuckDB would
cast every file of one `read_parquet` to the first file's types), and a path given twice is
read twice, in different batches, as a JSON Lines file given twice is.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from compiler.engine.events import (
    BAD_TRANSACTION_ID,
    FILE_STRIDE,
    GLOB,
    MAX_TRANSACTION_ID,
    TIMESTAMP_PATTERN,
    in_range_year_sql,
    instant_sql,
    missing_field,
    number_column,
    parse_timestamp,
    prop_column,
    unreadable_file,
)
from compiler.engine.invoice import Rejected

DIALECT = "duckdb"
PARQUET_COLUMNS = (
    "transaction_id, customer_id, event_type, timestamp, properties MAP(VARCHAR, *) or STRUCT"
)
REQUIRED = ("transaction_id", "customer_id", "event_type", "timestamp", "properties")
# The column DuckDB adds with each row's file: named so as not to meet a file's own `filename`
# (DuckDB's `file_row_number` cannot be renamed: a file with such a column is unreadable here).
FILE_COLUMN = "plan_events_file"
# The string fields, whose other types are read as absent, so that each row is rejected with
# the reason a JSON Lines line with a number there gets (BLOB: strings without their UTF8
# annotation, read as the text they hold where it is UTF-8).
TEXT_FIELDS = ("transaction_id", "customer_id", "event_type")
# Why a Parquet row is rejected, by the number `parquet_rows.reason` holds; ODD_TIME marks a
# timestamp string left to the Python reader's rules, PARSED_TIME one they refused (the reason
# is in `odd_rows.why`).
PARQUET_REASONS = (
    BAD_TRANSACTION_ID,
    missing_field("customer_id"),
    missing_field("event_type"),
    missing_field("timestamp"),
    "invalid timestamp",
)
ODD_TIME, PARSED_TIME = 5, 6


def read_parquet_files(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[int, Path]],
    shown: Sequence[tuple[Path, str]],
    names: Sequence[str],
    numeric: Sequence[int],
) -> tuple[int, list[Rejected]]:
    """Read `files` (file index, path) into `parquet_rows`; the rows read, and the rejections.
    Each row's `seq` is its file index × FILE_STRIDE + its row number (from 1). The properties
    of `numeric` (indexes into `names`) also get their number columns (`n_i`).

    A file that cannot be read as a whole (its name, its columns, its bytes) counts as one
    invalid entry at row 0 with the reason, as an unreadable JSON Lines file does, and the
    other files are read (SPEC 3.1: nothing stops the run)."""
    props = "".join(f", {prop_column(i)} VARCHAR" for i in range(len(names)))
    numbers = "".join(f", {number_column(i)} BOOLEAN" for i in numeric)
    # Each row's `seq` and its reason as a number, not the file's name and the text: at 10M
    # events the table outgrows the memory limit and every pass over it reads and writes it
    # back to the spill files, in proportion to its width (measured: a pass of the usage query
    # or the accounting groups 0.5-1 s less).
    connection.execute(
        "CREATE TEMP TABLE parquet_rows (seq BIGINT, reason UTINYINT, transaction_id VARCHAR, "
        f"customer_id VARCHAR, event_type VARCHAR, timestamp TIMESTAMP{props}, content UBIGINT"
        f"{numbers})"
    )
    connection.execute("CREATE TEMP TABLE odd_rows (seq BIGINT, moment TIMESTAMP, why VARCHAR)")
    unreadable: dict[int, str] = {
        i: f"DuckDB would read the name as a pattern ({' '.join(GLOB)}); rename the file"
        for i, path in files
        if any(c in str(path) for c in GLOB)
    }
    readable = [(i, path) for i, path in files if i not in unreadable]
    for schema, batch in _batches(connection, readable, unreadable):
        why = _read_or_why_not(connection, schema, batch, names, numeric)
        if why is not None and len(batch) == 1:
            unreadable[batch[0][0]] = why
        elif why is not None:  # which of them DuckDB cannot read
            for one in batch:
                why = _read_or_why_not(connection, schema, [one], names, numeric)
                if why is not None:
                    unreadable[one[0]] = why
    # numbered by row already, as the Python reader numbers lines: `slow` for conflict positions
    connection.executemany(
        "INSERT INTO file_index (filename, file_index, slow) VALUES (?, ?, true)",
        [(str(path), i) for i, path in files],
    )
    rejected = [
        Rejected(file=shown[i][1], line=0, reason=unreadable_file(why))
        for i, why in sorted(unreadable.items())
    ]
    for seq, why, txid, odd in connection.execute(
        "SELECT r.seq, r.reason, r.transaction_id, o.why FROM parquet_rows r "
        "LEFT JOIN odd_rows o USING (seq) WHERE r.reason IS NOT NULL ORDER BY r.seq"
    ).fetchall():
        index, row = divmod(seq, FILE_STRIDE)
        reason = odd if why == PARSED_TIME else PARQUET_REASONS[why]
        rejected.append(
            Rejected(file=shown[index][1], line=row, reason=reason, transaction_id=txid)
        )
    count = connection.execute("SELECT count(*) FROM parquet_rows").fetchone()
    return (count[0] if count else 0) + len(unreadable), rejected


def _read_or_why_not(
    connection: duckdb.DuckDBPyConnection,
    schema: Schema,
    batch: Sequence[tuple[int, Path]],
    names: Sequence[str],
    numeric: Sequence[int],
) -> str | None:
    """Read `batch` (`_read_batch`); None, or why DuckDB could not, nothing of it then kept
    (its rows, their odd times)."""
    try:
        _read_batch(connection, schema, batch, names, numeric)
    except duckdb.Error as exc:
        why = _first_line(exc)
        indexes = [i for i, _ in batch]
        for table in ("parquet_rows", "odd_rows"):
            connection.execute(
                f"DELETE FROM {table} WHERE seq // {FILE_STRIDE} IN (SELECT unnest(?))", [indexes]
            )
        return why
    return None


def _first_line(exc: duckdb.Error) -> str:
    """The reason a file is unreadable, from DuckDB's error; an error that is the run's, not
    the file's (out of memory, interrupted), is raised again: the file is not to blame, and
    its events must not be lost."""
    if isinstance(exc, NOT_THE_FILES):
        raise exc
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


NOT_THE_FILES = (duckdb.OutOfMemoryException, duckdb.InterruptException)


# A file's columns and their types, as DESCRIBE gives them: {name: type}.
Schema = dict[str, str]


def _batches(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[int, Path]],
    unreadable: dict[int, str],
) -> list[tuple[Schema, list[tuple[int, Path]]]]:
    """`files` in batches that one `read_parquet` reads as they are, with their schema: one
    schema (its columns' names and types) per batch, and no path twice in one. A file whose
    schema cannot be read, or is not one of events, goes to `unreadable` with the reason."""
    batches: list[tuple[Schema, list[tuple[int, Path]]]] = []
    for i, path in files:
        try:
            schema = {
                str(name): str(kind)
                for name, kind, *_ in connection.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
                ).fetchall()
            }
        except duckdb.Error as exc:
            unreadable[i] = _first_line(exc)
            continue
        problem = _not_events(schema)
        if problem is not None:
            unreadable[i] = problem
            continue
        batch = next(
            (b for s, b in batches if s == schema and all(str(p) != str(path) for _, p in b)),
            None,
        )
        if batch is None:
            batches.append((schema, batch := []))
        batch.append((i, path))
    return batches


def _not_events(schema: Schema) -> str | None:
    """Why a file of this schema holds no events this reader can read, or None."""
    missing = [c for c in REQUIRED if c not in schema]
    if missing:
        return f"it lacks the columns {', '.join(missing)}; expected columns {PARQUET_COLUMNS}"
    kind = schema["properties"]
    if not (kind.startswith("STRUCT(") or kind.startswith("MAP(VARCHAR, ")):
        return f"its properties are a {kind}; expected columns {PARQUET_COLUMNS}"
    if "file_row_number" in schema:
        return "it has a column named file_row_number, which DuckDB's reader keeps for itself"
    return None


def _struct_fields(
    connection: duckdb.DuckDBPyConnection, path: str, schema: Schema
) -> Schema | None:
    """The fields of the file's `properties` and their types where it is a STRUCT (what Spark
    and most writers make of a JSON object); None where it is a MAP."""
    if not schema.get("properties", "").startswith("STRUCT("):
        return None
    return {
        str(name): str(kind)
        for name, kind in connection.execute(
            "SELECT column_name, column_type "
            "FROM (DESCRIBE SELECT properties.* FROM read_parquet(?))",
            [path],
        ).fetchall()
    }


# Integer types whose every value is a number by metering.NUMBER_PATTERN's rule (at most 20
# digits): such a field's value is a number where it is present, without a look at its text.
SMALL_INTEGERS = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def always_a_number(kind: str) -> bool:
    """Whether every value of a Parquet field of type `kind` is a number by NUMBER_PATTERN's
    rule: a small integer, or a decimal with at most 20 integer digits and 9 decimal places
    (DuckDB writes its text as `-1.50`, `0.500`)."""
    if kind in SMALL_INTEGERS:
        return True
    decimal = DECIMAL_TYPE.fullmatch(kind)
    if decimal is None:
        return False
    width, scale = int(decimal[1]), int(decimal[2])
    return width - scale <= 20 and scale <= 9


def _number(name: str, fields: Schema | None, properties: str) -> str:
    """SQL for the number column of property `name` (events.number_column): whether the row's
    value is present where every value of its type is a number, else NULL (its text tells).
    The type is the STRUCT field's, or a MAP's (`properties`: the column's type) values'."""
    kind = fields.get(name, "") if fields is not None else _map_values(properties)
    if always_a_number(kind):
        return f"{_property(name, fields)} IS NOT NULL"
    return "CAST(NULL AS BOOLEAN)"


def _map_values(kind: str) -> str:
    """The type of a `MAP(VARCHAR, ...)` column's values; "" for any other type."""
    head = "MAP(VARCHAR, "
    return kind[len(head) : -1] if kind.startswith(head) and kind.endswith(")") else ""


def _property(name: str, fields: Schema | None) -> str:
    """SQL for property `name` of a row: a MAP entry, a STRUCT field, or NULL for a field the
    STRUCT does not have (every row lacks that property)."""
    if fields is None:
        return f"properties[{exp.Literal.string(name).sql(dialect=DIALECT)}]"
    if name not in fields:
        return "NULL"
    return f"struct_extract(properties, {exp.Literal.string(name).sql(dialect=DIALECT)})"


def _read_batch(
    connection: duckdb.DuckDBPyConnection,
    schema: Schema,
    batch: Sequence[tuple[int, Path]],
    names: Sequence[str],
    numeric: Sequence[int],
) -> None:
    """One `read_parquet` of files of one `schema` into `parquet_rows`."""
    fields = _struct_fields(connection, str(batch[0][1]), schema)
    props = "".join(
        f", CAST({_property(n, fields)} AS VARCHAR) AS {prop_column(i)}"
        for i, n in enumerate(names)
    )
    numbers = "".join(
        f", {_number(names[i], fields, schema.get('properties', ''))} AS {number_column(i)}"
        for i in numeric
    )
    # A timestamp typed as one (any precision, with a time zone or taken as UTC) is taken as it
    # is. Any other value is read as text, by the JSON Lines rules: a string, or another type's
    # text (a DATE's 2026-11-10, an epoch number, a TIME, bytes as the text they hold), which
    # those rules reject row by row with their reason (SPEC 3.1: nothing stops the run). DuckDB
    # casts the common shape (TIMESTAMP_PATTERN); every other text (ODD_TIME) is parsed by
    # `parse_timestamp` (`_parse_odd_times`), as a JSON Lines line's is.
    kind = schema.get("timestamp", "")  # none: DuckDB's error, with the columns expected
    text_time = not kind.startswith("TIMESTAMP")
    if text_time:
        common = " AND ".join(
            [
                f"regexp_full_match(timestamp, {_sql_string(TIMESTAMP_PATTERN)})",
                in_range_year_sql("timestamp"),
            ]
        )
        moment = f"CASE WHEN {common} THEN {instant_sql('timestamp')} END"
        missing = "coalesce(timestamp, '') = ''"
    else:
        # an instant in years 0001-9999 UTC, as the JSON Lines rules take one; infinity, a
        # year BC or past 9999 is an invalid timestamp, as its text would be
        cast = "TRY_CAST(CAST(TRY_CAST(timestamp AS VARCHAR) AS TIMESTAMPTZ) AS TIMESTAMP)"
        moment = (
            f"CASE WHEN {cast} BETWEEN TIMESTAMP '0001-01-01' "
            f"AND TIMESTAMP '9999-12-31 23:59:59.999999' THEN {cast} END"
        )
        missing = "timestamp IS NULL"
    reason = f"""CASE
        WHEN transaction_id IS NULL
             OR length(transaction_id) NOT BETWEEN 1 AND {MAX_TRANSACTION_ID} THEN 0
        WHEN customer_id IS NULL OR customer_id = '' THEN 1
        WHEN event_type IS NULL OR event_type = '' THEN 2
        WHEN missing THEN 3
        WHEN moment IS NOT NULL THEN NULL
        WHEN {str(text_time).lower()} THEN {ODD_TIME}
        ELSE 4 END"""
    texts = ", ".join(f"{_text_field(name, schema[name])} AS {name}" for name in TEXT_FIELDS)
    source = f"""SELECT CAST($2[list_position($1, {FILE_COLUMN})] AS BIGINT) * {FILE_STRIDE}
                   + file_row_number + 1 AS seq, file_row_number, {texts}, timestamp, properties
        FROM read_parquet($1, filename = '{FILE_COLUMN}', file_row_number = true)"""
    if text_time and kind not in ("", "VARCHAR"):
        source = f"SELECT * REPLACE (CAST(timestamp AS VARCHAR) AS timestamp) FROM ({source})"
    params: list[Any] = [[str(path) for _, path in batch], [i for i, _ in batch]]
    connection.execute(
        f"""INSERT INTO parquet_rows BY NAME
        SELECT seq, CAST({reason} AS UTINYINT) AS reason, transaction_id, customer_id,
               event_type, moment AS timestamp{props},
               hash(customer_id, event_type, timestamp, properties) AS content{numbers}
        FROM (SELECT *, {moment} AS moment, {missing} AS missing FROM ({source}))""",
        params,
    )
    if text_time:
        _parse_odd_times(connection, source, params)


def _text_field(name: str, kind: str) -> str:
    """SQL for a string field of a row, NULL (rejected as missing) where its type is no
    string's."""
    if kind == "VARCHAR":
        return name
    if kind == "BLOB":
        return f"TRY_CAST({name} AS VARCHAR)"
    return "CAST(NULL AS VARCHAR)"


def _sql_string(text: str) -> str:
    return exp.Literal.string(text).sql(dialect=DIALECT)


def _parse_odd_times(connection: duckdb.DuckDBPyConnection, source: str, params: list[Any]) -> None:
    """Timestamps of the rows just read that are written in a shape other than the common one
    (ODD_TIME), read again from the files and parsed by the Python reader's rules: the instant,
    or the reason a JSON Lines line would get (PARSED_TIME, the text in `odd_rows`). Each
    distinct text is parsed once and goes through a file, not Python's memory."""
    odd = f"SELECT seq FROM parquet_rows WHERE reason = {ODD_TIME}"
    if connection.execute(f"SELECT EXISTS ({odd})").fetchone() != (True,):
        return
    texts = connection.execute(
        f"SELECT DISTINCT CAST(timestamp AS VARCHAR) FROM ({source}) WHERE seq IN ({odd})", params
    )
    with tempfile.TemporaryDirectory(prefix="plan-parquet-") as directory:
        path = Path(directory) / "times.jsonl"
        with path.open("w", encoding="utf-8") as out:
            while batch := texts.fetchmany(10_000):
                for (text,) in batch:
                    try:
                        parsed = {"moment": parse_timestamp(text).replace(tzinfo=None).isoformat()}
                    except ValueError as exc:
                        parsed = {"why": f"invalid timestamp {text!r}: {exc}"}
                    out.write(json.dumps({"text": text, **parsed}, ensure_ascii=False) + "\n")
        connection.execute(
            f"""INSERT INTO odd_rows SELECT s.seq, t.moment, t.why
            FROM ({source}) s JOIN read_json($3, format = 'newline_delimited',
                columns = {{'text': 'VARCHAR', 'moment': 'TIMESTAMP', 'why': 'VARCHAR'}}) t
              ON CAST(s.timestamp AS VARCHAR) = t.text
            WHERE s.seq IN ({odd})""",
            [*params, str(path)],
        )
    connection.execute(
        f"""UPDATE parquet_rows SET timestamp = o.moment,
               reason = CASE WHEN o.moment IS NULL THEN {PARSED_TIME} END
        FROM odd_rows o WHERE parquet_rows.seq = o.seq AND parquet_rows.reason = {ODD_TIME}"""
    )
    connection.execute("DELETE FROM odd_rows WHERE why IS NULL")  # kept: the reasons
