"""Replay: events through a rating plan into invoices and accounting.

intake (Python: parse, dedup, attribute) → metering (SQL on DuckDB) → usage rating (Decimal)
→ contract terms → invoices, with every event read landing in exactly one accounting bucket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from compiler.engine.contracts import ContractInstance, place_contracts
from compiler.engine.events import read_events
from compiler.engine.intake import EXAMPLES, Intake, customer_index, take_in
from compiler.engine.invoice import Accounting, Invoice, Problem, ReplayResult, UnpricedUsage
from compiler.engine.invoices import assemble_invoice
from compiler.engine.metering import (
    classification_query,
    presentation_alias,
    pricing_alias,
    problems_query,
    usage_query,
)
from compiler.engine.overrides import PlacedOverride
from compiler.engine.money import plain
from compiler.engine.periods import Period
from compiler.engine.store import EventStore, aware
from compiler.engine.usage import Aggregate, GroupValues, Pricing, UsageRating, rate_usage, segments
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


def placed_overrides(contract: ContractInstance) -> list[PlacedOverride]:
    return [PlacedOverride(o, *contract.window(o.window)) for o in contract.terms.overrides]


def replay(plan: RatingPlan, inputs: ReplayInput) -> ReplayResult:
    contracts = place_contracts(plan, inputs.customers, inputs.period)
    by_customer: dict[str, list[ContractInstance]] = defaultdict(list)
    for contract in contracts:
        by_customer[contract.customer_id].append(contract)
    index = customer_index(inputs.customers,
                           {cid: c.ingest_aliases for cid, c in inputs.customers.items()})
    intake = take_in(read_events(list(inputs.event_files)), index, by_customer)
    usage_products = [
        (p, plan.metrics[p.metric]) for p in plan.products.values()
        if p.type == "usage" and p.metric is not None and plan.metrics[p.metric].kind == "simple"
    ]
    with EventStore() as store:
        store.load(intake.attributed)
        overrides = {c.contract_id: placed_overrides(c) for c in contracts}
        store.create_segments([
            (product.id, c.contract_id, period.start, start, end)
            for c in contracts for period in c.periods for product, metric in usage_products
            for start, end in segments(period, metric, c.rate_card.rates.get(product.id, ()),
                                       overrides[c.contract_id], product.id)
        ])
        measured = {product.id: _aggregates(store, product, metric)
                    for product, metric in usage_products}
        invoices: list[Invoice] = []
        unpriced: list[UnpricedUsage] = []
        priced_rows = []
        for contract in contracts:
            pricing = Pricing.of(contract.rate_card.currency, plan.package.rounding)
            for period in contract.periods:
                ratings: list[UsageRating] = []
                for product, _ in usage_products:
                    rating = rate_usage(
                        customer_id=contract.customer_id, contract_id=contract.contract_id,
                        period=period, product=product,
                        rates=contract.rate_card.rates.get(product.id),
                        overrides=overrides[contract.contract_id],
                        aggregates=measured[product.id].get((contract.contract_id, period.start),
                                                            []),
                        pricing=pricing,
                    )
                    ratings.append(rating)
                    unpriced.extend(rating.unpriced)
                    priced_rows.extend((product.id, contract.contract_id, s, e, v)
                                       for s, e, v in rating.priced_groups)
                invoices.append(assemble_invoice(
                    plan, contract, period, [line for r in ratings for line in r.lines],
                    pricing, inputs.as_of))
        store.create_priced(priced_rows)
        accounting = _accounting(store, plan, usage_products, intake, unpriced)
    return ReplayResult(scenario=inputs.name, invoices=invoices, accounting=accounting)


AggregateKey = tuple[str, datetime]


def _aggregates(
    store: EventStore, product: ProductPlan, metric: MetricPlan
) -> dict[AggregateKey, list[Aggregate]]:
    """Aggregates by (contract, period start), with presentation detail folded in."""
    found: dict[tuple[str, datetime, datetime, GroupValues], Aggregate] = {}
    details = []
    for row in store.rows(usage_query(product, metric)):
        values: GroupValues = tuple(row[pricing_alias(i)]
                                    for i in range(len(product.pricing_group_keys)))
        key = (row["contract_id"], aware(row["period_start"]), aware(row["segment_start"]), values)
        if row["detail"]:
            shown = tuple(row[presentation_alias(i)]
                          for i in range(len(product.presentation_group_keys)))
            details.append((key, shown, plain(row["value"])))
            continue
        found[key] = Aggregate(segment=(key[2], key[2]), values=values, value=plain(row["value"]),
                               events=int(row["events"]))
    for key, shown, value in details:
        found[key].presentation[shown] = value
    result: dict[AggregateKey, list[Aggregate]] = defaultdict(list)
    ends = _segment_ends(store, product.id)
    for (contract_id, period_start, segment_start, _), aggregate in sorted(
        found.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])
    ):
        aggregate.segment = (segment_start, ends[(contract_id, segment_start)])
        result[(contract_id, period_start)].append(aggregate)
    return result


def _segment_ends(store: EventStore, product_id: str) -> dict[tuple[str, datetime], datetime]:
    rows = store.connection.execute(
        "SELECT contract_id, segment_start, segment_end FROM segments WHERE product_id = ?",
        [product_id],
    ).fetchall()
    return {(c, aware(s)): aware(e) for c, s, e in rows}


def _accounting(
    store: EventStore, plan: RatingPlan, usage_products: list[tuple[ProductPlan, MetricPlan]],
    intake: Intake, unpriced: list[UnpricedUsage],
) -> Accounting:
    buckets = {"unmetered": 0, "unpriced": 0, "rated": 0}
    examples = dict(intake.examples)
    sql = classification_query(list(plan.metrics.values()), usage_products, EXAMPLES)
    for row in store.rows(sql):
        buckets[row["bucket"]] = int(row["events"])
        if row["bucket"] != "rated":  # examples are for tracing problems
            examples[row["bucket"]] = list(row["examples"])
    problems: dict[str, dict[str, Problem]] = {}
    for metric in plan.metrics.values():
        query = problems_query(metric, EXAMPLES)
        if query is None:
            continue
        for row in store.rows(query):
            problems.setdefault(metric.id, {})[row["problem"]] = Problem(
                events=int(row["events"]), examples=list(row["examples"]))
    return Accounting(
        read=intake.read, **intake.counts, **buckets,
        examples=dict(sorted(examples.items())), rejected=intake.rejected,
        conflicts=intake.conflicts, metric_problems=problems, unpriced_usage=unpriced,
    )
