"""Parsing notifications, and the listener on virtual time against the stand-in server.

The listener sleeps on a FakeClock: every pause it takes is recorded in `clock.sleeps`, and
the clock moves only when a test advances it, so back-off and polling delays are exact.
"""

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import ClientSession

from aioplexaccount import (
    PlexAuthenticationError,
    PMSClient,
    PlexConnectionError,
    Session,
)
from aioplexaccount import (
    FollowState,
    Notification,
    NotificationListener,
    PlayingNotification,
    _websocket_url,
    parse_notification,
)
from library.simulators.plextv import FakeClock

from .fixtures import movie_json, sessions_json
from .server import FakeServer, blackhole, closed_port, serving

SESSIONS = "/status/sessions"

pytestmark = pytest.mark.usefixtures("no_token_in_logs", "debug_only")


def playing(session_key: str = "7", state: str = "playing", **changes: object) -> dict[str, Any]:
    """Return a `playing` notification in the server's JSON shape."""
    entry: dict[str, Any] = {
        "sessionKey": session_key,
        "clientIdentifier": "player-tv",
        "guid": "plex://movie/abc",
        "ratingKey": "101",
        "url": "",
        "key": "/library/metadata/101",
        "viewOffset": 120500,
        "playQueueItemID": 5,
        "state": state,
    }
    entry.update(changes)
    return {
        "NotificationContainer": {
            "type": "playing",
            "size": 1,
            "PlaySessionStateNotification": [entry],
        }
    }


def test_parse_playing() -> None:
    """A playing notification becomes typed entries."""
    assert parse_notification(json.dumps(playing())) == Notification(
        type="playing",
        playing=(
            PlayingNotification(
                session_key="7",
                state="playing",
                client_identifier="player-tv",
                rating_key="101",
                key="/library/metadata/101",
                guid="plex://movie/abc",
                position_ms=120500,
                play_queue_item_id=5,
            ),
        ),
    )


def test_parse_other_kinds() -> None:
    """Other kinds keep their type alone."""
    message = {"NotificationContainer": {"type": "status", "size": 1, "StatusNotification": 3}}
    assert parse_notification(json.dumps(message)) == Notification(type="status")


def test_parse_skips_unreadable_entries() -> None:
    """One odd entry does not hide the others; none readable is malformed."""
    message = playing()
    entries = message["NotificationContainer"]["PlaySessionStateNotification"]
    entries.append({"state": "playing"})
    assert len(parse_notification(json.dumps(message)).playing) == 1
    del entries[0]
    with pytest.raises(Exception, match="none of the 1 entries"):
        parse_notification(json.dumps(message))


@pytest.mark.parametrize("text", ["", "{", "[]", "{}", '{"NotificationContainer": {}}'])
def test_parse_garbage(text: str) -> None:
    """Anything that is not a notification is a response error."""
    with pytest.raises(Exception, match=r"notification|container") as caught:
        parse_notification(text)
    assert type(caught.value).__name__ == "PlexResponseError"


def test_websocket_url() -> None:
    """The websocket is at the connection's base URL, in ws or wss."""
    assert _websocket_url("https://a.plex.direct:32400/") == (
        "wss://a.plex.direct:32400/:/websockets/notifications"
    )
    assert _websocket_url("http://127.0.0.2:1") == "ws://127.0.0.2:1/:/websockets/notifications"
    assert _websocket_url("ws://h:1") == "ws://h:1/:/websockets/notifications"


def test_backoff_with_jitter() -> None:
    """The pause doubles up to the maximum, less at most the jitter's part of it."""
    listener = NotificationListener(client=None, on_sessions=print, random=lambda: 1.0)  # type: ignore[arg-type]
    assert [listener.backoff(n) for n in (0, 1, 6, 100)] == [0.8, 1.6, 48.0, 48.0]


@pytest.fixture
def clock() -> FakeClock:
    """Return the listener's clock."""
    return FakeClock()


class Owner:
    """What the listener hands over: the sessions read, and an authentication failure."""

    def __init__(self, clock: FakeClock) -> None:
        """Start with nothing heard."""
        self.clock = clock
        self.reads: list[tuple[float, list[Session]]] = []
        self.auth_failures: list[PlexAuthenticationError] = []

    def on_sessions(self, sessions: list[Session]) -> None:
        """Keep the sessions and when they came."""
        self.reads.append((self.clock(), sessions))

    def on_auth_failed(self, err: PlexAuthenticationError) -> None:
        """Keep the failure."""
        self.auth_failures.append(err)


@pytest.fixture
def owner(clock: FakeClock) -> Owner:
    """Return the listener's owner."""
    return Owner(clock)


@pytest.fixture
async def listener(
    client: PMSClient, clock: FakeClock, owner: Owner
) -> AsyncIterator[NotificationListener]:
    """Return a listener of the stand-in server on the fake clock, stopped after the test."""
    client.request_timeout = 1
    listener = NotificationListener(
        client=client,
        on_sessions=owner.on_sessions,
        on_auth_failed=owner.on_auth_failed,
        clock=clock,
        sleep=clock.sleep,
        random=lambda: 0.0,
    )
    yield listener
    await listener.stop()


async def until(condition: Callable[[], object], limit: float = 2.0) -> None:
    """Wait in real time until the condition holds (the listener works on real sockets)."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - the condition is the listener's, not an event
            await asyncio.sleep(0.002)


async def asleep(clock: FakeClock, count: int = 1) -> None:
    """Wait until `count` tasks sleep on the clock."""
    await until(lambda: clock.sleepers >= count)


async def test_burst_is_read_once(
    listener: NotificationListener, server: FakeServer, clock: FakeClock, owner: Owner
) -> None:
    """A burst of playing notifications leads to one read of the sessions."""
    server.sessions = sessions_json(movie_json())
    listener.start()
    listener.start()
    await until(lambda: owner.reads)
    assert listener.state is FollowState.CONNECTED
    assert [s.title for s in owner.reads[0][1]] == ["Big Buck Bunny"]
    await asleep(clock)
    assert clock.sleeps == [300.0]
    for state in ("playing", "paused", "playing"):
        await server.send(playing(state=state))
    await until(lambda: listener.notifications == 3)
    await until(lambda: clock.sleeps[-1] == 0.2 and clock.sleepers)
    clock.advance(0.2)
    await until(lambda: len(owner.reads) == 2)
    await until(lambda: clock.sleeps[-1] == 300 and clock.sleepers)
    assert server.paths.count(SESSIONS) == 2
    assert clock.sleeps == [300.0, 0.2, 300.0]
    assert listener.last_notification is not None
    # Other kinds and garbage read nothing; garbage is counted.
    await server.send({"NotificationContainer": {"type": "activity", "size": 0}})
    await server.send("not json")
    await server.send(json.dumps({"NotificationContainer": []}))
    for ws in server.sockets:
        await ws.send_bytes(b"\x00")
    await until(lambda: listener.parse_errors == 2)
    assert listener.notifications == 4
    # The safety refresh reads the sessions though nothing was heard.
    clock.advance(300)
    await until(lambda: len(owner.reads) == 3)
    assert server.paths.count(SESSIONS) == 3


async def test_stop(listener: NotificationListener, server: FakeServer, owner: Owner) -> None:
    """Stopping closes the websocket and ends every task."""
    await listener.stop()
    listener.start()
    await until(lambda: owner.reads)
    await listener.stop()
    assert listener.state is FollowState.DISCONNECTED
    await until(lambda: all(ws.closed for ws in server.sockets))


async def test_reconnects_at_once_after_a_drop(
    listener: NotificationListener, server: FakeServer, owner: Owner
) -> None:
    """A websocket that closes is opened again at once, and the sessions read again."""
    listener.start()
    await until(lambda: owner.reads)
    await server.drop()
    await until(lambda: len(server.sockets) == 1 and len(owner.reads) == 2)
    assert listener.state is FollowState.CONNECTED


async def test_backoff_sequence(
    listener: NotificationListener, server: FakeServer, clock: FakeClock, owner: Owner
) -> None:
    """While neither the websocket nor HTTP work, the tries back off from 1 s to 60 s."""
    server.status = 503
    listener.start()
    for _ in range(9):
        await asleep(clock)
        assert listener.state is FollowState.DISCONNECTED
        clock.advance(clock.sleeps[-1])
    await asleep(clock)
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0]
    # One read over HTTP after each failed try of the websocket, and nothing handed over.
    assert server.paths.count(SESSIONS) == 10
    assert owner.reads == []
    # Back: connected at the next try, and the sessions read.
    server.status = None
    clock.advance(60)
    await until(lambda: listener.state is FollowState.CONNECTED and owner.reads)


async def test_polls_while_the_websocket_is_refused(
    listener: NotificationListener, server: FakeServer, clock: FakeClock, owner: Owner
) -> None:
    """While HTTP works but the websocket does not, the sessions are read every 10 s."""
    server.refuse_websockets = True
    listener.start()
    while clock() < 1100:
        await asleep(clock)
        assert listener.state is FollowState.POLLING
        clock.advance(clock.sleeps[-1])
    times = [round(when - 1000) for when, _ in owner.reads]
    assert times[:4] == [0, 10, 20, 30]
    assert all(later - earlier == 10 for earlier, later in itertools.pairwise(times))
    assert server.ws_tokens[0] == server.token
    # Back at the next try of the websocket.
    server.refuse_websockets = False
    async with asyncio.timeout(2):
        while True:
            await asleep(clock)
            if listener.state is FollowState.CONNECTED:
                break
            clock.advance(clock.sleeps[-1])


async def test_stale_token_on_the_websocket(
    listener: NotificationListener, server: FakeServer, owner: Owner
) -> None:
    """A 401 on the websocket ends the listener and tells the owner."""
    server.token = "another"  # noqa: S105 - a test token
    listener.start()
    await until(lambda: owner.auth_failures)
    assert listener.state is FollowState.AUTHENTICATION_FAILED
    assert "401" in str(owner.auth_failures[0])
    await listener.stop()
    assert listener.state is FollowState.AUTHENTICATION_FAILED


async def test_stale_token_on_the_sessions(
    listener: NotificationListener, server: FakeServer, clock: FakeClock, owner: Owner
) -> None:
    """A 401 on a read while connected ends the listener too."""
    listener.start()
    await until(lambda: owner.reads)
    server.token = "another"  # noqa: S105 - a test token
    await server.send(playing())
    await until(lambda: clock.sleeps and clock.sleeps[-1] == 0.2 and clock.sleepers)
    clock.advance(0.2)
    await until(lambda: owner.auth_failures)
    assert listener.state is FollowState.AUTHENTICATION_FAILED


async def test_run_raises(session: ClientSession, server: FakeServer) -> None:
    """run() raises the authentication error for an owner that runs it itself."""
    client = PMSClient(session=session, base_url=server.url, token=" bad")  # noqa: S106 - a bad token
    listener = NotificationListener(client=client, on_sessions=print)
    with pytest.raises(PlexAuthenticationError):
        await listener.run()


@pytest.mark.parametrize("kind", ["refused", "silent", "redirected"])
async def test_unreachable_websocket(
    session: ClientSession, server: FakeServer, clock: FakeClock, owner: Owner, kind: str
) -> None:
    """A refused, silent or redirected websocket is retried; the token never follows."""
    async with serving(FakeServer(), host="127.0.0.3") as other, blackhole() as silent:
        if kind == "redirected":
            server.redirect_to = f"{other.url}/:/websockets/notifications"
            url = server.url
        else:
            url = closed_port() if kind == "refused" else silent
        client = PMSClient(session=session, base_url=url, token=server.token, request_timeout=0.1)
        listener = NotificationListener(
            client=client, on_sessions=owner.on_sessions, clock=clock, sleep=clock.sleep
        )
        listener.start()
        await until(lambda: clock.sleepers, limit=3)
        assert listener.state is FollowState.DISCONNECTED
        await listener.stop()
    assert other.ws_tokens in ([], [None])


async def test_state_changes_are_told_once(
    listener: NotificationListener, server: FakeServer, clock: FakeClock
) -> None:
    """The owner hears of each change of state, and of nothing that is no change."""
    states: list[FollowState] = []
    listener.on_state = states.append
    server.refuse_websockets = True
    listener.start()
    while clock() < 1040:
        await asleep(clock)
        clock.advance(clock.sleeps[-1])
    # Four reads and several tries of the websocket, all while polling: one change.
    assert states == [FollowState.POLLING]
    server.refuse_websockets = False
    while listener.state is not FollowState.CONNECTED:
        await asleep(clock)
        clock.advance(clock.sleeps[-1])
    await server.drop()
    await until(lambda: len(states) == 4)
    await listener.stop()
    assert states == [
        FollowState.POLLING,
        FollowState.CONNECTED,
        FollowState.DISCONNECTED,
        FollowState.CONNECTED,
        FollowState.DISCONNECTED,
    ]


async def test_stops_when_unreachable(
    listener: NotificationListener, server: FakeServer, clock: FakeClock, owner: Owner
) -> None:
    """Told to, the listener stops when neither the websocket nor HTTP answer."""
    states: list[FollowState] = []
    listener.on_state = states.append
    listener.stop_when_unreachable = True
    server.status = 503
    with pytest.raises(PlexConnectionError, match="answered 503 to GET /status/sessions"):
        await listener.run()
    assert listener.state is FollowState.DISCONNECTED
    assert (states, clock.sleeps, owner.reads) == ([], [], [])
    assert server.paths == ["/:/websockets/notifications", SESSIONS]


async def test_stops_when_polling_fails(
    listener: NotificationListener, server: FakeServer, clock: FakeClock, owner: Owner
) -> None:
    """While the websocket is refused, the listener polls; a failed read then stops it."""
    listener.stop_when_unreachable = True
    server.refuse_websockets = True
    run = asyncio.create_task(listener.run())
    await clock.run_until(run, seconds=25)
    assert ([when - 1000 for when, _ in owner.reads], listener.state) == (
        [0, 10, 20],
        FollowState.POLLING,
    )
    server.body = b"not json"
    with pytest.raises(PlexConnectionError, match="not JSON"):
        await clock.run(run)
    assert listener.state is FollowState.DISCONNECTED
    assert clock() == 1030


async def test_started_listener_stops_quietly(
    listener: NotificationListener, server: FakeServer
) -> None:
    """Started in its own task, a listener that stops on an unreachable server just ends."""
    listener.stop_when_unreachable = True
    server.status = 503
    listener.start()
    assert listener._task is not None
    await asyncio.wait_for(asyncio.shield(listener._task), 2)
    assert listener.state is FollowState.DISCONNECTED
