"""The reference YAML reader: the YAML version a package is read in."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main
from compiler.source.yaml_reader import parse_yaml, scalar_value
from tests.support import CALLS_PACKAGE, write_package

BOOL = "tag:yaml.org,2002:bool"


@pytest.mark.parametrize("version", ["1.1", "1.0", "1.3", "2.0"])
def test_a_yaml_version_other_than_1_2_is_refused(version: str) -> None:
    # under 1.1, `yes` resolves to a boolean; it was read as false, inverting the filter
    document, problems = parse_yaml(f"%YAML {version}\n---\nis_test: {{exists: yes}}\n", "m.yaml")
    assert document is None
    assert [(p.code, str(p.span), p.message) for p in problems] == [
        (
            "E0012",
            "m.yaml:1:1",
            f"YAML version {version} is not supported; packages are YAML 1.2",
        )
    ]


def test_a_directive_after_a_byte_order_mark_is_refused_too() -> None:
    """The check looked for `%YAML` at a line's start and missed it after a BOM, which the
    YAML reader honours: 0b101 was read as 5, and 1.3 was an internal error (found in
    review)."""
    for version in ("1.1", "1.3"):
        document, problems = parse_yaml(f"\ufeff%YAML {version}\n---\na: 0b101\n", "m.yaml")
        assert document is None
        assert [p.code for p in problems] == ["E0012"]


def test_a_later_document_s_directive_is_refused_too() -> None:
    _, problems = parse_yaml("a: 1\n...\n%YAML 1.3\n---\nb: 2\n", "m.yaml")
    assert [(p.code, str(p.span)) for p in problems] == [("E0012", "m.yaml:3:1")]


def test_yaml_1_2_may_be_named_and_keeps_yes_a_string() -> None:
    document, problems = parse_yaml("%YAML 1.2\n---\na: yes\nb: on\nc: true\n", "m.yaml")
    assert not problems and document is not None
    assert document.data == {"a": "yes", "b": "on", "c": True}


def test_a_percent_line_inside_a_scalar_is_not_a_directive() -> None:
    document, problems = parse_yaml('a: "x\n%YAML 1.1\n  y"\n', "m.yaml")
    assert not problems and document is not None
    assert document.data == {"a": "x %YAML 1.1 y"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("True", True), ("FALSE", False), ("false", False), ("yes", "yes")],
)
def test_a_boolean_is_true_or_false_and_nothing_else_is_false(text: str, value: object) -> None:
    assert scalar_value(BOOL, text) == value
    assert type(scalar_value(BOOL, text)) is type(value)


def test_a_1_1_boolean_does_not_invert_a_compiled_filter(tmp_path: Path) -> None:
    metrics = """\
        %YAML 1.1
        ---
        metrics:
          calls:
            name: Calls
            event_type: call
            aggregate: count
            filters: {is_test: {exists: yes}}
        """
    package = write_package(tmp_path, {**CALLS_PACKAGE, "metrics.yaml": metrics})
    result = CliRunner().invoke(main, ["compile", str(package)])
    assert result.exit_code == 1
    assert "metrics.yaml:1:1: error[E0012]" in result.output
    assert '"exists"' not in result.output
