"""The `plan` command: a thin layer over `compiler.api`.

Exit codes: 0 clean, 1 errors found (or warnings with --strict), 2 usage error, 3 internal error.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import duckdb

from compiler import api
from compiler.diagnostics import CompilerError, Diagnostic, has_errors, sorted_diagnostics
from compiler.engine.executors import ENGINES, EngineUnavailable
from compiler.engine.invoice import ReplayResult
from compiler.engine.periods import Period
from compiler.engine.store import MemoryLimitError
from compiler.report.diagnostics_formats import FORMATS as DIAGNOSTIC_FORMATS

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C

F = TypeVar("F", bound=Callable[..., Any])

PACKAGES = click.argument("packages", nargs=-1, type=click.Path(path_type=Path, file_okay=False))


def guarded(command: F) -> F:
    """Turn an unexpected exception into exit 3 with a short request for a bug report."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except CompilerError as exc:
            _print_diagnostics(exc.diagnostics, "text", err=True)
            sys.exit(EXIT_FOUND)
        except EngineUnavailable as exc:
            click.echo(f"plan: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except MemoryLimitError as exc:
            click.echo(f"plan: error: {exc}\nRaise --memory-limit (e.g. 4GB).", err=True)
            sys.exit(EXIT_USAGE)
        except duckdb.InterruptException:  # Ctrl-C while DuckDB was at work
            click.echo("plan: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # the last line of defence: never a bare traceback
            click.echo(
                f"plan: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in plan-compiler; please report it with the command you ran "
                "(set PLAN_DEBUG=1 for the traceback).",
                err=True,
            )
            if _debug():
                traceback.print_exc()
            sys.exit(EXIT_INTERNAL)

    return run  # type: ignore[return-value]


def _debug() -> bool:
    import os

    return bool(os.environ.get("PLAN_DEBUG"))


def _print_diagnostics(diagnostics: list[Diagnostic], fmt: str, err: bool = False) -> None:
    click.echo(DIAGNOSTIC_FORMATS[fmt](sorted_diagnostics(diagnostics)), nl=False, err=err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plan-compiler")
def main() -> None:
    """Pricing as code: validate, compile and replay a price book kept as YAML."""


@main.command()
@PACKAGES
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(DIAGNOSTIC_FORMATS)),
    default="text",
    show_default=True,
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@guarded
def validate(packages: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Check packages and their scenarios (default: every package under ./packages)."""
    diagnostics: list[Diagnostic] = []
    for directory in api.package_dirs(packages):
        diagnostics.extend(api.validate(directory).diagnostics)
    _print_diagnostics(diagnostics, fmt)
    sys.exit(EXIT_FOUND if has_errors(diagnostics, strict) else EXIT_OK)


@main.command(name="compile")
@click.argument("package", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the plan here instead of stdout.",
)
@guarded
def compile_command(package: Path, output: Path | None) -> None:
    """Compile a package into its rating plan (deterministic JSON)."""
    from compiler.plan.serialize import plan_document

    plan, _ = api.compile_package(package)
    document = plan_document(plan)
    if output is None:
        click.echo(document, nl=False)
    else:
        try:
            output.write_text(document, encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write {output}: {exc.strerror}", param_hint="-o"
            ) from exc
        click.echo(f"wrote {output} ({plan.plan_hash})", err=True)


PREVIEW_FORMATS = ("text", "json", "markdown", "html")


def _echo_results(
    results: list[ReplayResult], fmt: str, names: dict[str, dict[str, str]] | None = None
) -> None:
    """Invoices in the format asked for; a machine format puts nothing else on stdout."""
    # Each renderer is imported only for its format: the text one brings in rich.
    if fmt == "json":
        import json

        from compiler.report.invoice_json import invoice_document, to_json_bytes

        if len(results) == 1:
            click.echo(to_json_bytes(results[0]), nl=False)
        else:
            documents = [invoice_document(r) for r in results]
            click.echo(json.dumps(documents, indent=2, ensure_ascii=False))
        return
    if fmt == "html":
        from compiler.report.invoice_html import to_html

        click.echo(to_html(results, names), nl=False)
        return
    if fmt == "markdown":
        from compiler.report.invoice_markdown import to_markdown as render
    else:
        from compiler.report.invoice_text import to_text as render
    click.echo("\n".join(render(r) for r in results), nl=False)


# `preview` and `replay` choose where their metering queries run alike
engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="duckdb",
    show_default=True,
    help="Where the metering queries run: duckdb (embedded) or spark (a local Spark session; "
    "needs the [spark] extra and Java 17).",
)


@main.command()
@click.argument("package", type=click.Path(path_type=Path, file_okay=False))
@click.option("--scenario", help="Replay only this scenario (default: all of the package's).")
@engine_option
@click.option(
    "--format", "fmt", type=click.Choice(PREVIEW_FORMATS), default="text", show_default=True
)
@guarded
def preview(package: Path, scenario: str | None, engine: str, fmt: str) -> None:
    """Replay a package's scenarios and print their invoices."""
    try:
        results = api.preview(package, scenario, engine)  # type: ignore[arg-type]
    except LookupError as exc:
        raise click.UsageError(str(exc)) from exc
    _echo_results(results, fmt, _customer_names(package) if fmt == "html" else None)


@contextmanager
def _progress_on_terminal() -> Iterator[None]:
    """A rich progress bar on stderr while DuckDB works, only when stderr is a terminal."""
    from compiler.engine.store import progress_display

    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    tasks: dict[str, TaskID] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:

        def show(what: str, percent: float | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=100)
            bar.update(tasks[what], completed=100 if percent is None else percent)

        token = progress_display.set(show)
        try:
            yield
        finally:
            progress_display.reset(token)


def _memory_limit(text: str) -> str:
    from compiler.engine.store import memory_limit_problem

    problem = memory_limit_problem(text)
    if problem is not None:
        raise click.BadParameter(f"{text!r}: {problem}")
    return text.strip()


def _period(text: str) -> Period:
    from compiler.model.common import parse_instant

    start, sep, end = text.partition("..")
    try:
        if not sep:
            raise ValueError("expected START..END")
        return Period(parse_instant(start.strip()), parse_instant(end.strip()))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: {exc} (e.g. 2026-11-01..2026-12-01)") from exc


@main.command(name="replay")
@click.argument("package", type=click.Path(path_type=Path, file_okay=False))
@click.argument(
    "events", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@click.option(
    "--customers",
    "customers_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="YAML file with a `customers:` section, as in a scenario.",
)
@click.option(
    "--period",
    "period_text",
    required=True,
    metavar="START..END",
    help="The window to invoice, e.g. 2026-11-01..2026-12-01.",
)
@click.option(
    "--as-of", "as_of", metavar="INSTANT", help="Judge draft/finalized at (default: now)."
)
@engine_option
@click.option(
    "--memory-limit",
    default="2GB",
    show_default=True,
    callback=lambda _ctx, _param, value: _memory_limit(value),
    help="DuckDB's memory limit; what does not fit spills to a temporary directory.",
)
@click.option(
    "--format", "fmt", type=click.Choice(PREVIEW_FORMATS), default="text", show_default=True
)
@guarded
def replay_command(
    package: Path,
    events: tuple[Path, ...],
    customers_file: Path,
    period_text: str,
    as_of: str | None,
    engine: str,
    memory_limit: str,
    fmt: str,
) -> None:
    """Replay event files through a package's plan (backtesting at scale).

    Events: JSON Lines (.jsonl, .jsonl.gz) or Parquet, any number of files. A progress bar
    shows on a terminal (on stderr), never when the output is piped."""
    from compiler.model.common import parse_instant

    period = _period(period_text)
    when = None
    if as_of is not None:
        try:
            when = parse_instant(as_of)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from exc
    try:
        with _progress_on_terminal():
            result = api.replay_files(
                package,
                customers_file,
                list(events),
                period,
                when,
                memory_limit,
                engine,  # type: ignore[arg-type]
            )
    except LookupError as exc:
        raise click.UsageError(str(exc)) from exc
    _echo_results([result], fmt)


def _customer_names(package: Path) -> dict[str, dict[str, str]]:
    """Scenario → customer ID → name, for pages a customer reads (invoices carry only IDs)."""
    return {
        s.name: {cid: c.name for cid, c in s.model.customers.items()}
        for s in api.validate(package).package.scenarios
        if s.model is not None
    }


@main.command()
@click.argument("package", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True
)
@guarded
def graph(package: Path, fmt: str) -> None:
    """Print the package's dependency graph."""
    from compiler.checks.graph import build_graph, to_dot, to_mermaid

    validation = api.validate(package)
    if validation.package.model is None:
        _print_diagnostics(validation.diagnostics, "text", err=True)
        sys.exit(EXIT_FOUND)
    rendered = build_graph(validation.package)
    click.echo((to_dot if fmt == "dot" else to_mermaid)(rendered), nl=False)


@main.command()
@click.option(
    "--check",
    is_flag=True,
    help="Fail if schemas/ differs from the models or a schema fails its meta-schema.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schemas"),
    show_default=True,
)
@guarded
def schema(check: bool, directory: Path) -> None:
    """Write (or check) the JSON Schemas of every file kind."""
    from compiler import schemas

    if check:
        problems = schemas.check(directory)
        for problem in problems:
            click.echo(problem)
        sys.exit(EXIT_FOUND if problems else EXIT_OK)
    for path in schemas.write(directory):
        click.echo(f"wrote {path}")


def _instant(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from compiler.model.common import parse_instant

    if value is None:
        return None
    try:
        return parse_instant(value.strip())  # typed on a command line: spaces are not meant
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}") from exc


DIFF_FORMATS = ("text", "json", "markdown")


@main.command()
@click.option("--base", required=True, metavar="REV", help="Git revision to compare with.")
@PACKAGES
@click.option(
    "--as-of",
    "as_of",
    metavar="INSTANT",
    callback=_instant,
    help="Rates in effect at this instant count as released (default: now).",
)
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True)
@guarded
def diff(base: str, packages: tuple[Path, ...], as_of: Any, fmt: str) -> None:
    """Compare packages at a git revision with the working tree; exit 1 on breaking changes."""
    from compiler.diff import RevisionError, diff_revision
    from compiler.report import diff_json, diff_markdown, diff_text

    try:
        report = diff_revision(base, packages, as_of)
    except RevisionError as exc:
        raise click.UsageError(str(exc)) from exc
    render = {
        "text": diff_text.to_text,
        "json": diff_json.to_json,
        "markdown": diff_markdown.to_markdown,
    }[fmt]
    click.echo(render(report), nl=False)
    sys.exit(EXIT_FOUND if report.breaking else EXIT_OK)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--package", "package_name", help="Name of the starter package (default: DIR's).")
@guarded
def init(directory: Path, package_name: str | None) -> None:
    """Write a starter pricing repository: a package, a scenario, golden tests and CI."""
    from compiler.starter import StarterError, write_starter

    try:
        written = write_starter(directory, package_name)
    except StarterError as exc:
        raise click.UsageError(str(exc)) from exc
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && git init && plan validate && python -m pytest")


def run() -> None:
    """The `plan` console command: `main`, then out without tearing the interpreter down.

    Once the command is done and its output flushed, the `atexit` clean-ups run and the process
    ends (`os._exit`) without freeing every module and object one by one, which took a tenth
    of a second after a replay. Where the output cannot be flushed (a reader that went away),
    another thread is still running (os._exit would kill it, where Python waits for it), or the
    command did not end by exiting, Python's own way out is taken."""
    try:
        main()
    except SystemExit as done:
        code = done.code
        if code is not None and not isinstance(code, int):
            raise  # a message to print: Python's way
        if any(t.is_alive() and not t.daemon for t in _other_threads()):
            raise
        try:
            _flush()
        except (OSError, AttributeError, ValueError):  # closed, absent or gone
            raise done from None
        atexit._run_exitfuncs()  # runs each clean-up once, then forgets it
        with suppress(OSError, AttributeError, ValueError):
            _flush()  # what the clean-ups wrote
        os._exit(code or 0)


def _other_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t is not threading.main_thread()]


def _flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


if __name__ == "__main__":
    run()
