"""Push latency of "now playing": a server's notification to the new state, ours beside core's.

A Plex Media Server simulator (in its own process, on 127.0.0.2) is the Living Room Server; its
control port starts, pauses, resumes and stops a film on the Living Room TV in turn, each
change sending a `playing` notification on every open websocket. Rows: the integration in a
real Home Assistant, then core's own Plex integration set up by hand in the same one (to
the media player's state written: time_fired), then the library's ServerFollower and core's
libraries (plexwebsocket, python-plexapi) in this process. The notification's moment is its
arrival at an observer websocket of this process.
"""

import argparse
import asyncio
import contextlib
import importlib
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType
from aioplexaccount import FollowSettings, Resource, ServerFollower

from harness import HomeAssistant, ServerSimulator, Simulator, free_port, runner, wait_for
from harness.home_assistant import config_yaml, unstoppable
from library.benchmarks.refresh_cost import PROFILE
from library.simulators.plextv import LIVING_ROOM_SERVER_ID, sample_account
from library.simulators.pms import LIVING_ROOM_TV_ID

ENTITY = "media_player.living_room_tv"
CYCLE = ("start", "pause", "resume", "stop")
# The player's state after each change (None: no session).
STATE = {"start": "playing", "pause": "paused", "resume": "playing", "stop": None}
ACTIVE = {"playing", "paused", "buffering"}
WAIT = 10.0  # seconds a change may take to show before it counts as lost
NAMES = {"client_name": "Home Assistant", "device_name": "Benchmark"}
CORE_PLEX = Path(__file__).resolve().parent / "core_plex"

type Updates = asyncio.Queue[tuple[float, str | None, float | None]]
"""What a client showed: when (monotonic), the TV's state, and Home Assistant's time_fired."""


@dataclass(kw_only=True)
class Change:
    """One change made on the server, and when each step of it was seen."""

    action: str
    notified: tuple[float, float]
    """When the observer received the notification: monotonic, wall clock."""
    shown: float | None = None
    """When the client showed it (monotonic): for Home Assistant, its event's arrival here."""
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
        # The changes it read the sessions for before they showed: the GET's place on the way.
        reads = [
            (c.read - c.notified[0], c.shown - c.read) for c in self.changes if c.read and c.shown
        ]
        parts = [runner.ms(statistics.median(p)) for p in zip(*reads, strict=True)] or ["-", "-"]
        return [self.client, len(self.changes), len(latencies), *runner.spread(latencies), *parts]

    def by_change(self) -> str:
        """Return the median latency of each kind of change."""
        medians = {
            a: [c.latency for c in self.changes if c.action == a and c.latency is not None]
            for a in CYCLE
        }
        return ", ".join(
            f"{action} {runner.spread(values)[0]}" for action, values in medians.items()
        )


@contextlib.asynccontextmanager
async def reading(
    ws: ClientWebSocketResponse, handle: Callable[[float, Any], None]
) -> AsyncIterator[None]:
    """Hand each text message of ws to handle, with its moment of arrival, in a task."""

    async def read() -> None:
        async for message in ws:
            arrived = time.monotonic()
            if message.type is WSMsgType.TEXT:
                handle(arrived, message.json())

    task = asyncio.create_task(read())
    try:
        yield
    finally:
        task.cancel()


async def shown(updates: Updates, action: str, since: float) -> tuple[float, float | None]:
    """Return when the client first showed the change after since, and its time_fired."""
    async with asyncio.timeout(WAIT):
        while True:
            arrived, state, written = await updates.get()
            wanted = STATE[action]
            if arrived >= since and (state == wanted if wanted else state not in ACTIVE):
                return arrived, written


async def measure(
    args: argparse.Namespace, client: str, pms: ServerSimulator, updates: Updates
) -> Row:
    """Make `args.warmup` changes not counted, then `args.changes`; wait until each shows."""
    rng = random.Random(args.seed)  # noqa: S311 - pauses, not secrets
    row, key = Row(client=client), ""
    stamps: asyncio.Queue[tuple[float, float]] = asyncio.Queue()

    def stamp(arrived: float, data: Any) -> None:  # noqa: ANN401 - a notification
        if data.get("NotificationContainer", {}).get("type") == "playing":
            stamps.put_nowait((arrived, time.time() - (time.monotonic() - arrived)))

    control, since = f"{pms.control_url}/_sim/sessions", time.monotonic()
    notifications = f"{pms.url}/:/websockets/notifications"
    async with (
        ClientSession() as session,
        session.ws_connect(notifications, params={"X-Plex-Token": pms.token}) as ws,
        reading(ws, stamp),
    ):
        await runner.call(session, control, "DELETE")
        for number in range(args.warmup + args.changes):
            action = CYCLE[number % len(CYCLE)]
            waiting = asyncio.ensure_future(shown(updates, action, time.monotonic()))
            if action == "start":
                body = {"player": "living_room_tv", "media": "film"}
                key = (await runner.call(session, control, "POST", body))["sessionKey"]
            else:
                await runner.call(session, f"{control}/{key}/{action}", "POST")
            async with asyncio.timeout(WAIT):
                change = Change(action=action, notified=await stamps.get())
            try:
                change.shown, change.written = await waiting
            except TimeoutError:
                print(f"  {client}: {action} not shown within {WAIT:g} s", flush=True)
            row.changes += [change] if number >= args.warmup else []
            # The follower's read after its cooldown, then a moment at random.
            await asyncio.sleep(FollowSettings().cooldown + args.pause * (1 + rng.random()))
        log = await runner.call(session, f"{pms.control_url}/_sim/requests")
    reads = [e["time"] for e in log if e["path"] == "/status/sessions" and e["time"] >= since]
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


def tv_state(sessions: list[Any], player: Callable[[Any], tuple[str, str]]) -> str | None:
    """Return the state of the Living Room TV's session, None without one."""
    return next((state for tv, state in map(player, sessions) if tv == LIVING_ROOM_TV_ID), None)


# Home Assistant


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
    a token to the client identifier that asked for it, python-plexapi's here.
    """
    runner.ensure_peers()
    with contextlib.ExitStack() as stack:
        command = ("-m", "benchmarks.stand_ins", "library.simulators.plextv")
        plextv = Simulator.start(workdir / "plextv.log", command=command)
        stack.callback(plextv.stop)
        plextv.http.put("/_sim/account", json=sample_account() | {"profile": PROFILE})
        identifier = importlib.import_module("plexapi").X_PLEX_IDENTIFIER
        headers = {"X-Plex-Client-Identifier": identifier, "Accept": "application/json"}
        token = plextv.approve(plextv.http.post("/api/v2/pins", headers=headers).json()["code"])
        command = ("-m", "benchmarks.stand_ins", "library.simulators.pms")
        pms = ServerSimulator.start(workdir / "pms.log", command=command, token=token)
        stack.callback(pms.stop)
        pms.wire(plextv)
        port = free_port()
        hass = HomeAssistant.start(
            workdir / "config",
            port=port,
            simulator=plextv,
            configuration=config_yaml(port, level="warning", integration="info")
            + "plex_on_simulators:\n",
            # Core's Plex integration's requirements, and the integration that points it.
            env={"PYTHONPATH": f"{runner.PEERS_DIR}:{CORE_PLEX}"},
        )
        stack.callback(hass.stop)
        hass.onboard()
        hass.sign_in(plextv, names=NAMES)
        ready = lambda: (hass.state(ENTITY) or {}).get("state") not in {None, "unavailable"}  # noqa: E731
        wait_for(ready, timeout=60, what=ENTITY)
        print(f"  Home Assistant {hass.version} started and signed in", flush=True)
        yield Servers(plextv=plextv, pms=pms, hass=hass)


def set_up_core(run: Servers) -> str:
    """Remove our entry; add core's Plex entry by hand; return its media player of the TV."""
    hass, pms = run.hass, run.pms
    hass.remove_all()
    flow = hass.start_flow("plex")["flow_id"]
    hass.flow_step(flow, {"next_step_id": "manual_setup"})
    server = {"host": pms.host, "port": pms.port, "ssl": False, "verify_ssl": False}
    if (result := hass.flow_step(flow, {**server, "token": pms.token}))["type"] != "create_entry":
        msg = f"core's Plex integration was not set up: {result}"
        raise runner.BenchmarkError(msg)
    pms.start_session()  # its media player appears with the TV's first session

    def media_player() -> str | None:
        entities = hass.ws({"type": "config/entity_registry/list"})["result"]
        tv = f":{LIVING_ROOM_TV_ID}"
        return next(
            (
                e["entity_id"]
                for e in entities
                if e["platform"] == "plex" and e["unique_id"].endswith(tv)
            ),
            None,
        )

    entity_id = wait_for(media_player, timeout=30, what="core's media player of the TV")
    pms.stop_all()
    print(f"  core's Plex integration set up: {entity_id}", flush=True)
    return entity_id


async def in_home_assistant(
    args: argparse.Namespace, run: Servers, entity_id: str, client: str
) -> Row:
    """Measure one integration in Home Assistant, by its entity's state_changed events."""
    updates: Updates = asyncio.Queue()

    def event(arrived: float, data: Any) -> None:  # noqa: ANN401 - a websocket API message
        for item in data if isinstance(data, list) else [data]:
            change = (item.get("event") or {}).get("data") or {}
            if change.get("entity_id") == entity_id:
                fired = datetime.fromisoformat(item["event"]["time_fired"]).timestamp()
                updates.put_nowait((arrived, (change.get("new_state") or {}).get("state"), fired))

    async with ClientSession() as session, session.ws_connect(run.hass.websocket_url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": run.hass.tokens["access_token"]})
        await ws.receive_json()
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
        await ws.receive_json()
        async with reading(ws, event):
            return await measure(args, client, run.pms, updates)


# The clients in this process


async def follower(args: argparse.Namespace, pms: ServerSimulator) -> Row:
    """The library's ServerFollower alone, with its default settings."""
    updates: Updates = asyncio.Queue()
    [resource] = [r for r in pms.resources() if r["clientIdentifier"] == LIVING_ROOM_SERVER_ID]
    async with ClientSession() as session:
        follow = ServerFollower(
            session=session,
            resource=Resource.from_dict(resource),
            on_sessions=lambda sessions: updates.put_nowait(
                (
                    time.monotonic(),
                    tv_state(sessions, lambda s: (s.player.machine_identifier, s.player.state)),
                    None,
                )
            ),
        )
        task = asyncio.create_task(follow.run())
        try:
            await updates.get()  # its first read, once it holds the websocket
            return await measure(args, "ServerFollower alone", pms, updates)
        finally:
            task.cancel()


async def core_libraries(args: argparse.Namespace, pms: ServerSimulator) -> Row:
    """Plexwebsocket's callback, then PlexServer.sessions() in an executor, as core runs them."""
    plexwebsocket = importlib.import_module("plexwebsocket")
    loop, tasks = asyncio.get_running_loop(), set[asyncio.Task[None]]()
    updates: Updates = asyncio.Queue()
    http = requests.Session()
    http.trust_env = False  # loopback: no proxy from the environment
    server_class = importlib.import_module("plexapi.server").PlexServer
    server = await asyncio.to_thread(server_class, pms.url, pms.token, session=http)

    async def read() -> None:
        sessions = await loop.run_in_executor(None, server.sessions)
        state = tv_state(sessions, lambda s: (s.player.machineIdentifier, s.player.state))
        updates.put_nowait((time.monotonic(), state, None))

    def callback(kind: str, data: object, error: object) -> None:
        if kind == "playing":  # as core's plex_websocket_callback: a task per message
            tasks.add(task := loop.create_task(read()))
            task.add_done_callback(tasks.discard)

    async with ClientSession() as session:
        socket = plexwebsocket.PlexWebsocket(
            server, callback, subscriptions=["playing", "status"], session=session
        )
        task = asyncio.create_task(socket.listen())
        try:
            await runner.until(lambda: websockets(session, pms, 1), WAIT)
            label = f"core's libraries (plexwebsocket {runner.version('plexwebsocket')})"
            return await measure(args, label, pms, updates)
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
        rows = [await in_home_assistant(args, run, ENTITY, "plex_account in Home Assistant")]
        core = await asyncio.to_thread(set_up_core, run)
        rows.append(await in_home_assistant(args, run, core, "core's Plex in Home Assistant"))
        run.hass.stop()
        rows += [await follower(args, run.pms), await core_libraries(args, run.pms)]
        refused = run.refused()
    columns = "<client|changes|shown|median|p95|max|to GET|GET to shown"
    print(f"\n{runner.table(columns, [row.cells() for row in rows])}")
    print(
        "\nFrom the notification's arrival at an observer here to the new state: written in Home "
        "Assistant (time_fired), shown by the client in this process. to GET, GET to shown: "
        "where the client's GET /status/sessions reached the server, on the changes it read for."
    )
    print("\n".join(f"{row.client}, median by change: {row.by_change()}" for row in rows))
    for row in rows[:2]:
        arrivals = runner.spread([c.shown - c.notified[0] for c in row.changes if c.shown])
        print(f"{row.client}: its state_changed event arrived here after {arrivals[0]} (median)")
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
