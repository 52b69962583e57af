"""Run every benchmark: python -m benchmarks [--quick] [--jobs N] [NAME...].

With --quick each runs its short run, which only proves that it still works, two at a time
(--jobs): what CI runs. Each one's output is printed when it ends. Exits 1 if any benchmark
failed: a crash, a figure it could not take, a client of its process that left loopback.
"""

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from harness import runner

# The longest first, so that the others fill in beside them.
BENCHMARKS = (
    "benchmarks.push_latency",
    "library.benchmarks.import_time",
    "benchmarks.idle_cost",
    "benchmarks.idle_requests",
    "benchmarks.library_open",
    "benchmarks.login_latency",
    "benchmarks.added_latency",
    "benchmarks.command_latency",
    "benchmarks.marker_lateness",
    "benchmarks.entry_cost",
    "library.benchmarks.websocket_reconnect",
    "library.benchmarks.refresh_cost",
    "library.benchmarks.connection_choice",
    "library.benchmarks.watchlist_poll",
)


def main() -> int:
    """Run the benchmarks named (all by default); print how each ended."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="each one's short run")
    parser.add_argument("--jobs", type=int, help="at once (2 with --quick, else 1)")
    parser.add_argument("names", nargs="*", help="by last name, as push_latency (all)")
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.names or b.rpartition(".")[2] in args.names]
    options = ["--quick"] if args.quick else []
    started = time.monotonic()

    def run(name: str) -> tuple[str, int, float]:
        began = time.monotonic()
        command = [sys.executable, "-m", name, *options]
        done = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603
        print(f"==> python -m {name} {' '.join(options)}\n{done.stdout}{done.stderr}", flush=True)
        return name, done.returncode, time.monotonic() - began

    runner.ensure_peers()  # once, before they run side by side
    with ThreadPoolExecutor(args.jobs or (2 if args.quick else 1)) as pool:
        ended = list(pool.map(run, chosen))
    print("==> benchmarks")
    for name, status, seconds in ended:
        print(f"  {'ok' if status == 0 else f'FAILED ({status})':12} {seconds:4.0f} s  {name}")
    print(f"  {time.monotonic() - started:.0f} s in all")
    return 1 if any(status for _, status, _ in ended) else 0


if __name__ == "__main__":
    sys.exit(main())
