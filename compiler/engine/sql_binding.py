"""Planning SQL metrics for `plan validate` (E0406), in a child process with hard limits.

DuckDB plans a query in the calling thread and folds constants while it does: a constant
`repeat('ab', 1000000000)` is computed at plan time, outside its memory_limit and deaf to
`interrupt()` for tens of seconds. Untrusted SQL is therefore planned in a child process
(compiler/engine/sql_bind_worker.py) that has the run time's settings (sql_sandbox.CONFIG and
LOCK_DOWN), exits when its memory passes a limit, and is killed when a query takes longer than
a time limit to plan. Either is reported as the query's problem; the worker is then started
again for the queries after it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from compiler.engine.sql_sandbox import ADDRESS_SPACE_BYTES, CONFIG, LOCK_DOWN, RESIDENT_BYTES

WORKER = Path(__file__).with_name("sql_bind_worker.py")
EVENTS_TABLE = (
    "CREATE TABLE events (transaction_id VARCHAR, customer_id VARCHAR, event_type VARCHAR, "
    "timestamp TIMESTAMP, properties MAP(VARCHAR, VARCHAR))"
)


@dataclass(frozen=True)
class BindLimits:
    """Seconds to plan one query; the worker's resident memory and address space in bytes
    (0: no limit); seconds for the worker to start."""

    seconds: float = 10.0
    resident: int = RESIDENT_BYTES
    address_space: int = ADDRESS_SPACE_BYTES
    start_seconds: float = 60.0


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _worker_run(queries: list[str], limits: BindLimits) -> tuple[list[str | None], str]:
    """Errors for a prefix of `queries` (None: it plans); shorter than `queries` when the
    worker was stopped on the query after the prefix, and then why."""
    request = {
        "config": CONFIG,
        "setup": [EVENTS_TABLE, *LOCK_DOWN],
        "queries": queries,
        "resident": limits.resident,
        "address_space": limits.address_space,
    }
    worker = subprocess.Popen(
        [sys.executable, str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert worker.stdin is not None and worker.stdout is not None
    replies: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(worker.stdout, replies), daemon=True)
    reader.start()
    results: list[str | None] = []
    stopped = f"planning it used more than {limits.resident / 2**20:g} MiB of memory"
    try:
        worker.stdin.write(json.dumps(request) + "\n")
        worker.stdin.close()
        if replies.get(timeout=limits.start_seconds) != "ready\n":
            raise OSError("the SQL planner did not start")
        for _ in queries:
            line = replies.get(timeout=limits.seconds)
            if line is None:
                break  # the worker died: its memory limit is what stops it
            results.append(json.loads(line)["error"])
    except queue.Empty:
        stopped = f"planning it took longer than {limits.seconds:g} s"
    except (OSError, ValueError) as exc:
        stopped = f"could not plan it: {exc}"
    finally:
        worker.kill()
        worker.wait()
        reader.join()
    return results, stopped


def bind_errors(queries: list[str], limits: BindLimits | None = None) -> list[str | None]:
    """For each query, None when it plans against an empty `events` table, else why not."""
    limits = limits or BindLimits()
    results: list[str | None] = []
    while len(results) < len(queries):
        done, stopped = _worker_run(queries[len(results) :], limits)
        results.extend(done)
        if len(results) < len(queries):
            results.append(stopped)
    return results
