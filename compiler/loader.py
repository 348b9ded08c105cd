"""From a package directory to validated models: read the sources, then schema-check them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compiler.checks.schema import validate_model
from compiler.diagnostics import Diagnostic, Span
from compiler.model import Package, Scenario
from compiler.model.contracts import Contract
from compiler.model.scenario import Customer, CustomersFile
from compiler.source.package_source import (
    PackageSource,
    ScenarioSource,
    SourceMap,
    read_customers_file,
    read_package,
)
from compiler.source.yaml_reader import DEFAULT_LIMITS, Limits, YamlPath


@dataclass
class LoadedScenario:
    source: ScenarioSource
    model: Scenario | None

    @property
    def name(self) -> str:
        return self.source.name


@dataclass
class LoadedCustomers:
    """The `--customers` file of `plan replay`, read and schema-checked."""

    source: ScenarioSource
    model: CustomersFile | None


@dataclass(frozen=True)
class CustomerSection:
    """A schema-valid `customers:` section and where it is written: a scenario's, or the
    `plan replay --customers` file's. The checks of customers and their contracts
    (E05xx, and those of contract terms) look at every section alike."""

    customers: Mapping[str, Customer]
    positions: SourceMap
    scenario: LoadedScenario | None  # None: the customers file of `plan replay`

    @property
    def where(self) -> str:
        """How a message names the file: "the scenario" or "the customers file"."""
        return "the scenario" if self.scenario is not None else "the customers file"

    def span(self, path: YamlPath, at_key: bool = False) -> Span:
        return self.positions.key(path) if at_key else self.positions.value(path)

    def contracts(self) -> Iterator[tuple[str, int, Contract]]:
        """Every contract: (customer ID, index in the customer's contracts, contract)."""
        for customer_id, customer in self.customers.items():
            for index, contract in enumerate(customer.contracts):
                yield customer_id, index, contract


@dataclass
class LoadedPackage:
    source: PackageSource
    model: Package | None
    scenarios: list[LoadedScenario]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # `plan replay --customers FILE`: checked with the package, as a scenario's customers are
    customers_file: LoadedCustomers | None = None

    @property
    def name(self) -> str:
        return self.source.name

    def scenario(self, name: str) -> LoadedScenario | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def customer_sections(self) -> list[CustomerSection]:
        """The customers of every schema-valid scenario, then those of the customers file."""
        sections = [
            CustomerSection(s.model.customers, s.source.positions, s)
            for s in self.scenarios
            if s.model is not None
        ]
        loaded = self.customers_file
        if loaded is not None and loaded.model is not None:
            sections.append(CustomerSection(loaded.model.customers, loaded.source.positions, None))
        return sections


def load_customers_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedCustomers:
    """Read and schema-check a `plan replay --customers` file; problems are in its source."""
    source = read_customers_file(path, limits)
    model = None
    if source.data is not None:
        model, problems = validate_model(CustomersFile, source.data, source.positions)
        source.diagnostics.extend(problems)
    return LoadedCustomers(source, model)


def load_package(
    directory: Path, limits: Limits = DEFAULT_LIMITS, customers_file: Path | None = None
) -> LoadedPackage:
    """Read and schema-check a package and its scenarios (and, for `plan replay`, a customers
    file); problems are collected, not raised."""
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
    customers = None
    if customers_file is not None:
        customers = load_customers_file(customers_file, limits)
        diagnostics.extend(customers.source.diagnostics)
    return LoadedPackage(source, model, scenarios, diagnostics, customers)
