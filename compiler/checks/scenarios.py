"""Scenarios: customers, their contracts and event files (E0501-E0507).

Each scenario file has its own source map; diagnostics point into `scenario.yaml`. The checks
of customers and contracts (E0501-E0503, E0506, E0507) look at every customers section alike:
each scenario's, and the customers file of `plan replay`, whose diagnostics point into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from compiler.checks.context import CheckContext, scenario_span
from compiler.checks.intervals import overlapping
from compiler.checks.suggest import did_you_mean
from compiler.diagnostics import Diagnostic, error
from compiler.engine.periods import month_offset
from compiler.loader import CustomerSection, LoadedScenario
from compiler.model.contracts import Contract
from compiler.source.package_source import inside


def _day(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def contract_templates(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0501: a scenario contract's template is defined in the package."""
    templates = ctx.package.contract_templates
    for section in ctx.customer_sections:
        for customer_id, i, contract in section.contracts():
            if contract.template in templates:
                continue
            known = sorted(templates)
            yield error(
                "E0501",
                f"contract '{contract.id}' of customer '{customer_id}' names template "
                f"'{contract.template}', which is not defined",
                section.span(("customers", customer_id, "contracts", i, "template")),
                did_you_mean(contract.template, known)
                or (
                    f"defined templates: {', '.join(known)}"
                    if known
                    else "the package defines no contract templates"
                ),
            )


def ingest_aliases(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0502: an ingest alias belongs to one customer and is no other customer's ID."""
    for section in ctx.customer_sections:
        owner: dict[str, str] = {cid: cid for cid in section.customers}
        for customer_id, customer in section.customers.items():
            for j, alias in enumerate(customer.ingest_aliases):
                claimed = owner.setdefault(alias, customer_id)
                if claimed == customer_id:
                    continue
                what = "the ID of customer" if alias == claimed else "already an alias of customer"
                yield error(
                    "E0502",
                    f"ingest alias '{alias}' of customer '{customer_id}' is {what} '{claimed}'",
                    section.span(("customers", customer_id, "ingest_aliases", j)),
                    "an event's customer_id must name one customer",
                )


def _end(ctx: CheckContext, contract: Contract) -> datetime | None:
    """Where a contract ends: its ending_before, else its start plus the template's term."""
    if contract.ending_before is not None:
        return contract.ending_before
    template = ctx.package.contract_templates.get(contract.template)
    if template is not None and template.duration_months is not None:
        # inside the calendar: the model bounds the start and the term (MAX_MONTHS)
        return month_offset(contract.starting_at, template.duration_months)
    return None


def contracts_disjoint(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0503: a customer's contracts do not overlap in time."""
    for section in ctx.customer_sections:
        for customer_id, customer in section.customers.items():
            yield from _overlaps(ctx, section, customer_id, customer.contracts)


def _overlaps(
    ctx: CheckContext, section: CustomerSection, customer_id: str, contracts: list[Contract]
) -> Iterator[Diagnostic]:
    ends = [_end(ctx, c) for c in contracts]
    intervals = [
        (c.starting_at, ends[i], i)
        for i, c in enumerate(contracts)
        if c.ending_before is None or c.ending_before > c.starting_at  # else E0506
    ]
    for i, j in overlapping(intervals):
        earlier_end = ends[j]
        path = ("customers", customer_id, "contracts")
        yield error(
            "E0503",
            f"contract '{contracts[i].id}' of customer '{customer_id}' starts "
            f"{_day(contracts[i].starting_at)}, inside contract '{contracts[j].id}' "
            f"(line {section.span((*path, j), at_key=True).line}), which "
            + (f"ends {_day(earlier_end)}" if earlier_end else "never ends"),
            section.span((*path, i, "starting_at")),
            "an event belongs to one contract: end the earlier contract "
            "(ending_before) where the next starts",
        )


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte: no such file either way
        return False


def _event_file_problems(scenario: LoadedScenario, package_dir: Path) -> Iterator[Diagnostic]:
    assert scenario.model is not None
    directory = scenario.source.directory
    if scenario.model.events is None:
        for found in sorted([*directory.glob("*.jsonl"), *directory.glob("*.jsonl.gz")]):
            if not inside(found, package_dir):
                yield error(
                    "E0504",
                    f"event file '{found.name}' links outside the package directory",
                    scenario_span(scenario, ()),
                    "event files stay inside the package directory",
                )
        return
    for i, text in enumerate(scenario.model.events):
        span = scenario_span(scenario, ("events", i))
        candidate = Path(text)
        if candidate.is_absolute() or text.startswith("~"):
            yield error(
                "E0504",
                f"event file path '{text}' is absolute",
                span,
                "paths are relative to the scenario directory, inside the package",
            )
        elif not inside(directory / candidate, package_dir):
            yield error(
                "E0504",
                f"event file path '{text}' leaves the package directory",
                span,
                "paths are relative to the scenario directory, inside the package "
                "(symbolic links are followed)",
            )
        elif not _is_file(directory / candidate):
            yield error(
                "E0504",
                f"event file '{text}' does not exist",
                span,
                f"paths are relative to the scenario directory {directory.name}/",
            )


def event_paths(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0504: event files exist and stay inside the package directory (links followed)."""
    for scenario in ctx.scenarios:
        yield from _event_file_problems(scenario, ctx.loaded.source.directory)


def period_not_empty(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0505: a scenario's period ends after it starts."""
    for scenario in ctx.scenarios:
        assert scenario.model is not None
        period = scenario.model.scenario.period
        if period.ending_before <= period.starting_at:
            yield error(
                "E0505",
                f"scenario period ends ({_day(period.ending_before)}) before it "
                f"starts ({_day(period.starting_at)})",
                scenario_span(scenario, ("scenario", "period", "ending_before")),
                "ending_before is exclusive and must be after starting_at",
            )


def contracts_end_after_start(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0506: a contract's ending_before is after its starting_at."""
    for section in ctx.customer_sections:
        for customer_id, i, contract in section.contracts():
            end = contract.ending_before
            if end is not None and end <= contract.starting_at:
                yield error(
                    "E0506",
                    f"contract '{contract.id}' ends ({_day(end)}) before it "
                    f"starts ({_day(contract.starting_at)})",
                    section.span(("customers", customer_id, "contracts", i, "ending_before")),
                    "ending_before is exclusive and must be after starting_at",
                )


def contract_ids(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0507: contract IDs are unique within a scenario (or the customers file)."""
    for section in ctx.customer_sections:
        first: dict[str, int] = {}
        for customer_id, i, contract in section.contracts():
            span = section.span(("customers", customer_id, "contracts", i, "id"))
            if contract.id in first:
                yield error(
                    "E0507",
                    f"contract ID '{contract.id}' is already used (line {first[contract.id]})",
                    span,
                    f"contract IDs name invoices; make them unique within {section.where}",
                )
            else:
                first[contract.id] = span.line
