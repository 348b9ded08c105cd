"""Money and quantity rounding."""

from decimal import Decimal, DivisionByZero, Inexact, InvalidOperation, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.engine.money import (
    MONEY_CONTEXT,
    MONEY_OPERATIONS,
    QuantityRoundingMethod,
    RoundingMode,
    plain,
    round_money,
    round_quantity,
    round_to_quantum,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "mode", "expected"),
    [
        ("1.005", "USD", "half_up", "1.01"),  # 1.005 is half a cent: away from zero
        ("1.005", "USD", "half_even", "1.00"),  # half a cent: to the even cent, 0
        ("1.015", "USD", "half_even", "1.02"),  # half a cent: to the even cent, 2
        ("-1.005", "USD", "half_up", "-1.01"),  # away from zero on the negative side
        ("-1.005", "USD", "half_even", "-1.00"),  # to the even cent
        ("1.0049999", "USD", "half_up", "1.00"),  # below half a cent
        ("2.5", "JPY", "half_up", "3"),  # no minor unit: 2.5 → 3
        ("2.5", "JPY", "half_even", "2"),  # 2 is even
        ("3", "JPY", "half_up", "3"),  # already whole
        ("3", "USD", "half_up", "3.00"),  # always the currency's exponent
        ("1.2345", "KWD", "half_up", "1.235"),  # three digits: 0.0005 rounds up
        ("1.2345", "KWD", "half_even", "1.234"),  # 4 is even
        ("0.00005", "CLF", "half_up", "0.0001"),  # four digits
        ("16.2", "USD", "half_up", "16.20"),  # 12 x 1.35 from the SPEC example
    ],
)
def test_round_money(amount: str, currency: str, mode: RoundingMode, expected: str) -> None:
    assert str(round_money(D(amount), currency, mode)) == expected


def test_round_money_never_gives_negative_zero() -> None:
    # -0.001 rounds to 0 cents; shown as 0.00, not -0.00
    assert str(round_money(D("-0.001"), "USD", "half_up")) == "0.00"
    assert str(round_money(D("-0.4"), "JPY", "half_even")) == "0"


def test_round_money_refuses_unknown_currency_and_mode() -> None:
    with pytest.raises(ValueError):
        round_money(D("1"), "XYZ", "half_up")
    with pytest.raises(ValueError):
        round_money(D("1"), "USD", "banker")  # type: ignore[arg-type]


def test_round_money_keeps_many_digits_exact() -> None:
    # 12345678901234.565 with half_up: .565 → .57 (a double would read .564999...)
    assert str(round_money(D("12345678901234.565"), "USD", "half_up")) == "12345678901234.57"


@pytest.mark.parametrize(
    ("q", "places", "method", "expected"),
    [
        ("1.001", 2, "up", "1.01"),  # any excess goes up
        ("1.000", 2, "up", "1.00"),  # nothing to round
        ("-1.001", 2, "up", "-1.01"),  # away from zero
        ("1.009", 2, "down", "1.00"),  # truncated
        ("-1.009", 2, "down", "-1.00"),  # towards zero
        ("2.5", 0, "half_up", "3"),  # half away from zero
        ("2.4999", 0, "half_up", "2"),  # below half
        ("0.000001", 0, "up", "1"),  # a millionth of a unit is billed as one
        ("1500", 0, "up", "1500"),  # already whole
        ("0.0015", 3, "half_up", "0.002"),  # 0.0015 → 0.002
    ],
)
def test_round_quantity(q: str, places: int, method: QuantityRoundingMethod, expected: str) -> None:
    assert str(round_quantity(D(q), places, method)) == expected


def test_round_quantity_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError):
        round_quantity(D("1"), -1, "up")
    with pytest.raises(ValueError):
        round_quantity(D("1"), 0, "ceiling")  # type: ignore[arg-type]


def test_money_context_is_precise_and_traps() -> None:
    with localcontext(MONEY_CONTEXT):
        # 1/3 to 50 significant digits, not the default 28
        assert len((D(1) / D(3)).as_tuple().digits) == 50
        with pytest.raises(DivisionByZero):
            D(1) / D(0)
        with pytest.raises(InvalidOperation):
            D(0) / D(0)


def test_single_operations_leave_the_money_context_clean() -> None:
    # Rounding 1.23456 to cents is inexact: the signal lands in MONEY_OPERATIONS' flags, not
    # in those of MONEY_CONTEXT, which every localcontext(MONEY_CONTEXT) copies.
    MONEY_OPERATIONS.clear_flags()  # flags gather for the whole process: start from none
    assert str(round_money(D("1.23456"), "USD", "half_up")) == "1.23"
    assert MONEY_OPERATIONS.flags[Inexact]
    assert not any(MONEY_CONTEXT.flags.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.7500", "12.75"),
        ("100", "100"),  # not 1E+2
        ("1E+2", "100"),
        ("1.20E+3", "1200"),
        ("0.00", "0"),
        ("0.0050", "0.005"),
        ("7", "7"),
        ("-3.10", "-3.1"),
    ],
)
def test_plain_changes_only_the_notation(value: str, expected: str) -> None:
    assert str(plain(D(value))) == expected
    assert str(plain(None)) == "0"


def test_plain_refuses_more_digits_than_the_money_context_holds() -> None:
    with pytest.raises(InvalidOperation):
        plain(D("1E+60"))  # 100...0 would take 61 digits


amounts = st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=6)


@given(amounts, st.sampled_from(["USD", "JPY", "KWD"]), st.sampled_from(["half_up", "half_even"]))
def test_round_to_quantum_is_round_money(
    amount: Decimal, currency: str, mode: RoundingMode
) -> None:
    quantum = {"USD": D("0.01"), "JPY": D(1), "KWD": D("0.001")}[currency]
    rounded = round_to_quantum(amount, quantum, mode)
    assert str(rounded) == str(round_money(amount, currency, mode))


@given(amounts, st.sampled_from(["USD", "JPY", "KWD", "CLF"]))
def test_rounded_money_is_within_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    modes: tuple[RoundingMode, ...] = ("half_up", "half_even")
    quantum = {"USD": D("0.01"), "JPY": D(1), "KWD": D("0.001"), "CLF": D("0.0001")}
    for mode in modes:
        rounded = round_money(amount, currency, mode)
        assert abs(rounded - amount) <= quantum[currency] / 2
        assert rounded == round_money(rounded, currency, mode)


@given(amounts, st.integers(min_value=0, max_value=6))
def test_quantity_up_and_down_bracket_the_value(q: Decimal, places: int) -> None:
    up = round_quantity(q, places, "up")
    down = round_quantity(q, places, "down")
    assert abs(down) <= abs(q) <= abs(up)
    assert abs(up - down) <= D(1).scaleb(-places)
