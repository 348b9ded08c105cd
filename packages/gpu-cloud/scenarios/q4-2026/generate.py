"""Generate events.jsonl for the gpu-cloud `q4-2026` scenario.

GPU usage is reported per job segment (GPUs attached x seconds run) and storage as one
account-wide snapshot a day. Stdlib only and deterministic (fixed seed, fixed order, sorted
keys): running it twice gives byte-identical output. Run: python3 generate.py
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
SEED = 20261001
DATA_END = datetime(2027, 1, 1, tzinfo=UTC)

CUSTOMERS: dict[str, Spec] = {
    "tensorworks": {  # an AI lab training on H100s, on demand since the summer
        "ids": ["tensorworks", "tw-prod-7781"],
        "start": datetime(2026, 10, 1, tzinfo=UTC),
        "jobs_per_day": 10.0,
        "ramp": {12: 1.5},  # a pre-training run in December
        "fleet": {("h100-sxm", "us-east"): 0.75, ("a100-80gb", "us-west"): 0.25},
        "clusters": ["tw-pretrain", "tw-finetune", "tw-eval"],
        "region": "us-east",
        "storage_gb": (18_000, 26_000),
    },
    "brightpath": {  # a robotics start-up that signed up mid-quarter
        "ids": ["brightpath", "bp-sim-farm"],
        "start": datetime(2026, 11, 10, tzinfo=UTC),
        "jobs_per_day": 4.0,
        "ramp": {},
        "fleet": {
            ("l40s", "us-west"): 0.45,
            ("a100-80gb", "eu-central"): 0.30,
            ("h100-sxm", "eu-central"): 0.20,
            ("l40s", "eu-central"): 0.05,  # early-access SKU with no price yet
        },
        "clusters": ["bp-sim", "bp-perception"],
        "region": "eu-central",
        "storage_gb": (2_000, 4_500),
    },
    "orbital": {  # committed use since 2026-09-15, billed by contract quarter
        "ids": ["orbital", "orbital-genomics-hpc"],
        "start": datetime(2026, 9, 15, tzinfo=UTC),
        "jobs_per_day": 10.0,
        "ramp": {},
        "fleet": {("h100-sxm", "us-east"): 0.6, ("a100-80gb", "us-east"): 0.4},
        "clusters": ["og-folding", "og-variant-calling"],
        "region": "us-east",
        "storage_gb": (40_000, 52_000),
    },
}
GPUS_PER_JOB = [1, 2, 4, 8]
GPUS_WEIGHTS = [0.25, 0.25, 0.30, 0.20]


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def tx_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def gpu_usage(rng: random.Random, spec: Spec, ts: datetime) -> Event:
    fleet = spec["fleet"]
    instance_type, region = rng.choices(list(fleet), weights=list(fleet.values()))[0]
    gpus = rng.choices(GPUS_PER_JOB, weights=GPUS_WEIGHTS)[0]
    seconds = rng.randint(300, 4 * 3600)
    return {
        "transaction_id": tx_id(rng),
        "customer_id": rng.choice(spec["ids"]),
        "event_type": "gpu_usage",
        "timestamp": iso(ts),
        "properties": {
            "instance_type": instance_type,
            "region": region,
            "cluster_id": rng.choice(spec["clusters"]),
            "gpu_count": gpus,
            "gpu_seconds": gpus * seconds,
            "status": "completed" if rng.random() < 0.9 else "preempted",
        },
    }


def storage_snapshot(rng: random.Random, spec: Spec, ts: datetime, gb: int) -> Event:
    return {
        "transaction_id": tx_id(rng),
        "customer_id": spec["ids"][0],
        "event_type": "storage_snapshot",
        "timestamp": iso(ts),
        "properties": {"region": spec["region"], "attached_gb": gb, "volumes": rng.randint(3, 12)},
    }


def customer_events(rng: random.Random, spec: Spec) -> list[Event]:
    events = []
    day = spec["start"]
    low, high = spec["storage_gb"]
    gb = low
    while day < DATA_END:
        rate = spec["jobs_per_day"] * spec["ramp"].get(day.month, 1.0)
        jobs = int(rate * rng.uniform(0.5, 1.5))
        for _ in range(jobs):
            events.append(gpu_usage(rng, spec, day + timedelta(seconds=rng.randrange(86_400))))
        gb = min(high, max(low, gb + rng.randint(-(high - low) // 12, (high - low) // 10)))
        events.append(storage_snapshot(rng, spec, day + timedelta(hours=23, minutes=55), gb))
        day += timedelta(days=1)
    return events


def edge_events(rng: random.Random) -> list[Event]:
    """Events that exercise the accounting; their transaction IDs say what each one is."""
    failed = gpu_usage(rng, CUSTOMERS["tensorworks"], datetime(2026, 10, 20, 3, 14, tzinfo=UTC))
    failed.update(transaction_id="edge-provisioning-failed")
    failed["properties"].update(status="provisioning_failed", gpu_seconds=28_800)
    missing = gpu_usage(rng, CUSTOMERS["brightpath"], datetime(2026, 12, 2, 17, 5, tzinfo=UTC))
    missing.update(transaction_id="edge-missing-gpu-seconds")
    del missing["properties"]["gpu_seconds"]
    early = gpu_usage(rng, CUSTOMERS["brightpath"], datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    early.update(transaction_id="edge-before-contract")
    return [failed, missing, early]


def main() -> None:
    rng = random.Random(SEED)
    events = []
    for spec in CUSTOMERS.values():
        events.extend(customer_events(rng, spec))
    events.extend(edge_events(rng))
    events.sort(key=lambda e: (e["timestamp"], e["transaction_id"]))

    out = Path(__file__).with_name("events.jsonl")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        for event in events:
            f.write(json.dumps(event, sort_keys=True) + "\n")
    print(f"wrote {len(events)} events to {out.name}")


if __name__ == "__main__":
    main()
