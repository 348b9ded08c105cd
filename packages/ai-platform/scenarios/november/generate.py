"""Generate events.jsonl for the ai-platform `november` scenario.

Stdlib only and deterministic: a fixed seed, events written in a fixed order with sorted keys,
so running it twice gives byte-identical output. Run: python3 generate.py
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
SEED = 20261101
PERIOD_START = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 12, 1, tzinfo=UTC)

# (input tokens range, output tokens range) per request, by model
MODEL_SHAPES = {
    "kestrel-large": ((4_000, 60_000), (300, 6_000)),
    "kestrel-medium": ((1_000, 20_000), (100, 3_000)),
    "kestrel-small": ((100, 4_000), (20, 600)),
}

CUSTOMERS: dict[str, Spec] = {
    "northwind": {
        "ids": ["northwind", "northwind-prod", "5f0c2a7e-31d4-4b6e-9a0f-7d2e8c1b4a93"],
        "requests": 1100,
        "searches": 110,
        "interpreter": 25,
        "models": {"kestrel-large": 0.45, "kestrel-medium": 0.35, "kestrel-small": 0.20},
        "output_scale": 1.0,
        "regions": ["us-east", "us-east", "eu-west"],
        "users": ["u-ana", "u-ben", "u-chen", "u-dara", "u-eli", "u-fatima", "u-gus", "u-hana"],
        "projects": ["support-bot", "doc-search", "sales-agent"],
    },
    "pixelforge": {
        "ids": ["pixelforge", "pixelforge-app"],
        "requests": 480,
        "searches": 35,
        "interpreter": 10,
        "models": {"kestrel-large": 0.45, "kestrel-medium": 0.25, "kestrel-small": 0.30},
        "output_scale": 1.6,  # storyboard drafts: long outputs
        "regions": ["us-east", "ap-south"],
        "users": ["u-iris", "u-jon", "u-kofi"],
        "projects": ["asset-tagger", "storyboard"],
    },
}


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def random_time(rng: random.Random) -> datetime:
    """A time in the period, weekdays and working hours more likely."""
    seconds = int((PERIOD_END - PERIOD_START).total_seconds())
    while True:
        ts = PERIOD_START + timedelta(seconds=rng.randrange(seconds))
        weight = (1.0 if ts.weekday() < 5 else 0.35) * (1.0 if 7 <= ts.hour < 20 else 0.4)
        if rng.random() < weight:
            return ts


def tx_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def llm_request(rng: random.Random, spec: Spec, ts: datetime) -> Event:
    model = rng.choices(list(spec["models"]), weights=list(spec["models"].values()))[0]
    (in_lo, in_hi), (out_lo, out_hi) = MODEL_SHAPES[model]
    return {
        "transaction_id": tx_id(rng),
        "customer_id": rng.choice(spec["ids"]),
        "event_type": "llm_request",
        "timestamp": iso(ts),
        "properties": {
            "model_name": model,
            "region": rng.choice(spec["regions"]),
            "user_id": rng.choice(spec["users"]),
            "project_id": rng.choice(spec["projects"]),
            "input_tokens": rng.randint(in_lo, in_hi),
            "output_tokens": int(rng.randint(out_lo, out_hi) * spec["output_scale"]),
            "latency_ms": rng.randint(120, 9_000),
        },
    }


def tool_call(rng: random.Random, spec: Spec, ts: datetime, tool: str) -> Event:
    return {
        "transaction_id": tx_id(rng),
        "customer_id": rng.choice(spec["ids"]),
        "event_type": "tool_call",
        "timestamp": iso(ts),
        "properties": {
            "tool": tool,
            "model_name": rng.choice(["kestrel-large", "kestrel-medium"]),
            "project_id": rng.choice(spec["projects"]),
        },
    }


def regular_events(rng: random.Random) -> list[Event]:
    events = []
    for spec in CUSTOMERS.values():
        for _ in range(spec["requests"]):
            events.append(llm_request(rng, spec, random_time(rng)))
        for _ in range(spec["searches"]):
            events.append(tool_call(rng, spec, random_time(rng), "web_search"))
        for _ in range(spec["interpreter"]):
            events.append(tool_call(rng, spec, random_time(rng), "code_interpreter"))
    events.sort(key=lambda e: (e["timestamp"], e["transaction_id"]))
    return events


def edge_events(rng: random.Random) -> list[Event]:
    """Events that exercise the accounting; their transaction IDs say what each one is."""
    nw, pf = CUSTOMERS["northwind"], CUSTOMERS["pixelforge"]

    def request(spec: Spec, tid: str, when: str, customer: str, **props: object) -> Event:
        event = llm_request(rng, spec, datetime.fromisoformat(when.replace("Z", "+00:00")))
        event.update(transaction_id=tid, customer_id=customer, timestamp=when)
        event["properties"].update(props)
        return event

    missing = request(pf, "edge-missing-input-tokens", "2026-11-18T13:02:11Z", "pixelforge")
    del missing["properties"]["input_tokens"]
    unmetered = {
        "transaction_id": "edge-unmetered-file-upload",
        "customer_id": "pixelforge-app",
        "event_type": "file_upload",
        "timestamp": "2026-11-09T10:41:57Z",
        "properties": {"bytes": 5_242_880, "project_id": "storyboard"},
    }
    tests = [
        request(
            pf, f"edge-test-traffic-{n}", f"2026-11-{day}T15:0{n}:00Z", "pixelforge", is_test=True
        )
        for n, day in ((1, "04"), (2, "12"), (3, "26"))
    ]
    return [
        request(
            nw,
            "edge-period-start",
            "2026-11-01T00:00:00Z",
            "northwind",
            model_name="kestrel-small",
            input_tokens=1000,
            output_tokens=200,
        ),
        request(
            pf,
            "edge-period-end",
            "2026-12-01T00:00:00Z",
            "pixelforge",
            model_name="kestrel-small",
            input_tokens=1000,
            output_tokens=200,
        ),
        request(
            nw,
            "edge-offset-timestamp",
            "2026-12-01T00:30:00+01:00",
            "northwind-prod",
            model_name="kestrel-small",
            input_tokens=2000,
            output_tokens=400,
        ),
        request(nw, "edge-unknown-customer", "2026-11-14T08:15:00Z", "contoso-staging"),
        request(nw, "edge-before-contract", "2026-10-29T16:20:00Z", "northwind-prod"),
        request(
            nw, "edge-non-numeric-input", "2026-11-21T11:11:11Z", "northwind", input_tokens="lots"
        ),
        request(
            nw,
            "edge-numeric-string-input",
            "2026-11-22T09:30:00Z",
            "northwind",
            input_tokens="1500",
        ),
        request(
            nw,
            "edge-unrated-model",
            "2026-11-24T17:45:00Z",
            "northwind",
            model_name="kestrel-vision-preview",
        ),
        missing,
        unmetered,
        *tests,
    ]


def main() -> None:
    rng = random.Random(SEED)
    events = regular_events(rng)
    edges = edge_events(rng)
    lines = [json.dumps(e, sort_keys=True) for e in events]

    # Retries deliver some events twice, later in the stream: two exact copies and one copy
    # whose output_tokens changed (a conflict; the first delivery is the one kept).
    exact_a, exact_b, conflicting = events[150], events[900], events[1200]
    changed = json.loads(json.dumps(conflicting))
    changed["properties"]["output_tokens"] += 1000
    lines.insert(1300, json.dumps(changed, sort_keys=True))
    lines.insert(1000, json.dumps(exact_b, sort_keys=True))
    lines.insert(400, json.dumps(exact_a, sort_keys=True))

    # The edge events go in at spread positions; then one truncated line, as from a crashed writer.
    for n, edge in enumerate(edges):
        lines.insert(90 + n * 110, json.dumps(edge, sort_keys=True))
    malformed = json.dumps(llm_request(rng, CUSTOMERS["pixelforge"], PERIOD_START), sort_keys=True)
    lines.insert(700, malformed[: len(malformed) // 2])

    out = Path(__file__).with_name("events.jsonl")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} lines to {out.name}")
    print(f"exact duplicates: {exact_a['transaction_id']}, {exact_b['transaction_id']}")
    print(f"conflicting duplicate: {conflicting['transaction_id']}")


if __name__ == "__main__":
    main()
