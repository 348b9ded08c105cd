"""Drawing commits and credits down against an invoice's charges (SPEC 3.5).

Charges are covered in order: usage, then subscription, then composite lines; within a kind
the higher unit price first, then the product's name. Each charge takes what it can from the
balances that apply to its product, in their drawing order (`Balance.draw_order`), before the
next charge is looked at. Every application is kept; on the invoice they are summed per
balance and product into one negative line (`credit_applied` / `commit_applied`).

Amounts here are already rounded (line amounts and balances are whole minor units), so an
application is exact and never more than the charge or the balance has left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Final

from compiler.engine.balances import Balance
from compiler.engine.invoice import (
    AppliedLine,
    CompositeLine,
    LineItem,
    SubscriptionLine,
    UsageLine,
)
from compiler.engine.money import MONEY_CONTEXT

KIND_ORDER: Final[dict[str, int]] = {"usage": 0, "subscription": 1, "composite": 2}


@dataclass(eq=False)
class Charge:
    """What is left to cover of one charge line, in the unit its balances are in."""

    kind: str
    unit_price: Decimal
    product_id: str
    name: str
    amount: Decimal
    position: int

    def cover_order(self) -> tuple[int, Decimal, str, str, int]:
        return (KIND_ORDER[self.kind], -self.unit_price, self.name, self.product_id, self.position)


@dataclass(frozen=True)
class Application:
    balance: Balance
    product_id: str
    amount: Decimal


def line_unit_price(line: UsageLine | SubscriptionLine | CompositeLine) -> Decimal:
    """The price per unit that orders charges: the line's own, or its amount per unit
    (tiered lines); a composite counts as one unit."""
    if isinstance(line, CompositeLine):
        return line.amount
    if line.unit_price is not None:
        return line.unit_price
    if line.quantity == 0:
        return Decimal(0)
    with localcontext(MONEY_CONTEXT):
        return line.amount / line.quantity


def charge_of(line: LineItem, position: int) -> Charge | None:
    """The coverable charge of a usage, subscription or composite line with a positive amount."""
    if not isinstance(line, UsageLine | SubscriptionLine | CompositeLine) or line.amount <= 0:
        return None
    return Charge(
        kind=line.type,
        unit_price=line_unit_price(line),
        product_id=line.product_id,
        name=line.name,
        amount=line.amount,
        position=position,
    )


def draw(charges: Sequence[Charge], balances: Sequence[Balance]) -> list[Application]:
    """Cover `charges` from `balances`, lowering both; the applications in the order made."""
    ordered = sorted(balances, key=Balance.draw_order)
    applications: list[Application] = []
    with localcontext(MONEY_CONTEXT):
        for charge in sorted(charges, key=Charge.cover_order):
            for balance in ordered:
                if charge.amount <= 0:
                    break
                if balance.remaining <= 0 or charge.product_id not in balance.applies_to:
                    continue
                take = min(charge.amount, balance.remaining)
                charge.amount -= take
                balance.remaining -= take
                applications.append(Application(balance, charge.product_id, take))
    return applications


def applied_lines(applications: Sequence[Application]) -> list[AppliedLine]:
    """One negative line per balance and product, in the order of their first application."""
    sums: dict[tuple[int, str], tuple[Balance, Decimal]] = {}
    with localcontext(MONEY_CONTEXT):
        for application in applications:
            key = (id(application.balance), application.product_id)
            balance, total = sums.get(key, (application.balance, Decimal(0)))
            sums[key] = (balance, total + application.amount)
    return [
        AppliedLine(
            type="credit_applied" if balance.kind == "credit" else "commit_applied",
            commit_id=balance.id,
            product_id=balance.product_id,
            name=balance.name,
            commit_type=balance.kind,
            applied_to=product_id,
            amount=-total,
            unit=balance.unit,
        )
        for (_, product_id), (balance, total) in sums.items()
    ]
