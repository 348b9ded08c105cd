"""Hostile packages (SPEC 6): each ends in a diagnostic and exit 1, and nothing is executed.

How long they take and how much memory they use is measured by bench/hostile.py, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main
from compiler.validation import validate
from tests.support import CALLS_PACKAGE, write_package

# a valid package to add hostile files to (no scenario: nothing is replayed)
VALID = {
    **{name: text for name, text in CALLS_PACKAGE.items() if not name.startswith("scenarios/")},
    "package.yaml": "package: {name: hostile}\n",
}


def codes(directory: Path) -> list[tuple[str, str, int, int]]:
    return [
        (d.code, Path(d.span.file).name, d.span.line, d.span.column)
        for d in validate(directory).diagnostics
    ]


def run_cli(directory: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(directory)])
    return result.exit_code, result.output


def test_python_object_tag_is_rejected_and_never_built(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write_package(
        tmp_path / "pkg",
        {
            **VALID,
            "evil.yaml": (
                f"metrics:\n  evil: !!python/object/apply:os.system ['touch {marker}']\n"
            ),
        },
    )
    assert codes(tmp_path / "pkg") == [("E0004", "evil.yaml", 2, 9)]
    assert not marker.exists()
    code, output = run_cli(tmp_path / "pkg")
    assert code == 1 and "E0004" in output and "Traceback" not in output


def test_local_tags_are_rejected_too(tmp_path: Path) -> None:
    write_package(tmp_path, {**VALID, "evil.yaml": "products: !custom {}\n"})
    assert codes(tmp_path) == [("E0004", "evil.yaml", 1, 11)]


def test_alias_bomb_is_bounded(tmp_path: Path) -> None:
    # nine levels of ten aliases each would expand to 10^9 nodes
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    write_package(tmp_path, {**VALID, "bomb.yaml": "\n".join(lines) + "\n"})
    (found,) = codes(tmp_path)
    assert found[:2] == ("E0006", "bomb.yaml")
    code, _ = run_cli(tmp_path)
    assert code == 1


def test_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    write_package(tmp_path, VALID)
    with (tmp_path / "huge.yaml").open("w") as out:
        out.write("metrics:\n")
        chunk = "# " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):  # 50 MiB of comments
            out.write(chunk)
    assert codes(tmp_path) == [("E0003", "huge.yaml", 1, 1)]


def test_deep_nesting_is_refused_before_composing(tmp_path: Path) -> None:
    depth = 10_000
    write_package(tmp_path, {**VALID, "deep.yaml": "x: " + "[" * depth + "]" * depth + "\n"})
    (found,) = codes(tmp_path)
    assert found[:2] == ("E0005", "deep.yaml")
    code, output = run_cli(tmp_path)
    assert code == 1 and "Traceback" not in output


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    text = "".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n"
    write_package(tmp_path, {**VALID, "deep.yaml": text})
    (found,) = codes(tmp_path)
    assert found[:2] == ("E0005", "deep.yaml")


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ("metrics: {a: 1\n", "E0001", 2, 1),  # unclosed flow mapping
        ("a: 1\na: 2\n", "E0002", 2, 1),  # duplicate key
        ("--- {}\n--- {}\n", "E0009", 2, 5),  # two documents
        ("? [a, b]\n: 1\n", "E0010", 1, 3),  # complex key
        ("- a\n- b\n", "E0007", 1, 1),  # not a mapping
        ("\udcff", "E0008", 1, 1),  # not UTF-8 (written as bytes below)
    ],
)
def test_source_errors_carry_positions(
    tmp_path: Path, text: str, code: str, line: int, column: int
) -> None:
    write_package(tmp_path, VALID)
    path = tmp_path / "broken.yaml"
    if code == "E0008":
        path.write_bytes(b"metrics: \xff\n")
    else:
        path.write_text(text)
    assert (code, "broken.yaml", line, column) in codes(tmp_path)


def test_decimals_keep_every_digit_of_their_yaml_text(tmp_path: Path) -> None:
    rates = VALID["rate_cards.yaml"].replace("price: 1", "price: 0.33333333333333333333")
    write_package(tmp_path, {**VALID, "rate_cards.yaml": rates})
    model = validate(tmp_path).package.model
    assert model is not None
    price = model.rate_cards["list"].rates["calls"][0].price
    assert str(price) == "0.33333333333333333333"


def test_a_zero_with_a_vast_exponent_is_zero_not_a_billion_zeros(tmp_path: Path) -> None:
    """`0e-999999999` as a filter value passed validation and wrote a plan of 1 GB (3 GB of
    memory; found in review): a zero past 24 places is 0. A zero within them keeps its text,
    which events' zeros are compared with."""
    from compiler.api import compile_package
    from compiler.plan.serialize import canonical_json

    metrics = (
        "metrics:\n  calls: {name: Calls, event_type: call, aggregate: count,\n"
        "    filters: {size: {in: [0e-999999999, 0.000]}}}\n"
    )
    write_package(tmp_path, {**VALID, "metrics.yaml": metrics})
    plan, _ = compile_package(tmp_path)
    assert '["0","0.000"]' in canonical_json(plan).replace(" ", "")


SECRET = "secret_api_key: hunter2-SECRET\n"


def test_a_package_file_linking_outside_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text(SECRET)
    package = write_package(tmp_path / "pkg", VALID)
    (package / "extra.yaml").symlink_to(tmp_path / "outside" / "secret.yaml")
    assert codes(package) == [("E0504", "extra.yaml", 1, 1)]
    code, output = run_cli(package)
    assert code == 1 and "links outside the package directory" in output
    assert "secret_api_key" not in output and str(tmp_path / "outside") not in output


def test_a_scenario_linking_outside_is_not_read(tmp_path: Path) -> None:
    # the file, its folder, or the scenarios folder: each takes scenario.yaml out of the package
    outside = write_package(tmp_path / "outside", {"scenario.yaml": SECRET, "x/scenario.yaml": ""})
    package = write_package(tmp_path / "pkg", VALID)
    (package / "scenarios" / "by-file").mkdir(parents=True)
    (package / "scenarios" / "by-file" / "scenario.yaml").symlink_to(outside / "scenario.yaml")
    (package / "scenarios" / "by-folder").symlink_to(outside)
    assert codes(package) == [
        ("E0504", "scenario.yaml", 1, 1),
        ("E0504", "scenario.yaml", 1, 1),
    ]
    assert [d.span.file for d in validate(package).diagnostics] == [
        str(package / "scenarios" / "by-file" / "scenario.yaml"),
        str(package / "scenarios" / "by-folder" / "scenario.yaml"),
    ]
    other = write_package(tmp_path / "other", VALID)
    (other / "scenarios").symlink_to(outside)
    assert [d.span.file for d in validate(other).diagnostics] == [
        str(other / "scenarios" / "x" / "scenario.yaml")
    ]
    code, output = run_cli(package)
    assert code == 1 and "secret_api_key" not in output


def test_links_that_stay_inside_the_package_are_read_once(tmp_path: Path) -> None:
    package = write_package(tmp_path, {**VALID, "shared/metrics.yaml": VALID["metrics.yaml"]})
    (package / "metrics.yaml").unlink()
    (package / "metrics.yaml").symlink_to("shared/metrics.yaml")
    (package / "metrics-again.yml").symlink_to("metrics.yaml")  # a second name: read once
    assert codes(package) == []
    assert validate(package).package.model is not None


def test_a_loop_of_links_is_a_diagnostic(tmp_path: Path) -> None:
    package = write_package(tmp_path, VALID)
    (package / "loop.yaml").symlink_to("loop.yaml")
    assert codes(package) == [("E0504", "loop.yaml", 1, 1)]
    assert "loop of symbolic links" in validate(package).diagnostics[0].message
