"""Commits and credits: drawdown, carry-forward, expiry and true-up across a contract's periods."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.engine.invoice import Invoice, UsageLine
from compiler.plan.ir import TermsPlan
from tests.engine.terms_builders import (
    card,
    commit,
    contract,
    credit,
    flat,
    invoices,
    lines_of,
    monthly_usage,
    usage_line,
    utc,
    window,
)

D = Decimal
CARD = card(
    {
        "usage": [flat("1")],
        "cheap": [flat("0.5")],
        "fee": [flat("100", billing_frequency="monthly")],
    }
)


def totals(invoice: Invoice) -> tuple[str, str, str]:
    return str(invoice.subtotal), str(invoice.applied), str(invoice.total)


def applied(invoice: Invoice) -> list[tuple[str, str, str]]:
    return [
        (line.commit_id, line.applied_to, str(line.amount))
        for line in invoice.line_items
        if line.type in ("credit_applied", "commit_applied")
    ]


# --- Metronome's own examples ----------------------------------------------------------------


def test_free_commit_against_usage_leaves_the_rest_due() -> None:
    """A free $50 prepaid commit against 80 units at $1."""
    c = contract(
        TermsPlan(commits=(commit("free", "prepaid", "50", window(0, 1)),)),
        CARD,
        utc(2026, 11),
        months=1,
    )
    (inv,) = invoices(c, monthly_usage(c, "usage", "80", "1"))
    assert applied(inv) == [("free", "usage", "-50.00")]
    # 80 × $1 = 80.00; the commit covers 50.00; 80.00 − 50.00 = 30.00 due
    assert totals(inv) == ("80.00", "-50.00", "30.00")
    assert lines_of(inv, "commit_purchase") == []  # no invoice schedule: free


def test_prepaid_before_postpaid_and_the_postpaid_shortfall_is_trued_up() -> None:
    """$500 of usage against a $400 prepaid and a $400 postpaid commit."""
    terms = TermsPlan(
        commits=(
            commit("post", "postpaid", "400", window(0, 1)),
            commit("pre", "prepaid", "400", window(0, 1)),
        )
    )
    c = contract(terms, CARD, utc(2026, 11), months=1)
    (inv,) = invoices(c, monthly_usage(c, "usage", "500", "1"))
    # the prepaid covers 400; the postpaid takes the other 100, shown but still billed
    assert applied(inv) == [("pre", "usage", "-400.00"), ("post", "usage", "-100.00")]
    (true_up,) = lines_of(inv, "true_up")
    # the postpaid commitment of 400 was met by 100 of usage: 400 − 100 = 300 trued up
    assert (true_up.commit_id, str(true_up.amount)) == ("post", "300.00")
    # subtotal 500.00 usage + 300.00 true-up = 800.00; only the prepaid 400 reduces it
    assert totals(inv) == ("800.00", "-400.00", "400.00")


# --- carry-forward, overage, expiry ----------------------------------------------------------


def test_a_twelve_month_commit_is_drawn_to_zero_then_usage_is_due() -> None:
    terms = TermsPlan(
        commits=(commit("annual", "prepaid", "1000", window(0, 12), invoice=[(0, "1000")]),)
    )
    c = contract(terms, CARD, utc(2026, 1), months=12)
    result = invoices(c, monthly_usage(c, "usage", "300", "1"))
    assert len(result) == 12
    # month 1: 1000 purchased + 300 usage − 300 covered = 1000.00
    assert totals(result[0]) == ("1300.00", "-300.00", "1000.00")
    assert [str(b.closing) for r in result[:4] for b in r.balances] == [
        "700.00",  # 1000 − 300
        "400.00",  # 700 − 300
        "100.00",  # 400 − 300
        "0.00",  # 100 − 100: April's usage takes the last 100
    ]
    # April: 300 usage, 100 covered, 200 overage due
    assert totals(result[3]) == ("300.00", "-100.00", "200.00")
    # May: the commit is empty (still live, shown at zero); all 300 due
    assert totals(result[4]) == ("300.00", "0.00", "300.00")
    assert str(result[4].balances[0].opening) == "0.00"


def test_a_credit_expires_unused() -> None:
    terms = TermsPlan(credits=(credit("welcome", "100", window(0, 1), applies_to=["usage"]),))
    c = contract(terms, CARD, utc(2026, 11), months=3)
    first, second, _ = invoices(c)  # no usage at all
    (balance,) = first.balances
    # nothing to cover: 100.00 opens, 0.00 applied, 100.00 closes and expires on Dec 1
    assert (str(balance.opening), str(balance.applied), str(balance.closing)) == (
        "100.00",
        "0.00",
        "100.00",
    )
    assert balance.expires_at == utc(2026, 12)
    assert second.balances == []  # gone: its access window ended with November


def test_a_credit_whose_window_spans_two_invoices_carries_over() -> None:
    terms = TermsPlan(credits=(credit("welcome", "100", window(0, 1)),))
    c = contract(terms, CARD, utc(2026, 10, 15), months=12)
    usage = {p.start: [usage_line("usage", "60", "1", p)] for p in c.periods[:2]}
    oct_, nov, dec = invoices(c, usage)[:3]
    # Oct 15 – Nov 15: 60 used on the October invoice, the other 40 on November's
    assert applied(oct_) == [("welcome", "usage", "-60.00")]
    assert applied(nov) == [("welcome", "usage", "-40.00")]  # 100 − 60 = 40 left
    assert [b.id for b in dec.balances] == []


def test_a_recurring_credit_is_fresh_each_period_and_expires_at_its_end() -> None:
    terms = TermsPlan(credits=(credit("allowance", "10", recurring="monthly"),))
    c = contract(terms, CARD, utc(2026, 11, 12), months=3)
    usage = {
        c.periods[0].start: [usage_line("usage", "4", "1", c.periods[0])],
        c.periods[1].start: [usage_line("usage", "25", "1", c.periods[1])],
    }
    first, second, third = invoices(c, usage)[:3]
    # short first period Nov 12 – Dec 1 gets the whole 10: 4 used, 6 expire
    assert [(str(b.opening), str(b.closing), b.expires_at) for b in first.balances] == [
        ("10.00", "6.00", utc(2026, 12))
    ]
    # December: a fresh 10 (not 10 + 6); 25 − 10 = 15 due
    assert totals(second) == ("25.00", "-10.00", "15.00")
    assert [str(b.opening) for b in third.balances] == ["10.00"]


def test_postpaid_true_up_lands_on_the_last_period_of_its_window() -> None:
    terms = TermsPlan(commits=(commit("floor", "postpaid", "1000", window(0, 3)),))
    c = contract(terms, CARD, utc(2026, 1), months=6)
    result = invoices(c, monthly_usage(c, "usage", "200", "1"))
    assert [len(lines_of(r, "true_up")) for r in result] == [0, 0, 1, 0, 0, 0]
    (true_up,) = lines_of(result[2], "true_up")
    # 3 × 200 = 600 drawn against a 1000 commitment: 1000 − 600 = 400 trued up in March
    assert str(true_up.amount) == "400.00"
    # March: 200 usage + 400 true-up; the postpaid application is shown, not subtracted
    assert totals(result[2]) == ("600.00", "0.00", "600.00")
    assert result[3].balances == []


def test_postpaid_met_in_full_has_no_true_up() -> None:
    terms = TermsPlan(commits=(commit("floor", "postpaid", "500", window(0, 1)),))
    c = contract(terms, CARD, utc(2026, 1), months=1)
    (inv,) = invoices(c, monthly_usage(c, "usage", "700", "1"))
    assert lines_of(inv, "true_up") == []
    # 700 of usage: 500 shown against the commitment, all 700.00 billed
    assert applied(inv) == [("floor", "usage", "-500.00")]
    assert totals(inv) == ("700.00", "0.00", "700.00")


def test_applies_to_limits_what_a_balance_covers() -> None:
    terms = TermsPlan(
        commits=(commit("tokens", "prepaid", "1000", window(0, 1), applies_to=["usage"]),)
    )
    c = contract(terms, CARD, utc(2026, 1), months=1)
    p = c.periods[0]
    (inv,) = invoices(
        c, {p.start: [usage_line("usage", "30", "1", p), usage_line("cheap", "10", "0.5", p)]}
    )
    # only `usage` (30.00) is covered; `cheap` 10 × 0.5 = 5.00 stays due
    assert applied(inv) == [("tokens", "usage", "-30.00")]
    assert totals(inv) == ("35.00", "-30.00", "5.00")


def test_balances_on_the_invoice_show_opening_applied_closing() -> None:
    terms = TermsPlan(credits=(credit("c", "50", window(0, 2)),))
    c = contract(terms, CARD, utc(2026, 1), months=2)
    first, second = invoices(c, monthly_usage(c, "usage", "30", "1"))
    # January 50 − 30 = 20; February opens at 20, draws 20 of its 30
    assert [(str(b.opening), str(b.applied), str(b.closing)) for b in first.balances] == [
        ("50.00", "30.00", "20.00")
    ]
    assert [(str(b.opening), str(b.applied), str(b.closing)) for b in second.balances] == [
        ("20.00", "20.00", "0.00")
    ]


# --- properties ------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=5000, places=2)


@st.composite
def terms_and_usage(draw: st.DrawFn) -> tuple[TermsPlan, list[Decimal]]:
    commits = tuple(
        commit(
            f"c{i}",
            draw(st.sampled_from(["prepaid", "postpaid"])),
            str(draw(amounts.filter(lambda a: a > 0))),
            window(draw(st.integers(0, 5)), draw(st.integers(1, 6))),
            applies_to=draw(st.sampled_from([["usage"], ["cheap"], ["cheap", "fee", "usage"]])),
            priority=draw(st.none() | st.integers(0, 3)),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    credits = tuple(
        credit(
            f"k{i}",
            str(draw(amounts.filter(lambda a: a > 0))),
            None if recurring else window(draw(st.integers(0, 5)), draw(st.integers(1, 6))),
            recurring="monthly" if recurring else None,
            priority=draw(st.none() | st.integers(0, 3)),
        )
        for i, recurring in enumerate(draw(st.lists(st.booleans(), max_size=3)))
    )
    usage = draw(st.lists(amounts, min_size=6, max_size=6))
    return TermsPlan(commits=commits, credits=credits), usage


def usage_by_period(c: object, quantities: list[Decimal]) -> dict[datetime, list[UsageLine]]:
    periods = c.periods  # type: ignore[attr-defined]
    return {
        p.start: [usage_line("usage", str(q), "1", p), usage_line("cheap", str(q), "0.5", p)]
        for p, q in zip(periods, quantities, strict=False)
    }


@settings(max_examples=60, deadline=None)
@given(case=terms_and_usage())
def test_applications_never_exceed_a_balance_and_balances_never_go_negative(
    case: tuple[TermsPlan, list[Decimal]],
) -> None:
    terms, quantities = case
    c = contract(terms, CARD, utc(2026, 1), months=6)
    result = invoices(c, usage_by_period(c, quantities))
    drawn: dict[tuple[str, datetime | None], Decimal] = {}
    access: dict[tuple[str, datetime | None], Decimal] = {}
    for inv in result:
        for b in inv.balances:
            assert b.opening >= 0 and b.closing >= 0 and b.applied >= 0
            assert b.opening - b.applied == b.closing
            key = (b.id, b.expires_at)
            access.setdefault(key, b.opening)
            drawn[key] = drawn.get(key, D(0)) + b.applied
        for line in inv.line_items:
            if line.type in ("credit_applied", "commit_applied"):
                assert line.amount < 0
        charged = sum(
            (
                li.amount
                for li in inv.line_items
                if li.type in ("usage", "subscription", "composite")
            ),
            D(0),
        )
        assert -inv.applied <= charged  # never more applied than charged
        assert inv.total >= 0
    for key, total in drawn.items():
        assert total <= access[key]
    declared = {c.id: c.amount for c in terms.commits} | {k.id: k.amount for k in terms.credits}
    for (balance_id, _), opening in access.items():
        assert opening <= declared[balance_id]


@settings(max_examples=40, deadline=None)
@given(quantities=st.lists(amounts, min_size=12, max_size=12))
def test_without_terms_the_invoice_is_exactly_the_usage(quantities: list[Decimal]) -> None:
    c = contract(TermsPlan(), CARD, utc(2026, 1))
    usage = usage_by_period(c, quantities)
    for inv in invoices(c, usage):
        lines = usage[inv.period.starting_at]
        assert inv.line_items == sorted(lines, key=lambda li: li.product_id)
        assert inv.subtotal == inv.total == sum((li.amount for li in lines), D(0))
        assert inv.applied == 0 and inv.balances == []
