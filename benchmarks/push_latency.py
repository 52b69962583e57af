"""Push latency of "now playing": a server's notification to the new state, ours beside core's.

A Plex Media Server simulator (`python -m library.simulators.pms`) runs in its own process on
127.0.0.2, as the sample Living Room Server. Its control port starts, pauses, resumes and
stops a session on the Living Room TV, in turn; each change sends a `playing` notification
on every open notification websocket. Three rows, one after the other:

- `plex_account in Home Assistant`: the plex.tv simulator and Home Assistant run as processes
  (tests/e2e/harness.py, as the end-to-end tests run them); the sample Living Room Server's
  local connection on plex.tv is pointed at the server simulator before the sign-in, which
  goes through the integration's config flow. Measured: the notification, to the
  `state_changed` event of `media_player.living_room_tv` arriving over Home Assistant's
  websocket API with the new state. Home Assistant then stops;
- `plex_account NotificationListener`: the integration's listener alone, in this process,
  with the debounce Home Assistant gives it (`sessions.PUSH_DEBOUNCE`) and otherwise its
  defaults: the notification, to its `on_sessions` callback receiving sessions that show
  the new state;
- `core: plexwebsocket + sessions()`: Home Assistant core's stack in this process:
  plexwebsocket 0.0.14's callback, then python-plexapi's `PlexServer.sessions()` in an
  executor, as core runs its reads: the notification, to sessions() returning the new state.

The notification's moment is when it reaches an observer: a websocket client of this
process, connected to the same server simulator, that reads every message and stamps it with
`time.monotonic()` on arrival. The server writes a message to every socket at once, so this
is the moment it was sent, plus loopback delivery (printed: the median time from the
control request to the observer's stamp bounds it).

Run from the repository root:

    .venv/bin/python -m benchmarks.push_latency [--changes 48]

plexwebsocket and python-plexapi are installed on first use into .cache/bench-peers.
"""

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import logging
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import requests
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType

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
    percentile,
    render_table,
    setup_logging,
    wait_for_entity,
)
from custom_components.plex_account.aioplexaccount import NotificationListener, PMSClient, Session
from library.simulators.pms import LIVING_ROOM_TV_ID, SAMPLE_TOKEN

ENTITY_ID = "media_player.living_room_tv"
NOTIFICATIONS_PATH = "/:/websockets/notifications"
CYCLE = ("start", "pause", "resume", "stop")
# What each change shows: the player's state in the sessions, and the media player's state.
SESSION_STATE = {"start": "playing", "pause": "paused", "resume": "playing", "stop": None}
ACTIVE_STATES = {"playing", "paused", "buffering"}
WAIT = 10.0  # seconds a change may take to show before it counts as lost


@dataclass(frozen=True, kw_only=True)
class Stamp:
    """A moment on this process's monotonic clock, and on the wall clock."""

    monotonic: float
    wall: float

    @classmethod
    def now(cls) -> Stamp:
        """Return the moment now."""
        return cls(monotonic=time.monotonic(), wall=time.time())


@dataclass(kw_only=True)
class Change:
    """One change made on the server and when each step of it was seen."""

    action: str
    requested: float
    """When the control request was sent (monotonic)."""
    notified: Stamp
    """When the observer received the notification."""
    shown: float | None = None
    """When the client had the new state (monotonic); None if it never did."""
    fired: float | None = None
    """Home Assistant's time_fired of the state change (wall clock)."""
    read_at_server: float | None = None
    """When the client's GET /status/sessions reached the server (the server's monotonic)."""

    @property
    def latency(self) -> float | None:
        """Return notification → new state, seconds."""
        return None if self.shown is None else self.shown - self.notified.monotonic


@dataclass(kw_only=True)
class Row:
    """One client's changes."""

    client: str
    debounce: float
    changes: list[Change] = field(default_factory=list)


class Observer:
    """A websocket client of the server that stamps every `playing` message on arrival."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        """Read ws in a task of its own."""
        self.ws = ws
        self.queue: asyncio.Queue[Stamp] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            stamp = Stamp.now()
            if message.type is WSMsgType.TEXT and '"type":"playing"' in message.data.replace(
                " ", ""
            ):
                self.queue.put_nowait(stamp)

    def drain(self) -> None:
        """Forget what arrived so far."""
        while not self.queue.empty():
            self.queue.get_nowait()

    async def next(self) -> Stamp:
        """Return the stamp of the next `playing` message."""
        async with asyncio.timeout(WAIT):
            return await self.queue.get()

    async def close(self) -> None:
        """Stop reading and close the websocket."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.ws.close()


@contextlib.asynccontextmanager
async def observer(session: ClientSession, pms: PMSSimulatorProcess) -> AsyncIterator[Observer]:
    """Open the observer's websocket on the server simulator."""
    ws = await session.ws_connect(
        f"ws://{pms.host}:{pms.port}{NOTIFICATIONS_PATH}", params={"X-Plex-Token": SAMPLE_TOKEN}
    )
    watcher = Observer(ws)
    try:
        yield watcher
    finally:
        await watcher.close()


class Changer:
    """Make the changes of the cycle on the server, in turn, on the Living Room TV."""

    def __init__(self, control: PMSControl) -> None:
        """Start from nothing playing."""
        self.control = control
        self.key: str | None = None
        self.count = 0

    @property
    def next_action(self) -> str:
        """Return the change to make next."""
        return CYCLE[self.count % len(CYCLE)]

    async def change(self) -> str:
        """Make the next change; return what it was."""
        action = self.next_action
        self.count += 1
        if action == "start":
            self.key = await self.control.start_session("living_room_tv", "film")
        else:
            assert self.key is not None
            await self.control.act(self.key, action)
        return action


async def measure(
    args: argparse.Namespace,
    row: Row,
    control: PMSControl,
    watcher: Observer,
    shown_after: Callable[[str, float], Any],
) -> None:
    """Make `args.changes` changes; for each, wait until the client shows it.

    `shown_after(action, since)` is awaited right after the change is requested: it returns
    when the client showed the change (monotonic) and, for Home Assistant, its time_fired.
    """
    rng = random.Random(args.seed)  # noqa: S311 - pauses, not secrets
    changer = Changer(control)
    await control.stop_all()
    for _ in range(args.changes):
        watcher.drain()
        action = changer.next_action
        requested = time.monotonic()
        waiting = asyncio.create_task(shown_after(action, requested))
        await changer.change()
        notified = await watcher.next()
        change = Change(action=action, requested=requested, notified=notified)
        try:
            change.shown, change.fired = await waiting
        except TimeoutError:
            print(f"  {row.client}: {action} not shown within {WAIT:g} s", flush=True)
        row.changes.append(change)
        # Let the debounce and the read after it end, then wait a little more, at random, so
        # that changes fall at different moments of whatever else runs.
        await asyncio.sleep(row.debounce + 0.3 + rng.random() * 0.4)
    if changer.key is not None and changer.next_action != "start":
        await control.stop_all()


async def server_reads(control: PMSControl, rows: list[Row]) -> None:
    """Fill in when each change's first GET /status/sessions after it reached the server."""
    reads = sorted(
        entry["time"]
        for entry in await control.requests()
        if entry["path"] == "/status/sessions" and entry["method"] == "GET"
    )
    for row in rows:
        for change in row.changes:
            change.read_at_server = next(
                (moment for moment in reads if moment >= change.notified.monotonic), None
            )


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
            if message.type is not WSMsgType.TEXT:
                continue
            data = message.json()
            for item in data if isinstance(data, list) else [data]:
                if item.get("type") != "event":
                    continue
                event = item["event"]
                if event["data"].get("entity_id") != self.entity_id:
                    continue
                new_state = event["data"].get("new_state") or {}
                fired = datetime.fromisoformat(event["time_fired"]).timestamp()
                self.queue.put_nowait((arrived, str(new_state.get("state")), fired))

    async def shown_after(self, action: str, since: float) -> tuple[float, float]:
        """Return when the entity's state first showed the change, and its time_fired."""
        wanted = SESSION_STATE[action]
        async with asyncio.timeout(WAIT):
            while True:
                arrived, state, fired = await self.queue.get()
                if arrived < since:
                    continue
                if state == wanted or (wanted is None and state not in ACTIVE_STATES):
                    return arrived, fired

    async def close(self) -> None:
        """Stop reading."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.ws.close()


async def subscribe(session: ClientSession, run: HomeAssistantRun) -> StateChanges:
    """Sign in to Home Assistant's websocket API and subscribe to state_changed."""
    ws = await session.ws_connect(run.websocket_url)
    await ws.receive_json()  # auth_required
    await ws.send_json({"type": "auth", "access_token": run.access_token})
    answer = await ws.receive_json()
    if answer.get("type") != "auth_ok":
        msg = "Home Assistant's websocket API refused the sign-in"
        raise BenchmarkError(msg)
    await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
    result = await ws.receive_json()
    if not result.get("success"):
        msg = f"subscribe_events failed: {result.get('error')}"
        raise BenchmarkError(msg)
    return StateChanges(ws, ENTITY_ID)


async def measure_home_assistant(
    args: argparse.Namespace, pms: PMSSimulatorProcess, run: HomeAssistantRun, debounce: float
) -> Row:
    """The row of the integration in a real Home Assistant."""
    row = Row(client="plex_account in Home Assistant", debounce=debounce)
    async with ClientSession() as session, observer(session, pms) as watcher:
        control = PMSControl(session, pms.control_url)
        changes = await subscribe(session, run)
        try:
            await control.clear_requests()
            await measure(args, row, control, watcher, changes.shown_after)
            await server_reads(control, [row])
        finally:
            await changes.close()
    return row


# The clients in this process


async def measure_listener(args: argparse.Namespace, pms: PMSSimulatorProcess) -> Row:
    """The row of the integration's NotificationListener alone, with its defaults."""
    # The debounce Home Assistant gives it, so that both rows of ours wait alike.
    row = Row(client="plex_account NotificationListener", debounce=ha_debounce())
    reads: asyncio.Queue[tuple[float, list[Session]]] = asyncio.Queue()

    def on_sessions(sessions: list[Session]) -> None:
        reads.put_nowait((time.monotonic(), sessions))

    async def shown_after(action: str, since: float) -> tuple[float, None]:
        wanted = SESSION_STATE[action]
        async with asyncio.timeout(WAIT):
            while True:
                arrived, sessions = await reads.get()
                states = [
                    s.player.state
                    for s in sessions
                    if s.player.machine_identifier == LIVING_ROOM_TV_ID
                ]
                if arrived >= since and (states == [wanted] if wanted else not states):
                    return arrived, None

    async with ClientSession() as session, observer(session, pms) as watcher:
        control = PMSControl(session, pms.control_url)
        listener = NotificationListener(
            client=PMSClient(session=session, base_url=pms.url, token=SAMPLE_TOKEN),
            on_sessions=on_sessions,
            debounce=row.debounce,
        )
        listener.start()
        try:
            await wait_for_websockets(control, 2)
            await control.clear_requests()
            await measure(args, row, control, watcher, shown_after)
            await server_reads(control, [row])
        finally:
            await listener.stop()
    return row


async def measure_core(
    args: argparse.Namespace,
    pms: PMSSimulatorProcess,
    plexapi_server: ModuleType,
    plexwebsocket: ModuleType,
) -> Row:
    """The row of core's stack: plexwebsocket's callback, then PlexServer.sessions()."""
    row = Row(client="core: plexwebsocket + sessions()", debounce=0.0)
    loop = asyncio.get_running_loop()
    reads: asyncio.Queue[tuple[float, list[Any]]] = asyncio.Queue()
    pending: set[asyncio.Task[None]] = set()
    http = requests.Session()
    http.trust_env = False  # loopback: no proxy from the environment
    server = await loop.run_in_executor(
        None, lambda: plexapi_server.PlexServer(pms.url, SAMPLE_TOKEN, session=http)
    )

    async def read_sessions() -> None:
        sessions = await loop.run_in_executor(None, server.sessions)
        reads.put_nowait((time.monotonic(), sessions))

    def callback(msgtype: str, data: object, error: object) -> None:
        # As core's plex_websocket_callback: a task per `playing` message.
        if msgtype == "playing":
            task = loop.create_task(read_sessions())
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def shown_after(action: str, since: float) -> tuple[float, None]:
        wanted = SESSION_STATE[action]
        async with asyncio.timeout(WAIT):
            while True:
                arrived, sessions = await reads.get()
                states = [
                    s.player.state
                    for s in sessions
                    if s.player is not None and s.player.machineIdentifier == LIVING_ROOM_TV_ID
                ]
                if arrived >= since and (states == [wanted] if wanted else not states):
                    return arrived, None

    async with ClientSession() as session, observer(session, pms) as watcher:
        control = PMSControl(session, pms.control_url)
        socket = plexwebsocket.PlexWebsocket(
            server, callback, subscriptions=["playing", "status"], session=session
        )
        task = asyncio.create_task(socket.listen())
        try:
            await wait_for_websockets(control, 2)
            await control.clear_requests()
            await measure(args, row, control, watcher, shown_after)
            await server_reads(control, [row])
        finally:
            socket.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            http.close()
    return row


async def wait_for_websockets(control: PMSControl, count: int) -> None:
    """Wait until the server has `count` notification websockets open."""
    async with asyncio.timeout(WAIT):
        while (await control.state())["open_websockets"] < count:  # noqa: ASYNC110 - another process's state
            await asyncio.sleep(0.05)


# The table


def ms(seconds: float) -> str:
    """Return seconds as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


def table(rows: list[Row]) -> str:
    """Return the table: one row per client."""
    columns = [
        ("client", "<"),
        ("changes", ">"),
        ("shown", ">"),
        ("debounce", ">"),
        ("median", ">"),
        ("p95", ">"),
        ("max", ">"),
        ("net median", ">"),
        ("net p95", ">"),
        ("net max", ">"),
        ("to GET", ">"),
        ("GET to shown", ">"),
    ]
    lines = []
    for row in rows:
        latencies = [c.latency for c in row.changes if c.latency is not None]
        to_get = [
            c.read_at_server - c.notified.monotonic
            for c in row.changes
            if c.read_at_server is not None
        ]
        get_to_shown = [
            c.shown - c.read_at_server
            for c in row.changes
            if c.shown is not None and c.read_at_server is not None
        ]
        if not latencies:
            lines.append([row.client, str(len(row.changes)), "0", *["-"] * 9])
            continue
        net = [value - row.debounce for value in latencies]
        lines.append(
            [
                row.client,
                str(len(row.changes)),
                str(len(latencies)),
                ms(row.debounce),
                ms(statistics.median(latencies)),
                ms(percentile(latencies, 0.95)),
                ms(max(latencies)),
                ms(statistics.median(net)),
                ms(percentile(net, 0.95)),
                ms(max(net)),
                ms(statistics.median(to_get)) if to_get else "-",
                ms(statistics.median(get_to_shown)) if get_to_shown else "-",
            ]
        )
    return render_table(columns, lines)


def delivery(rows: list[Row]) -> str:
    """Return the median from the control request to the observer's stamp, per row."""
    medians = (
        (row.client, statistics.median(c.notified.monotonic - c.requested for c in row.changes))
        for row in rows
        if row.changes
    )
    return ", ".join(f"{client} {ms(median)}" for client, median in medians)


def from_request_line(row: Row) -> str | None:
    """Return the latencies from the control request instead: an upper bound of the send."""
    latencies = [c.shown - c.requested for c in row.changes if c.shown is not None]
    if not latencies:
        return None
    return (
        f"{row.client}: from the control request instead of the observer's stamp: median "
        f"{ms(statistics.median(latencies))}, p95 {ms(percentile(latencies, 0.95))}, "
        f"max {ms(max(latencies))}."
    )


def fired_line(row: Row) -> str | None:
    """Return the median notification → time_fired (the state written in Home Assistant)."""
    fired = [c.fired - c.notified.wall for c in row.changes if c.fired is not None]
    if not fired:
        return None
    return (
        f"{row.client}: notification to the state written (time_fired, Home Assistant's "
        f"clock): median {ms(statistics.median(fired))}, max {ms(max(fired))}; the rest, "
        "to the event's arrival here, is Home Assistant's websocket API."
    )


# Running


def ha_debounce() -> float:
    """Return the debounce the integration's Home Assistant side gives its listeners."""
    sessions = importlib.import_module("custom_components.plex_account.sessions")
    debounce: float = sessions.PUSH_DEBOUNCE
    return debounce


def run_home_assistant(
    args: argparse.Namespace, pms: PMSSimulatorProcess, workdir: Path
) -> tuple[Row, list[str]]:
    """Start Home Assistant, sign in, measure its row, stop it; return the row, refusals."""
    started = time.monotonic()
    with home_assistant_run(workdir, pms) as run:
        state = wait_for_entity(run, ENTITY_ID)
        print(
            f"  Home Assistant {run.hass.version} signed in, {ENTITY_ID} is {state['state']}, "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        with loopback_only():
            row = asyncio.run(measure_home_assistant(args, pms, run, ha_debounce()))
        refused = run.refused()
    return row, refused


async def run_in_process(
    args: argparse.Namespace,
    pms: PMSSimulatorProcess,
    plexapi_server: ModuleType,
    plexwebsocket: ModuleType,
) -> list[Row]:
    """Measure the two rows whose clients run in this process."""
    rows = [await measure_listener(args, pms)]
    rows.append(await measure_core(args, pms, plexapi_server, plexwebsocket))
    return rows


def parse_args() -> argparse.Namespace:
    """Read the options."""
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--changes",
        type=int,
        default=48,
        help="changes per client: start, pause, resume, stop in turn (default 48)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the pauses between changes")
    parser.add_argument(
        "--no-home-assistant",
        action="store_true",
        help="skip the Home Assistant row (the clients in this process only)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the processes' logs and Home Assistant's config folder (printed)",
    )
    args = parser.parse_args()
    if args.changes < 1:
        parser.error("--changes must be at least 1")
    return args


def main() -> None:
    """Print the figures."""
    args = parse_args()
    setup_logging()
    ensure_peers()
    plexapi_server = importlib.import_module("plexapi.server")
    plexwebsocket = importlib.import_module("plexwebsocket")
    logging.getLogger("plexwebsocket").setLevel(logging.CRITICAL)
    print(machine())
    print(
        f"{args.changes} changes per client on the Living Room TV ({', '.join(CYCLE)} in turn); "
        f"plexwebsocket {importlib.metadata.version('plexwebsocket')}, python-plexapi "
        f"{importlib.metadata.version('plexapi')}.",
        flush=True,
    )
    rows: list[Row] = []
    refused: list[str] = []
    with contextlib.ExitStack() as stack:
        folder = (
            tempfile.mkdtemp(prefix="plex-account-push-")
            if args.keep
            else stack.enter_context(tempfile.TemporaryDirectory(prefix="plex-account-push-"))
        )
        workdir = Path(folder)
        pms = PMSSimulatorProcess(workdir / "pms-simulator.log")
        stack.callback(pms.stop)
        if not args.no_home_assistant:
            row, refused = run_home_assistant(args, pms, workdir / "home-assistant")
            rows.append(row)
        with loopback_only():
            rows += asyncio.run(run_in_process(args, pms, plexapi_server, plexwebsocket))
        refused += [f"server simulator: {line}" for line in pms.refused()]
        if args.keep:
            print(f"Logs and Home Assistant's config: {workdir}")
    print()
    print(table(rows))
    print()
    print(
        "From the notification (its arrival at an observer websocket here) to the client "
        "showing the new state: for Home Assistant, the state_changed event of "
        f"{ENTITY_ID} arriving here over its websocket API; in this process, the sessions "
        "read showing it. median, p95 (nearest rank), max: the whole path, the client's "
        "debounce included; net: less the configured debounce. to GET: median from the "
        "notification to the client's GET /status/sessions reaching the server (its request "
        "log, on the same monotonic clock); GET to shown: from there to the new state."
    )
    print(f"Control request to the observer's stamp (median): {delivery(rows)}.")
    for row in rows:
        for line in (from_request_line(row), fired_line(row)):
            if line is not None:
                print(line)
    if refused:
        print(f"The loopback guard refused {len(refused)} attempt(s):")
        for line in refused:
            print(f"  {line}")
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
