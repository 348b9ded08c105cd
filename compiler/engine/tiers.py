"""Price models for a quantity: flat, graduated tiers and volume tiers.

Each function is pure and returns unrounded amounts (rounding happens once per line, in
`compiler.engine.money`). Tier `i` covers the quantities in `(up_to of tier i-1, up_to of
tier i]`: the lower bound is exclusive, the upper bound inclusive, the first tier starts
at 0 and the last has no `up_to`. A tier's `flat` fee is charged once when the quantity
enters the tier, that is when it exceeds the tier's lower bound.

Tiered quantities must not be negative: a negative quantity has no tier, so the functions
raise ValueError and leave it to the caller to report (flat pricing accepts any sign).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from compiler.engine.money import MONEY_CONTEXT, MONEY_OPERATIONS

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Tier:
    """One price tier: units up to and including `up_to` (None: no limit) cost `price`."""

    up_to: Decimal | None
    price: Decimal
    flat: Decimal | None = None


@dataclass(frozen=True)
class TierCharge:
    """The priced part of a quantity that falls in tier `index` (0-based).

    `amount` is `quantity * unit_price + flat`, unrounded; `flat` is 0 where none is charged.
    """

    index: int
    quantity: Decimal
    unit_price: Decimal
    flat: Decimal
    amount: Decimal


def tiers_ascending(tiers: Sequence[Tier]) -> str | None:
    """Describe what is wrong with the shape of `tiers`, or None when they are well formed.

    Well formed: at least one tier, every `up_to` positive and strictly ascending, only the
    last tier without `up_to`.
    """
    if not tiers:
        return "there are no tiers"
    previous: Decimal | None = None
    for index, tier in enumerate(tiers):
        is_last = index == len(tiers) - 1
        if tier.up_to is None:
            if not is_last:
                return f"tier {index + 1} has no up_to but is not the last tier"
            continue
        if is_last:
            return f"the last tier (tier {index + 1}) has up_to {tier.up_to}; it must be open"
        if not tier.up_to.is_finite() or tier.up_to <= 0:
            return f"tier {index + 1} has up_to {tier.up_to}; it must be a positive number"
        if previous is not None and tier.up_to <= previous:
            return (
                f"tier {index + 1} has up_to {tier.up_to}, not above the previous "
                f"tier's {previous}; up_to must ascend"
            )
        previous = tier.up_to
    return None


def price_flat(quantity: Decimal, price: Decimal) -> Decimal:
    """Every unit at one price: `quantity * price`, unrounded."""
    return MONEY_OPERATIONS.multiply(quantity, price)


def price_graduated(
    tiers: Sequence[Tier], quantity: Decimal, already: Decimal = _ZERO
) -> list[TierCharge]:
    """Price the units in `(already, already + quantity]`, each at the tier it falls in.

    `already` is the quantity priced earlier in the same period (by earlier segments), so
    tiers keep counting across segments: pricing `a` and then `b` with `already=a` gives
    the same charges in total as pricing `a + b` at once. A tier's flat fee is charged by
    the call whose range first takes the quantity past the tier's lower bound. Only tiers
    with units in the range appear in the result; zero quantity charges nothing.
    """
    _require_valid(tiers)
    _require_non_negative(quantity, "quantity")
    _require_non_negative(already, "already")
    charges: list[TierCharge] = []
    with localcontext(MONEY_CONTEXT):
        low, high = already, already + quantity
        lower = _ZERO
        for index, tier in enumerate(tiers):
            upper = tier.up_to
            top = high if upper is None else min(high, upper)
            units = top - max(low, lower)
            if units > 0:
                # units > 0 implies lower < high; the fee is this call's when low <= lower.
                flat = tier.flat if tier.flat is not None and low <= lower else _ZERO
                charges.append(_charge(index, units, tier.price, flat))
            if upper is None or upper >= high:
                break
            lower = upper
    return charges


def price_volume(
    tiers: Sequence[Tier],
    quantity: Decimal,
    total: Decimal | None = None,
    charge_flat: bool = True,
) -> list[TierCharge]:
    """Price every unit of `quantity` at the tier that `total` reaches.

    `total` (default: `quantity`) is the whole period's quantity when a period is split into
    segments; a total exactly at a tier's `up_to` is in that tier. The reached tier's flat
    fee is included when `charge_flat` is true (a caller pricing segments passes it for one
    segment only). A zero total charges nothing. The result has at most one charge, and
    none when there is neither quantity nor a flat fee to charge.
    """
    _require_valid(tiers)
    _require_non_negative(quantity, "quantity")
    whole = quantity if total is None else total
    _require_non_negative(whole, "total")
    if quantity > whole:
        raise ValueError(f"quantity {quantity} exceeds the period's total {whole}")
    if whole == 0:
        return []
    index, tier = next((i, t) for i, t in enumerate(tiers) if t.up_to is None or whole <= t.up_to)
    flat = tier.flat if charge_flat and tier.flat is not None else _ZERO
    if quantity == 0 and flat == 0:
        return []
    with localcontext(MONEY_CONTEXT):
        return [_charge(index, quantity, tier.price, flat)]


def charges_total(charges: Iterable[TierCharge]) -> Decimal:
    """The sum of the charges' amounts, unrounded (0 for no charges)."""
    with localcontext(MONEY_CONTEXT):
        return sum((charge.amount for charge in charges), _ZERO)


def _charge(index: int, quantity: Decimal, price: Decimal, flat: Decimal) -> TierCharge:
    return TierCharge(
        index=index,
        quantity=quantity,
        unit_price=price,
        flat=flat,
        amount=quantity * price + flat,
    )


def _require_valid(tiers: Sequence[Tier]) -> None:
    problem = tiers_ascending(tiers)
    if problem is not None:
        raise ValueError(f"invalid tiers: {problem}")


def _require_non_negative(value: Decimal, name: str) -> None:
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite non-negative decimal, got {value}")
