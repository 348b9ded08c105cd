"""Small plans, contracts and usage lines for the contract-terms tests, built directly.

One rate card in USD with a few products: `usage` and `cheap` (usage, tagged `usage`),
`fee` (a subscription), `support` (a composite of the `usage` tag), fixed products for
commits, credits and scheduled charges. Tests add rates and terms as they need them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from compiler.engine.contracts import ContractInstance
from compiler.engine.invoice import Invoice, UsageLine
from compiler.engine.invoices import contract_invoices
from compiler.engine.periods import Period, billing_periods, month_offset
from compiler.engine.usage import Pricing
from compiler.plan.ir import (
    BillingPlan,
    CommitPlan,
    CreditPlan,
    InvoiceEntryPlan,
    OverridePlan,
    PackagePlan,
    ProductPlan,
    RateCardPlan,
    RatePlan,
    RatingPlan,
    TemplatePlan,
    TermsPlan,
    WindowPlan,
)

D = Decimal
USD = Pricing.of("USD", "half_up")
AS_OF = datetime(2030, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


PRODUCTS: dict[str, ProductPlan] = {
    p.id: p
    for p in (
        ProductPlan(id="usage", name="Usage", type="usage", metric="m", tags=("usage",)),
        ProductPlan(id="cheap", name="Cheap usage", type="usage", metric="m", tags=("usage",)),
        ProductPlan(id="fee", name="Platform fee", type="subscription"),
        ProductPlan(
            id="support", name="Support", type="composite", includes=("cheap", "fee", "usage")
        ),
        ProductPlan(id="commit", name="Commitment", type="fixed"),
        ProductPlan(id="promo", name="Promotional credit", type="fixed"),
        ProductPlan(id="onboarding", name="Onboarding", type="fixed"),
    )
}
ALL_CHARGES = ("cheap", "fee", "support", "usage")


def flat(price: str, **extra: Any) -> RatePlan:
    return RatePlan(kind="flat", price=D(price), **extra)


def card(
    rates: Mapping[str, Sequence[RatePlan]], pricing_units: Mapping[str, str] | None = None
) -> RateCardPlan:
    return RateCardPlan(
        id="list",
        name="List",
        currency="USD",
        minor_unit=2,
        pricing_units={k: D(v) for k, v in (pricing_units or {}).items()},
        rates={k: tuple(v) for k, v in rates.items()},
    )


def rating_plan(rate_card: RateCardPlan) -> RatingPlan:
    return RatingPlan(
        package=PackagePlan(name="test", rounding="half_up"),
        metrics={},
        products=PRODUCTS,
        rate_cards={rate_card.id: rate_card},
        contract_templates={},
    )


def contract(
    terms: TermsPlan,
    rate_card: RateCardPlan,
    start: datetime,
    *,
    months: int | None = None,
    frequency: str = "monthly",
    anchor: str = "first_of_month",
    window: tuple[datetime, datetime] | None = None,
) -> ContractInstance:
    """A contract from `start` (for `months`, else open-ended), periods within `window`
    (default: the contract's first year)."""
    end = None if months is None else month_offset(start, months)
    lo, hi = window or (start, month_offset(start, 12))
    billing = BillingPlan(frequency=frequency, anchor=anchor)
    template = TemplatePlan(id="t", name="T", rate_card=rate_card.id, billing=billing)
    periods = billing_periods(start, end, billing.frequency, billing.anchor, lo, hi)
    return ContractInstance(
        customer_id="acme",
        customer_name="Acme",
        contract_id="acme-1",
        template=template,
        rate_card=rate_card,
        start=start,
        end=end,
        terms=terms,
        periods=tuple(periods),
    )


def usage_line(
    product: str, quantity: str, price: str, period: Period, unit: str | None = None
) -> UsageLine:
    amount = USD.round(D(quantity) * D(price))
    return UsageLine(
        product_id=product,
        name=PRODUCTS[product].name,
        pricing_group_values={},
        starting_at=period.start,
        ending_before=period.end,
        quantity=D(quantity),
        unit_price=D(price),
        amount=amount,
        unit=unit,
    )


def invoices(
    c: ContractInstance, usage: Mapping[datetime, Sequence[UsageLine]] | None = None
) -> list[Invoice]:
    return contract_invoices(rating_plan(c.rate_card), c, usage or {}, USD, AS_OF)


def monthly_usage(
    c: ContractInstance, product: str, quantity: str, price: str
) -> dict[datetime, list[UsageLine]]:
    """The same usage line in every period of the contract."""
    return {p.start: [usage_line(product, quantity, price, p)] for p in c.periods}


def window(
    starting_month: int | None = None, months: int | None = None, **absolute: datetime
) -> WindowPlan:
    return WindowPlan(starting_month=starting_month, months=months, **absolute)


def commit(
    id: str,
    type: str,
    amount: str,
    access: WindowPlan,
    *,
    invoice: Sequence[tuple[int, str]] = (),
    applies_to: Sequence[str] = ALL_CHARGES,
    priority: int | None = None,
) -> CommitPlan:
    return CommitPlan(
        id=id,
        type=type,
        product="commit",
        amount=D(amount),
        access=access,
        invoice=tuple(InvoiceEntryPlan(month=m, amount=D(a)) for m, a in invoice),
        applies_to=tuple(applies_to),
        priority=priority,
    )


def credit(
    id: str,
    amount: str,
    access: WindowPlan | None = None,
    *,
    recurring: str | None = None,
    applies_to: Sequence[str] = ALL_CHARGES,
    priority: int | None = None,
    unit: str | None = None,
) -> CreditPlan:
    return CreditPlan(
        id=id,
        product="promo",
        amount=D(amount),
        access=access,
        recurring=recurring,
        applies_to=tuple(applies_to),
        priority=priority,
        unit=unit,
    )


def override(products: Sequence[str], **fields: Any) -> OverridePlan:
    kind = next(k for k in ("multiplier", "price", "tiers", "entitled") if k in fields)
    return OverridePlan(products=tuple(products), kind=kind, **fields)


def lines_of(invoice: Invoice, kind: str) -> list[Any]:
    return [line for line in invoice.line_items if line.type == kind]
