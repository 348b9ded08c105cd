"""One invoice per contract and billing period: its lines, in a fixed order, and its totals.

A contract's periods are invoiced in order, because its commits and credits carry from one
period to the next. Each invoice holds, in this order: usage lines, subscription lines,
composite lines, scheduled charges, commit purchases, true-ups; then, per custom unit, the
credits drawn in that unit and the conversion line; then the commit and credit applications
in the currency (SPEC 3.2–3.5).

Totals are in the card's currency: lines priced in a custom unit are carried by their
conversion line, so they and the credits drawn in that unit are shown but not summed.
Postpaid commit applications are shown but do not reduce the total (the usage is still billed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, localcontext

from compiler.engine.balances import Ledger, contract_balances
from compiler.engine.composites import composite_lines
from compiler.engine.contracts import ContractInstance
from compiler.engine.drawdown import Application, applied_lines, charge_of, draw
from compiler.engine.invoice import (
    AppliedLine,
    BalanceOut,
    ConversionLine,
    Invoice,
    LineItem,
    PeriodOut,
    UsageLine,
)
from compiler.engine.money import MONEY_CONTEXT
from compiler.engine.overrides import PlacedOverride, placed_overrides
from compiler.engine.periods import Period, invoice_status
from compiler.engine.pricing_units import line_unit, settle_units
from compiler.engine.scheduled import commit_purchase_lines, scheduled_lines
from compiler.engine.subscriptions import subscription_lines
from compiler.engine.usage import Pricing, group_order
from compiler.plan.ir import RatingPlan


def _usage_order(line: UsageLine) -> tuple[object, ...]:
    return (line.product_id, group_order(line.pricing_group_values.values()), line.starting_at)


def in_currency(line: LineItem) -> bool:
    """Whether a line's amount is in the card's currency (conversion lines are)."""
    if isinstance(line, ConversionLine):
        return True
    return getattr(line, "unit", None) is None


def totals(lines: Sequence[LineItem], quantum: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, applied, total): charges, then applications that reduce what is due.

    Only lines in the card's currency count. Postpaid commit applications are shown but do
    not reduce the total (SPEC 3.5).
    """
    subtotal = applied = Decimal(0)
    with localcontext(MONEY_CONTEXT):
        for line in lines:
            if not in_currency(line):
                continue
            if not isinstance(line, AppliedLine):
                subtotal += line.amount
            elif line.commit_type != "postpaid":
                applied += line.amount
        return (
            subtotal.quantize(quantum),
            applied.quantize(quantum),
            (subtotal + applied).quantize(quantum),
        )


def contract_invoices(
    plan: RatingPlan,
    contract: ContractInstance,
    usage: Mapping[datetime, Sequence[UsageLine]],
    pricing: Pricing,
    as_of: datetime,
) -> list[Invoice]:
    """The contract's invoices, period by period; `usage` holds each period's usage lines,
    keyed by the period's start."""
    overrides = placed_overrides(contract)
    ledger = Ledger(contract_balances(contract, plan.products, pricing), contract.end)
    return [
        period_invoice(
            plan, contract, period, usage.get(period.start, ()), overrides, ledger, pricing, as_of
        )
        for period in contract.periods
    ]


def period_invoice(
    plan: RatingPlan,
    contract: ContractInstance,
    period: Period,
    usage_lines: Sequence[UsageLine],
    overrides: Sequence[PlacedOverride],
    ledger: Ledger,
    pricing: Pricing,
    as_of: datetime,
) -> Invoice:
    """One period's invoice; the ledger's balances are drawn and carried on."""
    products = plan.products
    ordered: list[UsageLine] = sorted(usage_lines, key=_usage_order)
    charges: list[LineItem] = [*ordered]
    charges += subscription_lines(contract, period, products, overrides, pricing)
    charges += composite_lines(contract, period, products, charges, overrides, pricing)
    fixed: list[LineItem] = [
        *scheduled_lines(contract, period, products, pricing),
        *commit_purchase_lines(contract, period, products, pricing),
    ]
    live = ledger.open(period)
    units = settle_units(charges, live, contract.rate_card, pricing)
    fiat_balances = [b for b in live if b.unit is None]
    applications: list[Application] = []
    if fiat_balances:  # most invoices have none: then there is no need to list the charges
        in_fiat = [
            c
            for i, line in enumerate(charges)
            if line_unit(line) is None and (c := charge_of(line, i)) is not None
        ]
        applications = draw([*in_fiat, *units.charges], fiat_balances)
    balances, true_ups = ledger.close(period)
    lines = [
        *charges,
        *fixed,
        *true_ups,
        *applied_lines(units.applications),
        *units.conversions,
        *applied_lines(applications),
    ]
    return _invoice(contract, period, lines, balances, pricing, as_of)


def _invoice(
    contract: ContractInstance,
    period: Period,
    lines: list[LineItem],
    balances: list[BalanceOut],
    pricing: Pricing,
    as_of: datetime,
) -> Invoice:
    subtotal, applied, total = totals(lines, pricing.quantum)
    return Invoice(
        customer_id=contract.customer_id,
        contract_id=contract.contract_id,
        rate_card=contract.rate_card.id,
        currency=contract.rate_card.currency,
        period=PeriodOut(starting_at=period.start, ending_before=period.end),
        status=invoice_status(period.end, as_of),
        line_items=lines,
        subtotal=subtotal,
        applied=applied,
        total=total,
        balances=balances,
    )
