"""The two ways in (compiler/engine/ingest.py) give one result: DuckDB's reading of a file, where
it takes the file, equals the Python reader's (events.parse_event, the reference).

These tests generate lines with every kind of value (escaped strings, strings that look like
numbers, big integers, fractions beyond a double's precision, exponents, booleans, nulls, nested
values, `properties` that is not an object) and compare the rows both readers produce. They
found that `0E-12` was read as "0" by DuckDB and as 0.000000000000 by Python.
"""

from __future__ import annotations

import gzip
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import compiler.engine.ingest as ingest_module
from compiler.engine.ingest import ingest
from compiler.engine.store import EventStore

NAMES = ["tokens", "model", "0"]  # "0" is found by a JSON pointer in an array too
# Which reader took the file in the last reading that started from each reader: "typed"
# (DuckDB's typed JSON reader), "objects" (DuckDB's reader of the lines' text) or "python" (the
# Python reader read the file, or the lines of it that the objects reader left).
TAKEN_BY: dict[str, str] = {}


def read_rows(lines: list[str], start: str = "typed") -> tuple[list[Any], list[Any], int]:
    """The rows of view `parsed` (`seq` as the row's place in order) with their content keys
    (view `contents`), the rejections and the count read, for a file of `lines`, read by the
    first reader that takes it from `start` on: "typed", then "objects", then "python" (the
    reference). "tolerant" is the typed reader as it reads a file with a few bad lines, made to
    take the file however many lines it leaves to the Python reader."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "events.jsonl"
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        read_fast, read_typed = ingest_module._read_fast, ingest_module._read_typed
        typed_query, share = ingest_module.typed_query, ingest_module.PYTHON_SHARE
        if start == "python":

            def python_only(connection: Any, files: Any, names: Any, slow: set[int]) -> Any:
                slow.update(i for i, _ in files)
                return read_fast(connection, [], names, slow)

            ingest_module._read_fast = python_only
        if start == "objects":
            ingest_module._read_typed = lambda connection, files, names: (set(), [])
        if start == "tolerant":
            ingest_module.PYTHON_SHARE = 1
            ingest_module.typed_query = lambda names, files, _: typed_query(names, files, True)
        try:
            with EventStore("256MB") as store:
                ingested = ingest(store.connection, [(path, "events.jsonl")], NAMES)
                rows = store.connection.execute(
                    "SELECT p.*, c.content FROM parsed p JOIN contents c USING (seq) ORDER BY seq"
                ).fetchall()
                taken = store.connection.execute(
                    "SELECT typed, slow OR EXISTS (SELECT 1 FROM fast_lines WHERE NOT plain) "
                    "FROM file_index"
                ).fetchone()
                TAKEN_BY[start] = (
                    "python" if taken is None or taken[1] else "typed" if taken[0] else "objects"
                )
        finally:
            ingest_module._read_fast, ingest_module._read_typed = read_fast, read_typed
            ingest_module.typed_query, ingest_module.PYTHON_SHARE = typed_query, share
    rejected = [(r.line, r.reason, r.transaction_id) for r in ingested.rejected]
    # `seq` orders a file's events; its values differ by reader (a line's number, or its place
    # among the non-blank lines), so rows are compared by their place in that order
    return [(place, *row[1:]) for place, row in enumerate(rows, start=1)], rejected, ingested.read


def assert_same(lines: list[str]) -> None:
    """Every reader that takes the file reads it as the reference does, content keys included
    (a duplicate read by one reader is compared with the kept event read by another)."""
    reference = read_rows(lines, "python")
    assert read_rows(lines, "objects") == reference
    assert read_rows(lines, "typed") == reference
    assert read_rows(lines, "tolerant") == reference


json_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=12).map(str),
    st.sampled_from(
        ["12345678901234.565", "0.10000000000000000001", "1e3", "-0.0", "1.50", "7E-2", "-0"]
    ),
)
strings = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1.5", "12", "{", "[x]", 'a"b', "back\\slash", "é", "\u2028", "null", "true"]),
)
values = st.one_of(
    strings.map(json.dumps),
    json_numbers,
    st.sampled_from(["true", "false", "null", "{}", '{"a": 1}', "[]", "[1, 2]"]),
    # not JSON, though DuckDB's parser takes them
    st.sampled_from(["NaN", "-Infinity", "inf", "[1, nan]"]),
)


@st.composite
def lines(draw: st.DrawFn) -> str:
    properties: str
    shape = draw(st.sampled_from(["object"] * 6 + ["absent", "null", "string", "array", "number"]))
    if shape == "object":
        names = draw(st.lists(st.sampled_from([*NAMES, "other"]), unique=True, max_size=4))
        properties = "{" + ", ".join(f"{json.dumps(n)}: {draw(values)}" for n in names) + "}"
    else:
        properties = {"absent": "", "null": "null", "string": '"x"', "array": "[1, {}]"}.get(
            shape, "5"
        )
    txid = draw(st.one_of(strings.filter(bool).map(json.dumps), st.sampled_from(["7", "null"])))
    fields = {
        "transaction_id": txid,
        "customer_id": json.dumps(draw(st.sampled_from(["acme", 'é\\"x', ""]))),
        "event_type": json.dumps("request"),
        "timestamp": json.dumps(
            draw(
                st.sampled_from(
                    [
                        "2026-11-10T12:00:00Z",
                        "2026-11-10 12:00:00.5+02:00",
                        "bad",
                        # DuckDB took these (as the next day, a day back, 1 BC), Python does not
                        "2026-11-10T24:00:00Z",
                        "2026-11-10T10:00:00+24:00",
                        "0001-01-01T00:30:00+01:00",
                        # RFC 3339 allows lower case; Python's fromisoformat does not
                        "2026-11-10t12:00:00z",
                    ]
                )
            )
        ),
    }
    body = ", ".join(f'"{k}": {v}' for k, v in fields.items())
    if shape != "absent":
        body += f', "properties": {properties}'
    # what DuckDB's parser forgives and JSON does not (a comma before `}`), and what surrounds a
    # line's JSON (vertical tab and form feed are stripped as DuckDB strips them)
    body += draw(st.sampled_from(["", "", "", ",", " , "]))
    around = st.sampled_from(["", "", " ", "\t", "\v", "\f", "\r"])
    return draw(around) + "{" + body + "}" + draw(around)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=6))
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 12345678901234.565}}'
    ]
)
@example(
    [
        '{"transaction_id": "a\\u00e9\\"", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"model": "x\\\\y", "tokens": 1}}'
    ]
)
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": ["zero"]}'
    ]
)
@example(
    [
        '{"transaction_id": "0", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 0E-12, "model": 5E0}}'
    ]
)
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 5},}'
    ]
)
@example(
    [
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": -0, "model": -0.0}}'
    ]
)
@example(["\f", '\v{"transaction_id": "a"}\f'])
def test_duckdb_reads_a_file_as_the_python_reader_does(generated: list[str]) -> None:
    assert_same(generated)


@pytest.mark.parametrize(
    ("line", "accepted"),
    [
        # a trailing comma is not JSON: DuckDB's parser took the line, the Python reader did not
        (
            '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": [1, 2,]}}',
            False,
        ),
        (
            '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10T12:00:00Z" , }',
            False,
        ),
        # an unpaired surrogate escape: DuckDB refuses the line, the Python reader crashed on it
        (
            '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10T12:00:00Z", "properties": {"unused": ["\\ud800"]}}',
            False,
        ),
        (
            '{"transaction_id": "a\\uDC00\\uD83D", "customer_id": "acme", '
            '"event_type": "request", "timestamp": "2026-11-10T12:00:00Z"}',
            False,
        ),
        # a pair is one character, 😀
        (
            '{"transaction_id": "a\\ud83d\\ude00", "customer_id": "acme", '
            '"event_type": "request", "timestamp": "2026-11-10T12:00:00Z"}',
            True,
        ),
        # vertical tab and form feed around a line: DuckDB strips them, the Python reader did not
        (
            '\f{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10T12:00:00Z"}\v',
            True,
        ),
    ],
)
def test_what_json_does_not_allow_is_rejected_and_what_surrounds_it_is_stripped(
    line: str, accepted: bool
) -> None:
    """Found comparing the readers: whether such a line was an event depended on whether
    another line of its file sent the file to the Python reader."""
    assert_same([line, "\f"])
    rows, rejected, read = read_rows([line, "\f"])
    assert read == 1  # a line of only a form feed is blank, as DuckDB sees it
    assert (len(rows), len(rejected)) == ((1, 0) if accepted else (0, 1))


def test_a_negative_zero_is_zero() -> None:
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": -0, "model": -0.00}}'
    )
    assert_same([line])
    (row,) = read_rows([line])[0]
    assert (row[5], row[6]) == ("0", "0.00")  # columns p_0 (tokens), p_1 (model)


@pytest.mark.parametrize(
    "properties",
    ['"x"', "5", "[1]", "true", "null", "{}", '{"other": 1}'],
)
def test_properties_that_hold_none_of_the_names_are_still_type_checked(properties: str) -> None:
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {properties}}}'
    )
    assert_same([line])
    fast = read_rows([line])
    # an object or null is an event; anything else is rejected by both
    assert bool(fast[0]) == (properties in ("null", "{}", '{"other": 1}'))


def test_plain_lines_are_read_by_duckdb_exactly() -> None:
    """The comparisons above mean something only if DuckDB takes ordinary files: escaped
    strings, fractions beyond a double and big integers included."""
    lines = [
        '{"transaction_id": "a\\u00e9\\"", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", '
        '"properties": {"model": "x\\\\y", "tokens": 12345678901234.565}}',
        '{"transaction_id": "b", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 123456789012345678901234}}',
    ]
    rows, rejected, read = read_rows(lines, "objects")
    assert TAKEN_BY["objects"] == "objects" and not rejected and read == 2
    assert (rows[0][1], rows[0][6], rows[0][5]) == ('aé"', "x\\y", "12345678901234.565")
    assert rows[1][5] == "123456789012345678901234"
    assert (rows, rejected, read) == read_rows(lines, "python")


plain_values = st.one_of(
    strings.map(json.dumps),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    # fractions a double holds exactly enough for DuckDB's reading to be kept
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["true", "false", "null"]),
)


@st.composite
def plain_lines(draw: st.DrawFn) -> str:
    """Lines DuckDB's reading keeps: valid fields, an object of flat properties."""
    names = draw(st.lists(st.sampled_from([*NAMES, "other"]), unique=True, max_size=4))
    properties = "{" + ", ".join(f"{json.dumps(n)}: {draw(plain_values)}" for n in names) + "}"
    txid = json.dumps(draw(st.text(min_size=1, max_size=12)))
    customer = json.dumps(draw(st.sampled_from(["acme", 'é\\"x', "a b"])))
    return (
        f'{{"transaction_id": {txid}, "customer_id": {customer}, "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {properties}}}'
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_lines(), min_size=1, max_size=6))
def test_duckdb_reads_plain_files_itself_and_as_the_python_reader_does(
    generated: list[str],
) -> None:
    """The test above mostly sends files to the Python reader (one unusual line is enough);
    here every file is DuckDB's, so its own reading is what is compared."""
    reference = read_rows(generated, "python")
    assert read_rows(generated, "objects") == reference
    assert TAKEN_BY["objects"] == "objects"
    assert read_rows(generated, "typed") == reference


def false_alarm(text: str) -> bool:
    """A string the typed reader's checks take for something else (ingest.DOUBTFUL_PROPERTY, or
    a comma before a closing bracket or NaN): read by the objects reader, rightly, not here."""
    return bool(
        re.search(ingest_module.DOUBTFUL_PROPERTY, text)
        or re.search(ingest_module.AFTER_COMMA, json.dumps(text))
    )


typed_values = st.one_of(
    strings.filter(lambda text: not false_alarm(text)).map(
        lambda text: json.dumps(text, ensure_ascii=False)
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["true", "false", "null", "-0"]),
)


@st.composite
def typed_lines(draw: st.DrawFn) -> str:
    """Lines the typed reader keeps: fields that are strings without escapes, flat properties
    that are strings (escapes allowed there), integers, booleans or nulls."""
    names = draw(st.lists(st.sampled_from([*NAMES, "other"]), unique=True, max_size=4))
    properties = "{" + ", ".join(f"{json.dumps(n)}: {draw(typed_values)}" for n in names) + "}"
    unescaped = st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'),
        min_size=1,
        max_size=12,
    ).filter(lambda text: not false_alarm(text))
    txid = json.dumps(draw(unescaped), ensure_ascii=False)
    customer = json.dumps(draw(st.sampled_from(["acme", "é x", "12"])), ensure_ascii=False)
    moment = draw(st.sampled_from(["2026-11-10T12:00:00Z", "2026-11-10 23:59:59.123456-05:30"]))
    shape = draw(st.sampled_from(["object", "absent", "null"]))
    tail = {"object": f', "properties": {properties}', "absent": "", "null": ', "properties": null'}
    return (
        f'{{"transaction_id": {txid}, "customer_id": {customer}, "event_type": "request", '
        f'"timestamp": "{moment}"{tail[shape]}}}'
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(typed_lines(), min_size=1, max_size=6))
def test_the_typed_reader_takes_plain_files_and_reads_them_as_the_python_reader_does(
    generated: list[str],
) -> None:
    reference = read_rows(generated, "python")
    assert read_rows(generated, "typed") == reference
    assert TAKEN_BY["typed"] == "typed"


@pytest.mark.parametrize(
    ("change", "taken_by"),
    [
        ('"tokens": 5', "typed"),
        ('"tokens": 1.5', "objects"),  # a double's text is not the line's
        ('"other": 1.5', "typed"),  # an unused property is not read
        ('"tokens": "1.5"', "objects"),  # a string that looks like one: a false alarm
        ('"model": {"a": 1}', "python"),  # nested: the reference's JSON text is sorted
        ('"tokens": NaN', "python"),  # not JSON
        ('"other": -infinity', "python"),  # not JSON, though the property is not used
        ('"other": [1, Inf]', "python"),
        # the name escaped: the lines pass misses it, the typed reader's own check does not
        # (and the objects reader cannot find the number's text)
        ('"\\u0074okens": 1.5', "python"),
        ('"tokens": 5,', "python"),  # a trailing comma
    ],
)
def test_each_reader_takes_what_it_reads_exactly(change: str, taken_by: str) -> None:
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {{{change}}}}}'
    )
    assert_same([line])
    read_rows([line])
    assert TAKEN_BY["typed"] == taken_by


@pytest.mark.parametrize(
    "field",
    ['"transaction_id": 7', '"transaction_id": "a\\"b"', '"customer_id": true'],
)
def test_fields_that_are_not_plain_strings_leave_the_typed_reader(field: str) -> None:
    """A number and a string read as VARCHAR are alike; the typed reader reads the fields as
    JSON, so a number is told by its missing quote (and an escaped string is left alone)."""
    fields = {"transaction_id": '"a"', "customer_id": '"acme"'}
    name, value = field.split(": ", 1)
    fields[name.strip('"')] = value
    line = (
        f'{{"transaction_id": {fields["transaction_id"]}, "customer_id": {fields["customer_id"]}, '
        '"event_type": "request", "timestamp": "2026-11-10T12:00:00Z"}'
    )
    assert_same([line])
    read_rows([line])
    assert TAKEN_BY["typed"] != "typed"


def test_a_reader_error_cut_inside_a_character_falls_back_instead_of_crashing() -> None:
    """DuckDB quotes 50 bytes of the object in a transform error; cut inside a multi-byte
    character, the message raised UnicodeDecodeError, which stopped the whole replay (found
    in review)."""
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 1, "tokens": "'
        + "é" * 30
        + '"}}'
    )
    assert_same([line])


GOOD = (
    '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
    '"timestamp": "2026-11-10T12:00:00Z", "properties": {"tokens": 5}}'
)


def ingest_files(paths: list[Path]) -> tuple[list[Any], list[Any], int]:
    """Transaction IDs of the events read from `paths`, the rejections, and the count read."""
    with EventStore("256MB") as store:
        ingested = ingest(store.connection, [(p, p.name) for p in paths], NAMES)
        ids = store.connection.execute("SELECT transaction_id FROM parsed ORDER BY seq").fetchall()
    rejected = [(r.file, r.line, r.reason) for r in ingested.rejected]
    return [i for (i,) in ids], rejected, ingested.read


@pytest.mark.parametrize("bad_line", [False, True])
def test_a_gz_suffix_in_any_case_is_gzip_for_every_reader(tmp_path: Path, bad_line: bool) -> None:
    """DuckDB decompresses `.GZ` as `.gz`; the Python reader (which takes a file with a bad
    line) read it as raw bytes, so every line of it was rejected."""
    lines = [GOOD, "not json"] if bad_line else [GOOD]
    path = tmp_path / "events.JSONL.GZ"
    path.write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode()))
    ids, rejected, read = ingest_files([path])
    assert ids == ["a"]
    assert [(line, reason) for _, line, reason in rejected] == (
        [(2, "invalid JSON: Expecting value")] if bad_line else []
    )
    assert read == len(lines)


@pytest.mark.parametrize("bad_line", [False, True])
def test_a_zstd_file_is_refused_by_every_reader(tmp_path: Path, bad_line: bool) -> None:
    """DuckDB reads `.zst` as zstd, the Python reader cannot: a file's events depended on
    whether one of its lines sent it to the Python reader. Both refuse it now."""
    path = tmp_path / "events.jsonl.zst"
    rows = [GOOD, "not json"] if bad_line else [GOOD]
    with duckdb.connect() as connection:
        connection.execute(
            "COPY (SELECT unnest(?::VARCHAR[]) AS line) TO ? "
            "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', COMPRESSION zstd)",
            [rows, str(path)],
        )
        # a real zstd file, which DuckDB alone would read
        assert not path.read_bytes().startswith(b"{")
        read_alone = connection.execute(
            "SELECT json FROM read_json_objects(?, ignore_errors = true)", [str(path)]
        ).fetchall()
        assert read_alone[0] == (GOOD,)
    ids, rejected, read = ingest_files([path])
    assert ids == []
    assert rejected == [
        (
            "events.jsonl.zst",
            0,
            "events file is unreadable: zstd-compressed files are not supported; "
            "use .gz or plain JSON Lines",
        )
    ]
    assert read == 1  # the file counts as one invalid entry, at line 0


@pytest.mark.parametrize(
    ("nested", "accepted"),
    [
        # the event and its properties are two levels: 2 + 510 = 512, as deep as allowed
        ("[" * 510 + "]" * 510, True),
        ("[" * 511 + "]" * 511, False),
        ('{"a":' * 600 + "1" + "}" * 600, False),
        ('"' + "[" * 600 + '"', True),  # brackets in a string are text
        ("[" * 3000 + "]" * 3000, False),  # Python's own parser gave up near 1,000 levels
    ],
    ids=["512-levels", "513-levels", "objects", "in-a-string", "3002-levels"],
)
def test_json_nested_too_deep_is_refused_by_every_reader(nested: str, accepted: bool) -> None:
    """DuckDB read a property nested thousands of levels deep (even one no metric uses); the
    Python reader failed at a depth that depended on its stack. Both stop at 512 levels."""
    line = (
        '{"transaction_id": "a", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {{"unused": {nested}}}}}'
    )
    assert_same([line])
    rows, rejected, _ = read_rows([line])
    assert (len(rows), len(rejected)) == ((1, 0) if accepted else (0, 1))
    if not accepted:
        assert rejected[0][1] == "invalid JSON: nested more than 512 levels deep"


def event_line(txid: str, tokens: str = "5") -> str:
    return (
        f'{{"transaction_id": "{txid}", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "2026-11-10T12:00:00Z", "properties": {{"tokens": {tokens}}}}}'
    )


def test_a_number_written_out_is_kept_as_written_by_every_reader() -> None:
    """A number with 1,500 zeros written out keeps its text whichever reader takes its line
    (a line with a 7-digit fraction of a second goes to the Python reader): the Python reader
    made it 1E-1501, the others kept it as written, and one value had two texts (found in
    review)."""
    long = "0." + "0" * 1500 + "1"
    lines = [event_line("a", long), event_line("b", long).replace(":00Z", ":00.1234567Z")]
    assert_same(lines)
    rows, rejected, read = read_rows(lines)
    assert (len(rows), rejected, read) == (2, [], 2)


MIXED = [
    event_line("a"),
    "",  # blank lines are not counted, but they are numbered
    "not json",  # line 3
    event_line("b", "1e3"),  # an exponent: the objects reader leaves it, Python reads 1000
    event_line("c"),
    "   ",
    event_line("a", "6"),  # line 7: the ID of line 1, other content
    '{"transaction_id": "d"}',  # line 8
]


def lines_python_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The numbers of the lines the Python reader parses from here on, as they are parsed."""
    parsed: list[int] = []
    read_line = ingest_module.read_line

    def counting(raw: bytes, seq: int, file: str, line: int, keep_text: bool = False) -> Any:
        parsed.append(line)
        return read_line(raw, seq, file, line, keep_text)

    monkeypatch.setattr(ingest_module, "read_line", counting)
    return parsed


def test_only_the_lines_duckdb_leaves_are_read_by_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """One malformed line in a file of millions used to send the whole file to the Python
    reader (measured: 200,000 events, 1.96 s clean and 5.43 s with one bad line). Now the
    Python reader parses only the lines the objects reader leaves, with the same result."""
    parsed = lines_python_reads(monkeypatch)
    assert_same(MIXED)
    parsed.clear()
    rows, rejected, read = read_rows(MIXED, "objects")
    assert sorted(set(parsed)) == [3, 4, 8]  # the three lines that are not plain
    assert TAKEN_BY["objects"] == "python"  # in part
    assert read == 6
    assert [(line, reason.split(":")[0]) for line, reason, _ in rejected] == [
        (3, "invalid JSON"),
        (8, "customer_id is required and must be a non-empty string"),
    ]
    assert [(r[1], r[5]) for r in rows] == [("a", "5"), ("b", "1000"), ("c", "5"), ("a", "6")]


def test_a_conflict_between_the_readers_is_placed_by_line(tmp_path: Path) -> None:
    """Line 7 repeats line 1's ID with other content; one is read by DuckDB, the other by
    Python (a property with an exponent), and the conflict names both lines."""
    from compiler.engine.attribution import _Positions

    path = tmp_path / "events.jsonl"
    lines = [event_line("a"), "", "", event_line("x"), "  ", "", event_line("a", "6e0")]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with EventStore("256MB") as store:
        ingest(store.connection, [(path, "events.jsonl")], NAMES)
        seqs = store.connection.execute(
            "SELECT seq FROM parsed WHERE transaction_id = 'a' ORDER BY seq"
        ).fetchall()
        where = _Positions(store.connection, [(path, "events.jsonl")], [s for (s,) in seqs])
        assert [where.of(seq) for (seq,) in seqs] == ["events.jsonl:1", "events.jsonl:7"]


def test_conflicts_are_placed_by_line_in_several_files(tmp_path: Path) -> None:
    """Positions are turned into line numbers by one scan of each file that keeps only the
    numbers asked for: a file of 10M lines was held as a list of them for one conflict."""
    from compiler.engine.attribution import _Positions

    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    lines = [event_line(f"t{i}") for i in range(150)]
    lines[119] = event_line("t5", "6")  # line 120, t5 again with other content
    first.write_text("\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    again = [event_line(f"u{i}") for i in range(150)]
    again[2] = event_line("t7", "8")
    second.write_bytes(gzip.compress(("\n \n" + "\n".join(again)).encode()))
    files = [(first, "a"), (second, "b")]
    with EventStore("256MB") as store:
        ingest(store.connection, files, NAMES)
        seqs = store.connection.execute(
            "SELECT seq FROM parsed WHERE transaction_id IN ('t5', 't7') ORDER BY seq DESC"
        ).fetchall()
        typed = store.connection.execute("SELECT bool_and(typed) FROM file_index").fetchone()
        where = _Positions(store.connection, files, [s for (s,) in seqs])
    assert typed == (True,)
    # the blank first line of a, the two blank ones of b, count as lines
    assert [where.of(seq) for (seq,) in seqs] == ["b:5", "a:121", "a:9", "a:7"]


def test_a_file_whose_lines_python_counts_otherwise_is_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should the Python reader ever see other lines than DuckDB did, the lines' positions
    cannot be trusted: the file is read whole by the Python reader instead."""
    reference = read_rows(MIXED, "python")
    real_lines = ingest_module.lines
    monkeypatch.setattr(ingest_module, "lines", lambda path: list(real_lines(path))[1:])
    assert read_rows(MIXED, "objects") == reference


@pytest.mark.parametrize("bad_line", ["not json", "[1, 2]", "42"])
def test_a_bad_line_leaves_the_other_files_to_the_typed_reader(
    tmp_path: Path, bad_line: str
) -> None:
    """The lines pass stopped at a line DuckDB could not parse, and the typed reader at one that
    is not an object, which sent every file of the reading to the slower objects reader; now
    only that line's file goes."""
    clean, bad = tmp_path / "clean.jsonl", tmp_path / "bad.jsonl"
    clean.write_text(event_line("a") + "\n" + event_line("b") + "\n", encoding="utf-8")
    bad.write_text(event_line("c") + f"\n{bad_line}\n", encoding="utf-8")
    with EventStore("256MB") as store:
        ingested = ingest(store.connection, [(clean, "clean"), (bad, "bad")], NAMES)
        taken = store.connection.execute(
            "SELECT file_index, typed, slow FROM file_index ORDER BY file_index"
        ).fetchall()
        ids = store.connection.execute("SELECT transaction_id FROM parsed ORDER BY seq").fetchall()
    assert taken == [(0, True, False), (1, False, False)]
    assert ids == [("a",), ("b",), ("c",)]
    assert [(r.file, r.line) for r in ingested.rejected] == [("bad", 2)]
    assert ingested.read == 4


# Lines the typed reader leaves to the Python reader in a file it takes: each is its line
# number among 1,000 good ones (blank lines are numbered too) and the reason Python gives, or
# None for a line Python reads as an event.
FEW_BAD = {
    5: ("not json", "invalid JSON"),
    40: ("[1, 2]", "an event is a JSON object"),
    90: (event_line("nan", "NaN"), "invalid JSON"),
    130: (event_line("comma", "5,"), "invalid JSON"),
    170: (event_line("d", "1.5"), None),  # a double's text is not the line's: Python reads it
    # `properties` not an object: a STRUCT would read it as one without the used names
    210: (event_line("e").replace('{"tokens": 5}', "5"), "properties must be a JSON object"),
    250: (  # the same, its key escaped (DuckDB unescapes keys)
        event_line("f").replace('"properties": {"tokens": 5}', '"propertie\\u0073": "x"'),
        "properties must be a JSON object",
    ),
    290: (event_line("g").replace('{"tokens": 5}', "[1]"), "properties must be a JSON object"),
    330: (event_line("t1", "1.5"), None),  # transaction t1 again, other content, for Python
}


def few_bad_lines() -> list[str]:
    lines = [event_line(f"t{i}") for i in range(1000)]
    for number, (line, _) in sorted(FEW_BAD.items()):
        lines.insert(number - 1, line)
    lines.insert(99, "")  # line 100 is blank
    return lines


def test_a_few_bad_lines_leave_the_file_to_the_typed_reader(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A file with any line the typed reader could not be trusted with went to the objects
    reader, which is slower (a replay of 1M events read them in 0.8 s, in 2.3 s with ten bad
    lines). Now the typed reader takes a file in which at most one line in a hundred is bad,
    and the Python reader reads only those lines, as it would have read the whole file."""
    lines = few_bad_lines()
    assert read_rows(lines, "typed") == read_rows(lines, "python")
    parsed = lines_python_reads(monkeypatch)
    path = tmp_path / "events.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with EventStore("256MB") as store:
        ingested = ingest(store.connection, [(path, "events.jsonl")], NAMES)
        taken = store.connection.execute("SELECT typed, slow FROM file_index").fetchall()
        conflicts = store.connection.execute(
            "SELECT count(*), count(DISTINCT c.content) FROM parsed p JOIN contents c USING (seq) "
            "WHERE p.transaction_id = 't1'"
        ).fetchone()
    # the bad lines' numbers are shifted by one past the blank line 100
    bad = sorted(n + (n > 100) for n in FEW_BAD)
    assert taken == [(True, False)]
    assert sorted(parsed) == bad
    assert [(r.line, r.reason.split(":")[0]) for r in ingested.rejected] == [
        (n + (n > 100), reason) for n, (_, reason) in sorted(FEW_BAD.items()) if reason
    ]
    assert ingested.read == 1000 + len(FEW_BAD)
    assert conflicts == (2, 2)  # t1 from the typed reader, its rival from Python's


def test_a_file_the_faster_typed_reading_fails_on_is_read_again_tolerantly(
    tmp_path: Path,
) -> None:
    """`properties` that is not an object is not found by the lines pass; it fails the typed
    reading that reads properties as a STRUCT, which sent the file to the objects reader. The
    tolerant reading now takes it, and the Python reader that line."""
    lines = [event_line(f"t{i}") for i in range(200)]
    lines[50] = event_line("x").replace('{"tokens": 5}', '"5"')
    assert read_rows(lines, "typed") == read_rows(lines, "python")
    assert TAKEN_BY["typed"] == "typed"
    path = tmp_path / "events.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with EventStore("256MB") as store:
        ingested = ingest(store.connection, [(path, "events.jsonl")], NAMES)
    assert [(r.line, r.reason) for r in ingested.rejected] == [
        (51, "properties must be a JSON object")
    ]
    assert ingested.read == 200


def test_more_bad_lines_than_one_in_a_hundred_leave_the_file_to_the_objects_reader() -> None:
    """The Python reader takes about 17 µs a line, the objects reader 0.4-1.2 µs a line more
    than the typed one: a file with many bad lines is cheaper to read by the objects reader."""
    lines = [event_line(f"t{i}") for i in range(100)] + ["not json", "[]"]
    assert read_rows(lines, "typed") == read_rows(lines, "python")
    assert TAKEN_BY["typed"] == "python"  # the objects reader's file, in part


def test_an_event_longer_than_duckdbs_default_limit_is_read_by_python_too(
    tmp_path: Path,
) -> None:
    """The Python reader's rows go back to DuckDB as JSON holding the line and the used
    properties again: an event with a 17 MB property made a row over what DuckDB reads by
    default, and the replay stopped with an internal error (found in review)."""
    big = "x" * (17 * 2**20)
    path = tmp_path / "events.jsonl"
    # an exponent: only the Python reader reads it (as 1000)
    path.write_text(event_line("a", "1e3").replace('"tokens"', f'"model": "{big}", "tokens"'))
    with EventStore("256MB") as store:
        ingested = ingest(store.connection, [(path, "events.jsonl")], NAMES)
        rows = store.connection.execute(
            "SELECT transaction_id, p_0, length(p_1) FROM parsed"  # tokens, model
        ).fetchall()
    assert rows == [("a", "1000", len(big))]
    assert (ingested.read, ingested.rejected) == (1, [])


def test_a_corrupt_gz_file_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    """Flipped bytes inside the compressed data raise zlib.error, which is not an OSError: it
    stopped the replay with an internal error (found in review)."""
    path = tmp_path / "events.jsonl.gz"
    data = bytearray(
        gzip.compress("".join(event_line(f"t{i}") + "\n" for i in range(2000)).encode())
    )
    for i in range(200, 260):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    ids, rejected, read = ingest_files([path])
    assert ids == []
    assert [(line, reason.split(":")[0]) for _, line, reason in rejected] == [
        (0, "events file is unreadable")
    ]
    assert read == 1


def test_depth_is_found_in_one_pass_over_unclosed_strings() -> None:
    """A string with no closing quote used to be searched for again from every quote after it:
    this 80 KB line took 14 s (found in review); it is one pass now."""
    from compiler.engine.events import too_deep

    line = '{"properties": {"x": "' + '\\"' * 40_000 + "[" * 513
    assert not too_deep(line)  # the brackets are inside the (unclosed) string
    assert too_deep('""' * 40_000 + "[" * 513)


@pytest.mark.parametrize(
    "moment",
    [
        "20261110T120000Z",  # ISO 8601 basic format
        "2026-W46-2T12:00:00Z",  # a week date
        "2026-11-10T12:00Z",  # no seconds
        "2026-11-10T12:00:00+0530",  # an offset without its colon
        "2026-11-10T12:00:00+05",  # an offset in hours
        "2026-11-10T12:00:00,5Z",  # a decimal comma
        "2026-11-10T12:00:00+05:99",  # offset minutes past 59 (fromisoformat: +06:39)
        "2026-11-10T12:00:00-24:00",  # an offset of a whole day
    ],
)
def test_timestamps_are_rfc_3339_date_times_for_every_reader(moment: str) -> None:
    """SPEC 3.1 asks for RFC 3339; the Python reader took whatever `fromisoformat` reads, ISO
    8601 forms that RFC 3339 does not allow included, and the other readers leave such a time
    to it."""
    line = event_line("a").replace("2026-11-10T12:00:00Z", moment)
    assert_same([line])
    rows, rejected, read = read_rows([line])
    assert (rows, read) == ([], 1)
    assert rejected == [
        (
            1,
            f"invalid timestamp {moment!r}: timestamp must be an RFC 3339 date-time, "
            "e.g. 2026-11-03T10:00:00Z",
            "a",
        )
    ]


@pytest.mark.parametrize(
    "moment", ["2026-11-10T12:75:00Z", "2026-02-30T12:00:00Z", "2016-12-31T23:59:60Z"]
)
def test_a_time_of_the_right_shape_that_is_no_time_is_left_to_python_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moment: str
) -> None:
    """The objects reader cast such a time strictly: the whole reading failed, and every file
    of it went to the Python reader (found in review). Now only the line does."""
    whole: list[int] = []
    read_slow = ingest_module._read_slow

    def recording(connection: Any, index: int, file: Any, names: Any) -> Any:
        whole.append(index)
        return read_slow(connection, index, file, names)

    monkeypatch.setattr(ingest_module, "_read_slow", recording)
    nested, odd = tmp_path / "nested.jsonl", tmp_path / "odd.jsonl"
    nested.write_text(event_line("a", '{"n": 1}') + "\n", encoding="utf-8")
    odd.write_text(event_line("b") + "\n" + event_line("c").replace(
        "2026-11-10T12:00:00Z", moment) + "\n", encoding="utf-8")  # fmt: skip
    ids, rejected, read = ingest_files([nested, odd])
    assert whole == []
    assert ids == ["a", "b"]
    assert [(file, line) for file, line, _ in rejected] == [("odd.jsonl", 2)]
    assert rejected[0][2].startswith(f"invalid timestamp '{moment}'")
    assert read == 3


def test_transaction_ids_are_found_by_seq_in_every_reader(tmp_path: Path) -> None:
    """ingest.transaction_ids fetches the JSON Lines readers' rows by rowid, not by the view's
    `seq`: it must give the view's transaction ID for every event, wherever its reader put it
    (a typed file's odd line goes to the Python reader's table under the typed reader's seq)."""
    from compiler.engine.ingest import transaction_ids

    lines = [event_line(f"t{i}") for i in range(300)]
    lines[7] = event_line("odd", "1e3")  # an exponent: left to the Python reader
    lines.insert(20, "")  # blank lines shift the line numbers, not the positions
    typed = tmp_path / "typed.jsonl"
    typed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    objects = tmp_path / "objects.jsonl"  # too many odd lines for the typed reader
    objects.write_text(
        "\n".join([event_line("m1"), event_line("m2", "1e3"), event_line("m3")]) + "\n",
        encoding="utf-8",
    )
    again = tmp_path / "again.jsonl"
    again.write_text(event_line("x") + "\n" + event_line("y") + "\n", encoding="utf-8")
    parquet = tmp_path / "rows.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT 'p' || range AS transaction_id, 'acme' AS customer_id, "
            "'request' AS event_type, '2026-11-10T12:00:00Z' AS timestamp, "
            f"MAP {{'tokens': '1'}} AS properties FROM range(5)) TO '{parquet}' (FORMAT parquet)"
        )
    files = [(typed, "typed"), (objects, "objects"), (again, "again"), (again, "twice")]
    files.append((parquet, "p"))
    with EventStore("256MB") as store:
        ingest(store.connection, files, NAMES)
        by_view = dict(
            store.connection.execute("SELECT seq, transaction_id FROM parsed").fetchall()
        )
        assert len(by_view) == 300 + 3 + 2 + 2 + 5
        readers = store.connection.execute(
            "SELECT count(*) FILTER (typed), count(*) FILTER (NOT typed AND NOT slow) "
            "FROM file_index"
        ).fetchone()
        # typed: typed.jsonl and again.jsonl's first reading (its second is Python's); objects:
        # objects.jsonl; the Parquet reader and the Python reader keep `seq` columns
        assert readers == (2, 1)
        assert transaction_ids(store.connection, list(by_view)) == by_view
        assert transaction_ids(store.connection, []) == {}
        some = sorted(by_view)[5:12]  # across the odd line
        assert transaction_ids(store.connection, some) == {s: by_view[s] for s in some}
        with pytest.raises(LookupError, match="no parsed event has seq"):
            transaction_ids(store.connection, [max(by_view) + 1])
