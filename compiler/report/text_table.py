"""Tables and lines for a person, laid out as rich lays them out, in a fraction of the time.

rich spends about 9 ms on one invoice table (9 s for a thousand invoices), measuring and
wrapping every cell. Our tables almost always fit the page with one line per cell, and then
rich's layout is simple: a heavy-head box, one space of padding, every column as wide as its
widest cell, the title padded to the table's width. `TextPage` draws that case itself and hands
anything else to rich (a cell or title that would wrap, text outside printable Unicode), so the
page is byte for byte what rich would print.

Text is shown literally on both paths: names and descriptions come from untrusted packages, so
`[...]` is never rich markup and `:word:` never an emoji code. The fast path takes text as is;
rich gets `Text` objects (and a console with markup, emoji and highlighting off).

Styles are never kept: the page is plain text, without a colour system to show them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

Justify = Literal["left", "right"]

# rich's HEAVY_HEAD box: top, header, under the header, body, between sections, bottom.
# Body and footer rows share one border in that box.
_TOP, _HEAD, _UNDER_HEAD, _BODY, _SECTION, _BOTTOM = "┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "└─┴┘"


def _justify(text: str, length: int, width: int, right: bool) -> str:
    """A cell's text padded to its column; rich drops trailing spaces of right-aligned text."""
    if not right:
        return text + " " * (width - length)
    text = text.rstrip()
    return " " * (width - cell_len(text)) + text


@dataclass(frozen=True)
class Column:
    header: str
    justify: Justify = "left"
    footer: str = ""


@dataclass
class TextTable:
    """What a rich `Table(title=..., title_justify="left")` with these columns would hold."""

    title: str
    columns: tuple[Column, ...]
    show_footer: bool = False
    rows: list[tuple[str, ...]] = field(default_factory=list)
    section_ends: set[int] = field(default_factory=set)  # rows followed by a rule

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)

    def add_section(self) -> None:
        if self.rows:
            self.section_ends.add(len(self.rows) - 1)

    def to_rich(self) -> Table:
        """The rich table, every string as a `Text` so that rich reads no markup or emoji in it."""
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(self.title), title_justify="left", show_footer=self.show_footer)
        for column in self.columns:
            table.add_column(
                Text(column.header), footer=Text(column.footer), justify=column.justify
            )
        for index, row in enumerate(self.rows):
            table.add_row(*map(Text, row), end_section=index in self.section_ends)
        return table


class TextPage:
    """A page of text `width` cells wide, written as a rich `Console` without colour prints."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._parts: list[str] = []
        self._console: Console | None = None
        self._buffer = io.StringIO()

    def line(self, text: str) -> None:
        """`console.print(Text(text))`: the text as is, wrapped to the page."""
        # rich crops trailing spaces past the width counted in characters, not cells ("é  ")
        if text.isprintable() and max(cell_len(text), len(text)) <= self.width:
            self._parts.append(text + "\n")
            return
        from rich.text import Text

        self._parts.append(self._rich(Text(text)))

    def table(self, table: TextTable) -> None:
        drawn = self._draw(table)
        self._parts.append(drawn if drawn is not None else self._rich(table.to_rich()))

    def text(self) -> str:
        return "".join(self._parts)

    def _draw(self, table: TextTable) -> str | None:
        """The table as rich draws it, or None when rich would wrap or measure differently."""
        rows = [tuple(column.header for column in table.columns), *table.rows]
        if table.show_footer:
            rows.append(tuple(column.footer for column in table.columns))
        title = table.title
        if not all(cell.isprintable() for row in rows for cell in row) or not title.isprintable():
            return None
        lengths = [[cell_len(cell) for cell in row] for row in rows]
        widths = [max(column) for column in zip(*lengths, strict=True)]
        # rich wraps text of no width (a lone combining mark) away in a column 0 cells wide
        columns = zip(*rows, strict=True)
        if any(width == 0 and any(cells) for width, cells in zip(widths, columns, strict=True)):
            return None
        table_width = sum(widths) + 3 * len(widths) + 1  # padding, borders
        if table_width > self.width or cell_len(title) > table_width:
            return None
        right = [column.justify == "right" for column in table.columns]

        def rule(box: str) -> str:
            return box[0] + box[2].join(box[1] * (w + 2) for w in widths) + box[3] + "\n"

        def row_line(box: str, cells: tuple[str, ...], cell_lengths: list[int]) -> str:
            padded = map(_justify, cells, cell_lengths, widths, right)
            return f"{box[0]} " + f" {box[2]} ".join(padded) + f" {box[3]}\n"

        out = [title + " " * (table_width - cell_len(title)) + "\n"] if table.title else []
        out.append(rule(_TOP))
        out.append(row_line(_HEAD, rows[0], lengths[0]))
        out.append(rule(_UNDER_HEAD))
        body_end = len(rows) - 1 if table.show_footer else len(rows)
        for index in range(1, body_end):
            out.append(row_line(_BODY, rows[index], lengths[index]))
            # rich draws no rule under the last row, nor under the one before the footer
            if index - 1 in table.section_ends and index < body_end - 1:
                out.append(rule(_SECTION))
        if table.show_footer:
            out.append(rule(_SECTION))
            out.append(row_line(_BODY, rows[-1], lengths[-1]))
        out.append(rule(_BOTTOM))
        return "".join(out)

    def _rich(self, renderable: Table | Text) -> str:
        console = self._rich_console()
        console.print(renderable)
        printed = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return printed

    def _rich_console(self) -> Console:
        if self._console is None:
            from rich.console import Console  # only for what the fast path leaves to rich

            self._console = Console(
                file=self._buffer,
                width=self.width,
                color_system=None,
                markup=False,
                emoji=False,
                highlight=False,
            )
        return self._console
