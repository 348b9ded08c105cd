"""The registry of checks, run in order over a schema-valid package."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compiler.checks import (
    composites,
    contract_terms,
    cycles,
    group_keys,
    metrics,
    product_kinds,
    rates,
    references,
    scenarios,
    sql_metrics,
    tiers,
    unused,
)
from compiler.checks.context import CheckContext
from compiler.diagnostics import Diagnostic
from compiler.loader import LoadedPackage

Check = Callable[[CheckContext], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    # References and the graph
    references.resolve_metrics,  # E0201
    references.resolve_products,  # E0201
    references.resolve_rate_cards,  # E0201
    references.resolve_pricing_units,  # E0201
    cycles.dependency_cycles,  # E0202
    # Products and metrics
    group_keys.pricing_keys_in_metric,  # E0203
    group_keys.presentation_keys_in_metric,  # E0204
    group_keys.disjoint_group_keys,  # E0205
    group_keys.pricing_group_values,  # E0206
    composites.composites_of_composites,  # E0207
    product_kinds.product_fields,  # E0208
    metrics.metric_shape,  # E0209
    product_kinds.term_product_types,  # E0210
    # Rates and contract terms
    rates.rate_overlaps,  # E0301
    tiers.tiers_ascend,  # E0302
    rates.rate_kinds,  # E0303
    rates.currencies,  # E0304
    rates.rate_units,  # E0305
    contract_terms.override_shapes,  # E0306
    contract_terms.balance_terms,  # E0306
    contract_terms.balance_ids,  # E0307
    # SQL metrics
    sql_metrics.sql_parses,  # E0401
    sql_metrics.sql_read_only,  # E0402
    sql_metrics.sql_sandbox,  # E0403
    sql_metrics.sql_result_columns,  # E0404
    sql_metrics.sql_properties,  # E0407
    sql_metrics.sql_binds,  # E0406
    # Scenarios
    scenarios.contract_templates,  # E0501
    scenarios.ingest_aliases,  # E0502
    scenarios.contracts_disjoint,  # E0503
    scenarios.event_paths,  # E0504
    scenarios.period_not_empty,  # E0505
    scenarios.contracts_end_after_start,  # E0506
    scenarios.contract_ids,  # E0507
    # Warnings
    unused.unused_objects,  # W0601
    unused.usage_products_priced,  # W0602
    unused.tags_select_products,  # W0603
)


def run_checks(loaded: LoadedPackage) -> list[Diagnostic]:
    if loaded.model is None:
        return []
    from compiler.checks.graph import build_graph

    context = CheckContext(loaded, loaded.model, build_graph(loaded))
    diagnostics: list[Diagnostic] = []
    for check in CHECKS:
        diagnostics.extend(check(context))
    return diagnostics
