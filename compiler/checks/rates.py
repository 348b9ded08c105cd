"""Rate cards: entries that do not overlap (E0301), rate kinds that fit the product (E0303),
real currencies (E0304) and pricing units that the card can convert (E0305)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from compiler.checks.context import CheckContext
from compiler.checks.intervals import overlapping
from compiler.checks.suggest import did_you_mean
from compiler.diagnostics import Diagnostic, error
from compiler.model.common import property_text
from compiler.model.currencies import MINOR_UNITS
from compiler.model.rate_cards import RateEntry

_Moment = datetime | None

_KINDS = ("price", "tiers", "percentage")


def _when(moment: datetime | None, open_end: str) -> str:
    return open_end if moment is None else moment.isoformat().replace("+00:00", "Z")


def rate_overlaps(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0301: a product's entries for the same pricing group values do not overlap in time."""
    for card_id, card in ctx.package.rate_cards.items():
        for pid, entries in card.rates.items():
            groups: dict[frozenset[tuple[str, str]], list[tuple[_Moment, _Moment, int]]] = {}
            for i, entry in enumerate(entries):
                path = ("rate_cards", card_id, "rates", pid, i)
                start, end = entry.starting_at, entry.ending_before
                if start is not None and end is not None and end <= start:
                    yield error(
                        "E0301",
                        f"rate {i + 1} of '{pid}' ends ({_when(end, '')}) before it starts "
                        f"({_when(start, '')})",
                        ctx.value(*path, "ending_before"),
                        "ending_before is exclusive and must be after starting_at",
                    )
                    continue
                values = frozenset(
                    (k, property_text(v)) for k, v in entry.pricing_group_values.items()
                )
                groups.setdefault(values, []).append((start, end, i))
            for intervals in groups.values():
                for i, j in sorted(overlapping(intervals)):
                    path = ("rate_cards", card_id, "rates", pid, i)
                    later = _later(entries[i].starting_at, entries[j].starting_at)
                    yield error(
                        "E0301",
                        f"rate {i + 1} of '{pid}' overlaps rate {j + 1} "
                        f"(line {ctx.value('rate_cards', card_id, 'rates', pid, j).line}) "
                        f"for the same pricing group values, from {_when(later, 'the start')}",
                        ctx.value(*path, "starting_at")
                        if entries[i].starting_at is not None
                        else ctx.value(*path),
                        "end the earlier rate (ending_before) where the later one starts",
                    )


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def rate_kinds(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0303: each rate entry prices its product the way the product's type is priced."""
    for card_id, card in ctx.package.rate_cards.items():
        for pid, entries in card.rates.items():
            product = ctx.package.products.get(pid)
            if product is None:
                continue
            if product.type == "fixed":
                yield error(
                    "E0303",
                    f"fixed product '{pid}' cannot be on a rate card",
                    ctx.key("rate_cards", card_id, "rates", pid),
                    "fixed products are priced by the contract (commits, credits, scheduled "
                    "charges)",
                )
                continue
            for i, entry in enumerate(entries):
                yield from _entry_kind(
                    ctx,
                    ("rate_cards", card_id, "rates", pid, i),
                    f"rate {i + 1} of '{pid}'",
                    pid,
                    product.type,
                    entry,
                )


def _entry_kind(
    ctx: CheckContext,
    path: tuple[str | int, ...],
    where: str,
    pid: str,
    kind: str,
    entry: RateEntry,
) -> Iterator[Diagnostic]:
    given = [k for k in _KINDS if getattr(entry, k) is not None]
    if len(given) != 1:
        yield error(
            "E0303",
            f"{where} needs exactly one of price, tiers, percentage"
            + (f" (found {', '.join(given)})" if given else ""),
            ctx.key(*path, given[1]) if len(given) > 1 else ctx.value(*path),
            "a composite takes a percentage; other products a price or tiers",
        )
    if kind == "composite" and entry.percentage is None and len(given) == 1:
        yield error(
            "E0303",
            f"{where}: composite product '{pid}' is priced by a percentage",
            ctx.key(*path, given[0]),
            "e.g. {percentage: 0.10} for 10% of its products",
        )
    if kind != "composite":
        for field in ("percentage", "minimum"):
            if getattr(entry, field) is not None:
                yield error(
                    "E0303",
                    f"{where}: `{field}` is for composite products only",
                    ctx.key(*path, field),
                    f"'{pid}' is a {kind} product",
                )
    elif entry.minimum is not None and entry.percentage is None:
        yield error(
            "E0303",
            f"{where}: `minimum` needs a percentage",
            ctx.key(*path, "minimum"),
            "a minimum bounds a composite's percentage charge",
        )
    if kind == "subscription" and entry.billing_frequency is None:
        yield error(
            "E0303",
            f"{where}: a subscription rate needs a billing_frequency",
            ctx.value(*path),
            "billing_frequency: monthly | quarterly | annual",
        )
    if kind != "subscription" and entry.billing_frequency is not None:
        yield error(
            "E0303",
            f"{where}: only subscriptions have a billing_frequency",
            ctx.key(*path, "billing_frequency"),
            f"'{pid}' is a {kind} product",
        )
    if kind == "subscription" and entry.tiers is not None:
        yield error(
            "E0303",
            f"{where}: a subscription is priced per unit, not by tiers",
            ctx.key(*path, "tiers"),
            "give `price` (per unit of the subscription)",
        )
    if entry.tier_mode is not None and entry.tiers is None:
        yield error(
            "E0303",
            f"{where}: tier_mode without tiers",
            ctx.key(*path, "tier_mode"),
            "remove tier_mode, or price by tiers",
        )


def currencies(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0304: a rate card's currency is an ISO 4217 code with a minor unit."""
    for card_id, card in ctx.package.rate_cards.items():
        if card.currency in MINOR_UNITS:
            continue
        upper = card.currency.upper()
        hint = (
            f"currency codes are upper case: '{upper}'"
            if upper in MINOR_UNITS
            else did_you_mean(card.currency, MINOR_UNITS)
            or "use an ISO 4217 code such as USD, EUR, JPY"
        )
        yield error(
            "E0304",
            f"rate card '{card_id}': '{card.currency}' is not an ISO 4217 currency code",
            ctx.value("rate_cards", card_id, "currency"),
            hint,
        )


def rate_units(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0305: a rate's `unit` has a fiat value in its card's pricing_units, and that value is
    positive."""
    defined = ctx.package.pricing_units
    for card_id, card in ctx.package.rate_cards.items():
        for unit, worth in card.pricing_units.items():
            if worth <= 0:
                yield error(
                    "E0305",
                    f"rate card '{card_id}': pricing unit '{unit}' is worth "
                    f"{worth}; it must be worth more than 0",
                    ctx.value("rate_cards", card_id, "pricing_units", unit),
                    f"how much {card.currency} one '{unit}' is worth",
                )
        for pid, entries in card.rates.items():
            for i, entry in enumerate(entries):
                # An undefined unit is an unresolved reference (E0201).
                if entry.unit is None or entry.unit not in defined:
                    continue
                if entry.unit not in card.pricing_units:
                    yield error(
                        "E0305",
                        f"rate {i + 1} of '{pid}' is priced in '{entry.unit}', which rate card "
                        f"'{card_id}' gives no value in {card.currency}",
                        ctx.value("rate_cards", card_id, "rates", pid, i, "unit"),
                        f"add `pricing_units: {{{entry.unit}: <{card.currency} per unit>}}` "
                        f"to rate card '{card_id}'",
                    )
