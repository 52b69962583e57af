"""What the library benchmarks share: the simulators and a real Home Assistant signed in.

Not a benchmark itself: library_open, added_latency and idle_requests run on it.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType

from harness import HomeAssistant, ServerSimulator, Simulator, free_port, wait_for
from harness.home_assistant import config_yaml
from library.simulators.plextv import LIVING_ROOM_SERVER_ID

from . import push_latency

NAMES = {"client_name": "Home Assistant", "device_name": "Benchmark"}
FILMS = "sensor.living_room_server_films"
LIBRARY_EVENT = "event.living_room_server_library"
DOMAIN = "plex_account"
SOURCE = f"media-source://{DOMAIN}"
WAIT = 120.0  # seconds a websocket command may take


@dataclass(kw_only=True)
class Servers(push_latency.Servers):
    """The simulators, and Home Assistant on them, the sample account signed in: its entry."""

    entry_id: str
    server_id: str

    def server_source(self, *parts: str) -> str:
        """Return the media source identifier of the Living Room Server (or a level of it)."""
        return "/".join((SOURCE, self.entry_id, self.server_id, *parts))

    @property
    def hass_pid(self) -> int:
        """Return the process id of Home Assistant (scripts/develop execs it)."""
        return self.hass.process.popen.pid


@contextlib.contextmanager
def servers(
    workdir: Path,
    *,
    films: int = 0,
    pms_command: Sequence[str] = ("-m", "library.simulators.pms"),
    token: Callable[[Simulator], str] | None = None,
) -> Iterator[Servers]:
    """Start the simulators and Home Assistant; sign the account in; wait for its libraries.

    films: generated films more in the server's Films library. token: the server's token,
    made from the plex.tv simulator (a fresh one by default).
    """
    with contextlib.ExitStack() as stack:
        plextv = Simulator.start(workdir / "plextv.log")
        stack.callback(plextv.stop)
        pms = ServerSimulator.start(
            workdir / "pms.log",
            command=pms_command,
            films=films,
            token=token(plextv) if token else None,
        )
        stack.callback(pms.stop)
        pms.wire(plextv)
        port = free_port()
        hass = HomeAssistant.start(
            workdir / "config",
            port=port,
            simulator=plextv,
            configuration=config_yaml(port, level="warning", integration="info"),
        )
        stack.callback(hass.stop)
        hass.onboard()
        entry, _ = hass.sign_in(plextv, names=NAMES)
        wanted = str(next(s["count"] for s in pms.library()["sections"] if s["key"] == "1"))
        counted = lambda: (hass.state(FILMS) or {}).get("state") == wanted  # noqa: E731
        wait_for(counted, timeout=120, what=f"{FILMS} to count {wanted}")
        wait_for(lambda: hass.state(LIBRARY_EVENT), timeout=30, what=LIBRARY_EVENT)
        print(f"  Home Assistant {hass.version} started and signed in", flush=True)
        yield Servers(
            plextv=plextv,
            pms=pms,
            hass=hass,
            entry_id=entry["entry_id"],
            server_id=LIVING_ROOM_SERVER_ID,
        )


def rss(pid: int) -> int:
    """Return a process's resident set size in bytes, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    msg = f"no VmRSS for process {pid}"
    raise RuntimeError(msg)


def mib(size: float) -> str:
    """Return bytes as MiB."""
    return f"{size / 2**20:.1f} MiB"


@contextlib.asynccontextmanager
async def websocket_api(hass: HomeAssistant) -> AsyncIterator[ClientWebSocketResponse]:
    """Yield Home Assistant's websocket API, signed in."""
    async with ClientSession() as session, session.ws_connect(hass.websocket_url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": hass.tokens["access_token"]})
        if (answer := await ws.receive_json()).get("type") != "auth_ok":
            msg = f"websocket sign-in failed: {answer}"
            raise RuntimeError(msg)
        yield ws


class Commands:
    """Commands over one websocket API connection, one at a time, while events arrive too."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        """Read ws in a task: results to their commands, events to the listeners."""
        self._ws = ws
        self._next = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.listeners: list[Callable[[float, dict[str, Any]], None]] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._ws:
            arrived = time.time()
            if message.type is not WSMsgType.TEXT:
                continue
            data = message.json()
            for item in data if isinstance(data, list) else [data]:
                if item.get("type") == "result" and item.get("id") in self._waiting:
                    self._waiting.pop(item["id"]).set_result(item)
                elif item.get("type") == "event":
                    for listener in self.listeners:
                        listener(arrived, item["event"])

    async def __call__(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a command; return its result message (within WAIT seconds)."""
        self._next += 1
        future = self._waiting[self._next] = asyncio.get_running_loop().create_future()
        await self._ws.send_json({"id": self._next, **message})
        async with asyncio.timeout(WAIT):
            result: dict[str, Any] = await future
        return result

    def close(self) -> None:
        """Stop reading."""
        self._task.cancel()


def fired_at(event: dict[str, Any]) -> float:
    """Return an event's time_fired as epoch seconds."""
    return datetime.fromisoformat(event["time_fired"]).timestamp()
