"""The libyaml fast path reads every file exactly as the ruamel reference reader does.

Differential tests: each file (and each generated document) is read by the fast path alone, by
the reference alone and by `parse_yaml`, which chooses; data (types and order included),
positions (order included) and diagnostics must agree. Where the fast path declines, `parse_yaml`
is the reference, so failures keep their diagnostics word for word.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compiler.source import libyaml_reader
from compiler.source.libyaml_reader import read_events
from compiler.source.yaml_reader import (
    DEFAULT_LIMITS,
    Limits,
    YamlDocument,
    parse_with_ruamel,
    parse_yaml,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    path
    for folder in ("packages", "tests/cases", "compiler/starter/files", "bench/package")
    for pattern in ("**/*.yaml", "**/*.yml")
    for path in (ROOT / folder).glob(pattern)
)

pytestmark = [
    pytest.mark.skipif(not libyaml_reader.LIBYAML, reason="PyYAML without libyaml"),
    # ruamel warns (on stderr) about a reused anchor, which some inputs below hold
    pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning"),
]


def outcome(result: tuple[YamlDocument | None, list[Any]]) -> tuple[str, list[Any], list[Any]]:
    """A reading's result in a form where 1 and Decimal('1'), or two key orders, differ."""
    document, diagnostics = result
    if document is None:
        return "", [], diagnostics
    return repr(document.data), list(document.positions.items()), diagnostics


def assert_same_reading(text: str, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Both paths agree on `text`; returns whether the fast path read it."""
    reference = outcome(parse_with_ruamel(text, "f.yaml", limits))
    assert outcome(parse_yaml(text, "f.yaml", limits)) == reference
    fast = read_events(text, "f.yaml", limits)
    if fast is None:
        return False
    assert outcome((fast, [])) == reference
    return True


def customers_file(tmp_path: Path) -> str:
    """The `plan replay --customers` file of the benchmark (1,000 customers, 124 KB)."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench/generate_events.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.write_customers(tmp_path / "customers.yaml")
    return (tmp_path / "customers.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_files_read_the_same_by_both_paths(path: Path) -> None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: refused before either path (E0008)")
    assert_same_reading(text)


def test_the_fast_path_reads_the_replay_customers_file(tmp_path: Path) -> None:
    assert assert_same_reading(customers_file(tmp_path))


def test_the_fast_path_reads_most_files() -> None:
    """A guard against a fast path that declines everything (and so passes the tests above)."""
    texts = [p.read_bytes().decode("utf-8", errors="replace") for p in FILES]
    read = [t for t in texts if read_events(t, "f.yaml", DEFAULT_LIMITS) is not None]
    assert len(read) >= len(texts) * 2 // 3


@pytest.mark.parametrize(
    "text",
    [
        # hostile input: declined before anything is expanded, built or recursed into
        "a: &a [x, x]\nb: [*a, *a]\n",
        "a: !!python/object/apply:os.system ['true']\n",
        "x: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n",
        # what only the reference reads
        "a: 1\na: 2\n",
        "--- {}\n--- {}\n",
        "? [a, b]\n: 1\n",
        "base: {a: 1}\nmerged:\n  <<: {b: 2}\n",
        "a: =\n",
        "%YAML 1.1\n---\na: yes\n",
        "a:\n",
        "a: 1",
        "a:\t1\n",
        "a: 1\r\n",
        "\ufeffa: 1\n",
        "metrics: {a: 1\n",
    ],
)
def test_the_fast_path_declines_what_only_the_reference_reads(text: str) -> None:
    assert read_events(text, "f.yaml", DEFAULT_LIMITS) is None
    assert_same_reading(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: >-\n  folded\n  text\n",
        "a: >\n  one\n  two\n\n  new paragraph\n    more indented\n  back\n",
        "a: >+\n  kept\n  breaks\n\n",
        "- >-\n  in a\n  list\n- |\n  literal\n  lines\n",
    ],
)
def test_folded_scalars_read_as_their_text(text: str) -> None:
    """ruamel's round-trip scanner marks each fold of a folded scalar with a BEL ('\\a'); the
    reference reader once kept the marks, so every `description: >-` of the example packages
    carried them into plans and their hashes."""
    document, _ = parse_with_ruamel(text, "f.yaml")
    assert document is not None
    assert "\a" not in repr(document.data)
    assert assert_same_reading(text)


def test_a_folded_description_reads_as_one_line_of_words() -> None:
    document, _ = parse_yaml("d: >-\n  Input and output\n  tokens\n", "f.yaml")
    assert document is not None and document.data == {"d": "Input and output tokens"}


def test_the_fast_path_declines_more_nodes_than_the_limit() -> None:
    text = "[" + ", ".join(["1"] * 50) + "]\n"
    assert read_events(text, "f.yaml", Limits(max_nodes=50)) is None
    assert read_events(text, "f.yaml", Limits(max_nodes=51)) is not None
    assert_same_reading(text, Limits(max_nodes=50))


def test_without_libyaml_the_reference_reads_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = customers_file(tmp_path)
    expected = outcome(parse_yaml(text, "f.yaml"))
    monkeypatch.setattr(libyaml_reader, "LIBYAML", False)
    assert read_events(text, "f.yaml", DEFAULT_LIMITS) is None
    assert outcome(parse_yaml(text, "f.yaml")) == expected


# --- generated documents -------------------------------------------------------------------

# plain scalars whose type depends on the YAML version or on the resolver's patterns
TRICKY = [
    *("yes", "no", "on", "off", "y", "n", "Yes", "NO", "true", "False", "TRUE"),
    *("~", "null", "Null", "NULL", "0x1F", "0o17", "017", "0b101", "1_000", "-0", "+1"),
    *("1e3", "1E3", "1.", ".5", "-.5e3", "+.inf", "-.Inf", ".nan", ".NaN", "1e400"),
    *("19.999999999999999999", "0.33333333333333333333", "3.14", "12:30", "1:20:30"),
    *("2026-11-01", "2026-11-01T00:00:00Z", "2026-11-01 00:00:00", "2026-1-1", "2026-13-45"),
    *("<<", "=", "a b", "a:b", "a-b", "-a", "a#b", "http://x/y", "é", "日本", "😀x"),
]
WORDS = st.text(alphabet="abcxyz019_-. éü😀", min_size=1, max_size=8)
KEYS = st.one_of(
    st.sampled_from(["name", "price", "a", "b", "1", "yes", "on", "~", "null", "true", "<<"]),
    st.sampled_from(["2026-11-01", "1.5", "0x1F", "a b", "é"]),
    WORDS,
)


def plain_or_quoted(text: str, draw: st.DrawFn) -> str:
    style = draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "plain" and (text != text.strip() or text == "-" or text.startswith("- ")):
        style = "double"  # it would read as another (or an empty) plain scalar
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return json.dumps(text, ensure_ascii=False)
    return text


@st.composite
def scalars(draw: st.DrawFn) -> str:
    text = draw(st.one_of(st.sampled_from(TRICKY), WORDS))
    return plain_or_quoted(text, draw)


@st.composite
def keys(draw: st.DrawFn) -> str:
    return plain_or_quoted(draw(KEYS), draw)


trees = st.recursive(
    scalars(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4),
        st.lists(st.tuples(keys(), children), min_size=1, max_size=4),
    ),
    max_leaves=12,
)


def flow(tree: Any) -> str:
    if isinstance(tree, str):
        return tree
    if tree and isinstance(tree[0], tuple):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in tree) + "}"
    return "[" + ", ".join(flow(item) for item in tree) + "]"


def block(tree: Any, indent: int, styles: list[bool]) -> list[str]:
    """Lines of `tree` in block style; `styles` picks, node by node, flow style instead."""
    pad = " " * indent
    mapping = isinstance(tree[0], tuple)
    lines = []
    for item in tree:
        head, value = (f"{pad}{item[0]}:", item[1]) if mapping else (f"{pad}-", item)
        if isinstance(value, str) or (styles and styles.pop()):
            lines.append(f"{head} {flow(value)}")
        else:
            lines.append(head)
            lines.extend(block(value, indent + 2, styles))
    return lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=trees,
    styles=st.lists(st.booleans(), max_size=12),
    comments=st.booleans(),
    marker=st.sampled_from(["", "---\n", "--- # start\n"]),
)
def test_generated_documents_read_the_same(
    tree: Any, styles: list[bool], comments: bool, marker: str
) -> None:
    if isinstance(tree, str):
        lines = [tree]
    else:
        lines = block(tree, 0, styles)
    if comments:
        lines = [line + ("  # note" if i % 2 else "\n# between") for i, line in enumerate(lines)]
    text = marker + "\n".join(lines) + "\n"
    read_fast = assert_same_reading(text)
    event("read by the fast path" if read_fast else "declined")
    # the generator writes nothing the fast path declines but what the reference reports
    assert read_fast or parse_with_ruamel(text, "f.yaml")[1]
