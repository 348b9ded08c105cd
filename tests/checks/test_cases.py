"""Broken-package cases: `tests/cases/<code>/` is a package directory with `expected.txt`,
the exact diagnostics `plan validate` gives for it (`file:line:col: severity[code]: message`,
paths relative to the case directory). Read them like code: each is the minimal failing
example of its code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler.checks.codes import CODES
from compiler.validation import validate

CASES = Path(__file__).resolve().parents[1] / "cases"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"
# A file over the 5 MiB limit is too big to keep as a case; tests/checks covers it instead.
NO_CASE = {"E0003", "E0405"}  # E0405 happens at run time: tests/engine/test_sql_metrics.py


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    found = [
        f"{d.span.file}:{d.span.line}:{d.span.column}: {d.severity}[{d.code}]: {d.message}"
        for d in validate(".").diagnostics
    ]
    expected = (case / "expected.txt").read_text().splitlines()
    assert found == expected
    assert any(f"[{case.name}]" in line for line in expected), "a case shows its own code"


def _documented() -> set[str]:
    return set(re.findall(r"^## ([EW]\d{4})\b", DOCS.read_text(), flags=re.MULTILINE))


def test_every_case_and_code_is_documented() -> None:
    documented = _documented()
    assert {case.name for case in _cases()} <= documented
    assert set(CODES) <= documented


def test_every_documented_code_has_a_case() -> None:
    assert _documented() - NO_CASE == {case.name for case in _cases()}


def test_oversized_file_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """E0003, the one code without a case directory."""
    from compiler.source.yaml_reader import Limits

    (tmp_path / "package.yaml").write_text("package:\n  name: big\n" + "# padding\n" * 20)
    monkeypatch.chdir(tmp_path)
    found = [(d.code, str(d.span)) for d in validate(".", Limits(max_bytes=100)).diagnostics]
    assert ("E0003", "package.yaml:1:1") in found


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_documented_example_matches_its_case(case: Path) -> None:
    """docs/diagnostics.md shows each case's diagnostic verbatim, so the two cannot drift."""
    docs = DOCS.read_text()
    for line in (case / "expected.txt").read_text().splitlines():
        if f"[{case.name}]" in line:
            assert line in docs


# Reading and schema problems explain themselves; every graph check gives a hint.
@pytest.mark.parametrize("case", [c for c in _cases() if c.name >= "E02"], ids=lambda p: p.name)
def test_graph_check_diagnostics_have_hints(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    assert all(d.hint for d in validate(".").diagnostics)
