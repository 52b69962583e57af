# ruff: noqa: T201 - printing the figures is what it is for
"""The benchmarks' one runner: options and --quick, the loopback guard, peers, tables, timings.

Every benchmark is a module with a docstring, its options, the values --quick gives them (a
short run that only proves the benchmark still works) and a `run(args)`, sync or async:

    def main() -> None:
        runner.main(__doc__, options, run, quick={"changes": 4})

The run prints the machine line first and the wall time and load average last. The loopback
guard is armed in the benchmark's process (and harness.processes arms it in every child):
anything the benchmark's process tried off loopback makes it fail, after its figures.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import fcntl
import gc
import importlib
import importlib.metadata
import inspect
import logging
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession

from library import loopback

from .processes import ROOT

PEERS_DIR = ROOT / ".cache" / "bench-peers"
PEERS_REQUIREMENTS = ROOT / "benchmarks" / "requirements-peers.txt"


class BenchmarkError(Exception):
    """Something the figures depend on did not work."""


def main(
    doc: str | None,
    options: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], Any],
    *,
    quick: dict[str, Any],
    argv: Sequence[str] | None = None,
) -> None:
    """Read the options, arm the guard, run the benchmark; exit 1 if it failed or left loopback."""
    module = inspect.getmodule(run)
    name = module.__spec__.name if module and module.__spec__ else "benchmark"
    parser = argparse.ArgumentParser(
        prog=f"python -m {name}", description=(doc or "").partition("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"a short run, to check that it works: {quick}"
    )
    options(parser)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(**quick)  # what the command line gives still wins
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("homeassistant.loader", "aiohttp_fast_zlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    loopback.arm()
    print(machine(), flush=True)
    started = time.monotonic()
    result = run(args)
    if inspect.iscoroutine(result):
        asyncio.run(result)
    wall = time.monotonic() - started
    print(f"\nwall time {wall:.0f} s; load average {load_average()} at the end")
    if loopback.refused:
        print(f"The loopback guard refused {len(loopback.refused)} attempt(s) of this process:")
        print("\n".join(f"  {line}" for line in loopback.refused))
        sys.exit(1)


# The machine


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages: other work on the machine skews times."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def version(distribution: str) -> str:
    """Return an installed distribution's version, or "not installed"."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """Return what the figures depend on: Python, Home Assistant, CPUs and the load."""
    return (
        f"Python {sys.version.split()[0]}, Home Assistant {version('homeassistant')}, "
        f"{os.cpu_count()} CPUs, load average {load_average()}"
    )


# Peers


def pinned_peers() -> dict[str, str]:
    """Return the name -> version pins of requirements-peers.txt."""
    pins: dict[str, str] = {}
    for raw in PEERS_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if line := raw.partition("#")[0].strip():
            name, _, pinned = line.partition("==")
            pins[name.strip().lower()] = pinned.strip()
    return pins


def ensure_peers() -> None:
    """Install the pinned peers into .cache/bench-peers if needed; make them importable.

    With the project's interpreter and --no-deps: their requirements are the project's own.
    """
    PEERS_DIR.parent.mkdir(parents=True, exist_ok=True)
    # Benchmarks run side by side: one installs while the others wait, then all import.
    with (PEERS_DIR.parent / "bench-peers.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = {
            dist.metadata["Name"].lower(): dist.version
            for dist in importlib.metadata.distributions(path=[str(PEERS_DIR)])
        }
        if any(installed.get(name) != pin for name, pin in pinned_peers().items()):
            print(f"Installing the peers of {PEERS_REQUIREMENTS.name} into {PEERS_DIR}", flush=True)
            command = [sys.executable, "-m", "pip", "install", "--quiet"]
            command += ["--disable-pip-version-check", "--no-deps", "--upgrade"]
            command += ["--target", str(PEERS_DIR), "-r", str(PEERS_REQUIREMENTS)]
            subprocess.run(command, check=True)  # noqa: S603
    # Appended, not prepended: requests and aiohttp stay the project's own.
    if str(PEERS_DIR) not in sys.path:
        sys.path.append(str(PEERS_DIR))
    # python-plexapi sets its logger's level as it is imported; every failed connection of
    # a peer is an error in its log, which the figures count instead.
    importlib.import_module("plexapi")
    for name in ("plexapi", "plexwebsocket"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


# Figures and tables


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def ms(seconds: float) -> str:
    """Return seconds as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


def spread(values: Sequence[float]) -> list[str]:
    """Return the median, p95 and max of seconds, in milliseconds ("-" for none)."""
    if not values:
        return ["-"] * 3
    return [ms(statistics.median(values)), ms(percentile(values, 0.95)), ms(max(values))]


def table(columns: str, rows: Sequence[Sequence[object]]) -> str:
    """Return a plain-text table; columns: titles split on "|", "<" before left-aligned ones."""
    titles = [title.strip() for title in columns.split("|")]
    left = [title.startswith("<") for title in titles]
    titles = [title.removeprefix("<") for title in titles]
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(cell) for cell in column) for column in zip(titles, *cells, strict=True)]

    def line(row: Sequence[str]) -> str:
        return " ".join(
            cell.ljust(width) if flush_left else cell.rjust(width)
            for cell, width, flush_left in zip(row, widths, left, strict=True)
        ).rstrip()

    header = line(titles)
    return "\n".join([header, "-" * len(header), *(line(row) for row in cells)])


@dataclass(kw_only=True)
class Timings:
    """CPU and wall seconds of repeated runs of one thing."""

    cpu: list[float] = dataclasses.field(default_factory=list)
    wall: list[float] = dataclasses.field(default_factory=list)

    @contextlib.contextmanager
    def timed(self) -> Iterator[None]:
        """Time the block: this process's CPU time (every thread) and the wall time."""
        gc.collect()  # the garbage of the run before is not this run's cost
        cpu, wall = time.process_time(), time.perf_counter()
        yield
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)


async def until[T](
    check: Callable[[], Awaitable[T | None]], within: float, every: float = 0.1
) -> T:
    """Await check() every `every` seconds until it returns something; return that."""
    async with asyncio.timeout(within):
        while (result := await check()) is None:  # noqa: ASYNC110 - another process's state
            await asyncio.sleep(every)
        return result


# The simulators' control routes


async def call(session: ClientSession, url: str, method: str = "GET", body: object = None) -> Any:  # noqa: ANN401 - any JSON
    """Send one request to a simulator's /_sim/ route; return the JSON answer (None if empty)."""
    async with session.request(method, url, json=body) as response:
        if response.status >= 300:
            msg = f"{method} {url}: {response.status} {(await response.text())[:200]}"
            raise BenchmarkError(msg)
        return None if response.status == 204 else await response.json(content_type=None)
