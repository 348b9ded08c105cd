"""Scenarios: customers, their contracts and the events to replay (SPEC 2.6)."""

from __future__ import annotations

from pydantic import Field

from compiler.model.common import Id, Instant, Strict
from compiler.model.contracts import Contract


class Period(Strict):
    starting_at: Instant
    ending_before: Instant


class ScenarioInfo(Strict):
    description: str | None = None
    period: Period
    as_of: Instant | None = None


class Customer(Strict):
    name: str
    ingest_aliases: list[str] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)


class CustomersFile(Strict):
    """The `--customers` file of `plan replay`: a `customers:` section as in a scenario."""

    customers: dict[Id, Customer]


class Scenario(Strict):
    scenario: ScenarioInfo
    customers: dict[Id, Customer]
    events: list[str] | None = None
