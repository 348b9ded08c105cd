"""Reading a package directory: which files are read and what a file must hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.source import package_source
from compiler.source.yaml_reader import Limits, read_yaml
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


class _CountingPositions(dict[Any, Any]):
    """A file's positions that count how many entries are read through `items()`."""

    def __init__(self, positions: dict[Any, Any]) -> None:
        super().__init__(positions)
        self.read = 0

    def items(self) -> Iterator[tuple[Any, Any]]:  # type: ignore[override]
        for item in super().items():
            self.read += 1
            yield item


def test_merging_a_file_reads_its_positions_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Merging used to copy each object's positions by scanning all of the file's positions,
    # N objects x N positions: 62,000 one-line pricing units (a 1.2 MB file) took 10 minutes.
    objects = 400
    units = "".join(f"  u{i}: {{name: Unit {i}}}\n" for i in range(objects))
    write_package(tmp_path, {**CALLS_PACKAGE, "units.yaml": "pricing_units:\n" + units})
    counted: list[_CountingPositions] = []

    def read_counting(path: Path, file: str, limits: Limits) -> Any:
        document, problems = read_yaml(path, file, limits)
        if document is not None and path.name == "units.yaml":
            document.positions = _CountingPositions(document.positions)
            counted.append(document.positions)
        return document, problems

    monkeypatch.setattr(package_source, "read_yaml", read_counting)
    source = package_source.read_package(tmp_path)
    assert not source.diagnostics
    assert len(source.data["pricing_units"]) == objects
    assert source.positions.key(("pricing_units", "u399", "name")).line == objects + 1
    (positions,) = counted
    assert len(positions) == 2 + 2 * objects  # the document, the section, each unit, its name
    assert positions.read <= 2 * len(positions)


def test_a_section_that_is_not_a_mapping_and_then_is_one_is_defined_twice(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            **CALLS_PACKAGE,
            "a_units.yaml": "pricing_units: 5\n",
            "b_units.yaml": "pricing_units:\n  credits: {name: Credits}\n",
        },
    )
    found = [(Path(d.span.file).name, d.span.line, d.code) for d in validate(tmp_path).diagnostics]
    assert ("b_units.yaml", 1, "E0104") in found  # was a TypeError, an internal error
