"""From a package directory to validated models: read the sources, then schema-check them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.checks.schema import validate_model
from compiler.diagnostics import Diagnostic
from compiler.model import Package, Scenario
from compiler.source.package_source import PackageSource, ScenarioSource, read_package
from compiler.source.yaml_reader import DEFAULT_LIMITS, Limits


@dataclass
class LoadedScenario:
    source: ScenarioSource
    model: Scenario | None

    @property
    def name(self) -> str:
        return self.source.name


@dataclass
class LoadedPackage:
    source: PackageSource
    model: Package | None
    scenarios: list[LoadedScenario]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.source.name

    def scenario(self, name: str) -> LoadedScenario | None:
        return next((s for s in self.scenarios if s.name == name), None)


def load_package(directory: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedPackage:
    """Read and schema-check a package and its scenarios; problems are collected, not raised."""
    source = read_package(directory, limits)
    diagnostics = list(source.diagnostics)
    model = None
    if not any(d.code in ("E0011",) for d in diagnostics):
        model, problems = validate_model(Package, source.data, source.positions)
        if "package" not in source.data:  # already reported at the first file, not the folder
            problems = [p for p in problems if not p.message.startswith("required key 'package'")]
        diagnostics.extend(problems)
    scenarios = []
    for scenario_source in source.scenarios:
        diagnostics.extend(scenario_source.diagnostics)
        scenario_model = None
        if scenario_source.data is not None:
            scenario_model, problems = validate_model(
                Scenario, scenario_source.data, scenario_source.positions
            )
            diagnostics.extend(problems)
        scenarios.append(LoadedScenario(scenario_source, scenario_model))
    return LoadedPackage(source, model, scenarios, diagnostics)
