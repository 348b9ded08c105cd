"""Whole invoices under contract terms: line order, totals, balances carried between periods.

The end-to-end case is a small YAML package replayed through `compiler.preview`.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compiler
from compiler.engine.invoice import AppliedLine, ConversionLine, FixedLine, LineItem
from compiler.engine.invoices import in_currency, totals
from compiler.report.invoice_json import to_json
from tests.support import write_package

D = Decimal

PACKAGE = {
    "package.yaml": "package: {name: shop}\n",
    "metrics.yaml": """
        metrics:
          units: {name: Units, event_type: use, aggregate: sum, property: n}
    """,
    "products.yaml": """
        products:
          usage: {name: Usage, type: usage, metric: units, tags: [usage]}
          fee: {name: Fee, type: subscription}
          support: {name: Support, type: composite, of: {tags: [usage]}}
          commit: {name: Commitment, type: fixed}
          promo: {name: Promo, type: fixed}
          setup: {name: Setup, type: fixed}
    """,
    "rate_cards.yaml": """
        rate_cards:
          list:
            name: List
            currency: USD
            rates:
              usage: [{price: 1}]
              fee: [{price: 100, billing_frequency: monthly}]
              support: [{percentage: 0.1, minimum: 5, entitled: false}]
    """,
    "contract_templates.yaml": """
        contract_templates:
          pro:
            name: Pro
            rate_card: list
            duration_months: 2
            subscriptions: [{product: fee}]
            overrides: [{products: [support], entitled: true}]
            commits:
              - {id: pre, type: prepaid, product: commit, amount: 400,
                 access: {starting_month: 0, months: 2}, invoice: [{month: 0, amount: 400}],
                 applies_to: {tags: [usage]}}
              - {id: post, type: postpaid, product: commit, amount: 400,
                 access: {starting_month: 0, months: 2}, applies_to: {tags: [usage]}}
            credits:
              - {id: promo, product: promo, amount: 50, access: {starting_month: 0, months: 1}}
            scheduled_charges:
              - {product: setup, month: 0, amount: 250}
    """,
    "scenarios/two-months/scenario.yaml": """
        scenario:
          description: Two months of a contract with every kind of term
          period: {starting_at: 2026-11-01, ending_before: 2027-01-01}
          as_of: 2027-01-05T00:00:00Z
        customers:
          acme:
            name: Acme
            contracts: [{id: acme-pro, template: pro, starting_at: 2026-11-01}]
    """,
    "scenarios/two-months/events.jsonl": """
        {"transaction_id": "t1", "customer_id": "acme", "event_type": "use", "timestamp": "2026-11-05T00:00:00Z", "properties": {"n": 300}}
        {"transaction_id": "t2", "customer_id": "acme", "event_type": "use", "timestamp": "2026-12-05T00:00:00Z", "properties": {"n": 200}}
    """,  # noqa: E501
}


def replayed(tmp_path: Path) -> list[dict[str, Any]]:
    (result,) = compiler.preview(write_package(tmp_path, PACKAGE), "two-months")
    invoices: list[dict[str, Any]] = json.loads(to_json(result))["invoices"]
    return invoices


def summary(invoice: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (line["type"], line.get("commit_id") or line["product_id"], line["amount"])
        for line in invoice["line_items"]
    ]


def test_every_kind_of_term_on_two_invoices(tmp_path: Path) -> None:
    nov, dec = replayed(tmp_path)
    assert summary(nov) == [
        ("usage", "usage", "300.00"),  # 300 units × 1
        ("subscription", "fee", "100.00"),
        ("composite", "support", "30.00"),  # entitled: 10% of the usage-tagged 300 (≥ 5)
        ("scheduled", "setup", "250.00"),  # month 0
        ("commit_purchase", "pre", "400.00"),  # the prepaid commit's invoice entry
        # free before paid: the promo credit (50) first, then the paid prepaid commit (250);
        # neither the promo's remainder nor the commits cover more (promo is spent)
        ("credit_applied", "promo", "-50.00"),
        ("commit_applied", "pre", "-250.00"),
    ]
    # 300 + 100 + 30 + 250 + 400 = 1080.00; 1080 − 50 − 250 = 780.00
    assert (nov["subtotal"], nov["applied"], nov["total"]) == ("1080.00", "-300.00", "780.00")
    assert [(b["id"], b["opening"], b["applied"], b["closing"]) for b in nov["balances"]] == [
        ("pre", "400.00", "250.00", "150.00"),  # 400 − 250
        ("post", "400.00", "0.00", "400.00"),
        ("promo", "50.00", "50.00", "0.00"),
    ]
    assert summary(dec) == [
        ("usage", "usage", "200.00"),
        ("subscription", "fee", "100.00"),
        ("composite", "support", "20.00"),  # 10% of 200
        ("true_up", "post", "350.00"),  # 400 committed − 50 drawn, at the window's end
        ("commit_applied", "pre", "-150.00"),  # the prepaid's last 150
        ("commit_applied", "post", "-50.00"),  # the other 50 of usage: shown, still billed
    ]
    # 200 + 100 + 20 + 350 = 670.00; only the prepaid reduces it: 670 − 150 = 520.00
    assert (dec["subtotal"], dec["applied"], dec["total"]) == ("670.00", "-150.00", "520.00")
    assert [(b["id"], b["opening"], b["closing"], b["expires_at"]) for b in dec["balances"]] == [
        ("pre", "150.00", "0.00", "2027-01-01T00:00:00Z"),
        ("post", "400.00", "350.00", "2027-01-01T00:00:00Z"),
    ]


def test_totals_count_only_the_currency_and_never_postpaid_applications() -> None:
    lines: list[LineItem] = [
        FixedLine(type="scheduled", product_id="s", name="S", amount=D("10.00")),
        ConversionLine(unit="credits", quantity=D(500), rate=D("0.01"), amount=D("5.00")),
        AppliedLine(
            type="credit_applied",
            commit_id="k",
            product_id="p",
            name="K",
            commit_type="credit",
            applied_to="x",
            amount=D("-300.00"),
            unit="credits",
        ),
        AppliedLine(
            type="commit_applied",
            commit_id="c",
            product_id="p",
            name="C",
            commit_type="prepaid",
            applied_to="x",
            amount=D("-4.00"),
        ),
        AppliedLine(
            type="commit_applied",
            commit_id="q",
            product_id="p",
            name="Q",
            commit_type="postpaid",
            applied_to="x",
            amount=D("-6.00"),
        ),
    ]
    assert [in_currency(line) for line in lines] == [True, True, False, True, True]
    # 10.00 + 5.00 = 15.00; only the prepaid −4.00 reduces it: 11.00
    assert totals(lines, D("0.01")) == (D("15.00"), D("-4.00"), D("11.00"))


# --- the same events with and without terms ----------------------------------------------

BARE_AND_TERMED = {
    **PACKAGE,
    "contract_templates.yaml": PACKAGE["contract_templates.yaml"]
    + """
          bare:
            name: Bare
            rate_card: list
    """,
    "scenarios/two-months/scenario.yaml": """
        scenario:
          description: One customer on the bare template, one on the pro template
          period: {starting_at: 2026-11-01, ending_before: 2027-01-01}
          as_of: 2027-01-05T00:00:00Z
        customers:
          acme:
            name: Acme
            contracts: [{id: acme-pro, template: pro, starting_at: 2026-11-01}]
          bolt:
            name: Bolt
            contracts: [{id: bolt-bare, template: bare, starting_at: 2026-11-01}]
    """,
}


def event_lines(units: list[tuple[int, int]]) -> str:
    """The same events for both customers: (day offset, units) pairs from Nov 1."""
    lines = []
    for i, (day, n) in enumerate(units):
        moment = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=day)
        for customer in ("acme", "bolt"):
            lines.append(
                json.dumps(
                    {
                        "transaction_id": f"{customer}-{i}",
                        "customer_id": customer,
                        "event_type": "use",
                        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "properties": {"n": n},
                    }
                )
            )
    return "\n".join(lines) + "\n"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 500)), max_size=12))
def test_without_terms_an_invoice_is_its_usage_and_terms_never_change_usage(
    units: list[tuple[int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = write_package(
            Path(directory),
            {**BARE_AND_TERMED, "scenarios/two-months/events.jsonl": event_lines(units)},
        )
        (result,) = compiler.preview(root, "two-months")
    by_contract: dict[str, list[Any]] = {}
    for invoice in result.invoices:
        by_contract.setdefault(invoice.contract_id, []).append(invoice)
    for bare, termed in zip(by_contract["bolt-bare"], by_contract["acme-pro"], strict=True):
        usage = [li for li in bare.line_items if li.type == "usage"]
        assert bare.line_items == usage and bare.balances == []
        assert bare.subtotal == bare.total == sum((li.amount for li in usage), D(0))
        assert bare.applied == 0
        assert [li for li in termed.line_items if li.type == "usage"] == usage
