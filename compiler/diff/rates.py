"""Rate card changes, judged against `--as-of`.

A rate entry is identified by its product, its pricing group values and its `starting_at`. It is
*released* when it is already in effect at `--as-of` (no `starting_at`, or one at or before it):
invoices may have been issued at its price, so changing or removing it in place is breaking. The
way to change a released price is to end it (`ending_before`) and add a new entry that starts
later; ending it after `--as-of` is a warning, the new entry is info.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compiler.diff.changes import ChangeLog, describe, labels_changed, objects
from compiler.model import Package
from compiler.model.common import property_text
from compiler.model.rate_cards import RateCard, RateEntry
from compiler.report.labels import day, describe_values
from compiler.source.yaml_reader import YamlPath

RateKey = tuple[str, tuple[tuple[str, str], ...], datetime | None, int]

_WINDOW = ("starting_at", "ending_before", "pricing_group_values")

RELEASED_HINT = (
    "a released price may be on issued invoices: keep this entry, end it with `ending_before`, "
    "and add a new entry whose `starting_at` is after --as-of"
)


def rate_card_changes(log: ChangeLog, base: Package, new: Package, as_of: datetime) -> None:
    for card_id in objects(
        log,
        "rate_cards",
        "rate card",
        base.rate_cards,
        new.rate_cards,
        ("D0310", "D0311"),
        "templates on it no longer load; end its rates instead",
    ):
        before, after = base.rate_cards[card_id], new.rate_cards[card_id]
        path: YamlPath = ("rate_cards", card_id)
        if before.currency != after.currency:
            log.add(
                "D0301",
                f"rate card '{card_id}' currency {before.currency} → {after.currency}",
                (*path, "currency"),
                hint="add a new rate card in the new currency and move templates to it",
                before=before.currency,
                after=after.currency,
            )
        _unit_changes(log, card_id, before, after)
        _rate_changes(log, card_id, before, after, as_of)
        labels_changed(log, "D0312", f"rate card '{card_id}'", path, before, after)


def _unit_changes(log: ChangeLog, card_id: str, before: RateCard, after: RateCard) -> None:
    for unit in sorted(before.pricing_units.keys() | after.pricing_units.keys()):
        old, now = before.pricing_units.get(unit), after.pricing_units.get(unit)
        if old != now:
            log.add(
                "D0309",
                f"rate card '{card_id}' pricing unit '{unit}': {describe(old)} → {describe(now)}",
                ("rate_cards", card_id, "pricing_units", unit),
                removed=now is None,
                before=old,
                after=now,
            )


def _entries(card: RateCard) -> dict[RateKey, tuple[str, int, RateEntry]]:
    """Entries by identity; a repeated identity (an overlap `plan validate` reports) is
    told apart by its occurrence."""
    found: dict[RateKey, tuple[str, int, RateEntry]] = {}
    for product_id, entries in card.rates.items():
        for index, entry in enumerate(entries):
            values = tuple(
                sorted((k, property_text(v)) for k, v in entry.pricing_group_values.items())
            )
            occurrence = 0
            while (product_id, values, entry.starting_at, occurrence) in found:
                occurrence += 1
            found[(product_id, values, entry.starting_at, occurrence)] = (product_id, index, entry)
    return found


def _label(card_id: str, key: RateKey) -> str:
    product_id, values, starting_at, _ = key
    since = f" from {day(starting_at)}" if starting_at else ""
    return f"rate of {product_id}{describe_values(dict(values))}{since} on '{card_id}'"


def _released(entry: RateEntry, as_of: datetime) -> bool:
    return entry.starting_at is None or entry.starting_at <= as_of


def _price(entry: RateEntry) -> dict[str, Any]:
    """What an entry charges, apart from when: tier mode spelled out (graduated by default)."""
    price = {name: getattr(entry, name) for name in RateEntry.model_fields if name not in _WINDOW}
    if entry.tiers is not None and price["tier_mode"] is None:
        price["tier_mode"] = "graduated"
    return price


def _until(end: datetime | None, as_of: datetime) -> datetime:
    """The part of an entry's end that already happened at --as-of."""
    return as_of if end is None or end > as_of else end


def _rate_changes(
    log: ChangeLog, card_id: str, before: RateCard, after: RateCard, as_of: datetime
) -> None:
    old_entries, new_entries = _entries(before), _entries(after)
    for key in sorted(old_entries.keys() - new_entries.keys(), key=str):
        product_id, index, entry = old_entries[key]
        released = _released(entry, as_of)
        log.add(
            "D0303" if released else "D0308",
            f"{'released' if released else 'scheduled'} {_label(card_id, key)} removed",
            ("rate_cards", card_id, "rates", product_id, index),
            removed=True,
            hint=RELEASED_HINT if released else None,
            before=entry,
        )
    for key in sorted(new_entries.keys() - old_entries.keys(), key=str):
        product_id, index, entry = new_entries[key]
        path: YamlPath = ("rate_cards", card_id, "rates", product_id, index)
        if _released(entry, as_of):
            since = day(entry.starting_at) if entry.starting_at else "the beginning of time"
            log.add(
                "D0305",
                f"new {_label(card_id, key)} is in effect from {since}, before "
                f"--as-of {day(as_of)}: it prices past usage too",
                path,
                after=entry,
            )
        else:
            log.add("D0304", f"new {_label(card_id, key)} (scheduled)", path, after=entry)
    for key in sorted(old_entries.keys() & new_entries.keys(), key=str):
        _entry_change(log, card_id, key, old_entries[key][2], new_entries[key], as_of)


def _entry_change(
    log: ChangeLog,
    card_id: str,
    key: RateKey,
    old: RateEntry,
    new: tuple[str, int, RateEntry],
    as_of: datetime,
) -> None:
    product_id, index, entry = new
    path: YamlPath = ("rate_cards", card_id, "rates", product_id, index)
    old_price, new_price = _price(old), _price(entry)
    changed = [name for name in old_price if old_price[name] != new_price[name]]
    end_moved = old.ending_before != entry.ending_before
    if not changed and not end_moved:
        return
    details = [f"{n} {describe(old_price[n])} → {describe(new_price[n])}" for n in changed]
    if end_moved:
        details.append(
            f"ending_before {describe(old.ending_before)} → {describe(entry.ending_before)}"
        )
    location = log.first_present([(*path, n) for n in [*changed, "ending_before"]], path)
    before = {n: old_price[n] for n in changed}
    after = {n: new_price[n] for n in changed}
    if end_moved:
        before["ending_before"], after["ending_before"] = old.ending_before, entry.ending_before
    if not _released(old, as_of):
        log.add(
            "D0307",
            f"scheduled {_label(card_id, key)} changed: {'; '.join(details)}",
            location,
            before=before,
            after=after,
        )
    elif changed or _until(old.ending_before, as_of) != _until(entry.ending_before, as_of):
        log.add(
            "D0302",
            f"released {_label(card_id, key)} changed in place: {'; '.join(details)}",
            location,
            hint=RELEASED_HINT,
            before=before,
            after=after,
        )
    else:
        log.add(
            "D0306",
            f"released {_label(card_id, key)} {_end_words(old, entry)}",
            location,
            before=before,
            after=after,
        )


def _end_words(old: RateEntry, new: RateEntry) -> str:
    if old.ending_before is None and new.ending_before is not None:
        return f"now ends before {day(new.ending_before)}"
    if new.ending_before is None and old.ending_before is not None:
        return f"no longer ends (ended before {day(old.ending_before)})"
    assert old.ending_before is not None and new.ending_before is not None
    return f"end moved from {day(old.ending_before)} to {day(new.ending_before)}"
