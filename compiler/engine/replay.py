"""Replay: events through a rating plan into invoices and accounting.

ingest (DuckDB: read and check every line, exact numbers) → attribute (SQL: dedup, customer,
contract, period) → meter (SQL built with sqlglot, run by the replay's engine: DuckDB, or
Spark, see executors.py) → rate usage (Decimal) → contract terms → invoices, with every line
read landing in exactly one accounting bucket.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import duckdb

from compiler.engine.attribution import (
    EXAMPLES,
    Attribution,
    attribute,
    bucket_counts,
    first_seqs,
)
from compiler.engine.contracts import ContractInstance, place_contracts
from compiler.engine.executors import Engine, Executor, open_executor
from compiler.engine.ingest import Ingested, ingest, transaction_ids
from compiler.engine.invoice import (
    Accounting,
    Invoice,
    Problem,
    ReplayResult,
    UnpricedUsage,
    UsageLine,
)
from compiler.engine.invoices import contract_invoices
from compiler.engine.metering import (
    Columns,
    accounting_groups_query,
    accounting_keys,
    classification_query,
    family_key,
    family_usage_query,
    needed_properties,
    number_properties,
    presentation_alias,
    pricing_alias,
    problems_query,
    value_alias,
)
from compiler.engine.money import plain
from compiler.engine.overrides import PlacedOverride, placed_overrides
from compiler.engine.periods import Period
from compiler.engine.sql_metrics import run_sql_metric
from compiler.engine.sql_properties import referenced_properties
from compiler.engine.store import (
    DEFAULT_MEMORY_LIMIT,
    EventStore,
    MemoryLimitError,
    aware,
    held_in_memory,
)
from compiler.engine.usage import (
    Aggregate,
    GroupValues,
    Pricing,
    ProductRates,
    rate_usage,
    segments,
)
from compiler.model.scenario import Customer
from compiler.plan.ir import MetricPlan, ProductPlan, RatingPlan


@dataclass(frozen=True)
class ReplayInput:
    """Everything a replay needs besides the plan."""

    name: str
    customers: Mapping[str, Customer]
    event_files: Sequence[tuple[Path, str]]
    period: Period
    as_of: datetime
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    # where the metering queries run; ingestion, attribution and SQL metrics are DuckDB's
    engine: Engine = "duckdb"


def customer_index(customers: Mapping[str, Customer]) -> dict[str, str]:
    """Ingest ID (a customer ID or any of its aliases) → customer ID."""
    index = {cid: cid for cid in customers}
    for cid, customer in customers.items():
        for alias in customer.ingest_aliases:
            index.setdefault(alias, cid)
    return index


def replay(plan: RatingPlan, inputs: ReplayInput) -> ReplayResult:
    """Raises MemoryLimitError when DuckDB runs out of memory within `inputs.memory_limit`."""
    with _cycle_collection_paused():
        try:
            return _replay(plan, inputs)
        except duckdb.OutOfMemoryException as exc:
            raise MemoryLimitError(
                f"the replay ran out of memory within the limit of {inputs.memory_limit}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """A replay builds tens of thousands of objects that live until it ends (aggregates,
    invoice lines), none of them garbage in a reference cycle; CPython's cycle collector would
    scan the whole heap several times over while they are built (0.35-0.45 s at 40,000 usage
    lines). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _replay(plan: RatingPlan, inputs: ReplayInput) -> ReplayResult:
    contracts = place_contracts(plan, inputs.customers, inputs.period)
    usage_products = [
        (p, plan.metrics[p.metric])
        for p in plan.products.values()
        if p.type == "usage" and p.metric is not None
    ]
    simple = [(p, m) for p, m in usage_products if m.kind == "simple"]
    names = set(needed_properties(list(plan.metrics.values()), [p for p, _ in usage_products]))
    for metric in plan.metrics.values():
        if metric.sql is not None:
            names |= referenced_properties(metric.sql)
    columns = Columns(sorted(names), number_properties(list(plan.metrics.values())))
    files = list(inputs.event_files)
    with (
        EventStore(
            inputs.memory_limit, in_memory=held_in_memory(inputs.memory_limit, _size(files))
        ) as store,
        open_executor(inputs.engine, store) as executor,
    ):
        ingested = ingest(store.connection, files, columns.names, columns.numeric)
        overrides = {c.contract_id: placed_overrides(c) for c in contracts}
        segment_rows = _segment_rows(contracts, simple, overrides)
        slices = _slices(contracts, segment_rows)
        conflicts = attribute(
            store.connection,
            columns.names,
            customer_index(inputs.customers),
            contracts,
            slices,
            files,
            columns.numeric,
        )
        groups = accounting_groups_query(
            accounting_keys(list(plan.metrics.values()), usage_products),
            columns,
            EXAMPLES,
        ).sql(dialect="duckdb")
        # On DuckDB the accounting groups are built while Python rates usage (_alongside);
        # Spark reads them, so they are built and shared first.
        grouped_first = None
        if executor.dialect != "duckdb":
            grouped_first = _accounting_groups(store, groups)
            executor.share("accounting_groups")
        store.create_segments(_slice_segments(slices, segment_rows))
        # shared before the lock: the bulk may still go over as a file
        for table in ("attributed", "segments"):
            executor.share(table)
        store.lock()
        measured: dict[str, dict[AggregateKey, list[Aggregate]]] = {}
        for family in _families(simple, segment_rows):
            measured.update(_aggregates(executor, family, columns))
        for product, metric in usage_products:
            if metric.kind == "sql":
                measured[product.id] = _sql_aggregates(store, product, metric, columns, contracts)
        rate = partial(
            _rate,
            plan,
            contracts,
            [p for p, _ in usage_products],
            measured,
            overrides,
            inputs.as_of,
        )
        if grouped_first is None:
            (invoices, rated), attributed = _alongside(store, groups, rate)
        else:
            (invoices, rated), attributed = rate(), grouped_first
        attributed.conflicts = conflicts
        store.create_priced(rated.priced_rows)
        executor.share("priced")
        accounting = _accounting(
            store, executor, plan, usage_products, columns, ingested, attributed, rated.unpriced
        )
    return ReplayResult(scenario=inputs.name, invoices=invoices, accounting=accounting)


# How much larger than its file an event file reads, roughly (measured on the benchmark's
# events: Parquet 70 MB for 289 MB of JSON Lines; gzip typically 8-10x).
EXPANSION = {".gz": 10, ".parquet": 4}


def _size(files: Sequence[tuple[Path, str]]) -> int | None:
    """About how many bytes of JSON Lines the event files hold; None when some cannot be told
    (a pipe, say, which the Python reader reads)."""
    paths = [path for path, _ in files if path.exists()]
    if not all(path.is_file() for path in paths):
        return None
    return sum(path.stat().st_size * EXPANSION.get(path.suffix.lower(), 1) for path in paths)


def _segment_rows(
    contracts: Sequence[ContractInstance],
    simple: Sequence[tuple[ProductPlan, MetricPlan]],
    overrides: Mapping[str, Sequence[PlacedOverride]],
) -> list[tuple[str, str, datetime, datetime, datetime]]:
    """(product, contract, period start, segment start, segment end): each simple usage
    product's segments (a period cut where its rate changes) in each contract period."""
    return [
        (product.id, c.contract_id, period.start, start, end)
        for c in contracts
        for period in c.periods
        for product, metric in simple
        for start, end in segments(
            period,
            metric,
            c.rate_card.rates.get(product.id, ()),
            overrides[c.contract_id],
            product.id,
        )
    ]


def _rate(
    plan: RatingPlan,
    contracts: Sequence[ContractInstance],
    products: Sequence[ProductPlan],
    measured: Mapping[str, Mapping[AggregateKey, list[Aggregate]]],
    overrides: Mapping[str, Sequence[PlacedOverride]],
    as_of: datetime,
) -> tuple[list[Invoice], _UsageRated]:
    """Every contract's invoices, and what the usage rating found priced and unpriced. Pure
    Python: it never touches the store (see _alongside)."""
    invoices: list[Invoice] = []
    rated = _UsageRated()
    card_rates = {
        card.id: {p.id: ProductRates(p, card.rates.get(p.id)) for p in products}
        for card in plan.rate_cards.values()
    }
    for contract in contracts:
        pricing = Pricing.of(contract.rate_card.currency, plan.package.rounding)
        usage = rated.contract_usage(
            contract,
            products,
            card_rates[contract.rate_card.id],
            measured,
            overrides[contract.contract_id],
            pricing,
        )
        invoices.extend(contract_invoices(plan, contract, usage, pricing, as_of))
    return invoices, rated


Rated = TypeVar("Rated")


def _alongside(
    store: EventStore, groups: str, rate: Callable[[], Rated]
) -> tuple[Rated, Attribution]:
    """`rate()` in this thread while DuckDB builds the accounting groups (`groups`, see
    _accounting_groups) in a worker: the query and the Python rating each leave a core idle on
    their own. `rate` must not touch the store. A failure while rating, or Ctrl-C (which
    reaches this thread, not the worker's query), interrupts the query rather than waiting it
    out, so that the store can close."""
    with ThreadPoolExecutor(max_workers=1) as meanwhile:
        grouping = meanwhile.submit(_accounting_groups, store, groups)
        try:
            rated = rate()
        except BaseException:
            if not grouping.done():
                store.connection.interrupt()
                wait([grouping])
            raise
        return rated, grouping.result()


def _accounting_groups(store: EventStore, query: str) -> Attribution:
    """Table `accounting_groups` (metering.accounting_groups_query), and the attribution
    buckets' counts read from it."""
    store.create_table("accounting_groups", query)
    return bucket_counts(store.connection)


AggregateKey = tuple[str, datetime]
PricedRow = tuple[str, str, datetime, datetime, GroupValues]


@dataclass
class _UsageRated:
    """Usage rating's by-products across contracts: what was unpriced and what was priced."""

    unpriced: list[UnpricedUsage] = field(default_factory=list)
    priced_rows: list[PricedRow] = field(default_factory=list)

    def contract_usage(
        self,
        contract: ContractInstance,
        products: Sequence[ProductPlan],
        rates: Mapping[str, ProductRates],
        measured: Mapping[str, Mapping[AggregateKey, list[Aggregate]]],
        overrides: Sequence[PlacedOverride],
        pricing: Pricing,
    ) -> dict[datetime, list[UsageLine]]:
        """Each period's usage lines of one contract, keyed by the period's start (`rates`:
        the products' on the contract's rate card)."""
        usage: dict[datetime, list[UsageLine]] = {}
        for period in contract.periods:
            lines = usage[period.start] = []
            for product in products:
                rating = rate_usage(
                    customer_id=contract.customer_id,
                    contract_id=contract.contract_id,
                    period=period,
                    product=product,
                    rates=rates[product.id],
                    overrides=overrides,
                    aggregates=measured[product.id].get((contract.contract_id, period.start), []),
                    pricing=pricing,
                )
                lines.extend(rating.lines)
                self.unpriced.extend(rating.unpriced)
                self.priced_rows.extend(
                    (product.id, contract.contract_id, s, e, v) for s, e, v in rating.priced_groups
                )
        return usage


def _families(
    simple: Sequence[tuple[ProductPlan, MetricPlan]],
    segment_rows: Sequence[tuple[str, str, datetime, datetime, datetime]],
) -> list[list[tuple[ProductPlan, MetricPlan]]]:
    """Usage products measured by one query each: those that take the same events, group them
    alike and have the same segments in every contract (the usual case: no rate changes
    mid-period) share one pass over the events. Product order is kept."""
    segments_of: dict[str, list[tuple[str, datetime, datetime, datetime]]] = defaultdict(list)
    for product_id, contract_id, period_start, start, end in segment_rows:
        segments_of[product_id].append((contract_id, period_start, start, end))
    families: dict[tuple[object, ...], list[tuple[ProductPlan, MetricPlan]]] = {}
    for product, metric in simple:
        key = (family_key(product, metric), tuple(segments_of[product.id]))
        families.setdefault(key, []).append((product, metric))
    return list(families.values())


def _aggregates(
    executor: Executor,
    family: list[tuple[ProductPlan, MetricPlan]],
    columns: Columns,
) -> dict[str, dict[AggregateKey, list[Aggregate]]]:
    """Each product's aggregates by (contract, period start), presentation detail folded in."""
    first, _ = family[0]
    pricing = [pricing_alias(i) for i in range(len(first.pricing_group_keys))]
    shown_as = [presentation_alias(i) for i in range(len(first.presentation_group_keys))]
    value_names = [value_alias(i) for i in range(len(family))]
    found: list[dict[tuple[str, datetime, datetime, GroupValues], Aggregate]] = [{} for _ in family]
    details = []
    instants: dict[datetime, datetime] = {}  # few distinct instants (period, segment bounds)

    def instant(moment: datetime) -> datetime:
        if moment not in instants:
            instants[moment] = aware(moment)
        return instants[moment]

    for row in executor.rows(family_usage_query(family, columns, executor.dialect)):
        values: GroupValues = tuple([row[name] for name in pricing])
        key = (
            row["contract_id"],
            instant(row["period_start"]),
            instant(row["segment_start"]),
            values,
        )
        if row["detail"]:
            shown = tuple(row[name] for name in shown_as)
            for i, name in enumerate(value_names):
                details.append((i, key, shown, plain(row[name])))
            continue
        segment = (key[2], instant(row["segment_end"]))
        events = int(row["events"])
        for product_found, name in zip(found, value_names, strict=True):
            product_found[key] = Aggregate(
                segment=segment, values=values, value=plain(row[name]), events=events
            )
    for i, key, shown, value in details:
        found[i][key].presentation[shown] = value
    # Every product of the family has the same keys, put in order once: by contract, period
    # and segment (the engine's row order is left to chance).
    periods: dict[AggregateKey, list[tuple[str, datetime, datetime, GroupValues]]] = {}
    for key in sorted(found[0], key=lambda k: k[:3]):
        periods.setdefault((key[0], key[1]), []).append(key)
    return {
        product.id: {period: [product_found[k] for k in keys] for period, keys in periods.items()}
        for (product, _), product_found in zip(family, found, strict=True)
    }


def _sql_aggregates(
    store: EventStore,
    product: ProductPlan,
    metric: MetricPlan,
    columns: Columns,
    contracts: Sequence[ContractInstance],
) -> dict[AggregateKey, list[Aggregate]]:
    """A SQL metric's rows per contract period, summed per pricing group (whole periods)."""
    result: dict[AggregateKey, list[Aggregate]] = defaultdict(list)
    for contract in contracts:
        for period in contract.periods:
            groups: dict[GroupValues, Aggregate] = {}
            for row in run_sql_metric(
                store.connection, metric, columns, contract.contract_id, period.start
            ):
                values = tuple(row.values.get(k) for k in product.pricing_group_keys)
                shown = tuple(row.values.get(k) for k in product.presentation_group_keys)
                found = groups.setdefault(
                    values,
                    Aggregate(
                        segment=(period.start, period.end), values=values, value=plain(0), events=0
                    ),
                )
                found.value = plain(found.value + row.value)
                if product.presentation_group_keys:
                    found.presentation[shown] = plain(
                        found.presentation.get(shown, plain(0)) + row.value
                    )
            if groups:
                result[(contract.contract_id, period.start)] = [
                    groups[v]
                    for v in sorted(groups, key=lambda v: tuple((x is None, x or "") for x in v))
                ]
    return result


def _slices(
    contracts: Sequence[ContractInstance],
    segment_rows: Sequence[tuple[str, str, datetime, datetime, datetime]],
) -> list[tuple[str, datetime, datetime, datetime]]:
    """(contract, period start, slice start, slice end): each period cut at every segment
    boundary of every product, so that a slice lies inside one segment of each product."""
    cuts: dict[tuple[str, datetime], set[datetime]] = {
        (c.contract_id, period.start): {period.start, period.end}
        for c in contracts
        for period in c.periods
    }
    for _, contract_id, period_start, start, end in segment_rows:
        cuts[(contract_id, period_start)].update((start, end))
    return [
        (contract_id, period_start, start, end)
        for (contract_id, period_start), instants in cuts.items()
        for start, end in pairwise(sorted(instants))
    ]


def _slice_segments(
    slices: Sequence[tuple[str, datetime, datetime, datetime]],
    segment_rows: Sequence[tuple[str, str, datetime, datetime, datetime]],
) -> list[tuple[str, str, datetime, datetime, datetime, datetime]]:
    """(product, contract, period start, slice start, segment start, segment end): the
    segment of each product that holds each slice."""
    starts: dict[tuple[str, datetime], list[datetime]] = defaultdict(list)
    for contract_id, period_start, start, _ in slices:
        starts[(contract_id, period_start)].append(start)
    return [
        (product_id, contract_id, period_start, slice_start, start, end)
        for product_id, contract_id, period_start, start, end in segment_rows
        for slice_start in starts[(contract_id, period_start)]
        if start <= slice_start < end
    ]


def _accounting(
    store: EventStore,
    executor: Executor,
    plan: RatingPlan,
    products: list[tuple[ProductPlan, MetricPlan]],
    columns: Columns,
    ingested: Ingested,
    attributed: Attribution,
    unpriced: list[UnpricedUsage],
) -> Accounting:
    buckets = {"unmetered": 0, "unpriced": 0, "rated": 0}
    example_seqs = dict(attributed.example_seqs)
    classified = classification_query(
        list(plan.metrics.values()), products, columns, EXAMPLES, executor.dialect
    )
    for row in executor.rows(classified):
        buckets[row["bucket"]] = int(row["events"])
        if row["bucket"] != "rated":  # examples are for tracing problems
            example_seqs[row["bucket"]] = first_seqs(row["example_seqs"])
    found: dict[str, dict[str, tuple[int, list[int]]]] = {}
    for metric in plan.metrics.values():
        query = problems_query(metric, columns, EXAMPLES, executor.dialect)
        if query is None:
            continue
        # by name: the engines' hash aggregation leaves row order to chance
        for row in sorted(executor.rows(query), key=lambda r: str(r["problem"])):
            found.setdefault(metric.id, {})[row["problem"]] = (
                int(row["events"]),
                first_seqs(row["example_seqs"]),
            )
    shown = transaction_ids(
        store.connection,
        [
            *(s for seqs in example_seqs.values() for s in seqs),
            *(s for kinds in found.values() for _, seqs in kinds.values() for s in seqs),
        ],
    )
    examples = {bucket: [shown[s] for s in seqs] for bucket, seqs in example_seqs.items()}
    if ingested.rejected:
        examples["invalid"] = [
            r.transaction_id or f"{r.file}:{r.line}" for r in ingested.rejected[:EXAMPLES]
        ]
    problems = {
        metric_id: {
            problem: Problem(events=events, examples=[shown[s] for s in seqs])
            for problem, (events, seqs) in kinds.items()
        }
        for metric_id, kinds in found.items()
    }
    return Accounting(
        read=ingested.read,
        invalid=len(ingested.rejected),
        **attributed.counts,
        **buckets,
        examples=dict(sorted(examples.items())),
        rejected=ingested.rejected,
        conflicts=attributed.conflicts,
        metric_problems=problems,
        unpriced_usage=unpriced,
    )
