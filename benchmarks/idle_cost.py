"""Idle cost of following a server: requests to it per hour while nothing plays.

A Plex Media Server simulator (`python -m library.simulators.pms`) runs in its own process on
127.0.0.2 as the sample Living Room Server; the plex.tv simulator and Home Assistant run as
processes (tests/e2e/harness.py), the server's local connection on plex.tv pointed at the
server simulator before the sign-in. Nothing plays. Once Home Assistant holds the server's
notification websocket, the server's request log (its /_sim/ control port) is read over a
window: every HTTP request that reached the server, the websocket's upgrade included (a
websocket's pings and pongs are frames on an open connection, not requests).

Beside it, plexwebsocket 0.0.14 (Home Assistant core's client) holds a websocket of its own
on the same server, from this process, with a User-Agent of its own so that its requests
are told apart in the log.

The window begins `--offset` seconds after Home Assistant's first sessions read on the
websocket and lasts `--window` seconds: by default half a refresh interval after that read
and one refresh interval long, so that its edges fall between two periodic reads whatever
their exact moments. Every request after the connection is listed as well.

Run from the repository root:

    .venv/bin/python -m benchmarks.idle_cost [--window 300] [--offset 150]

plexwebsocket is installed on first use into .cache/bench-peers.
"""

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import itertools
import logging
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from aiohttp import ClientSession

from benchmarks.common import (
    BenchmarkError,
    HomeAssistantRun,
    PMSControl,
    PMSSimulatorProcess,
    ensure_peers,
    home_assistant_run,
    load_average,
    loopback_only,
    machine,
    render_table,
    setup_logging,
    wait_for_entity,
)
from custom_components.plex_account.aioplexaccount import notifications as ours_module
from library.simulators.pms import SAMPLE_TOKEN

ENTITY_ID = "media_player.living_room_tv"
SESSIONS_PATH = "/status/sessions"
NOTIFICATIONS_PATH = "/:/websockets/notifications"
PEER_AGENT = "plexwebsocket-benchmark"
# Home Assistant core's Plex integration (homeassistant/components/plex): every
# CLIENT_SCAN_INTERVAL it reads the server's clients and sessions (two requests), and
# plex.tv's resources at most every PLEXTV_THROTTLE seconds; its websocket's heartbeat.
CORE_SCAN_INTERVAL = 600.0
CORE_REQUESTS_PER_SCAN = 2
CORE_HEARTBEAT = 15.0
HOUR = 3600.0
WAIT = 60.0


@dataclass(kw_only=True)
class Observation:
    """What reached the server and plex.tv, and when (the server's clock)."""

    connected: float
    """Home Assistant's first sessions read on its websocket."""
    start: float
    end: float
    requests: list[dict[str, Any]]
    """The server's request log, every entry since the simulator started."""
    plextv: Counter[str]
    """plex.tv requests of Home Assistant in the window, by path."""
    upgrades_before: int
    upgrades_after: int
    """How many websockets the server had accepted at the window's start and end."""


def from_peer(entry: dict[str, Any]) -> bool:
    """Return whether a logged request is plexwebsocket's (by its User-Agent)."""
    headers = {name.lower(): value for name, value in entry["headers"].items()}
    return bool(headers.get("user-agent", "") == PEER_AGENT)


def describe(entry: dict[str, Any]) -> str:
    """Return a request's method and path (never its query: the token may be there)."""
    return f"{entry['method']} {entry['path']}"


async def first_read_on_websocket(control: PMSControl) -> float:
    """Wait until Home Assistant holds the websocket and has read the sessions on it.

    Return that read's moment (the server's clock).
    """
    async with asyncio.timeout(WAIT):
        while True:
            log = [entry for entry in await control.requests() if not from_peer(entry)]
            upgrades = [e["time"] for e in log if e["path"] == NOTIFICATIONS_PATH]
            if upgrades:
                reads = [
                    e["time"]
                    for e in log
                    if e["path"] == SESSIONS_PATH and e["time"] >= upgrades[-1]
                ]
                if reads:
                    return float(reads[0])
            await asyncio.sleep(0.2)


async def wait_until(moment: float) -> None:
    """Sleep until time.monotonic() reads moment (the server's clock is the same one)."""
    await asyncio.sleep(max(moment - time.monotonic(), 0.0))


async def observe(
    args: argparse.Namespace,
    pms: PMSSimulatorProcess,
    run: HomeAssistantRun,
    plexwebsocket: ModuleType,
) -> Observation:
    """Hold plexwebsocket's websocket beside Home Assistant's; read the logs over the window."""
    # plexwebsocket reads only the server's url(path, includeToken=True).
    server = SimpleNamespace(
        url=lambda path, includeToken: f"{pms.url}{path}?X-Plex-Token={SAMPLE_TOKEN}"  # noqa: ARG005, N803
    )

    def callback(msgtype: str, data: object, error: object) -> None:
        pass

    async with (
        ClientSession() as control_session,
        ClientSession(headers={"User-Agent": PEER_AGENT}) as peer_session,
    ):
        control = PMSControl(control_session, pms.control_url)
        connected = await first_read_on_websocket(control)
        socket = plexwebsocket.PlexWebsocket(
            server, callback, subscriptions=["playing", "status"], session=peer_session
        )
        task = asyncio.create_task(socket.listen())
        try:
            await wait_until(connected + args.offset)
            state = await control.state()
            if state["open_websockets"] != 2:  # Home Assistant's and the peer's
                msg = f"expected 2 open websockets, the server has {state['open_websockets']}"
                raise BenchmarkError(msg)
            start = time.monotonic()
            run.plextv.http.delete("/_sim/requests").raise_for_status()
            print(f"  window of {args.window:g} s begins", flush=True)
            await wait_until(start + args.window)
            end = time.monotonic()
            plextv_log = run.plextv.http.get("/_sim/requests").json()
            final = await control.state()
            requests = await control.requests()
        finally:
            socket.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return Observation(
        connected=connected,
        start=start,
        end=end,
        requests=requests,
        plextv=Counter(describe(entry) for entry in plextv_log),
        upgrades_before=state["websocket_connections"],
        upgrades_after=final["websocket_connections"],
    )


def per_hour(count: int, seconds: float) -> str:
    """Return count over seconds, scaled to an hour."""
    return f"{count * HOUR / seconds:.1f}"


def table(observed: Observation) -> str:
    """Return the table: ours and plexwebsocket measured, core's scan from its source."""
    window = observed.end - observed.start
    inside = [e for e in observed.requests if observed.start <= e["time"] < observed.end]
    ours = [e for e in inside if not from_peer(e)]
    theirs = [e for e in inside if from_peer(e)]
    refresh = ours_module.DEFAULT_REFRESH_INTERVAL
    heartbeat = ours_module.DEFAULT_HEARTBEAT

    def by_path(entries: list[dict[str, Any]]) -> str:
        counts = Counter(describe(entry) for entry in entries)
        return ", ".join(f"{path} {count}" for path, count in sorted(counts.items())) or "none"

    columns = [
        ("client", "<"),
        ("measured", "<"),
        ("requests in window", ">"),
        ("what", "<"),
        ("per hour (window)", ">"),
        ("per hour (timers)", ">"),
        ("ws pings/hour", ">"),
    ]
    rows = [
        [
            "plex_account in Home Assistant",
            f"yes, {window:.0f} s",
            str(len(ours)),
            by_path(ours),
            per_hour(len(ours), window),
            f"{HOUR / refresh:.1f}",
            f"{HOUR / heartbeat:.0f} (not counted)",
        ],
        [
            "core: plexwebsocket 0.0.14 alone",
            f"yes, {window:.0f} s",
            str(len(theirs)),
            by_path(theirs),
            per_hour(len(theirs), window),
            "0.0",
            f"{HOUR / CORE_HEARTBEAT:.0f} (not counted)",
        ],
        [
            "core: + its client scan",
            "no: its source",
            "-",
            "GET /clients, GET /status/sessions",
            "-",
            f"{HOUR / CORE_SCAN_INTERVAL * CORE_REQUESTS_PER_SCAN:.1f}",
            f"{HOUR / CORE_HEARTBEAT:.0f}",
        ],
    ]
    return render_table(columns, rows)


def timeline(observed: Observation) -> list[str]:
    """Return every request of Home Assistant's to the server, from its first read on."""
    ours = [e for e in observed.requests if not from_peer(e)]
    return [f"  {e['time'] - observed.connected:+8.1f} s  {describe(e)}" for e in ours]


def periods(observed: Observation) -> str:
    """Return the gaps between Home Assistant's sessions reads after the first on the websocket."""
    reads = [
        e["time"]
        for e in observed.requests
        if not from_peer(e) and e["path"] == SESSIONS_PATH and e["time"] >= observed.connected
    ]
    gaps = [later - earlier for earlier, later in itertools.pairwise(reads)]
    return ", ".join(f"{gap:.1f} s" for gap in gaps) or "none seen"


def parse_args() -> argparse.Namespace:
    """Read the options."""
    refresh = ours_module.DEFAULT_REFRESH_INTERVAL
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--window",
        type=float,
        default=refresh,
        help=f"seconds of the counted window (default {refresh:g}: one refresh interval)",
    )
    parser.add_argument(
        "--offset",
        type=float,
        default=refresh / 2,
        help="seconds from Home Assistant's first sessions read on the websocket to the "
        f"window (default {refresh / 2:g})",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the processes' logs and Home Assistant's config folder (printed)",
    )
    args = parser.parse_args()
    if args.window <= 0 or args.offset < 0:
        parser.error("--window must be positive and --offset not negative")
    return args


def main() -> None:
    """Print the figures."""
    args = parse_args()
    setup_logging()
    ensure_peers()
    plexwebsocket = importlib.import_module("plexwebsocket")
    logging.getLogger("plexwebsocket").setLevel(logging.CRITICAL)
    print(machine())
    print(
        f"Nothing plays; a window of {args.window:g} s, {args.offset:g} s after Home "
        f"Assistant's first sessions read on the websocket; plexwebsocket "
        f"{importlib.metadata.version('plexwebsocket')} beside it.",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        folder = (
            tempfile.mkdtemp(prefix="plex-account-idle-")
            if args.keep
            else stack.enter_context(tempfile.TemporaryDirectory(prefix="plex-account-idle-"))
        )
        workdir = Path(folder)
        pms = PMSSimulatorProcess(workdir / "pms-simulator.log")
        stack.callback(pms.stop)
        started = time.monotonic()
        with home_assistant_run(workdir / "home-assistant", pms) as run:
            state = wait_for_entity(run, ENTITY_ID)
            print(
                f"  Home Assistant {run.hass.version} signed in, {ENTITY_ID} is "
                f"{state['state']}, in {time.monotonic() - started:.0f} s",
                flush=True,
            )
            with loopback_only():
                observed = asyncio.run(observe(args, pms, run, plexwebsocket))
            refused = run.refused()
        refused += [f"server simulator: {line}" for line in pms.refused()]
        if args.keep:
            print(f"Logs and Home Assistant's config: {workdir}")
    print()
    print(table(observed))
    print()
    print(
        "requests in window: HTTP requests that reached the server in the window, the "
        "websocket's upgrade included. per hour (window): that count scaled to an hour. "
        "per hour (timers): what the clients' timers give: ours reads the sessions every "
        f"{ours_module.DEFAULT_REFRESH_INTERVAL:g} s while the websocket holds (so that a "
        "lost notification never leaves the state stale for long); plexwebsocket sends "
        f"nothing but its websocket; core's integration scans the server's clients every "
        f"{CORE_SCAN_INTERVAL:g} s (GET /clients and GET /status/sessions through "
        "python-plexapi, and plex.tv's resources). ws pings/hour: aiohttp's heartbeat "
        f"({ours_module.DEFAULT_HEARTBEAT:g} s ours, {CORE_HEARTBEAT:g} s plexwebsocket's) "
        "sends a ping when nothing arrived for that long: not requests, not counted here."
    )
    print(
        "Websockets the server accepted, at the window's start and end: "
        f"{observed.upgrades_before} and {observed.upgrades_after} (no reconnection if equal)."
    )
    print(f"Gaps between Home Assistant's sessions reads on the websocket: {periods(observed)}.")
    print(
        "Every request of Home Assistant's to the server, timed from its first sessions read "
        "on the websocket (the connection's choice and the upgrade come before):"
    )
    print("\n".join(timeline(observed)))
    plextv = ", ".join(f"{path} {count}" for path, count in sorted(observed.plextv.items()))
    print(
        f"For comparison, Home Assistant's requests to plex.tv in the window: {plextv or 'none'}."
    )
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        for line in refused:
            print(f"  {line}")
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
