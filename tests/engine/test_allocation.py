"""Largest-remainder allocation of a line's amount over its sub-lines."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.engine.allocation import allocate_largest_remainder

D = Decimal
CENT = D("0.01")


def allocate(total: str, weights: list[str], quantum: Decimal = CENT) -> list[str]:
    return [str(p) for p in allocate_largest_remainder(D(total), [D(w) for w in weights], quantum)]


def test_exact_shares_need_no_remainder() -> None:
    # SPEC 5.1: 16.20 over quantities 7 and 5 → 16.20 x 7/12 = 9.45, 16.20 x 5/12 = 6.75
    assert allocate("16.20", ["7", "5"]) == ["9.45", "6.75"]


def test_remainder_goes_to_the_largest_remainder() -> None:
    # 100 cents over 1:2:3 → 16.67, 33.33, 50 cents; floors 16 + 33 + 50 = 99,
    # the 1 cent left goes to the largest remainder 0.67 (the first part)
    assert allocate("1.00", ["1", "2", "3"]) == ["0.17", "0.33", "0.50"]


def test_equal_remainders_favour_the_earlier_part() -> None:
    # 1000 cents / 3 = 333.33 each; the 1 cent left goes to the first part
    assert allocate("10.00", ["1", "1", "1"]) == ["3.34", "3.33", "3.33"]
    # 1 cent over 1:3:3 → 0.14, 0.43, 0.43 cents; parts 2 and 3 tie, part 2 wins
    assert allocate("0.01", ["1", "3", "3"]) == ["0.00", "0.01", "0.00"]
    # 2 cents over 1:3:3 → 0.29, 0.86, 0.86 cents; both ties get one
    assert allocate("0.02", ["1", "3", "3"]) == ["0.00", "0.01", "0.01"]


def test_negative_total_is_split_like_its_absolute_value() -> None:
    # mirror of 1.00 over 1:2:3
    assert allocate("-1.00", ["1", "2", "3"]) == ["-0.17", "-0.33", "-0.50"]


def test_zero_total_and_zero_weights() -> None:
    assert allocate("0.00", ["1", "2"]) == ["0.00", "0.00"]
    # a part with no quantity gets nothing: 5.00 x 0/1 = 0, 5.00 x 1/1 = 5.00
    assert allocate("5.00", ["0", "1"]) == ["0.00", "5.00"]
    # all weights zero: split evenly, 10 cents / 3 = 3.33 → 4, 3, 3 cents
    assert allocate("0.10", ["0", "0", "0"]) == ["0.04", "0.03", "0.03"]
    assert allocate("0", []) == []


def test_fractional_weights_and_other_quanta() -> None:
    # 100 yen over 0.5:0.5:0.5 → 33.33 each, first gets the leftover yen
    assert allocate("100", ["0.5", "0.5", "0.5"], D(1)) == ["34", "33", "33"]
    # 1.000 KWD over 1:1:1 → 0.33333 each in fils 333.33 → 334, 333, 333 fils
    assert allocate("1.000", ["1", "1", "1"], D("0.001")) == ["0.334", "0.333", "0.333"]


def test_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="multiple"):
        allocate("1.005", ["1"])
    with pytest.raises(ValueError, match="quantum"):
        allocate("1", ["1"], D(0))
    with pytest.raises(ValueError, match="non-negative"):
        allocate("1.00", ["1", "-1"])
    with pytest.raises(ValueError, match="no parts"):
        allocate("1.00", [])


quanta = st.sampled_from([D("0.01"), D(1), D("0.001"), D("0.0001")])
weight_lists = st.lists(
    st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False), min_size=1, max_size=12
)


@given(st.integers(min_value=-(10**12), max_value=10**12), weight_lists, quanta)
def test_parts_sum_exactly_and_stay_within_one_quantum(
    units: int, weights: list[Decimal], quantum: Decimal
) -> None:
    total = D(units) * quantum
    parts = allocate_largest_remainder(total, weights, quantum)
    assert len(parts) == len(weights)
    assert sum(parts, D(0)) == total
    weight_sum = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        assert Fraction(part) / Fraction(quantum) == int(Fraction(part) / Fraction(quantum))
        if weight_sum:
            exact = Fraction(total) * Fraction(weight) / weight_sum
        else:
            exact = Fraction(total) / len(weights)
        assert abs(Fraction(part) - exact) < Fraction(quantum)


@given(st.integers(min_value=0, max_value=10**9), weight_lists)
def test_negation_mirrors(units: int, weights: list[Decimal]) -> None:
    total = D(units) * CENT
    positive = allocate_largest_remainder(total, weights, CENT)
    negative = allocate_largest_remainder(-total, weights, CENT)
    assert negative == [-p for p in positive]
