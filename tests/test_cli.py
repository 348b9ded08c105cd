"""The `plan` command as a user runs it: exit codes, formats, nothing but the format on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compiler.cli import main
from tests.support import PACKAGES, REPO, write_package


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


BROKEN = {
    "package.yaml": "package: {name: broken}\n",
    "metrics.yaml": "metrics:\n  calls: {name: Calls, event_type: call, aggregate: count}\n",
    "products.yaml": "products:\n  calls: {name: Calls, type: usage, metric: callz}\n",
}


def test_validate_the_example_packages_is_clean() -> None:
    code, output = run("validate", str(PACKAGES))
    assert code == 0, output
    assert output.strip().endswith("0 error(s), 0 warning(s)")


def test_validate_reports_file_line_column_and_exits_1(tmp_path: Path) -> None:
    write_package(tmp_path, BROKEN)
    code, output = run("validate", str(tmp_path))
    assert code == 1
    # products.yaml line 2 is "  calls: {name: Calls, type: usage, metric: callz}";
    # "callz" starts at column 45
    assert f"{tmp_path}/products.yaml:2:45: error[E0201]:" in output
    assert "did you mean 'calls'?" in output


def test_validate_json_and_sarif_are_pure_json(tmp_path: Path) -> None:
    write_package(tmp_path, BROKEN)
    code, output = run("validate", "--format", "json", str(tmp_path))
    assert code == 1
    diagnostics = json.loads(output)["diagnostics"]
    assert any(d["code"] == "E0201" and d["line"] == 2 for d in diagnostics)
    code, output = run("validate", "--format", "sarif", str(tmp_path))
    sarif = json.loads(output)
    assert sarif["version"] == "2.1.0"
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "E0201")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_validate_github_annotations_escape_and_keep_the_full_report(tmp_path: Path) -> None:
    write_package(tmp_path, BROKEN)
    code, output = run("validate", "--format", "github", str(tmp_path))
    assert code == 1
    annotation = next(line for line in output.splitlines() if line.startswith("::error "))
    assert ",line=2,col=45,title=E0201::" in annotation
    assert "error[E0201]" in output  # the text report follows the annotations


def test_no_text_from_a_package_starts_a_line_of_the_report(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A pull request's own text (a key with line breaks, a file name) must not start a line
    of the report, where GitHub would run it as a workflow command (found by a probe: a key
    holding `\n::error ...` and `::add-mask::` printed those lines raw, in every format)."""
    write_package(
        tmp_path,
        {
            **BROKEN,
            "extra.yaml": '"x\\n::error file=evil.yaml,line=1::INJECTED\\r\\n::add-mask::foo": 1\n',
            "::warning::named.yaml": "nonsense: 1\n",
            "##[error]named.yaml": "nonsense: 1\n",
            " ::notice::spaced.yaml": "nonsense: 1\n",  # the runner trims a line first
            "units.yaml": '"##[add-mask]Total": 1\n',  # found anywhere in a line
        },
    )
    monkeypatch.chdir(tmp_path)  # file names shown relative, as they start
    for fmt in ("text", "github"):
        code, output = run("validate", "--format", fmt, ".")
        assert code == 1
        lines = output.splitlines()
        own = [line for line in lines if line.startswith(("::error file=", "::warning file="))]
        # errors: E0201 and five unknown sections, each an annotation in the github format
        assert len([a for a in own if a.startswith("::error")]) == (6 if fmt == "github" else 0)
        assert not [line for line in lines if line not in own and line.lstrip()[:1] in ":#"]
        assert not [line for line in lines if line not in own and "##[" in line]  # v1 commands
        assert "INJECTED" in output and "add-mask" in output  # shown, escaped
        assert "'x\\n::error file=evil.yaml,line=1::INJECTED\\r\\n::add-mask::foo'" in output


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "package.yaml": "package: {name: lonely}\n",
            "metrics.yaml": (
                "metrics:\n  calls: {name: Calls, event_type: call, aggregate: count}\n"
            ),
        },
    )
    assert run("validate", str(tmp_path))[0] == 0
    code, output = run("validate", "--strict", str(tmp_path))
    assert code == 1 and "warning[W0601]" in output


def test_usage_errors_exit_2() -> None:
    assert run("validate", "--format", "xml")[0] == 2
    assert run("preview", str(PACKAGES / "ai-platform"), "--scenario", "nope")[0] == 2
    assert run("no-such-command")[0] == 2


def test_preview_json_is_the_golden_document() -> None:
    code, output = run(
        "preview", str(PACKAGES / "ai-platform"), "--scenario", "november", "--format", "json"
    )
    assert code == 0
    assert output == (REPO / "golden/ai-platform/november.json").read_text()


def test_preview_text_and_markdown_show_the_totals() -> None:
    golden = json.loads((REPO / "golden/ai-platform/november.json").read_text())
    totals = [i["total"] for i in golden["invoices"]]
    for fmt in ("text", "markdown"):
        code, output = run(
            "preview", str(PACKAGES / "ai-platform"), "--scenario", "november", "--format", fmt
        )
        assert code == 0
        for total in totals:
            assert total in output


def test_compile_writes_a_plan_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    code, _ = run("compile", str(PACKAGES / "gpu-cloud"), "-o", str(target))
    assert code == 0
    assert json.loads(target.read_text())["plan_hash"].startswith("sha256:")


def test_compile_of_a_broken_package_exits_1(tmp_path: Path) -> None:
    write_package(tmp_path, BROKEN)
    assert run("compile", str(tmp_path))[0] == 1


def test_internal_errors_exit_3_without_a_traceback(monkeypatch: object) -> None:
    import compiler.api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(compiler.api, "validate", boom)  # type: ignore[attr-defined]
    code, output = run("validate", str(PACKAGES / "ai-platform"))
    assert code == 3
    assert "internal error" in output and "Traceback" not in output


def test_graph_prints_mermaid_and_dot() -> None:
    code, output = run("graph", str(PACKAGES / "ai-platform"))
    assert code == 0 and output.startswith("flowchart")
    code, output = run("graph", str(PACKAGES / "ai-platform"), "--format", "dot")
    assert code == 0 and output.startswith("digraph")


def test_schemas_are_up_to_date() -> None:
    """schemas/ is generated from the models; run `plan schema` after changing a model."""
    code, output = run("schema", "--check", "--dir", str(REPO / "schemas"))
    assert code == 0, output


def test_replay_gives_the_same_invoices_as_preview(tmp_path: Path) -> None:
    scenario = PACKAGES / "ai-platform/scenarios/november"
    text = (scenario / "scenario.yaml").read_text()
    customers = tmp_path / "customers.yaml"
    customers.write_text(text[text.index("customers:") : text.index("events:")])
    code, output = run(
        "replay", str(PACKAGES / "ai-platform"), str(scenario / "events.jsonl"),
        "--customers", str(customers), "--period", "2026-11-01..2026-12-01",
        "--as-of", "2026-12-03T00:00:00Z", "--format", "json",
    )  # fmt: skip
    assert code == 0, output
    replayed = json.loads(output)
    golden = json.loads((REPO / "golden/ai-platform/november.json").read_text())
    assert replayed["invoices"] == golden["invoices"]
    assert replayed["accounting"] == golden["accounting"]


def test_replay_usage_errors(tmp_path: Path) -> None:
    events = PACKAGES / "ai-platform/scenarios/november/events.jsonl"
    customers = tmp_path / "customers.yaml"
    customers.write_text(
        "customers:\n  x: {name: X, contracts: [{id: c, template: nope, "
        "starting_at: 2026-11-01}]}\n"
    )
    package = str(PACKAGES / "ai-platform")
    assert run("replay", package, str(events), "--customers", str(customers),
               "--period", "2026-11-01")[0] == 2  # fmt: skip


REPLAY_EVENT = (
    '{"transaction_id": "t0", "customer_id": "a", "event_type": "llm_request", '
    '"timestamp": "2026-11-05T10:00:00Z", "properties": {"model_name": "kestrel-large", '
    '"input_tokens": 1000000, "output_tokens": 0}}\n'
)


def _replay_customers(
    tmp_path: Path,
    customers_yaml: str,
    *options: str,
    period: str = "2026-11-01..2026-12-01",
) -> tuple[int, str, str]:
    """`plan replay` of the ai-platform package over one event, with a customers file."""
    events = tmp_path / "events.jsonl"
    events.write_text(REPLAY_EVENT)
    customers = tmp_path / "customers.yaml"
    customers.write_text(customers_yaml)
    result = CliRunner().invoke(
        main,
        ["replay", str(PACKAGES / "ai-platform"), str(events), "--customers", str(customers),
         "--period", period, "--format", "json", *options],
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_replay_checks_the_customers_file_as_validate_checks_a_scenario(tmp_path: Path) -> None:
    """Overlapping contracts billed the event twice, on both contracts (and the accounting
    counted it twice); now the file is refused with a diagnostic, as a scenario is."""
    code, out, err = _replay_customers(
        tmp_path,
        "customers:\n"
        "  a:\n"
        "    name: A\n"
        "    contracts:\n"
        "      - {id: a1, template: self_serve, starting_at: 2026-01-01}\n"
        "      - {id: a2, template: self_serve, starting_at: 2026-06-01}\n",
    )
    assert code == 1
    assert out == ""  # no invoices from a customers file that fails its checks
    assert f"{tmp_path}/customers.yaml:6:53: error[E0503]: contract 'a2'" in err


@pytest.mark.parametrize(
    ("contract", "code", "at"),
    [
        # was an internal error: ValueError: contract ends ... before it starts
        (
            "{id: a1, template: self_serve, starting_at: 2026-06-01, ending_before: 2026-01-01}",
            "E0506",
            "2026-01-01",
        ),
        # was a usage error naming no line
        ("{id: a1, template: self_servce, starting_at: 2026-06-01}", "E0501", "self_servce"),
    ],
)
def test_replay_reports_a_bad_contract_at_its_line(
    tmp_path: Path, contract: str, code: str, at: str
) -> None:
    line = f"    {{name: A, contracts: [{contract}]}}"
    exit_code, out, err = _replay_customers(tmp_path, f"customers:\n  a:\n{line}\n")
    assert (exit_code, out) == (1, "")
    assert f"{tmp_path}/customers.yaml:3:{line.index(at) + 1}: error[{code}]" in err


@pytest.mark.parametrize(
    "period", ["9999-12-01..9999-12-31", "0001-01-01..9999-12-31", "2026-11-01..9000-01-02"]
)
def test_replay_refuses_a_period_past_the_calendar_as_a_usage_error(
    tmp_path: Path, period: str
) -> None:
    """Was an internal error: `ValueError: year 10000 is out of range`."""
    code, out, err = _replay_customers(tmp_path, "customers: {}\n", period=period)
    assert code == 2, out + err
    assert "a date must be from 1900-01-01 to 9000-01-01" in err


def test_replay_reports_a_contract_start_past_the_calendar(tmp_path: Path) -> None:
    """Was an internal error: `ValueError: year 10000 is out of range`."""
    line = "    {name: A, contracts: [{id: a1, template: enterprise, starting_at: 9999-12-01}]}"
    code, out, err = _replay_customers(tmp_path, f"customers:\n  a:\n{line}\n")
    assert (code, out) == (1, "")
    column = line.index("9999-12-01") + 1
    assert f"{tmp_path}/customers.yaml:3:{column}: error[E0101]: " in err


@pytest.mark.parametrize(
    ("limit", "problem"),
    [
        ("1B", "at least 128MB"),  # was an internal error: DuckDB's OutOfMemoryException
        ("64MB", "at least 128MB"),
        ("99999999TB", "at most 1000TB"),  # was an internal error: DuckDB's ParserException
        ("lots", "a size such as 512MB or 2GB"),
    ],
)
def test_replay_refuses_a_memory_limit_duckdb_cannot_work_in(
    tmp_path: Path, limit: str, problem: str
) -> None:
    code, out, err = _replay_customers(tmp_path, "customers: {}\n", "--memory-limit", limit)
    assert code == 2, out + err
    assert f"'{limit}': {problem}" in err


def test_an_interrupted_replay_says_so_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while DuckDB works raises its InterruptException, which ended as an internal
    error asking for a bug report (exit 3; found in review)."""
    import duckdb

    from compiler import api

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setattr(api, "replay_files", interrupted)
    code, out, err = _replay_customers(tmp_path, "customers: {}\n")
    assert (code, out, err) == (130, "", "plan: interrupted\n")


def test_replay_out_of_memory_within_the_limit_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine with many threads may need more than the minimum: running out of memory
    asks for a larger limit (exit 2), never an internal error."""
    import compiler.engine.store as store

    monkeypatch.setattr(store, "MIN_MEMORY_LIMIT", 1)  # let 1MB through, as such a machine would
    scenario = PACKAGES / "ai-platform/scenarios/november"
    text = (scenario / "scenario.yaml").read_text()
    customers = tmp_path / "customers.yaml"
    customers.write_text(text[text.index("customers:") : text.index("events:")])
    result = CliRunner().invoke(
        main,
        ["replay", str(PACKAGES / "ai-platform"), str(scenario / "events.jsonl"),
         "--customers", str(customers), "--period", "2026-11-01..2026-12-01",
         "--memory-limit", "1MB"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "plan: error: the replay ran out of memory within the limit of 1MB" in result.stderr
    assert "internal error" not in result.stderr


def test_replay_says_what_an_empty_customers_file_should_hold(tmp_path: Path) -> None:
    code, out, err = _replay_customers(tmp_path, "")
    assert (code, out) == (1, "")
    assert "error[E0007]: a customers file is a mapping with a `customers:` section" in err


def run_process(tmp_path: Path, *args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """`plan ARGS` as its own process, through `compiler.cli.run` (the console entry point),
    with an `atexit` clean-up registered first that leaves a file behind, after the code
    `before`. Output is buffered, as it is for a user whose output goes to a pipe."""
    marker = tmp_path / "atexit-ran"
    program = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        f"{before}\n"
        "from compiler.cli import run\n"
        f"sys.argv = ['plan', *{list(args)!r}]\n"
        "run()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_the_console_entry_point_flushes_everything_and_runs_atexit_clean_ups(
    tmp_path: Path,
) -> None:
    """`run` ends the process with os._exit once the command is done: its output must all be
    there, the exit code kept, and the atexit clean-ups run."""
    done = run_process(tmp_path, "preview", str(PACKAGES / "ai-platform"), "--format", "json")
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)  # the whole document, flushed
    assert '"invoices"' in done.stdout
    assert (tmp_path / "atexit-ran").read_text() == "yes"


def test_the_console_entry_point_keeps_the_exit_codes(tmp_path: Path) -> None:
    write_package(tmp_path / "broken", BROKEN)
    found = run_process(tmp_path, "validate", str(tmp_path / "broken"))
    assert found.returncode == 1
    assert found.stdout.strip().endswith("1 error(s), 2 warning(s)")
    usage = run_process(tmp_path, "validate", "--no-such-option")
    assert usage.returncode == 2
    assert "No such option" in usage.stderr
    assert (tmp_path / "atexit-ran").read_text() == "yes"


def test_the_console_entry_point_keeps_what_atexit_clean_ups_print(tmp_path: Path) -> None:
    """A clean-up's output is flushed too, though os._exit skips Python's own flushing."""
    done = run_process(
        tmp_path, "validate", str(PACKAGES / "ai-platform"),
        before="atexit.register(print, 'clean-up done')",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("clean-up done\n")


def test_the_console_entry_point_waits_for_a_running_thread(tmp_path: Path) -> None:
    """os._exit would kill a thread that is still working; Python waits for it, and so does
    the entry point (it then takes Python's way out)."""
    finished = tmp_path / "thread-finished"
    done = run_process(
        tmp_path, "validate", str(PACKAGES / "ai-platform"),
        before=(
            "import threading\n"
            "def work():\n"
            "    threading.main_thread().join()\n"  # still at work when the command is done
            f"    pathlib.Path({str(finished)!r}).write_text('yes')\n"
            "threading.Thread(target=work).start()"
        ),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert finished.read_text() == "yes"
    assert (tmp_path / "atexit-ran").read_text() == "yes"
