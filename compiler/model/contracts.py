"""Contract terms, as templates (SPEC 2.5) and as a customer's contract (SPEC 2.6).

Relative times count whole months from the contract's start (`starting_month`, `months`,
`month`), at most MAX_MONTHS each; a customer's contract may use absolute
`starting_at`/`ending_before` instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from compiler.model.common import MAX_MONTHS, Amount, Id, Instant, PropertyValue, Strict
from compiler.model.products import ProductSelector
from compiler.model.rate_cards import BillingFrequency, Tier, TierMode


class Window(Strict):
    """A span of time relative to the contract start, or absolute."""

    starting_month: int | None = Field(default=None, ge=0, le=MAX_MONTHS)
    months: int | None = Field(default=None, ge=1, le=MAX_MONTHS)
    starting_at: Instant | None = None
    ending_before: Instant | None = None


class Billing(Strict):
    frequency: BillingFrequency = "monthly"
    anchor: Literal["first_of_month", "contract_start"] = "first_of_month"


class Subscription(Strict):
    product: Id
    quantity: Amount = Field(default=Decimal(1), ge=0)
    timing: Literal["in_advance", "in_arrears"] = "in_advance"
    proration: Literal["daily", "none"] = "daily"


class Override(Window):
    products: list[Id] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    pricing_group_values: dict[str, PropertyValue] | None = None
    multiplier: Amount | None = Field(default=None, ge=0)
    price: Amount | None = None
    tiers: list[Tier] | None = None
    tier_mode: TierMode | None = None
    entitled: bool | None = None
    priority: int | None = None


class InvoiceScheduleEntry(Strict):
    month: int | None = Field(default=None, ge=0, le=MAX_MONTHS)
    date: Instant | None = None
    amount: Amount


class Commit(Strict):
    id: Id
    name: str | None = None
    type: Literal["prepaid", "postpaid"]
    product: Id
    amount: Amount = Field(gt=0)
    access: Window = Field(default_factory=Window)
    invoice: list[InvoiceScheduleEntry] = Field(default_factory=list)
    applies_to: ProductSelector | None = None
    priority: int | None = None


class Credit(Strict):
    id: Id
    name: str | None = None
    product: Id
    amount: Amount = Field(gt=0)
    access: Window | None = None
    recurring: BillingFrequency | None = None
    applies_to: ProductSelector | None = None
    priority: int | None = None
    unit: Id | None = None  # a custom pricing unit: the amount is in it, drawn by lines in it


class ScheduledCharge(Strict):
    product: Id
    name: str | None = None
    month: int | None = Field(default=None, ge=0, le=MAX_MONTHS)
    date: Instant | None = None
    amount: Amount


class ContractTerms(Strict):
    """The terms a template gives and a customer's contract may add to."""

    subscriptions: list[Subscription] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    commits: list[Commit] = Field(default_factory=list)
    credits: list[Credit] = Field(default_factory=list)
    scheduled_charges: list[ScheduledCharge] = Field(default_factory=list)


class ContractTemplate(ContractTerms):
    name: str
    description: str | None = None
    rate_card: Id
    duration_months: int | None = Field(default=None, ge=1, le=MAX_MONTHS)
    billing: Billing = Field(default_factory=Billing)


class Contract(ContractTerms):
    id: Id
    template: Id
    starting_at: Instant
    ending_before: Instant | None = None
