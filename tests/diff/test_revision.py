"""Reading packages at a git revision: from git's objects, never through the working tree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from compiler.diff.revision import Repository, RevisionError
from tests.diff.conftest import PricingRepo


def test_export_reads_the_revision_and_leaves_the_work_tree_alone(
    repo: PricingRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    status = repo.git("status", "--porcelain")
    into = tmp_path_factory.mktemp("export")
    repository = Repository.containing(Path("packages"))
    present = repository.export(
        repository.commit("HEAD"), [PurePosixPath("packages/shop"), PurePosixPath("nowhere")], into
    )
    assert present == [PurePosixPath("packages/shop")]
    assert "price: 0.50" in (into / "packages/shop/rate_cards.yaml").read_text()
    assert (into / "packages/shop/scenarios/march/events.jsonl").is_file()
    assert "price: 0.65" in (repo.root / "packages/shop/rate_cards.yaml").read_text()
    assert repo.git("status", "--porcelain") == status


def test_export_ignores_git_archive_attributes(
    repo: PricingRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`export-ignore` would make `git archive` drop files the revision holds."""
    (repo.root / ".gitattributes").write_text("*.jsonl export-ignore\n")
    repo.commit("attributes")
    into = tmp_path_factory.mktemp("export")
    repository = Repository.containing(repo.root)
    repository.export(repository.commit("HEAD"), [PurePosixPath("packages")], into)
    assert (into / "packages/shop/scenarios/march/events.jsonl").is_file()


def test_revisions_by_branch_tag_and_relative_name(repo: PricingRepo) -> None:
    first = repo.git("rev-parse", "HEAD").strip()
    repo.git("tag", "v1")
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    repo.commit("raise")
    repository = Repository.containing(repo.root)
    assert repository.commit("v1") == repository.commit("HEAD~1") == first
    assert repository.commit("main") != first
    with pytest.raises(RevisionError, match="unknown revision 'no-such-branch'"):
        repository.commit("no-such-branch")
    with pytest.raises(RevisionError):
        repository.commit("--output=/tmp/x")  # never read as an option


def test_unknown_revision_is_a_usage_error(repo: PricingRepo) -> None:
    code, output = repo.plan("diff", "--base", "no-such-branch")
    assert code == 2
    assert "unknown revision 'no-such-branch'" in output


def test_outside_a_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "packages").mkdir()
    monkeypatch.chdir(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "compiler.cli", "diff", "--base", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "not inside a git repository" in done.stderr


def test_bad_as_of_is_a_usage_error(repo: PricingRepo) -> None:
    code, output = repo.plan("diff", "--base", "HEAD", "--as-of", "next tuesday")
    assert code == 2
    assert "--as-of" in output


def test_as_in_a_pull_request_workflow(repo: PricingRepo) -> None:
    """A branch against its base, run as CI runs it: a subprocess, JSON alone on stdout."""
    repo.git("checkout", "-q", "-b", "raise-price")
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.50\n",
        "        - price: 0.50\n          ending_before: 2027-01-01\n"
        "        - price: 0.60\n          starting_at: 2027-01-01\n",
    )
    repo.commit("raise the call price from 2027")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "compiler.cli",
            "diff",
            "--base",
            "main",
            "--as-of",
            "2026-12-01T00:00:00Z",
            "--format",
            "json",
        ],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert [c["code"] for c in document["changes"]] == ["D0306", "D0304"]
    assert document["as_of"] == "2026-12-01T00:00:00Z"
