"""Generate events.jsonl for the ai-platform `enterprise-quarter` scenario.

One enterprise customer whose contract starts on 2026-10-15 and whose usage grows month over
month. Stdlib only and deterministic (fixed seed, fixed order, sorted keys): running it twice
gives byte-identical output. Run: python3 generate.py
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Event = dict[str, Any]  # one JSON object of events.jsonl
SEED = 20261015

# Requests per stretch of time: the contract starts mid-October and usage ramps up.
STRETCHES = [
    (datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), 420),
    (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), 950),
    (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), 1250),
]
SEARCHES_PER_REQUEST = 0.08

# (input tokens range, output tokens range) per request, by model
MODEL_SHAPES = {
    "kestrel-large": ((4_000, 60_000), (300, 6_000)),
    "kestrel-medium": ((1_000, 20_000), (100, 3_000)),
    "kestrel-small": ((100, 4_000), (20, 600)),
}
MODEL_MIX = {"kestrel-large": 0.55, "kestrel-medium": 0.30, "kestrel-small": 0.15}
INPUT_SCALE = 3.0  # contract review: long documents in, long redlines out
OUTPUT_SCALE = 3.2

CUSTOMER_IDS = ["globex", "globex-prod", "globex-eu"]
REGION_BY_ID = {"globex": "us-east", "globex-prod": "us-east", "globex-eu": "eu-west"}
USERS = [
    "u-amara",
    "u-bjorn",
    "u-carla",
    "u-deshawn",
    "u-emi",
    "u-farid",
    "u-greta",
    "u-hiro",
    "u-ines",
    "u-jamal",
]
PROJECTS = ["contract-review", "legal-search", "intake-triage"]


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A time in [start, end), weekdays and working hours more likely."""
    seconds = int((end - start).total_seconds())
    while True:
        ts = start + timedelta(seconds=rng.randrange(seconds))
        weight = (1.0 if ts.weekday() < 5 else 0.3) * (1.0 if 7 <= ts.hour < 20 else 0.4)
        if rng.random() < weight:
            return ts


def tx_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def llm_request(rng: random.Random, ts: datetime) -> Event:
    model = rng.choices(list(MODEL_MIX), weights=list(MODEL_MIX.values()))[0]
    (in_lo, in_hi), (out_lo, out_hi) = MODEL_SHAPES[model]
    customer_id = rng.choice(CUSTOMER_IDS)
    return {
        "transaction_id": tx_id(rng),
        "customer_id": customer_id,
        "event_type": "llm_request",
        "timestamp": iso(ts),
        "properties": {
            "model_name": model,
            "region": REGION_BY_ID[customer_id],
            "user_id": rng.choice(USERS),
            "project_id": rng.choice(PROJECTS),
            "input_tokens": int(rng.randint(in_lo, in_hi) * INPUT_SCALE),
            "output_tokens": int(rng.randint(out_lo, out_hi) * OUTPUT_SCALE),
            "latency_ms": rng.randint(150, 12_000),
        },
    }


def web_search(rng: random.Random, ts: datetime) -> Event:
    return {
        "transaction_id": tx_id(rng),
        "customer_id": rng.choice(CUSTOMER_IDS),
        "event_type": "tool_call",
        "timestamp": iso(ts),
        "properties": {
            "tool": "web_search",
            "model_name": rng.choice(["kestrel-large", "kestrel-medium"]),
            "project_id": rng.choice(PROJECTS),
        },
    }


def main() -> None:
    rng = random.Random(SEED)
    events = []
    for start, end, requests in STRETCHES:
        for _ in range(requests):
            events.append(llm_request(rng, random_time(rng, start, end)))
        for _ in range(round(requests * SEARCHES_PER_REQUEST)):
            events.append(web_search(rng, random_time(rng, start, end)))
    # A proof of concept before the contract was signed: no contract covers these.
    pilot_start = datetime(2026, 10, 6, tzinfo=UTC)
    for n in range(3):
        event = llm_request(rng, random_time(rng, pilot_start, pilot_start + timedelta(days=7)))
        event["transaction_id"] = f"pilot-before-contract-{n + 1}"
        events.append(event)
    events.sort(key=lambda e: (e["timestamp"], e["transaction_id"]))

    out = Path(__file__).with_name("events.jsonl")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        for event in events:
            f.write(json.dumps(event, sort_keys=True) + "\n")
    print(f"wrote {len(events)} events to {out.name}")


if __name__ == "__main__":
    main()
