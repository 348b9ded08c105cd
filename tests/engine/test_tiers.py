"""Flat, graduated and volume pricing."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.engine.tiers import (
    Tier,
    TierCharge,
    charges_total,
    price_flat,
    price_graduated,
    price_volume,
    tiers_ascending,
)

D = Decimal

# The SPEC's example: (0, 1] at 10, (1, 2] at 20, (2, inf) at 30.
SPEC_TIERS = [Tier(D(1), D(10)), Tier(D(2), D(20)), Tier(None, D(30))]

# With a flat fee per tier: (0, 100] 0.10 + 5, (100, 1000] 0.05 + 20, (1000, inf) 0.01 + 50.
FLAT_TIERS = [
    Tier(D(100), D("0.10"), D(5)),
    Tier(D(1000), D("0.05"), D(20)),
    Tier(None, D("0.01"), D(50)),
]


def charge(index: int, quantity: str, price: str, flat: str, amount: str) -> TierCharge:
    return TierCharge(index, D(quantity), D(price), D(flat), D(amount))


# --- flat -----------------------------------------------------------------------------------


def test_price_flat() -> None:
    assert price_flat(D(12), D("1.35")) == D("16.20")  # 12 x 1.35 = 16.20
    assert price_flat(D(3), D("0.000002")) == D("0.000006")  # 3 x 0.000002
    assert price_flat(D(0), D("1.50")) == 0  # nothing used, nothing charged
    assert price_flat(D("-2"), D("1.5")) == D("-3")  # 2 x 1.5 = 3, negated


def test_price_flat_keeps_all_digits() -> None:
    # 0.33333333333333333333 x 3 = 0.99999999999999999999 (20 nines), not 1
    assert price_flat(D("0.33333333333333333333"), D(3)) == D("0.99999999999999999999")


# --- graduated ------------------------------------------------------------------------------


def test_graduated_spec_example() -> None:
    assert price_graduated(SPEC_TIERS, D("2.5")) == [
        charge(0, "1", "10", "0", "10"),  # 1 x 10
        charge(1, "1", "20", "0", "20"),  # 1 x 20
        charge(2, "0.5", "30", "0", "15"),  # 0.5 x 30
    ]
    assert charges_total(price_graduated(SPEC_TIERS, D("2.5"))) == 45  # 10 + 20 + 15


def test_graduated_quantity_exactly_at_up_to_stays_in_that_tier() -> None:
    charges = price_graduated(SPEC_TIERS, D(2))
    assert [c.index for c in charges] == [0, 1]  # tier 3 starts above 2
    assert charges_total(charges) == 30  # 1 x 10 + 1 x 20
    assert price_graduated(SPEC_TIERS, D(1)) == [charge(0, "1", "10", "0", "10")]  # 1 x 10


def test_graduated_fractional_quantity() -> None:
    assert price_graduated(SPEC_TIERS, D("0.25")) == [charge(0, "0.25", "10", "0", "2.5")]
    # 0.25 x 10 = 2.5
    charges = price_graduated(SPEC_TIERS, D("1.000001"))
    assert charges_total(charges) == D("10.00002")  # 1 x 10 + 0.000001 x 20


def test_graduated_zero_quantity_charges_nothing() -> None:
    assert price_graduated(SPEC_TIERS, D(0)) == []
    assert price_graduated(FLAT_TIERS, D(0)) == []  # not even the first tier's flat
    assert price_graduated(FLAT_TIERS, D(0), already=D(100)) == []


def test_graduated_charges_each_entered_tiers_flat() -> None:
    # exactly 100 does not enter tier 2: 100 x 0.10 + 5 = 15
    assert price_graduated(FLAT_TIERS, D(100)) == [charge(0, "100", "0.10", "5", "15.00")]
    # 100.5: 15 + (0.5 x 0.05 + 20 = 20.025) = 35.025
    assert charges_total(price_graduated(FLAT_TIERS, D("100.5"))) == D("35.025")
    assert price_graduated(FLAT_TIERS, D(1500)) == [
        charge(0, "100", "0.10", "5", "15.00"),  # 100 x 0.10 + 5
        charge(1, "900", "0.05", "20", "65.00"),  # 900 x 0.05 + 20
        charge(2, "500", "0.01", "50", "55.00"),  # 500 x 0.01 + 50
    ]  # total 15 + 65 + 55 = 135


def test_graduated_continues_across_segments() -> None:
    # first segment 100 units: 100 x 0.10 + 5 = 15
    first = price_graduated(FLAT_TIERS, D(100))
    # second segment 1400 units after 100: (100, 1000] 900 x 0.05 + 20 = 65,
    # (1000, 1500] 500 x 0.01 + 50 = 55
    second = price_graduated(FLAT_TIERS, D(1400), already=D(100))
    assert second == [
        charge(1, "900", "0.05", "20", "65.00"),
        charge(2, "500", "0.01", "50", "55.00"),
    ]
    assert charges_total(first) + charges_total(second) == 135  # 15 + 65 + 55, as all at once


def test_graduated_flat_is_charged_in_the_segment_entering_the_tier() -> None:
    # (100, 150]: 50 x 0.05 + 20 = 22.5, the flat because 150 first exceeds 100
    assert price_graduated(FLAT_TIERS, D(50), already=D(100)) == [
        charge(1, "50", "0.05", "20", "22.50")
    ]
    # (150, 160]: 10 x 0.05 = 0.5, the tier was entered earlier
    assert price_graduated(FLAT_TIERS, D(10), already=D(150)) == [
        charge(1, "10", "0.05", "0", "0.50")
    ]
    # (99, 101]: 1 x 0.10 (tier 1 entered before) + 1 x 0.05 + 20 = 0.10 + 20.05
    assert price_graduated(FLAT_TIERS, D(2), already=D(99)) == [
        charge(0, "1", "0.10", "0", "0.10"),
        charge(1, "1", "0.05", "20", "20.05"),
    ]


def test_graduated_single_open_tier() -> None:
    assert price_graduated([Tier(None, D("0.8"), D(1))], D(3)) == [
        charge(0, "3", "0.8", "1", "3.4")  # 3 x 0.8 + 1
    ]


def test_graduated_refuses_negative_and_bad_tiers() -> None:
    with pytest.raises(ValueError, match="quantity"):
        price_graduated(SPEC_TIERS, D(-1))
    with pytest.raises(ValueError, match="already"):
        price_graduated(SPEC_TIERS, D(1), already=D(-1))
    with pytest.raises(ValueError, match="invalid tiers"):
        price_graduated([Tier(D(1), D(1))], D(1))


# --- volume ---------------------------------------------------------------------------------


def test_volume_prices_every_unit_at_the_reached_tier() -> None:
    assert price_volume(SPEC_TIERS, D("2.5")) == [charge(2, "2.5", "30", "0", "75")]  # 2.5 x 30
    assert price_volume(SPEC_TIERS, D("0.5")) == [charge(0, "0.5", "10", "0", "5")]  # 0.5 x 10


def test_volume_total_exactly_at_up_to_is_in_that_tier() -> None:
    assert price_volume(SPEC_TIERS, D(2)) == [charge(1, "2", "20", "0", "40")]  # 2 x 20
    assert price_volume(SPEC_TIERS, D(1)) == [charge(0, "1", "10", "0", "10")]  # 1 x 10
    assert price_volume(SPEC_TIERS, D("2.000001")) == [
        charge(2, "2.000001", "30", "0", "60.00003")  # 2.000001 x 30
    ]


def test_volume_zero_total_charges_nothing() -> None:
    assert price_volume(SPEC_TIERS, D(0)) == []
    assert price_volume(FLAT_TIERS, D(0)) == []  # no flat either


def test_volume_charges_only_the_reached_tiers_flat() -> None:
    assert charges_total(price_volume(FLAT_TIERS, D(100))) == 15  # 100 x 0.10 + 5
    assert charges_total(price_volume(FLAT_TIERS, D(1000))) == 70  # 1000 x 0.05 + 20
    assert price_volume(FLAT_TIERS, D(1500)) == [
        charge(2, "1500", "0.01", "50", "65.00")  # 1500 x 0.01 + 50, not 5 or 20
    ]


def test_volume_segments_use_the_period_total() -> None:
    # a period of 1500 split 600 + 900 reaches tier 3 in both segments
    first = price_volume(FLAT_TIERS, D(600), total=D(1500))
    second = price_volume(FLAT_TIERS, D(900), total=D(1500), charge_flat=False)
    assert first == [charge(2, "600", "0.01", "50", "56.00")]  # 600 x 0.01 + 50
    assert second == [charge(2, "900", "0.01", "0", "9.00")]  # 900 x 0.01
    assert charges_total(first) + charges_total(second) == 65  # as 1500 at once


def test_volume_flat_in_an_empty_segment() -> None:
    # the segment charging the flat had no usage: 0 x 0.01 + 50 = 50
    assert price_volume(FLAT_TIERS, D(0), total=D(1500)) == [charge(2, "0", "0.01", "50", "50")]
    assert price_volume(FLAT_TIERS, D(0), total=D(1500), charge_flat=False) == []


def test_volume_refuses_quantity_above_total_and_negatives() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        price_volume(SPEC_TIERS, D(3), total=D(2))
    with pytest.raises(ValueError, match="total"):
        price_volume(SPEC_TIERS, D(0), total=D(-1))
    with pytest.raises(ValueError, match="quantity"):
        price_volume(SPEC_TIERS, D(-1))


# --- validation -----------------------------------------------------------------------------


def test_tiers_ascending_accepts_well_formed_tiers() -> None:
    assert tiers_ascending(SPEC_TIERS) is None
    assert tiers_ascending(FLAT_TIERS) is None
    assert tiers_ascending([Tier(None, D(1))]) is None


@pytest.mark.parametrize(
    ("tiers", "problem"),
    [
        ([], "no tiers"),
        ([Tier(D(2), D(1)), Tier(D(2), D(1)), Tier(None, D(1))], "ascend"),
        ([Tier(D(2), D(1)), Tier(D(1), D(1)), Tier(None, D(1))], "ascend"),
        ([Tier(D(1), D(1)), Tier(D(2), D(1))], "last tier"),
        ([Tier(None, D(1)), Tier(None, D(1))], "not the last"),
        ([Tier(D(0), D(1)), Tier(None, D(1))], "positive"),
        ([Tier(D(-1), D(1)), Tier(None, D(1))], "positive"),
    ],
)
def test_tiers_ascending_names_the_problem(tiers: list[Tier], problem: str) -> None:
    found = tiers_ascending(tiers)
    assert found is not None and problem in found


# --- properties -----------------------------------------------------------------------------

quantities = st.decimals(min_value=0, max_value=5000, places=3, allow_nan=False)
money = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)


@st.composite
def tier_lists(draw: st.DrawFn) -> list[Tier]:
    bounds = sorted(
        draw(st.sets(st.decimals(min_value="0.5", max_value=4000, places=1), max_size=5))
    )
    ups: list[Decimal | None] = [*bounds, None]
    return [Tier(up, draw(money), draw(st.none() | money)) for up in ups]


@st.composite
def splits(draw: st.DrawFn) -> tuple[Decimal, Decimal]:
    total = draw(quantities)
    first = draw(st.decimals(min_value=0, max_value=total, places=3, allow_nan=False))
    return first, total - first


@given(tier_lists(), splits())
def test_graduated_split_equals_whole(tiers: list[Tier], split: tuple[Decimal, Decimal]) -> None:
    a, b = split
    whole = price_graduated(tiers, a + b)
    parts = price_graduated(tiers, a) + price_graduated(tiers, b, already=a)
    assert charges_total(whole) == charges_total(parts)
    assert sum((c.quantity for c in whole), D(0)) == a + b


@given(tier_lists(), splits())
def test_volume_split_equals_whole(tiers: list[Tier], split: tuple[Decimal, Decimal]) -> None:
    a, b = split
    whole = price_volume(tiers, a + b)
    parts = price_volume(tiers, a, total=a + b) + price_volume(
        tiers, b, total=a + b, charge_flat=False
    )
    assert charges_total(whole) == charges_total(parts)


@given(tier_lists(), quantities, quantities)
def test_graduated_total_grows_with_quantity(tiers: list[Tier], x: Decimal, y: Decimal) -> None:
    low, high = sorted((x, y))
    assert charges_total(price_graduated(tiers, low)) <= charges_total(price_graduated(tiers, high))
