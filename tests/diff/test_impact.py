"""Invoice impact: the money a change moves, checked against arithmetic done by hand."""

from __future__ import annotations

from decimal import Decimal

from compiler.diff.impact import percentage
from tests.diff.conftest import PricingRepo, events


def by_customer(document: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {i["customer_id"]: i for i in document["invoices"]}


def test_raising_a_price_shows_the_exact_invoice_delta(repo: PricingRepo) -> None:
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    code, document = repo.diff_json("--as-of", "2026-06-01")
    assert code == 1  # a released price edited in place
    invoices = by_customer(document)
    # alpha: 7 calls. base 7 × 0.50 + 10.00 = 13.50; new 7 × 0.65 + 10.00 = 14.55;
    # difference 1.05; 1.05 / 13.50 = 7.777…% → 7.78
    alpha = invoices["alpha"]
    assert (
        alpha["base_total"],
        alpha["new_total"],
        alpha["difference"],
        alpha["percentage"],
        alpha["status"],
    ) == ("13.50", "14.55", "1.05", "7.78", "changed")
    assert (alpha["contract_id"], alpha["period"]) == (
        "alpha-1",
        {"starting_at": "2026-03-01T00:00:00Z", "ending_before": "2026-04-01T00:00:00Z"},
    )
    # beta: 4 calls. base 4 × 0.50 + 10.00 = 12.00; new 4 × 0.65 + 10.00 = 12.60;
    # difference 0.60; 0.60 / 12.00 = 5.00%
    beta = invoices["beta"]
    assert (beta["base_total"], beta["new_total"], beta["difference"], beta["percentage"]) == (
        "12.00",
        "12.60",
        "0.60",
        "5.00",
    )
    # together: 25.50 → 27.15, +1.65; 1.65 / 25.50 = 6.470…% → 6.47
    assert document["summary"]["totals"] == [
        {
            "currency": "USD",
            "base": "25.50",
            "new": "27.15",
            "difference": "1.65",
            "percentage": "6.47",
        }
    ]
    assert document["summary"]["invoices_changed"] == 2


def test_markdown_leads_with_one_summary_line(repo: PricingRepo) -> None:
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    code, output = repo.plan(
        "diff", "--base", "HEAD", "--as-of", "2026-06-01", "--format", "markdown"
    )
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == "**1 breaking change** · 2 invoices change · +1.65 USD (+6.47%)"
    breaking, money = lines.index("### Breaking changes"), lines.index("### Invoice impact")
    assert breaking < money
    assert (
        "| shop/march | alpha | alpha-1 | 2026-03-01 – 2026-04-01 | 13.50 | 14.55 | "
        "**+1.05 USD** | +7.78% |"
    ) in lines


def test_added_and_removed_invoices(repo: PricingRepo) -> None:
    repo.replace("packages/shop/scenarios/march/scenario.yaml", "  beta:\n", "  gamma:\n")
    repo.replace("packages/shop/scenarios/march/scenario.yaml", "id: beta-1", "id: gamma-1")
    (repo.root / "packages/shop/scenarios/march/events.jsonl").write_text(
        events({"alpha": 7, "gamma": 2})
    )
    code, document = repo.diff_json("--as-of", "2026-06-01")
    assert code == 0  # scenarios are fixtures, not prices
    invoices = by_customer(document)
    assert invoices["alpha"]["status"] == "unchanged"
    # beta's invoice is gone: 0 - 12.00
    beta = invoices["beta"]
    assert (beta["status"], beta["new_total"], beta["difference"], beta["percentage"]) == (
        "removed",
        None,
        "-12.00",
        "-100.00",
    )
    # gamma's is new: 2 × 0.50 + 10.00 = 11.00, no base to compare with
    gamma = invoices["gamma"]
    assert (gamma["status"], gamma["base_total"], gamma["difference"], gamma["percentage"]) == (
        "added",
        None,
        "11.00",
        None,
    )
    code, output = repo.plan(
        "diff", "--base", "HEAD", "--as-of", "2026-06-01", "--format", "markdown"
    )
    assert output.splitlines()[0] == "No breaking changes · 2 invoices change · -1.00 USD (-3.92%)"


def test_percentage_is_two_places_and_none_on_a_zero_base() -> None:
    assert percentage(Decimal("1.05"), Decimal("13.50")) == Decimal("7.78")
    assert percentage(Decimal("1"), Decimal("8")) == Decimal("12.50")
    assert percentage(Decimal("-0.005"), Decimal("1")) == Decimal("-0.50")
    assert percentage(Decimal("5"), Decimal("0")) is None


def test_the_impact_table_shows_names_as_written() -> None:
    """A package directory named like rich markup or an emoji code is shown as it is."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from compiler.diff.compare import DiffReport
    from compiler.diff.impact import InvoiceImpact
    from compiler.report.diff_text import to_text

    impact = InvoiceImpact(
        package="[bold]prices[/bold]",
        scenario=":smile:",
        customer_id="acme",
        contract_id="acme-1",
        starting_at=datetime(2026, 11, 1, tzinfo=UTC),
        ending_before=datetime(2026, 12, 1, tzinfo=UTC),
        currency="USD",
        base_total=Decimal("10.00"),
        new_total=Decimal("12.50"),  # +2.50, +25.00%
    )
    report = DiffReport(
        base="main",
        base_commit="0" * 40,
        as_of=datetime(2026, 11, 24, tzinfo=UTC),
        packages=["[bold]prices[/bold]"],
        changes=[],
        impacts=[impact],
    )
    assert "[bold]prices[/bold]/:smile:" in to_text(report)
