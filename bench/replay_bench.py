"""Benchmark `plan replay` against a hand-written DuckDB query on the same events file.

For each size: generate the events (bench/generate_events.py, fixed seed) unless present, then in
separate processes run
  1. `plan replay bench/package --customers ... EVENTS --period 2026-11-01..2026-12-01`, timed end
     to end (interpreter start-up included), and
  2. a hand-written DuckDB query computing the same aggregates (first-wins dedup, then sum,
     count, max and count distinct per customer and model), timed around the query alone,
check that both agree on every aggregate, and print events/s, the ratio and each peak RSS.

Each size also times the replay's floor: the same replay over one event of each customer, event
type and model (about 8,000 events, taken from the file's first million, in the file's format),
which makes the same invoices with the same lines while reading next to nothing. It is what a
replay costs whatever the volume (start-up, the package and customers, rating, the invoices
and their output). `bound` is (floor + query) / query: the ratio a replay would reach if its
reading, deduplicating and aggregating cost no more than the hand-written query does.

    python bench/replay_bench.py 1000000 [10000000 ...] [--parquet] [--memory-limit 1GB]
                                 [--bad-lines N]

`--bad-lines N` spreads N malformed lines evenly through the JSON Lines file (a copy, kept
beside it): real exports have a few, and each must cost its own parsing, not its file's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from generate_events import write_parquet

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
PACKAGE = BENCH / "package"
PERIOD = "2026-11-01..2026-12-01"

HAND_WRITTEN = """
import sys, time, json, duckdb
files, memory_limit, lenient = sys.argv[1].split(","), sys.argv[2], sys.argv[3] == "lenient"
connection = duckdb.connect(config={"threads": 2, "memory_limit": memory_limit})
connection.execute("SET enable_progress_bar = false")
reader = (
    "read_parquet(?)" if files[0].endswith(".parquet") else
    "read_json(?, format='newline_delimited', columns={'transaction_id': 'VARCHAR', "
    "'customer_id': 'VARCHAR', 'event_type': 'VARCHAR', 'timestamp': 'VARCHAR', "
    "'properties': 'STRUCT(model_name VARCHAR, user_id VARCHAR, input_tokens VARCHAR, "
    "output_tokens VARCHAR)'}" + (", ignore_errors = true" if lenient else "") + ")"
)
start = time.perf_counter()
rows = connection.execute(f'''
    WITH numbered AS (SELECT *, row_number() OVER () AS seq FROM {reader}),
    firsts AS (SELECT min(seq) AS seq FROM numbered GROUP BY transaction_id)
    SELECT customer_id, properties['model_name'] AS model,
           sum(CAST(properties['input_tokens'] AS DECIMAL(38, 9))),
           sum(CAST(properties['output_tokens'] AS DECIMAL(38, 9))),
           count(*), max(CAST(properties['input_tokens'] AS DECIMAL(38, 9))),
           count(DISTINCT properties['user_id'])
    FROM numbered SEMI JOIN firsts USING (seq)
    WHERE event_type = 'llm_request'
      AND timestamp >= '2026-11-01' AND timestamp < '2026-12-01'
    GROUP BY ALL
''', [files]).fetchall()
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rows": [[str(v) for v in row] for row in rows]}))
"""


def run_measured(command: list[str]) -> tuple[float, int, str]:
    """Like run(), with the child's own peak RSS taken from wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks = []
    assert process.stdout is not None
    for chunk in iter(lambda: process.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        out_chunks.append(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command[:3])} failed:\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss // 1024, b"".join(out_chunks).decode()


def ensure_events(count: int, parquet: bool) -> Path:
    suffix = "parquet" if parquet else "jsonl"
    path = DATA / f"events-{count}.{suffix}"
    if not path.exists() or not (DATA / "customers.yaml").exists():
        subprocess.run(
            [sys.executable, str(BENCH / "generate_events.py"), str(count), str(path)], check=True
        )
    return path


def with_bad_lines(events: Path, bad: int) -> Path:
    """A copy of `events` with `bad` malformed lines spread evenly through it (made once)."""
    path = events.with_name(f"{events.stem}-bad{bad}{events.suffix}")
    if path.exists():
        return path
    with events.open("rb") as source:
        total = sum(1 for _ in source)
    every = max(total // (bad + 1), 1)
    written = 0
    with events.open("rb") as source, path.open("wb") as out:
        for number, line in enumerate(source, start=1):
            out.write(line)
            if number % every == 0 and written < bad:
                out.write(b'{"transaction_id": "broken", "customer_id": \n')
                written += 1
    return path


FLOOR_SOURCE_LINES = 1_000_000


def floor_events(events: Path) -> Path:
    """One event of each (customer, event type, model) of `events`' first million lines, in
    the same format (made once, beside it). Every such combination occurs there, so the floor's
    invoices have the lines of the whole file's (the benchmark checks it)."""
    jsonl = events.with_suffix(".jsonl")
    path = events.with_name(f"{jsonl.stem}-floor{events.suffix}")
    if path.exists():
        return path
    floor_jsonl = path.with_suffix(".jsonl")
    if not floor_jsonl.exists():
        seen: set[tuple[str, str, str | None]] = set()
        with jsonl.open("rb") as source, floor_jsonl.open("wb") as out:
            for _, line in zip(range(FLOOR_SOURCE_LINES), source, strict=False):
                event = json.loads(line)
                key = (
                    event["customer_id"],
                    event["event_type"],
                    event["properties"].get("model_name"),
                )
                if key not in seen:
                    seen.add(key)
                    out.write(line)
    if path.suffix == ".parquet":
        write_parquet(floor_jsonl, path)
    return path


def usage_lines(document: dict) -> int:  # type: ignore[type-arg]
    invoices = document["invoices"]
    return sum(line["type"] == "usage" for i in invoices for line in i["line_items"])


Aggregates = dict[tuple[str, str], tuple[Decimal, ...]]


def from_invoices(document: dict) -> Aggregates:  # type: ignore[type-arg]
    """(customer, model) → (input sum, output sum, requests, max input, users) from invoices."""
    order = ["input_tokens", "output_tokens", "requests", "peak_input", "active_users"]
    found: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for invoice in document["invoices"]:
        for line in invoice["line_items"]:
            if line["type"] == "usage":
                key = (invoice["customer_id"], line["pricing_group_values"]["model_name"])
                found[key][line["product_id"]] = Decimal(line["quantity"])
    return {k: tuple(v.get(p, Decimal(0)) for p in order) for k, v in found.items()}


def from_query(rows: list[list[str]]) -> Aggregates:
    return {(r[0], r[1]): tuple(Decimal(v) for v in r[2:]) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", type=int, nargs="+")
    parser.add_argument("--parquet", action="store_true")
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--bad-lines", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.bad_lines and args.parquet:
        parser.error("--bad-lines is for JSON Lines")
    # As `pip install` does: byte-compile the package once, so that `plan replay` starts as an
    # installed tool does. Without it, where PYTHONDONTWRITEBYTECODE is set (as on the machine
    # these figures come from), every run would compile the checkout's modules from source.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(BENCH.parent / "compiler")], check=True
    )
    print(
        f"{'events':>10} {'format':>7} {'replay s':>9} {'query s':>8} {'ratio':>6} "
        f"{'events/s':>10} {'replay RSS':>11} {'query RSS':>10} agree {'floor s':>8} {'bound':>6}"
    )
    for count in args.counts:
        events = ensure_events(count, args.parquet)
        floor_s, _, floor_output = run_measured(replay_command(floor_events(events), args))
        if args.bad_lines:
            events = with_bad_lines(events, args.bad_lines)
        replay_s, replay_rss, output = run_measured(replay_command(events, args))
        _, query_rss, query_out = run_measured(
            [
                sys.executable,
                "-c",
                HAND_WRITTEN,
                str(events),
                args.memory_limit,
                "lenient" if args.bad_lines else "strict",
            ]
        )
        query = json.loads(query_out)
        document = json.loads(output)
        agree = from_invoices(document) == from_query(query["rows"])
        agree &= document["accounting"]["invalid"] == args.bad_lines
        query_s = query["seconds"]
        print(
            f"{count:>10} {events.suffix[1:]:>7} {replay_s:>9.2f} {query_s:>8.2f} "
            f"{replay_s / query_s:>6.2f} {count / replay_s:>10,.0f} "
            f"{replay_rss:>8} MiB {query_rss:>6} MiB {'yes' if agree else 'NO':>5} "
            f"{floor_s:>8.2f} {(floor_s + query_s) / query_s:>6.2f}"
        )
        if usage_lines(json.loads(floor_output)) != usage_lines(document):
            print("  (the floor's invoices have fewer usage lines: its figure is too low)")


def replay_command(events: Path, args: argparse.Namespace) -> list[str]:
    return [
        sys.executable,
        "-m",
        "compiler.cli",
        "replay",
        str(PACKAGE),
        str(events),
        "--customers",
        str(DATA / "customers.yaml"),
        "--period",
        PERIOD,
        "--as-of",
        "2026-12-03",
        "--format",
        "json",
        "--memory-limit",
        args.memory_limit,
    ]


if __name__ == "__main__":
    main()
