"""`TextPage` prints what a rich Console without colours prints for literal text, byte for byte.

The reference is rich given `Text` objects (on a default console, markup and emoji codes on), so
rich reads no markup or emoji codes in them: names from packages are shown as written.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compiler.report.text_table import Column, TextPage, TextTable

# Mostly what invoices hold, plus what makes rich wrap or measure text differently, or would
# rewrite it if it were read as markup: markup, emoji codes, wide and zero-width characters,
# control characters, line breaks.
_CHARACTERS = st.one_of(
    st.sampled_from(list("abc xyz 0123456789.,-_()'=·→∅×–")),
    st.sampled_from(["[", "]", "[b]", "[/b]", "\\[", ":", ":smile:", ":x:", "@", "#"]),
    st.sampled_from(["漢", "😀", "e\u0301", "\u200b", "\t", "\n", "\r", "\x1b", "\u2028", "  "]),
    st.characters(),
)
_TEXT = st.lists(_CHARACTERS, max_size=12).map("".join)
_SHORT = st.lists(st.sampled_from(list("abc 123.")), max_size=8).map("".join)


def _rich_print(width: int, *renderables: Table | Text) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    for renderable in renderables:
        console.print(renderable)
    return buffer.getvalue()


@st.composite
def tables(draw: st.DrawFn) -> TextTable:
    cells = _TEXT if draw(st.booleans()) else _SHORT
    count = draw(st.integers(1, 4))
    columns = tuple(
        Column(draw(cells), draw(st.sampled_from(["left", "right"])), draw(cells))
        for _ in range(count)
    )
    table = TextTable(draw(cells), columns, show_footer=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 5))):
        table.add_row(*(draw(cells) for _ in range(count)))
        if draw(st.integers(0, 3)) == 0:
            table.add_section()
    return table


def _as_rich(table: TextTable) -> Table:
    """The table built with rich's API directly, every string as a literal `Text`."""
    rich_table = Table(title=Text(table.title), title_justify="left", show_footer=table.show_footer)
    for column in table.columns:
        rich_table.add_column(
            Text(column.header), justify=column.justify, footer=Text(column.footer)
        )
    for index, row in enumerate(table.rows):
        rich_table.add_row(*(Text(cell) for cell in row))
        if index in table.section_ends:
            rich_table.add_section()
    return rich_table


@settings(max_examples=400, deadline=None)
@given(tables(), st.integers(10, 120))
@example(TextTable("", (Column("\U0001da00"),)), 10)  # a column only of text of no width
def test_tables_print_as_rich_prints_them(table: TextTable, width: int) -> None:
    page = TextPage(width)
    page.table(table)
    assert page.text() == _rich_print(width, _as_rich(table))


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(5, 60))
@example("e\u0301    ", 5)  # 5 cells, 6 characters: rich crops a trailing space
def test_lines_print_as_rich_prints_them(text: str, width: int) -> None:
    page = TextPage(width)
    page.line(text)
    assert page.text() == _rich_print(width, Text(text))


def test_a_long_page_mixes_drawn_and_rich_tables() -> None:
    page = TextPage(40)
    short = TextTable("t", (Column("a"), Column("b", "right")), rows=[("x", "1")])
    wide = TextTable("t", (Column("a"), Column("b", "right")), rows=[("x" * 60, "1")])
    page.line("first")
    for table in (short, wide, short):
        page.table(table)
    expected = _rich_print(40, Text("first"), *(_as_rich(t) for t in (short, wide, short)))
    assert page.text() == expected


HOSTILE = "[bold]x[/bold] :smile: \\[b] [/] [red]y :x:"  # rich would raise on its own "[/]"


@pytest.mark.parametrize("width", [100, 30], ids=["drawn", "wrapped by rich"])
def test_markup_and_emoji_codes_are_shown_as_written(width: int) -> None:
    """Both the drawn page and rich's fallback (a table too wide for the page) keep them."""
    table = TextTable(
        f"title {HOSTILE}",
        (Column(f"head {HOSTILE}", footer=f"foot {HOSTILE}"),),
        show_footer=True,
        rows=[(f"cell {HOSTILE}",)],
    )
    page = TextPage(width)
    page.line(f"line {HOSTILE}")
    page.table(table)
    printed = page.text()
    assert (width == 100) == (printed.count("\n") == 9)  # one line per cell only when drawn
    shown = "".join(printed.replace("│", " ").replace("┃", " ").split())
    for part in ("line", "title", "head", "cell", "foot"):
        assert "".join(f"{part} {HOSTILE}".split()) in shown
    assert "😄" not in printed and "❌" not in printed
