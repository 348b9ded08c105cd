"""Arbitrary text made literal in GitHub-flavoured Markdown, for pull-request comments.

Names in a package and group values in usage events are untrusted: whoever can send an event
chooses them. In a comment they must read as written, never become a link, an image, HTML,
emphasis, strikethrough, math, a code span or an extra table cell. What GitHub adds after
rendering is not prevented: a bare URL or e-mail address still becomes a link (showing its real
target), `@name` a mention and `#123` an issue reference; only changing the text would stop
those, and these values are IDs a reader copies. Both functions also put the
text on one line (every whitespace run becomes one space) so it cannot start a block of its own;
callers place the result inside a line (a heading, a table cell, a list item), never at its start.
"""

from __future__ import annotations

import re

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# `_` between two letters or digits cannot open or close emphasis (CommonMark's flanking
# rules), so `user_id` stays as written; every other `_` and each listed character is escaped.
_SPECIAL = re.compile(r"[\\`*\[\]|~$]|(?<![^\W_])_|_(?![^\W_])")
_BACKTICKS = re.compile(r"`+")


def one_line(text: str) -> str:
    # CommonMark replaces NUL with U+FFFD anyway; doing it here keeps NUL out of the comment.
    return " ".join(text.replace("\0", "\ufffd").split())


def escape(text: str) -> str:
    """Inline Markdown that renders as `text`: HTML entities for & < >, a backslash before
    \\ ` * [ ] | ~ $ and before _ unless it joins two letters or digits."""
    flat = one_line(text)
    for char, entity in _ENTITIES.items():
        flat = flat.replace(char, entity)
    return _SPECIAL.sub(r"\\\g<0>", flat)


def code_span(text: str) -> str:
    """`text` in a code span, outside table cells (a `|` there would split the cell).

    Backslashes do not escape inside a code span, so the fence is one backtick longer than the
    longest run in the text, with a space inside each fence when the text starts or ends with a
    backtick (CommonMark strips one space on both sides).
    """
    flat = one_line(text) or " "
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat[0] == "`" or flat[-1] == "`" else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
