"""The library API the CLI is a thin layer over: validate, compile, preview, replay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from compiler.diagnostics import CompilerError, error, has_errors
from compiler.engine.executors import Engine
from compiler.engine.invoice import ReplayResult
from compiler.engine.periods import Period
from compiler.engine.replay import ReplayInput, replay
from compiler.engine.scenario_replay import scenario_input
from compiler.engine.sql_metrics import SqlMetricError
from compiler.engine.store import DEFAULT_MEMORY_LIMIT
from compiler.loader import load_customers_file
from compiler.model.scenario import Customer
from compiler.plan.build import build_plan
from compiler.plan.ir import RatingPlan
from compiler.validation import Validation, validate

__all__ = [
    "ReplayInput",
    "compile_package",
    "package_dirs",
    "preview",
    "replay",
    "replay_files",
    "validate",
]


def package_dirs(
    paths: list[Path] | tuple[Path, ...], default_root: Path = Path("packages")
) -> list[Path]:
    """Packages named by paths: a package directory, or a directory of packages (`packages/`);
    no paths means every package under ./packages."""
    roots = list(paths) or [default_root]
    found: list[Path] = []
    for root in roots:
        if root.is_dir() and not any(root.glob("*.yaml")) and not any(root.glob("*.yml")):
            children = sorted(
                p
                for p in root.iterdir()
                if p.is_dir() and (any(p.glob("*.yaml")) or any(p.glob("*.yml")))
            )
            if children:
                found.extend(children)
                continue
        found.append(root)
    return found


def compile_package(
    directory: Path | str, customers_file: Path | None = None
) -> tuple[RatingPlan, Validation]:
    """Validate and compile a package; raises CompilerError when it has errors.

    With `customers_file`, that file is checked with the package (see `validate`), and its
    errors stop the compilation as the package's do."""
    validation = validate(Path(directory), customers_file=customers_file)
    if has_errors(validation.diagnostics) or validation.package.model is None:
        raise CompilerError([d for d in validation.diagnostics if d.severity == "error"])
    return build_plan(validation.package.model), validation


def preview(
    directory: Path | str, scenario: str | None = None, engine: Engine = "duckdb"
) -> list[ReplayResult]:
    """Replay a package's scenarios (or the one named) through its compiled plan."""
    plan, validation = compile_package(directory)
    scenarios = validation.package.scenarios
    if scenario is not None:
        scenarios = [s for s in scenarios if s.name == scenario]
        if not scenarios:
            names = ", ".join(s.name for s in validation.package.scenarios) or "none"
            raise LookupError(f"no scenario '{scenario}' in {directory} (scenarios: {names})")
    with _sql_metric_errors(validation):
        return [replay(plan, scenario_input(s, engine)) for s in scenarios if s.model is not None]


def load_customers(path: Path) -> dict[str, Customer]:
    """The `customers:` section of a `plan replay --customers` file, schema-checked; raises
    CompilerError. The checks against a package (templates, aliases, overlaps, ...) are made
    by `compile_package(directory, customers_file=path)`."""
    loaded = load_customers_file(path)
    if loaded.model is None or has_errors(loaded.source.diagnostics):
        raise CompilerError(loaded.source.diagnostics)
    return dict(loaded.model.customers)


def replay_files(
    directory: Path | str,
    customers_file: Path,
    event_files: list[Path],
    period: Period,
    as_of: datetime | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    engine: Engine = "duckdb",
) -> ReplayResult:
    """Backtest a package on real usage: `plan replay`.

    Raises ValueError for a period outside the dates a package may use (see
    `compiler.model.common.check_instant_range`), as the command line refuses it."""
    from compiler.diagnostics import display_path
    from compiler.model.common import check_instant_range

    check_instant_range(period.start)
    check_instant_range(period.end)

    plan, validation = compile_package(directory, customers_file)
    # compiled: the package and the customers file passed every check, E05xx included
    loaded = validation.package.customers_file
    assert loaded is not None and loaded.model is not None
    inputs = ReplayInput(
        name="replay",
        customers=dict(loaded.model.customers),
        event_files=[(p, display_path(p)) for p in event_files],
        period=period,
        as_of=as_of or datetime.now(UTC),
        memory_limit=memory_limit,
        engine=engine,
    )
    with _sql_metric_errors(validation):
        return replay(plan, inputs)


@contextmanager
def _sql_metric_errors(validation: Validation) -> Iterator[None]:
    """A SQL metric that fails at run time becomes a diagnostic on its `sql` node."""
    try:
        yield
    except SqlMetricError as exc:
        span = validation.package.source.positions.value(("metrics", exc.metric_id, "sql"))
        raise CompilerError(
            [
                error(
                    "E0405",
                    f"SQL metric '{exc.metric_id}' failed at run time: {exc.reason}",
                    span,
                    "run the query on a sample of events; it must return `value` and its "
                    "group keys",
                )
            ]
        ) from exc
