"""`plan diff` as a pull-request comment a pricing lead reads in ten seconds.

One summary line first (breaking changes, invoices that move, the money), then the breaking
changes, then the money table, then every other change folded away.
"""

from __future__ import annotations

from compiler.diagnostics import Severity
from compiler.diff import Change, DiffReport
from compiler.report.diff_text import (
    grouped,
    location,
    period,
    signed,
    signed_percent,
    total_summary,
)
from compiler.report.labels import day
from compiler.report.markdown_text import code_span, escape


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: DiffReport) -> str:
    breaking = len(report.of_severity(Severity.ERROR))
    parts = [f"**{_plural(breaking, 'breaking change')}**" if breaking else "No breaking changes"]
    moved = len(report.moved)
    parts.append(
        f"{_plural(moved, 'invoice')} change{'s' if moved == 1 else ''}"
        if moved
        else "no invoice changes"
    )
    parts += [escape(total_summary(t)) for t in report.totals if t.difference != 0]
    warnings = len(report.of_severity(Severity.WARNING))
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return " · ".join(parts)


def _change_item(change: Change, report: DiffReport) -> str:
    item = f"- `{change.code}` {escape(change.message)} — {code_span(location(change, report))}"
    hint = escape(change.hint or "")
    if hint:
        item += f"<br>_{hint}_"
    return item


def _money_table(report: DiffReport) -> list[str]:
    out = [
        "| Scenario | Customer | Contract | Period | Base | New | Difference | Change |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for impact in report.moved:
        base = "—" if impact.base_total is None else grouped(impact.base_total)
        new = "—" if impact.new_total is None else grouped(impact.new_total)
        status = f" ({impact.status})" if impact.status in ("added", "removed") else ""
        out.append(
            f"| {escape(impact.package)}/{escape(impact.scenario)} | "
            f"{escape(impact.customer_id)} | {escape(impact.contract_id)}{status} | "
            f"{period(impact)} | {base} | {new} | "
            f"**{signed(impact.difference)} {escape(impact.currency)}** | "
            f"{signed_percent(impact.percentage)} |"
        )
    return out


def to_markdown(report: DiffReport) -> str:
    out = [
        summary(report),
        "",
        f"<sub>`plan diff` against {code_span(report.base)} ({report.base_commit[:12]}); rates "
        f"in effect at {day(report.as_of)} count as released.</sub>",
    ]
    breaking = report.of_severity(Severity.ERROR)
    if breaking:
        out += ["", "### Breaking changes", ""]
        out += [_change_item(c, report) for c in breaking]
    if report.moved:
        out += ["", "### Invoice impact", ""]
        out += _money_table(report)
        unchanged = len(report.impacts) - len(report.moved)
        if unchanged:
            out += ["", f"{_plural(unchanged, 'other invoice')} unchanged."]
    elif report.impacts:
        out += ["", f"All {_plural(len(report.impacts), 'replayed invoice')} unchanged."]
    others = [c for c in report.changes if c.severity != Severity.ERROR]
    if others:
        out += ["", "### Other changes", ""]
        out += [_change_item(c, report).replace("- ", f"- {c.severity}: ", 1) for c in others]
    return "\n".join(out) + "\n"
