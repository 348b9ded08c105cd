"""Rate cards: price books keyed by product (SPEC 2.4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compiler.model.common import Amount, Id, Instant, PropertyValue, Strict

TierMode = Literal["graduated", "volume"]
BillingFrequency = Literal["monthly", "quarterly", "annual"]


class Tier(Strict):
    up_to: Amount | None = None
    price: Amount
    flat: Amount | None = None


class RateEntry(Strict):
    starting_at: Instant | None = None
    ending_before: Instant | None = None
    pricing_group_values: dict[str, PropertyValue] = Field(default_factory=dict)
    price: Amount | None = None
    tiers: list[Tier] | None = None
    tier_mode: TierMode | None = None
    percentage: Amount | None = None
    minimum: Amount | None = None
    billing_frequency: BillingFrequency | None = None
    unit: Id | None = None
    entitled: bool = True


class RateCard(Strict):
    name: str
    description: str | None = None
    currency: str
    rates: dict[Id, list[RateEntry]] = Field(default_factory=dict)
    pricing_units: dict[Id, Amount] = Field(default_factory=dict)
