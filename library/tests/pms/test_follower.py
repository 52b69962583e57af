"""The server follower against the Plex Media Server simulator, on virtual time.

The follower and its listener sleep on a FakeClock: every back-off is recorded in
`clock.sleeps` and passes only when a test moves the clock. The simulators answer over real
loopback HTTP; `until` waits (in real time, briefly) for what they set off.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from custom_components.plex_account import pms as pms_package
from aioplexaccount import Connection, Resource
from aioplexaccount import (
    ConnectionKind,
    FollowState,
    PlexAuthenticationError,
    PlexError,
    ServerFollower,
    Session,
)
from library.simulators.plextv import FakeClock
from library.simulators.pms import (
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    PMSSimulator,
    blackhole,
    closed_port,
    living_room_tv,
    sample_film,
    sample_track,
)
from library.simulators.pms.fixtures import PMSFactory

pytestmark = pytest.mark.usefixtures("debug_only", "no_secrets_in_logs")

STALE_TOKEN = "stale-token-0123"  # noqa: S105 - a test token
# Back-off without jitter: 1 s doubling up to 60 s.
BACKOFF = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
SESSIONS = "/status/sessions"
PMS = Path(pms_package.__file__).parent
ANY_CODE = (lambda: None).__code__


@pytest.fixture
def no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if the server's token is in a log line."""
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        text = record.getMessage() + (record.exc_text or "")
        assert SAMPLE_TOKEN not in text, f"the token is in the log: {record.name}"
        assert STALE_TOKEN not in text, f"the token is in the log: {record.name}"


def connection(url: str, *, local: bool) -> Connection:
    """Return the plex.tv connection whose uri is a loopback URL."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return Connection(protocol="http", address=host, port=int(port), uri=url, local=local)


def resource(*connections: Connection, token: str | None = SAMPLE_TOKEN) -> Resource:
    """Return the plex.tv resource of the sample server with these connections."""
    return Resource(
        name="Living Room Server",
        client_identifier=SAMPLE_MACHINE_IDENTIFIER,
        provides=frozenset({"server"}),
        owned=True,
        access_token=token,
        connections=connections,
    )


async def until(condition: Callable[[], object], limit: float = 3.0) -> None:
    """Wait in real time until the condition holds (the simulators answer on real sockets)."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - the condition is the follower's, not an event
            await asyncio.sleep(0.002)


class Owner:
    """What the follower hands over, in order."""

    def __init__(self) -> None:
        """Start with nothing heard."""
        self.reads: list[list[Session]] = []
        self.unavailable: list[PlexError] = []
        self.states: list[FollowState] = []

    def on_unavailable(self, err: PlexError) -> None:
        """Keep the error, which must not carry the token."""
        assert SAMPLE_TOKEN not in str(err)
        self.unavailable.append(err)


class Run:
    """Make followers on the test's clock and run them; cancel what still runs at the end."""

    def __init__(self, session: ClientSession, clock: FakeClock) -> None:
        """Run nothing yet."""
        self.session = session
        self.clock = clock
        self.owner = Owner()
        self.tasks: list[asyncio.Task[None]] = []

    def follower(
        self, listed: Resource, *, debounce: float = 0.2, poll_interval: float = 10.0
    ) -> ServerFollower:
        """Return a follower of the resource that reports to the owner, without jitter."""
        return ServerFollower(
            session=self.session,
            resource=listed,
            on_sessions=self.owner.reads.append,
            on_unavailable=self.owner.on_unavailable,
            on_state=self.owner.states.append,
            timeout=2,
            clock=self.clock,
            sleep=self.clock.sleep,
            random=lambda: 0.0,
            debounce=debounce,
            poll_interval=poll_interval,
        )

    def start(self, follower: ServerFollower) -> asyncio.Task[None]:
        """Run the follower in a task."""
        task = asyncio.create_task(follower.run())
        self.tasks.append(task)
        return task

    async def backoff(self, task: asyncio.Task[None], seconds: float) -> None:
        """Let the follower try for `seconds` on the clock while nothing answers."""
        await self.clock.run_until(task, seconds=seconds)

    async def asleep(self) -> None:
        """Wait until the follower sleeps on the clock (its back-off, or the listener's)."""
        await until(lambda: self.clock.sleepers)

    async def cancel(self, task: asyncio.Task[None]) -> None:
        """Cancel a follower's task and wait for its end."""
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def pms_tasks() -> set[asyncio.Task[object]]:
    """Return the running tasks of the client's code (the follower's, the listener's...)."""
    return {
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and Path(getattr(task.get_coro(), "cr_code", ANY_CODE).co_filename).is_relative_to(PMS)
    }


@pytest.fixture
async def run(session: ClientSession) -> AsyncIterator[Run]:
    """Return the runner of the test's followers; no task of theirs outlives the test."""
    runner = Run(session, FakeClock())
    yield runner
    for task in runner.tasks:
        if not task.done():
            await runner.cancel(task)
    assert pms_tasks() == set()


async def test_follows_a_healthy_server(run: Run, pms_factory: PMSFactory) -> None:
    """The sessions are read at once over the local connection, then pushed."""
    sim = await pms_factory(host="127.0.0.2")
    sim.start_session(player=living_room_tv(), media=sample_film())
    parsed: list[str | bytes] = []

    def loads(text: str | bytes) -> object:
        parsed.append(text)
        return json.loads(text)

    follower = run.follower(resource(connection(sim.url, local=True)), debounce=0.5)
    follower.json_loads = loads
    assert (
        follower.state,
        follower.connection,
        follower.available,
        follower.last_notification,
    ) == (FollowState.DISCONNECTED, None, False, None)
    task = run.start(follower)
    owner = run.owner
    await until(lambda: owner.reads and follower.state is FollowState.CONNECTED)
    assert follower.connection is not None
    assert (follower.connection.kind, follower.connection.base_url) == (
        ConnectionKind.LOCAL,
        sim.url,
    )
    assert follower.listener is not None
    assert follower.listener.client.request_timeout == 2
    assert follower.available
    assert [s.title for s in owner.reads[-1]] == [sample_film().title]
    assert owner.states == [FollowState.CONNECTED]
    assert owner.unavailable == []
    # A session started on the server is pushed, after the debounce.
    sim.start_session(player=living_room_tv(), media=sample_track())
    await until(lambda: run.clock.sleeps and run.clock.sleeps[-1] == 0.5 and run.clock.sleepers)
    assert follower.last_notification is not None
    run.clock.advance(0.5)
    await until(lambda: len(owner.reads) == 2)
    assert sorted(s.type for s in owner.reads[-1]) == ["movie", "track"]
    assert parsed, "the follower's json_loads reads the server's answers"
    # Cancelled, it closes the websocket and says it is disconnected.
    await run.cancel(task)
    await until(lambda: sim.open_websockets == 0)
    assert (follower.state, follower.available) == (FollowState.DISCONNECTED, False)
    assert owner.states == [FollowState.CONNECTED, FollowState.DISCONNECTED]
    assert sim.websocket_connections == 1


async def test_server_falls_asleep_and_wakes(run: Run, pms_factory: PMSFactory) -> None:
    """An outage is reported once, however many tries it lasts; each outage once."""
    sim = await pms_factory(host="127.0.0.2")
    follower = run.follower(resource(connection(sim.url, local=True)))
    task = run.start(follower)
    owner = run.owner
    await until(lambda: follower.state is FollowState.CONNECTED and owner.reads)
    await sim.sleep()
    await until(lambda: owner.unavailable)
    assert (follower.state, follower.available) == (FollowState.DISCONNECTED, False)
    # It chose again at once (no connection answered) before saying the server is gone.
    assert "None of the server's 1 connections reached it" in str(owner.unavailable[0])
    await run.asleep()
    slept = len(run.clock.sleeps)
    # 1, 2, 4 ... 60, 60, 60 s later: still away, and not reported again.
    await run.backoff(task, 200)
    assert run.clock.sleeps[slept - 1 :] == [*BACKOFF, 60.0]
    assert len(owner.unavailable) == 1
    # Awake: followed again at the next try.
    await sim.wake()
    sim.start_session(player=living_room_tv(), media=sample_film())
    run.clock.advance(60)
    await until(lambda: follower.state is FollowState.CONNECTED and follower.available)
    assert [s.title for s in owner.reads[-1]] == [sample_film().title]
    assert owner.states == [
        FollowState.CONNECTED,
        FollowState.DISCONNECTED,
        FollowState.CONNECTED,
    ]
    # Asleep again: a new outage, reported once more, and tried again from 1 s.
    await sim.sleep()
    await until(lambda: len(owner.unavailable) == 2)
    await run.asleep()
    assert run.clock.sleeps[-1] == 1.0
    assert not follower.available


async def test_never_reachable(run: Run) -> None:
    """A server that never answers is reported once, and tried with the back-off forever."""
    follower = run.follower(
        resource(connection(f"http://127.0.0.2:{closed_port('127.0.0.2')}", local=True))
    )
    task = run.start(follower)
    await run.backoff(task, 130)
    assert run.clock.sleeps == BACKOFF
    assert len(run.owner.unavailable) == 1
    assert str(run.owner.unavailable[0]) == (
        "None of the server's 1 connections reached it: 1 refused, 0 timed out, "
        "0 another server, 0 answered something else"
    )
    assert (follower.connection, follower.listener, follower.state) == (
        None,
        None,
        FollowState.DISCONNECTED,
    )
    assert not task.done()
    assert run.owner.states == []


async def test_callbacks_are_optional(run: Run, pms_factory: PMSFactory) -> None:
    """An owner may listen to the sessions alone."""
    sim = await pms_factory(host="127.0.0.2")
    follower = run.follower(resource(connection(sim.url, local=True)))
    follower.on_unavailable = follower.on_state = None
    run.start(follower)
    await until(lambda: follower.state is FollowState.CONNECTED and run.owner.reads)
    await sim.sleep()
    await until(lambda: follower.state is FollowState.DISCONNECTED and run.clock.sleepers)
    assert run.clock.sleeps[-1] == 1.0
    assert not follower.available


def test_backoff_is_the_listeners() -> None:
    """The follower backs off as its listener does, jitter included."""
    follower = ServerFollower(
        session=None,  # type: ignore[arg-type]
        resource=resource(),
        on_sessions=print,
        min_backoff=2,
        max_backoff=10,
        random=lambda: 1.0,
    )
    assert [follower.backoff(n) for n in (0, 1, 2, 3, 100)] == [1.6, 3.2, 6.4, 8.0, 8.0]


async def test_moves_to_the_remote_connection(run: Run, pms_factory: PMSFactory) -> None:
    """When the local connection stops answering, the server is followed on the remote one.

    The connection is chosen again at once, so the server is never said to be gone.
    """
    local = await pms_factory(host="127.0.0.2")
    remote = await pms_factory(host="127.0.0.3")
    follower = run.follower(
        resource(connection(remote.url, local=False), connection(local.url, local=True))
    )
    run.start(follower)
    owner = run.owner
    await until(lambda: follower.state is FollowState.CONNECTED and owner.reads)
    assert follower.connection is not None
    assert follower.connection.kind is ConnectionKind.LOCAL
    remote.start_session(player=living_room_tv(), media=sample_film())
    sleeps = len(run.clock.sleeps)
    await local.sleep()
    # Chosen again at once: no outage, no pause.
    await until(
        lambda: follower.connection is not None and follower.connection.base_url == remote.url
    )
    await until(lambda: follower.state is FollowState.CONNECTED and len(owner.reads) == 2)
    assert follower.available
    assert follower.connection.kind is ConnectionKind.REMOTE
    assert [s.title for s in owner.reads[-1]] == [sample_film().title]
    assert remote.open_websockets == 1
    assert owner.unavailable == []
    assert 1.0 not in run.clock.sleeps[sleeps:]


async def test_identity_answers_but_sessions_fail(run: Run, pms_factory: PMSFactory) -> None:
    """A server that says who it is but reads nothing is tried with the back-off, not at once."""
    sim = await pms_factory(host="127.0.0.2")
    sim.refuse_websockets()
    sim.add_fault(SESSIONS, status=500, count=1000)
    follower = run.follower(resource(connection(sim.url, local=True)))
    task = run.start(follower)
    await run.backoff(task, 130)
    assert run.clock.sleeps == BACKOFF
    assert len(sim.requests_to("/identity")) == len(BACKOFF)
    assert len(sim.requests_to(SESSIONS)) == len(BACKOFF)
    assert len(run.owner.unavailable) == 1
    assert "answered 500 to GET /status/sessions" in str(run.owner.unavailable[0])
    assert follower.connection is not None
    assert not follower.available
    assert run.owner.states == []


async def test_polls_while_the_websocket_is_refused(run: Run, pms_factory: PMSFactory) -> None:
    """While HTTP works, the server is available and polled; the websocket tried again."""
    sim = await pms_factory(host="127.0.0.2")
    sim.refuse_websockets()
    follower = run.follower(resource(connection(sim.url, local=True)), poll_interval=10)
    run.start(follower)
    await until(lambda: follower.state is FollowState.POLLING and run.clock.sleepers)
    assert follower.available
    assert run.clock.sleeps == [1.0]
    run.clock.advance(1.0)
    await until(lambda: len(run.clock.sleeps) == 2 and run.clock.sleepers)
    # The websocket's next try comes before the next read.
    assert run.clock.sleeps == [1.0, 2.0]
    sim.refuse_websockets(refuse=False)
    run.clock.advance(2.0)
    await until(lambda: follower.state is FollowState.CONNECTED)
    assert run.owner.states == [FollowState.POLLING, FollowState.CONNECTED]
    assert run.owner.unavailable == []


async def test_stale_token(run: Run, pms_factory: PMSFactory) -> None:
    """A refused token ends run(): no retry can mend it."""
    sim = await pms_factory(host="127.0.0.2")
    sim.token = STALE_TOKEN
    follower = run.follower(resource(connection(sim.url, local=True)))
    with pytest.raises(PlexAuthenticationError, match="401"):
        await run.start(follower)
    assert follower.state is FollowState.AUTHENTICATION_FAILED
    assert run.owner.states == [FollowState.AUTHENTICATION_FAILED]
    assert run.owner.unavailable == []
    assert run.clock.sleeps == []


async def test_token_goes_stale_while_followed(run: Run, pms_factory: PMSFactory) -> None:
    """A 401 on a read while connected ends run() too."""
    sim = await pms_factory(host="127.0.0.2")
    follower = run.follower(resource(connection(sim.url, local=True)), debounce=0.1)
    task = run.start(follower)
    await until(lambda: follower.state is FollowState.CONNECTED and run.owner.reads)
    sim.token = STALE_TOKEN
    sim.start_session(player=living_room_tv(), media=sample_film())
    await until(lambda: run.clock.sleeps and run.clock.sleeps[-1] == 0.1 and run.clock.sleepers)
    run.clock.advance(0.1)
    with pytest.raises(PlexAuthenticationError):
        await task
    assert follower.state is FollowState.AUTHENTICATION_FAILED
    assert not follower.available
    await until(lambda: sim.open_websockets == 0)


@pytest.mark.parametrize("token", [None, "", " padded"])
async def test_no_usable_token(run: Run, pms_factory: PMSFactory, token: str | None) -> None:
    """A resource without a usable token ends run() before anything is sent."""
    sim = await pms_factory(host="127.0.0.2")
    follower = run.follower(resource(connection(sim.url, local=True), token=token))
    with pytest.raises(PlexAuthenticationError):
        await run.start(follower)
    assert sim.requests == []
    assert follower.state is FollowState.DISCONNECTED


async def test_cancelled_while_choosing(run: Run, pms_factory: PMSFactory) -> None:
    """Cancelled while a connection has not answered yet, the follower leaves nothing behind."""
    sim = await pms_factory(host="127.0.0.2")
    sim.add_fault("/identity", hold=asyncio.Event())
    async with blackhole("127.0.0.5") as silent:
        follower = run.follower(
            resource(connection(silent, local=True), connection(sim.url, local=False))
        )
        task = run.start(follower)
        await until(lambda: sim.requests_to("/identity"))
        await run.cancel(task)
        assert pms_tasks() == set()
    assert (follower.connection, run.owner.unavailable) == (None, [])


async def test_cancelled_while_backing_off(run: Run, pms: PMSSimulator) -> None:
    """Cancelled during its back-off, the follower ends at once and can run again."""
    follower = run.follower(
        resource(connection(f"http://127.0.0.2:{closed_port('127.0.0.2')}", local=True))
    )
    task = run.start(follower)
    await run.asleep()
    await run.cancel(task)
    assert run.clock.sleepers == 0
    # Run again, at a working address: reported afresh only if it is unreachable again.
    follower.resource = resource(connection(pms.url, local=True))
    run.start(follower)
    await until(lambda: follower.state is FollowState.CONNECTED and follower.available)
    assert len(run.owner.unavailable) == 1
