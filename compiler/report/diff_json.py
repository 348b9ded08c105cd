"""`plan diff --format json`: one document, decimals as strings, stable key order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from compiler.diagnostics import Severity
from compiler.diff import Change, CurrencyTotal, DiffReport, InvoiceImpact


def instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _decimal(value: Any) -> str | None:
    return None if value is None else str(value)


def _change(change: Change) -> dict[str, Any]:
    span = change.span
    return {
        "code": change.code,
        "severity": str(change.severity),
        "message": change.message,
        "hint": change.hint,
        "package": change.package,
        "revision": change.revision,
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "before": change.before,
        "after": change.after,
    }


def _impact(impact: InvoiceImpact) -> dict[str, Any]:
    return {
        "package": impact.package,
        "scenario": impact.scenario,
        "customer_id": impact.customer_id,
        "contract_id": impact.contract_id,
        "period": {
            "starting_at": instant(impact.starting_at),
            "ending_before": instant(impact.ending_before),
        },
        "currency": impact.currency,
        "status": impact.status,
        "base_total": _decimal(impact.base_total),
        "new_total": _decimal(impact.new_total),
        "difference": _decimal(impact.difference),
        "percentage": _decimal(impact.percentage),
    }


def _total(total: CurrencyTotal) -> dict[str, Any]:
    return {
        "currency": total.currency,
        "base": str(total.base),
        "new": str(total.new),
        "difference": str(total.difference),
        "percentage": _decimal(total.percentage),
    }


def diff_document(report: DiffReport) -> dict[str, Any]:
    return {
        "base": report.base,
        "base_commit": report.base_commit,
        "as_of": instant(report.as_of),
        "breaking": report.breaking,
        "summary": {
            "errors": len(report.of_severity(Severity.ERROR)),
            "warnings": len(report.of_severity(Severity.WARNING)),
            "info": len(report.of_severity(Severity.INFO)),
            "invoices": len(report.impacts),
            "invoices_changed": len(report.moved),
            "totals": [_total(t) for t in report.totals],
        },
        "packages": report.packages,
        "changes": [_change(c) for c in report.changes],
        "invoices": [_impact(i) for i in report.impacts],
    }


def to_json(report: DiffReport) -> str:
    return json.dumps(diff_document(report), indent=2, ensure_ascii=False) + "\n"
