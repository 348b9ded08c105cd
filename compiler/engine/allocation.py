"""Splitting a rounded amount into parts that add up to it exactly (SPEC 3.3, step 5).

A line's amount is shared among its presentation sub-lines in proportion to their quantity.
Each exact share is cut down to a whole number of minor units; the minor units left over
go one each to the parts with the largest cut-off remainders (the largest-remainder, or
Hamilton, method), earlier parts first on equal remainders. The arithmetic is done on exact
rationals (`fractions.Fraction`), so no share is ever rounded by a decimal context.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from compiler.engine.money import MONEY_CONTEXT


def allocate_largest_remainder(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal
) -> list[Decimal]:
    """Split `total` into `len(weights)` multiples of `quantum` proportional to `weights`.

    The parts sum exactly to `total`, and each differs from its exact share
    `total * weight / sum(weights)` by less than one `quantum`. A negative total is split
    like its absolute value, with every part negated. When every weight is zero the total
    is split evenly (as if all weights were 1), leftover quanta to the earliest parts.

    Raises ValueError when `quantum` is not positive, `total` is not a multiple of it, a
    weight is negative or not finite, or there are no weights for a nonzero total.
    """
    if not quantum.is_finite() or quantum <= 0:
        raise ValueError(f"quantum must be a positive decimal, got {quantum}")
    if not total.is_finite():
        raise ValueError(f"total must be finite, got {total}")
    units_fraction = Fraction(total) / Fraction(quantum)
    if units_fraction.denominator != 1:
        raise ValueError(f"total {total} is not a multiple of the quantum {quantum}")
    units = units_fraction.numerator
    for weight in weights:
        if not weight.is_finite() or weight < 0:
            raise ValueError(f"weights must be finite and non-negative, got {weight}")
    if not weights:
        if units != 0:
            raise ValueError(f"cannot allocate {total} over no parts")
        return []

    exact = [Fraction(w) for w in weights]
    if sum(exact) == 0:
        exact = [Fraction(1)] * len(weights)
    parts = _largest_remainder(abs(units), exact)
    sign = -1 if units < 0 else 1
    with localcontext(MONEY_CONTEXT):
        return [Decimal(sign * part) * quantum for part in parts]


def _largest_remainder(units: int, weights: list[Fraction]) -> list[int]:
    """Split a non-negative whole number of units by positive-sum weights."""
    weight_sum = sum(weights, Fraction(0))
    shares = [units * w / weight_sum for w in weights]
    parts = [share.numerator // share.denominator for share in shares]
    leftover = units - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (parts[i] - shares[i], i))
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return parts
