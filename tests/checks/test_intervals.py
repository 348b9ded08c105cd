from __future__ import annotations

from datetime import UTC, datetime

from compiler.checks.intervals import overlapping


def day(n: int) -> datetime:
    return datetime(2026, 1, n, tzinfo=UTC)


def test_adjacent_intervals_do_not_overlap() -> None:
    assert list(overlapping([(day(1), day(2), "a"), (day(2), day(3), "b")])) == []


def test_open_ends() -> None:
    assert list(overlapping([(None, None, "a"), (day(5), None, "b")])) == [("b", "a")]
    assert list(overlapping([(day(5), None, "b"), (None, day(6), "a")])) == [("b", "a")]
    assert list(overlapping([(None, day(2), "a"), (None, day(3), "b")])) == [("b", "a")]


def test_reported_against_the_interval_reaching_furthest() -> None:
    intervals = [(day(1), day(10), "long"), (day(2), day(3), "short"), (day(5), day(6), "late")]
    assert list(overlapping(intervals)) == [("short", "long"), ("late", "long")]


def test_many_intervals_are_fast() -> None:
    intervals = [(None, None, i) for i in range(50_000)]
    assert sum(1 for _ in overlapping(intervals)) == 49_999
