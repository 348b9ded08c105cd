"""One invoice per contract and billing period: its lines, in a fixed order, and its totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, localcontext

from compiler.engine.contracts import ContractInstance
from compiler.engine.invoice import Invoice, LineItem, PeriodOut, UsageLine
from compiler.engine.money import MONEY_CONTEXT
from compiler.engine.periods import Period, invoice_status
from compiler.engine.usage import Pricing
from compiler.plan.ir import RatingPlan


def _usage_order(line: UsageLine) -> tuple[object, ...]:
    values = tuple((v is None, v or "") for v in line.pricing_group_values.values())
    return (line.product_id, values, line.starting_at)


def totals(lines: Sequence[LineItem], quantum: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, applied, total): charges, then applications that reduce what is due.

    Postpaid commit applications are shown but do not reduce the total (SPEC 3.5).
    """
    with localcontext(MONEY_CONTEXT):
        subtotal = sum((line.amount for line in lines
                        if line.type not in ("credit_applied", "commit_applied")), Decimal(0))
        applied = sum((line.amount for line in lines
                       if line.type in ("credit_applied", "commit_applied")
                       and getattr(line, "commit_type", None) != "postpaid"), Decimal(0))
        return (subtotal.quantize(quantum), applied.quantize(quantum),
                (subtotal + applied).quantize(quantum))


def assemble_invoice(
    plan: RatingPlan, contract: ContractInstance, period: Period,
    usage_lines: Sequence[UsageLine], pricing: Pricing, as_of: datetime,
) -> Invoice:
    lines: list[LineItem] = sorted(usage_lines, key=_usage_order)
    subtotal, applied, total = totals(lines, pricing.quantum)
    return Invoice(
        customer_id=contract.customer_id, contract_id=contract.contract_id,
        rate_card=contract.rate_card.id, currency=contract.rate_card.currency,
        period=PeriodOut(starting_at=period.start, ending_before=period.end),
        status=invoice_status(period.end, as_of),
        line_items=lines, subtotal=subtotal, applied=applied, total=total,
    )
