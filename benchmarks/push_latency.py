"""Push latency of "now playing": a server's notification to the new state, ours beside core's.

A Plex Media Server simulator runs in its own process on 127.0.0.2 as the sample Living Room
Server; its control port starts, pauses, resumes and stops a film on the Living Room TV, in
turn, each change sending a `playing` notification on every open notification websocket.
Four rows, one after the other, each after a cycle not counted:

- `plex_account in Home Assistant`: a real Home Assistant (harness, scripts/develop), the
  integration signed in through its config flow; measured to the state of
  `media_player.living_room_tv` written (the state_changed event's time_fired);
- `core's Plex in Home Assistant`: the same Home Assistant, the entry removed, and Home
  Assistant core's own Plex integration set up by hand (server URL and token) against the
  same server; measured to the state of its media player of the TV written;
- `ServerFollower alone`: the library's follower in this process, to its `on_sessions`
  callback showing the new state;
- `core's libraries`: plexwebsocket 0.0.14 and python-plexapi in this process, as core's
  stack runs them: a task per `playing` message running `PlexServer.sessions()` in an
  executor, to that read showing the new state.

The notification's moment is its arrival at an observer: a websocket of this process on the
same server, which stamps each `playing` message (the server writes it to every websocket at
once). Core's integration is given what it asks of the server and of plex.tv at setup
(benchmarks/stand_ins.py); python-plexapi's plex.tv URLs name the plex.tv simulator
(benchmarks/core_plex).
"""

import argparse
import asyncio
import contextlib
import importlib
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType
from aioplexaccount import FollowSettings, Resource, ServerFollower, Session

from harness import (
    HomeAssistant,
    ServerSimulator,
    Simulator,
    free_port,
    runner,
    unstoppable,
    wait_for,
)
from harness.home_assistant import config_yaml
from library.benchmarks.refresh_cost import PROFILE
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, sample_account
from library.simulators.pms import LIVING_ROOM_TV_ID

ENTITY = "media_player.living_room_tv"
CYCLE = ("start", "pause", "resume", "stop")
# The player's state in the sessions after each change (None: no session).
SESSION_STATE = {"start": "playing", "pause": "paused", "resume": "playing", "stop": None}
ACTIVE = {"playing", "paused", "buffering"}
WAIT = 10.0  # seconds a change may take to show before it counts as lost
NAMES = {"client_name": "Home Assistant", "device_name": "Benchmark"}
CORE_PLEX = Path(__file__).resolve().parent / "core_plex"


@dataclass(kw_only=True)
class Change:
    """One change made on the server, and when each step of it was seen."""

    requested: float
    notified: tuple[float, float]
    """When the observer received the notification: monotonic, wall clock."""
    shown: float | None = None
    """When the client showed the change (monotonic): its event's arrival for Home Assistant."""
    written: float | None = None
    """Home Assistant's time_fired of the state written (wall clock)."""
    read: float | None = None
    """When the client's GET /status/sessions reached the server (the same monotonic clock)."""

    @property
    def latency(self) -> float | None:
        """Return notification -> state written (Home Assistant) or shown (this process)."""
        if self.written is not None:
            return self.written - self.notified[1]
        return None if self.shown is None else self.shown - self.notified[0]


@dataclass(kw_only=True)
class Row:
    """One client's changes."""

    client: str
    changes: list[Change] = field(default_factory=list)

    def cells(self) -> list[object]:
        """Return the table's row."""
        latencies = [c.latency for c in self.changes if c.latency is not None]
        # Those that read the sessions before they showed: the GET's place on the way.
        read = [
            (c.read - c.notified[0], c.shown - c.read) for c in self.changes if c.read and c.shown
        ]
        parts = [runner.ms(statistics.median(p)) for p in zip(*read, strict=True)] or ["-", "-"]
        return [self.client, len(self.changes), len(latencies), *runner.spread(latencies), *parts]


type Shown = Callable[[str, float], Awaitable[tuple[float, float | None]]]
"""Awaited as a change is requested: when the client showed it, and its time_fired if any."""


class Observer:
    """A websocket client of the server that stamps every `playing` message on arrival."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        """Read ws in a task of its own."""
        self.ws = ws
        self.stamps: asyncio.Queue[tuple[float, float]] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            stamp = time.monotonic(), time.time()
            if message.type is WSMsgType.TEXT and '"playing"' in message.data:
                self.stamps.put_nowait(stamp)

    async def next(self) -> tuple[float, float]:
        """Return the stamp of the next `playing` message."""
        async with asyncio.timeout(WAIT):
            return await self.stamps.get()


@contextlib.asynccontextmanager
async def observing(session: ClientSession, pms: ServerSimulator) -> AsyncIterator[Observer]:
    """Open the observer's websocket on the server."""
    url = f"{pms.url}/:/websockets/notifications"
    async with session.ws_connect(url, params={"X-Plex-Token": pms.token}) as ws:
        observer = Observer(ws)
        try:
            yield observer
        finally:
            observer.task.cancel()


async def measure(
    args: argparse.Namespace, client: str, pms: ServerSimulator, shown_after: Shown
) -> Row:
    """Make `args.warmup` changes not counted, then `args.changes`; wait until each shows."""
    rng = random.Random(args.seed)  # noqa: S311 - pauses, not secrets
    row, key = Row(client=client), ""
    async with ClientSession() as session, observing(session, pms) as observer:
        control = f"{pms.control_url}/_sim/sessions"
        await runner.call(session, control, "DELETE")
        since = time.monotonic()
        for number in range(args.warmup + args.changes):
            action = CYCLE[number % len(CYCLE)]
            requested = time.monotonic()
            waiting = asyncio.ensure_future(shown_after(action, requested))
            if action == "start":
                body = {"player": "living_room_tv", "media": "film"}
                key = (await runner.call(session, control, "POST", body))["sessionKey"]
            else:
                await runner.call(session, f"{control}/{key}/{action}", "POST")
            change = Change(requested=requested, notified=await observer.next())
            try:
                change.shown, change.written = await waiting
            except TimeoutError:
                print(f"  {client}: {action} not shown within {WAIT:g} s", flush=True)
            if number >= args.warmup:
                row.changes.append(change)
            # The follower's read after its cooldown, then a moment at random.
            await asyncio.sleep(FollowSettings().cooldown + args.pause * (1 + rng.random()))
        reads = [
            entry["time"]
            for entry in await runner.call(session, f"{pms.control_url}/_sim/requests")
            if entry["path"] == "/status/sessions" and entry["time"] >= since
        ]
    for change in row.changes:
        end = change.shown if change.shown is not None else float("inf")
        change.read = next((t for t in reads if change.notified[0] <= t <= end), None)
    return row


async def websockets(
    session: ClientSession, pms: ServerSimulator, count: int
) -> dict[str, Any] | None:
    """Return the server's state once `count` websockets are open on it, else None."""
    state: dict[str, Any] = await runner.call(session, f"{pms.control_url}/_sim/state")
    return state if state["open_websockets"] >= count else None


def session_shows(action: str, sessions: list[Any], state: Callable[[Any], str | None]) -> bool:
    """Return whether the sessions show the change on the Living Room TV."""
    states = [state(session) for session in sessions]
    wanted = SESSION_STATE[action]
    return [s for s in states if s is not None] == ([wanted] if wanted else [])


# Home Assistant


class StateChanges:
    """Home Assistant's state_changed events of one entity, over its websocket API."""

    def __init__(self, ws: ClientWebSocketResponse, entity_id: str) -> None:
        """Read ws in a task of its own."""
        self.ws = ws
        self.entity_id = entity_id
        self.queue: asyncio.Queue[tuple[float, str, float]] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            arrived = time.monotonic()
            data = message.json() if message.type is WSMsgType.TEXT else []
            for item in data if isinstance(data, list) else [data]:
                event = item.get("event") or {}
                if event.get("data", {}).get("entity_id") == self.entity_id:
                    state = (event["data"].get("new_state") or {}).get("state")
                    fired = datetime.fromisoformat(event["time_fired"]).timestamp()
                    self.queue.put_nowait((arrived, str(state), fired))

    async def shown_after(self, action: str, since: float) -> tuple[float, float | None]:
        """Return when the entity's state first showed the change here, and its time_fired."""
        wanted = SESSION_STATE[action]
        async with asyncio.timeout(WAIT):
            while True:
                arrived, state, fired = await self.queue.get()
                if arrived >= since and (
                    state == wanted or (wanted is None and state not in ACTIVE)
                ):
                    return arrived, fired


@contextlib.asynccontextmanager
async def state_changes(hass: HomeAssistant, entity_id: str) -> AsyncIterator[StateChanges]:
    """Sign in to Home Assistant's websocket API and follow an entity's state_changed."""
    async with ClientSession() as session, session.ws_connect(hass.websocket_url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": hass.tokens["access_token"]})
        await ws.receive_json()
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
        if not (await ws.receive_json()).get("success"):
            msg = "Home Assistant refused the subscription to state_changed"
            raise runner.BenchmarkError(msg)
        changes = StateChanges(ws, entity_id)
        try:
            yield changes
        finally:
            changes.task.cancel()


@dataclass(kw_only=True)
class Servers:
    """The simulators, and Home Assistant on them, the sample account signed in."""

    plextv: Simulator
    pms: ServerSimulator
    hass: HomeAssistant

    def refused(self) -> list[str]:
        """Return what the guard refused the processes, but Home Assistant's source lookup."""
        processes = (self.hass.process, self.plextv.process, self.pms.process)
        lines = [f"{p.name}: {line}" for p in processes for line in p.refused()]
        return [line for line in lines if not unstoppable(line)]


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[Servers]:
    """Start the simulators (with the stand-ins) and Home Assistant; sign the account in.

    The server's token is the account's own, as an owner's is on their server, so that core's
    integration, set up by hand with it, reads plex.tv with it too: plex.tv's simulator ties
    a token to the client identifier that asked for it, python-plexapi's own here.
    """
    runner.ensure_peers()
    stand_ins = ("-m", "benchmarks.stand_ins")
    plextv = Simulator.start(
        workdir / "plextv.log", command=(*stand_ins, "library.simulators.plextv")
    )
    stack = contextlib.ExitStack()
    stack.callback(plextv.stop)
    with stack:
        plextv.http.put("/_sim/account", json=sample_account() | {"profile": PROFILE})
        identifier = importlib.import_module("plexapi").X_PLEX_IDENTIFIER
        headers = {"X-Plex-Client-Identifier": identifier, "Accept": "application/json"}
        token = plextv.approve(plextv.http.post("/api/v2/pins", headers=headers).json()["code"])
        pms = ServerSimulator.start(
            workdir / "pms.log", command=(*stand_ins, "library.simulators.pms"), token=token
        )
        stack.callback(pms.stop)
        pms.wire(plextv)
        port = free_port()
        configuration = config_yaml(port, level="warning", integration="info")
        hass = HomeAssistant.start(
            workdir / "config",
            port=port,
            simulator=plextv,
            configuration=configuration + "plex_on_simulators:\n",
            # Core's Plex integration's requirements, and the integration that points it.
            env={"PYTHONPATH": f"{runner.PEERS_DIR}:{CORE_PLEX}"},
        )
        stack.callback(hass.stop)
        hass.onboard()
        hass.sign_in(plextv, names=NAMES)
        wait_for(lambda: (hass.state(ENTITY) or {}).get("state") not in {None, "unavailable"},
                 timeout=60, what=ENTITY)  # fmt: skip
        print(f"  Home Assistant {hass.version} started and signed in", flush=True)
        yield Servers(plextv=plextv, pms=pms, hass=hass)


def set_up_core(run: Servers) -> str:
    """Remove our entry; add core's Plex entry by hand; return its media player of the TV."""
    hass, pms = run.hass, run.pms
    hass.remove_all()
    flow = hass.start_flow("plex")["flow_id"]
    hass.flow_step(flow, {"next_step_id": "manual_setup"})
    server = {"host": pms.host, "port": pms.port, "ssl": False, "verify_ssl": False}
    result = hass.flow_step(flow, {**server, "token": pms.token})
    if result["type"] != "create_entry":
        msg = f"core's Plex integration was not set up: {result}"
        raise runner.BenchmarkError(msg)
    # Its media player appears with the TV's first session.
    pms.start_session()

    def media_player() -> str | None:
        entities = hass.ws({"type": "config/entity_registry/list"})["result"]
        return next(
            (e["entity_id"] for e in entities
             if e["platform"] == "plex" and e["unique_id"].endswith(f":{LIVING_ROOM_TV_ID}")),
            None,
        )  # fmt: skip

    entity_id = wait_for(media_player, timeout=30, what="core's media player of the TV")
    pms.stop_all()
    print(f"  core's Plex integration set up: {entity_id}", flush=True)
    return entity_id


async def in_home_assistant(args: argparse.Namespace, run: Servers) -> list[Row]:
    """Measure ours, then core's, in the same Home Assistant."""
    async with state_changes(run.hass, ENTITY) as changes:
        rows = [await measure(args, "plex_account in Home Assistant", run.pms, changes.shown_after)]
    entity_id = await asyncio.to_thread(set_up_core, run)
    async with state_changes(run.hass, entity_id) as changes:
        rows.append(
            await measure(args, "core's Plex in Home Assistant", run.pms, changes.shown_after)
        )
    return rows


# The clients in this process


async def follower(args: argparse.Namespace, pms: ServerSimulator) -> Row:
    """The library's ServerFollower alone, with its default settings."""
    reads: asyncio.Queue[tuple[float, list[Session]]] = asyncio.Queue()

    async def shown_after(action: str, since: float) -> tuple[float, None]:
        async with asyncio.timeout(WAIT):
            while True:
                arrived, sessions = await reads.get()
                tv = [s for s in sessions if s.player.machine_identifier == LIVING_ROOM_TV_ID]
                if arrived >= since and session_shows(action, tv, lambda s: s.player.state):
                    return arrived, None

    [resource] = [r for r in pms.resources() if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID]
    async with ClientSession() as session:
        follow = ServerFollower(
            session=session,
            resource=Resource.from_dict(resource),
            on_sessions=lambda sessions: reads.put_nowait((time.monotonic(), sessions)),
        )
        task = asyncio.create_task(follow.run())
        try:
            await reads.get()  # its first read, once it holds the websocket
            return await measure(args, "ServerFollower alone", pms, shown_after)
        finally:
            task.cancel()


async def core_libraries(args: argparse.Namespace, pms: ServerSimulator) -> Row:
    """Plexwebsocket's callback, then PlexServer.sessions() in an executor, as core runs them."""
    plexwebsocket = importlib.import_module("plexwebsocket")
    loop = asyncio.get_running_loop()
    reads: asyncio.Queue[tuple[float, list[Any]]] = asyncio.Queue()
    http = requests.Session()
    http.trust_env = False  # loopback: no proxy from the environment
    server_class = importlib.import_module("plexapi.server").PlexServer
    server = await asyncio.to_thread(server_class, pms.url, pms.token, session=http)
    tasks: set[asyncio.Task[None]] = set()

    async def read() -> None:
        sessions = await loop.run_in_executor(None, server.sessions)
        reads.put_nowait((time.monotonic(), sessions))

    def callback(kind: str, data: object, error: object) -> None:
        if kind == "playing":  # as core's plex_websocket_callback: a task per message
            task = loop.create_task(read())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def shown_after(action: str, since: float) -> tuple[float, None]:
        async with asyncio.timeout(WAIT):
            while True:
                arrived, sessions = await reads.get()
                tv = [s for s in sessions if s.player.machineIdentifier == LIVING_ROOM_TV_ID]
                if arrived >= since and session_shows(action, tv, lambda s: s.player.state):
                    return arrived, None

    async with ClientSession() as session:
        socket = plexwebsocket.PlexWebsocket(
            server, callback, subscriptions=["playing", "status"], session=session
        )
        task = asyncio.create_task(socket.listen())
        try:
            await runner.until(lambda: websockets(session, pms, 1), WAIT)
            label = f"core's libraries (plexwebsocket {runner.version('plexwebsocket')})"
            return await measure(args, label, pms, shown_after)
        finally:
            socket.close()
            task.cancel()
            http.close()


async def run(args: argparse.Namespace) -> None:
    """Measure the four rows; print the table."""
    print(f"{args.changes} changes per client on the Living Room TV ({', '.join(CYCLE)} in turn)")
    with (
        tempfile.TemporaryDirectory(prefix="plex-account-push-") as folder,
        servers(Path(folder)) as run,
    ):
        rows = await in_home_assistant(args, run)
        run.hass.stop()
        rows.append(await follower(args, run.pms))
        rows.append(await core_libraries(args, run.pms))
        refused = run.refused()
    columns = "<client|changes|shown|median|p95|max|to GET|GET to shown"
    print(f"\n{runner.table(columns, [row.cells() for row in rows])}")
    print(
        "\nFrom the notification (its arrival at an observer websocket here) to the new state: "
        "in Home Assistant, written (the state_changed event's time_fired); in this process, "
        "shown by the client. to GET: median from the notification to the client's GET "
        "/status/sessions reaching the server, where it sends one before the change shows; GET "
        "to shown: from there to the new state (in Home Assistant, to its event's arrival here)."
    )
    for row in rows[:2]:
        arrivals = [c.shown - c.notified[0] for c in row.changes if c.shown is not None]
        median = runner.spread(arrivals)[0]
        print(f"{row.client}: its state_changed event arrived here after {median} (median)")
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s), and setups went on:")
        print("\n".join(f"  {line}" for line in refused))


def options(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options."""
    parser.add_argument("--changes", type=int, default=48, help="changes per client (48)")
    parser.add_argument("--warmup", type=int, default=4, help="changes not counted first (4)")
    parser.add_argument("--pause", type=float, default=0.3, help="between changes, s (0.3-0.6)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the pauses (1)")


def main() -> None:
    """Run the benchmark."""
    runner.main(__doc__, options, run, quick={"changes": 4, "warmup": 0, "pause": 0.15})


if __name__ == "__main__":
    main()
