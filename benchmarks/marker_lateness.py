"""Marker lateness: how late the Playback event tells the moments inside an episode.

A Plex Media Server simulator (in its own process, on 127.0.0.2, in real time) is the Living
Room Server; the integration runs in a real Home Assistant. Each run plays the sample episode
(The Lighthouse, 44 min: its intro at 1:00-1:30, its credits from 43:00) on the Living Room
TV, through the server as a Plex remote does: `playMedia` from `--lead` seconds before the
intro, then on through the intro (or, with `--seek-intro`, a seek to `--lead` seconds before
its end); a seek to `--lead` seconds before 90 % (watched); one to `--lead` seconds before the
credits. After each start or seek the benchmark reads the session's position from the
server's control port, between two readings of this process's clock: the moment the position
reaches each marker follows, the server's stream moving in real time. Measured for each of
intro_started, intro_ended, watched and credits_started: Home Assistant writing
`event.living_room_server_playback` with that event type (its state_changed event's
time_fired) minus that moment, on the same machine's clock.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from harness import runner
from library.simulators.pms import LIVING_ROOM_TV_ID

from .libraries import Commands, Servers, fired_at, servers, websocket_api

PLAYBACK = "event.living_room_server_playback"
PLAYER = "media_player.living_room_tv"
EPISODE = "2205"
TITLE = "The Lighthouse"
MOMENTS = ("intro_started", "intro_ended", "watched", "credits_started")
WATCHED_FRACTION = 0.9  # as Plex counts an item watched
TARGET = "X-Plex-Target-Client-Identifier"
MARGIN = 10.0  # seconds a moment may be late before it counts as not told


@dataclass(kw_only=True)
class Moment:
    """One moment of one run: when the position reached it, when the event was written."""

    name: str
    offset_ms: int
    reached: float | None = None
    """When the server's position reached the marker (wall clock)."""
    uncertainty: float = 0.0
    """Half the time the position's read took: reached is known to within it."""
    written: float | None = None
    """Home Assistant's time_fired of the event (wall clock)."""

    @property
    def lateness(self) -> float | None:
        """Return the event written minus the position reaching the marker."""
        if self.reached is None or self.written is None:
            return None
        return self.written - self.reached


@dataclass(kw_only=True)
class Events:
    """The Playback event's states of the episode, as they come: event type, time_fired."""

    seen: list[tuple[str, float]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def event(self, _arrived: float, event: dict[str, Any]) -> None:
        """Keep the event types the Playback entity writes for the episode."""
        data = event.get("data") or {}
        new = data.get("new_state") or {}
        attributes = new.get("attributes") or {}
        if data.get("entity_id") == PLAYBACK and attributes.get("title") == TITLE:
            self.seen.append((attributes.get("event_type", ""), fired_at(event)))
            self.changed.set()

    async def written(self, name: str, since: float, within: float) -> float | None:
        """Return the time_fired of the first `name` event fired after since (wall clock)."""
        try:
            async with asyncio.timeout(within):
                while True:
                    found = next((t for n, t in self.seen if n == name and t >= since), None)
                    if found is not None:
                        return found
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            return None


class Server:
    """The server's routes the benchmark plays with, as a Plex remote, and its control port."""

    def __init__(self, session: ClientSession, run: Servers) -> None:
        """Talk to run's server over session."""
        self._session, self._pms = session, run.pms
        self._command = 0

    async def get(self, path: str, **params: str) -> Any:  # noqa: ANN401 - any JSON
        """GET one of the server's routes, as JSON."""
        headers = {"X-Plex-Token": self._pms.token, "Accept": "application/json"}
        url = f"{self._pms.url}{path}"
        async with self._session.get(url, params=params, headers=headers) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async def player(self, command: str, **params: str) -> None:
        """Send the TV a playback command through the server, as a Plex remote does."""
        self._command += 1
        params |= {"commandID": str(self._command), "type": "video"}
        headers = {"X-Plex-Token": self._pms.token, TARGET: LIVING_ROOM_TV_ID}
        url = f"{self._pms.url}/player/playback/{command}"
        async with self._session.get(url, params=params, headers=headers) as response:
            if response.status != 200:
                msg = f"{command}: {response.status} {(await response.text())[:200]}"
                raise runner.BenchmarkError(msg)

    async def position(self) -> tuple[int, float, float]:
        """Return the TV's position (ms) and the monotonic moments before and after the read."""
        before = time.monotonic()
        sessions = await runner.call(self._session, f"{self._pms.control_url}/_sim/sessions")
        after = time.monotonic()
        [tv] = [s for s in sessions if s["Player"]["machineIdentifier"] == LIVING_ROOM_TV_ID]
        if tv["Player"]["state"] != "playing":
            msg = f"the TV's session is {tv['Player']['state']}, not playing"
            raise runner.BenchmarkError(msg)
        return int(tv["viewOffset"]), before, after

    async def stop(self) -> None:
        """End every session."""
        await runner.call(self._session, f"{self._pms.control_url}/_sim/sessions", "DELETE")


async def markers(server: Server) -> dict[str, int]:
    """Return each moment's position in the episode (ms), from the server's markers."""
    data = await server.get(f"/library/metadata/{EPISODE}", includeMarkers="1")
    [item] = data["MediaContainer"]["Metadata"]
    found = {marker["type"]: marker for marker in item.get("Marker", [])}
    return {
        "intro_started": found["intro"]["startTimeOffset"],
        "intro_ended": found["intro"]["endTimeOffset"],
        "watched": int(item["duration"] * WATCHED_FRACTION),
        "credits_started": found["credits"]["startTimeOffset"],
    }


async def one_run(
    args: argparse.Namespace, server: Server, events: Events, at: dict[str, int]
) -> list[Moment]:
    """Play the episode from before its intro, seek before watched and credits; time each."""
    lead = round(args.lead * 1000)
    moments = {name: Moment(name=name, offset_ms=at[name]) for name in MOMENTS}
    since = time.time()

    async def place(names: tuple[str, ...]) -> None:
        """Read the position; place the moments ahead of it on the wall clock."""
        position, before, after = await server.position()
        wall = time.time() - time.monotonic()
        middle = (before + after) / 2 + wall
        for name in names:
            moment = moments[name]
            moment.reached = middle + (moment.offset_ms - position) / 1000
            moment.uncertainty = (after - before) / 2

    async def wait(name: str) -> None:
        moment = moments[name]
        assert moment.reached is not None
        within = max(0.0, moment.reached - time.time()) + MARGIN
        moment.written = await events.written(name, since, within)
        if moment.written is None:
            print(f"  {name}: no event within {MARGIN:g} s of its moment", flush=True)

    key = f"/library/metadata/{EPISODE}"
    await server.player("playMedia", key=key, offset=str(at["intro_started"] - lead))
    if args.seek_intro:
        await place(("intro_started",))
        await wait("intro_started")
        await server.player("seekTo", offset=str(at["intro_ended"] - lead))
        await place(("intro_ended",))
    else:
        await place(("intro_started", "intro_ended"))
        await wait("intro_started")
    await wait("intro_ended")
    for name in ("watched", "credits_started"):
        await server.player("seekTo", offset=str(at[name] - lead))
        await place((name,))
        await wait(name)
    await server.stop()
    return list(moments.values())


async def measure(args: argparse.Namespace, run: Servers) -> list[Moment]:
    """Run `args.runs` times; return every moment of every run."""
    events, found = Events(), []
    async with ClientSession() as session, websocket_api(run.hass) as ws:
        commands = Commands(ws)
        commands.listeners.append(events.event)
        server = Server(session, run)
        try:
            await commands({"type": "subscribe_events", "event_type": "state_changed"})
            at = await markers(server)
            await server.stop()
            for number in range(args.runs):
                found += await one_run(args, server, events, at)
                print(f"  run {number + 1} of {args.runs} done", flush=True)
                await asyncio.sleep(args.pause)
        finally:
            commands.close()
    return found


def clock(offset_ms: int) -> str:
    """Return a position as m:ss."""
    minutes, seconds = divmod(offset_ms // 1000, 60)
    return f"{minutes}:{seconds:02}"


async def run(args: argparse.Namespace) -> None:
    """Start the processes, play the episode, print the table."""
    intro = f"a seek to {args.lead:g} s before its end" if args.seek_intro else "played through"
    print(
        f"{args.runs} run(s) of the episode {EPISODE} on the Living Room TV, each moment "
        f"{args.lead:g} s after a start or seek; the intro {intro}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-markers-") as folder,
        servers(Path(folder)) as servers_run,
    ):
        moments = await measure(args, servers_run)
        refused = servers_run.refused()
    rows = []
    for name in MOMENTS:
        mine = [m for m in moments if m.name == name]
        late = [m.lateness for m in mine if m.lateness is not None]
        rows.append(
            [
                name,
                clock(mine[0].offset_ms),
                len(mine),
                len(late),
                runner.ms(statistics.median(late)) if late else "-",
                runner.ms(max(late)) if late else "-",
                runner.ms(min(late)) if late else "-",
            ]
        )
    print(f"\n{runner.table('<moment|at|runs|told|median|max|min', rows)}")
    uncertainty = max((m.uncertainty for m in moments), default=0.0)
    print(
        "\nFrom the server's position reaching the marker (read from its control port, to "
        f"within {runner.ms(uncertainty)}) to Home Assistant writing the Playback event "
        "(time_fired), on this machine's clock. Negative: told before the moment."
    )
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--runs", type=int, default=2, help="runs of the episode (2)")
    parser.add_argument(
        "--lead", type=float, default=3.0, help="s from each start or seek to its moment (3)"
    )
    parser.add_argument(
        "--seek-intro",
        action="store_true",
        help="seek to --lead s before the intro's end instead of playing its 30 s through",
    )
    parser.add_argument("--pause", type=float, default=0.5, help="between runs, s (0.5)")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"runs": 1, "seek_intro": True})


if __name__ == "__main__":
    main()
