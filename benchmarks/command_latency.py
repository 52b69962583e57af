"""Command latency: pause pressed to the player paused, Home Assistant beside python-plexapi.

A Plex Media Server simulator (in its own process, on 127.0.0.2) is the Living Room Server; a
film plays on its Living Room TV, which takes remote control through the server. Each round
pauses it, then resumes it, once through Home Assistant (`media_player.media_pause`, then
`media_play`, on `media_player.living_room_tv`, called over its websocket API, as a card's
button calls it) and once with python-plexapi (`PlexClient.pause()`, then `play()`, proxied
through the server) in this process. The simulator obeys as it receives the command: it
changes the session's state and sends a `playing` notification on every open websocket,
then answers. Every moment is taken on this machine's clocks; see the columns under the table.
"""

import argparse
import asyncio
import importlib
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from aiohttp import ClientSession

from harness import runner
from library.simulators.pms import LIVING_ROOM_TV_ID

from .libraries import Commands, Servers, fired_at, servers, websocket_api
from .push_latency import reading

ENTITY = "media_player.living_room_tv"
TV = "Living Room TV"
PAUSE_FEATURE = 1  # MediaPlayerEntityFeature.PAUSE
WAIT = 10.0  # seconds a command may take to show before it counts as lost
# Each action, Home Assistant's service and python-plexapi's method for it, the server's
# path and the state it leads to.
ACTIONS = {
    "pause": ("media_pause", "pause", "/player/playback/pause", "paused"),
    "resume": ("media_play", "play", "/player/playback/play", "playing"),
}
HA = "plex_account in Home Assistant"
PLEXAPI = "python-plexapi, proxied"


@dataclass(kw_only=True)
class Command:
    """One command, and when each step of it was seen."""

    client: str
    action: str
    called: tuple[float, float] = (0.0, 0.0)
    """When the call was made: monotonic, wall clock."""
    answered: float | None = None
    """When the call returned (monotonic): the service call's result, or pause() returning."""
    request: float | None = None
    """When the command's request reached the server (its log, the same monotonic clock)."""
    on_server: float | None = None
    """When the server's notification of the new state reached the observer (monotonic)."""
    written: float | None = None
    """Home Assistant's time_fired of the media player's new state (wall clock)."""

    def since_call(self, moment: float | None) -> float | None:
        """Return a monotonic moment's distance from the call."""
        return None if moment is None else moment - self.called[0]

    @property
    def to_written(self) -> float | None:
        """Return the call -> the new state written in Home Assistant."""
        return None if self.written is None else self.written - self.called[1]


@dataclass(kw_only=True)
class Seen:
    """What the observer and Home Assistant's websocket API showed, as it came."""

    tv_states: list[tuple[float, str]] = field(default_factory=list)
    """The TV's session's state in each `playing` notification, with its arrival (monotonic)."""
    entity_states: list[tuple[float, str]] = field(default_factory=list)
    """The media player's state in each state_changed, with its time_fired (wall clock)."""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notified(self, arrived: float, data: Any) -> None:  # noqa: ANN401 - a notification
        """Keep the TV's states of a `playing` notification."""
        container = data.get("NotificationContainer", {})
        if container.get("type") != "playing":
            return
        for entry in container.get("PlaySessionStateNotification", []):
            if entry.get("clientIdentifier") == LIVING_ROOM_TV_ID:
                self.tv_states.append((arrived, entry.get("state", "")))
                self.changed.set()

    def event(self, _arrived: float, event: dict[str, Any]) -> None:
        """Keep the media player's state of a state_changed event."""
        data = event.get("data") or {}
        if data.get("entity_id") == ENTITY and data.get("new_state"):
            self.entity_states.append((fired_at(event), data["new_state"]["state"]))
            self.changed.set()

    async def until(self, check: Callable[[], float | None]) -> float | None:
        """Wait until check() finds its moment; None if it takes more than WAIT seconds."""
        try:
            async with asyncio.timeout(WAIT):
                while (found := check()) is None:
                    self.changed.clear()
                    await self.changed.wait()
                return found
        except TimeoutError:
            return None

    def tv(self, state: str, since: float) -> Callable[[], float | None]:
        """Return a check for the first notification of the TV in state after since."""
        return lambda: next((t for t, s in self.tv_states if t >= since and s == state), None)

    def entity(self, state: str, since: float) -> Callable[[], float | None]:
        """Return a check for the first state_changed to state fired after since (wall)."""
        return lambda: next((t for t, s in self.entity_states if t >= since and s == state), None)


async def command(
    seen: Seen, client: str, action: str, call: Callable[[str], Awaitable[tuple[float, float]]]
) -> Command:
    """Send one command with call(action), which returns when it was made and returned.

    Waits until the server told the new state and Home Assistant wrote it, whichever client
    sent it, so that the next command finds both settled.
    """
    state = ACTIONS[action][3]
    done = Command(client=client, action=action)
    wall = time.time() - time.monotonic()  # the wall clock's lead, to place the call on it
    started, done.answered = await call(action)
    done.called = (started, started + wall)
    done.on_server = await seen.until(seen.tv(state, started))
    written = await seen.until(seen.entity(state, done.called[1]))
    done.written = written if client == HA else None
    if done.on_server is None or written is None:
        print(f"  {client}: {action} not shown within {WAIT:g} s", flush=True)
    return done


async def measure(args: argparse.Namespace, run: Servers) -> list[Command]:
    """Start a film on the TV; pause and resume it with each client in turn; return all."""
    pms, commands = run.pms, []
    seen = Seen()
    http = requests.Session()
    http.trust_env = False  # loopback: no proxy from the environment
    tv = await asyncio.to_thread(plexapi_client, pms.url, pms.token, http)
    notifications = f"{pms.url}/:/websockets/notifications"
    async with (
        ClientSession() as session,
        session.ws_connect(notifications, params={"X-Plex-Token": pms.token}) as observer,
        reading(observer, seen.notified),
        websocket_api(run.hass) as ws,
    ):
        api = Commands(ws)
        api.listeners.append(seen.event)
        try:
            await api({"type": "subscribe_events", "event_type": "state_changed"})
            await runner.call(session, f"{pms.control_url}/_sim/sessions", "DELETE")
            body = {"player": "living_room_tv", "media": "film"}
            await runner.call(session, f"{pms.control_url}/_sim/sessions", "POST", body)
            await runner.until(lambda: controllable(run), WAIT)

            async def in_home_assistant(action: str) -> tuple[float, float]:
                message: dict[str, object] = {"type": "call_service", "domain": "media_player"}
                message |= {"service": ACTIONS[action][0], "service_data": {"entity_id": ENTITY}}
                started = time.monotonic()
                result = await api(message)
                answered = time.monotonic()
                if not result.get("success"):
                    msg = f"media_player.{ACTIONS[action][0]} failed: {result}"
                    raise runner.BenchmarkError(msg)
                return started, answered

            async def with_plexapi(action: str) -> tuple[float, float]:
                return await asyncio.to_thread(timed, getattr(tv, ACTIONS[action][1]))

            since = time.monotonic()
            for number in range(args.warmup + args.rounds):
                for client, call in ((HA, in_home_assistant), (PLEXAPI, with_plexapi)):
                    for action in ACTIONS:
                        done = await command(seen, client, action, call)
                        commands += [done] if number >= args.warmup else []
                        await asyncio.sleep(args.pause)
            log = await runner.call(session, f"{pms.control_url}/_sim/requests")
        finally:
            api.close()
            http.close()
    place_requests(commands, log, since)
    return commands


def plexapi_client(url: str, token: str, http: requests.Session) -> Any:  # noqa: ANN401
    """Return the TV as python-plexapi finds it on the server, commands proxied through it.

    PlexServer.clients() is how Home Assistant core's Plex integration finds the server's
    players; it proxies a player's commands through the server where it cannot reach the
    player itself (here: the simulator serves no player of its own).
    """
    server = importlib.import_module("plexapi.server").PlexServer(url, token, session=http)
    client = server.client(TV)
    client.proxyThroughServer()
    return client


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """Call; return when it was called and when it returned (monotonic), in its thread."""
    started = time.monotonic()
    call()
    return started, time.monotonic()


async def controllable(run: Servers) -> bool | None:
    """Return True once the media player plays and offers pause; None until then."""
    state = await asyncio.to_thread(run.hass.state, ENTITY) or {}
    features = int(state.get("attributes", {}).get("supported_features", 0))
    return True if state.get("state") == "playing" and features & PAUSE_FEATURE else None


def place_requests(commands: list[Command], log: list[dict[str, Any]], since: float) -> None:
    """Give each command its request's arrival at the server, from the server's log."""
    for done in commands:
        path = ACTIONS[done.action][2]
        done.request = next(
            (
                entry["time"]
                for entry in log
                if entry["path"] == path and entry["time"] >= max(since, done.called[0])
            ),
            None,
        )


def median(values: list[float]) -> str:
    """Return the median in milliseconds, "-" for none."""
    return runner.ms(statistics.median(values)) if values else "-"


def cells(client: str, action: str, commands: list[Command]) -> list[object]:
    """Return one table row: a client's commands of one action."""
    mine = [c for c in commands if c.client == client and c.action == action]
    on_server = [t for c in mine if (t := c.since_call(c.on_server)) is not None]
    requested = [t for c in mine if (t := c.since_call(c.request)) is not None]
    answered = [t for c in mine if (t := c.since_call(c.answered)) is not None]
    written = [t for c in mine if (t := c.to_written) is not None]
    return [
        client,
        action,
        len(mine),
        median(requested),
        *runner.spread(on_server)[:2],
        median(answered),
        *(runner.spread(written) if client == HA else ["-"] * 3),
    ]


async def run(args: argparse.Namespace) -> None:
    """Start the processes, send the commands, print the table."""
    runner.ensure_peers()
    print(
        f"{args.rounds} rounds ({args.warmup} more first, not counted): pause and resume the "
        f"Living Room TV through Home Assistant, then with python-plexapi "
        f"{runner.version('PlexAPI')}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-command-") as folder,
        servers(Path(folder)) as servers_run,
    ):
        commands = await measure(args, servers_run)
        refused = servers_run.refused()
    rows = [cells(client, action, commands) for client in (HA, PLEXAPI) for action in ACTIONS]
    columns = (
        "<client|<action|commands|to request|on server: median|p95|answered|"
        "state written: median|p95|max"
    )
    print(f"\n{runner.table(columns, rows)}")
    print(
        "\nAll from the call (this process's clock): to request, the command's request reaching "
        "the server (its log); on server, the server's notification of the new state reaching "
        "an observer websocket here (the server changes the session, then notifies, then "
        "answers); answered, the call returning (Home Assistant's call_service result over its "
        "websocket API; python-plexapi's method); state written, Home Assistant writing the "
        "media player's new state (its state_changed event's time_fired). Medians where not "
        "said."
    )
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--rounds", type=int, default=30, help="rounds counted (30)")
    parser.add_argument("--warmup", type=int, default=2, help="rounds not counted first (2)")
    parser.add_argument("--pause", type=float, default=0.2, help="between commands, s (0.2)")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"rounds": 3, "warmup": 1, "pause": 0.1})


if __name__ == "__main__":
    main()
