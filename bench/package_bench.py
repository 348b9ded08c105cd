"""Time `plan validate` on a package with one section of N one-line objects.

A copy of packages/ai-platform gets `extra.yaml`: `pricing_units:` and N lines
`  uI: {name: a}` (62,000 lines is a 1.2 MB file, under the 5 MiB and 250,000-node
limits). Each size runs in its own process, interpreter start-up included, and prints the
seconds, the peak RSS and the last line of the report, so that a step of reading or checking
that costs more than linear time shows as a ratio between sizes.

    python bench/package_bench.py 8000 62000 [--reference]

`--reference` leaves out the file's last line break, which makes the libyaml fast path decline
the file: it is then read by the pure-Python reference reader (ruamel.yaml).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "packages" / "ai-platform"


def units(count: int, reference: bool) -> str:
    text = "pricing_units:\n" + "".join(f"  u{i}: {{name: a}}\n" for i in range(count))
    return text.rstrip("\n") if reference else text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--reference", action="store_true")
    options = parser.parse_args()
    print(f"{'objects':>8} {'bytes':>10} {'seconds':>8} {'peak MB':>8}  report")
    for count in options.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            package = Path(scratch) / PACKAGE.name
            shutil.copytree(PACKAGE, package)
            extra = package / "extra.yaml"
            extra.write_text(units(count, options.reference))
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "compiler.cli", "validate", str(package)],
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            last = (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]
            size = extra.stat().st_size
            print(f"{count:>8} {size:>10} {seconds:>8.2f} {peak:>8.0f}  {last}", flush=True)


if __name__ == "__main__":
    main()
