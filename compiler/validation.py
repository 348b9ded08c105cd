"""`validate`: load, schema-check and graph-check packages and their scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.checks.registry import run_checks
from compiler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from compiler.loader import LoadedPackage, load_package
from compiler.source.yaml_reader import DEFAULT_LIMITS, Limits


@dataclass
class Validation:
    package: LoadedPackage
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def validate(
    directory: Path | str, limits: Limits = DEFAULT_LIMITS, customers_file: Path | None = None
) -> Validation:
    """Every problem of one package, sorted by position; never raises for bad input.

    With `customers_file` (`plan replay --customers`), that file's customers and contracts
    are checked too, as a scenario's are."""
    loaded = load_package(Path(directory), limits, customers_file)
    diagnostics = list(loaded.diagnostics)
    diagnostics.extend(run_checks(loaded))  # checks skip what failed the schema
    return Validation(loaded, sorted_diagnostics(diagnostics))
