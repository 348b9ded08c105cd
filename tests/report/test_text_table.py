"""`TextPage` prints what a rich Console without colours prints, byte for byte."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError
from rich.table import Table

from compiler.report.text_table import Column, TextPage, TextTable

# Mostly what invoices hold, plus what makes rich wrap, measure or rewrite text differently:
# markup, emoji codes, wide and zero-width characters, control characters, line breaks.
_CHARACTERS = st.one_of(
    st.sampled_from(list("abc xyz 0123456789.,-_()'=·→∅×–")),
    st.sampled_from(["[", "]", "[b]", "[/b]", "\\[", ":", ":smile:", ":x:", "@", "#"]),
    st.sampled_from(["漢", "😀", "e\u0301", "\u200b", "\t", "\n", "\r", "\x1b", "\u2028", "  "]),
    st.characters(),
)
_TEXT = st.lists(_CHARACTERS, max_size=12).map("".join)
_SHORT = st.lists(st.sampled_from(list("abc 123.")), max_size=8).map("".join)


def _rich_print(width: int, *renderables: object) -> str:
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
    """The table built with rich's API directly, as the reports built it before TextPage."""
    rich_table = Table(title=table.title, title_justify="left", show_footer=table.show_footer)
    for column in table.columns:
        rich_table.add_column(column.header, justify=column.justify, footer=column.footer)
    for index, row in enumerate(table.rows):
        rich_table.add_row(*row)
        if index in table.section_ends:
            rich_table.add_section()
    return rich_table


@settings(max_examples=400, deadline=None)
@given(tables(), st.integers(10, 120))
def test_tables_print_as_rich_prints_them(table: TextTable, width: int) -> None:
    page = TextPage(width)
    try:
        expected = _rich_print(width, _as_rich(table))
    except MarkupError:
        with pytest.raises(MarkupError):
            page.table(table)
        return
    page.table(table)
    assert page.text() == expected


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.booleans(), st.integers(5, 60))
def test_lines_print_as_rich_prints_them(text: str, markup: bool, width: int) -> None:
    from rich.text import Text

    page = TextPage(width)
    try:
        expected = _rich_print(width, text if markup else Text(text))
    except MarkupError:
        with pytest.raises(MarkupError):
            page.line(text, markup)
        return
    page.line(text, markup)
    assert page.text() == expected


def test_a_long_page_mixes_drawn_and_rich_tables() -> None:
    page = TextPage(40)
    short = TextTable("t", (Column("a"), Column("b", "right")), rows=[("x", "1")])
    wide = TextTable("t", (Column("a"), Column("b", "right")), rows=[("x" * 60, "1")])
    page.line("first")
    for table in (short, wide, short):
        page.table(table)
    expected = _rich_print(40, "first", *(_as_rich(t) for t in (short, wide, short)))
    assert page.text() == expected
