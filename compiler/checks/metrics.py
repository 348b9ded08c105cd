"""Metric definitions have a coherent shape (E0209): SQL or event-based, never both."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic, error

_EVENT_FIELDS = ("event_type", "aggregate", "property", "filters")


def metric_shape(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0209: a metric is SQL or event_type + aggregate (+ property unless count), not both."""
    for mid, metric in ctx.package.metrics.items():
        path = ("metrics", mid)
        if metric.sql is not None:
            for field in _EVENT_FIELDS:
                if ctx.positions.has((*path, field)):
                    yield error(
                        "E0209",
                        f"SQL metric '{mid}' cannot also have `{field}`",
                        ctx.key(*path, field),
                        "a SQL metric computes its value in `sql`; filter there",
                    )
            continue
        if metric.event_type is None:
            yield error(
                "E0209",
                f"metric '{mid}' has neither `event_type` nor `sql`",
                ctx.key(*path),
                "add `event_type` and `aggregate`, or a `sql` query",
            )
        elif not metric.event_types or any(not t for t in metric.event_types):
            yield error(
                "E0209",
                f"metric '{mid}' has an empty event_type",
                ctx.value(*path, "event_type"),
                "name the event type(s) to meter",
            )
        if metric.aggregate is None:
            yield error(
                "E0209",
                f"metric '{mid}' has no `aggregate`",
                ctx.key(*path),
                "aggregate: count | sum | max | unique | latest",
            )
        elif metric.aggregate == "count" and metric.property is not None:
            yield error(
                "E0209",
                f"metric '{mid}' counts events; `property` has no effect",
                ctx.key(*path, "property"),
                "remove `property`, or use unique to count distinct values",
            )
        elif metric.aggregate != "count" and metric.property is None:
            yield error(
                "E0209",
                f"metric '{mid}' aggregates with {metric.aggregate} but has no `property`",
                ctx.value(*path, "aggregate"),
                f"name the event property that {metric.aggregate} reads",
            )
        for name, condition in metric.filters.items():
            at = ctx.key(*path, "filters", name)
            if condition.in_ is None and condition.not_in is None and condition.exists is None:
                yield error(
                    "E0209",
                    f"filter on '{name}' of metric '{mid}' has no condition",
                    at,
                    "give `in`, `not_in` and/or `exists`",
                )
            elif condition.in_ is not None and not condition.in_:
                yield error(
                    "E0209",
                    f"filter on '{name}' of metric '{mid}' has an empty `in`: it matches no event",
                    ctx.value(*path, "filters", name, "in"),
                    "list the values to keep, or remove the filter",
                )
