"""Reading a package directory: which files are read and what a file must hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.validation import validate
from tests.support import CALLS_PACKAGE, write_package


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "extra.yaml:1:1"),
        ("# prices move to rate_cards.yaml\n", "extra.yaml:1:1"),
        ("# nothing yet\n{}\n", "extra.yaml:2:1"),
    ],
    ids=["empty", "only-comments", "empty-mapping"],
)
def test_a_package_file_without_sections_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, where: str
) -> None:
    write_package(tmp_path, {**CALLS_PACKAGE, "extra.yaml": text})
    monkeypatch.chdir(tmp_path)
    found = [(str(d.span), d.code, d.message) for d in validate(".").diagnostics]
    assert found == [
        (where, "E0007", "a package file holds one or more sections; this one has none")
    ]
