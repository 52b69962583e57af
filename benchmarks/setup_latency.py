"""Entry setup under latency: async_setup() of a real entry when every plex.tv answer is slow.

The plex.tv simulator runs in its own process and holds every API request 50 ms (by default)
before serving it. The entry's setup is timed with the coordinator reading the account and the
resources at once (as shipped) and one after the other (patched here, for comparison), and
set beside one plain round trip.

Run from the repository root:

    .venv/bin/python -m benchmarks.setup_latency [--setups 20] [--latency 0.05]
"""

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from benchmarks.common import (
    BenchmarkError,
    SimulatorProcess,
    add_entry,
    home_assistant,
    load_average,
    loopback_only,
    machine,
    percentile,
    render_table,
    setup_logging,
    simulator_process,
)
from custom_components.plex_account.coordinator import PlexAccountCoordinator
from custom_components.plex_account.helpers import create_entry_client
from custom_components.plex_account.aioplexaccount import Account, Resource
from library.simulators.plextv import sample_resources

CONCURRENT = "concurrent (as shipped)"
SEQUENTIAL = "sequential (patched)"


async def sequential_fetch(self: PlexAccountCoordinator) -> tuple[Account, list[Resource]]:
    """The coordinator's fetch done one request after the other, for comparison."""
    account = await self.client.account()
    resources = await self.client.resources()
    return account, resources


@dataclass(kw_only=True)
class SetupResults:
    """The setup times of both ways of fetching, and the references beside them."""

    seconds: dict[str, list[float]]
    round_trips: list[float]
    gap: float
    """Seconds between the arrivals of the two reads of one concurrent setup."""


async def timed_setup(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """Set the entry up and unload it again; return the seconds async_setup() took."""
    started = time.perf_counter()
    ok = await hass.config_entries.async_setup(entry.entry_id)
    elapsed = time.perf_counter() - started
    if not ok:
        msg = f"the entry did not set up: {entry.state} {entry.reason}"
        raise BenchmarkError(msg)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return elapsed


def arrival_gap(requests: list[dict[str, Any]]) -> float:
    """Return the seconds between the arrivals of /api/v2/user and /api/v2/resources."""
    arrivals = {str(r["path"]): float(r["time"]) for r in requests if r["method"] == "GET"}
    if "/api/v2/user" not in arrivals or "/api/v2/resources" not in arrivals:
        return float("nan")
    return abs(arrivals["/api/v2/user"] - arrivals["/api/v2/resources"])


async def bench_setup(sim: SimulatorProcess, *, setups: int, latency: float) -> SetupResults:
    """Time the entry's setup, fetching at once and one after the other, in alternation."""
    await sim.set_resources(sample_resources())
    async with home_assistant(sim) as hass:
        entry = await add_entry(hass, sim)
        await sim.delay_everything(latency)
        ways: dict[str, contextlib.AbstractContextManager[Any]] = {
            CONCURRENT: contextlib.nullcontext(),
            SEQUENTIAL: patch.object(PlexAccountCoordinator, "_async_fetch", sequential_fetch),
        }
        seconds: dict[str, list[float]] = {name: [] for name in ways}
        # One setup each first, not counted: the first one loads the sensor and binary_sensor
        # components and creates the devices and entities in the registries.
        for way in ways.values():
            with way:
                await timed_setup(hass, entry)
        await sim.clear_requests()
        await timed_setup(hass, entry)  # as shipped, to see when its two reads arrive
        gap = arrival_gap(await sim.requests())
        for _ in range(setups):
            for name, way in ways.items():
                with way:
                    seconds[name].append(await timed_setup(hass, entry))
        # The reference: one request through the same shared session, kept alive.
        client = create_entry_client(hass, entry)
        await client.account()
        round_trips: list[float] = []
        for _ in range(setups):
            started = time.perf_counter()
            await client.account()
            round_trips.append(time.perf_counter() - started)
        await sim.clear_faults()
        await sim.clear_requests()
    return SetupResults(seconds=seconds, round_trips=round_trips, gap=gap)


def render_setup(results: SetupResults, *, latency: float) -> str:
    """Return the setup table and the references under it."""
    trips = results.round_trips
    trip = statistics.median(trips)
    rows = []
    for name, seconds in results.seconds.items():
        median = statistics.median(seconds)
        rows.append(
            [
                name,
                str(len(seconds)),
                f"{median * 1000:.1f} ms",
                f"{percentile(seconds, 0.95) * 1000:.1f} ms",
                f"{median / trip:.2f}x",
            ]
        )
    columns = [("coordinator fetch", "<"), ("setups", ">"), ("median", ">"), ("p95", ">")]
    columns.append(("median/RTT", ">"))
    return "\n".join(
        [
            render_table(columns, rows),
            "",
            (
                f"one round trip (RTT), GET /api/v2/user on the kept-alive shared session with "
                f"the {latency * 1000:.0f} ms delay: median {trip * 1000:.1f} ms, "
                f"p95 {percentile(trips, 0.95) * 1000:.1f} ms ({len(trips)} requests)"
            ),
            (
                "in one concurrent setup the two reads reached the simulator "
                f"{results.gap * 1000:.1f} ms apart"
            ),
        ]
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.setup_latency", description=__doc__.partition("\n")[0]
    )
    parser.add_argument(
        "--setups",
        type=int,
        default=20,
        help="timed setups per way of fetching, and round trips timed for reference (20)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds added to every answer (0.05)"
    )
    args = parser.parse_args(argv)
    if args.setups < 1 or args.latency < 0:
        parser.error("--setups must be at least 1 and --latency at least 0")
    return args


async def run(args: argparse.Namespace) -> None:
    """Start the simulator, time the setups and print the table."""
    print(machine(), flush=True)
    started = time.monotonic()
    async with simulator_process() as sim:
        results = await bench_setup(sim, setups=args.setups, latency=args.latency)
    print(
        f"\nEntry setup, {args.latency * 1000:.0f} ms added to every plex.tv answer "
        "(hass.config_entries.async_setup)"
    )
    print(render_setup(results, latency=args.latency))
    print(
        f"\nwall time {time.monotonic() - started:.0f} s; load average {load_average()} at the end"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark."""
    args = parse_args(argv)
    setup_logging()
    with loopback_only():
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
