"""Invoices as one self-contained HTML page, each laid out as its customer would read it.

Inline CSS only: no scripts, no fonts, images or styles from elsewhere, so the page opens
offline and can be attached to a review as it is. Every text is escaped: customer names and
product names come from YAML that anyone with a pull request can write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from html import escape

from compiler.engine.invoice import Invoice, ReplayResult
from compiler.report.invoice_text import line_rows
from compiler.report.labels import BUCKET_LABELS, day

CustomerNames = Mapping[str, Mapping[str, str]]  # scenario → customer ID → name

STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#111827;font:14px/1.45 -apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:920px;margin:0 auto;padding:32px 20px 48px}
h1{font-size:22px;margin:0 0 4px}
.lede{color:#6b7280;margin:0 0 24px}
.invoice,.accounting{background:#fff;border:1px solid #e5e7eb;border-radius:10px;
padding:28px 32px;margin:0 0 24px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.head{display:flex;justify-content:space-between;gap:24px;align-items:flex-start;
border-bottom:2px solid #111827;padding-bottom:16px;margin-bottom:8px}
.label{font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:#6b7280}
.customer{font-size:20px;font-weight:600;margin:2px 0}
.muted{color:#6b7280}
.meta{text-align:right}
.meta dl{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:8px 0 0}
.meta dt{color:#6b7280}.meta dd{margin:0;font-weight:500}
.status{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;
font-weight:600;text-transform:uppercase;letter-spacing:.05em}
.status-finalized{background:#dcfce7;color:#166534}
.status-draft{background:#fef3c7;color:#92400e}
table{width:100%;border-collapse:collapse}
th{font-size:11px;letter-spacing:.06em;text-transform:uppercase;color:#6b7280;
text-align:left;padding:10px 8px;border-bottom:1px solid #e5e7eb}
td{padding:8px;border-bottom:1px solid #f3f4f6;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.sub td{padding-top:2px;padding-bottom:2px;border-bottom:none;color:#6b7280;font-size:13px}
tr.sub td:first-child{padding-left:28px}
tr.credit td{color:#047857}
.detail{display:block;color:#6b7280;font-size:12px}
tfoot td{border:none;padding:6px 8px}
tfoot tr.first td{border-top:1px solid #e5e7eb;padding-top:12px}
tfoot tr.total td{border-top:2px solid #111827;font-size:17px;font-weight:700;padding-top:10px}
h2{font-size:15px;margin:24px 0 6px}
.accounting h2{margin-top:0}
"""


def _figure(text: str) -> str:
    """'1234.50' → '1,234.50'; '500.00 credits' → '500.00 credits'; other text unchanged."""
    number, _, unit = text.partition(" ")
    try:
        value = Decimal(number)
    except InvalidOperation:
        return text
    return format(value, ",f") + (f" {unit}" if unit else "")


def _money(amount: Decimal, currency: str) -> str:
    return f"{format(amount, ',f')} {currency}"


def _last_day(moment: datetime) -> str:
    """Half-open periods end at midnight: a customer reads the day before as the last one."""
    if moment.hour == moment.minute == moment.second == 0 and not moment.microsecond:
        return day(moment - timedelta(days=1))
    return day(moment)


def _line_rows_html(invoice: Invoice) -> list[str]:
    rows = []
    # A segment spanning the whole period says nothing the header does not.
    whole = f"{day(invoice.period.starting_at)}–{day(invoice.period.ending_before)}"
    for line in invoice.line_items:
        applied = line.type in ("credit_applied", "commit_applied")
        for description, quantity, unit_price, amount in line_rows(line):
            sub = description.startswith(" ")
            main, *details = [p for p in description.strip().split("  ") if p and p != whole]
            cell = escape(main) + "".join(
                f'<span class="detail">{escape(d)}</span>' for d in details
            )
            css = "sub" if sub else ("credit" if applied else "line")
            rows.append(
                f'<tr class="{css}"><td>{cell}</td><td class="num">{escape(quantity)}</td>'
                f'<td class="num">{escape(unit_price)}</td>'
                f'<td class="num">{escape(_figure(amount))}</td></tr>'
            )
    return rows


def _totals(invoice: Invoice) -> list[str]:
    rows = [("first", "Subtotal", _money(invoice.subtotal, invoice.currency))]
    if invoice.applied != 0:
        rows.append(("", "Commits and credits applied", _money(invoice.applied, invoice.currency)))
    rows.append(("total", "Total due", _money(invoice.total, invoice.currency)))
    return [
        f'<tr class="{css}"><td colspan="3">{escape(label)}</td>'
        f'<td class="num">{escape(value)}</td></tr>'
        for css, label, value in rows
    ]


def _balances(invoice: Invoice) -> list[str]:
    if not invoice.balances:
        return []
    out = [
        "<h2>Commits and credits</h2>",
        '<table class="balances"><thead><tr><th>Balance</th><th>Kind</th>'
        '<th class="num">Opening</th><th class="num">Applied</th><th class="num">Closing</th>'
        "<th>Expires</th></tr></thead><tbody>",
    ]
    for b in invoice.balances:
        unit = b.unit or invoice.currency
        out.append(
            f"<tr><td>{escape(b.id)}</td><td>{escape(b.kind)}</td>"
            f'<td class="num">{escape(_money(b.opening, unit))}</td>'
            f'<td class="num">{escape(_money(b.applied, unit))}</td>'
            f'<td class="num">{escape(_money(b.closing, unit))}</td>'
            f"<td>{escape(day(b.expires_at)) if b.expires_at else ''}</td></tr>"
        )
    return [*out, "</tbody></table>"]


def invoice_html(invoice: Invoice, customer_name: str | None = None) -> str:
    start, end = invoice.period.starting_at, invoice.period.ending_before
    name = customer_name or invoice.customer_id
    head = f"""<article class="invoice">
<div class="head">
<div><div class="label">Bill to</div><div class="customer">{escape(name)}</div>
<div class="muted">Customer {escape(invoice.customer_id)} · contract {escape(invoice.contract_id)}
</div></div>
<div class="meta"><span class="status status-{escape(invoice.status)}">{escape(invoice.status)}
</span><dl>
<dt>Period</dt><dd title="[{escape(day(start))}, {escape(day(end))})">{escape(day(start))} –
{escape(_last_day(end))}</dd>
<dt>Rate card</dt><dd>{escape(invoice.rate_card)}</dd>
<dt>Currency</dt><dd>{escape(invoice.currency)}</dd>
</dl></div>
</div>
<table class="lines"><thead><tr><th>Description</th><th class="num">Quantity</th>
<th class="num">Unit price</th><th class="num">Amount</th></tr></thead>
<tbody>"""
    return "\n".join(
        [
            head,
            *_line_rows_html(invoice),
            "</tbody><tfoot>",
            *_totals(invoice),
            "</tfoot></table>",
            *_balances(invoice),
            "</article>",
        ]
    )


def accounting_html(result: ReplayResult) -> str:
    accounting = result.accounting
    rows = [
        f'<tr><td>{escape(label)}</td><td class="num">{getattr(accounting, bucket)}</td>'
        f"<td>{escape(', '.join(accounting.examples.get(bucket, [])))}</td></tr>"
        for bucket, label in BUCKET_LABELS.items()
    ]
    notes = [
        f"<li>metric {escape(metric)}: {found.events} event(s) with "
        f"{escape(problem.replace('_', '-'))} property, e.g. {escape(', '.join(found.examples))}"
        "</li>"
        for metric, problems in accounting.metric_problems.items()
        for problem, found in problems.items()
    ]
    notes += [
        f"<li>unpriced {escape(item.product_id)} for {escape(item.contract_id)}: "
        f"{escape(str(item.quantity))} ({escape(item.reason)})</li>"
        for item in accounting.unpriced_usage
    ]
    return "\n".join(
        [
            '<section class="accounting"><h2>Where every event went</h2>',
            '<table><thead><tr><th>Bucket</th><th class="num">Events</th><th>Examples</th>'
            "</tr></thead><tbody>",
            *rows,
            "</tbody><tfoot>",
            f'<tr class="total"><td>Lines read</td><td class="num">{accounting.read}</td>'
            "<td></td></tr></tfoot></table>",
            *(["<ul>", *notes, "</ul>"] if notes else []),
            "</section>",
        ]
    )


def to_html(results: Sequence[ReplayResult], customer_names: CustomerNames | None = None) -> str:
    """One page: every invoice of every result, then each result's accounting."""
    names = customer_names or {}
    title = "Invoices · " + ", ".join(r.scenario for r in results)
    body: list[str] = []
    for result in results:
        scenario_names = names.get(result.scenario, {})
        body.append(f"<h1>Scenario {escape(result.scenario)}</h1>")
        count = len(result.invoices)
        body.append(f'<p class="lede">{count} invoice{"" if count == 1 else "s"}</p>')
        body += [invoice_html(i, scenario_names.get(i.customer_id)) for i in result.invoices]
        body.append(accounting_html(result))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        # Nothing on the page may run or load: a second guard behind the escaping.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        "<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n"
    )
