"""Invoice impact: the scenarios present in both revisions, replayed on both, compared."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from compiler.engine.invoice import Invoice, ReplayResult

Status = Literal["changed", "unchanged", "added", "removed"]

HUNDRED = Decimal(100)
PERCENT = Decimal("0.01")


def percentage(difference: Decimal, base: Decimal) -> Decimal | None:
    """difference / base as a percentage to 2 places (half up); None when base is 0."""
    if base == 0:
        return None
    with localcontext() as context:
        context.prec = 60
        return (difference / base * HUNDRED).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceImpact:
    """One invoice (contract + period) of one scenario, before and after."""

    package: str
    scenario: str
    customer_id: str
    contract_id: str
    starting_at: datetime
    ending_before: datetime
    currency: str
    base_total: Decimal | None
    new_total: Decimal | None
    base_currency: str | None = None

    @property
    def status(self) -> Status:
        if self.base_total is None:
            return "added"
        if self.new_total is None:
            return "removed"
        same = self.base_total == self.new_total and self.base_currency == self.currency
        return "unchanged" if same else "changed"

    @property
    def comparable(self) -> bool:
        """Totals in different currencies cannot be subtracted."""
        return (
            self.base_total is None
            or self.new_total is None
            or (self.base_currency == self.currency)
        )

    @property
    def difference(self) -> Decimal | None:
        if not self.comparable:
            return None
        return (self.new_total or Decimal(0)) - (self.base_total or Decimal(0))

    @property
    def percentage(self) -> Decimal | None:
        if self.difference is None or self.base_total is None:
            return None
        return percentage(self.difference, self.base_total)


@dataclass(frozen=True)
class CurrencyTotal:
    """The money moved in one currency, over every compared invoice."""

    currency: str
    base: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.base

    @property
    def percentage(self) -> Decimal | None:
        return percentage(self.difference, self.base)


def _by_invoice(result: ReplayResult) -> dict[tuple[str, str, datetime, datetime], Invoice]:
    return {
        (i.customer_id, i.contract_id, i.period.starting_at, i.period.ending_before): i
        for i in result.invoices
    }


def compare_scenario(package: str, base: ReplayResult, new: ReplayResult) -> list[InvoiceImpact]:
    """Every invoice of either side, matched by customer, contract and period."""
    old_invoices, new_invoices = _by_invoice(base), _by_invoice(new)
    impacts = []
    for key in sorted(old_invoices.keys() | new_invoices.keys()):
        customer_id, contract_id, starting_at, ending_before = key
        old, now = old_invoices.get(key), new_invoices.get(key)
        shown = now or old
        assert shown is not None
        impacts.append(
            InvoiceImpact(
                package=package,
                scenario=new.scenario,
                customer_id=customer_id,
                contract_id=contract_id,
                starting_at=starting_at,
                ending_before=ending_before,
                currency=shown.currency,
                base_total=old.total if old else None,
                new_total=now.total if now else None,
                base_currency=old.currency if old else None,
            )
        )
    return impacts


def compare_results(
    package: str, base: Iterable[ReplayResult], new: Iterable[ReplayResult]
) -> tuple[list[InvoiceImpact], list[str], list[str]]:
    """Impacts of the scenarios on both sides; then the names only added, only removed."""
    old_results = {r.scenario: r for r in base}
    new_results = {r.scenario: r for r in new}
    impacts: list[InvoiceImpact] = []
    for name in sorted(old_results.keys() & new_results.keys()):
        impacts.extend(compare_scenario(package, old_results[name], new_results[name]))
    added = sorted(new_results.keys() - old_results.keys())
    removed = sorted(old_results.keys() - new_results.keys())
    return impacts, added, removed


def currency_totals(impacts: Iterable[InvoiceImpact]) -> list[CurrencyTotal]:
    """Base and new totals per currency; an invoice whose currency changed is left out."""
    sums: dict[str, tuple[Decimal, Decimal]] = {}
    for impact in impacts:
        if not impact.comparable:
            continue
        base, new = sums.get(impact.currency, (Decimal(0), Decimal(0)))
        sums[impact.currency] = (
            base + (impact.base_total or Decimal(0)),
            new + (impact.new_total or Decimal(0)),
        )
    return [CurrencyTotal(c, b, n) for c, (b, n) in sorted(sums.items())]
