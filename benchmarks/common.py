"""What the benchmarks share: peers, the simulator process, Home Assistant, tables, the machine.

Run the benchmarks as modules from the repository root (`python -m benchmarks.X`), so that
`benchmarks`, `custom_components` and `tests` import from this repository.
"""

import asyncio
import contextlib
import importlib.metadata
import ipaddress
import logging
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from unittest.mock import patch

from aiohttp import ClientSession
from aiohttp.resolver import ThreadedResolver
from homeassistant import loader
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

# Imported before a test Home Assistant puts its config dir on sys.path, so that
# `custom_components` is this repository's.
import custom_components.plex_account
from custom_components.plex_account.const import (
    CONF_CLIENT_IDENTIFIER,
    CONF_CLIENT_NAME,
    CONF_DEVICE_NAME,
    DISCOVER_URL_ENV,
    DOMAIN,
    METADATA_URL_ENV,
    PLEXTV_URL_ENV,
)
from custom_components.plex_account.helpers import create_client
from library.simulators.plextv import sample_account

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT / ".cache" / "bench-peers"
PEERS_REQUIREMENTS = Path(__file__).resolve().parent / "requirements-peers.txt"

CLIENT_NAME = "Home Assistant"
DEVICE_NAME = "Benchmark"
SIM_START_TIMEOUT = 60.0
ALWAYS = 1_000_000_000  # a fault count no run reaches: the fault applies to every request
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class BenchmarkError(Exception):
    """Something the figures depend on did not work."""


# Loopback only


def _loopback_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")) in LOOPBACK
    except ValueError:
        return False


def _refuse(what: object) -> OSError:
    return OSError(f"the benchmarks talk to 127.0.0.0/8 only, not to {what!r}")


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse, in this process, to resolve a name or connect to anything off 127.0.0.0/8.

    Every benchmark talks to the plex.tv simulator on 127.0.0.1 only; a client whose URL was
    not pointed at it fails here instead of reaching the Internet.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        if host is not None and not _loopback_host(host):
            raise _refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: Any) -> None:  # noqa: ANN401
        if sock.family == socket.AF_UNIX:
            return
        if sock.family != socket.AF_INET or not _loopback_host(address[0]):
            raise _refuse(address)

    def connect(self: socket.socket, address: Any) -> None:  # noqa: ANN401
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:  # noqa: ANN401
        check(self, address)
        return real_connect_ex(self, address)

    with (
        patch.object(socket, "getaddrinfo", getaddrinfo),
        patch.object(socket.socket, "connect", connect),
        patch.object(socket.socket, "connect_ex", connect_ex),
    ):
        yield


# Peers


def pinned_peers() -> dict[str, str]:
    """Return the name → version pins of requirements-peers.txt."""
    pins: dict[str, str] = {}
    for raw in PEERS_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = raw.partition("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def ensure_peers() -> None:
    """Install the pinned peers into .cache/bench-peers if needed; make them importable."""
    wanted = pinned_peers()
    installed = {
        dist.metadata["Name"].lower(): dist.version
        for dist in importlib.metadata.distributions(path=[str(PEERS_DIR)])
    }
    if any(installed.get(name) != version for name, version in wanted.items()):
        pins = ", ".join(f"{name}=={version}" for name, version in wanted.items())
        print(f"Installing {pins} into {PEERS_DIR}", flush=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--upgrade", "--target", str(PEERS_DIR)]
        command += ["-r", str(PEERS_REQUIREMENTS)]
        subprocess.run(command, check=True)  # noqa: S603 - our own interpreter and pins
    # Appended, not prepended: requests and aiohttp stay the project's own.
    if str(PEERS_DIR) not in sys.path:
        sys.path.append(str(PEERS_DIR))


# Figures and tables


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def render_table(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]]) -> str:
    """Return a plain-text table: columns are (title, "<" or ">"), rows hold the cells."""
    widths = [
        max(len(title), *(len(row[index]) for row in rows)) if rows else len(title)
        for index, (title, _) in enumerate(columns)
    ]

    def line(cells: Sequence[str]) -> str:
        return " ".join(
            f"{cell:{align}{width}}"
            for cell, (_, align), width in zip(cells, columns, widths, strict=True)
        ).rstrip()

    header = line([title for title, _ in columns])
    return "\n".join([header, "-" * len(header), *(line(row) for row in rows)])


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages: other work on the machine skews CPU times."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> str:
    """Return what the figures depend on: Python, Home Assistant, CPUs and the load."""
    return (
        f"Python {sys.version.split()[0]}, Home Assistant "
        f"{importlib.metadata.version('homeassistant')}, {os.cpu_count()} CPUs, "
        f"load average {load_average()}"
    )


def setup_logging() -> None:
    """Show warnings only; Home Assistant's note that a custom integration loads is expected."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)


# The simulator, in its own process


class SimulatorProcess:
    """`python -m library.simulators.plextv`, driven through its /_sim/ control API."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        urls: dict[str, str],
        session: ClientSession,
    ) -> None:
        """Keep the process, its hosts' base URLs and a plain session for the control calls."""
        self.process = process
        self.url = urls["plex.tv"]
        self.discover_url = urls["discover"]
        self.metadata_url = urls["metadata"]
        self.session = session

    async def _call(self, method: str, path: str, body: object = None) -> Any:  # noqa: ANN401
        async with self.session.request(method, f"{self.url}{path}", json=body) as response:
            if response.status >= 300:
                text = await response.text()
                msg = f"{method} {path}: {response.status} {text[:200]}"
                raise BenchmarkError(msg)
            return None if response.status == 204 else await response.json()

    async def approve(self, code: str, account: dict[str, Any] | None = None) -> str:
        """Approve a pending pin (for the simulator's account by default); return the token."""
        body: dict[str, Any] = {"code": code}
        if account is not None:
            body["account"] = account
        answer = await self._call("POST", "/_sim/approve", body)
        return str(answer["token"])

    async def set_account(self, account: dict[str, Any]) -> None:
        """Replace the simulator's account (the one approvals link by default)."""
        await self._call("PUT", "/_sim/account", account)

    async def set_resources(self, resources: list[dict[str, Any]]) -> None:
        """Replace the /api/v2/resources answer."""
        await self._call("PUT", "/_sim/resources", resources)

    async def delay_everything(self, seconds: float) -> None:
        """Hold every plex.tv and watchlist request `seconds` before it is served normally."""
        await self._call(
            "POST", "/_sim/faults", {"path": "/api/v2/", "delay": seconds, "count": ALWAYS}
        )
        await self._call(
            "POST",
            "/_sim/faults",
            {"path": "/library/", "host": "discover", "delay": seconds, "count": ALWAYS},
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
    """Start the simulator on a free port of 127.0.0.1 in a child process.

    In its own process the simulator's work stays out of the CPU time measured here.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "library.simulators.plextv",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        # "plex.tv simulator on URL", then the discover and the metadata hosts' lines.
        urls: dict[str, str] = {}
        for _ in range(3):
            line = await asyncio.wait_for(process.stdout.readline(), SIM_START_TIMEOUT)
            host, _, url = line.decode().strip().partition(" simulator on ")
            if not url.startswith("http"):
                msg = f"the simulator did not print its URLs: {line!r}"
                raise BenchmarkError(msg)
            urls[host] = url
        async with ClientSession() as session:
            yield SimulatorProcess(process, urls, session)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


# Home Assistant and the entry


class SimulatorHosts(Protocol):
    """Where a simulator, in this process or another, serves plex.tv's three hosts."""

    @property
    def url(self) -> str:
        """Return plex.tv's stand-in."""

    @property
    def discover_url(self) -> str:
        """Return the discover host's stand-in (watchlist, search)."""

    @property
    def metadata_url(self) -> str:
        """Return the metadata host's stand-in (what was watched)."""


class PlainResolver(ThreadedResolver):
    """The system's resolver, where Home Assistant would build one on zeroconf."""

    async def real_close(self) -> None:
        """Close, as Home Assistant closes its resolver at shutdown."""
        await self.close()


@contextlib.asynccontextmanager
async def home_assistant(
    sim: SimulatorHosts, *, set_up_entries: bool = True
) -> AsyncIterator[HomeAssistant]:
    """Yield a test Home Assistant that loads this repository's integration.

    With set_up_entries False, async_setup_entry is patched out: entries are created but
    never set up (for timing the sign-in alone).
    """
    with contextlib.ExitStack() as stack:
        config_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="plex-account-bench-"))
        stack.enter_context(
            patch.dict(
                os.environ,
                {
                    PLEXTV_URL_ENV: sim.url,
                    DISCOVER_URL_ENV: sim.discover_url,
                    METADATA_URL_ENV: sim.metadata_url,
                },
            )
        )
        if not set_up_entries:
            stack.enter_context(
                patch.object(custom_components.plex_account, "async_setup_entry", return_value=True)
            )
        # As the test plugin's mock_zeroconf_resolver: no zeroconf (nor network) is set up.
        stack.enter_context(
            patch(
                "homeassistant.helpers.aiohttp_client._async_make_resolver",
                return_value=PlainResolver(),
            )
        )
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # What the enable_custom_integrations fixture does: stop hiding custom_components.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


async def add_entry(hass: HomeAssistant, sim: SimulatorProcess) -> MockConfigEntry:
    """Sign in as plex.tv would let a user (a pin, approved) and add the entry, not set up."""
    client_identifier = str(uuid.uuid4())
    client = create_client(
        hass,
        client_identifier=client_identifier,
        client_name=CLIENT_NAME,
        device_name=DEVICE_NAME,
    )
    pin = await client.create_pin()
    token = await sim.approve(pin.code)
    account = sample_account()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=account["username"],
        unique_id=account["uuid"],
        data={
            CONF_TOKEN: token,
            CONF_CLIENT_IDENTIFIER: client_identifier,
            CONF_CLIENT_NAME: CLIENT_NAME,
            CONF_DEVICE_NAME: DEVICE_NAME,
        },
    )
    entry.add_to_hass(hass)
    return entry


# The Plex Media Server simulator, in its own process

PMS_HOST = "127.0.0.2"  # the sample Living Room Server's local address on plex.tv
PMS_START_TIMEOUT = 30.0
# The simulator prints its server's line, then its control port's.
_PMS_LINE = re.compile(r"^Plex Media Server simulator (on|control on) (http://\S+)$", re.MULTILINE)


class PMSSimulatorProcess:
    """`python -m library.simulators.pms` in a child process of its own session, its output in a file.

    Started and stopped synchronously (as the e2e harness starts Home Assistant); its /_sim/
    control port is driven with `PMSControl` from an event loop. The loopback guard of the
    e2e harness is armed in it: it records, next to its log, any attempt to leave loopback.
    """

    def __init__(self, log_path: Path, *, host: str = PMS_HOST) -> None:
        """Start the simulator on a free port of host and wait until it prints its URLs."""
        from tests.e2e import harness  # noqa: PLC0415 - only the Home Assistant runs need it

        self.guard_record = log_path.with_name(f"{log_path.stem}-loopback-guard.log")
        args = [sys.executable, "-m", "library.simulators.pms", "--host", host, "--port", "0"]
        self.process = harness.Process(
            "Plex Media Server simulator",
            args,
            log_path=log_path,
            env=harness.guarded_environment(self.guard_record),
        )
        try:
            urls = harness.wait_for(self._urls, timeout=PMS_START_TIMEOUT, what="the simulator")
        except BaseException:
            self.process.stop()
            raise
        self.url = urls["on"]
        self.control_url = urls["control on"]
        self.host, _, port = self.url.removeprefix("http://").rpartition(":")
        self.port = int(port)

    def _urls(self) -> dict[str, str] | None:
        if not self.process.running:
            msg = f"the Plex Media Server simulator exited:\n{self.process.output()}"
            raise BenchmarkError(msg)
        urls = dict(_PMS_LINE.findall(self.process.output()))
        return urls if len(urls) == 2 else None

    def refused(self) -> list[str]:
        """Return what the loopback guard refused the simulator, one line per attempt."""
        from tests.e2e import harness  # noqa: PLC0415

        return harness.guard_records(self.guard_record)

    def stop(self) -> None:
        """Stop the simulator."""
        self.process.stop(timeout=10)


class PMSControl:
    """The /_sim/ control routes of a Plex Media Server simulator, on the caller's session."""

    def __init__(self, session: ClientSession, control_url: str) -> None:
        """Talk to the control port at control_url."""
        self.session = session
        self.url = control_url.rstrip("/")

    async def _call(self, method: str, path: str, body: object = None) -> Any:  # noqa: ANN401
        async with self.session.request(method, f"{self.url}{path}", json=body) as response:
            if response.status >= 300:
                text = await response.text()
                msg = f"{method} {path}: {response.status} {text[:200]}"
                raise BenchmarkError(msg)
            return None if response.status == 204 else await response.json()

    async def start_session(self, player: str = "living_room_tv", media: str = "film") -> str:
        """Start playing a sample media item on a sample player; return the sessionKey."""
        answer = await self._call("POST", "/_sim/sessions", {"player": player, "media": media})
        return str(answer["sessionKey"])

    async def act(self, key: str, action: str) -> None:
        """pause, resume, buffer or stop a session."""
        await self._call("POST", f"/_sim/sessions/{key}/{action}")

    async def stop_all(self) -> None:
        """End every session."""
        await self._call("DELETE", "/_sim/sessions")

    async def state(self) -> dict[str, Any]:
        """Return GET /_sim/state (sessions, open websockets, faults; no token)."""
        answer: dict[str, Any] = await self._call("GET", "/_sim/state")
        return answer

    async def requests(self) -> list[dict[str, Any]]:
        """Return the request log: each request's time (the simulator's time.monotonic()), path.

        Entries hold the requests' headers and query, tokens included: never print them.
        """
        answer: list[dict[str, Any]] = await self._call("GET", "/_sim/requests")
        return answer

    async def clear_requests(self) -> None:
        """Empty the request log."""
        await self._call("DELETE", "/_sim/requests")

    async def sleep(self) -> None:
        """Fall asleep: the server's port is closed, its connections dropped."""
        await self._call("POST", "/_sim/sleep", {})

    async def wake(self) -> None:
        """Serve again on the same port."""
        await self._call("POST", "/_sim/wake")

    async def refuse_websockets(self, refuse: bool, status: int = 503) -> None:  # noqa: FBT001
        """Refuse (or accept again) websocket upgrades; HTTP keeps working."""
        await self._call("PUT", "/_sim/websockets", {"refuse": refuse, "status": status})


# A real Home Assistant process, through the e2e harness

HA_NAMES = {"client_name": CLIENT_NAME, "device_name": DEVICE_NAME}
SIGN_IN_TIMEOUT = 60.0


def ha_config_yaml(port: int) -> str:
    """Return the harness's configuration.yaml with quieter logging.

    The harness logs the integration at debug level for the end-to-end tests; a user's
    Home Assistant logs warnings, so the benchmarks' does too (the integration at info).
    """
    from tests.e2e import harness  # noqa: PLC0415

    text = harness.config_yaml(port)
    text = text.replace("  default: info\n", "  default: warning\n")
    return text.replace(
        "custom_components.plex_account: debug", "custom_components.plex_account: info"
    )


def resources_pointing_at(pms: PMSSimulatorProcess) -> list[dict[str, Any]]:
    """Return plex.tv's sample resources, the Living Room Server's local connection on pms."""
    from library.simulators.plextv.sample import LIVING_ROOM_SERVER_ID, sample_resources  # noqa: PLC0415

    resources = sample_resources()
    [server] = [r for r in resources if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID]
    [local] = [c for c in server["connections"] if c["local"]]
    local.update(address=pms.host, port=pms.port, uri=pms.url)
    return resources


@dataclass
class HomeAssistantRun:
    """The plex.tv simulator and a signed-in Home Assistant, both processes (tests/e2e)."""

    plextv: Any  # harness.Simulator
    hass: Any  # harness.HomeAssistant

    @property
    def websocket_url(self) -> str:
        """Return Home Assistant's websocket API URL."""
        return str(self.hass.url).replace("http", "ws", 1) + "/api/websocket"

    @property
    def access_token(self) -> str:
        """Return the signed-in user's access token (for the websocket API)."""
        return str(self.hass.tokens["access_token"])

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return an entity's state object, or None while it has none."""
        response = self.hass.http.get(f"/api/states/{entity_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def refused(self) -> list[str]:
        """Return what the loopback guard refused either process, but what HA always tries."""
        from tests.e2e import harness  # noqa: PLC0415

        lines = [f"Home Assistant: {line}" for line in self.hass.refused()]
        lines += [f"plex.tv simulator: {line}" for line in self.plextv.refused()]
        return [line for line in lines if not harness.unstoppable(line)]


@contextlib.contextmanager
def home_assistant_run(workdir: Path, pms: PMSSimulatorProcess) -> Iterator[HomeAssistantRun]:
    """Start the plex.tv simulator and Home Assistant (tests/e2e/harness), and sign in.

    Before the sign-in the plex.tv simulator's sample Living Room Server gets its local
    connection pointed at the Plex Media Server simulator (PUT /_sim/resources); the code is
    approved as a user would, through the integration's config flow over Home Assistant's
    REST API. Both processes run with the harness's loopback guard.
    """
    from tests.e2e import harness  # noqa: PLC0415

    plextv = harness.Simulator.start(workdir / "plextv-simulator.log")
    try:
        plextv.http.put("/_sim/resources", json=resources_pointing_at(pms)).raise_for_status()
        port = harness.free_port()
        config_dir = workdir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "configuration.yaml").write_text(ha_config_yaml(port))
        hass = harness.HomeAssistant.start(
            config_dir, port=port, simulator=plextv, write_config=False
        )
        try:
            hass.onboard()
            flow = hass.start_flow()
            step = hass.flow_step(flow["flow_id"], HA_NAMES)
            if step["type"] != "progress":
                msg = f"the sign-in did not show a code: {step.get('type')}"
                raise BenchmarkError(msg)
            plextv.approve(step["description_placeholders"]["code"])

            def signed_in() -> bool:
                # As the frontend does: fetch the flow, which moves it on once the code is
                # approved.
                status = hass.flow_status(flow["flow_id"])
                return (status is None or status["type"] != "progress") and bool(hass.entries())

            harness.wait_for(
                signed_in,
                timeout=SIGN_IN_TIMEOUT,
                interval=0.1,
                what="the config entry",
            )
            yield HomeAssistantRun(plextv=plextv, hass=hass)
        finally:
            hass.stop()
    finally:
        plextv.stop()


def wait_for_entity(run: HomeAssistantRun, entity_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Wait until an entity has a state other than unavailable; return it."""
    from tests.e2e import harness  # noqa: PLC0415

    def ready() -> dict[str, Any] | None:
        state = run.state(entity_id)
        return state if state is not None and state["state"] != "unavailable" else None

    return harness.wait_for(ready, timeout=timeout, interval=0.2, what=entity_id)
