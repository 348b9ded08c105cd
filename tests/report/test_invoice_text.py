"""`plan preview --format text`: names and labels from packages are shown as written."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from compiler import api
from compiler.cli import main
from compiler.engine.invoice import UsageLine
from compiler.report.invoice_text import to_text
from tests.support import CALLS_PACKAGE, PACKAGES, write_package

# What rich would read as markup ([bold]...[/bold]) or an emoji code (:smile:) if it were asked.
LITERAL = {
    **CALLS_PACKAGE,
    "products.yaml": """\
        products:
          calls: {name: "Calls :smile: [bold]x[/bold]", type: usage, metric: calls}
        """,
    "contract_templates.yaml": """\
        contract_templates:
          payg:
            name: PAYG
            rate_card: list
            overrides:
              - {products: [calls], multiplier: 0.85}
        """,
}


def test_names_and_override_labels_are_shown_as_written(tmp_path: Path) -> None:
    package = write_package(tmp_path / "literal", LITERAL)
    result = CliRunner().invoke(main, ["preview", str(package)])  # text is the default
    assert result.exit_code == 0, result.output
    assert (
        "│ Calls :smile: [bold]x[/bold]  [template override #1 (multiplier 0.85)] │"
        in result.output
    )
    assert "😄" not in result.output


def _line_column(text: str) -> str:
    """The first column of every table row, joined: wrapped cells read as one text again."""
    cells = [row.split("│")[1] for row in text.splitlines() if row.startswith("│")]
    return " ".join(" ".join(cells).split())


def test_every_override_label_of_the_example_is_shown() -> None:
    """The enterprise quarter's lines wrap at the default width: rich draws those tables."""
    (result,) = api.preview(PACKAGES / "ai-platform", "enterprise-quarter")
    labels = [
        f"[{line.override}]"
        for invoice in result.invoices
        for line in invoice.line_items
        if isinstance(line, UsageLine) and line.override
    ]
    assert "[template override #1 (multiplier 0.85)]" in labels
    for width in (110, 300):  # wrapped by rich, drawn on one line per cell
        shown = _line_column(to_text(result, width))
        assert sum(shown.count(label) for label in set(labels)) == len(labels)


def test_a_detail_row_keeps_parentheses_of_its_values() -> None:
    """Presentation rows show their group values as written; parentheses that are part of a
    value (an event's `(beta)` model, `f(x)`) are not trimmed like the brackets around them."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from compiler.engine.invoice import PresentationLine
    from compiler.report.invoice_text import line_rows

    line = UsageLine(
        product_id="calls",
        name="Calls",
        pricing_group_values={"model": "(beta)"},
        starting_at=datetime(2026, 3, 1, tzinfo=UTC),
        ending_before=datetime(2026, 4, 1, tzinfo=UTC),
        quantity=Decimal(3),
        unit_price=Decimal(1),
        amount=Decimal("3.00"),  # 3 calls at 1.00
        presentation=[
            PresentationLine(
                group_values={"tool": "f(x)"}, quantity=Decimal(2), amount=Decimal("2.00")
            ),
            PresentationLine(
                group_values={"tool": "(none)"}, quantity=Decimal(1), amount=Decimal("1.00")
            ),
        ],
    )
    rows = line_rows(line)
    assert rows[0][0].startswith("Calls (model=(beta))")
    assert [row[0] for row in rows[1:]] == ["    tool=f(x)", "    tool=(none)"]
