"""Customers' contracts placed in time: template terms merged with the contract's own, relative
month windows turned into instants, billing periods laid out over the replayed window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from compiler.engine.periods import Period, billing_periods, month_offset
from compiler.model.scenario import Customer
from compiler.plan.build import terms_plan
from compiler.plan.ir import (
    RateCardPlan,
    RatingPlan,
    TemplatePlan,
    TermsPlan,
    WindowPlan,
)

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ContractInstance:
    customer_id: str
    customer_name: str
    contract_id: str
    template: TemplatePlan
    rate_card: RateCardPlan
    start: datetime
    end: datetime | None
    terms: TermsPlan
    periods: tuple[Period, ...]

    def window(self, window: WindowPlan) -> tuple[datetime, datetime]:
        """A relative or absolute window as instants; open ends are the contract's bounds."""
        if window.starting_at is not None or window.ending_before is not None:
            start = window.starting_at or self.start
            end = window.ending_before or self.end or FAR_FUTURE
            return start, end
        first = window.starting_month or 0
        start = month_offset(self.start, first)
        if window.months is not None:
            return start, month_offset(self.start, first + window.months)
        return start, self.end or FAR_FUTURE

    def at_month(self, month: int) -> datetime:
        return month_offset(self.start, month)


def merge_terms(template: TermsPlan, own: TermsPlan) -> TermsPlan:
    """The template's terms with the contract's own added after them."""
    return TermsPlan(
        subscriptions=template.subscriptions + own.subscriptions,
        overrides=template.overrides + own.overrides,
        commits=template.commits + own.commits,
        credits=template.credits + own.credits,
        scheduled_charges=template.scheduled_charges + own.scheduled_charges,
    )


def place_contracts(
    plan: RatingPlan,
    customers: Mapping[str, Customer],
    window: Period,
) -> list[ContractInstance]:
    """Every customer contract with its template resolved and its periods within `window`."""
    instances = []
    for customer_id, customer in sorted(customers.items()):
        for contract in customer.contracts:
            template = plan.contract_templates[contract.template]
            end = contract.ending_before
            if end is None and template.duration_months is not None:
                end = month_offset(contract.starting_at, template.duration_months)
            own = terms_plan(contract, plan.products, origin="contract")
            periods = billing_periods(
                contract.starting_at,
                end,
                template.billing.frequency,
                template.billing.anchor,
                window.start,
                window.end,
            )
            instances.append(
                ContractInstance(
                    customer_id=customer_id,
                    customer_name=customer.name,
                    contract_id=contract.id,
                    template=template,
                    rate_card=plan.rate_cards[template.rate_card],
                    start=contract.starting_at,
                    end=end,
                    terms=merge_terms(template, own),
                    periods=tuple(periods),
                )
            )
    return instances
