"""Fixed charges on a date (SPEC 3.4): scheduled charges and commit purchases.

Each lands, whole, on the invoice of the billing period that contains its date: an absolute
`date`, or `month: N`, the instant N whole months after the contract's start. A commit's
`invoice` entries are what the customer pays for it (`commit_purchase` lines); a commit
without them is free. A date in no billing period of the contract is billed nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from compiler.engine.contracts import ContractInstance
from compiler.engine.invoice import FixedLine
from compiler.engine.periods import Period
from compiler.engine.usage import Pricing
from compiler.plan.ir import ProductPlan


def charge_date(
    contract: ContractInstance, month: int | None, date: datetime | None
) -> datetime | None:
    """The instant of a dated term: its `date`, or `month` months after the contract start."""
    if date is not None:
        return date
    return None if month is None else contract.at_month(month)


def scheduled_lines(
    contract: ContractInstance,
    period: Period,
    products: Mapping[str, ProductPlan],
    pricing: Pricing,
) -> list[FixedLine]:
    """Scheduled charges dated in `period`, in the order written."""
    lines = []
    for charge in contract.terms.scheduled_charges:
        when = charge_date(contract, charge.month, charge.date)
        if when is None or not period.contains(when):
            continue
        lines.append(
            FixedLine(
                type="scheduled",
                product_id=charge.product,
                name=charge.name or products[charge.product].name,
                date=when,
                amount=pricing.round(charge.amount),
            )
        )
    return lines


def commit_purchase_lines(
    contract: ContractInstance,
    period: Period,
    products: Mapping[str, ProductPlan],
    pricing: Pricing,
) -> list[FixedLine]:
    """Commit invoice entries dated in `period`, commits in the order written."""
    lines = []
    for commit in contract.terms.commits:
        for entry in commit.invoice:
            when = charge_date(contract, entry.month, entry.date)
            if when is None or not period.contains(when):
                continue
            lines.append(
                FixedLine(
                    type="commit_purchase",
                    product_id=commit.product,
                    name=commit.name or products[commit.product].name,
                    date=when,
                    commit_id=commit.id,
                    amount=pricing.round(entry.amount),
                )
            )
    return lines
