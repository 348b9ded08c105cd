"""Commits and credits as balances that carry across a contract's periods (SPEC 3.5).

Every commit and one-off credit is one balance with an access window; a recurring credit is a
fresh balance for each term of its frequency (anchored like the contract's billing, within its
`access` window if it has one), which expires at the term's end. A balance can pay charges on
any invoice whose billing period overlaps its access window; what is left when the window
ends expires, and a postpaid commit's shortfall is charged as a `true_up` line on the invoice
of the last billing period its window covers.

The `Ledger` walks a contract's periods in order: it opens the balances live in a period
(their opening amount), lets the drawdown lower them, and closes the period (the balances
shown on the invoice, and the true-ups due). docs/rating.md states the choices in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Literal

from compiler.engine.contracts import FAR_FUTURE, ContractInstance
from compiler.engine.invoice import BalanceOut, FixedLine
from compiler.engine.money import MONEY_CONTEXT
from compiler.engine.periods import Period, billing_periods
from compiler.engine.usage import Pricing
from compiler.plan.ir import CommitPlan, CreditPlan, ProductPlan

BalanceKind = Literal["prepaid", "postpaid", "credit"]


@dataclass(eq=False)
class Balance:
    """One commit or credit (or one grant of a recurring credit) and what is left of it."""

    id: str
    kind: BalanceKind
    product_id: str
    name: str
    unit: str | None
    amount: Decimal
    start: datetime
    end: datetime
    priority: int | None
    paid: bool
    applies_to: frozenset[str]
    remaining: Decimal

    def live_in(self, period: Period) -> bool:
        return period.overlaps(self.start, self.end)

    def draw_order(self) -> tuple[object, ...]:
        """Credits and prepaid commits before postpaid; then lower priority (none after any
        given); then free before paid; then fewer applicable products; then earlier end of
        access; then earlier start; then ID."""
        return (
            1 if self.kind == "postpaid" else 0,
            (1, 0) if self.priority is None else (0, self.priority),
            1 if self.paid else 0,
            len(self.applies_to),
            self.end,
            self.start,
            self.id,
        )


def commit_balance(
    contract: ContractInstance,
    commit: CommitPlan,
    products: Mapping[str, ProductPlan],
    pricing: Pricing,
) -> Balance:
    start, end = contract.window(commit.access)
    amount = pricing.round(commit.amount)
    return Balance(
        id=commit.id,
        kind=commit.type,
        product_id=commit.product,
        name=commit.name or products[commit.product].name,
        unit=None,
        amount=amount,
        start=start,
        end=end,
        priority=commit.priority,
        paid=commit.type == "postpaid" or bool(commit.invoice),
        applies_to=frozenset(commit.applies_to),
        remaining=amount,
    )


def credit_balances(
    contract: ContractInstance,
    credit: CreditPlan,
    products: Mapping[str, ProductPlan],
    pricing: Pricing,
) -> list[Balance]:
    """One balance for a one-off credit; one per term for a recurring credit, each term of
    the contract's replayed periods that overlaps the credit's access window."""
    access = (
        (contract.start, contract.end or FAR_FUTURE)
        if credit.access is None
        else contract.window(credit.access)
    )
    if credit.recurring is None:
        windows = [access]
    elif not contract.periods:
        windows = []
    else:
        terms = billing_periods(
            contract.start,
            contract.end,
            credit.recurring,
            contract.template.billing.anchor,
            contract.periods[0].start,
            contract.periods[-1].end,
        )
        windows = [(max(t.start, access[0]), min(t.end, access[1])) for t in terms]
    amount = pricing.round(credit.amount)
    return [
        Balance(
            id=credit.id,
            kind="credit",
            product_id=credit.product,
            name=credit.name or products[credit.product].name,
            unit=credit.unit,
            amount=amount,
            start=start,
            end=end,
            priority=credit.priority,
            paid=False,
            applies_to=frozenset(credit.applies_to),
            remaining=amount,
        )
        for start, end in windows
        if start < end
    ]


def contract_balances(
    contract: ContractInstance, products: Mapping[str, ProductPlan], pricing: Pricing
) -> list[Balance]:
    """Every balance of the contract: commits, then credits, in the order written."""
    balances = [commit_balance(contract, c, products, pricing) for c in contract.terms.commits]
    for credit in contract.terms.credits:
        balances.extend(credit_balances(contract, credit, products, pricing))
    return balances


class Ledger:
    """A contract's balances as its billing periods are invoiced, in order."""

    def __init__(self, balances: Sequence[Balance], contract_end: datetime | None) -> None:
        self.balances = list(balances)
        self.contract_end = contract_end
        self._opening: list[tuple[Balance, Decimal]] = []

    def open(self, period: Period) -> list[Balance]:
        """The balances live in `period`, their opening amounts noted."""
        self._opening = [(b, b.remaining) for b in self.balances if b.live_in(period)]
        return [b for b, _ in self._opening]

    def ends_in(self, balance: Balance, period: Period) -> bool:
        """Whether `period` is the last billing period the balance's window covers."""
        return balance.end <= period.end or (
            self.contract_end is not None and self.contract_end <= period.end
        )

    def close(self, period: Period) -> tuple[list[BalanceOut], list[FixedLine]]:
        """The balances shown on the period's invoice, and the true-ups it charges."""
        shown, true_ups = [], []
        for balance, opening in self._opening:
            with localcontext(MONEY_CONTEXT):
                applied = opening - balance.remaining
            shown.append(
                BalanceOut(
                    id=balance.id,
                    kind=balance.kind,
                    product_id=balance.product_id,
                    unit=balance.unit,
                    opening=opening,
                    applied=applied,
                    closing=balance.remaining,
                    expires_at=balance.end if balance.end < FAR_FUTURE else None,
                )
            )
            if (
                balance.kind == "postpaid"
                and balance.remaining > 0
                and self.ends_in(balance, period)
            ):
                true_ups.append(
                    FixedLine(
                        type="true_up",
                        product_id=balance.product_id,
                        name=balance.name,
                        date=min(balance.end, self.contract_end or balance.end),
                        commit_id=balance.id,
                        amount=balance.remaining,
                    )
                )
        self._opening = []
        return shown, true_ups
