"""The order charges are covered in and balances are drawn in (SPEC 3.5)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compiler.engine.balances import Balance
from compiler.engine.drawdown import Charge, applied_lines, draw
from tests.engine.terms_builders import utc

D = Decimal
EVERYTHING = frozenset({"a", "b", "c", "fee", "support"})
JAN_2026, JAN_2027 = utc(2026, 1), utc(2027, 1)


def balance(
    id: str,
    amount: str,
    *,
    kind: str = "credit",
    priority: int | None = None,
    paid: bool = False,
    applies_to: frozenset[str] = EVERYTHING,
    start: datetime = JAN_2026,
    end: datetime = JAN_2027,
) -> Balance:
    return Balance(
        id=id,
        kind=kind,
        product_id="p",
        name=id,
        unit=None,  # type: ignore[arg-type]
        amount=D(amount),
        start=start,
        end=end,
        priority=priority,
        paid=paid,
        applies_to=applies_to,
        remaining=D(amount),
    )


def charge(
    product: str, amount: str, *, kind: str = "usage", unit_price: str = "1", position: int = 0
) -> Charge:
    return Charge(
        kind=kind,
        unit_price=D(unit_price),
        product_id=product,
        name=product,
        amount=D(amount),
        position=position,
    )


def order(balances: list[Balance]) -> list[str]:
    """The IDs in the order one charge big enough for all of them draws them."""
    return [a.balance.id for a in draw([charge("a", "1000000")], balances)]


def test_usage_then_subscription_then_composite_higher_unit_price_first() -> None:
    charges = [
        charge("support", "10", kind="composite", unit_price="10", position=0),
        charge("fee", "10", kind="subscription", unit_price="500", position=1),
        charge("b", "10", unit_price="0.5", position=2),
        charge("a", "10", unit_price="2", position=3),
    ]
    covered = [a.product_id for a in draw(charges, [balance("x", "25")])]
    # 25 covers a (unit price 2) fully, then b (0.5) fully, then 5 of the fee; none of support
    assert covered == ["a", "b", "fee"]
    assert [str(c.amount) for c in charges] == ["10", "5", "0", "0"]


def test_same_unit_price_goes_by_product_name() -> None:
    charges = [charge("b", "10", position=0), charge("a", "10", position=1)]
    assert [a.product_id for a in draw(charges, [balance("x", "15")])] == ["a", "b"]


def test_credits_and_prepaid_before_postpaid() -> None:
    drawn = order(
        [
            balance("post", "1", kind="postpaid", priority=0),
            balance("pre", "1", kind="prepaid", priority=5),
            balance("credit", "1", priority=9),
        ]
    )
    # postpaid is last despite the lowest priority; then priority 5 before 9
    assert drawn == ["pre", "credit", "post"]


def test_lower_priority_first_and_none_after_any_priority() -> None:
    assert order(
        [balance("none", "1"), balance("p2", "1", priority=2), balance("p1", "1", priority=1)]
    ) == ["p1", "p2", "none"]


def test_free_before_paid() -> None:
    assert order(
        [balance("paid", "1", kind="prepaid", paid=True), balance("free", "1", kind="prepaid")]
    ) == ["free", "paid"]


def test_fewer_applicable_products_first() -> None:
    assert order([balance("wide", "1"), balance("narrow", "1", applies_to=frozenset({"a"}))]) == [
        "narrow",
        "wide",
    ]


def test_earlier_end_then_earlier_start_then_id() -> None:
    assert order([balance("late", "1", end=utc(2027, 6)), balance("soon", "1")]) == ["soon", "late"]
    assert order([balance("young", "1", start=utc(2026, 6)), balance("old", "1")]) == [
        "old",
        "young",
    ]
    assert order([balance("b", "1"), balance("a", "1")]) == ["a", "b"]


def test_a_balance_only_covers_what_it_applies_to() -> None:
    charges = [charge("a", "10"), charge("b", "10")]
    applications = draw(charges, [balance("only-b", "100", applies_to=frozenset({"b"}))])
    assert [(a.product_id, str(a.amount)) for a in applications] == [("b", "10")]
    assert str(charges[0].amount) == "10"  # a stays uncovered


def test_applications_are_one_negative_line_per_balance_and_product() -> None:
    charges = [charge("a", "3", position=0), charge("a", "4", position=1), charge("b", "5")]
    lines = applied_lines(draw(charges, [balance("x", "100", kind="prepaid")]))
    # both `a` charges (3 + 4 = 7) on one line, `b` on another
    assert [(li.type, li.applied_to, str(li.amount)) for li in lines] == [
        ("commit_applied", "a", "-7"),
        ("commit_applied", "b", "-5"),
    ]


@given(
    charges=st.lists(st.decimals(min_value=0, max_value=1000, places=2), max_size=6),
    balances=st.lists(st.decimals(min_value=0, max_value=1000, places=2), max_size=4),
)
def test_draws_never_exceed_a_charge_or_a_balance(
    charges: list[Decimal], balances: list[Decimal]
) -> None:
    made = [charge("a" if i % 2 else "b", str(a), position=i) for i, a in enumerate(charges)]
    pool = [
        balance(f"x{i}", str(a), applies_to=frozenset({"a"}) if i % 2 else EVERYTHING)
        for i, a in enumerate(balances)
    ]
    applications = draw(made, pool)
    for b, amount in zip(pool, balances, strict=True):
        taken = sum((a.amount for a in applications if a.balance is b), D(0))
        assert b.remaining >= 0 and taken + b.remaining == amount
    assert all(c.amount >= 0 for c in made)
    assert sum((a.amount for a in applications), D(0)) == sum(charges, D(0)) - sum(
        (c.amount for c in made), D(0)
    )
