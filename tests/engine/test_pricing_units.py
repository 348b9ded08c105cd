"""Custom pricing units: lines in credits, credits in that unit first, then a conversion line."""

from __future__ import annotations

from compiler.engine.invoice import Invoice
from compiler.plan.ir import TermsPlan
from tests.engine.terms_builders import (
    card,
    contract,
    credit,
    invoices,
    lines_of,
    usage_line,
    utc,
    window,
)

CARD = card({}, pricing_units={"credits": "0.01"})


def one_invoice(terms: TermsPlan, rate_card: object = CARD) -> Invoice:
    c = contract(terms, rate_card, utc(2026, 11), months=1)  # type: ignore[arg-type]
    p = c.periods[0]
    (inv,) = invoices(
        c,
        {
            p.start: [
                usage_line("usage", "100", "5", p, unit="credits"),  # 500 credits
                usage_line("cheap", "160", "2", p, unit="credits"),  # 320 credits
                usage_line("cheap", "3", "1", p),  # 3.00 USD
            ]
        },
    )
    return inv


def test_lines_in_a_unit_are_converted_on_one_line() -> None:
    inv = one_invoice(TermsPlan())
    (conversion,) = lines_of(inv, "conversion")
    # 500 + 320 = 820 credits × 0.01 = 8.20 USD
    assert (
        conversion.unit,
        str(conversion.quantity),
        str(conversion.rate),
        str(conversion.amount),
    ) == ("credits", "820", "0.01", "8.20")
    # the credit-priced lines are carried by the conversion: 3.00 + 8.20 = 11.20
    assert (str(inv.subtotal), str(inv.total)) == ("11.20", "11.20")


def test_credits_in_the_unit_are_drawn_first_then_the_rest_converted() -> None:
    terms = TermsPlan(credits=(credit("tokens", "300", window(0, 1), unit="credits"),))
    inv = one_invoice(terms)
    (unit_applied,) = [li for li in lines_of(inv, "credit_applied") if li.unit == "credits"]
    # the higher unit price (5 credits) first: 300 of the 500
    assert (unit_applied.applied_to, str(unit_applied.amount)) == ("usage", "-300.00")
    (conversion,) = lines_of(inv, "conversion")
    # 820 − 300 = 520 credits × 0.01 = 5.20 USD
    assert (str(conversion.quantity), str(conversion.amount)) == ("520", "5.20")
    # 3.00 + 5.20 = 8.20; the unit credit is shown but not summed in USD
    assert (str(inv.subtotal), str(inv.applied), str(inv.total)) == ("8.20", "0.00", "8.20")
    (balance,) = inv.balances
    assert (balance.unit, str(balance.opening), str(balance.closing)) == (
        "credits",
        "300.00",
        "0.00",
    )


def test_currency_credits_cover_the_converted_amount() -> None:
    terms = TermsPlan(
        credits=(
            credit("tokens", "300", window(0, 1), unit="credits"),
            credit("usd", "4", window(0, 1)),
        )
    )
    inv = one_invoice(terms)
    usd = [
        (li.applied_to, str(li.amount)) for li in lines_of(inv, "credit_applied") if li.unit is None
    ]
    # USD charges by unit price: cheap's own 3.00 at 1 USD first (all 3.00 of it), then the
    # converted usage at 5 credits = 0.05 USD (200 credits left → 2.00): the last 1.00
    assert usd == [("cheap", "-3.00"), ("usage", "-1.00")]
    # 8.20 − 4.00 = 4.20
    assert (str(inv.subtotal), str(inv.applied), str(inv.total)) == ("8.20", "-4.00", "4.20")


def test_a_currency_credit_never_covers_lines_in_a_unit_directly() -> None:
    terms = TermsPlan(credits=(credit("usd", "1000", window(0, 1)),))
    inv = one_invoice(terms)
    assert all(li.unit is None for li in lines_of(inv, "credit_applied"))
    # it covers the 3.00 and the 8.20 conversion, in USD
    assert (str(inv.subtotal), str(inv.applied), str(inv.total)) == ("11.20", "-11.20", "0.00")


def test_a_unit_without_a_rate_is_not_converted() -> None:
    inv = one_invoice(TermsPlan(), card({}))
    assert lines_of(inv, "conversion") == []
    assert str(inv.total) == "3.00"
