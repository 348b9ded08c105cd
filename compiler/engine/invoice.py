"""What a replay produces: invoices with their line items, and the accounting (SPEC 5.1, 5.3).

Key order is the field order below, stable across runs; decimals serialise as strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny


class Output(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PeriodOut(Output):
    starting_at: datetime
    ending_before: datetime


class TierLine(Output):
    tier: int
    quantity: Decimal
    unit_price: Decimal
    flat: Decimal
    amount: Decimal


class PresentationLine(Output):
    group_values: dict[str, str | None]
    quantity: Decimal
    amount: Decimal


class UsageLine(Output):
    type: Literal["usage"] = "usage"
    product_id: str
    name: str
    pricing_group_values: dict[str, str | None]
    starting_at: datetime
    ending_before: datetime
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal
    tiers: list[TierLine] | None = None
    presentation: list[PresentationLine] | None = None
    unit: str | None = None
    override: str | None = None


class SubscriptionLine(Output):
    type: Literal["subscription"] = "subscription"
    product_id: str
    name: str
    starting_at: datetime
    ending_before: datetime
    quantity: Decimal
    unit_price: Decimal | None
    proration: Decimal
    amount: Decimal
    timing: Literal["in_advance", "in_arrears"]
    unit: str | None = None
    override: str | None = None


class CompositeLine(Output):
    type: Literal["composite"] = "composite"
    product_id: str
    name: str
    base: Decimal
    percentage: Decimal
    minimum: Decimal | None
    amount: Decimal
    override: str | None = None


class FixedLine(Output):
    type: Literal["scheduled", "commit_purchase", "true_up"]
    product_id: str
    name: str
    date: datetime | None = None
    commit_id: str | None = None
    amount: Decimal


class AppliedLine(Output):
    type: Literal["credit_applied", "commit_applied"]
    commit_id: str
    product_id: str
    name: str
    commit_type: Literal["prepaid", "postpaid", "credit"]
    applied_to: str
    amount: Decimal
    unit: str | None = None


class ConversionLine(Output):
    type: Literal["conversion"] = "conversion"
    unit: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal


LineItem = UsageLine | SubscriptionLine | CompositeLine | FixedLine | AppliedLine | ConversionLine


class BalanceOut(Output):
    id: str
    kind: Literal["prepaid", "postpaid", "credit"]
    product_id: str
    unit: str | None = None
    opening: Decimal
    applied: Decimal
    closing: Decimal
    expires_at: datetime | None = None


class Invoice(Output):
    customer_id: str
    contract_id: str
    rate_card: str
    currency: str
    period: PeriodOut
    status: Literal["draft", "finalized"]
    # written by each line's own model: the union's serializer tries the kinds in turn (a fifth
    # of the time a replay's JSON takes)
    line_items: list[SerializeAsAny[LineItem]] = Field(default_factory=list)
    subtotal: Decimal
    applied: Decimal
    total: Decimal
    balances: list[BalanceOut] = Field(default_factory=list)


class Problem(Output):
    events: int
    examples: list[str]


class UnpricedUsage(Output):
    customer_id: str
    contract_id: str
    product_id: str
    period: PeriodOut
    pricing_group_values: dict[str, str | None]
    quantity: Decimal
    events: int
    reason: str


class Rejected(Output):
    file: str
    line: int
    reason: str
    transaction_id: str | None = None


class Conflict(Output):
    transaction_id: str
    kept: str
    duplicate: str


class Accounting(Output):
    read: int
    invalid: int
    duplicate: int
    unknown_customer: int
    outside_contract: int
    outside_period: int
    unmetered: int
    unpriced: int
    rated: int
    examples: dict[str, list[str]] = Field(default_factory=dict)
    rejected: list[Rejected] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    metric_problems: dict[str, dict[str, Problem]] = Field(default_factory=dict)
    unpriced_usage: list[UnpricedUsage] = Field(default_factory=list)


class ReplayResult(Output):
    scenario: str
    invoices: list[Invoice]
    accounting: Accounting


BUCKETS = (
    "invalid",
    "duplicate",
    "unknown_customer",
    "outside_contract",
    "outside_period",
    "unmetered",
    "unpriced",
    "rated",
)
