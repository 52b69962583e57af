"""Refresh cost: parsing an account's resources beside python-plexapi, and refreshes by size.

1. parse: the same 1,000 resources read by this integration's plex.tv client (JSON into
   `Resource` models, PlexTVClient.resources() as the coordinator calls it) and by
   python-plexapi (its `MyPlexResource`s built from the XML answer, as
   MyPlexAccount.resources() builds them), side by side: CPU time per parse from the bytes
   already fetched and with the HTTP fetch from the simulator, and the ratio ours/python-plexapi;
2. refresh: CPU time, wall time and memory of one coordinator refresh with 1, 100 and 1,000
   resources, for the coordinator alone and with the entry's entities set up.

The plex.tv simulator (library/simulators/plextv) runs in its own process, driven through its /_sim/
control API, so that the CPU time measured here is the clients' and Home Assistant's only.

Run from the repository root:

    .venv/bin/python -m benchmarks.refresh_cost [--parses 20] [--refreshes 20]

python-plexapi is installed on first use into .cache/bench-peers (see requirements-peers.txt).
"""

import argparse
import asyncio
import contextlib
import copy
import dataclasses
import gc
import importlib
import importlib.metadata
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import BuiltinFunctionType, FunctionType, ModuleType, TracebackType
from typing import Any, Self, cast
from unittest.mock import patch

import requests
from aiohttp import ClientSession
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from benchmarks.common import (
    BenchmarkError,
    SimulatorProcess,
    add_entry,
    ensure_peers,
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
from custom_components.plex_account.aioplexaccount import PlexTVClient, Resource
from library.simulators.plextv import sample_account, sample_resources

TRACED_REFRESHES = 3  # refreshes run under tracemalloc (it slows everything down)
WARMUP = 2  # runs of each kind before the timed ones, not counted
RESOURCES = "/api/v2/resources"
# What the integration's client and python-plexapi both ask for.
RESOURCES_QUERY = {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
# python-plexapi's MyPlexAccount reads these from /api/v2/user; plex.tv sends them.
PROFILE = {
    "autoSelectAudio": True,
    "defaultAudioLanguage": "en",
    "defaultSubtitleLanguage": "en",
    "autoSelectSubtitle": 0,
    "defaultSubtitleAccessibility": 0,
    "defaultSubtitleForced": 1,
}


def make_resources(count: int) -> list[dict[str, Any]]:
    """Return `count` resources in plex.tv's shape: the sample's six, over and over.

    Half are servers (a third of them shared by another account), half players; each has its
    own clientIdentifier, name and accessToken.
    """
    templates = sample_resources()
    resources: list[dict[str, Any]] = []
    for number in range(count):
        resource = copy.deepcopy(templates[number % len(templates)])
        identifier = resource["clientIdentifier"]
        resource["clientIdentifier"] = f"{identifier[:-6]}{number:06d}"
        resource["name"] = f"{resource['name']} {number}"
        resource["accessToken"] = f"{resource['accessToken'][:-6]}{number:06d}"
        resources.append(resource)
    return resources


@dataclass(kw_only=True)
class Timings:
    """CPU and wall seconds of repeated runs of one thing."""

    cpu: list[float] = dataclasses.field(default_factory=list)
    wall: list[float] = dataclasses.field(default_factory=list)

    @contextlib.contextmanager
    def timed(self) -> Iterator[None]:
        """Time the block: process CPU time (every thread of this process) and wall time."""
        gc.collect()  # the garbage of the run before is not this run's cost
        cpu, wall = time.process_time(), time.perf_counter()
        yield
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)

    @property
    def cpu_median(self) -> float:
        """Return the median CPU seconds."""
        return statistics.median(self.cpu)


# 1. Parsing the resources: this integration's client beside python-plexapi


class _ReplayedResponse:
    """What PlexTVClient reads of an aiohttp response: status, headers and the body."""

    status = 200

    def __init__(self, body: bytes) -> None:
        self.headers: dict[str, str] = {}
        self._body = body

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def read(self) -> bytes:
        return self._body


class ReplaySession:
    """A stand-in for aiohttp's session that answers every request with the same body.

    With it, PlexTVClient.resources() runs unchanged (headers, decoding, the models) on the
    bytes the simulator sent earlier, without the HTTP exchange.
    """

    def __init__(self, body: bytes) -> None:
        """Answer with body."""
        self.body = body

    def request(self, method: str, url: str, **kwargs: object) -> _ReplayedResponse:
        """Return the recorded answer, whatever was asked."""
        return _ReplayedResponse(self.body)


@dataclass(kw_only=True)
class ParseRow:
    """One way of reading the resources, from bytes and with the fetch."""

    client: str
    what: str
    from_bytes: Timings
    with_fetch: Timings


@dataclass(kw_only=True)
class ParseResults:
    """The parse comparison: ours first, then python-plexapi's two rows."""

    rows: list[ParseRow]
    resources: int
    servers: int
    players: int
    connections: int
    json_bytes: int
    xml_bytes: int


@dataclass(kw_only=True)
class PlexAPI:
    """python-plexapi signed in to the simulator, with the XML body it read once."""

    account: Any
    myplex: ModuleType
    utils: ModuleType
    session: requests.Session
    body: bytes


@contextlib.contextmanager
def plexapi_at(myplex: ModuleType, url: str) -> Iterator[None]:
    """Point python-plexapi's pin, account and resource URLs at the simulator."""
    with (
        patch.object(myplex.MyPlexPinLogin, "PINS", f"{url}/api/v2/pins"),
        patch.object(myplex.MyPlexAccount, "key", f"{url}/api/v2/user"),
        patch.object(
            myplex.MyPlexResource,
            "key",
            f"{url}{RESOURCES}?" + "&".join(f"{k}={v}" for k, v in RESOURCES_QUERY.items()),
        ),
    ):
        yield


async def plexapi_account(sim: SimulatorProcess, myplex: ModuleType) -> PlexAPI:
    """Sign python-plexapi in for real (its own pin, approved) and read the resources once."""
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy from the environment
    bodies: list[bytes] = []

    def keep_resources_body(response: requests.Response, *args: object, **kwargs: object) -> None:
        if response.url.partition("?")[0].endswith(RESOURCES):
            bodies.append(response.content)

    session.hooks["response"].append(keep_resources_body)
    login = myplex.MyPlexPinLogin(session=session)
    code: str | None = await asyncio.to_thread(lambda: login.pin)
    if not code:
        msg = "python-plexapi got no code from the simulator"
        raise BenchmarkError(msg)
    token = await sim.approve(code)
    account = await asyncio.to_thread(myplex.MyPlexAccount, token=token, session=session)
    await asyncio.to_thread(account.resources)
    return PlexAPI(
        account=account,
        myplex=myplex,
        utils=importlib.import_module("plexapi.utils"),
        session=session,
        body=bodies[-1],
    )


async def fetch_json(client: PlexTVClient, session: ClientSession) -> bytes:
    """Return the body of /api/v2/resources as the integration's client asks for it."""
    headers = client.identity.headers()
    headers["X-Plex-Token"] = client.token or ""
    url = f"{client.base_url}{RESOURCES}"
    async with session.get(url, params=RESOURCES_QUERY, headers=headers) as response:
        response.raise_for_status()
        return await response.read()


async def bench_parse(
    sim: SimulatorProcess, myplex: ModuleType, *, size: int, parses: int
) -> ParseResults:
    """Read the same `size` resources with both clients, alternating, `parses` times each."""
    await sim.set_resources(make_resources(size))
    async with home_assistant(sim) as hass:
        entry = await add_entry(hass, sim)
        ours = create_entry_client(hass, entry)
        json_body = await fetch_json(ours, async_get_clientsession(hass))
        # The same client on the bytes fetched above: parsing without the HTTP exchange.
        replayed = dataclasses.replace(
            ours, session=cast("ClientSession", ReplaySession(json_body))
        )
        with plexapi_at(myplex, sim.url):
            peer = await plexapi_account(sim, myplex)
            try:
                return await _time_parses(
                    ours, replayed, peer, size=size, parses=parses, json_bytes=len(json_body)
                )
            finally:
                peer.session.close()


async def _time_parses(  # noqa: PLR0913
    ours: PlexTVClient,
    replayed: PlexTVClient,
    peer: PlexAPI,
    *,
    size: int,
    parses: int,
    json_bytes: int,
) -> ParseResults:
    resource_class = peer.myplex.MyPlexResource
    account = peer.account

    def plexapi_from_bytes() -> list[Any]:
        # What MyPlexAccount.query() does with the answer (response.text, then
        # utils.parseXMLString), then what MyPlexAccount.resources() does with the XML.
        data = peer.utils.parseXMLString(peer.body.decode("utf-8"))
        return [resource_class(account, elem) for elem in data]

    def read_connections(resources: list[Any]) -> list[Any]:
        for resource in resources:
            _ = resource.connections  # built on first access
        return resources

    rows = [
        ParseRow(
            client="plex_account",
            what="PlexTVClient.resources(): JSON -> Resource",
            from_bytes=Timings(),
            with_fetch=Timings(),
        ),
        ParseRow(
            client=f"python-plexapi {importlib.metadata.version('plexapi')}",
            what="XML -> MyPlexResource, as resources() returns them",
            from_bytes=Timings(),
            with_fetch=Timings(),
        ),
        ParseRow(
            client="",
            what="... and each one's .connections read",
            from_bytes=Timings(),
            with_fetch=Timings(),
        ),
    ]
    kinds: list[tuple[Timings, Callable[[], Any]]] = [
        (rows[0].from_bytes, replayed.resources),
        (rows[0].with_fetch, ours.resources),
        (rows[1].from_bytes, plexapi_from_bytes),
        (rows[1].with_fetch, account.resources),
        (rows[2].from_bytes, lambda: read_connections(plexapi_from_bytes())),
        (rows[2].with_fetch, lambda: read_connections(account.resources())),
    ]
    # Every kind once to check the counts, then the warm-up and timed rounds, taking turns so
    # that a change in the machine's load falls on all of them alike.
    ours_read: list[Resource] = await replayed.resources()
    fetched: list[Resource] = await ours.resources()
    theirs = read_connections(plexapi_from_bytes())
    if not len(ours_read) == len(fetched) == len(theirs) == size:
        msg = f"expected {size} resources, read {len(ours_read)}, {len(fetched)}, {len(theirs)}"
        raise BenchmarkError(msg)
    for round_number in range(WARMUP + parses):
        scratch = Timings()
        for timings, parse in kinds:
            with (timings if round_number >= WARMUP else scratch).timed():
                result = parse()
                if asyncio.iscoroutine(result):
                    result = await result
            # Freed here, outside the timings: the parse's cost, not its clean-up, is timed.
            del result
    return ParseResults(
        rows=rows,
        resources=size,
        servers=sum(resource.is_server for resource in ours_read),
        players=sum(not resource.is_server for resource in ours_read),
        connections=sum(len(resource.connections) for resource in ours_read),
        json_bytes=json_bytes,
        xml_bytes=len(peer.body),
    )


def render_parse(results: ParseResults) -> str:
    """Return the parse table and the ratios under it."""

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f} ms"

    cells = [
        [
            row.client,
            row.what,
            ms(row.from_bytes.cpu),
            f"{percentile(row.from_bytes.cpu, 0.95) * 1000:.1f} ms",
            ms(row.with_fetch.cpu),
            ms(row.with_fetch.wall),
        ]
        for row in results.rows
    ]
    columns = [("client", "<"), ("reads", "<"), ("bytes: CPU med", ">"), ("CPU p95", ">")]
    columns += [("fetch: CPU med", ">"), ("wall med", ">")]
    ours, plexapi, plexapi_connections = results.rows

    def ratio(peer: ParseRow, kind: str) -> str:
        mine: Timings = getattr(ours, kind)
        theirs: Timings = getattr(peer, kind)
        return f"{mine.cpu_median / theirs.cpu_median:.2f}x"

    return "\n".join(
        [
            render_table(columns, cells),
            "",
            (
                f"ours/python-plexapi, CPU time per parse (medians): "
                f"{ratio(plexapi, 'from_bytes')} from the bytes, "
                f"{ratio(plexapi, 'with_fetch')} with the fetch"
            ),
            (
                f"  against python-plexapi with the connections read too: "
                f"{ratio(plexapi_connections, 'from_bytes')} from the bytes, "
                f"{ratio(plexapi_connections, 'with_fetch')} with the fetch"
            ),
            (
                f"the same {results.resources} resources ({results.servers} servers, "
                f"{results.players} others, {results.connections} connections): "
                f"{results.json_bytes / 1024:.0f} KiB of JSON for ours, "
                f"{results.xml_bytes / 1024:.0f} KiB of XML for python-plexapi"
            ),
        ]
    )


# 2. Refresh cost by account size


def deep_size(root: object) -> int:
    """Return the bytes held by root and everything it references, each object once.

    Classes, modules and functions are shared with the rest of the process: not counted.
    """
    seen: set[int] = set()
    stack: list[object] = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(
            obj, type | ModuleType | FunctionType | BuiltinFunctionType
        ):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


@dataclass(kw_only=True)
class RefreshFigures:
    """One coordinator's refreshes at one account size."""

    resources: int
    servers: int
    players: int
    what: str
    entities: int
    timings: Timings
    peaks: list[int]
    retained: int


async def measure_refreshes(
    hass: HomeAssistant, coordinator: PlexAccountCoordinator, count: int
) -> tuple[Timings, list[int]]:
    """Return the CPU and wall seconds of `count` refreshes, then tracemalloc's peaks."""

    async def refresh() -> None:
        await coordinator.async_refresh()
        # Whatever the refresh queued (entity state writes and their listeners) counts too.
        await hass.async_block_till_done()
        if not coordinator.last_update_success:
            msg = f"the refresh failed: {coordinator.last_exception!r}"
            raise BenchmarkError(msg)

    for _ in range(WARMUP):
        await refresh()
    timings = Timings()
    for _ in range(count):
        with timings.timed():
            await refresh()
    peaks: list[int] = []
    tracemalloc.start()
    try:
        for _ in range(TRACED_REFRESHES):
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            await refresh()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    return timings, peaks


async def refresh_one_size(
    sim: SimulatorProcess, size: int, refreshes: int
) -> list[RefreshFigures]:
    """Measure refreshes with one account size: coordinator alone, then with its entities."""
    await sim.set_resources(make_resources(size))
    async with home_assistant(sim) as hass:
        entry: MockConfigEntry = await add_entry(hass, sim)
        alone = PlexAccountCoordinator(hass, entry, create_entry_client(hass, entry))
        timings, peaks = await measure_refreshes(hass, alone, refreshes)
        data = alone.data
        counts = {"resources": size, "servers": len(data.servers), "players": len(data.players)}
        rows = [
            RefreshFigures(
                **counts,
                what="(a) coordinator alone",
                entities=0,
                timings=timings,
                peaks=peaks,
                retained=deep_size(data),
            )
        ]
        del alone, data
        await sim.clear_requests()

        if not await hass.config_entries.async_setup(entry.entry_id):
            msg = f"the entry did not set up with {size} resources: {entry.state}"
            raise BenchmarkError(msg)
        await hass.async_block_till_done()
        coordinator: PlexAccountCoordinator = entry.runtime_data
        entities = sum(
            1
            for registered in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            if hass.states.get(registered.entity_id) is not None
        )
        devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
        timings, peaks = await measure_refreshes(hass, coordinator, refreshes)
        rows.append(
            RefreshFigures(
                **counts,
                what=f"(b) with entities ({devices} devices)",
                entities=entities,
                timings=timings,
                peaks=peaks,
                retained=deep_size(coordinator.data),
            )
        )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await sim.clear_requests()
    return rows


def render_refresh(rows: list[RefreshFigures]) -> str:
    """Return the refresh table."""
    cells = []
    for row in rows:
        cpu = row.timings.cpu_median
        cells.append(
            [
                str(row.resources),
                f"{row.servers}/{row.players}",
                row.what,
                str(row.entities),
                f"{cpu * 1000:.1f} ms",
                f"{percentile(row.timings.cpu, 0.95) * 1000:.1f} ms",
                f"{cpu / row.resources * 1e6:.0f} us",
                f"{statistics.median(row.timings.wall) * 1000:.1f} ms",
                f"{max(row.peaks) / 1024:.0f} KiB",
                f"{row.retained / 1024:.0f} KiB",
            ]
        )
    columns = [("resources", ">"), ("srv/ply", ">"), ("refresh", "<"), ("entities", ">")]
    columns += [("CPU med", ">"), ("CPU p95", ">"), ("CPU/res", ">"), ("wall med", ">")]
    columns += [("peak mem", ">"), ("data kept", ">")]
    return render_table(columns, cells)


# Main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.refresh_cost", description=__doc__.partition("\n")[0]
    )
    parser.add_argument(
        "--parses", type=int, default=20, help="timed parses per client and way (20)"
    )
    parser.add_argument(
        "--parse-size", type=int, default=1000, help="resources in the parse comparison (1000)"
    )
    parser.add_argument(
        "--refreshes",
        type=int,
        default=20,
        help="timed refreshes per account size and kind; 0 skips the refresh table (20)",
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 100, 1000],
        help="resource counts of the refresh table, comma-separated (1,100,1000)",
    )
    args = parser.parse_args(argv)
    if args.parses < 1 or args.parse_size < 1 or args.refreshes < 0:
        parser.error("--parses and --parse-size must be at least 1, --refreshes at least 0")
    if any(size < 1 for size in args.sizes):
        parser.error("--sizes must be positive")
    return args


async def run(args: argparse.Namespace) -> None:
    """Start the simulator, run both parts and print their tables."""
    ensure_peers()
    myplex = importlib.import_module("plexapi.myplex")
    print(machine(), flush=True)
    started = time.monotonic()
    async with simulator_process() as sim:
        # python-plexapi's MyPlexAccount needs the profile plex.tv sends with the account.
        await sim.set_account(sample_account() | {"profile": PROFILE})
        parse = await bench_parse(sim, myplex, size=args.parse_size, parses=args.parses)
        print(f"  parse: {time.monotonic() - started:.0f} s", flush=True)
        refresh_rows: list[RefreshFigures] = []
        if args.refreshes:
            began = time.monotonic()
            for size in args.sizes:
                refresh_rows += await refresh_one_size(sim, size, args.refreshes)
            print(f"  refresh: {time.monotonic() - began:.0f} s", flush=True)
    print(
        f"\n1. Reading {args.parse_size} resources: this integration's client beside "
        f"python-plexapi, process CPU time per parse, median of {args.parses}"
    )
    print(render_parse(parse))
    if refresh_rows:
        print(
            f"\n2. One coordinator refresh (async_refresh), median of {args.refreshes}; "
            "no added latency"
        )
        print(render_refresh(refresh_rows))
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
