"""`plan init`: the starter validates, its tests pass, its workflow runs real `plan` commands."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from compiler.cli import main
from tests.support import REPO


def plan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("init") / "acme-pricing"
    code, output = plan("init", str(directory))
    assert code == 0, output
    return directory


def test_init_writes_the_starter(starter: Path) -> None:
    for name in (
        "README.md",
        ".gitignore",
        ".github/workflows/pricing.yml",
        ".vscode/settings.json",
        "pytest.ini",
        "packages/acme-pricing/package.yaml",
        "packages/acme-pricing/metrics.yaml",
        "packages/acme-pricing/products.yaml",
        "packages/acme-pricing/rate_cards.yaml",
        "packages/acme-pricing/contract_templates.yaml",
        "packages/acme-pricing/scenarios/first-month/scenario.yaml",
        "packages/acme-pricing/scenarios/first-month/events.jsonl",
        "golden/acme-pricing/first-month.json",
        "tests/test_golden.py",
        "schemas/package.schema.json",
        "schemas/scenario.schema.json",
    ):
        assert (starter / name).is_file(), name
    assert "{{" not in (starter / "packages/acme-pricing/package.yaml").read_text()


def test_the_starter_validates(starter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(starter)
    code, output = plan("validate")  # ./packages, as the workflow runs it
    assert code == 0, output
    assert output.strip().endswith("0 error(s), 0 warning(s)")


def test_the_golden_invoice_is_the_scenario_by_hand(starter: Path) -> None:
    (invoice,) = json.loads((starter / "golden/acme-pricing/first-month.json").read_text())[
        "invoices"
    ]
    # 1200 + 900 + 1500 + 700 = 4300 requests (evt-0003 sent twice counts once) = 4.3K;
    # graduated: first 1K free, 3.3K × 2.00 = 6.60; platform fee 49.00; 6.60 + 49.00 = 55.60
    amounts = [line["amount"] for line in invoice["line_items"]]
    assert amounts == ["6.60", "49.00"]
    assert invoice["total"] == "55.60"


def run_pytest(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_starters_tests_pass_out_of_the_box(starter: Path) -> None:
    done = run_pytest(starter)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_the_starters_golden_test_catches_a_price_change(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "changed"
    assert plan("init", str(directory), "--package", "api")[0] == 0
    rates = directory / "packages/api/rate_cards.yaml"
    rates.write_text(rates.read_text().replace("price: 2.00", "price: 2.50"))
    done = run_pytest(directory)
    assert done.returncode == 1, done.stdout
    assert "test_golden_invoices" in done.stdout


def workflow_commands(starter: Path) -> list[str]:
    workflow = YAML(typ="safe").load((starter / ".github/workflows/pricing.yml").read_text())
    assert set(workflow) >= {"name", "on", "jobs"}
    # YAML 1.1 readers take `on` for true; GitHub reads it as the key "on", as ruamel does.
    assert "pull_request" in workflow["on"]
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(step.get("with", {}).get("fetch-depth") == 0 for step in steps)
    return [step["run"] for step in steps if "run" in step]


def test_the_workflow_runs_real_plan_commands(starter: Path) -> None:
    runs = workflow_commands(starter)
    plan_lines = [line for run in runs for line in run.splitlines() if line.startswith("plan ")]
    assert [shlex.split(line)[1] for line in plan_lines] == ["validate", "diff"]
    for line in plan_lines:
        # the shell's part (redirection) and GitHub's expressions are not plan's
        command = re.sub(r"\$\{\{[^}]*\}\}", "main", line.split(">>")[0])
        name, *args = shlex.split(command)[1:]
        assert name in main.commands, name
        main.commands[name].make_context(name, args)  # raises on an unknown option or value
    assert (
        "plan diff --base origin/${{ github.base_ref }} --format markdown "
        ">> $GITHUB_STEP_SUMMARY" in plan_lines[1]
    )
    assert any("python -m pytest" in run for run in runs)
    assert any("pip install" in run and "plan-compiler" in run for run in runs)


def test_editor_settings_point_at_the_schemas(starter: Path) -> None:
    settings: dict[str, Any] = json.loads((starter / ".vscode/settings.json").read_text())
    for schema in settings["yaml.schemas"]:
        assert (starter / schema).is_file(), schema
    for path in (starter / "packages").rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, path
        assert (path.parent / match.group(1)).resolve().is_file(), path


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    code, output = plan("init", str(tmp_path))
    assert code == 2
    assert "is not empty" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_refuses_a_bad_package_name(tmp_path: Path) -> None:
    code, output = plan("init", str(tmp_path / "new"), "--package", "../escape")
    assert code == 2
    assert "must match" in output
    assert not (tmp_path / "new").exists() or not any((tmp_path / "new").iterdir())


def test_the_pre_commit_hook_runs_plan_validate() -> None:
    (hook,) = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "plan-validate"
    assert hook["entry"] == "plan validate" and "validate" in main.commands
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "packages/x/rates.yml")
    assert re.search(hook["files"], "packages/x/rates.yaml")
    assert not re.search(hook["files"], "README.md")
