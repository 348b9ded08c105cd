"""Text from packages and events is literal in the Markdown comments (preview and diff).

The properties parse the rendered comment with markdown-it (CommonMark with GitHub's tables and
strikethrough) and check that text placed in a heading, a table cell, a list item or a code
span comes back as the same characters (whitespace runs read as one space), with no link,
image, HTML, emphasis, strikethrough or code span of its own, and no table row losing or
gaining a cell.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from compiler.cli import main
from compiler.diagnostics import Severity, Span
from compiler.diff import Change, DiffReport, InvoiceImpact
from compiler.engine.invoice import (
    Accounting,
    AppliedLine,
    Invoice,
    PeriodOut,
    PresentationLine,
    ReplayResult,
    SubscriptionLine,
    UsageLine,
)
from compiler.report import diff_markdown, invoice_markdown
from compiler.report.invoice_text import line_rows
from compiler.report.markdown_text import code_span, escape
from tests.support import CALLS_PACKAGE, write_package

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOVEMBER = PeriodOut(
    starting_at=datetime(2026, 11, 1, tzinfo=UTC), ending_before=datetime(2026, 12, 1, tzinfo=UTC)
)

ATTACKS = [
    "[click](https://evil.example)",
    "![pixel](https://evil.example/p.png)",
    "[ref][x]",
    "[x]: https://evil.example",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example>",
    "<a@evil.example>",
    "<!-- hidden -->",
    "</sub>",
    "**bold**",
    "__bold__",
    "*em*",
    "_em_",
    "a_b",
    "~~gone~~",
    "~one~",
    "`code`",
    "``",
    "$x^2$",
    "&amp;",
    "&#42;",
    "&copy",
    "# ",
    "> ",
    "- ",
    "|",
    "\\",
    "\\|",
    "\n",
    "\r\n",
    "\t",
    "  ",
    "\x00",
    "\u00a0",
    "https://evil.example",
    "gpt-4.1",
    "cust-0754",
]
TEXT = st.one_of(
    st.text(),
    st.text(alphabet="|`*_[]()<>&#!~\\$:/.- \n\tab1é"),
    st.lists(st.sampled_from(ATTACKS), max_size=6).map("".join),
)


def shown(text: str) -> str:
    """What a reader sees: one line, whitespace runs as one space (NUL is U+FFFD in CommonMark)."""
    return " ".join(text.replace("\0", "\ufffd").split())


def inline_text(inline: Token) -> str:
    children = inline.children or []
    assert [c.type for c in children] == ["text"] * len(children), inline.content
    return "".join(c.content for c in children)


def shapes(children: list[Token]) -> list[tuple[str, str]]:
    """(type, content) of inline tokens: no empty text, no content for markers."""
    kept = [c for c in children if c.type != "text" or c.content]
    return [(c.type, c.content if c.type in ("text", "code_inline") else "") for c in kept]


def table_rows(tokens: list[Token], table: int) -> list[list[Token]]:
    """The inline token of each cell, row by row, of the `table`-th table (header row first)."""
    opens = [i for i, t in enumerate(tokens) if t.type == "table_open"]
    rows: list[list[Token]] = []
    for token in tokens[opens[table] :]:
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(token)
    return rows


def all_tokens(tokens: list[Token]) -> list[Token]:
    return tokens + [c for t in tokens for c in (t.children or [])]


def replay_result(
    scenario: str, customer: str, contract: str, product: str, value: str
) -> ReplayResult:
    usage = UsageLine(
        product_id="tokens",
        name=product,
        pricing_group_values={"model": value},
        starting_at=NOVEMBER.starting_at,
        ending_before=NOVEMBER.ending_before,
        quantity=Decimal("3"),
        unit_price=Decimal("2"),
        amount=Decimal("6.00"),  # 3 × 2.00
        presentation=[
            PresentationLine(group_values={"user": value}, quantity=Decimal(3), amount=Decimal(6))
        ],
        override=value,
    )
    seats = SubscriptionLine(
        product_id="seats",
        name=product,
        starting_at=NOVEMBER.starting_at,
        ending_before=datetime(2026, 11, 16, tzinfo=UTC),
        quantity=Decimal("1"),
        unit_price=Decimal("10"),
        proration=Decimal("0.5"),
        amount=Decimal("5.00"),  # 10.00 × 0.5 (half of November)
        timing="in_advance",
        unit=value,
    )
    credit = AppliedLine(
        type="credit_applied",
        commit_id=value,
        product_id="credit",
        name=product,
        commit_type="credit",
        applied_to=product,
        amount=Decimal("-1.00"),
    )
    invoice = Invoice(
        customer_id=customer,
        contract_id=contract,
        rate_card="list",
        currency="USD",
        period=NOVEMBER,
        status="finalized",
        line_items=[usage, seats, credit],
        subtotal=Decimal("11.00"),  # 6.00 + 5.00
        applied=Decimal("-1.00"),
        total=Decimal("10.00"),  # 11.00 - 1.00
    )
    counts = dict.fromkeys(
        ("invalid", "duplicate", "unknown_customer", "outside_contract", "outside_period"), 0
    )
    accounting = Accounting(read=4, unmetered=0, unpriced=0, rated=4, **counts)
    return ReplayResult(scenario=scenario, invoices=[invoice], accounting=accounting)


ORDINARY = [
    "cust-0754",
    "acme-2026",
    "2026-11-01",
    "1,204.50",
    "-16.20",
    "gpt-4.1",
    "model_name=x-1",
    "user_id=u-ana",
    "Input tokens (per 1M)",
    "template override #1 (multiplier 0.85)",
    "a!b",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert escape(text) == text
    assert code_span(text) == f"`{text}`"


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("[click](https://evil.example)", r"\[click\](https://evil.example)"),
        ("![x](https://evil.example/p.png)", r"!\[x\](https://evil.example/p.png)"),
        ("<img src=x>", "&lt;img src=x&gt;"),
        ("<https://evil.example>", "&lt;https://evil.example&gt;"),
        ("**bold** and __bold__", r"\*\*bold\*\* and \_\_bold\_\_"),
        ("_em_ but snake_case", r"\_em\_ but snake_case"),
        ("~~gone~~", r"\~\~gone\~\~"),
        ("`code`", r"\`code\`"),
        ("a | b", r"a \| b"),
        ("back\\slash", r"back\\slash"),
        ("&amp; &#42;", "&amp;amp; &amp;#42;"),
        ("$x^2$", r"\$x^2\$"),
        ("# one\n  two\r\n", "# one two"),
    ],
)
def test_escape_makes_attacks_literal(text: str, source: str) -> None:
    assert escape(text) == source


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("a`b", "``a`b``"),
        ("`", "`` ` ``"),
        ("x ``y`` z`", "``` x ``y`` z` ```"),
        ("a\\b *c* <d>", "`a\\b *c* <d>`"),
        ("two\nlines", "`two lines`"),
    ],
)
def test_code_span_fences_past_every_backtick_run(text: str, source: str) -> None:
    assert code_span(text) == source


def test_invoice_markdown_escapes_headings_and_cells() -> None:
    result = replay_result(
        "x`](evil)",
        "[click](https://evil.example)",
        "**c**",
        "<img src=x> | A",
        "a_b_",
    )
    lines = invoice_markdown.to_markdown(result).splitlines()
    assert lines[0] == "## Scenario ``x`](evil)``"
    assert lines[2] == (
        r"### \[click\](https://evil.example) · \*\*c\*\* · 2026-11-01 to 2026-12-01 (finalized)"
        " — total **10.00 USD**"
    )
    assert lines[6] == r"| &lt;img src=x&gt; \| A (model=a_b\_) \[a_b\_\] | 3 | 2 | 6.00 |"
    assert lines[7] == r"| user=a_b\_ | 3 |  | 6 |"


@SETTINGS
@given(scenario=TEXT, customer=TEXT, contract=TEXT, product=TEXT, value=TEXT)
@example("november", "cust-0754", "cust-0754-2026", "Input tokens (per 1M)", "gpt-4.1")
@example("`", "[click](https://evil.example)", "<img src=x>", "**bold** | x", "~~a~~ `b`")
def test_invoice_markdown_shows_any_text_literally(
    scenario: str, customer: str, contract: str, product: str, value: str
) -> None:
    result = replay_result(scenario, customer, contract, product, value)
    tokens = MARKDOWN.parse(invoice_markdown.to_markdown(result))
    assert [t.type for t in tokens if t.type.endswith("_open") and t.level == 0] == [
        "heading_open",
        "heading_open",
        "table_open",
        "heading_open",
        "table_open",
    ]
    assert not {"html_block", "paragraph_open"} & {t.type for t in tokens}
    headings = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open"]
    heading, invoice_heading = headings[:2]
    assert shapes(heading.children or []) == [
        ("text", "Scenario "),
        ("code_inline", shown(scenario) or " "),
    ]
    title = f"{shown(customer)} · {shown(contract)} · 2026-11-01 to 2026-12-01 (finalized) — total "
    assert shapes(invoice_heading.children or []) == [
        ("text", title.lstrip()),
        ("strong_open", ""),
        ("text", "10.00 USD"),
        ("strong_close", ""),
    ]
    invoice = result.invoices[0]
    expected = [row for line in invoice.line_items for row in line_rows(line, invoice.period)]
    rows = table_rows(tokens, 0)[1:]
    assert len(rows) == len(expected) + 3  # subtotal, applied, total
    assert all(len(row) == 4 for row in rows)
    for row, cells in zip(rows, expected, strict=False):
        assert [inline_text(inline) for inline in row] == [shown(cell) for cell in cells]
    types = {t.type for t in all_tokens(tokens)}
    assert not {"link_open", "image", "html_inline", "em_open", "s_open"} & types


def diff_report(base: str, message: str, hint: str, file: str, name: str) -> DiffReport:
    def change(code: str) -> Change:
        return Change(code, message, Span(file), "base", name, hint)

    impact = InvoiceImpact(
        package=name,
        scenario=message,
        customer_id=hint,
        contract_id=file,
        starting_at=NOVEMBER.starting_at,
        ending_before=NOVEMBER.ending_before,
        currency="USD",
        base_total=Decimal("10.00"),
        new_total=Decimal("12.50"),  # +2.50, +25.00%
    )
    return DiffReport(
        base=base,
        base_commit="0123456789abcdef" * 2,
        as_of=datetime(2026, 11, 24, tzinfo=UTC),
        packages=[name],
        changes=[change("D0101"), change("D0103")],
        impacts=[impact],
    )


@SETTINGS
@given(base=TEXT, message=TEXT, hint=TEXT, file=TEXT, name=TEXT)
@example("main", "metric calls changed", "add a new metric", "packages/shop/metrics.yaml", "shop")
@example("feat_`x`", "[click](https://evil.example)", "_em_ <b>", "a|b.yaml", "**p**")
def test_diff_markdown_shows_any_text_literally(
    base: str, message: str, hint: str, file: str, name: str
) -> None:
    tokens = MARKDOWN.parse(diff_markdown.to_markdown(diff_report(base, message, hint, file, name)))
    sub = next(t for t in tokens if t.type == "inline" and t.content.startswith("<sub>"))
    assert shapes(sub.children or []) == [
        ("html_inline", ""),
        ("code_inline", "plan diff"),
        ("text", " against "),
        ("code_inline", shown(base) or " "),
        ("text", " (0123456789ab); rates in effect at 2026-11-24 count as released."),
        ("html_inline", ""),
    ]
    where = ("code_inline", shown(f"{base}:{file}:1:1"))
    said = [("text", f" {shown(message)} — "), where]
    if shown(hint):
        said += [("html_inline", ""), ("em_open", ""), ("text", shown(hint)), ("em_close", "")]
    items = [t for t in tokens if t.type == "inline" and t.level == 3]  # list > item > paragraph
    assert [shapes(t.children or []) for t in items] == [
        [("code_inline", "D0101"), *said],
        [("text", f"{Severity.WARNING}: "), ("code_inline", "D0103"), *said],
    ]
    html = [c.content for c in all_tokens(tokens) if c.type == "html_inline"]
    assert html == ["<sub>", "</sub>"] + ["<br>"] * (2 if shown(hint) else 0)
    rows = table_rows(tokens, 0)
    assert [len(row) for row in rows] == [8, 8]
    assert [inline_text(inline) for inline in rows[1][:3]] == [
        f"{shown(name)}/{shown(message)}",
        shown(hint),
        shown(file),
    ]
    types = {t.type for t in all_tokens(tokens)}
    assert not {"link_open", "image", "html_block", "s_open"} & types


EVENT_PACKAGE = {
    **CALLS_PACKAGE,
    "metrics.yaml": """\
        metrics:
          calls: {name: Calls, event_type: call, aggregate: count, group_keys: [tool]}
        """,
    "products.yaml": """\
        products:
          calls:
            name: "Calls <img src=x>"
            type: usage
            metric: calls
            presentation_group_keys: [tool]
        """,
    "scenarios/one/events.jsonl": """\
        {"transaction_id": "t1", "customer_id": "acme", "event_type": "call",\
         "timestamp": "2026-03-02T00:00:00Z",\
         "properties": {"tool": "[click](https://evil.example) **now**"}}
        """,
}


def test_preview_escapes_an_event_group_value(tmp_path: Path) -> None:
    package = write_package(tmp_path / "literal", EVENT_PACKAGE)
    result = CliRunner().invoke(main, ["preview", str(package), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    # one call at 1.00: quantity 1, amount 1 × 1.00 = 1.00, all of it the one tool's
    assert result.output.splitlines()[6:8] == [
        "| Calls &lt;img src=x&gt; | 1 | 1 | 1.00 |",
        r"| tool=\[click\](https://evil.example) \*\*now\*\* | 1 |  | 1.00 |",
    ]
