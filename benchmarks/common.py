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
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
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
from tests.plextv_sim import sample_account

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
    """`python -m tests.plextv_sim`, driven through its /_sim/ control API."""

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
        "tests.plextv_sim",
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
