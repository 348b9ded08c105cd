"""Usage lines (SPEC 3.3): which rate prices a pricing group, segment by segment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compiler.engine.periods import Period
from compiler.engine.usage import (
    Aggregate,
    ProductRates,
    UsageRating,
    rate_in_effect,
    rate_usage,
)
from compiler.plan.ir import ProductPlan, RatePlan, TierPlan
from tests.engine.terms_builders import USD, utc

D = Decimal
NOV = Period(utc(2026, 11), utc(2026, 12))
MID_NOV = utc(2026, 11, 16)
BY_MODEL = ProductPlan(
    id="tokens", name="Tokens", type="usage", metric="m", pricing_group_keys=("model",)
)


def rate(
    price: str,
    values: dict[str, str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    **extra: object,
) -> RatePlan:
    return RatePlan(
        kind="tiered" if "tiers" in extra else "flat",
        price=None if "tiers" in extra else D(price),
        pricing_group_values=values or {},
        starting_at=start,
        ending_before=end,
        **extra,
    )


def aggregate(
    values: tuple[str | None, ...], quantity: str, segment: tuple[datetime, datetime] | None = None
) -> Aggregate:
    return Aggregate(
        segment=segment or (NOV.start, NOV.end), values=values, value=D(quantity), events=1
    )


def rated(
    rates: list[RatePlan] | None, aggregates: list[Aggregate], product: ProductPlan = BY_MODEL
) -> UsageRating:
    return rate_usage(
        customer_id="acme",
        contract_id="acme-1",
        period=NOV,
        product=product,
        rates=ProductRates(product, rates),
        overrides=[],
        aggregates=aggregates,
        pricing=USD,
    )


def test_each_group_is_priced_by_the_rate_for_its_values_in_group_order() -> None:
    rates = [rate("2", {"model": "large"}), rate("1", {"model": "small"})]
    rating = rated(rates, [aggregate(("small",), "3"), aggregate(("large",), "5")])
    assert [(line.pricing_group_values, str(line.amount)) for line in rating.lines] == [
        ({"model": "large"}, "10.00"),  # 5 × 2
        ({"model": "small"}, "3.00"),  # 3 × 1
    ]
    assert rating.priced_groups == [
        (NOV.start, NOV.end, ("large",)),
        (NOV.start, NOV.end, ("small",)),
    ]


def test_a_rate_must_name_exactly_the_group_keys() -> None:
    rates = [rate("9", {}), rate("9", {"model": "large", "region": "eu"})]
    rating = rated(rates, [aggregate(("large",), "1")])
    assert rating.lines == []
    assert [u.reason for u in rating.unpriced] == ["no rate for these pricing group values"]


def test_a_missing_group_value_matches_no_rate() -> None:
    rating = rated([rate("1", {"model": "large"})], [aggregate((None,), "2")])
    assert [(u.pricing_group_values, u.reason) for u in rating.unpriced] == [
        ({"model": None}, "no rate for these pricing group values")
    ]


def test_unpriced_reasons() -> None:
    off_card = rated(None, [aggregate(("large",), "1")])
    assert [u.reason for u in off_card.unpriced] == ["product is not on the contract's rate card"]
    not_entitled = rated(
        [rate("1", {"model": "large"}, entitled=False)], [aggregate(("large",), "1")]
    )
    assert [u.reason for u in not_entitled.unpriced] == ["product is not entitled on this contract"]


def test_a_price_change_mid_period_gives_one_line_per_segment() -> None:
    rates = [
        rate("1", {"model": "large"}, end=MID_NOV),
        rate("3", {"model": "large"}, start=MID_NOV),
    ]
    first, second = (NOV.start, MID_NOV), (MID_NOV, NOV.end)
    rating = rated(rates, [aggregate(("large",), "4", second), aggregate(("large",), "2", first)])
    assert [(line.starting_at, str(line.amount)) for line in rating.lines] == [
        (NOV.start, "2.00"),  # 2 × 1 until the 15th
        (MID_NOV, "12.00"),  # 4 × 3 after
    ]


def test_segments_priced_alike_are_merged_into_one_line() -> None:
    first, second = (NOV.start, MID_NOV), (MID_NOV, NOV.end)
    rating = rated(
        [rate("2", {"model": "large"})],
        [aggregate(("large",), "4", first), aggregate(("large",), "1", second)],
    )
    assert [(line.starting_at, line.ending_before, str(line.amount)) for line in rating.lines] == [
        (NOV.start, NOV.end, "10.00")  # (4 + 1) × 2
    ]


def test_graduated_tiers_keep_counting_after_a_flat_segment() -> None:
    # 4 units at a flat 1 until mid-month, then tiers: the first 5 units at 10, the rest at 2.
    # The 6 tiered units start at unit 5, so 1 is in the first tier and 5 in the second.
    tiers = (TierPlan(up_to=D(5), price=D(10)), TierPlan(up_to=None, price=D(2)))
    rates = [
        rate("1", {"model": "large"}, end=MID_NOV),
        rate("0", {"model": "large"}, start=MID_NOV, tiers=tiers),
    ]
    first, second = (NOV.start, MID_NOV), (MID_NOV, NOV.end)
    rating = rated(rates, [aggregate(("large",), "4", first), aggregate(("large",), "6", second)])
    # flat: 4 × 1 = 4.00; tiered: 1 × 10 + 5 × 2 = 20.00
    assert [str(line.amount) for line in rating.lines] == ["4.00", "20.00"]


NAMES = st.sampled_from(["large", "small", "tiny"])
INSTANTS = st.sampled_from([None, utc(2026, 10), NOV.start, MID_NOV, NOV.end])


@given(
    rates=st.lists(
        st.builds(
            rate,
            price=st.sampled_from(["1", "2", "3"]),
            values=st.dictionaries(st.sampled_from(["model", "region"]), NAMES, max_size=2),
            start=INSTANTS,
            end=INSTANTS,
        ),
        max_size=6,
    ),
    values=st.tuples(st.none() | NAMES),
    at=st.sampled_from([NOV.start, MID_NOV]),
)
def test_the_rate_found_is_the_first_in_effect_for_the_group_values(
    rates: list[RatePlan], values: tuple[str | None, ...], at: datetime
) -> None:
    expected = rate_in_effect(rates, ("model",), values, at)
    segment = (at, NOV.end)
    rating = rated(rates, [aggregate(values, "1", segment)])
    if expected is None or expected.price is None:
        assert rating.lines == []
    else:
        (line,) = rating.lines
        assert line.unit_price == expected.price
