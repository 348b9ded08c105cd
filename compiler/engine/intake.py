"""Intake: every event read goes to the first accounting bucket that applies, or on to metering.

Order (SPEC 5.3): invalid, duplicate, unknown_customer, outside_contract, outside_period. What
passes all five is attributed to a contract and one of its billing periods.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from compiler.engine.contracts import ContractInstance
from compiler.engine.events import Event, Rejection
from compiler.engine.invoice import Conflict, Rejected

EXAMPLES = 3


@dataclass
class Intake:
    read: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "invalid": 0,
            "duplicate": 0,
            "unknown_customer": 0,
            "outside_contract": 0,
            "outside_period": 0,
        }
    )
    examples: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    attributed: list[tuple[Event, str, datetime]] = field(default_factory=list)

    def count(self, bucket: str, example: str) -> None:
        self.counts[bucket] += 1
        shown = self.examples.setdefault(bucket, [])
        if len(shown) < EXAMPLES:
            shown.append(example)


def customer_index(
    customer_ids: Iterable[str], aliases: Mapping[str, Iterable[str]]
) -> dict[str, str]:
    """Ingest ID (a customer ID or any of its aliases) → customer ID."""
    index = {cid: cid for cid in customer_ids}
    for cid, names in aliases.items():
        for alias in names:
            index.setdefault(alias, cid)
    return index


def take_in(
    stream: Iterable[Event | Rejection],
    customers: Mapping[str, str],
    contracts: Mapping[str, list[ContractInstance]],
) -> Intake:
    intake = Intake()
    kept: dict[str, Event] = {}
    for item in stream:
        intake.read += 1
        if isinstance(item, Rejection):
            intake.count("invalid", item.transaction_id or f"{item.file}:{item.line}")
            intake.rejected.append(
                Rejected(
                    file=item.file,
                    line=item.line,
                    reason=item.reason,
                    transaction_id=item.transaction_id,
                )
            )
            continue
        event = item
        first = kept.get(event.transaction_id)
        if first is not None:
            intake.count("duplicate", event.transaction_id)
            if first.content() != event.content():
                intake.conflicts.append(
                    Conflict(
                        transaction_id=event.transaction_id,
                        kept=f"{first.file}:{first.line}",
                        duplicate=f"{event.file}:{event.line}",
                    )
                )
            continue
        kept[event.transaction_id] = event
        customer_id = customers.get(event.customer_id)
        if customer_id is None:
            intake.count("unknown_customer", event.transaction_id)
            continue
        contract = next(
            (c for c in contracts.get(customer_id, ()) if c.covers(event.timestamp)), None
        )
        if contract is None:
            intake.count("outside_contract", event.transaction_id)
            continue
        period = contract.period_of(event.timestamp)
        if period is None:
            intake.count("outside_period", event.transaction_id)
            continue
        attributed = Event(
            event.seq,
            event.transaction_id,
            customer_id,
            event.event_type,
            event.timestamp,
            event.properties,
            event.file,
            event.line,
        )
        intake.attributed.append((attributed, contract.contract_id, period.start))
    return intake
