"""Idle cost of following a server: requests to it per hour while nothing plays.

The simulators and Home Assistant run as processes, as for push_latency, the sample account
signed in. Nothing plays. Once Home Assistant holds the server's notification websocket and
has read the sessions on it, plexwebsocket (Home Assistant core's client) holds one of its
own from this process, with a User-Agent of its own that tells its requests apart. Every
HTTP request that reaches the server in a window (`--offset` seconds after Home Assistant's
first read on the websocket, `--window` long) is counted from the server's request log; a
websocket's pings are frames on an open connection, not requests.
"""

import argparse
import asyncio
import importlib
import itertools
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import ClientSession
from aioplexaccount import FollowSettings

from harness import runner

from .push_latency import Servers, servers, websockets

SESSIONS = "/status/sessions"
NOTIFICATIONS = "/:/websockets/notifications"
PEER_AGENT = "plexwebsocket-benchmark"
# Home Assistant core's Plex integration: every CLIENT_SCAN_INTERVAL it reads the server's
# clients and sessions (two requests); its websocket's heartbeat.
CORE_SCAN = 600.0
CORE_HEARTBEAT = 15.0
HOUR = 3600.0
SETTINGS = FollowSettings()


def peer(entry: dict[str, Any]) -> bool:
    """Return whether a logged request is plexwebsocket's (by its User-Agent)."""
    return any(v == PEER_AGENT for k, v in entry["headers"].items() if k.lower() == "user-agent")


def what(entries: list[dict[str, Any]]) -> str:
    """Return requests' methods and paths, counted (never the query: the token may be there)."""
    counts = Counter(f"{e['method']} {e['path']}" for e in entries)
    return ", ".join(f"{path} {count}" for path, count in sorted(counts.items())) or "none"


async def observe(args: argparse.Namespace, run: Servers) -> None:
    """Hold plexwebsocket's websocket beside Home Assistant's; count the window; print it."""
    plexwebsocket = importlib.import_module("plexwebsocket")
    pms = run.pms
    # plexwebsocket reads only the server's url(path, includeToken=True).
    server = SimpleNamespace(url=lambda path, **_: f"{pms.url}{path}?X-Plex-Token={pms.token}")
    log = f"{pms.control_url}/_sim/requests"
    async with ClientSession() as control, ClientSession(headers={"User-Agent": PEER_AGENT}) as own:

        async def first_read() -> float:
            while True:
                ours = [e for e in await runner.call(control, log) if not peer(e)]
                upgrades = [e["time"] for e in ours if e["path"] == NOTIFICATIONS]
                reads = [
                    e["time"]
                    for e in ours
                    if e["path"] == SESSIONS and upgrades and e["time"] >= upgrades[-1]
                ]
                if reads:
                    return float(reads[0])
                await asyncio.sleep(0.2)

        connected = await asyncio.wait_for(first_read(), 60)
        socket = plexwebsocket.PlexWebsocket(
            server, lambda *_: None, subscriptions=["playing", "status"], session=own
        )
        task = asyncio.create_task(socket.listen())
        try:
            await asyncio.sleep(max(connected + args.offset - time.monotonic(), 0.0))
            state = await runner.until(lambda: websockets(control, pms, 2), 30)
            start = time.monotonic()
            run.plextv.http.delete("/_sim/requests")
            print(f"  a window of {args.window:g} s begins", flush=True)
            await asyncio.sleep(args.window)
            end = time.monotonic()
            plextv = run.plextv.http.get("/_sim/requests").json()
            final = await runner.call(control, f"{pms.control_url}/_sim/state")
            requests = await runner.call(control, log)
        finally:
            socket.close()
            task.cancel()
    window = end - start
    inside = [e for e in requests if start <= e["time"] < end]
    ours = [e for e in inside if not peer(e)]
    theirs = [e for e in inside if peer(e)]
    rows: list[list[object]] = [
        ["plex_account in Home Assistant", f"yes, {window:.0f} s", len(ours), what(ours),
         f"{len(ours) * HOUR / window:.1f}", f"{HOUR / SETTINGS.refresh_interval:.1f}",
         f"{HOUR / SETTINGS.heartbeat:.0f} (not counted)"],
        [f"core: plexwebsocket {runner.version('plexwebsocket')} alone", f"yes, {window:.0f} s",
         len(theirs), what(theirs), f"{len(theirs) * HOUR / window:.1f}", "0.0",
         f"{HOUR / CORE_HEARTBEAT:.0f} (not counted)"],
        ["core: + its client scan", "no: its source", "-", "GET /clients, GET /status/sessions",
         "-", f"{HOUR / CORE_SCAN * 2:.1f}", f"{HOUR / CORE_HEARTBEAT:.0f}"],
    ]  # fmt: skip
    columns = "<client|<measured|requests in window|<what|per hour (window)|per hour (timers)"
    print(f"\n{runner.table(columns + '|ws pings/hour', rows)}")
    mine = [e for e in requests if not peer(e)]
    reads = [e["time"] for e in mine if e["path"] == SESSIONS and e["time"] >= connected]
    gaps = ", ".join(f"{b - a:.1f} s" for a, b in itertools.pairwise(reads)) or "none seen"
    print(
        f"\nper hour (timers): ours reads the sessions every {SETTINGS.refresh_interval:g} s "
        f"while the websocket holds; plexwebsocket sends nothing but its websocket; core's "
        f"integration scans the server's clients every {CORE_SCAN:g} s. ws pings: aiohttp's "
        "heartbeat, a frame when nothing arrived for that long.\n"
        f"Websockets the server accepted, at the window's start and end: "
        f"{state['websocket_connections']} and {final['websocket_connections']} (equal: none "
        f"opened again). Gaps between Home Assistant's sessions reads: {gaps}.\n"
        "Every request of Home Assistant's to the server, from its first read on the websocket:"
    )
    print("\n".join(f"  {e['time'] - connected:+8.1f} s  {e['method']} {e['path']}" for e in mine))
    print(f"Home Assistant's requests to plex.tv in the window: {what(plextv)}.")


async def run(args: argparse.Namespace) -> None:
    """Start the processes, observe the window, print the figures."""
    print(f"Nothing plays; a window of {args.window:g} s, {args.offset:g} s after the first read.")
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-idle-") as folder,
        servers(Path(folder)) as run,
    ):
        await observe(args, run)
        refused = run.refused()
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    interval = SETTINGS.refresh_interval
    parser.add_argument("--window", type=float, default=interval, help=f"seconds ({interval:g})")
    parser.add_argument(
        "--offset",
        type=float,
        default=interval / 2,
        help=f"after the first read ({interval / 2:g})",
    )


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"window": 2.0, "offset": 0.0})


if __name__ == "__main__":
    main()
