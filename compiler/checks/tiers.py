"""Tiers ascend and end open (E0302), on rate entries and on override tiers.

The shape rule itself is the engine's (`compiler.engine.tiers.tiers_ascending`), so the
checker and the pricer agree on what a well-formed tier list is; this module only places the
problem on the offending tier, which the engine's message names as "tier N".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compiler.checks.context import CheckContext
from compiler.checks.terms import contract_terms
from compiler.diagnostics import Diagnostic, error
from compiler.engine.tiers import Tier, tiers_ascending
from compiler.model.rate_cards import Tier as TierModel
from compiler.source.package_source import SourceMap
from compiler.source.yaml_reader import YamlPath

_TIER_NUMBER = re.compile(r"\btier (\d+)")


def _check(
    tiers: Sequence[TierModel], where: str, positions: SourceMap, path: YamlPath
) -> Iterator[Diagnostic]:
    problem = tiers_ascending([Tier(t.up_to, t.price, t.flat) for t in tiers])
    if problem is None:
        return
    span = positions.value(path)
    match = _TIER_NUMBER.search(problem)
    if match and 0 < int(match.group(1)) <= len(tiers):
        index = int(match.group(1)) - 1
        field: tuple[str, ...] = ("up_to",) if tiers[index].up_to is not None else ()
        span = positions.value((*path, index, *field))
    yield error(
        "E0302",
        f"{where}: {problem}",
        span,
        "tiers ascend by up_to (each the inclusive upper bound); the last tier has no up_to",
    )


def tiers_ascend(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0302: tiers' up_to are positive and ascending, and only the last tier is open."""
    for card_id, card in ctx.package.rate_cards.items():
        for pid, entries in card.rates.items():
            for i, entry in enumerate(entries):
                if entry.tiers is not None:
                    yield from _check(
                        entry.tiers,
                        f"rate {i + 1} of '{pid}'",
                        ctx.positions,
                        ("rate_cards", card_id, "rates", pid, i, "tiers"),
                    )
    for site in contract_terms(ctx.loaded):
        for i, override in enumerate(site.terms.overrides):
            if override.tiers is not None:
                yield from _check(
                    override.tiers,
                    f"override {i + 1} of {site.owner}",
                    site.positions,
                    (*site.path, "overrides", i, "tiers"),
                )
