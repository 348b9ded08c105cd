"""The child process `plan validate` plans SQL metrics in (see compiler/engine/sql_binding.py).

Run as a script, it imports nothing of `compiler`: it reads one JSON request from stdin
(`config`, `setup` statements, `queries`, `resident` and `address_space` in bytes, 0 for none)
and writes `ready` once set up, then one JSON line per query, in order: `{"error": null}` when
`EXPLAIN <query>` plans it, else the error's first line.

DuckDB's memory_limit does not see what it allocates to fold constants while planning, and
it swallows a failed allocation there (the query then plans, and would fold again at run
time). So the worker exits as soon as its resident memory passes `resident`, which the parent
reports as the query using too much memory; the address-space limit, set before DuckDB is
loaded, is a backstop where resident memory cannot be watched (no /proc).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def _watch_resident(limit: int) -> None:
    """Exit the process once its resident memory passes `limit` bytes."""
    page = os.sysconf("SC_PAGE_SIZE")
    while True:
        with open("/proc/self/statm") as statm:
            resident = int(statm.read().split()[1]) * page
        if resident > limit:
            os._exit(3)
        time.sleep(0.01)


def main() -> None:
    request = json.loads(sys.stdin.readline())
    if request["address_space"]:
        import resource

        limit = int(request["address_space"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if request["resident"] and os.path.exists("/proc/self/statm"):
        watch = threading.Thread(target=_watch_resident, args=(int(request["resident"]),))
        watch.daemon = True
        watch.start()
    import duckdb

    connection = duckdb.connect(config=request["config"])
    for statement in request["setup"]:
        connection.execute(statement)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for sql in request["queries"]:
        error = None
        try:
            connection.execute("EXPLAIN " + sql).fetchall()
        except duckdb.Error as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        except MemoryError:
            error = "ran out of memory"
        sys.stdout.write(json.dumps({"error": error}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
