"""The server follower over loopback, on the test's clock.

The follower sleeps on a FakeClock: every pause is recorded in `clock.sleeps` and passes only
when the test moves the clock. The servers answer over real sockets, so the test waits (in
real time, briefly) for what they set off before it moves the clock on.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

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

STARTED, PAUSED, RESUMED, STOPPED = list(PlaybackChange)
CONNECTED, POLLING, DISCONNECTED = list(FollowState)
# Plex's pace, without the jitter: every pause is exact.
SETTINGS = FollowSettings(jitter=0, timeout=5)
BACKOFF = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
LIBRARY = Path(aioplexaccount.__file__).parent
UNEXPECTED = "Unexpected error while following Living Room Server"

type StartPMS = Callable[[str], Awaitable[PMSSimulator]]


async def until(condition: Callable[[], object], limit: float = 5.0) -> None:
    """Wait in real time until the condition holds (the servers answer on real sockets)."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - the condition is the follower's, not an event
            await asyncio.sleep(0.002)


class Owner:
    """What the follower hands over, in order, and when on the clock."""

    def __init__(self, clock: FakeClock) -> None:
        """Start with nothing heard."""
        self.clock = clock
        self.reads: list[list[Session]] = []
        self.read_times: list[float] = []
        self.events: list[tuple[PlaybackChange, str]] = []
        self.unavailable: list[PlexError] = []
        self.available = 0

    def on_sessions(self, sessions: list[Session]) -> None:
        """Keep a read of the sessions, and when it came."""
        self.reads.append(sessions)
        self.read_times.append(self.clock())

    def on_playback(self, events: list[PlaybackEvent]) -> None:
        """Keep what each stream did."""
        self.events += [(event.change, event.session.session_key) for event in events]

    def on_available(self) -> None:
        """Count the returns."""
        self.available += 1


class Following:
    """Run followers on the test's clock; end them, and every task of theirs, after the test."""

    def __init__(self, session: ClientSession, clock: FakeClock) -> None:
        """Run nothing yet."""
        self.session = session
        self.clock = clock
        self.owner = Owner(clock)
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, resource: Resource, *, bare: bool = False, **options: Any) -> ServerFollower:  # noqa: ANN401
        """Run a follower of the resource that tells the owner everything (bare: the reads)."""
        owner = self.owner
        callbacks = {
            "on_available": owner.on_available,
            "on_unavailable": owner.unavailable.append,
            "on_playback": owner.on_playback,
        }
        follower = ServerFollower(
            session=self.session,
            resource=resource,
            on_sessions=owner.on_sessions,
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
        pause = wakeup - self.clock()
        self.clock.advance(pause)
        return pause

    async def cool(self) -> None:
        """Let the cooldown after a read pass (and nothing longer)."""
        cooldown = SETTINGS.cooldown
        await until(
            lambda: (wakeup := self.clock.next_wakeup()) and wakeup <= self.clock() + cooldown
        )
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
    assert not [err for err in runner.owner.unavailable if any(t in str(err) for t in TOKENS)]
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


def sim_resource(*sims: PMSSimulator) -> Resource:
    """Return the sample server's resource, at the simulators' addresses (local, in order)."""
    connections = (connection(sim.url, local=True) for sim in sims)
    return server_resource(
        *connections, machine_identifier=SAMPLE_MACHINE_IDENTIFIER, token=SAMPLE_TOKEN
    )


def at(*urls: str, token: str | None = SERVER_TOKEN) -> Resource:
    """Return the resource of a stand-in server at these (local) URLs, with this token."""
    return server_resource(*(connection(url, local=True) for url in urls), token=token)


async def test_follows_a_server(following: Following, start_pms: StartPMS) -> None:
    """The sessions are read at once, then as the server pushes what its streams do."""
    sim = await start_pms("127.0.0.2")
    film = sim.start_session(player=living_room_tv(), media=sample_film())
    loaded: list[str | bytes] = []

    def loads(text: str | bytes) -> object:
        loaded.append(text)
        return json.loads(text)

    owner, clock = following.owner, following.clock
    follower = following.start(sim_resource(sim), json_loads=loads)
    assert (follower.state, follower.connection, follower.available) == (DISCONNECTED, None, False)
    await until(lambda: owner.reads and follower.state is CONNECTED)
    assert follower.connection is not None
    assert (follower.connection.kind, follower.connection.base_url) == (
        ConnectionKind.LOCAL,
        sim.url,
    )
    assert (follower.available, follower.seconds_since_notification()) == (True, None)
    # Playing before the first read: no event.
    assert ([s.title for s in owner.reads[0]], owner.events, owner.unavailable) == (
        [sample_film().title],
        [],
        [],
    )
    [upgrade] = sim.requests_to(NOTIFICATIONS)
    assert upgrade.headers["X-Plex-Client-Identifier"] == build_identity().client_identifier
    assert "X-Plex-Token" not in upgrade.headers
    # A stream started: read at once, not after the cooldown.
    now = clock()
    track = sim.start_session(player=kitchen_speaker(), media=sample_track())
    await until(lambda: len(owner.reads) == 2)
    assert (clock(), owner.events, follower.seconds_since_notification()) == (
        now,
        [(STARTED, track)],
        0,
    )
    # A pause and a resume within one cooldown: both, in order; buffering is neither.
    sim.pause(film)
    sim.resume(film)
    sim.buffer(track)
    sim.resume(track)
    sim.stop(film)
    await until(lambda: follower.notifications == 6)
    assert owner.events == [(STARTED, track), (PAUSED, film), (RESUMED, film), (STOPPED, film)]
    assert loaded, "the follower reads the server's answers with the json_loads it was given"
    await following.stop()
    await until(lambda: sim.open_websockets == 0)
    assert (follower.state, sim.websocket_connections) == (DISCONNECTED, 1)


async def test_bursts_are_read_at_most_twice(following: Following, server: FakeServer) -> None:
    """The first notification of a burst is read at once, the rest together after the cooldown.

    Other kinds of message read nothing; what is no notification is counted and skipped;
    a quiet websocket still has the sessions read every refresh_interval.
    """
    owner, clock = following.owner, following.clock
    follower = following.start(at(server.url))
    await until(lambda: owner.reads)
    now = clock()
    await server.send(playing_json(play_state()))
    await until(lambda: len(owner.reads) == 2)
    assert clock() == now
    for state in ("paused", "playing", "paused", "playing", "paused"):
        await server.send(playing_json(play_state(state=state)))
    await until(lambda: follower.notifications == 6)
    await following.cool()
    await until(lambda: len(owner.reads) == 3)
    await following.cool()
    await server.send({"NotificationContainer": {"type": "activity", "size": 0}})
    await server.send("not json")
    await server.send('{"NotificationContainer": {"type": "playing", "size": ' + GIANT + "}}")
    for ws in server.sockets:
        await ws.send_bytes(b"\x00")
    await until(lambda: follower.parse_errors == 2)
    assert (follower.notifications, server.paths.count(SESSIONS)) == (7, 3)
    assert await following.tick() == SETTINGS.refresh_interval == 300
    await until(lambda: len(owner.reads) == 4)
    assert server.upgrades == [1000.0]


async def test_real_servers_playing_message(following: Following, server: FakeServer) -> None:
    """A `playing` message without sessionKey, "" its ratingKey, still reads the sessions."""
    server.sessions = sessions_json(movie_json())
    owner = following.owner
    following.start(at(server.url))
    await until(lambda: owner.reads)
    server.sessions = sessions_json()
    await server.send(REAL_STOPPED)
    await until(lambda: owner.events)
    assert (owner.events, len(owner.reads)) == ([(STOPPED, "7")], 2)


async def test_stop_is_not_undone_by_an_older_read(
    following: Following, server: FakeServer
) -> None:
    """A stop told while a read of the sessions is on its way stays a stop."""
    server.sessions = sessions_json(movie_json())
    owner = following.owner
    following.start(at(server.url))
    await until(lambda: owner.reads)
    server.hold = asyncio.Event()
    await server.send(playing_json(play_state(state="paused")))
    await until(lambda: server.paths.count(SESSIONS) == 2)
    await server.send(playing_json(play_state(state="stopped")))
    await until(lambda: len(owner.events) == 2)
    server.hold.set()  # the read answers what played when it was asked: the stream
    await until(lambda: len(owner.reads) == 2)
    server.sessions = sessions_json()
    await following.cool()
    await until(lambda: len(owner.reads) == 3)
    assert owner.events == [(PAUSED, "7"), (STOPPED, "7")]


@pytest.mark.parametrize("where", ["sessions", "notification"])
@pytest.mark.parametrize("form", ["number", "text"])
async def test_number_of_thousands_of_digits(
    following: Following, server: FakeServer, where: str, form: str
) -> None:
    """A number thousands of digits long, as JSON or as text, is skipped as malformed.

    The server is still followed: the next play and stop are seen at once.
    """
    owner, clock = following.owner, following.clock
    follower = following.start(at(server.url))
    read_before = (where, form) != ("notification", "number")
    await until(lambda: owner.reads)
    if where == "sessions":
        server.sessions = (
            '{"MediaContainer": {"size": 1, "Metadata": [{"sessionKey": ' + GIANT + "}]}}"
            if form == "number"
            else sessions_json(movie_json(viewOffset=GIANT))
        )
        await server.send(playing_json(play_state()))
    elif form == "number":
        await server.send(json.dumps(playing_json(play_state())).replace("120500", GIANT))
        await until(lambda: follower.parse_errors == 1)
    else:
        await server.send(playing_json(play_state(viewOffset=GIANT)))
    await until(lambda: server.paths.count(SESSIONS) == 1 + read_before)
    played = clock()
    server.sessions = sessions_json(track_json())
    await server.send(playing_json(play_state("9")))
    if read_before:  # the cooldown after it
        await following.cool()
    await until(lambda: owner.events)
    server.sessions = sessions_json()
    await server.send(playing_json(play_state("9", "stopped")))
    await until(lambda: len(owner.events) == 2)
    assert owner.events == [(STARTED, "9"), (STOPPED, "9")]
    assert clock() - played < 5
    assert (follower.state, owner.unavailable, server.upgrades) == (CONNECTED, [], [1000.0])


@pytest.mark.parametrize(
    "fault", ["closes at once", "sends too much", "refuses", "drops", "times out", "cannot"]
)
async def test_websocket_that_fails(
    following: Following, server: FakeServer, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """A websocket that fails is tried after growing pauses: at most ten upgrades in 20 s.

    Meanwhile the sessions are polled: a new play is seen within fifteen seconds. Once the
    server holds the websocket again, it pushes.
    """
    owner, clock = following.owner, following.clock
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
    seen = next(when for when, read in zip(owner.read_times, owner.reads, strict=True) if read)
    assert seen - played <= 15
    assert (owner.events, owner.unavailable, follower.available) == ([(STARTED, "7")], [], True)
    monkeypatch.undo()
    server.websocket, server.greeting = "accept", None
    while follower.state is not CONNECTED:
        await until(
            lambda: follower.state is CONNECTED or (clock.sleepers and follower.state is POLLING)
        )
        if follower.state is POLLING:
            await following.tick()
    assert (clock(), follower.notifications) == (1303, 0)


async def test_outages(following: Following, start_pms: StartPMS) -> None:
    """An outage is told once, however many tries it lasts, and the return once; each outage."""
    sim = await start_pms("127.0.0.2")
    owner = following.owner
    follower = following.start(sim_resource(sim))
    await until(lambda: owner.reads and follower.state is CONNECTED)
    await sim.sleep()
    await until(lambda: owner.unavailable)
    assert str(owner.unavailable[0]).startswith("The server answers neither its websocket nor HTTP")
    assert (follower.state, follower.available) == (DISCONNECTED, False)
    assert [await following.tick() for _ in BACKOFF] == BACKOFF
    assert len(owner.unavailable) == 1
    await sim.wake()
    sim.start_session(player=living_room_tv(), media=sample_film())
    await following.tick()
    await until(lambda: follower.state is CONNECTED and follower.available)
    assert (owner.available, owner.events) == (1, [(STARTED, "1")])
    # Asleep again: a new outage, told again, and tried again from 1 s.
    await sim.sleep()
    await until(lambda: len(owner.unavailable) == 2)
    assert await following.tick() == 1.0


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("refused", PlexConnectionError, "1 connections reached it: 1 refused, 0 timed out"),
        ("sessions fail", PlexConnectionError, "answered 500 to GET /status/sessions"),
        ("no token", PlexAuthenticationError, "carries no access token"),
        ("bad token", PlexAuthenticationError, "missing or not valid"),
    ],
)
async def test_never_reached(
    following: Following,
    server: FakeServer,
    fault: str,
    error: type[PlexError],
    message: str,
) -> None:
    """A server never reached is told once, and tried again after growing pauses."""
    urls = [closed_port()] if fault == "refused" else [server.url]
    token = {"no token": None, "bad token": " padded"}.get(fault, SERVER_TOKEN)
    server.websocket, server.statuses[SESSIONS] = "refuse", 500
    follower = following.start(at(*urls, token=token))
    assert [await following.tick() for _ in BACKOFF] == BACKOFF
    await until(lambda: following.clock.sleepers)
    [unavailable] = following.owner.unavailable
    assert (type(unavailable), message in str(unavailable)) == (error, True)
    assert (follower.available, follower.state) == (False, DISCONNECTED)
    # Each try: who it is, the websocket, the sessions; nothing without a usable token.
    assert len(server.paths) == (3 * (len(BACKOFF) + 1) if fault == "sessions fail" else 0)


async def test_moves_to_another_connection(following: Following, start_pms: StartPMS) -> None:
    """When the connection in use stops answering, another is chosen at once: no outage."""
    first = await start_pms("127.0.0.2")
    second = await start_pms("127.0.0.3")
    owner, clock = following.owner, following.clock
    follower = following.start(sim_resource(first, second))
    await until(lambda: follower.state is CONNECTED and owner.reads)
    assert follower.connection is not None
    assert follower.connection.base_url == first.url
    second.start_session(player=living_room_tv(), media=sample_film())
    clock.advance(SETTINGS.min_backoff)  # it worked a while
    await first.sleep()
    await until(
        lambda: follower.connection is not None and follower.connection.base_url == second.url
    )
    await until(lambda: follower.state is CONNECTED and len(owner.reads) == 2)
    assert (owner.events, owner.unavailable, follower.available) == ([(STARTED, "1")], [], True)
    assert set(clock.sleeps) == {SETTINGS.refresh_interval}  # no pause: chosen again at once


async def test_stable_websocket_reopened_at_once(following: Following, server: FakeServer) -> None:
    """A websocket that worked for stable_after and closes is opened again at once."""
    owner, clock = following.owner, following.clock
    following.start(at(server.url))
    await until(lambda: owner.reads)
    clock.advance(SETTINGS.stable_after)
    await server.drop()
    await until(lambda: len(server.upgrades) == 2 and len(owner.reads) == 2)
    assert (server.upgrades, owner.unavailable) == ([1000.0, 1030.0], [])


async def test_websocket_redirect_is_refused(following: Following, server: FakeServer) -> None:
    """A redirected websocket upgrade is no websocket of the server's.

    The redirect is not followed (nothing, token or identity, goes where it points), and
    the server is polled.
    """
    async with serving(FakeServer(token="elsewhere-token"), "127.0.0.3") as other:  # noqa: S106
        server.redirects[NOTIFICATIONS] = f"{other.url}{NOTIFICATIONS}"
        follower = following.start(at(server.url))
        for _ in range(2):
            await following.tick(lambda: follower.state is POLLING)
        await until(lambda: server.paths.count(SESSIONS) == 3)
    assert other.paths == []
    assert (follower.notifications, follower.available, following.owner.unavailable) == (
        0,
        True,
        [],
    )


@pytest.mark.parametrize("where", ["websocket", "sessions"])
async def test_refused_token(following: Following, server: FakeServer, where: str) -> None:
    """A 401 is an outage like another: told, and tried again after the pause.

    It is tried again at once when plex.tv hands over a new token; the same connections in
    another order change nothing.
    """
    owner, clock = following.owner, following.clock
    if where == "websocket":
        server.token = NEW_TOKEN
    follower = following.start(at(server.url, closed_port()))
    if where == "sessions":
        await until(lambda: owner.reads)
        server.token = NEW_TOKEN
        await server.send(playing_json(play_state()))
    await until(lambda: owner.unavailable)
    [refused] = owner.unavailable
    assert isinstance(refused, PlexAuthenticationError)
    assert "the server answered 401 to" in str(refused)
    upgrades = len(server.upgrades)
    assert [await following.tick() for _ in range(3)] == [1.0, 2.0, 4.0]
    await until(lambda: len(server.upgrades) == upgrades + 3)
    assert len(owner.unavailable) == 1
    # A new token that is refused too is told again at once; one that works, followed at once.
    now = clock()
    follower.update_resource(replace(follower.resource, access_token=STALE_TOKEN))
    await until(lambda: len(owner.unavailable) == 2)
    follower.update_resource(replace(follower.resource, access_token=NEW_TOKEN))
    await until(lambda: follower.state is CONNECTED and follower.available)
    assert (clock(), owner.available, len(owner.unavailable)) == (now, 1, 2)
    # Listed anew with the same connections in another order, and a new name: no restart.
    identities = server.paths.count("/identity")
    reordered = replace(
        follower.resource, name="Den", connections=follower.resource.connections[::-1]
    )
    follower.update_resource(reordered)
    assert (follower.resource, follower.name) == (reordered, "Den")
    reads = len(owner.reads)
    await server.send(playing_json(play_state()))
    await until(lambda: len(owner.reads) == reads + 1)
    assert (server.paths.count("/identity"), server.open_sockets) == (identities, 1)


@pytest.mark.parametrize(("fault", "pauses"), [("client", [1.0, 2.0, 4.0]), ("owner", [1.0])])
async def test_unexpected_error(  # noqa: PLR0913, PLR0917
    following: Following,
    server: FakeServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    pauses: list[float],
) -> None:
    """A fault of the library's own, or its owner's, is logged once with the server's name.

    The server is told unavailable, and followed again after the pause.
    """
    owner = following.owner
    failures = [RuntimeError(f"not ready {SERVER_TOKEN}")] * len(pauses)
    if fault == "client":
        sessions = PMSClient.sessions

        async def broken(self: PMSClient) -> list[Session]:
            if failures:
                raise failures.pop()
            return await sessions(self)

        monkeypatch.setattr(PMSClient, "sessions", broken)
    else:
        record = owner.on_sessions

        def on_sessions(sessions: list[Session]) -> None:
            if failures:
                raise failures.pop()
            record(sessions)

        owner.on_sessions = on_sessions  # type: ignore[method-assign]
    follower = following.start(at(server.url))
    assert [await following.tick(lambda: follower.state is DISCONNECTED) for _ in pauses] == pauses
    await until(lambda: follower.state is CONNECTED and owner.reads)
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [line.startswith(f"{UNEXPECTED}: RuntimeError") for line in logged] == [True]
    [error] = owner.unavailable
    assert str(error) == "Unexpected error: RuntimeError: not ready **REDACTED**"
    assert owner.available == 1
    caplog.clear()  # logged as it should be


async def test_callback_that_always_fails(
    following: Following, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An owner's callback that fails every time is logged once, and the tries back off."""

    def on_sessions(sessions: list[Session]) -> None:
        raise RuntimeError(UNEXPECTED)

    following.owner.on_sessions = on_sessions  # type: ignore[method-assign]
    follower = following.start(at(server.url))
    pauses = [await following.tick(lambda: follower.state is DISCONNECTED) for _ in range(3)]
    await until(lambda: len(server.upgrades) == 4)
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR]
    caplog.clear()
    assert (len(logged), pauses) == (1, [1.0, 2.0, 4.0])


async def test_unexpected_error_logged_without_the_token(
    following: Following,
    server: FakeServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected error whose text quotes the token is logged without it."""

    async def broken(self: PMSClient) -> list[Session]:
        raise RuntimeError(self.token)

    monkeypatch.setattr(PMSClient, "sessions", broken)
    following.start(at(server.url))
    await until(lambda: following.owner.unavailable)
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    caplog.clear()
    assert not [line for line in logged if SERVER_TOKEN in line]


async def test_optional_callbacks(following: Following, start_pms: StartPMS) -> None:
    """An owner may hear of the sessions alone."""
    sim = await start_pms("127.0.0.2")
    reads = following.owner.reads
    follower = following.start(sim_resource(sim), bare=True)
    await until(lambda: reads and follower.state is CONNECTED)
    sim.start_session(player=living_room_tv(), media=sample_film())
    await until(lambda: len(reads) == 2)
    await sim.sleep()
    await until(lambda: follower.state is DISCONNECTED and following.clock.sleepers)
    await sim.wake()
    await following.tick()
    await until(lambda: follower.available)


async def test_cancelled_while_choosing(following: Following, server: FakeServer) -> None:
    """Cancelled while no connection has answered yet, the follower leaves nothing behind."""
    server.hold = asyncio.Event()
    follower = following.start(at(server.url))
    await until(lambda: server.paths)
    await following.stop()
    assert (follower.connection, follower.state, following.owner.unavailable) == (
        None,
        DISCONNECTED,
        [],
    )


def test_backoff() -> None:
    """The pause doubles from min_backoff up to max_backoff, less at most the jitter's part."""
    settings = FollowSettings(min_backoff=2, max_backoff=10, jitter=0)
    assert [settings.backoff(n) for n in (0, 1, 2, 3, 100)] == [2, 4, 8, 10, 10]
    jittered = FollowSettings(min_backoff=2, max_backoff=10)
    assert all(8 <= jittered.backoff(3) <= 10 for _ in range(100))
