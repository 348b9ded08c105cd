"""Mutated valid packages: every outcome is a clean validate or diagnostics with real positions.

Each example copies one of the example packages to a temporary directory, applies a few
hypothesis-chosen mutations to one of its YAML files (package files or a scenario) and
validates it. No exception may escape, and every diagnostic must carry a stable code, a
severity, a message and a span inside a real file of the mutated package (SPEC 4.1, 6).
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from compiler.api import compile_package, preview
from compiler.cli import main
from compiler.diagnostics import Diagnostic, Severity, Span
from compiler.validation import validate

PACKAGES_ROOT = Path(__file__).resolve().parents[2] / "packages"
PACKAGES = sorted(p for p in PACKAGES_ROOT.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
CODE = re.compile(r"^[EW]\d{4}$")
# the line breaks YAML counts (a reader's line numbers follow them)
YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

# ruamel warns (on stderr) about a reused anchor; the hostile snippets reuse them on purpose
pytestmark = pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def yaml_files(package: Path) -> list[Path]:
    """The package's own YAML files and its scenarios, relative to the package."""
    files = sorted(package.glob("*.yaml")) + sorted(package.glob("scenarios/*/scenario.yaml"))
    return [f.relative_to(package) for f in files]


# --- mutations of one file's text -------------------------------------------------------------

KEY_LINE = re.compile(rb"^(?P<indent>[ -]*)(?P<key>[A-Za-z_][\w-]*)(?P<colon>:)(?P<rest>.*)$")
REFERENCE_LINE = re.compile(
    rb"^(?P<head>.*\b(?:template|rate_card|product|metric|products|tags|applies_to|of"
    rb"|events)\s*:\s*)(?P<value>.+)$"
)

scalars = st.sampled_from(
    [
        "[1, 2]",
        "[]",
        "{}",
        "{a: 1}",
        '"a string"',
        "plain text",
        "42",
        "-1",
        "0",
        "1e400",
        "0.12345678901234567890123",
        "2026-13-45",
        "2026-11-01",
        "2026-11-01T00:00:00Z",
        "null",
        "~",
        "true",
        "''",
        "NaN",
        ".inf",
        "0x1F",
        "&anchor 5",
        "*nowhere",
        "|\n  block",
    ]
)
tags = st.sampled_from(
    [
        "!!python/object/apply:os.system ['echo pwned']",
        "!!python/object:builtins.dict {}",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom 1",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!<tag:example.com,2000:x> 1",
    ]
)
garbage = st.one_of(
    st.binary(min_size=1, max_size=12),
    st.text(min_size=1, max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            "\t",
            "\ufeff",
            "\u2028",
            "\x00",
            "---\n",
            "...\n",
            ": :",
            "- -",
            "{",
            "[",
            "'",
            '"',
            "#",
            "&a ",
            "*a",
            "%YAML 1.1\n",
            "? ",
        ]
    ).map(str.encode),
)
unknown_ids = st.sampled_from(["nonexistent", "no_such_thing", "ghost-id", "Bad ID!", "x" * 80])


def _lines(text: bytes) -> list[bytes]:
    return text.split(b"\n")


def delete_line(text: bytes, i: int) -> bytes:
    lines = _lines(text)
    del lines[i % len(lines)]
    return b"\n".join(lines)


def duplicate_line(text: bytes, i: int) -> bytes:
    lines = _lines(text)
    k = i % len(lines)
    lines.insert(k, lines[k])
    return b"\n".join(lines)


def swap_lines(text: bytes, i: int, j: int) -> bytes:
    lines = _lines(text)
    a, b = i % len(lines), j % len(lines)
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def reindent(text: bytes, i: int, delta: int) -> bytes:
    lines = _lines(text)
    k = i % len(lines)
    line = lines[k]
    stripped = line.lstrip(b" ")
    indent = max(0, len(line) - len(stripped) + delta)
    lines[k] = b" " * indent + stripped
    return b"\n".join(lines)


def _key_lines(lines: list[bytes]) -> list[int]:
    return [n for n, line in enumerate(lines) if KEY_LINE.match(line)]


def replace_scalar(text: bytes, i: int, value: str) -> bytes:
    lines = _lines(text)
    candidates = _key_lines(lines)
    if not candidates:
        return text
    k = candidates[i % len(candidates)]
    m = KEY_LINE.match(lines[k])
    assert m is not None
    lines[k] = m["indent"] + m["key"] + b": " + value.encode()
    return b"\n".join(lines)


def rename_key(text: bytes, i: int, how: int) -> bytes:
    lines = _lines(text)
    candidates = _key_lines(lines)
    if not candidates:
        return text
    k = candidates[i % len(candidates)]
    m = KEY_LINE.match(lines[k])
    assert m is not None
    key = m["key"]
    typo = [
        key[:-1],
        key + b"s",
        key[:1] + key[2:] if len(key) > 2 else key + b"x",
        key.upper(),
        key.replace(b"_", b"-") if b"_" in key else b"_" + key,
    ][how % 5]
    lines[k] = m["indent"] + typo + m["colon"] + m["rest"]
    return b"\n".join(lines)


def insert_unknown_key(text: bytes, i: int, value: str) -> bytes:
    lines = _lines(text)
    candidates = _key_lines(lines)
    if not candidates:
        return text
    k = candidates[i % len(candidates)]
    m = KEY_LINE.match(lines[k])
    assert m is not None
    indent = b" " * len(m["indent"])
    lines.insert(k + 1, indent + b"surprise_key: " + value.encode())
    return b"\n".join(lines)


def truncate(text: bytes, fraction: float) -> bytes:
    return text[: int(len(text) * fraction)]


def insert_bytes(text: bytes, fraction: float, data: bytes) -> bytes:
    at = int(len(text) * fraction)
    return text[:at] + data + text[at:]


def insert_tag(text: bytes, i: int, tag: str) -> bytes:
    return replace_scalar(text, i, tag)


def break_reference(text: bytes, i: int, target: str) -> bytes:
    lines = _lines(text)
    candidates = [n for n, line in enumerate(lines) if REFERENCE_LINE.match(line)]
    if not candidates:
        return text
    k = candidates[i % len(candidates)]
    m = REFERENCE_LINE.match(lines[k])
    assert m is not None
    value = m["value"]
    if value.lstrip().startswith(b"["):
        replacement = b"[" + target.encode() + b"]"
    elif value.lstrip().startswith(b"{"):
        replacement = b"{tags: [" + target.encode() + b"]}"
    else:
        replacement = target.encode()
    lines[k] = m["head"] + replacement
    return b"\n".join(lines)


HOSTILE = [
    "bomb: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "deep: " + "[" * 200 + "]" * 200 + "\n",
    "base: &base {name: x}\nmerged:\n  <<: *base\n",
    "? [complex, key]\n: value\n",
    "---\nsecond: document\n",
    "big: " + "9" * 5000 + "\n",
    "huge: 1e999999999\ntiny: 1e-999999999\n",
    "undefined: *nowhere\n",
]


def append_text(text: bytes, which: int, at_end: bool) -> bytes:
    snippet = HOSTILE[which % len(HOSTILE)].encode()
    return text.rstrip(b"\n") + b"\n" + snippet if at_end else snippet + text


TREE_VALUES: list[object] = [
    [],
    {},
    "text",
    "",
    0,
    -5,
    10**20,
    1.5,
    None,
    True,
    "nonexistent",
    "2026-11-01",
    "2026-11-01T00:00:00Z",
    ["nonexistent"],
    {"nonexistent": 1},
    [{"up_to": 1}],
    "1e400",
]


def _entries(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) below node, depth first."""
    if isinstance(node, dict):
        for key in list(node):
            yield node, key
            yield from _entries(node[key])
    elif isinstance(node, list):
        for index in range(len(node)):
            yield node, index
            yield from _entries(node[index])


def tree_edit(text: bytes, op: str, pick: int, choice: int) -> bytes:
    """A structural edit of the parsed YAML (round-trip, comments kept), dumped back."""
    yaml = YAML()
    try:
        data = yaml.load(text)
    except Exception:  # text already broken by an earlier edit: leave it
        return text
    entries = list(_entries(data))
    if not entries:
        return text
    parent, key = entries[pick % len(entries)]
    if op == "delete":
        del parent[key]
    elif op == "retype":
        parent[key] = copy.deepcopy(TREE_VALUES[choice % len(TREE_VALUES)])
    elif op == "copy":  # another node's value, e.g. a product's mapping where a price was
        source, source_key = entries[choice % len(entries)]
        parent[key] = copy.deepcopy(source[source_key])
    elif op == "other_id":  # a key of the document (an ID of some kind) as a value
        ids = [k for container, k in entries if isinstance(container, dict)]
        parent[key] = str(ids[choice % len(ids)])
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif op == "swap" and isinstance(parent, list) and len(parent) > 1:
        other = (key + 1 + choice % (len(parent) - 1)) % len(parent)
        parent[key], parent[other] = parent[other], parent[key]
    elif op == "rename" and isinstance(parent, CommentedMap):  # insert keeps the key's place
        position = list(parent).index(key)
        value = parent.pop(key)
        parent.insert(position, f"{key}x" if choice % 2 else str(key)[:-1] or "k", value)
    out = io.BytesIO()
    try:
        yaml.dump(data, out)
    except Exception:  # some edits (a key renamed onto a sibling) do not dump: leave the text
        return text
    return out.getvalue()


@dataclass(frozen=True)
class Mutation:
    """One edit of a file's bytes, as data so that a failing example prints readably."""

    name: str
    args: tuple[object, ...]

    def __call__(self, text: bytes) -> bytes:
        edit: Callable[..., bytes] = EDITS[self.name]
        return edit(text, *self.args)


EDITS: dict[str, Callable[..., bytes]] = {
    f.__name__: f
    for f in (
        delete_line,
        duplicate_line,
        swap_lines,
        reindent,
        replace_scalar,
        rename_key,
        insert_unknown_key,
        truncate,
        insert_bytes,
        insert_tag,
        break_reference,
        append_text,
        tree_edit,
    )
}


def mutation(name: str, *args: st.SearchStrategy[object]) -> st.SearchStrategy[Mutation]:
    return st.builds(Mutation, st.just(name), st.tuples(*args))


fractions = st.floats(0, 1)
indices = st.integers(0, 10_000)
mutations: st.SearchStrategy[Mutation] = st.one_of(
    mutation("delete_line", indices),
    mutation("duplicate_line", indices),
    mutation("swap_lines", indices, indices),
    mutation("reindent", indices, st.sampled_from([-4, -2, -1, 1, 2, 3, 4])),
    mutation("replace_scalar", indices, scalars),
    mutation("rename_key", indices, st.integers(0, 4)),
    mutation("insert_unknown_key", indices, scalars),
    mutation("truncate", fractions),
    mutation("insert_bytes", fractions, garbage),
    mutation("insert_tag", indices, tags),
    mutation(
        "break_reference",
        indices,
        st.one_of(
            unknown_ids,
            st.sampled_from(
                ["../../outside.jsonl", "/etc/passwd", "missing.jsonl", "[../x.jsonl]"]
            ),
        ),
    ),
    mutation("append_text", indices, st.booleans()),
    mutation(
        "tree_edit",
        st.sampled_from(["delete", "retype", "copy", "other_id", "duplicate", "swap", "rename"]),
        indices,
        indices,
    ),
    mutation(
        "tree_edit",
        st.sampled_from(["delete", "retype", "copy", "other_id", "duplicate", "swap", "rename"]),
        indices,
        indices,
    ),
)


@dataclass(frozen=True)
class Case:
    package: Path
    file: Path
    mutations: tuple[Mutation, ...]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    package = draw(st.sampled_from(PACKAGES))
    file = draw(st.sampled_from(yaml_files(package)))
    chosen = tuple(draw(st.lists(mutations, min_size=1, max_size=3)))
    return Case(package, file, chosen)


@contextlib.contextmanager
def mutated(case: Case) -> Iterator[Path]:
    """A mutated copy of the case's package (events files included, for the path checks)."""
    with tempfile.TemporaryDirectory(prefix="mutated-") as root:
        directory = Path(root) / case.package.name
        shutil.copytree(case.package, directory)
        target = directory / case.file
        text = target.read_bytes()
        for mutation in case.mutations:
            text = mutation(text)
        target.write_bytes(text)
        yield directory


# --- checks ---------------------------------------------------------------------------------


def line_count(path: Path) -> int:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return len(YAML_LINE_BREAK.findall(text)) + 1


def check_span(span: Span, package: Path, cwd: Path, what: str) -> None:
    file = Path(span.file)
    resolved = (file if file.is_absolute() else cwd / file).resolve()
    assert resolved.is_file(), f"{what}: span file {span.file!r} is not a file"
    assert resolved.is_relative_to(package.resolve()), f"{what}: {span.file!r} not in package"
    assert span.line >= 1 and span.column >= 1, f"{what}: {span}"
    assert span.line <= line_count(resolved) + 1, f"{what}: {span} past the end of the file"
    if span.end_line is not None:
        assert span.end_line >= span.line, f"{what}: end before start in {span!r}"
    if span.end_column is not None:
        assert span.end_column >= 1, f"{what}: {span!r}"


def check_diagnostic(diagnostic: Diagnostic, package: Path, cwd: Path) -> None:
    what = f"{diagnostic.code} {diagnostic.message!r}"
    assert CODE.match(diagnostic.code), what
    assert isinstance(diagnostic.severity, Severity), what
    assert diagnostic.severity in (Severity.ERROR, Severity.WARNING), what
    assert isinstance(diagnostic.message, str) and diagnostic.message.strip(), what
    check_span(diagnostic.span, package, cwd, what)
    for related in diagnostic.related:
        check_span(related, package, cwd, f"{what} (related)")


def test_example_packages_are_clean() -> None:
    """The unmutated packages validate without errors, so every error below is the mutation's."""
    for package in PACKAGES:
        assert validate(package).ok, package


def test_missing_package_section_points_at_a_file(tmp_path: Path) -> None:
    """A package whose package.yaml lost its `package:` line: every span names a real file
    (found by the mutations below: the schema's E0103 once pointed at the directory)."""
    (tmp_path / "package.yaml").write_text("name: demo\n", encoding="utf-8")
    for diagnostic in validate(tmp_path).diagnostics:
        assert Path(diagnostic.span.file).resolve().is_file(), diagnostic


@SETTINGS
@given(case=cases(), relative=st.booleans())
def test_mutated_package_gives_positioned_diagnostics(case: Case, relative: bool) -> None:
    """Every outcome is a clean validate or diagnostics that all carry a real position."""
    with mutated(case) as directory:
        if relative:  # diagnostics name files relative to the working directory below it
            with contextlib.chdir(directory.parent):
                cwd = Path.cwd()
                validation = validate(Path(directory.name))
        else:
            cwd = Path.cwd()
            validation = validate(directory)
        for diagnostic in validation.diagnostics:
            check_diagnostic(diagnostic, directory, cwd)


@settings(SETTINGS, max_examples=20)
@given(case=cases())
def test_plan_validate_never_crashes(case: Case) -> None:
    """`plan validate` on a mutated package exits 0 or 1 and never prints a traceback."""
    with mutated(case) as directory:
        result = CliRunner().invoke(main, ["validate", str(directory)])
    output = result.output  # stdout and stderr as a terminal shows them
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert result.exit_code in (0, 1), output
    assert "Traceback" not in output
    assert "internal error" not in output


@settings(SETTINGS, max_examples=40)
@given(case=cases())
def test_a_clean_mutant_compiles_and_replays(case: Case) -> None:
    """What validate accepts, compile and preview take without an exception (SPEC 6)."""
    with mutated(case) as directory:
        if validate(directory).ok:
            compile_package(directory)
            preview(directory)
