"""Invoices as Markdown, for a pull-request comment.

Every name and group value is escaped (`markdown_text`): they come from the package and from
usage events, and must not turn into links, HTML or extra table cells in the comment.
"""

from __future__ import annotations

from compiler.engine.invoice import ReplayResult
from compiler.report.invoice_text import line_rows
from compiler.report.labels import BUCKET_LABELS, day
from compiler.report.markdown_text import code_span, escape


def to_markdown(result: ReplayResult) -> str:
    out = [f"## Scenario {code_span(result.scenario)}", ""]
    for invoice in result.invoices:
        out.append(
            f"### {escape(invoice.customer_id)} · {escape(invoice.contract_id)} · "
            f"{day(invoice.period.starting_at)} to {day(invoice.period.ending_before)} "
            f"({invoice.status}) — total **{invoice.total} {escape(invoice.currency)}**"
        )
        out += ["", "| Line | Quantity | Unit price | Amount |", "|---|---:|---:|---:|"]
        for line in invoice.line_items:
            for row in line_rows(line, invoice.period):
                out.append("| " + " | ".join(escape(c) for c in row) + " |")
        out.append(f"| **Subtotal** | | | {invoice.subtotal} |")
        if invoice.applied:
            out.append(f"| **Applied** | | | {invoice.applied} |")
        out.append(f"| **Total** | | | **{invoice.total}** |")
        out.append("")
    accounting = result.accounting
    out += ["### Events", "", "| Bucket | Events |", "|---|---:|"]
    for bucket, label in BUCKET_LABELS.items():
        out.append(f"| {label} | {getattr(accounting, bucket)} |")
    out.append(f"| **read** | **{accounting.read}** |")
    return "\n".join(out) + "\n"
