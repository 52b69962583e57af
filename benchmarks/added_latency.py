"""Added latency: a server's "done" notification of a new episode to the Library event.

A Plex Media Server simulator (in its own process, on 127.0.0.2) is the Living Room Server;
its control port adds an episode at a time to TV Shows, and it announces each as a real
server does: a `timeline` notification in state 0 (created), then, `--processing` seconds
later (the server reading the file), state 5 (done); with 0, states 0, 1, 4 and 5 at once.
The integration runs in a real Home Assistant. Measured: from the state 5 notification's
arrival at an observer websocket of this process (the server's send, within a millisecond
on loopback) to Home Assistant writing `event.living_room_server_library` with the
episode's title (its state_changed event's time_fired): the same machine's clock.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from harness import runner

from .libraries import LIBRARY_EVENT, Commands, Servers, fired_at, servers, websocket_api
from .push_latency import reading

WAIT = 10.0  # seconds an addition may take to show before it counts as lost
DONE, CREATED = 5, 0
TARGET_MEDIAN, TARGET_P95 = 0.100, 0.250


@dataclass(kw_only=True)
class Addition:
    """One episode added, and when each step of it was seen (epoch seconds)."""

    title: str
    created: float | None = None
    done: float | None = None
    written: float | None = None
    arrived: float | None = None
    """When the state_changed event arrived here."""

    @property
    def latency(self) -> float | None:
        """Return state 5 notification -> the event's state written."""
        return None if self.done is None or self.written is None else self.written - self.done


class Seen:
    """The additions by rating key and by title, and what was seen of each."""

    def __init__(self) -> None:
        """Start with none."""
        self.by_key: dict[str, Addition] = {}
        self.by_title: dict[str, Addition] = {}
        self.shown = asyncio.Event()

    def notified(self, arrived: float, data: Any) -> None:  # noqa: ANN401 - a notification
        """Stamp the additions' state 0 and state 5 timeline entries."""
        container = data.get("NotificationContainer", {})
        if container.get("type") != "timeline":
            return
        for entry in container.get("TimelineEntry", []):
            if (addition := self.by_key.get(str(entry.get("itemID")))) is None:
                continue
            if entry.get("state") == CREATED and addition.created is None:
                addition.created = arrived
            elif entry.get("state") == DONE and addition.done is None:
                addition.done = arrived

    def event(self, arrived: float, event: dict[str, Any]) -> None:
        """Stamp the Library event's state_changed of an addition."""
        data = event.get("data") or {}
        if data.get("entity_id") != LIBRARY_EVENT or not data.get("new_state"):
            return
        title = data["new_state"]["attributes"].get("title")
        if (addition := self.by_title.get(title)) is not None and addition.written is None:
            addition.written, addition.arrived = fired_at(event), arrived
            self.shown.set()


async def measure(args: argparse.Namespace, run: Servers) -> list[Addition]:
    """Add `args.warmup` episodes not counted, then `args.additions`; wait for each event."""
    pms, additions, seen = run.pms, [], Seen()
    notifications = f"{pms.url}/:/websockets/notifications"
    async with (
        ClientSession() as session,
        session.ws_connect(notifications, params={"X-Plex-Token": pms.token}) as observer,
        reading(observer, lambda _arrived, data: seen.notified(time.time(), data)),
        websocket_api(run.hass) as ws,
    ):
        commands = Commands(ws)
        commands.listeners.append(seen.event)
        try:
            await commands({"type": "subscribe_events", "event_type": "state_changed"})
            for number in range(args.warmup + args.additions):
                title = f"Arrival {number + 1:03}"
                addition = seen.by_title[title] = Addition(title=title)
                body: dict[str, object] = {"section": "2", "kind": "episode", "title": title}
                body |= {"show": "Benchmark Bay", "season": 1, "episode": number + 1}
                seen.shown.clear()
                url = f"{pms.control_url}/_sim/library/items"
                if args.processing > 0:
                    body["processed"] = False  # state 0 now, state 5 later
                [key] = (await runner.call(session, url, "POST", body))["ratingKeys"]
                seen.by_key[key] = addition
                if args.processing > 0:
                    await asyncio.sleep(args.processing)
                    processed = f"{pms.control_url}/_sim/library/processed"
                    await runner.call(session, processed, "POST", {"ratingKeys": [key]})
                try:
                    async with asyncio.timeout(WAIT):
                        while addition.written is None:
                            await seen.shown.wait()
                            seen.shown.clear()
                except TimeoutError:
                    print(f"  {title}: no Library event within {WAIT:g} s", flush=True)
                if number >= args.warmup:
                    additions.append(addition)
                await asyncio.sleep(args.pause)
        finally:
            commands.close()
    return additions


async def run(args: argparse.Namespace) -> None:
    """Start the processes, add the episodes, print the figures."""
    print(
        f"{args.additions} episodes added one at a time ({args.warmup} more first, not counted); "
        f"each done {args.processing:g} s after it was created"
    )
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-added-") as folder,
        servers(Path(folder)) as servers_run,
    ):
        additions = await measure(args, servers_run)
        refused = servers_run.refused()
    latencies = [a.latency for a in additions if a.latency is not None]
    from_created = [a.written - a.created for a in additions if a.written and a.created]
    to_here = [a.arrived - a.done for a in additions if a.arrived and a.done]
    count = len(additions)
    rows = [
        ["state 5 (done) -> event written", count, len(latencies), *runner.spread(latencies)],
        [
            "state 0 (created) -> event written",
            count,
            len(from_created),
            *runner.spread(from_created),
        ],
        ["state 5 -> its state_changed here", count, len(to_here), *runner.spread(to_here)],
    ]
    print(f"\n{runner.table('<from -> to|added|shown|median|p95|max', rows)}")
    if latencies:
        median, p95 = statistics.median(latencies), runner.percentile(latencies, 0.95)
        print(
            f"\nTarget: median <= {runner.ms(TARGET_MEDIAN)}, p95 <= {runner.ms(TARGET_P95)}: "
            f"median {'met' if median <= TARGET_MEDIAN else 'MISSED'}, "
            f"p95 {'met' if p95 <= TARGET_P95 else 'MISSED'} (measured, not asserted)."
        )
    print(
        "The observer and Home Assistant share this machine's clock; time_fired is when Home "
        "Assistant wrote the event entity's state."
    )
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--additions", type=int, default=40, help="episodes counted (40)")
    parser.add_argument("--warmup", type=int, default=2, help="episodes not counted first (2)")
    parser.add_argument("--pause", type=float, default=0.3, help="between additions, s (0.3)")
    parser.add_argument(
        "--processing",
        type=float,
        default=0.2,
        help="s from state 0 (created) to state 5 (done); 0: all at once, as 0, 1, 4, 5 (0.2)",
    )


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"additions": 5, "warmup": 1, "pause": 0.1})


if __name__ == "__main__":
    main()
