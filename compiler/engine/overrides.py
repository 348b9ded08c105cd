"""Which override applies to a charge, and what the rate becomes under it (SPEC 2.5).

At most one price override applies (no stacking). Choice when several match: an explicit
`priority` (lowest first) beats none; then an overwrite (`price`/`tiers`) beats a multiplier;
then a contract's own override beats its template's; among multipliers the lowest wins; last,
the order written. Entitlement overrides only change entitlement and are chosen among
themselves by the same rules, so an entitlement and a discount can both hold for one charge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from typing import NamedTuple

from compiler.engine.contracts import ContractInstance
from compiler.engine.money import MONEY_CONTEXT
from compiler.engine.tiers import Tier
from compiler.plan.ir import OverridePlan, RatePlan, TierPlan


@dataclass(frozen=True)
class PlacedOverride:
    override: OverridePlan
    start: datetime
    end: datetime

    def applies(self, product_id: str, values: Mapping[str, str | None], at: datetime) -> bool:
        o = self.override
        if product_id not in o.products or not self.start <= at < self.end:
            return False
        wanted = o.pricing_group_values or {}
        return all(values.get(k) == v for k, v in wanted.items())

    @property
    def label(self) -> str:
        o = self.override
        what = {
            "multiplier": f"multiplier {o.multiplier}",
            "price": f"price {o.price}",
            "tiers": "tiers",
            "entitled": f"entitled {o.entitled}",
        }[o.kind]
        return f"{o.origin} override #{o.index + 1} ({what})"


def placed_overrides(contract: ContractInstance) -> list[PlacedOverride]:
    """The contract's overrides (template's, then its own) with their windows as instants."""
    return [PlacedOverride(o, *contract.window(o.window)) for o in contract.terms.overrides]


def _rank(placed: PlacedOverride) -> tuple[int, int, int, int, Decimal, int]:
    o = placed.override
    return (
        0 if o.priority is not None else 1,
        o.priority or 0,
        0 if o.kind in ("price", "tiers") else 1,
        0 if o.origin == "contract" else 1,
        o.multiplier if o.multiplier is not None else Decimal(0),
        o.index,
    )


def choose(
    overrides: Sequence[PlacedOverride],
    product_id: str,
    values: Mapping[str, str | None],
    at: datetime,
) -> tuple[PlacedOverride | None, PlacedOverride | None]:
    """(the price override, the entitlement override) that apply at `at`, each or None."""
    matching = [o for o in overrides if o.applies(product_id, values, at)]
    price = sorted((o for o in matching if o.override.kind != "entitled"), key=_rank)
    entitlement = sorted((o for o in matching if o.override.kind == "entitled"), key=_rank)
    return (price[0] if price else None, entitlement[0] if entitlement else None)


class EffectiveRate(NamedTuple):
    """A rate after its override: flat (`price`) or tiered (`tiers`, `tier_mode`).

    A NamedTuple rather than a frozen dataclass: as immutable, and built for every usage line
    at a fraction of the cost.
    """

    price: Decimal | None
    tiers: tuple[Tier, ...]
    tier_mode: str
    entitled: bool
    unit: str | None
    override: str | None


def _tiers(tiers: Sequence[TierPlan], factor: Decimal = Decimal(1)) -> tuple[Tier, ...]:
    if not tiers:  # a flat rate: every usage line asks, so skip the context
        return ()
    with localcontext(MONEY_CONTEXT):
        return tuple(
            Tier(t.up_to, t.price * factor, None if t.flat is None else t.flat * factor)
            for t in tiers
        )


def effective_rate(
    rate: RatePlan,
    price_override: PlacedOverride | None,
    entitlement: PlacedOverride | None,
) -> EffectiveRate:
    entitled = rate.entitled
    if entitlement is not None and entitlement.override.entitled is not None:
        entitled = entitlement.override.entitled
    price, tiers, mode = rate.price, _tiers(rate.tiers), rate.tier_mode
    label = None
    if price_override is not None:
        o = price_override.override
        label = price_override.label
        if o.kind == "multiplier" and o.multiplier is not None:
            with localcontext(MONEY_CONTEXT):
                price = None if price is None else price * o.multiplier
            tiers = _tiers(rate.tiers, o.multiplier)
        elif o.kind == "price":
            price, tiers = o.price, ()
        elif o.kind == "tiers":
            price, tiers, mode = None, _tiers(o.tiers), o.tier_mode
    return EffectiveRate(price, tiers, mode, entitled, rate.unit, label)
