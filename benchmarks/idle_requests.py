"""Idle requests: what the integration asks an owned server per hour, everything on.

The simulators and a real Home Assistant run as processes, as for push_latency, the sample
account signed in. Every entity of the integration is enabled (those disabled by default
too; Home Assistant reloads the entry), so that everything it can read, it reads: the sessions, the
libraries and their counts, the updater. Nothing plays, nothing is added. Once the entry has
settled (`--settle` seconds after its first read of the sessions on the websocket), every
HTTP request that reaches the Living Room Server in a window of `--window` seconds (real
time, as benchmarks.idle_cost counts them) is listed by method and path, with the rate per
hour it makes; beside it, the rate per hour that the integration's timers give. A
websocket's pings are frames on an open connection, not requests.
"""

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aioplexaccount import FollowSettings
from aioplexaccount.library_watcher import UPDATE_INTERVAL

from harness import runner, wait_for

from .libraries import DOMAIN, Servers, servers

SESSIONS = "/status/sessions"
NOTIFICATIONS = "/:/websockets/notifications"
HOUR = 3600.0
SETTINGS = FollowSettings()
# What the integration's timers read from an idle server, per hour: the sessions while the
# websocket is quiet (a notification lost), the updater.
TIMERS = {
    f"GET {SESSIONS}": HOUR / SETTINGS.refresh_interval,
    "GET /updater/status": HOUR / UPDATE_INTERVAL,
}


def enable_everything(run: Servers) -> int:
    """Enable the integration's entities disabled by default; return how many.

    Home Assistant reloads the entry by itself half a minute later, which the caller waits
    for: a reload of our own would only be followed by that one.
    """
    hass = run.hass
    entities = hass.ws({"type": "config/entity_registry/list"})["result"]
    disabled = [e for e in entities if e["platform"] == DOMAIN and e["disabled_by"] is not None]
    for entity in disabled:
        update = {"type": "config/entity_registry/update", "entity_id": entity["entity_id"]}
        if not (answer := hass.ws(update | {"disabled_by": None}))["success"]:
            msg = f"could not enable {entity['entity_id']}: {answer}"
            raise runner.BenchmarkError(msg)
    return len(disabled)


def first_read(run: Servers, since: float) -> float | None:
    """Return when the entry first read the sessions on a websocket opened after since."""
    log = run.pms.requests()
    upgrades = [e["time"] for e in log if e["path"] == NOTIFICATIONS and e["time"] >= since]
    reads = [
        e["time"] for e in log if e["path"] == SESSIONS and upgrades and e["time"] >= upgrades[-1]
    ]
    return float(reads[0]) if reads else None


def by_path(entries: list[dict[str, Any]]) -> Counter[str]:
    """Return requests counted by method and path (never the query: a token may be there)."""
    return Counter(f"{e['method']} {e['path']}" for e in entries)


async def run(args: argparse.Namespace) -> None:
    """Start the processes, enable everything, count a window, print the figures."""
    print(f"Nothing plays; a window of {args.window:g} s, {args.settle:g} s after the first read.")
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-idle-requests-") as folder,
        servers(Path(folder)) as started,
    ):
        enabled_at = time.monotonic()
        # The quick run skips it: those entities are the account's (plex.tv), not a server's,
        # and Home Assistant's reload half a minute later is most of the run's time.
        enabled = enable_everything(started) if args.enable_all else 0
        print(f"  {enabled} entities enabled; Home Assistant reloads the entry", flush=True)
        connected = await asyncio.to_thread(
            wait_for,
            lambda: first_read(started, enabled_at if enabled else 0.0),
            timeout=90,
            what="the entry's first read on its websocket, reloaded",
        )
        await asyncio.sleep(max(connected + args.settle - time.monotonic(), 0.0))
        start = time.monotonic()
        started.plextv.http.delete("/_sim/requests")
        print(f"  a window of {args.window:g} s begins", flush=True)
        await asyncio.sleep(args.window)
        end = time.monotonic()
        log = started.pms.requests()
        plextv = started.plextv.http.get("/_sim/requests").json()
        state = started.pms.control.http.get("/_sim/state").json()
        refused = started.refused()
    window = end - start
    inside = [e for e in log if start <= e["time"] < end]
    counts = by_path(inside)
    paths = sorted(set(counts) | set(TIMERS))
    rows = [
        [
            path,
            counts.get(path, 0),
            f"{counts.get(path, 0) * HOUR / window:.1f}",
            f"{TIMERS[path]:.1f}" if path in TIMERS else "0.0",
        ]
        for path in paths
    ]
    rows.append(
        [
            "all",
            len(inside),
            f"{len(inside) * HOUR / window:.1f}",
            f"{sum(TIMERS.values()):.1f}",
        ]
    )
    columns = "<request to the server|in window|per hour (window)|per hour (timers)"
    print(f"\n{runner.table(columns, rows)}")
    print(
        f"\nper hour (timers): the sessions every {SETTINGS.refresh_interval:g} s while the "
        f"websocket is quiet, the updater every {UPDATE_INTERVAL:g} s; the libraries only when "
        f"the server says they changed. Websocket pings every {SETTINGS.heartbeat:g} s "
        f"({HOUR / SETTINGS.heartbeat:.0f} an hour) are frames, not requests. Websockets "
        f"open at the end: {state['open_websockets']}; opened since the start: "
        f"{state['websocket_connections']}.\n"
        "Every request to the server from the first read on the websocket after the reload:"
    )
    print(
        "\n".join(
            f"  {e['time'] - connected:+8.1f} s  {e['method']} {e['path']}"
            for e in log
            if e["time"] >= connected - 1
        )
    )
    theirs = ", ".join(f"{path} {n}" for path, n in sorted(by_path(plextv).items())) or "none"
    print(f"Home Assistant's requests to plex.tv in the window: {theirs}.")
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--window", type=float, default=900.0, help="seconds counted (900)")
    parser.add_argument("--settle", type=float, default=30.0, help="after the first read (30)")
    parser.add_argument(
        "--enable-all",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="enable the entities disabled by default first (yes)",
    )


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"window": 10.0, "settle": 2.0, "enable_all": False})


if __name__ == "__main__":
    main()
