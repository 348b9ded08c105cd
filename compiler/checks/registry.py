"""The registry of checks, run in order over a schema-valid package."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic
from compiler.loader import LoadedPackage

Check = Callable[[CheckContext], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = ()


def run_checks(loaded: LoadedPackage) -> list[Diagnostic]:
    if loaded.model is None:
        return []
    from compiler.checks.graph import build_graph

    context = CheckContext(loaded, loaded.model, build_graph(loaded))
    diagnostics: list[Diagnostic] = []
    for check in CHECKS:
        diagnostics.extend(check(context))
    return diagnostics
