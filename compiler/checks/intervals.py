"""Overlap of half-open time intervals `[start, end)`, where None is an open end."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")


def _ends_later(a: datetime | None, b: datetime | None) -> bool:
    return b is not None and (a is None or a > b)


def overlapping(
    intervals: Sequence[tuple[datetime | None, datetime | None, T]],
) -> Iterator[tuple[T, T]]:
    """(item, earlier item it overlaps) for each interval that starts inside an earlier one.

    A sweep in start order (ties in input order) against the interval reaching furthest so
    far: n log n, where comparing every pair would let a large file make validation hang.
    """
    order = sorted(
        range(len(intervals)),
        key=lambda i: (intervals[i][0] is not None, intervals[i][0] or datetime.min, i),
    )
    reach: tuple[datetime | None, T] | None = None
    for i in order:
        start, end, item = intervals[i]
        if reach is not None and (reach[0] is None or start is None or start < reach[0]):
            yield item, reach[1]
        if reach is None or _ends_later(end, reach[0]):
            reach = (end, item)
