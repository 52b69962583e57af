"""Entry cost: its setup when plex.tv is slow, and one refresh by account size.

The plex.tv simulator runs in its own process; a test Home Assistant in this one holds an
entry signed in for real.

1. setup: every plex.tv answer held `--latency` seconds; `async_setup()` of the entry timed
   with the account and the resources read at once (as shipped) and one after the other
   (patched here, for comparison), beside one plain round trip;
2. refresh: CPU time, wall time and memory of one account refresh (`async_refresh()`) with
   1, 100 and 1,000 resources, for the coordinator alone and with the entry set up.
"""

import argparse
import contextlib
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.plex_account.aioplexaccount import Account, Resources
from custom_components.plex_account.coordinator import PlexAccountCoordinator
from custom_components.plex_account.helpers import create_entry_client
from harness import Simulator, runner
from library.benchmarks.refresh_cost import make_resources
from library.simulators.plextv import sample_resources

from .hass import add_entry, home_assistant

WARMUP = 2  # runs of each kind before the timed ones, not counted
TRACED = 3  # refreshes under tracemalloc (it slows everything down)
ALWAYS = 1_000_000_000  # a fault count no run reaches: every request is held


async def sequential_fetch(self: PlexAccountCoordinator) -> tuple[Account, Resources]:
    """The coordinator's fetch, one request after the other: for comparison."""
    return await self.client.account(), await self.client.resources()


async def timed_setup(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """Set the entry up and unload it again; return the seconds async_setup() took."""
    started = time.perf_counter()
    ok = await hass.config_entries.async_setup(entry.entry_id)
    elapsed = time.perf_counter() - started
    if not ok:
        msg = f"the entry did not set up: {entry.state} {entry.reason}"
        raise runner.BenchmarkError(msg)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return elapsed


async def setups(sim: Simulator, args: argparse.Namespace) -> None:
    """Time the setups, both ways in turn; print their table."""
    sim.http.put("/_sim/resources", json=sample_resources())
    async with home_assistant(sim) as hass:
        entry = await add_entry(hass, sim)
        for fault in ({"path": "/api/v2/"}, {"path": "/library/", "host": "discover"}):
            sim.http.post("/_sim/faults", json={**fault, "delay": args.latency, "count": ALWAYS})
        ways: dict[str, contextlib.AbstractContextManager[Any]] = {
            "concurrent (as shipped)": contextlib.nullcontext(),
            "sequential (patched)": patch.object(
                PlexAccountCoordinator, "_async_fetch", sequential_fetch
            ),
        }
        # One of each first, not counted: the first loads the platforms and fills the registries.
        for way in ways.values():
            with way:
                await timed_setup(hass, entry)
        sim.http.delete("/_sim/requests")
        await timed_setup(hass, entry)  # as shipped, to see when its two reads arrive
        arrived = {r["path"]: r["time"] for r in sim.http.get("/_sim/requests").json()}
        gap = abs(arrived["/api/v2/user"] - arrived["/api/v2/resources"])
        seconds: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.setups):
            for name, way in ways.items():
                with way:
                    seconds[name].append(await timed_setup(hass, entry))
        # The reference: one request through the same shared session, kept alive.
        client = create_entry_client(hass, entry)
        trips = runner.Timings()
        for _ in range(args.setups + 1):
            with trips.timed():
                await client.account()
        trip = statistics.median(trips.wall[1:])
    sim.http.delete("/_sim/faults")
    print(f"\n1. Entry setup, {args.latency * 1000:.0f} ms added to every plex.tv answer")
    cells = [
        [name, len(values), *runner.spread(values)[:2], f"{statistics.median(values) / trip:.2f}x"]
        for name, values in seconds.items()
    ]
    print(runner.table("<coordinator fetch|setups|median|p95|median/RTT", cells))
    print(
        f"\none round trip (RTT), GET /api/v2/user on the kept-alive shared session: median "
        f"{runner.ms(trip)} ({args.setups} requests); in one concurrent setup the two reads "
        f"reached the simulator {runner.ms(gap)} apart"
    )


def deep_size(root: object) -> int:
    """Return the bytes held by root and all it references, each object once.

    Classes, modules and functions are shared with the rest of the process: not counted.
    """
    seen: set[int] = set()
    stack, total = [root], 0
    while stack:
        obj = stack.pop()
        shared = isinstance(obj, type | ModuleType | FunctionType | BuiltinFunctionType)
        if id(obj) in seen or shared:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


async def refreshes(
    hass: HomeAssistant, coordinator: PlexAccountCoordinator, what: str, count: int
) -> list[object]:
    """Refresh `count` times timed, then under tracemalloc; return the table's row."""

    async def refresh() -> None:
        await coordinator.async_refresh()
        # Whatever the refresh queued (entity state writes and their listeners) counts too.
        await hass.async_block_till_done()
        if not coordinator.last_update_success:
            msg = f"the refresh failed: {coordinator.last_exception!r}"
            raise runner.BenchmarkError(msg)

    timings = runner.Timings()
    for number in range(WARMUP + count):
        with timings.timed() if number >= WARMUP else contextlib.nullcontext():
            await refresh()
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(TRACED):
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            await refresh()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    data = coordinator.data
    cpu = statistics.median(timings.cpu)
    size = len(data.servers) + len(data.players)
    return [
        size, f"{len(data.servers)}/{len(data.players)}", what, *runner.spread(timings.cpu)[:2],
        f"{cpu / max(size, 1) * 1e6:.0f} us", runner.ms(statistics.median(timings.wall)),
        f"{max(peaks) / 1024:.0f} KiB", f"{deep_size(data) / 1024:.0f} KiB",
    ]  # fmt: skip


async def refresh_one_size(sim: Simulator, size: int, count: int) -> list[list[object]]:
    """Measure refreshes with one account size: coordinator alone, then with its entities.

    A refresh that fails is a row of its own: the table is still printed.
    """
    sim.http.put("/_sim/resources", json=make_resources(size))
    async with home_assistant(sim) as hass:
        entry = await add_entry(hass, sim)
        alone = PlexAccountCoordinator(hass, entry, create_entry_client(hass, entry))
        rows = [await refreshes(hass, alone, "(a) coordinator alone", count)]
        del alone
        if not await hass.config_entries.async_setup(entry.entry_id):
            msg = f"the entry did not set up with {size} resources: {entry.state}"
            raise runner.BenchmarkError(msg)
        await hass.async_block_till_done()
        devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        shown = sum(hass.states.get(e.entity_id) is not None for e in entities)
        what = f"(b) with {shown} entities, {devices} devices"
        try:
            rows.append(await refreshes(hass, entry.runtime_data.account, what, count))
        except runner.BenchmarkError as err:  # the table shows it; the run fails after
            rows.append([size, "", what, f"failed: {err}", *[""] * 5])
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    sim.http.delete("/_sim/requests")
    return rows


async def run(args: argparse.Namespace) -> None:
    """Start the simulator; run both parts and print their tables."""
    with tempfile.TemporaryDirectory(prefix="plex-account-bench-") as folder:
        sim = Simulator.start(Path(folder) / "plextv.log")
        try:
            await setups(sim, args)
            rows = [
                row
                for size in args.sizes
                for row in await refresh_one_size(sim, size, args.refreshes)
            ]
        finally:
            sim.stop()
    print(f"\n2. One account refresh (async_refresh), median of {args.refreshes}; no added latency")
    columns = "resources|srv/ply|<refresh|CPU med|CPU p95|CPU/res|wall med|peak mem|data kept"
    print(runner.table(columns, rows))
    if failed := [row for row in rows if str(row[3]).startswith("failed")]:
        msg = f"{len(failed)} refresh(es) failed"
        raise runner.BenchmarkError(msg)


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--setups", type=int, default=20, help="timed setups per way (20)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer (0.05)")
    parser.add_argument("--refreshes", type=int, default=20, help="timed refreshes (20)")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 100, 1000],
        help="resource counts of the refresh table (1,100,1000)",
    )


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"setups": 2, "refreshes": 2, "sizes": [1, 30]})


if __name__ == "__main__":
    main()
