"""Usage products measured in one pass (replay._families): only those that take the same
events, group them alike and have the same segments in every contract share a query."""

from __future__ import annotations

from datetime import UTC, datetime

from compiler.engine.replay import _families
from compiler.plan.ir import FilterPlan, MetricPlan, ProductPlan

NOV, MID, DEC = (datetime(2026, m, d, tzinfo=UTC) for m, d in ((11, 1), (11, 15), (12, 1)))


def metric(id: str, aggregate: str = "sum", **extra: object) -> MetricPlan:
    return MetricPlan(
        id=id,
        name=id,
        kind="simple",
        event_types=extra.pop("event_types", ("request",)),
        aggregate=aggregate,
        property=None if aggregate == "count" else "tokens",
        **extra,
    )


def product(id: str, **extra: object) -> ProductPlan:
    return ProductPlan(id=id, name=id, type="usage", metric=id, **extra)


def whole_period(*products: str) -> list[tuple[str, str, datetime, datetime, datetime]]:
    return [(p, "c-1", NOV, NOV, DEC) for p in products]


def ids(families: list[list[tuple[ProductPlan, MetricPlan]]]) -> list[list[str]]:
    return [[p.id for p, _ in family] for family in families]


def test_products_alike_share_one_query_in_product_order() -> None:
    simple = [
        (product("a", pricing_group_keys=("model",)), metric("a")),
        (product("b", pricing_group_keys=("model",)), metric("b", "count")),
        (product("c", pricing_group_keys=("model",)), metric("c", "unique")),
    ]
    assert ids(_families(simple, whole_period("a", "b", "c"))) == [["a", "b", "c"]]


def test_other_events_groups_or_segments_make_another_query() -> None:
    simple = [
        (product("a", pricing_group_keys=("model",)), metric("a")),
        (product("keys"), metric("keys")),  # no pricing keys
        (
            product("shown", pricing_group_keys=("model",), presentation_group_keys=("user",)),
            metric("shown"),
        ),
        (product("type", pricing_group_keys=("model",)), metric("type", event_types=("x",))),
        (
            product("filter", pricing_group_keys=("model",)),
            metric("filter", filters=(FilterPlan(property="region", in_=("eu",)),)),
        ),
        (product("split", pricing_group_keys=("model",)), metric("split")),
        (product("b", pricing_group_keys=("model",)), metric("b", "max")),
    ]
    segments = whole_period("a", "keys", "shown", "type", "filter", "b")
    # a rate change on the 15th splits `split` in two segments
    segments += [("split", "c-1", NOV, NOV, MID), ("split", "c-1", NOV, MID, DEC)]
    assert ids(_families(simple, segments)) == [
        ["a", "b"],
        ["keys"],
        ["shown"],
        ["type"],
        ["filter"],
        ["split"],
    ]
