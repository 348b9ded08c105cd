"""Invoices as tables for a person: one block per invoice, then the accounting."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from compiler.engine.invoice import (
    AppliedLine,
    CompositeLine,
    ConversionLine,
    FixedLine,
    Invoice,
    LineItem,
    PeriodOut,
    ReplayResult,
    SubscriptionLine,
    UsageLine,
)
from compiler.report.labels import BUCKET_LABELS, day, describe_values, money, values_text
from compiler.report.text_table import Column, TextPage, TextTable


def _dates(start: datetime, end: datetime, period: PeriodOut | None) -> str:
    """A line's own dates, or nothing when they are the invoice's period (the header's)."""
    if period is not None and (start, end) == (period.starting_at, period.ending_before):
        return ""
    return f"  {day(start)}–{day(end)}"


def line_rows(line: LineItem, period: PeriodOut | None = None) -> list[tuple[str, str, str, str]]:
    """(description, quantity, unit price, amount) rows for one line and its details."""
    if isinstance(line, UsageLine):
        label = line.name + describe_values(line.pricing_group_values)
        label += _dates(line.starting_at, line.ending_before, period)
        if line.override:
            label += f"  [{line.override}]"
        rows = [
            (
                label,
                str(line.quantity),
                "" if line.unit_price is None else str(line.unit_price),
                money(line.amount, line.unit),
            )
        ]
        for tier in line.tiers or []:
            flat = f" + flat {tier.flat}" if tier.flat else ""
            rows.append(
                (
                    f"    tier {tier.tier}{flat}",
                    str(tier.quantity),
                    str(tier.unit_price),
                    str(tier.amount),
                )
            )
        for sub in line.presentation or []:
            rows.append(
                (
                    f"    {values_text(sub.group_values)}",
                    str(sub.quantity),
                    "",
                    str(sub.amount),
                )
            )
        return rows
    if isinstance(line, SubscriptionLine):
        prorated = f" × {line.proration:.4f}" if line.proration != 1 else ""
        return [
            (
                f"{line.name}{_dates(line.starting_at, line.ending_before, period)}{prorated}",
                str(line.quantity),
                "" if line.unit_price is None else str(line.unit_price),
                money(line.amount, line.unit),
            )
        ]
    if isinstance(line, CompositeLine):
        minimum = f", minimum {line.minimum}" if line.minimum is not None else ""
        return [
            (f"{line.name} ({line.percentage} of {line.base}{minimum})", "", "", str(line.amount))
        ]
    if isinstance(line, FixedLine):
        return [(f"{line.name} ({line.type.replace('_', ' ')})", "", "", str(line.amount))]
    if isinstance(line, AppliedLine):
        note = " (shown, still billed)" if line.commit_type == "postpaid" else ""
        return [
            (
                f"{line.type.replace('_', ' ')}: {line.name} '{line.commit_id}' "
                f"on {line.applied_to}{note}",
                "",
                "",
                money(line.amount, line.unit),
            )
        ]
    assert isinstance(line, ConversionLine)
    return [(f"conversion of {line.quantity} {line.unit} at {line.rate}", "", "", str(line.amount))]


def invoice_table(invoice: Invoice) -> TextTable:
    title = (
        f"{invoice.customer_id} · {invoice.contract_id} · "
        f"{day(invoice.period.starting_at)} to {day(invoice.period.ending_before)} · "
        f"{invoice.status} · {invoice.currency}"
    )
    columns = (
        Column("Line", footer="Total"),
        Column("Quantity", "right"),
        Column("Unit price", "right"),
        Column("Amount", "right", footer=str(invoice.total)),
    )
    table = TextTable(title, columns, show_footer=True)
    for line in invoice.line_items:
        for row in line_rows(line, invoice.period):
            table.add_row(*row)
    table.add_section()
    table.add_row("Subtotal", "", "", str(invoice.subtotal))
    if invoice.applied != Decimal(0):
        table.add_row("Commits and credits applied", "", "", str(invoice.applied))
    for balance in invoice.balances:
        table.add_row(
            f"  balance '{balance.id}': {balance.opening} → {balance.closing}", "", "", ""
        )
    return table


def accounting_table(result: ReplayResult) -> TextTable:
    accounting = result.accounting
    columns = (Column("Bucket"), Column("Events", "right"), Column("Examples"))
    table = TextTable("Where every event went", columns)
    for bucket, label in BUCKET_LABELS.items():
        count = getattr(accounting, bucket)
        table.add_row(label, str(count), ", ".join(accounting.examples.get(bucket, [])))
    table.add_section()
    table.add_row("Lines read", str(accounting.read), "")
    return table


def to_text(result: ReplayResult, width: int = 110) -> str:
    page = TextPage(width)
    page.line(f"Scenario {result.scenario}")
    for invoice in result.invoices:
        page.table(invoice_table(invoice))
    page.table(accounting_table(result))
    accounting = result.accounting
    for metric, problems in accounting.metric_problems.items():
        for problem, found in problems.items():
            page.line(
                f"metric {metric}: {found.events} event(s) with {problem.replace('_', '-')} "
                f"property, e.g. {', '.join(found.examples)}"
            )
    for conflict in accounting.conflicts:
        page.line(
            f"conflicting duplicate {conflict.transaction_id}: kept {conflict.kept}, "
            f"dropped {conflict.duplicate}"
        )
    for rejected in accounting.rejected:
        page.line(f"rejected {rejected.file}:{rejected.line}: {rejected.reason}")
    for item in accounting.unpriced_usage:
        page.line(
            f"unpriced {item.product_id}{describe_values(item.pricing_group_values)} "
            f"for {item.contract_id}: {item.quantity} ({item.reason})"
        )
    return page.text()
