"""`plan compile`: one deterministic JSON document, every reference resolved, hashed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import compiler
from compiler.plan.serialize import load_plan, plan_document, plan_hash
from tests.support import PACKAGES

PACKAGE_NAMES = sorted(p.name for p in PACKAGES.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", PACKAGE_NAMES)
def test_compiling_twice_is_byte_identical_and_the_hash_checks(name: str) -> None:
    first, _ = compiler.compile_package(PACKAGES / name)
    second, _ = compiler.compile_package(PACKAGES / name)
    assert plan_document(first) == plan_document(second)
    assert first.plan_hash == plan_hash(first) and first.plan_hash.startswith("sha256:")
    # the document round-trips into the same plan
    assert load_plan(plan_document(first)) == first


def test_the_plan_does_not_depend_on_file_layout(tmp_path: Path) -> None:
    """Sections split differently across files compile to the same plan, hash included."""
    source = PACKAGES / "ai-platform"
    shutil.copytree(source, tmp_path / "split", ignore=shutil.ignore_patterns("scenarios"))
    merged = tmp_path / "merged"
    merged.mkdir()
    text = "".join(
        (source / f).read_text() + "\n" for f in sorted(p.name for p in source.glob("*.yaml"))
    )
    (merged / "all.yaml").write_text(text)
    a, _ = compiler.compile_package(tmp_path / "split")
    b, _ = compiler.compile_package(merged)
    assert plan_document(a) == plan_document(b)


def test_references_are_resolved_in_the_plan() -> None:
    plan, _ = compiler.compile_package(PACKAGES / "ai-platform")
    document = json.loads(plan_document(plan))
    commit = document["contract_templates"]["enterprise"]["commits"][0]
    # `applies_to: {tags: [usage]}` resolved to the products carrying the tag
    assert commit["applies_to"] == ["input_tokens", "output_tokens", "web_search"]
    assert document["rate_cards"]["standard"]["minor_unit"] == 2
    # decimals are strings in the plan, exactly as written
    assert document["rate_cards"]["standard"]["rates"]["input_tokens"][0]["price"] == "15.00"


def test_an_invalid_package_does_not_compile(tmp_path: Path) -> None:
    (tmp_path / "package.yaml").write_text("package: {name: x}\nproducts: {p: {type: usage}}\n")
    with pytest.raises(compiler.CompilerError):
        compiler.compile_package(tmp_path)
