"""Replaying a package's scenario: its customers, its event files, its period and `as_of`."""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import display_path
from compiler.engine.executors import Engine
from compiler.engine.periods import Period
from compiler.engine.replay import ReplayInput
from compiler.loader import LoadedScenario


def scenario_event_files(scenario: LoadedScenario) -> list[tuple[Path, str]]:
    """The scenario's event files in the order given; default every *.jsonl(.gz), by name."""
    assert scenario.model is not None
    directory = scenario.source.directory
    if scenario.model.events is not None:
        paths = [directory / name for name in scenario.model.events]
    else:
        paths = sorted(
            p
            for p in directory.iterdir()
            if p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz")
        )
    return [(p, display_path(p)) for p in paths]


def scenario_input(scenario: LoadedScenario, engine: Engine = "duckdb") -> ReplayInput:
    """A scenario as replay input; without `as_of`, invoices are judged at the period's end."""
    assert scenario.model is not None
    info = scenario.model.scenario
    period = Period(info.period.starting_at, info.period.ending_before)
    return ReplayInput(
        name=scenario.name,
        customers=scenario.model.customers,
        event_files=scenario_event_files(scenario),
        period=period,
        as_of=info.as_of or info.period.ending_before,
        engine=engine,
    )
