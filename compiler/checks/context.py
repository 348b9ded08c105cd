"""What every check receives: the validated package, its positions and its dependency graph."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from compiler.diagnostics import Span
from compiler.loader import CustomerSection, LoadedPackage, LoadedScenario
from compiler.model import Package
from compiler.source.package_source import SourceMap
from compiler.source.yaml_reader import YamlPath


@dataclass(frozen=True)
class CheckContext:
    loaded: LoadedPackage
    package: Package
    graph: nx.DiGraph

    @property
    def positions(self) -> SourceMap:
        return self.loaded.source.positions

    def value(self, *path: str | int) -> Span:
        return self.positions.value(path)

    def key(self, *path: str | int) -> Span:
        return self.positions.key(path)

    @property
    def scenarios(self) -> list[LoadedScenario]:
        return [s for s in self.loaded.scenarios if s.model is not None]

    @property
    def customer_sections(self) -> list[CustomerSection]:
        """Every schema-valid scenario's customers, then the `plan replay` customers file's."""
        return self.loaded.customer_sections()


def scenario_span(scenario: LoadedScenario, path: YamlPath, at_key: bool = False) -> Span:
    positions = scenario.source.positions
    return positions.key(path) if at_key else positions.value(path)
