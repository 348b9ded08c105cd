"""Metering: billable metrics as SQL, built as sqlglot expressions for DuckDB or Spark.

User text (property names, values, event types) only ever enters a query as a quoted literal
built by sqlglot, never pasted into SQL text. Property values are text columns (`p_0`, ...); a
value counts as a number when its whole text is a plain decimal with at most 20 integer and 9
fractional digits, and is then cast to DECIMAL(38, 9) exactly. Where a reader could tell that
without matching the text (a Parquet integer field), it says so in the property's number
column (`n_0`, ..., NULL where it could not), and the text is matched only where it is NULL.

The builders return expressions; an executor (executors.py) renders them for its dialect.
Most of a query reads the same in both; the few functions that do not transpile are chosen
per dialect here, each beside its reason: `matches_number` (a full regex match), `_first_lists`
(the example `seq` lists of the groups that start first, in input order).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlglot import exp

from compiler.engine.events import number_column, prop_column
from compiler.plan.ir import MetricPlan, ProductPlan

Dialect = Literal["duckdb", "spark"]

# At most 20 integer digits: a sum of up to 10^9 such values still fits DECIMAL(38, 9).
NUMBER_PATTERN = r"[+-]?[0-9]{1,20}([.][0-9]{0,9}0*)?"  # trailing zeros past 9 places are fine
QUANTITY_TYPE = "DECIMAL(38, 9)"


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


class Columns:
    """Where each property the plan needs sits in the `events` table: its text (`p_0`, `p_1`,
    ...), and for `numbers` (those a metric reads as numbers, see number_properties) also its
    number column (`n_0`, ... with the same index, see events.number_column)."""

    def __init__(self, names: list[str], numbers: Iterable[str] = ()):
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.numeric = sorted(self.index[name] for name in set(numbers))

    def __call__(self, name: str, table: str | None = None) -> exp.Expr:
        """The property's text, NULL when absent."""
        return exp.column(prop_column(self.index[name]), table=table)

    def is_number(self, name: str, dialect: Dialect, table: str | None = None) -> exp.Expr:
        """Whether the property's text is a number: its reader's word where it has one, else
        the text's match. When the property is absent: NULL or false."""
        i = self.index[name]
        if i not in self.numeric:
            raise KeyError(f"property {name!r} has no number column")
        return exp.func(
            "coalesce",
            exp.column(number_column(i), table=table),
            matches_number(self(name, table), dialect),
        )

    def number(self, name: str, dialect: Dialect, table: str | None = None) -> exp.Expr:
        """The property's value as an exact decimal, NULL when absent or not a number."""
        return exp.Case(
            ifs=[
                exp.If(
                    this=self.is_number(name, dialect, table),
                    true=exp.cast(self(name, table), QUANTITY_TYPE),
                )
            ]
        )


def needed_properties(plan_metrics: list[MetricPlan], products: list[ProductPlan]) -> list[str]:
    """Every property a simple metric or a usage product reads, in a stable order. A simple
    metric's own group keys are not among them: they bound the keys its products may group by
    (validation), and only the products' keys split the events."""
    names: set[str] = set()
    for metric in plan_metrics:
        if metric.kind != "simple":
            continue
        names.update(f.property for f in metric.filters)
        if metric.property:
            names.add(metric.property)
    for product in products:
        names.update(product.pricing_group_keys)
        names.update(product.presentation_group_keys)
    return sorted(names)


def matches_number(value: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Whether the whole text is a number (NUMBER_PATTERN)."""
    if dialect == "spark":
        # RLIKE finds a match anywhere, and Java's `$` also matches before a final line
        # break ('12\n' would pass, and Spark's cast trims it): anchor at \A and \z instead.
        return exp.RegexpLike(this=value, expression=string(rf"\A(?:{NUMBER_PATTERN})\z"))
    return exp.func("regexp_full_match", value, string(NUMBER_PATTERN))


def match(metric: MetricPlan, prop: Columns, table: str | None = None) -> exp.Expr:
    """The condition an event meets to be measured by a (non-SQL) metric."""
    conditions: list[exp.Expr] = [
        exp.column("event_type", table=table).isin(*[string(t) for t in metric.event_types])
    ]
    for f in metric.filters:
        value = prop(f.property, table)
        if f.in_ is not None:
            conditions.append(value.isin(*[string(v) for v in f.in_]))
        if f.not_in is not None:
            conditions.append(
                exp.or_(value.is_(exp.null()), exp.not_(value.isin(*[string(v) for v in f.not_in])))
            )
        if f.exists is not None:
            absent = value.is_(exp.null())
            conditions.append(exp.not_(absent) if f.exists else absent)
    return exp.and_(*conditions)


def aggregate(
    metric: MetricPlan, prop: Columns, dialect: Dialect, table: str | None = None
) -> exp.Expr:
    if metric.aggregate == "count":
        return exp.Count(this=exp.Star())
    assert metric.property is not None
    if metric.aggregate == "sum":
        return exp.Sum(this=prop.number(metric.property, dialect, table))
    if metric.aggregate == "max":
        return exp.Max(this=prop.number(metric.property, dialect, table))
    if metric.aggregate == "unique":
        return exp.Count(this=exp.Distinct(expressions=[prop(metric.property, table)]))
    # latest: the value of the event with the greatest timestamp, ties to the later one read
    # (DuckDB's arg_max, Spark's max_by; a struct compares field by field in both)
    order = exp.Struct(
        expressions=[exp.column("timestamp", table=table), exp.column("seq", table=table)]
    )
    value = prop.number(metric.property, dialect, table)
    return exp.Filter(
        this=exp.ArgMax(this=value, expression=order),
        expression=exp.Where(this=exp.not_(value.copy().is_(exp.null()))),
    )


def pricing_alias(i: int) -> str:
    return f"pricing_{i}"


def presentation_alias(i: int) -> str:
    return f"presentation_{i}"


def value_alias(i: int) -> str:
    return f"value_{i}"


def usage_query(
    product: ProductPlan, metric: MetricPlan, prop: Columns, dialect: Dialect
) -> exp.Select:
    """Aggregate one usage product per contract, period, segment and pricing group values;
    with presentation keys, also per presentation values (GROUPING SETS). Its value is
    `value_0`."""
    return family_usage_query([(product, metric)], prop, dialect)


def family_key(product: ProductPlan, metric: MetricPlan) -> tuple[object, ...]:
    """What usage products must share to be measured by one query (with their segments):
    the events they take and the groups they split them into."""
    return (
        metric.event_types,
        metric.filters,
        product.pricing_group_keys,
        product.presentation_group_keys,
    )


def family_usage_query(
    family: list[tuple[ProductPlan, MetricPlan]], prop: Columns, dialect: Dialect
) -> exp.Select:
    """`usage_query` for products of one `family_key` and the same segments (the first
    product's are joined), in one pass over the events: one value column per product,
    `value_0`, `value_1`, ..., in the order given."""
    product, metric = family[0]
    assert all(family_key(p, m) == family_key(product, metric) for p, m in family)
    bounds = ["contract_id", "period_start", "segment_start", "segment_end"]
    pricing = [prop(k, "e") for k in product.pricing_group_keys]
    presentation = [prop(k, "e") for k in product.presentation_group_keys]
    number = exp.column("segment_number", table="s")
    selected: list[exp.Expr] = [number.copy()]
    selected += [p.copy().as_(pricing_alias(i)) for i, p in enumerate(pricing)]
    selected += [p.copy().as_(presentation_alias(i)) for i, p in enumerate(presentation)]
    values = [value_alias(i) for i in range(len(family))]
    selected += [
        aggregate(m, prop, dialect, "e").as_(value)
        for value, (_, m) in zip(values, family, strict=True)
    ]
    selected.append(exp.Count(this=exp.Star()).as_("events"))
    detail: exp.Expr = exp.Literal.number(0)
    if presentation:
        # grouping() names a grouped expression, not its alias: Spark resolves no aliases there
        detail = exp.Sub(
            this=exp.Literal.number(1), expression=exp.func("grouping", presentation[0].copy())
        )
    selected.append(detail.as_("detail"))
    # The product's segments, each numbered: the events are grouped by that number rather than
    # by the segment's contract and bounds, which the groups get back by a join on a few
    # thousand rows. A narrower key makes a smaller hash table (at 10M events a distinct count
    # keeps one entry per contract, model and user: 7M).
    segments = (
        exp.select(
            *[exp.column(c) for c in ["slice_start", *bounds]],
            exp.Window(
                this=exp.func("dense_rank"),
                order=exp.Order(expressions=[exp.Ordered(this=exp.column(c)) for c in bounds]),
            ).as_("segment_number"),
        )
        .from_("segments")
        .where(exp.column("product_id").eq(string(product.id)))
    )
    # an event's segment is the one that holds its slice: an equality join on a small table
    join_on = exp.and_(
        exp.column("contract_id", table="s").eq(exp.column("contract_id", table="e")),
        exp.column("slice_start", table="s").eq(exp.column("slice_start", table="e")),
    )
    grouped = (
        exp.select(*selected)
        .from_(exp.to_table("attributed").as_("e"))
        .join(exp.to_table("numbered").as_("s"), on=join_on)
        .where(match(metric, prop, "e"))
    )
    keys = [number, *pricing]
    if presentation:
        grouped = grouped.group_by(
            exp.GroupingSets(
                expressions=[
                    exp.Tuple(expressions=[k.copy() for k in keys]),
                    exp.Tuple(expressions=[k.copy() for k in [*keys, *presentation]]),
                ]
            )
        )
    else:
        grouped = grouped.group_by(*keys)
    by_number = exp.select("segment_number", *bounds).distinct().from_(exp.to_table("numbered"))
    outputs = [
        *[pricing_alias(i) for i in range(len(pricing))],
        *[presentation_alias(i) for i in range(len(presentation))],
        *values,
        "events",
        "detail",
    ]
    return (
        exp.select(
            *[exp.column(c, table="b") for c in bounds],
            *[exp.column(c, table="g") for c in outputs],
        )
        .from_(grouped.subquery("g"))
        .join(
            by_number.subquery("b"),
            on=exp.column("segment_number", table="b").eq(exp.column("segment_number", table="g")),
        )
        .with_("numbered", as_=segments)
    )


def state_alias(prop: Columns, name: str) -> str:
    """The accounting groups' column saying whether property `name` is a number."""
    return f"state_{prop.index[name]}"


def number_properties(metrics: list[MetricPlan]) -> list[str]:
    """The properties whose values a sum, max or latest metric reads as numbers."""
    return sorted(
        {
            m.property
            for m in metrics
            if m.kind == "simple" and m.aggregate in ("sum", "max", "latest") and m.property
        }
    )


def number_state(prop: Columns, name: str, table: str | None = None) -> exp.Expr:
    """'missing', 'non_numeric', or NULL for a number: property `name` of an event, in DuckDB."""
    return exp.Case(
        ifs=[
            exp.If(this=prop(name, table).is_(exp.null()), true=string("missing")),
            exp.If(
                this=exp.not_(
                    exp.func("coalesce", prop.is_number(name, "duckdb", table), exp.false())
                ),
                true=string("non_numeric"),
            ),
        ]
    )


def problems_query(
    metric: MetricPlan, prop: Columns, examples: int, dialect: Dialect
) -> exp.Select | None:
    """Events a sum/max/latest metric matched whose property is missing or not a number, from
    the accounting groups (which tell each property's state): per problem, the events and the
    example `seq` lists of the groups that start first, as classification_query gives them."""
    if metric.kind != "simple" or metric.aggregate not in ("sum", "max", "latest"):
        return None
    assert metric.property is not None
    state = exp.column(state_alias(prop, metric.property))
    return (
        exp.select(
            state.copy().as_("problem"),
            exp.Sum(this=exp.column("events")).as_("events"),
            _first_lists("example_seqs", examples, dialect).as_("example_seqs"),
        )
        .from_("accounting_groups")
        .where(
            exp.and_(
                exp.column("attribution").is_(exp.null()),
                match(metric, prop),
                exp.not_(state.copy().is_(exp.null())),
            )
        )
        .group_by(state.copy())
    )


def _first_lists(column: str, examples: int, dialect: Dialect) -> exp.Expr:
    """The lists in `column` of the `examples` accounting groups that start first."""
    # DuckDB's arg_min(arg, val, n) is Spark's min_by(arg, val, k) (Spark 4.2 and later);
    # both sort the result by `val`.
    return exp.Anonymous(
        this="min_by" if dialect == "spark" else "arg_min",
        expressions=[exp.column(column), exp.column("first_seq"), exp.Literal.number(examples)],
    )


def claims(metric: MetricPlan, prop: Columns, table: str | None = None) -> exp.Expr:
    """The events a metric counts for the accounting. A SQL metric cannot say which events it
    used: it claims those of the event types its query names (`event_type = 'x'`, `IN`), or
    every event when it names none."""
    if metric.kind == "simple":
        return match(metric, prop, table)
    from compiler.engine.sql_metrics import event_types

    types = event_types(metric.sql or "")
    if types is None:
        return exp.true()
    return exp.column("event_type", table=table).isin(*[string(t) for t in sorted(types)])


def accounting_keys(
    metrics: list[MetricPlan], products: list[tuple[ProductPlan, MetricPlan]]
) -> list[str]:
    """The properties an event's accounting bucket can depend on: those the metrics' filters
    read, and the pricing keys of the products of simple metrics."""
    names: set[str] = set()
    for metric in metrics:
        if metric.kind == "simple":
            names.update(f.property for f in metric.filters)
    for product, metric in products:
        if metric.kind == "simple":
            names.update(product.pricing_group_keys)
    return sorted(names)


def accounting_groups_query(keys: list[str], prop: Columns, examples: int) -> exp.Select:
    """Every parsed event (view `classified`), grouped by everything its accounting depends on:
    its attribution bucket (`attribution`, NULL when attributed), contract, slice of the period
    (each period cut at every segment boundary of every product, so that a slice lies inside
    one segment of each), event type, the properties of `accounting_keys`, and whether each
    property with a number column (`prop.numeric`) is a number (`state_i`, see number_state).
    Events of one group land in one bucket and have the same problems, so the attribution
    counts, the classification and the problem report run once per group instead of once per
    event. Each group keeps the `seq`s of its first `examples` events (`example_seqs`, in input
    order; `first_seq` names the group). Run by the store (DuckDB), like attribution."""
    grouped = [
        exp.column("bucket", table="e"),
        exp.column("contract_id", table="e"),
        exp.column("slice_start", table="e"),
        exp.column("event_type", table="e"),
        *[prop(k, "e") for k in keys],
    ]
    numbers = [prop.names[i] for i in prop.numeric]
    states = [number_state(prop, n, "e") for n in numbers]
    selected: list[exp.Expr] = [
        grouped[0].copy().as_("attribution"),
        grouped[1].copy(),
        grouped[2].copy().as_("timestamp"),  # any instant of the slice stands for all of it
        *[g.copy() for g in grouped[3:]],
        *[st.copy().as_(state_alias(prop, n)) for st, n in zip(states, numbers, strict=True)],
        exp.Count(this=exp.Star()).as_("events"),
        # the first events' seqs only (DuckDB's top-k min): their transaction IDs are looked up
        # for the few examples shown (ingest.transaction_ids); carrying every group's IDs along
        # cost 0.2-0.5 s more at 10M events
        exp.Anonymous(
            this="min", expressions=[exp.column("seq"), exp.Literal.number(examples)]
        ).as_("example_seqs"),
    ]
    grouped_query = (
        exp.select(*selected).from_(exp.to_table("classified").as_("e")).group_by(*grouped, *states)
    )
    first_seq = exp.Anonymous(
        this="list_extract", expressions=[exp.column("example_seqs"), exp.Literal.number(1)]
    )
    return exp.select(
        *[exp.column(s.alias_or_name) for s in selected],
        first_seq.as_("first_seq"),
    ).from_(grouped_query.subquery("g"))


def classification_query(
    metrics: list[MetricPlan],
    products: list[tuple[ProductPlan, MetricPlan]],
    prop: Columns,
    examples: int,
    dialect: Dialect,
) -> exp.Select:
    """One accounting bucket per replayed event: rated, unpriced or unmetered, counted over the
    table `accounting_groups` (accounting_groups_query; a group's events share one bucket).

    `rated`: some usage product measured it in a priced group (table `priced`); `unpriced`:
    some metric measured it but no priced product took it; `unmetered`: no metric did. Per
    bucket: the events, and the first-seq-ordered example `seq` lists of the `examples` groups
    that start first, which hold the bucket's first `examples` events.
    """
    matched: exp.Expr = exp.false()
    if metrics:
        matched = exp.or_(*[exp.paren(claims(m, prop, "e")) for m in metrics])
    group = exp.column("first_seq", table="e")  # a group's first event names it
    rated_parts = []
    for product, metric in products:
        on = exp.and_(
            exp.column("product_id", table="p").eq(string(product.id)),
            exp.column("contract_id", table="p").eq(exp.column("contract_id", table="e")),
            exp.column("timestamp", table="e") >= exp.column("segment_start", table="p"),
            exp.column("timestamp", table="e") < exp.column("segment_end", table="p"),
        )
        if metric.kind == "simple":  # a SQL metric's groups are its own: no per-event key
            key = exp.Array(expressions=[prop(k, "e") for k in product.pricing_group_keys])
            on = exp.and_(
                on, exp.NullSafeEQ(this=key, expression=exp.column("group_values", table="p"))
            )
        rated_parts.append(
            exp.select(group.copy())
            .from_(exp.to_table("accounting_groups").as_("e"))
            .join(exp.to_table("priced").as_("p"), on=on)
            .where(claims(metric, prop, "e"))
        )
    rated: exp.Expr = exp.select(exp.Null().as_("first_seq")).where(exp.false())
    if rated_parts:
        rated = rated_parts[0]
        for part in rated_parts[1:]:
            rated = exp.union(rated, part, distinct=True)
    bucket = exp.Case(
        ifs=[
            exp.If(this=group.copy().isin(query=rated), true=string("rated")),
            exp.If(this=matched, true=string("unpriced")),
        ],
        default=string("unmetered"),
    )
    inner = (
        exp.select(
            bucket.as_("bucket"),
            *[exp.column(c, table="e") for c in ("events", "first_seq", "example_seqs")],
        )
        .from_(exp.to_table("accounting_groups").as_("e"))
        .where(exp.column("attribution", table="e").is_(exp.null()))
    )
    query = (
        exp.select(
            exp.column("bucket"),
            exp.Sum(this=exp.column("events")).as_("events"),
            _first_lists("example_seqs", examples, dialect).as_("example_seqs"),
        )
        .from_(inner.subquery("classified"))
        .group_by(exp.column("bucket"))
    )
    return query
