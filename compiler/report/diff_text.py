"""`plan diff` for a person: the changes as diagnostics, then the invoices that move."""

from __future__ import annotations

import io
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from compiler.diagnostics import Severity
from compiler.diff import Change, CurrencyTotal, DiffReport, InvoiceImpact
from compiler.report.labels import day


def grouped(amount: Decimal | None) -> str:
    """1204.5 → '1,204.5'; None → 'n/a'."""
    return "n/a" if amount is None else format(amount, ",f")


def signed(amount: Decimal | None) -> str:
    """+1,204.50 / -3.00 / 0.00; None → 'n/a'."""
    if amount is None:
        return "n/a"
    return format(amount, ",f") if amount == 0 else format(amount, "+,f")


def signed_percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{signed(value)}%"


def location(change: Change, report: DiffReport) -> str:
    """Where the change is: the working tree's file, or `REV:file` for a node that is gone."""
    prefix = f"{report.base}:" if change.revision == "base" else ""
    return f"{prefix}{change.span}"


def period(impact: InvoiceImpact) -> str:
    return f"{day(impact.starting_at)} – {day(impact.ending_before)}"


def total_summary(total: CurrencyTotal) -> str:
    return f"{signed(total.difference)} {total.currency} ({signed_percent(total.percentage)})"


def counts(report: DiffReport) -> str:
    errors, warnings, notes = (
        len(report.of_severity(s)) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    return f"{errors} breaking change(s), {warnings} warning(s), {notes} info"


def impact_table(report: DiffReport) -> Table:
    table = Table(title="Invoice impact", title_justify="left")
    for name in ("Scenario", "Customer", "Contract", "Period"):
        table.add_column(name, no_wrap=True)
    for name in ("Base", "New", "Difference", "%"):
        table.add_column(name, justify="right", no_wrap=True)
    for impact in report.moved:
        table.add_row(
            f"{impact.package}/{impact.scenario}",
            impact.customer_id,
            impact.contract_id,
            period(impact),
            grouped(impact.base_total) if impact.base_total is not None else "(added)",
            grouped(impact.new_total) if impact.new_total is not None else "(removed)",
            f"{signed(impact.difference)} {impact.currency}",
            signed_percent(impact.percentage),
        )
    return table


def to_text(report: DiffReport, width: int = 200) -> str:
    lines = [
        f"plan diff: {report.base} ({report.base_commit[:12]}) → working tree; "
        f"rates released at {day(report.as_of)}"
    ]
    for change in report.changes:
        lines.append(
            f"{location(change, report)}: {change.severity}[{change.code}]: {change.message}"
        )
        if change.hint:
            lines.append(f"  hint: {change.hint}")
    lines.append(counts(report))
    buffer = io.StringIO()
    if report.moved:
        # package and scenario names are a package's own text: shown as written, never
        # read as rich markup or emoji codes
        console = Console(
            file=buffer,
            width=width,
            color_system=None,
            highlight=False,
            markup=False,
            emoji=False,
        )
        console.print(impact_table(report))
    unchanged = len(report.impacts) - len(report.moved)
    money = "; ".join(total_summary(t) for t in report.totals) or "no invoices compared"
    tail = [f"{len(report.moved)} invoice(s) change, {unchanged} unchanged: {money}"]
    table = "".join(row.rstrip() + "\n" for row in buffer.getvalue().splitlines())
    return "\n".join(lines) + "\n" + table + "\n".join(tail) + "\n"
