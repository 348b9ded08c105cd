"""The rating plan: the resolved, frozen, serialisable form of a package that the engine runs.

Every reference is resolved (composites list the products they include, overrides and commits
list the products they apply to), property values are text (as events carry them), and the
currency's minor unit is written out. Contract terms keep their relative month windows: they are
placed in time when a customer's contract is known.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from compiler.model.common import PlanDecimal

PLAN_VERSION = "1"


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilterPlan(Frozen):
    property: str
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    exists: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MetricPlan(Frozen):
    id: str
    name: str
    kind: Literal["simple", "sql"]
    event_types: tuple[str, ...] = ()
    aggregate: Literal["count", "sum", "max", "unique", "latest"] | None = None
    property: str | None = None
    filters: tuple[FilterPlan, ...] = ()
    group_keys: tuple[str, ...] = ()
    sql: str | None = None


class ConversionPlan(Frozen):
    operation: Literal["divide", "multiply"]
    factor: PlanDecimal


class RoundingPlan(Frozen):
    decimal_places: int
    method: Literal["up", "down", "half_up"]


class ProductPlan(Frozen):
    id: str
    name: str
    type: Literal["usage", "subscription", "composite", "fixed"]
    metric: str | None = None
    pricing_group_keys: tuple[str, ...] = ()
    presentation_group_keys: tuple[str, ...] = ()
    conversion: ConversionPlan | None = None
    rounding: RoundingPlan | None = None
    tags: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()


class TierPlan(Frozen):
    up_to: PlanDecimal | None
    price: PlanDecimal
    flat: PlanDecimal | None = None


class RatePlan(Frozen):
    starting_at: datetime | None = None
    ending_before: datetime | None = None
    pricing_group_values: dict[str, str] = Field(default_factory=dict)
    kind: Literal["flat", "tiered", "percentage"]
    price: PlanDecimal | None = None
    tiers: tuple[TierPlan, ...] = ()
    tier_mode: Literal["graduated", "volume"] = "graduated"
    percentage: PlanDecimal | None = None
    minimum: PlanDecimal | None = None
    billing_frequency: Literal["monthly", "quarterly", "annual"] | None = None
    unit: str | None = None
    entitled: bool = True


class RateCardPlan(Frozen):
    id: str
    name: str
    currency: str
    minor_unit: int
    pricing_units: dict[str, PlanDecimal] = Field(default_factory=dict)
    rates: dict[str, tuple[RatePlan, ...]] = Field(default_factory=dict)


class WindowPlan(Frozen):
    """Relative months from the contract start, or absolute instants."""

    starting_month: int | None = None
    months: int | None = None
    starting_at: datetime | None = None
    ending_before: datetime | None = None


class SubscriptionPlan(Frozen):
    product: str
    quantity: PlanDecimal
    timing: Literal["in_advance", "in_arrears"]
    proration: Literal["daily", "none"]


class OverridePlan(Frozen):
    products: tuple[str, ...]
    pricing_group_values: dict[str, str] | None = None
    kind: Literal["multiplier", "price", "tiers", "entitled"]
    multiplier: PlanDecimal | None = None
    price: PlanDecimal | None = None
    tiers: tuple[TierPlan, ...] = ()
    tier_mode: Literal["graduated", "volume"] = "graduated"
    entitled: bool | None = None
    priority: int | None = None
    window: WindowPlan = Field(default_factory=WindowPlan)
    origin: Literal["template", "contract"] = "template"
    index: int = 0


class InvoiceEntryPlan(Frozen):
    month: int | None = None
    date: datetime | None = None
    amount: PlanDecimal


class CommitPlan(Frozen):
    id: str
    name: str | None = None
    type: Literal["prepaid", "postpaid"]
    product: str
    amount: PlanDecimal
    access: WindowPlan
    invoice: tuple[InvoiceEntryPlan, ...] = ()
    applies_to: tuple[str, ...]
    priority: int | None = None


class CreditPlan(Frozen):
    id: str
    name: str | None = None
    product: str
    amount: PlanDecimal
    access: WindowPlan | None = None
    recurring: Literal["monthly", "quarterly", "annual"] | None = None
    applies_to: tuple[str, ...]
    priority: int | None = None
    unit: str | None = None


class ScheduledChargePlan(Frozen):
    product: str
    name: str | None = None
    month: int | None = None
    date: datetime | None = None
    amount: PlanDecimal


class BillingPlan(Frozen):
    frequency: Literal["monthly", "quarterly", "annual"]
    anchor: Literal["first_of_month", "contract_start"]


class TermsPlan(Frozen):
    subscriptions: tuple[SubscriptionPlan, ...] = ()
    overrides: tuple[OverridePlan, ...] = ()
    commits: tuple[CommitPlan, ...] = ()
    credits: tuple[CreditPlan, ...] = ()
    scheduled_charges: tuple[ScheduledChargePlan, ...] = ()


class TemplatePlan(TermsPlan):
    id: str
    name: str
    rate_card: str
    duration_months: int | None = None
    billing: BillingPlan


class PackagePlan(Frozen):
    name: str
    description: str | None = None
    rounding: Literal["half_up", "half_even"]


class RatingPlan(Frozen):
    """What `plan compile` writes and the engine executes."""

    plan_version: str = PLAN_VERSION
    plan_hash: str = ""
    package: PackagePlan
    metrics: dict[str, MetricPlan]
    products: dict[str, ProductPlan]
    rate_cards: dict[str, RateCardPlan]
    contract_templates: dict[str, TemplatePlan]
    pricing_units: dict[str, str] = Field(default_factory=dict)
