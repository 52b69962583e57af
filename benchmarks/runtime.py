"""Runtime cost: entry setup under latency, refresh cost by account size, import time.

One run prints three tables:

1. setup: the time of hass.config_entries.async_setup() for a real entry (its token comes from
   an approved pin) when every plex.tv answer takes 50 ms, with the coordinator reading the
   account and the resources at once (as shipped) and one after the other (patched here);
2. refresh: CPU time, wall time and memory of one coordinator refresh with 1, 100 and 1,000
   resources, for the coordinator alone and with the entry's entities set up;
3. import: the time to import the integration once Home Assistant's modules are loaded,
   beside python-plexapi and plex-api-client.

The plex.tv simulator (tests/plextv_sim) runs in its own process, driven through its /_sim/
control API, so that the CPU time measured here is the integration's and Home Assistant's only.

Run from the repository root:

    .venv/bin/python -m benchmarks.runtime [--setups 20] [--refreshes 20] [--import-runs 20]

The peers are installed on first use into .cache/bench-peers (see requirements-peers.txt).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import compileall
import contextlib
import copy
import gc
import importlib.metadata
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: python benchmarks/runtime.py
    sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.const import CONF_TOKEN  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.helpers import device_registry as dr  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers import frame  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped] # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

# Imported before Home Assistant's test helpers put their config dir first on sys.path, so
# that `custom_components` is this repository's.
import custom_components.plex_account  # noqa: E402, F401
from benchmarks.common import (  # noqa: E402
    PEERS_DIR,
    PlainResolver,
    ensure_peers,
    percentile,
    pinned_peers,
)
from custom_components.plex_account.const import (  # noqa: E402
    CLIENT_PLATFORM,
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DOMAIN,
    PLEXTV_URL_ENV,
    VERSION,
)
from custom_components.plex_account.coordinator import PlexAccountCoordinator  # noqa: E402
from custom_components.plex_account.helpers import create_client  # noqa: E402
from custom_components.plex_account.plextv import (  # noqa: E402
    Account,
    PlexIdentity,
    PlexTVClient,
    Resource,
)
from tests.plextv_sim import sample_account, sample_resources  # noqa: E402

PACKAGE = "custom_components.plex_account"
PACKAGE_DIR = ROOT / "custom_components" / "plex_account"
CLIENT_NAME = "Home Assistant"
DEVICE_NAME = "Benchmark"
SIM_START_TIMEOUT = 60.0
ALWAYS = 1_000_000_000  # a fault count no run reaches: the fault applies to every request
TRACED_REFRESHES = 3  # refreshes run under tracemalloc (it slows everything down)
WARMUP_REFRESHES = 2

_LOGGER = logging.getLogger("benchmarks.runtime")


class BenchmarkError(Exception):
    """Something the figures depend on did not work."""


# The simulator, in its own process


class SimulatorProcess:
    """`python -m tests.plextv_sim`, driven through its /_sim/ control API."""

    def __init__(
        self, process: asyncio.subprocess.Process, url: str, session: ClientSession
    ) -> None:
        """Keep the process, its base URL and a plain session for the control calls."""
        self.process = process
        self.url = url
        self.session = session

    async def _call(self, method: str, path: str, body: object = None) -> Any:  # noqa: ANN401
        async with self.session.request(method, f"{self.url}{path}", json=body) as response:
            if response.status >= 300:
                text = await response.text()
                msg = f"{method} {path}: {response.status} {text[:200]}"
                raise BenchmarkError(msg)
            return None if response.status == 204 else await response.json()

    async def approve(self, code: str) -> str:
        """Approve a pending pin for the simulator's account and return the token."""
        answer = await self._call("POST", "/_sim/approve", {"code": code})
        return str(answer["token"])

    async def set_resources(self, resources: list[dict[str, Any]]) -> None:
        """Replace the /api/v2/resources answer."""
        await self._call("PUT", "/_sim/resources", resources)

    async def delay_everything(self, seconds: float) -> None:
        """Hold every /api/v2/ request `seconds` before it is served normally."""
        await self._call(
            "POST", "/_sim/faults", {"path": "/api/v2/", "delay": seconds, "count": ALWAYS}
        )

    async def clear_faults(self) -> None:
        """Serve every request at once again."""
        await self._call("DELETE", "/_sim/faults")

    async def clear_requests(self) -> None:
        """Empty the simulator's request log (it would grow over a long run)."""
        await self._call("DELETE", "/_sim/requests")

    async def requests(self) -> list[dict[str, Any]]:
        """Return the simulator's request log."""
        answer: list[dict[str, Any]] = await self._call("GET", "/_sim/requests")
        return answer


@contextlib.asynccontextmanager
async def simulator_process() -> AsyncIterator[SimulatorProcess]:
    """Start the simulator on a free loopback port in a child process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.plextv_sim",
        "--port",
        "0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), SIM_START_TIMEOUT)
        url = line.decode().strip().rpartition(" ")[2]
        if not url.startswith("http"):
            msg = f"the simulator did not print its URL: {line!r}"
            raise BenchmarkError(msg)
        async with ClientSession() as session:
            yield SimulatorProcess(process, url, session)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


# Home Assistant and the entry


@contextlib.asynccontextmanager
async def home_assistant(plextv_url: str) -> AsyncIterator[HomeAssistant]:
    """Yield a test Home Assistant that loads this repository's integration, set up for real."""
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-bench-") as config_dir,
        patch.dict(os.environ, {PLEXTV_URL_ENV: plextv_url}),
        # As the test plugin's mock_zeroconf_resolver: no zeroconf (nor network) is set up.
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=PlainResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # What the enable_custom_integrations fixture does: stop hiding custom_components.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


async def add_entry(hass: HomeAssistant, sim: SimulatorProcess) -> Any:  # noqa: ANN401
    """Sign in as plex.tv would let a user (a pin, approved) and add the entry, not set up."""
    client_identifier = str(uuid.uuid4())
    identity = PlexIdentity(
        client_identifier=client_identifier,
        client_name=CLIENT_NAME,
        device_name=DEVICE_NAME,
        client_version=VERSION,
        client_platform=CLIENT_PLATFORM,
    )
    async with PlexTVClient(identity=identity, base_url=sim.url) as client:
        pin = await client.create_pin()
    token = await sim.approve(pin.code)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=sample_account()["username"],
        unique_id=sample_account()["uuid"],
        data={
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: client_identifier,
            CONF_CLIENT_NAME: CLIENT_NAME,
            CONF_DEVICE_NAME: DEVICE_NAME,
        },
    )
    entry.add_to_hass(hass)
    return entry


def entry_client(hass: HomeAssistant, entry: Any) -> PlexTVClient:  # noqa: ANN401
    """Return a client like the integration's own for the entry (Home Assistant's session)."""
    return create_client(
        hass,
        client_identifier=entry.data[CONF_CLIENT_IDENTIFIER],
        client_name=entry.data[CONF_CLIENT_NAME],
        device_name=entry.data[CONF_DEVICE_NAME],
        token=entry.data[CONF_TOKEN],
    )


async def sequential_fetch(self: PlexAccountCoordinator) -> tuple[Account, list[Resource]]:
    """The coordinator's fetch done one request after the other, for comparison."""
    account = await self.client.account()
    resources = await self.client.resources()
    return account, resources


# 1. Entry setup under latency


@dataclass(kw_only=True)
class SetupFigures:
    """The setup times of one way of fetching."""

    name: str
    seconds: list[float]


async def timed_setup(hass: HomeAssistant, entry: Any) -> float:  # noqa: ANN401
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


async def bench_setup(
    sim: SimulatorProcess, *, setups: int, latency: float
) -> tuple[list[SetupFigures], list[float], float]:
    """Time the entry's setup, fetching at once and one after the other, in alternation.

    Returns the figures of both ways, the round trips of a plain GET /api/v2/user and the gap
    between the arrivals of the two reads of one concurrent setup.
    """
    await sim.set_resources(sample_resources())
    async with home_assistant(sim.url) as hass:
        entry = await add_entry(hass, sim)
        await sim.delay_everything(latency)
        ways: dict[str, contextlib.AbstractContextManager[Any]] = {
            "concurrent (as shipped)": contextlib.nullcontext(),
            "sequential (patched)": patch.object(
                PlexAccountCoordinator, "_async_fetch", sequential_fetch
            ),
        }
        figures = {name: SetupFigures(name=name, seconds=[]) for name in ways}
        # One setup each first, not counted: the first one loads the sensor and binary_sensor
        # components and creates the devices and entities in the registries.
        for way in ways.values():
            with way:
                await timed_setup(hass, entry)
        await sim.clear_requests()
        with ways["concurrent (as shipped)"]:
            await timed_setup(hass, entry)
        overlap = arrival_gap(await sim.requests())
        for _ in range(setups):
            for name, way in ways.items():
                with way:
                    figures[name].seconds.append(await timed_setup(hass, entry))
        # The reference: one request through the same shared session, kept alive.
        client = entry_client(hass, entry)
        await client.account()
        round_trips: list[float] = []
        for _ in range(setups):
            started = time.perf_counter()
            await client.account()
            round_trips.append(time.perf_counter() - started)
        await sim.clear_faults()
        await sim.clear_requests()
    return list(figures.values()), round_trips, overlap


def arrival_gap(requests: list[dict[str, Any]]) -> float:
    """Return the seconds between the arrivals of /api/v2/user and /api/v2/resources."""
    arrivals = {str(r["path"]): float(r["time"]) for r in requests if r["method"] == "GET"}
    if "/api/v2/user" not in arrivals or "/api/v2/resources" not in arrivals:
        return float("nan")
    return abs(arrivals["/api/v2/user"] - arrivals["/api/v2/resources"])


def render_setup(
    rows: list[SetupFigures], round_trips: list[float], gap: float, *, latency: float
) -> str:
    """Return the setup table."""
    trip = statistics.median(round_trips)
    header = f"{'coordinator fetch':<24} {'setups':>6} {'median':>9} {'p95':>9} {'median/RTT':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        median = statistics.median(row.seconds)
        lines.append(
            f"{row.name:<24} {len(row.seconds):>6} {median * 1000:>6.1f} ms "
            f"{percentile(row.seconds, 0.95) * 1000:>6.1f} ms {median / trip:>9.2f}x"
        )
    lines.append("")
    lines.append(
        f"one round trip (RTT), GET /api/v2/user on the kept-alive shared session with the "
        f"{latency * 1000:.0f} ms delay: median {trip * 1000:.1f} ms, "
        f"p95 {percentile(round_trips, 0.95) * 1000:.1f} ms ({len(round_trips)} requests)"
    )
    lines.append(
        f"in one concurrent setup the two reads reached the simulator {gap * 1000:.1f} ms apart"
    )
    return "\n".join(lines)


# 2. Refresh cost by account size


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
    cpu: list[float]
    wall: list[float]
    peaks: list[int]
    retained: int


async def measure_refreshes(
    hass: HomeAssistant, coordinator: PlexAccountCoordinator, count: int
) -> tuple[list[float], list[float], list[int]]:
    """Return the CPU and wall seconds of `count` refreshes, then tracemalloc's peaks."""

    async def refresh() -> None:
        await coordinator.async_refresh()
        # Whatever the refresh queued (entity state writes and their listeners) counts too.
        await hass.async_block_till_done()
        if not coordinator.last_update_success:
            msg = f"the refresh failed: {coordinator.last_exception!r}"
            raise BenchmarkError(msg)

    for _ in range(WARMUP_REFRESHES):
        await refresh()
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(count):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await refresh()
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
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
    return cpu, wall, peaks


async def bench_refresh(
    sim: SimulatorProcess, *, sizes: Sequence[int], refreshes: int
) -> list[RefreshFigures]:
    """Measure refreshes with each account size: coordinator alone, then with its entities."""
    rows: list[RefreshFigures] = []
    for size in sizes:
        resources = make_resources(size)
        await sim.set_resources(resources)
        async with home_assistant(sim.url) as hass:
            entry = await add_entry(hass, sim)
            alone = PlexAccountCoordinator(hass, entry, entry_client(hass, entry))
            cpu, wall, peaks = await measure_refreshes(hass, alone, refreshes)
            data = alone.data
            common = {
                "resources": size,
                "servers": len(data.servers),
                "players": len(data.players),
            }
            rows.append(
                RefreshFigures(
                    **common,
                    what="(a) coordinator alone",
                    entities=0,
                    cpu=cpu,
                    wall=wall,
                    peaks=peaks,
                    retained=deep_size(data),
                )
            )
            del alone, data
            await sim.clear_requests()

            if not await hass.config_entries.async_setup(entry.entry_id):
                msg = f"the entry did not set up with {size} resources: {entry.state}"
                raise BenchmarkError(msg)
            await hass.async_block_till_done()
            coordinator: PlexAccountCoordinator = entry.runtime_data
            entities = sum(
                1
                for registered in er.async_entries_for_config_entry(
                    er.async_get(hass), entry.entry_id
                )
                if hass.states.get(registered.entity_id) is not None
            )
            devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
            cpu, wall, peaks = await measure_refreshes(hass, coordinator, refreshes)
            rows.append(
                RefreshFigures(
                    **common,
                    what=f"(b) with entities ({devices} devices)",
                    entities=entities,
                    cpu=cpu,
                    wall=wall,
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
    header = (
        f"{'resources':>9} {'srv/ply':>8} {'refresh':<29} {'entities':>8} "
        f"{'CPU med':>8} {'CPU p95':>8} {'CPU/res':>8} {'wall med':>9} "
        f"{'peak mem':>9} {'data kept':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        cpu = statistics.median(row.cpu)
        lines.append(
            f"{row.resources:>9} {f'{row.servers}/{row.players}':>8} {row.what:<29} "
            f"{row.entities:>8} {cpu * 1000:>5.1f} ms "
            f"{percentile(row.cpu, 0.95) * 1000:>5.1f} ms {cpu / row.resources * 1e6:>5.0f} us "
            f"{statistics.median(row.wall) * 1000:>6.1f} ms "
            f"{max(row.peaks) / 1024:>6.0f} KiB {row.retained / 1024:>5.0f} KiB"
        )
    return "\n".join(lines)


# 3. Import time


# Runs as its own interpreter (a "zygote"): imports the preload once, then for each line of
# targets on stdin forks a child that imports them on top of the preload and reports the time.
# Each child is a fresh process whose sys.modules holds the preload and nothing of the targets,
# as a fresh interpreter that had imported the preload would be, without paying for the
# preload again.
IMPORT_ZYGOTE = """
import importlib, json, os, sys, time
spec = json.loads(sys.argv[1])
sys.path.append(spec["peers"])
started = time.perf_counter()
for name in spec["preload"]:
    importlib.import_module(name)
preloaded = time.perf_counter() - started
present = [name for name in spec["check"] if name in sys.modules]
print(json.dumps({"preload": preloaded, "present": present}), flush=True)
for line in sys.stdin:
    targets = json.loads(line)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            before = set(sys.modules)
            started = time.perf_counter()
            for name in targets:
                importlib.import_module(name)
            elapsed = time.perf_counter() - started
            new = sorted(set(sys.modules) - before)
            answer = {"seconds": elapsed, "modules": new}
        except BaseException as err:
            answer = {"error": repr(err)}
        os.write(write, json.dumps(answer).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    print(b"".join(chunks).decode(), flush=True)
"""


@dataclass(frozen=True, kw_only=True)
class ImportCase:
    """What is loaded before the clock starts, and what is timed."""

    targets: tuple[str, ...]
    preload: tuple[str, ...]


@dataclass(kw_only=True)
class ImportFigures:
    """The timed imports of one case."""

    seconds: list[float]
    modules: list[str]


class Zygote:
    """An interpreter that has imported a preload and forks one child per measurement."""

    def __init__(self, preload: tuple[str, ...], check: Sequence[str]) -> None:
        """Start the interpreter and wait until it has imported the preload."""
        spec = {"peers": str(PEERS_DIR), "preload": preload, "check": list(check)}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module names
            [sys.executable, "-c", IMPORT_ZYGOTE, json.dumps(spec)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._answer()
        self.preload_seconds = float(ready["preload"])
        self.present = set(ready["present"])

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            msg = f"the import interpreter ended (exit {self.process.wait()})"
            raise BenchmarkError(msg)
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise BenchmarkError(answer["error"])
        return answer

    def measure(self, targets: Sequence[str]) -> tuple[float, list[str]]:
        """Import targets in a fresh child; return the seconds and the modules it loaded."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(list(targets)) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        return float(answer["seconds"]), list(answer["modules"])

    def close(self) -> None:
        """End the interpreter."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def package_modules() -> list[str]:
    """Return every module of the integration, the package first."""
    modules = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join((PACKAGE, *parts)))
    return sorted(modules, key=lambda name: (name != PACKAGE, name))


def home_assistant_baseline() -> list[str]:
    """Return the outside modules the integration names in its imports, stdlib left out.

    These are Home Assistant's modules and its own requirements (aiohttp, probatio): what a
    running Home Assistant has loaded already. Standard-library modules the integration
    imports are not preloaded, so loading them counts as the integration's.
    """
    names: set[str] = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(
        name
        for name in names
        if name.partition(".")[0] not in sys.stdlib_module_names
        and name.partition(".")[0] not in {"custom_components", "__future__"}
    )


def requirements_of(distribution: str) -> tuple[str, ...]:
    """Return the import names of a peer's unconditional requirements (name == module here)."""
    found = [
        dist
        for dist in importlib.metadata.distributions(path=[str(PEERS_DIR)])
        if dist.metadata["Name"].lower() == distribution.lower()
    ]
    if not found:
        msg = f"{distribution} is not installed in {PEERS_DIR}"
        raise BenchmarkError(msg)
    modules = []
    for requirement in found[0].requires or []:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        name = spec.strip()
        for stop in " <>=!~([":
            name = name.partition(stop)[0]
        modules.append(name.replace("-", "_").lower())
    return tuple(modules)


@dataclass(kw_only=True)
class ImportRow:
    """One line of the import table."""

    label: str
    shown: str
    after_ha: ImportCase
    own_code: ImportCase | None
    """None when the package needs nothing that Home Assistant has not loaded already."""
    requirements: tuple[str, ...] = ()


@dataclass(kw_only=True)
class ImportResults:
    """Everything the import table shows."""

    rows: list[ImportRow]
    figures: dict[ImportCase, ImportFigures]
    baseline: tuple[str, ...]
    preload_seconds: float
    runs: int


def import_rows(baseline: tuple[str, ...]) -> list[ImportRow]:
    """Return what to import for the integration and each peer."""
    versions = pinned_peers()
    ours = tuple(package_modules())
    rows = [
        ImportRow(
            label="plex_account (this)",
            shown=f"{PACKAGE} and its {len(ours) - 1} submodules",
            after_ha=ImportCase(targets=ours, preload=baseline),
            own_code=None,
        )
    ]
    client = f"plex-api-client {versions['plex-api-client']}"
    peers = [
        (f"python-plexapi {versions['plexapi']}", "PlexAPI", ("plexapi.myplex",)),
        (client, "plex-api-client", ("plex_api_client",)),
        (
            client,
            "plex-api-client",
            ("plex_api_client", "plex_api_client.plex", "plex_api_client.authentication"),
        ),
    ]
    for label, distribution, targets in peers:
        requirements = requirements_of(distribution)
        rows.append(
            ImportRow(
                label=label,
                shown=", ".join(targets),
                after_ha=ImportCase(targets=targets, preload=baseline),
                own_code=ImportCase(targets=targets, preload=(*baseline, *requirements)),
                requirements=requirements,
            )
        )
    return rows


def bench_imports(runs: int) -> ImportResults:
    """Time every case `runs` times, round-robin, after one import each not counted."""
    # pip compiled Home Assistant and the peers at install; compile ours too, as a real
    # installation does on first import (here PYTHONDONTWRITEBYTECODE may forbid that).
    compileall.compile_dir(ROOT / "custom_components", quiet=1)
    baseline = tuple(home_assistant_baseline())
    rows = import_rows(baseline)
    requirements = sorted({name for row in rows for name in row.requirements})
    zygotes = {baseline: Zygote(baseline, requirements)}
    try:
        already = zygotes[baseline].present
        for row in rows:
            # A requirement Home Assistant has loaded already is no extra cost: no second case.
            if row.own_code is not None and set(row.requirements) <= already:
                row.own_code = None
        cases = [row.after_ha for row in rows]
        cases += [row.own_code for row in rows if row.own_code is not None]
        for case in cases:
            if case.preload not in zygotes:
                zygotes[case.preload] = Zygote(case.preload, [])
        figures = {case: ImportFigures(seconds=[], modules=[]) for case in cases}
        for case in cases:  # not counted: the first child may still fill disk caches
            zygotes[case.preload].measure(case.targets)
        for _ in range(runs):
            for case in cases:
                seconds, modules = zygotes[case.preload].measure(case.targets)
                figures[case].seconds.append(seconds)
                figures[case].modules = modules
        preload_seconds = zygotes[baseline].preload_seconds
    finally:
        for zygote in zygotes.values():
            zygote.close()
    return ImportResults(
        rows=rows,
        figures=figures,
        baseline=baseline,
        preload_seconds=preload_seconds,
        runs=runs,
    )


def render_imports(results: ImportResults) -> str:
    """Return the import table."""

    def cell(case: ImportCase | None) -> str:
        if case is None:
            return "(same)"
        runs = results.figures[case]
        return f"{statistics.median(runs.seconds) * 1000:.1f} ms / {len(runs.modules)}"

    header = (
        f"{'package':<24} {'after HA: median / mods':>23} {'own code: median / mods':>24}"
        f"  {'p95 (after HA)':>14}  imported"
    )
    lines = [header, "-" * len(header)]
    for row in results.rows:
        p95 = percentile(results.figures[row.after_ha].seconds, 0.95) * 1000
        lines.append(
            f"{row.label:<24} {cell(row.after_ha):>23} {cell(row.own_code):>24}"
            f"  {p95:>11.1f} ms  {row.shown}"
        )
    ours = results.rows[0].after_ha
    outside = [name for name in results.figures[ours].modules if not name.startswith(PACKAGE)]
    roots = sorted({name.partition(".")[0] for name in results.baseline})
    extra = sorted({name for row in results.rows if row.own_code for name in row.requirements})
    lines += [
        "",
        (
            f"HA (preloaded before every timed import): the {len(results.baseline)} modules "
            f"from outside the integration that it imports ({', '.join(roots)}) and all they "
            f"import; that preload took {results.preload_seconds * 1000:.0f} ms once"
        ),
        (
            "own code: the peer's requirements were preloaded too: "
            + (", ".join(extra) or "none (HA loads them already)")
        ),
        f"{ours.targets[0]} loaded outside its own package: {', '.join(outside) or 'nothing'}",
        f"mods: modules the timed import added; medians of {results.runs} children per cell",
    ]
    return "\n".join(lines)


# Main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.runtime", description=__doc__.partition("\n")[0]
    )
    parser.add_argument("--setups", type=int, default=20, help="setups per way of fetching (20)")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds added to every answer (0.05)"
    )
    parser.add_argument(
        "--refreshes", type=int, default=20, help="timed refreshes per size and kind (20)"
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 100, 1000],
        help="resource counts, comma-separated (1,100,1000)",
    )
    parser.add_argument(
        "--import-runs", type=int, default=20, help="fresh processes per import case (20)"
    )
    parser.add_argument(
        "--only",
        choices=["setup", "refresh", "import"],
        action="append",
        help="run only this part (repeatable); all three by default",
    )
    args = parser.parse_args(argv)
    if args.setups < 1 or args.refreshes < 1 or args.import_runs < 1 or args.latency < 0:
        parser.error("counts must be at least 1 and --latency at least 0")
    if any(size < 1 for size in args.sizes):
        parser.error("--sizes must be positive")
    return args


async def run_live(args: argparse.Namespace, parts: set[str]) -> list[Callable[[], str]]:
    """Run the parts that need the simulator; return their tables, to print at the end."""
    tables: list[Callable[[], str]] = []
    async with simulator_process() as sim:
        if "setup" in parts:
            began = time.monotonic()
            rows, trips, gap = await bench_setup(sim, setups=args.setups, latency=args.latency)
            print(f"  setup: {time.monotonic() - began:.0f} s", flush=True)
            tables.append(
                lambda: (
                    f"1. Entry setup, {args.latency * 1000:.0f} ms added to every plex.tv "
                    f"answer (hass.config_entries.async_setup)\n"
                    + render_setup(rows, trips, gap, latency=args.latency)
                )
            )
        if "refresh" in parts:
            began = time.monotonic()
            refresh_rows = await bench_refresh(sim, sizes=args.sizes, refreshes=args.refreshes)
            print(f"  refresh: {time.monotonic() - began:.0f} s", flush=True)
            tables.append(
                lambda: (
                    f"2. One coordinator refresh (async_refresh), median of {args.refreshes}; "
                    "no added latency\n" + render_refresh(refresh_rows)
                )
            )
    return tables


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages: other work on the machine skews CPU times."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Home Assistant warns once that a custom integration is loaded: expected here.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    args = parse_args(argv)
    parts = set(args.only or ["setup", "refresh", "import"])
    started = time.monotonic()
    if "import" in parts:
        ensure_peers()
    print(
        f"Python {sys.version.split()[0]}, Home Assistant "
        f"{importlib.metadata.version('homeassistant')}, {os.cpu_count()} CPUs, "
        f"load average {load_average()} at the start",
        flush=True,
    )
    tables: list[Callable[[], str]] = []
    if parts & {"setup", "refresh"}:
        tables += asyncio.run(run_live(args, parts))
    if "import" in parts:
        began = time.monotonic()
        results = bench_imports(args.import_runs)
        print(f"  import: {time.monotonic() - began:.0f} s", flush=True)
        tables.append(
            lambda: (
                "3. Import time, each in a fresh process with Home Assistant's modules loaded\n"
                + render_imports(results)
            )
        )
    for table in tables:
        print()
        print(table())
    print(
        f"\nwall time {time.monotonic() - started:.0f} s; load average {load_average()} at the end"
    )


if __name__ == "__main__":
    main()
