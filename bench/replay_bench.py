"""Benchmark `plan replay` against a hand-written DuckDB query on the same events file.

For each size: generate the events (bench/generate_events.py, fixed seed) unless present, then in
separate processes run
  1. `plan replay bench/package --customers ... EVENTS --period 2026-11-01..2026-12-01`, timed end
     to end (interpreter start-up included), and
  2. a hand-written DuckDB query computing the same aggregates (first-wins dedup, then sum,
     count, max and count distinct per customer and model), timed around the query alone,
check that both agree on every aggregate, and print events/s, the ratio and each peak RSS.

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
        f"{'events/s':>10} {'replay RSS':>11} {'query RSS':>10} agree"
    )
    for count in args.counts:
        events = ensure_events(count, args.parquet)
        if args.bad_lines:
            events = with_bad_lines(events, args.bad_lines)
        replay_s, replay_rss, output = run_measured(
            [
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
        )
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
        print(
            f"{count:>10} {events.suffix[1:]:>7} {replay_s:>9.2f} {query['seconds']:>8.2f} "
            f"{replay_s / query['seconds']:>6.2f} {count / replay_s:>10,.0f} "
            f"{replay_rss:>8} MiB {query_rss:>6} MiB {'yes' if agree else 'NO'}"
        )


if __name__ == "__main__":
    main()
