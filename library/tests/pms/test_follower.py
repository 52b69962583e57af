"""The server follower over loopback, on the test's clock (each pause passes when the test says).

The test waits (briefly, in real time) for what the servers' sockets set off.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import aioplexaccount
import pytest
from aiohttp import ClientError, ClientSession
from aioplexaccount import (
    ConnectionKind,
    FollowSettings,
    FollowState,
    PlaybackChange,
    PlaybackEvent,
    PlexAuthenticationError,
    PlexConnectionError,
    PlexError,
    PMSClient,
    Resource,
    ServerFollower,
    Session,
)

from library.simulators.plextv import FakeClock
from library.simulators.pms import (
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    PMSFactory,
    PMSSimulator,
    kitchen_speaker,
    living_room_tv,
    sample_film,
    sample_track,
)
from library.tests.builders import (
    GIANT,
    REAL_STOPPED,
    build_identity,
    connection,
    movie_json,
    play_state,
    playing_json,
    server_resource,
    sessions_json,
    track_json,
)

from .conftest import NEW_TOKEN, STALE_TOKEN, TOKENS
from .server import NOTIFICATIONS, SERVER_TOKEN, SESSIONS, FakeServer, closed_port, serving

STARTED, PAUSED, RESUMED, STOPPED = (
    PlaybackChange.STARTED,
    PlaybackChange.PAUSED,
    PlaybackChange.RESUMED,
    PlaybackChange.STOPPED,
)
CONNECTED, POLLING, DISCONNECTED = list(FollowState)
# Plex's pace, without the jitter: every pause is exact.
SETTINGS = FollowSettings(jitter=0, timeout=5)
BACKOFF = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
LIBRARY = Path(aioplexaccount.__file__).parent
LOCAL = ConnectionKind.LOCAL
UNEXPECTED = "Unexpected error while following Living Room Server"

type StartPMS = Callable[[str], Awaitable[PMSSimulator]]


async def until(condition: Callable[[], object], limit: float = 5.0) -> None:
    """Wait in real time until the condition holds (the servers answer on real sockets)."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - the condition is the follower's, not an event
            await asyncio.sleep(0.002)


class Following:
    """Run followers on the test's clock and keep what they tell, in order and when."""

    def __init__(self, session: ClientSession, clock: FakeClock) -> None:
        """Run nothing, and hear nothing, yet."""
        self.session, self.clock = session, clock
        self.tasks: list[asyncio.Task[None]] = []
        self.reads: list[list[Session]] = []
        self.seen: list[float] = []
        """When each read that listed a stream came."""
        self.events: list[tuple[PlaybackChange, str]] = []
        self.unavailable: list[PlexError] = []
        self.available = 0

    def on_sessions(self, sessions: list[Session]) -> None:
        """Keep a read of the sessions, and when it came if it listed a stream."""
        self.reads.append(sessions)
        self.seen += [self.clock()] if sessions else []

    def on_playback(self, events: list[PlaybackEvent]) -> None:
        """Keep what each stream did."""
        self.events += [(event.change, event.session.session_key) for event in events]

    def on_available(self) -> None:
        """Count the returns."""
        self.available += 1

    def start(self, resource: Resource, *, bare: bool = False, **options: Any) -> ServerFollower:  # noqa: ANN401
        """Run a follower of the resource that tells everything (bare: the reads alone)."""
        callbacks = {"on_available": self.on_available, "on_playback": self.on_playback}
        callbacks["on_unavailable"] = self.unavailable.append
        follower = ServerFollower(
            session=self.session,
            resource=resource,
            on_sessions=self.on_sessions,
            **({} if bare else callbacks),  # type: ignore[arg-type]
            identity=build_identity(),
            settings=replace(SETTINGS, **options.pop("settings", {})),
            clock=self.clock,
            sleep=self.clock.sleep,
            **options,
        )
        self.tasks.append(asyncio.create_task(follower.run()))
        return follower

    async def tick(self, ready: Callable[[], object] = lambda: True) -> float:
        """Once the follower sleeps on the clock and `ready` holds, wake it; return the pause."""
        await until(lambda: self.clock.sleepers and ready())
        wakeup = self.clock.next_wakeup()
        assert wakeup is not None
        self.clock.advance(pause := wakeup - self.clock())
        return pause

    async def cool(self) -> None:
        """Let the cooldown after a read pass (and nothing longer)."""
        cooldown = SETTINGS.cooldown
        await until(lambda: (wake := self.clock.next_wakeup()) and wake <= self.clock() + cooldown)
        self.clock.advance(cooldown)

    async def stop(self) -> None:
        """Cancel every follower and wait for its end."""
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
async def following(session: ClientSession, clock: FakeClock) -> AsyncIterator[Following]:
    """Return the runner of the test's followers; nothing of theirs outlives the test."""
    runner = Following(session, clock)
    yield runner
    await runner.stop()
    assert clock.sleepers == 0
    assert not [err for err in runner.unavailable if any(t in str(err) for t in TOKENS)]
    assert not [
        task
        for task in asyncio.all_tasks()
        if (code := getattr(task.get_coro(), "cr_code", None))
        and Path(code.co_filename).is_relative_to(LIBRARY)
    ]


@pytest.fixture
def start_pms(pms_factory: PMSFactory, clock: FakeClock) -> StartPMS:
    """Return a starter of Living Room Server simulators on the test's clock."""
    return lambda host: pms_factory(host=host, clock=clock)


def at(*urls: str, **changes: Any) -> Resource:  # noqa: ANN401
    """Return the resource of a server at these (local) URLs: the stand-in's, unless changed."""
    return server_resource(*(connection(url, local=True) for url in urls), **changes)


def sim_resource(*sims: PMSSimulator) -> Resource:
    """Return the sample server's resource, at the simulators' addresses (local, in order)."""
    sample = {"client_identifier": SAMPLE_MACHINE_IDENTIFIER, "access_token": SAMPLE_TOKEN}
    return at(*(sim.url for sim in sims), **sample)


async def test_follows_a_server(following: Following, start_pms: StartPMS) -> None:
    """The sessions are read at once, then as the server pushes what its streams do."""
    sim = await start_pms("127.0.0.2")
    film = sim.start_session(player=living_room_tv(), media=sample_film())
    clock, loads = following.clock, MagicMock(wraps=json.loads)
    follower = following.start(sim_resource(sim), json_loads=loads)
    assert (follower.state, follower.connection, follower.available) == (DISCONNECTED, None, False)
    await until(lambda: following.reads and follower.state is CONNECTED)
    assert follower.connection is not None
    assert (follower.connection.kind, follower.connection.base_url) == (LOCAL, sim.url)
    assert (follower.available, follower.seconds_since_notification()) == (True, None)
    # Playing before the first read: no event.
    assert [s.title for s in following.reads[0]] == [sample_film().title]
    assert (following.events, following.unavailable) == ([], [])
    [upgrade] = sim.requests_to(NOTIFICATIONS)
    assert upgrade.headers["X-Plex-Client-Identifier"] == build_identity().client_identifier
    assert "X-Plex-Token" not in upgrade.headers
    # A stream started: read at once, not after the cooldown.
    now = clock()
    track = sim.start_session(player=kitchen_speaker(), media=sample_track())
    await until(lambda: len(following.reads) == 2)
    assert (clock() - now, follower.seconds_since_notification()) == (0, 0)
    assert following.events == [(STARTED, track)]
    # A pause and a resume within one cooldown: both, in order; buffering is neither.
    sim.pause(film)
    sim.resume(film)
    sim.buffer(track)
    sim.resume(track)
    sim.stop(film)
    await until(lambda: follower.notifications == 6)
    assert following.events[1:] == [(PAUSED, film), (RESUMED, film), (STOPPED, film)]
    assert loads.called, "the follower reads the server's answers with the json_loads given"
    await following.stop()
    await until(lambda: sim.open_websockets == 0)
    assert (follower.state, sim.websocket_connections) == (DISCONNECTED, 1)


async def test_bursts_are_read_at_most_twice(following: Following, server: FakeServer) -> None:
    """Leading edge: the first of a burst is read at once, the rest after the cooldown, together.

    Other messages read nothing; a quiet websocket is read every refresh_interval.
    """
    clock, reads = following.clock, following.reads
    follower = following.start(at(server.url))
    await until(lambda: reads)
    now = clock()
    await server.send(playing_json(play_state()))
    await until(lambda: len(reads) == 2)
    assert clock() == now
    for state in ("paused", "playing", "paused", "playing", "paused"):
        await server.send(playing_json(play_state(state=state)))
    await until(lambda: follower.notifications == 6)
    await following.cool()
    await until(lambda: len(reads) == 3)
    await following.cool()
    await server.send({"NotificationContainer": {"type": "activity", "size": 0}})
    await server.send("not json")
    for ws in server.sockets:
        await ws.send_bytes(b"\x00")
    await until(lambda: follower.parse_errors == 1)
    assert (follower.notifications, server.paths.count(SESSIONS)) == (7, 3)
    assert await following.tick() == SETTINGS.refresh_interval == 300
    await until(lambda: len(reads) == 4)
    assert server.upgrades == [1000.0]


async def test_real_servers_playing_message(following: Following, server: FakeServer) -> None:
    """A `playing` message without sessionKey, "" its ratingKey, still reads the sessions."""
    server.sessions = sessions_json(movie_json())
    following.start(at(server.url))
    await until(lambda: following.reads)
    server.sessions = sessions_json()
    await server.send(REAL_STOPPED)
    await until(lambda: following.events)
    assert (following.events, len(following.reads)) == ([(STOPPED, "7")], 2)


async def test_stop_is_not_undone_by_an_older_read(
    following: Following, server: FakeServer
) -> None:
    """A stop told while a read of the sessions is on its way stays a stop, after the pause."""
    server.sessions = sessions_json(movie_json())
    following.start(at(server.url))
    await until(lambda: following.reads)
    server.hold = asyncio.Event()
    await server.send(playing_json(play_state(state="paused")))
    await until(lambda: server.paths.count(SESSIONS) == 2)
    await server.send(playing_json(play_state(state="stopped")))
    await until(lambda: len(following.events) == 2)
    server.hold.set()  # the read answers what played when it was asked: the stream
    await until(lambda: len(following.reads) == 2)
    server.sessions = sessions_json()
    await following.cool()
    await until(lambda: len(following.reads) == 3)
    assert following.events == [(PAUSED, "7"), (STOPPED, "7")]


GIANT_SESSION = '{"MediaContainer": {"size": 1, "Metadata": [{"sessionKey": ' + GIANT + "}]}}"


@pytest.mark.parametrize(
    ("sessions", "message"),
    [
        (GIANT_SESSION, playing_json(play_state())),
        (sessions_json(movie_json(viewOffset=GIANT)), playing_json(play_state())),
        (None, json.dumps(playing_json(play_state())).replace("120500", GIANT)),
        (None, '{"NotificationContainer": {"type": "playing", "size": ' + GIANT + "}}"),
        (None, playing_json(play_state(viewOffset=GIANT))),
    ],
)
async def test_number_of_thousands_of_digits(
    following: Following, server: FakeServer, sessions: object, message: object
) -> None:
    """A number of thousands of digits is skipped as malformed; the next play and stop are seen."""
    follower = following.start(at(server.url))
    await until(lambda: following.reads)
    if sessions is not None:
        server.sessions = sessions
    await server.send(message)
    read = isinstance(message, dict)  # a message that is one is read even so
    await until(lambda: follower.parse_errors + server.paths.count(SESSIONS) == 2)
    server.sessions = sessions_json(track_json())
    await server.send(playing_json(play_state("9")))
    if read:
        await following.cool()
    await until(lambda: following.events)
    server.sessions = sessions_json()
    await server.send(playing_json(play_state("9", "stopped")))
    await until(lambda: len(following.events) == 2)
    assert following.events == [(STARTED, "9"), (STOPPED, "9")]
    assert (follower.state, following.unavailable, server.upgrades) == (CONNECTED, [], [1000.0])


@pytest.mark.parametrize(
    "fault", ["closes at once", "sends too much", "refuses", "drops", "times out", "cannot"]
)
async def test_websocket_that_fails(
    following: Following, server: FakeServer, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """A websocket that fails is tried after growing pauses: at most ten upgrades in 20 s.

    Closed at once, an oversized frame, refused, dropped, timed out... Meanwhile the sessions
    are polled: a new play is seen within 15 s. Once the server holds it again, it pushes.
    """
    clock = following.clock
    if fault in {"times out", "cannot"}:

        async def ws_connect(_: ClientSession, url: str, **kwargs: object) -> None:
            server.upgrades.append(clock())
            # An error that quotes the URL, token and all: the token is scrubbed from the log.
            raise TimeoutError if fault == "times out" else ClientError(f"{url} {kwargs}")

        monkeypatch.setattr(ClientSession, "ws_connect", ws_connect)
    elif fault == "sends too much":
        server.greeting = "x" * 1025
    else:
        server.websocket = {"closes at once": "close", "refuses": "refuse", "drops": "drop"}[fault]  # type: ignore[assignment]
    follower = following.start(at(server.url), settings={"max_message_bytes": 1024})
    played = None
    while clock() < 1300:
        if played is None and clock() >= 1040:
            server.sessions, played = sessions_json(movie_json()), clock()
        await following.tick(lambda: follower.state is POLLING)
    upgrades = server.upgrades
    # (aiohttp sends a request again when a connection it reused drops: once more.)
    assert sorted(set(upgrades)) == [1000.0 + t for t in (0, 1, 3, 7, 15, 31, 63, 123, 183, 243)]
    assert max(sum(when <= later < when + 20 for later in upgrades) for when in upgrades) <= 10
    assert played is not None
    assert following.seen[0] - played <= 15
    assert (following.events, following.unavailable) == ([(STARTED, "7")], [])
    assert follower.available
    monkeypatch.undo()
    server.websocket, server.greeting = "accept", None
    while follower.state is not CONNECTED:
        await until(
            lambda: follower.state is CONNECTED or (clock.sleepers and follower.state is POLLING)
        )
        if follower.state is POLLING:
            await following.tick()
    assert (clock(), follower.notifications) == (1303, 0)


@pytest.mark.parametrize("bare", [False, True])
async def test_outages(following: Following, start_pms: StartPMS, bare: bool) -> None:
    """Each outage is told once, however many tries it lasts, and the return once (if heard)."""
    sim = await start_pms("127.0.0.2")
    follower = following.start(sim_resource(sim), bare=bare)
    await until(lambda: following.reads and follower.state is CONNECTED)
    await sim.sleep()
    await until(lambda: follower.state is DISCONNECTED and following.clock.sleepers)
    assert [await following.tick() for _ in BACKOFF] == BACKOFF
    assert follower.available is False
    if not bare:
        [error] = following.unavailable
        assert str(error).startswith("The server answers neither its websocket nor HTTP")
    await sim.wake()
    sim.start_session(player=living_room_tv(), media=sample_film())
    await following.tick()
    await until(lambda: follower.state is CONNECTED and follower.available)
    assert len(following.reads[-1]) == 1
    if not bare:
        assert (following.available, following.events) == (1, [(STARTED, "1")])
        # Asleep again: a new outage, told again, and tried again from 1 s.
        await sim.sleep()
        await until(lambda: len(following.unavailable) == 2)
        assert await following.tick() == 1.0


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("refused", "1 connections reached it: 1 refused, 0 timed out"),
        ("sessions fail", "answered 500 to GET /status/sessions"),
    ],
)
async def test_never_reached(
    following: Following, server: FakeServer, fault: str, message: str
) -> None:
    """A server never reached is told once, and tried again after growing pauses."""
    urls = [closed_port()] if fault == "refused" else [server.url]
    server.websocket, server.statuses[SESSIONS] = "refuse", 500
    follower = following.start(at(*urls))
    assert [await following.tick() for _ in BACKOFF] == BACKOFF
    await until(lambda: following.clock.sleepers)
    [unavailable] = following.unavailable
    assert (type(unavailable), message in str(unavailable)) == (PlexConnectionError, True)
    assert (follower.available, follower.state) == (False, DISCONNECTED)
    # Each try: who it is, the websocket, the sessions.
    assert len(server.paths) == (3 * (len(BACKOFF) + 1) if fault == "sessions fail" else 0)


async def test_moves_to_another_connection(following: Following, start_pms: StartPMS) -> None:
    """When the connection in use stops answering, another is chosen at once: no outage."""
    first, second = await start_pms("127.0.0.2"), await start_pms("127.0.0.3")
    clock = following.clock
    follower = following.start(sim_resource(first, second))
    await until(lambda: follower.state is CONNECTED and following.reads)
    second.start_session(player=living_room_tv(), media=sample_film())
    clock.advance(SETTINGS.min_backoff)  # it worked a while
    await first.sleep()
    await until(lambda: follower.connection and follower.connection.base_url == second.url)
    await until(lambda: follower.state is CONNECTED and len(following.reads) == 2)
    assert (following.events, following.unavailable) == ([(STARTED, "1")], [])
    assert set(clock.sleeps) == {SETTINGS.refresh_interval}  # no pause: chosen again at once


async def test_stable_websocket_reopened_at_once(following: Following, server: FakeServer) -> None:
    """A websocket that worked for stable_after and closes is opened again at once."""
    following.start(at(server.url))
    await until(lambda: following.reads)
    following.clock.advance(SETTINGS.stable_after)
    await server.drop()
    await until(lambda: len(server.upgrades) == 2 and len(following.reads) == 2)
    assert (server.upgrades, following.unavailable) == ([1000.0, 1030.0], [])


async def test_websocket_redirect_is_refused(following: Following, server: FakeServer) -> None:
    """A redirected websocket upgrade is not followed (nothing goes there): the server is polled."""
    async with serving(FakeServer(token="elsewhere-token"), "127.0.0.3") as other:  # noqa: S106
        server.redirects[NOTIFICATIONS] = f"{other.url}{NOTIFICATIONS}"
        follower = following.start(at(server.url))
        for _ in range(2):
            await following.tick(lambda: follower.state is POLLING)
        await until(lambda: server.paths.count(SESSIONS) == 3)
    assert other.paths == []
    assert (follower.notifications, follower.available, following.unavailable) == (0, True, [])


@pytest.mark.parametrize("where", ["websocket", "sessions"])
async def test_refused_token(following: Following, server: FakeServer, where: str) -> None:
    """A 401 is an outage like another, tried again at once when plex.tv hands over a new token."""
    clock = following.clock
    if where == "websocket":
        server.token = NEW_TOKEN
    follower = following.start(at(server.url, closed_port()))
    if where == "sessions":
        await until(lambda: following.reads)
        server.token = NEW_TOKEN
        await server.send(playing_json(play_state()))
    await until(lambda: following.unavailable)
    [refused] = following.unavailable
    assert isinstance(refused, PlexAuthenticationError)
    assert "the server answered 401 to" in str(refused)
    upgrades = len(server.upgrades)
    assert [await following.tick() for _ in range(3)] == [1.0, 2.0, 4.0]
    await until(lambda: len(server.upgrades) == upgrades + 3)
    assert len(following.unavailable) == 1
    # A new token that is refused too is told again at once; one that works, followed at once.
    now = clock()
    follower.update_resource(replace(follower.resource, access_token=STALE_TOKEN))
    await until(lambda: len(following.unavailable) == 2)
    follower.update_resource(replace(follower.resource, access_token=NEW_TOKEN))
    await until(lambda: follower.state is CONNECTED and follower.available)
    assert (clock(), following.available, len(following.unavailable)) == (now, 1, 2)
    # Listed anew with the same connections in another order, and a new name: no restart.
    identities = server.paths.count("/identity")
    resource = follower.resource
    reordered = replace(resource, name="Den", connections=resource.connections[::-1])
    follower.update_resource(reordered)
    assert (follower.resource, follower.name) == (reordered, "Den")
    reads = len(following.reads)
    await server.send(playing_json(play_state()))
    await until(lambda: len(following.reads) == reads + 1)
    assert (server.paths.count("/identity"), server.open_sockets) == (identities, 1)


@pytest.mark.parametrize("fault", ["client", "owner"])
async def test_unexpected_error(
    following: Following,
    server: FakeServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """A fault of the library's own, or its owner's, is logged once, without the token.

    The server is told unavailable and followed again after a pause that grows: a read its
    owner could not take is no success.
    """
    failures = [RuntimeError(f"not ready {SERVER_TOKEN}")] * 3
    if fault == "client":
        sessions = PMSClient.sessions

        async def broken(self: PMSClient) -> list[Session]:
            if failures:
                raise failures.pop()
            return await sessions(self)

        monkeypatch.setattr(PMSClient, "sessions", broken)
    else:
        record = following.on_sessions

        def on_sessions(sessions: list[Session]) -> None:
            if failures:
                raise failures.pop()
            record(sessions)

        following.on_sessions = on_sessions  # type: ignore[method-assign]
    follower = following.start(at(server.url))
    pauses = [await following.tick(lambda: follower.state is DISCONNECTED) for _ in range(3)]
    assert pauses == [1.0, 2.0, 4.0]
    await until(lambda: follower.state is CONNECTED and following.reads)
    logged = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()  # logged as it should be
    assert [line.startswith(f"{UNEXPECTED}: RuntimeError") for line in errors] == [True]
    assert not [line for line in logged if SERVER_TOKEN in line]
    [error] = following.unavailable
    assert str(error) == "Unexpected error: RuntimeError: not ready **REDACTED**"
    assert following.available == 1


async def test_cancelled_while_choosing(following: Following, server: FakeServer) -> None:
    """Cancelled while no connection has answered yet, the follower leaves nothing behind."""
    server.hold = asyncio.Event()
    follower = following.start(at(server.url))
    await until(lambda: server.paths)
    await following.stop()
    assert (follower.connection, follower.state, following.unavailable) == (None, DISCONNECTED, [])


def test_backoff() -> None:
    """The pause doubles from min_backoff up to max_backoff, less at most the jitter's part."""
    settings = FollowSettings(min_backoff=2, max_backoff=10)
    assert [replace(settings, jitter=0).backoff(n) for n in (0, 1, 2, 3, 100)] == [2, 4, 8, 10, 10]
    assert all(8 <= settings.backoff(3) <= 10 for _ in range(100))
