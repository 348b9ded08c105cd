"""Generate events.jsonl for the saas-seats `november` scenario.

Stdlib only and deterministic (fixed seed, fixed order, sorted keys): running it twice gives
byte-identical output. Run: python3 generate.py
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Event = dict[str, Any]  # one JSON object of events.jsonl
Spec = dict[str, Any]  # how one customer uses the product
SEED = 20261130
PERIOD_END = datetime(2026, 12, 1, tzinfo=UTC)

CUSTOMERS: dict[str, Spec] = {
    "lumen": {  # a design agency on Flex since August, integration-heavy
        "ids": ["lumen", "ws_lumen_design"],
        "start": datetime(2026, 11, 1, tzinfo=UTC),
        "members": 14,
        "guests": 3,
        "active_days": (3, 14),
        "api_calls": 1_000,
        "ai_actions": 180,
        "workspaces": ["lumen-studio", "lumen-clients"],
        "data_region": "us",
        "storage_gb": (96.0, 108.0),
    },
    "quartz": {  # signed up for Flex on 2026-11-12 after a trial
        "ids": ["quartz", "ws_quartz_analytics"],
        "start": datetime(2026, 11, 12, tzinfo=UTC),
        "members": 6,
        "guests": 0,
        "active_days": (2, 9),
        "api_calls": 120,
        "ai_actions": 40,
        "workspaces": ["quartz-main"],
        "data_region": "eu",
        "storage_gb": (4.0, 12.0),
    },
    "helios": {  # Business plan from 2026-11-01 with 60 seats bought
        "ids": ["helios", "ws_helios_health", "helios-sso"],
        "start": datetime(2026, 11, 1, tzinfo=UTC),
        "members": 72,
        "guests": 5,
        "active_days": (3, 12),
        "api_calls": 400,
        "ai_actions": 260,
        "workspaces": ["helios-clinical", "helios-ops", "helios-research"],
        "data_region": "eu",
        "storage_gb": (380.0, 415.0),
    },
}
ENDPOINT_GROUPS = ["documents", "comments", "search", "webhooks"]
OUTCOMES = ["ok"] * 18 + ["rate_limited", "auth_failed"]


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def tx_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def event(rng: random.Random, spec: Spec, kind: str, ts: datetime, **props: object) -> Event:
    return {
        "transaction_id": tx_id(rng),
        "customer_id": rng.choice(spec["ids"]),
        "event_type": kind,
        "timestamp": iso(ts),
        "properties": props,
    }


def working_time(rng: random.Random, start: datetime) -> datetime:
    seconds = int((PERIOD_END - start).total_seconds())
    while True:
        ts = start + timedelta(seconds=rng.randrange(seconds))
        if rng.random() < (1.0 if ts.weekday() < 5 else 0.2) * (1.0 if 8 <= ts.hour < 19 else 0.3):
            return ts


def customer_events(rng: random.Random, name: str, spec: Spec) -> list[Event]:
    start = spec["start"]
    days = (PERIOD_END - start).days
    users = [(f"{name}-u{n:03d}", "member") for n in range(1, spec["members"] + 1)]
    users += [(f"{name}-g{n:02d}", "guest") for n in range(1, spec["guests"] + 1)]
    users.append((f"{name}-svc-sync", "service"))
    events = []
    for user_id, account_type in users:
        low, high = spec["active_days"]
        for day in sorted(rng.sample(range(days), min(days, rng.randint(low, high)))):
            ts = start + timedelta(days=day, seconds=rng.randrange(8 * 3600, 18 * 3600))
            events.append(
                event(
                    rng,
                    spec,
                    "user_active",
                    ts,
                    user_id=user_id,
                    account_type=account_type,
                    workspace_id=rng.choice(spec["workspaces"]),
                    client=rng.choice(["web", "web", "desktop", "ios"]),
                )
            )
    for _ in range(spec["api_calls"]):
        events.append(
            event(
                rng,
                spec,
                "api_request",
                working_time(rng, start),
                endpoint_group=rng.choice(ENDPOINT_GROUPS),
                workspace_id=rng.choice(spec["workspaces"]),
                outcome=rng.choice(OUTCOMES),
            )
        )
    for _ in range(spec["ai_actions"]):
        feature = "summarize" if rng.random() < 0.6 else "draft"
        events.append(
            event(
                rng,
                spec,
                "ai_action",
                working_time(rng, start),
                feature=feature,
                workspace_id=rng.choice(spec["workspaces"]),
                user_id=rng.choice(users[: spec["members"]])[0],
            )
        )
    low, high = spec["storage_gb"]
    for day in range(days):
        used = round(low + (high - low) * (day + rng.random()) / days, 2)
        ts = start + timedelta(days=day, hours=23, minutes=30)
        events.append(
            event(rng, spec, "storage_report", ts, data_region=spec["data_region"], used_gb=used)
        )
    return events


def trial_events(rng: random.Random) -> list[Event]:
    """Quartz's trial, before its contract starts: no contract covers these."""
    spec = CUSTOMERS["quartz"]
    events = []
    for n in range(1, 5):
        ts = datetime(2026, 11, 2 + 2 * n, 14, 0, tzinfo=UTC)
        trial = event(
            rng,
            spec,
            "user_active",
            ts,
            user_id=f"quartz-u00{n}",
            account_type="member",
            workspace_id="quartz-main",
            client="web",
        )
        trial["transaction_id"] = f"trial-before-contract-{n}"
        events.append(trial)
    return events


def main() -> None:
    rng = random.Random(SEED)
    events = []
    for name, spec in CUSTOMERS.items():
        events.extend(customer_events(rng, name, spec))
    events.extend(trial_events(rng))
    events.sort(key=lambda e: (e["timestamp"], e["transaction_id"]))

    out = Path(__file__).with_name("events.jsonl")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        for e in events:
            f.write(json.dumps(e, sort_keys=True) + "\n")
    print(f"wrote {len(events)} events to {out.name}")


if __name__ == "__main__":
    main()
