"""Money arithmetic: the one decimal context and the only rounding in the engine.

Every amount is a `decimal.Decimal`. Arithmetic runs under `MONEY_CONTEXT` (callers write
`with decimal.localcontext(MONEY_CONTEXT): ...`), whose 50 significant digits keep sums and
products of prices and quantities exact in practice, and which raises rather than producing
NaN or infinity. A single operation on a hot path takes `MONEY_OPERATIONS`, the same context,
as an argument instead (`MONEY_OPERATIONS.multiply(q, p)`): entering a `localcontext` costs
several times the operation. Rounding to a currency's minor unit and rounding of quantities
happen here and nowhere else.
"""

from __future__ import annotations

from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Final, Literal

from compiler.model.currencies import minor_unit_quantum

RoundingMode = Literal["half_up", "half_even"]
QuantityRoundingMethod = Literal["up", "down", "half_up"]

MONEY_CONTEXT: Final[Context] = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

# MONEY_CONTEXT's settings in a context of its own: an operation notes its signals in the flags
# of the context it is given, and MONEY_CONTEXT, which every `localcontext` copies, stays clean.
# Nothing reads these flags; the traps raise all the same.
MONEY_OPERATIONS: Final[Context] = MONEY_CONTEXT.copy()

_ONE: Final[Decimal] = Decimal(1)
_TEN: Final[Decimal] = Decimal(10)

_MONEY_ROUNDING: Final[dict[str, str]] = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
}

# "up" and "down" are away from and towards zero, as in decimal's ROUND_UP/ROUND_DOWN.
_QUANTITY_ROUNDING: Final[dict[str, str]] = {
    "up": ROUND_UP,
    "down": ROUND_DOWN,
    "half_up": ROUND_HALF_UP,
}


def _positive_zero(value: Decimal) -> Decimal:
    # Rounding a small negative amount gives -0.00; an invoice shows 0.00.
    return value if value else value.copy_abs()


def round_money(amount: Decimal, currency: str, mode: RoundingMode) -> Decimal:
    """Round `amount` to the minor unit of `currency` (1.005 USD: half_up 1.01, half_even 1.00).

    Halves are rounded away from zero (`half_up`: -1.005 → -1.01) or to the even digit
    (`half_even`). The result always has the currency's exponent (JPY 3 → 3, USD 3 → 3.00)
    and is never negative zero. Raises ValueError for an unknown currency or mode.
    """
    return round_to_quantum(amount, minor_unit_quantum(currency), mode)


def round_to_quantum(amount: Decimal, quantum: Decimal, mode: RoundingMode) -> Decimal:
    """`round_money` with the currency's minor unit (`quantum`: 0.01 for USD) looked up once,
    for a caller that rounds many amounts in one currency."""
    rounding = _MONEY_ROUNDING.get(mode)
    if rounding is None:
        raise ValueError(f"unknown money rounding mode {mode!r}")
    return _positive_zero(amount.quantize(quantum, rounding, MONEY_OPERATIONS))


def round_quantity(q: Decimal, decimal_places: int, method: QuantityRoundingMethod) -> Decimal:
    """Round a quantity to `decimal_places` digits after the point.

    `up` rounds away from zero (1.001 → 1.01 at 2 places, -1.001 → -1.01), `down` towards
    zero (1.009 → 1.00), `half_up` to the nearest with halves away from zero (2.5 → 3 at 0).
    Raises ValueError for negative `decimal_places` or an unknown method.
    """
    if decimal_places < 0:
        raise ValueError(f"decimal_places must be 0 or more, got {decimal_places}")
    if method not in _QUANTITY_ROUNDING:
        raise ValueError(f"unknown quantity rounding method {method!r}")
    quantum = _ONE.scaleb(-decimal_places)
    return _positive_zero(q.quantize(quantum, _QUANTITY_ROUNDING[method], MONEY_OPERATIONS))


def plain(value: Decimal | int | None) -> Decimal:
    """A quantity or unit price without trailing zeros or an exponent: 12.7500 → 12.75.

    Only the notation changes, never the value (100 stays 100, not 1E+2); None is zero.
    """
    if value is None:
        return Decimal(0)
    normal = Decimal(value).normalize(MONEY_OPERATIONS)
    # The exponent is positive only for a whole number from 10 up whose last digit is 0 (normal
    # leaves none): one whose remainder by 10 is 0. Cheaper to tell than by as_tuple().
    if normal.adjusted() > 0 and not MONEY_OPERATIONS.remainder(normal, _TEN):
        return normal.quantize(_ONE, context=MONEY_OPERATIONS)
    return normal
