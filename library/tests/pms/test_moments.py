"""The moments inside playback, told by a follower's scheduler, over loopback, on the test's clock.

The simulator's streams move on the test's FakeClock: each test plays them on, hop by hop,
to each timer that is due, and the moments are told at the clock's time then. How late each
one is (the clock's time minus the time its stream's position reached it) is measured.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import pytest
from aiohttp import ClientSession
from aioplexaccount import (
    FollowSettings,
    Marker,
    MomentScheduler,
    PlaybackChange,
    PlaybackEvent,
    PlayingNotification,
    PlexNotFoundError,
    PMSClient,
    Resource,
    ServerFollower,
    Session,
)
from aioplexaccount.moments import RETRY_AFTER, SEEK_TOLERANCE_MS

from library.simulators.plextv import FakeClock
from library.simulators.pms import (
    SAMPLE_MACHINE_IDENTIFIER,
    SAMPLE_TOKEN,
    PMSFactory,
    PMSSimulator,
    friend_phone,
    kitchen_speaker,
    living_room_tv,
    sample_episode,
    sample_film,
    sample_track,
)
from library.tests.builders import build_identity, connection, episode_json, server_resource

INTRO_STARTED, INTRO_ENDED, CREDITS_STARTED, WATCHED = (
    PlaybackChange.INTRO_STARTED,
    PlaybackChange.INTRO_ENDED,
    PlaybackChange.CREDITS_STARTED,
    PlaybackChange.WATCHED,
)
MOMENTS = frozenset({INTRO_STARTED, INTRO_ENDED, CREDITS_STARTED, WATCHED})
EPISODE = sample_episode()
FILM = sample_film()
EPISODE_PATH = f"/library/metadata/{EPISODE.rating_key}"
FILM_PATH = f"/library/metadata/{FILM.rating_key}"
# No read but those the notifications ask for, and no pause after one.
SETTINGS = FollowSettings(jitter=0, timeout=5, cooldown=0, refresh_interval=86_400)
MAX_LATENESS = 1.0
LATENESS: list[float] = []
"""How late each moment measured came (seconds), over the tests of the module."""


class Told(NamedTuple):
    """One moment told: what, of which stream, when on the clock, with the stream."""

    change: PlaybackChange
    key: str
    at: float
    session: Session


class CountedSleep:
    """Sleep on the clock, counting the sleepers: one asleep has its timer set."""

    def __init__(self, clock: FakeClock) -> None:
        """Count nobody yet."""
        self.clock = clock
        self.asleep = 0

    async def __call__(self, delay: float) -> None:
        """Sleep `delay` seconds on the clock."""
        self.asleep += 1
        try:
            await self.clock.sleep(delay)
        finally:
            self.asleep -= 1


class Runner:
    """Move the clock on, one timer at a time, once the scheduler has done what it can."""

    clock: FakeClock
    scheduler: MomentScheduler
    scheduler_sleep: CountedSleep

    def idle(self) -> bool:
        """Return whether the scheduler waits, its timer set if it has one."""
        scheduler = self.scheduler
        return scheduler.idle and (scheduler.due is None or bool(self.scheduler_sleep.asleep))

    async def wait_until(self, condition: Callable[[], object]) -> None:
        """Wait in real time until `condition` holds; timers due now fire meanwhile."""
        async with asyncio.timeout(5):
            while not condition():
                if (wakeup := self.clock.next_wakeup()) is not None and wakeup <= self.clock():
                    self.clock.advance(0)
                await asyncio.sleep(0.002)

    async def settle(self) -> None:
        """Wait until everything waits on its timer or for news."""
        await self.wait_until(self.idle)

    async def play(self, seconds: float) -> None:
        """Let `seconds` pass on the clock, stopping at each timer due meanwhile."""
        target = self.clock() + seconds
        while True:
            await self.settle()
            wakeup = self.clock.next_wakeup()
            if wakeup is None or wakeup > target:
                self.clock.advance(target - self.clock())
                return
            due = self.scheduler.due
            self.clock.advance(max(wakeup - self.clock(), 0.0))
            if due is not None and due <= self.clock():
                # Woken: it tells what is due, and waits for the next moment.
                await self.wait_until(lambda due=due: self.scheduler.due != due)


class Playing(Runner):
    """A follower of the simulator with a moment scheduler; what they tell, and when."""

    def __init__(self, session: ClientSession, clock: FakeClock, sim: PMSSimulator) -> None:
        """Follow nothing yet."""
        self.session, self.clock, self.sim = session, clock, sim
        self.told: list[Told] = []
        self.reads = 0
        self.follower_sleep = CountedSleep(clock)
        self.scheduler_sleep = CountedSleep(clock)
        self.scheduler = MomentScheduler(
            on_playback=self.on_playback,
            clock=clock,
            sleep=self.scheduler_sleep,
            name="Living Room Server",
        )
        self.follower = ServerFollower(
            session=session,
            resource=sim_resource(sim),
            on_sessions=self.on_sessions,
            on_playback=self.on_playback,
            moments=self.scheduler,
            identity=build_identity(),
            settings=SETTINGS,
            clock=clock,
            sleep=self.follower_sleep,
        )
        self.task: asyncio.Task[None] | None = None

    def on_sessions(self, _sessions: list[Session]) -> None:
        """Count the reads."""
        self.reads += 1

    def on_playback(self, events: list[PlaybackEvent]) -> None:
        """Keep the moments told, with the clock's time (the follower's own changes too)."""
        self.told += [
            Told(event.change, event.session.session_key, self.clock(), event.session)
            for event in events
            if event.change in MOMENTS
        ]

    def moments(self, key: str | None = None) -> list[PlaybackChange]:
        """Return what was told (of one stream), in order."""
        return [told.change for told in self.told if key in {None, told.key}]

    def idle(self) -> bool:
        """Return whether the follower and the scheduler both wait."""
        return bool(self.follower_sleep.asleep) and super().idle()

    async def start(self) -> None:
        """Run the follower; return once it read the sessions and waits."""
        self.task = asyncio.create_task(self.follower.run())
        await self.wait_until(lambda: self.reads)
        await self.settle()

    async def stop(self) -> None:
        """Cancel the follower and wait for its end."""
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def act(self, action: Callable[[], object], notifications: int = 1) -> str:
        """Do something on the server; return the newest stream once the follower read it."""
        seen, reads = self.follower.notifications, self.reads
        action()
        await self.wait_until(
            lambda: self.follower.notifications >= seen + notifications and self.reads > reads
        )
        await self.settle()
        return list(self.sim.sessions)[-1] if self.sim.sessions else ""

    def reached(self, key: str, position_ms: int) -> float:
        """Return when a stream, playing on from its last change, reaches a position."""
        stream = self.sim.session(key)
        return stream.anchor + (position_ms - stream.offset_ms) / 1000

    def on_time(self, told: Told, due: float) -> bool:
        """Keep how late a moment came; return whether it came at most a second late."""
        LATENESS.append(lateness := told.at - due)
        return 0 <= lateness <= MAX_LATENESS


def sim_resource(sim: PMSSimulator) -> Resource:
    """Return the sample server's resource, at the simulator's address."""
    sample = {"client_identifier": SAMPLE_MACHINE_IDENTIFIER, "access_token": SAMPLE_TOKEN}
    return server_resource(connection(sim.url, local=True), **sample)


@pytest.fixture(scope="module", autouse=True)
def bounded_lateness() -> Iterator[None]:
    """After the module: no moment measured came more than a second late."""
    yield
    assert max(LATENESS, default=0) <= MAX_LATENESS


@pytest.fixture
async def sim(pms_factory: PMSFactory, clock: FakeClock) -> PMSSimulator:
    """Return the Living Room Server on the test's clock."""
    return await pms_factory(host="127.0.0.2", clock=clock)


@pytest.fixture
async def playing(
    session: ClientSession, clock: FakeClock, sim: PMSSimulator
) -> AsyncIterator[Playing]:
    """Return the test's follower, not started; nothing of it outlives the test."""
    runner = Playing(session, clock, sim)
    yield runner
    await runner.stop()
    assert clock.sleepers == 0


async def markers_of(session: ClientSession, sim: PMSSimulator, rating_key: str) -> list[Marker]:
    """Read an item's markers as the scheduler does; the request is forgotten."""
    client = PMSClient(session=session, base_url=sim.url, token=sim.token)
    markers = await client.markers(rating_key)
    sim.requests.clear()
    return markers


def first(markers: list[Marker], kind: str) -> Marker:
    """Return the first marker of a kind."""
    return next(marker for marker in markers if marker.type == kind)


# The server's markers


async def test_markers(session: ClientSession, sim: PMSSimulator) -> None:
    """An episode has an intro and credits, a film credits, a track nothing."""
    client = PMSClient(session=session, base_url=sim.url, token=sim.token)
    intro, ending = await client.markers(EPISODE.rating_key)
    assert (intro.type, ending.type, ending.final) == ("intro", "credits", True)
    assert 0 < intro.start_ms < intro.end_ms < ending.start_ms <= ending.end_ms
    assert ending.end_ms <= EPISODE.duration
    [request] = sim.requests_to(EPISODE_PATH)
    assert request.query["includeMarkers"] == "1"
    assert [marker.type for marker in await client.markers(FILM.rating_key)] == ["credits"]
    assert await client.markers(sample_track().rating_key) == []
    with pytest.raises(PlexNotFoundError):
        await client.markers("999999")
    with pytest.raises(ValueError, match="rating"):
        await client.markers("../status")


ODD_MARKERS = [
    {"type": "credits", "startTimeOffset": "9000", "endTimeOffset": 9500, "final": 1},
    {"type": "intro", "startTimeOffset": -1, "endTimeOffset": 10},
    {"type": "intro", "startTimeOffset": 20, "endTimeOffset": 10},
    {"type": "intro", "startTimeOffset": 20},
    {"id": 7, "type": "intro", "startTimeOffset": 0, "endTimeOffset": 5},
    "nonsense",
]


@pytest.mark.parametrize(
    ("body", "read"),
    [
        ({"MediaContainer": {"size": 0}}, []),
        ({"MediaContainer": {"size": 1, "Metadata": [episode_json()]}}, []),
        (
            {"MediaContainer": {"Metadata": [episode_json(Marker=ODD_MARKERS)]}},
            [
                Marker(id="7", type="intro", start_ms=0, end_ms=5),
                Marker(type="credits", start_ms=9000, end_ms=9500, final=True),
            ],
        ),
    ],
    ids=["no items", "no markers", "odd markers"],
)
async def test_markers_as_read(
    session: ClientSession, sim: PMSSimulator, body: object, read: list[Marker]
) -> None:
    """Markers come in order of their start; one that cannot be read is skipped."""
    sim.add_fault(EPISODE_PATH, body=json.dumps(body))
    client = PMSClient(session=session, base_url=sim.url, token=sim.token)
    assert await client.markers(EPISODE.rating_key) == read


# The moments of the simulator's streams


async def test_each_moment_when_reached(
    playing: Playing, session: ClientSession, sim: PMSSimulator
) -> None:
    """From the start to the end of an episode: each moment once, when its position comes.

    The server's progress every 10 s does not move them. Each carries the stream as last
    read: its player, user, title and type.
    """
    markers = await markers_of(session, sim, EPISODE.rating_key)
    intro, ending = first(markers, "intro"), first(markers, "credits")
    await playing.start()
    key = await playing.act(lambda: sim.start_session(player=living_room_tv(), media=EPISODE))
    due = {
        INTRO_STARTED: playing.reached(key, intro.start_ms),
        INTRO_ENDED: playing.reached(key, intro.end_ms),
        WATCHED: playing.reached(key, int(EPISODE.duration * 0.9)),
        CREDITS_STARTED: playing.reached(key, ending.start_ms),
    }
    await playing.play(intro.start_ms / 1000 - 1)
    assert playing.told == []
    await playing.play(1)
    assert playing.moments() == [INTRO_STARTED]
    for _ in range(2):
        await playing.play(10)
        await playing.act(sim.send_progress)
    await playing.play(EPISODE.duration / 1000)
    assert playing.moments() == [INTRO_STARTED, INTRO_ENDED, WATCHED, CREDITS_STARTED]
    for told in playing.told:
        assert playing.on_time(told, due[told.change]), told
        assert told.key == key
        assert told.session.player.title == "Living Room TV"
        assert told.session.user is not None
        assert told.session.user.title == "plexfan"
        assert (told.session.title, told.session.type) == (EPISODE.title, "episode")
    assert playing.scheduler.told == 4


async def test_paused_before_the_intro(
    playing: Playing, session: ClientSession, sim: PMSSimulator
) -> None:
    """A stream paused before its intro tells nothing until it plays again; buffering neither."""
    intro = first(await markers_of(session, sim, EPISODE.rating_key), "intro")
    await playing.start()
    key = await playing.act(lambda: sim.start_session(player=living_room_tv(), media=EPISODE))
    await playing.play(intro.start_ms / 1000 - 5)
    await playing.act(lambda: sim.pause(key))
    assert playing.scheduler.due is None
    await playing.play(600)
    await playing.act(lambda: sim.resume(key))
    await playing.play(2)
    await playing.act(lambda: sim.buffer(key))
    await playing.play(600)
    assert playing.told == []
    await playing.act(lambda: sim.resume(key))
    due = playing.reached(key, intro.start_ms)
    await playing.play(3.5)
    [told] = playing.told
    assert told.change is INTRO_STARTED
    assert playing.on_time(told, due)


async def test_seeks(playing: Playing, session: ClientSession, sim: PMSSimulator) -> None:
    """A seek tells none of the moments it jumped over, and those ahead when they come.

    A seek back plays them again; a small jump (a player's drift) is no seek.
    """
    intro = first(await markers_of(session, sim, EPISODE.rating_key), "intro")
    await playing.start()
    key = await playing.act(lambda: sim.start_session(player=living_room_tv(), media=EPISODE))
    # Into the intro: its start is jumped over, its end comes.
    await playing.act(lambda: sim.seek(key, intro.start_ms + 1000))
    due = playing.reached(key, intro.end_ms)
    await playing.play(intro.end_ms / 1000)
    [told] = playing.told
    assert told.change is INTRO_ENDED
    assert playing.on_time(told, due)
    # Back before it: it plays again; past it: nothing.
    await playing.act(lambda: sim.seek(key, intro.start_ms - 2000))
    due = playing.reached(key, intro.start_ms)
    await playing.play(3)
    assert playing.moments() == [INTRO_ENDED, INTRO_STARTED]
    assert playing.on_time(playing.told[-1], due)
    await playing.act(lambda: sim.seek(key, intro.end_ms + 60_000))
    await playing.play(120)
    assert playing.moments() == [INTRO_ENDED, INTRO_STARTED]
    # A jump forward within the tolerance plays what it skipped, at once.
    await playing.act(lambda: sim.seek(key, intro.start_ms - 1000))
    await playing.act(lambda: sim.seek(key, intro.start_ms - 1000 + SEEK_TOLERANCE_MS))
    assert playing.moments() == [INTRO_ENDED, INTRO_STARTED, INTRO_STARTED]
    assert playing.told[-1].at == playing.clock()


async def test_stopped(playing: Playing, sim: PMSSimulator) -> None:
    """A stream stopped before its moments tells none of them, ever."""
    await playing.start()
    key = await playing.act(lambda: sim.start_session(player=living_room_tv(), media=EPISODE))
    await playing.play(30)
    await playing.act(lambda: sim.stop(key))
    assert playing.scheduler.due is None
    await playing.play(EPISODE.duration / 1000)
    assert playing.told == []


async def test_watched_once(playing: Playing, sim: PMSSimulator) -> None:
    """Watched comes once per stream and item, when 90 % is played, or skipped past.

    Not again after a seek back and forth.
    """
    watched = int(FILM.duration * 0.9)
    await playing.start()
    key = await playing.act(lambda: sim.start_session(player=living_room_tv(), media=FILM))
    await playing.act(lambda: sim.seek(key, watched - 3000))
    due = playing.reached(key, watched)
    await playing.play(5)
    [told] = playing.told
    assert told.change is WATCHED
    assert playing.on_time(told, due)
    await playing.act(lambda: sim.seek(key, 0))
    await playing.act(lambda: sim.seek(key, watched + 60_000))
    await playing.play(60)
    assert playing.moments(key) == [WATCHED]
    # Skipped past it while paused: at once.
    other = await playing.act(lambda: sim.start_session(player=kitchen_speaker(), media=FILM))
    await playing.act(lambda: sim.pause(other))
    await playing.act(lambda: sim.seek(other, watched + 1000))
    assert playing.moments(other) == [WATCHED]
    assert playing.told[-1].at == playing.clock()


async def test_seen_playing_already(
    playing: Playing, session: ClientSession, sim: PMSSimulator
) -> None:
    """Streams that played before the follower started: what is behind is not told.

    A film 95 % played is no news; an episode's intro ahead comes when reached.
    """
    intro = first(await markers_of(session, sim, EPISODE.rating_key), "intro")
    late = sim.start_session(player=living_room_tv(), media=FILM)
    sim.seek(late, int(FILM.duration * 0.95))
    early = sim.start_session(player=kitchen_speaker(), media=EPISODE)
    sim.seek(early, intro.start_ms - 10_000)
    due = playing.reached(early, intro.start_ms)
    await playing.start()
    await playing.play((intro.end_ms - intro.start_ms) / 1000 + 15)
    assert [(told.change, told.key) for told in playing.told] == [
        (INTRO_STARTED, early),
        (INTRO_ENDED, early),
    ]
    assert playing.on_time(playing.told[0], due)


async def test_markers_read_once_per_item(playing: Playing, sim: PMSSimulator) -> None:
    """Streams of one item share its markers: read once, when the first plays."""
    await playing.start()
    await playing.act(lambda: sim.start_session(player=living_room_tv(), media=EPISODE))
    await playing.act(lambda: sim.start_session(player=kitchen_speaker(), media=EPISODE))
    for _ in range(3):
        await playing.play(10)
        await playing.act(sim.send_progress, notifications=2)
    await playing.act(lambda: sim.start_session(player=friend_phone(), media=EPISODE))
    await playing.play(100)
    [request] = sim.requests_to(EPISODE_PATH)
    assert request.query["includeMarkers"] == "1"
    assert playing.moments().count(INTRO_STARTED) == 3


async def test_many_streams(playing: Playing, session: ClientSession, sim: PMSSimulator) -> None:
    """Streams started a second and a half apart: each tells its own moments, each on time.

    Films are skipped to 20 s before their credits: watched at once, then the credits.
    """
    intro = first(await markers_of(session, sim, EPISODE.rating_key), "intro")
    ending = first(await markers_of(session, sim, FILM.rating_key), "credits")
    await playing.start()
    players = [living_room_tv, kitchen_speaker, friend_phone]
    expected: dict[str, list[PlaybackChange]] = {}
    due: dict[tuple[str, PlaybackChange], float] = {}
    for index in range(12):
        media = EPISODE if index % 2 else FILM
        player = replace(players[index % 3](), machine_identifier=f"player-{index}")
        key = await playing.act(lambda m=media, p=player: sim.start_session(player=p, media=m))
        if media is FILM:
            await playing.act(lambda k=key: sim.seek(k, ending.start_ms - 20_000))
            expected[key] = [WATCHED, CREDITS_STARTED]
            due[key, CREDITS_STARTED] = playing.reached(key, ending.start_ms)
        else:
            expected[key] = [INTRO_STARTED, INTRO_ENDED]
            due[key, INTRO_STARTED] = playing.reached(key, intro.start_ms)
            due[key, INTRO_ENDED] = playing.reached(key, intro.end_ms)
        await playing.play(1.5)
    await playing.play(100)
    assert {key: playing.moments(key) for key in expected} == expected
    for told in playing.told:
        if (told.key, told.change) in due:
            assert playing.on_time(told, due[told.key, told.change]), told


async def test_server_without_markers(playing: Playing, sim: PMSSimulator) -> None:
    """An item the server knows no markers of (404) has watched alone, and is asked once.

    A server that fails to answer is asked again after RETRY_AFTER, at the next news, and
    not at every notification before.
    """
    sim.add_fault(EPISODE_PATH, status=404)
    await playing.start()
    key = await playing.act(lambda: sim.start_session(player=living_room_tv(), media=EPISODE))
    await playing.play(100)
    await playing.act(lambda: sim.seek(key, int(EPISODE.duration * 0.9) - 1000))
    await playing.play(120)
    await playing.act(lambda: sim.stop(key))
    await playing.act(lambda: sim.start_session(player=kitchen_speaker(), media=EPISODE))
    await playing.play(100)
    assert playing.moments() == [WATCHED]
    assert len(sim.requests_to(EPISODE_PATH)) == 1
    await playing.act(sim.stop_all)
    sim.add_fault(FILM_PATH, status=500, count=2)
    film = await playing.act(lambda: sim.start_session(player=kitchen_speaker(), media=FILM))
    await playing.play(RETRY_AFTER / 2)
    await playing.act(sim.send_progress)
    assert len(sim.requests_to(FILM_PATH)) == 1
    for _ in range(2):
        await playing.play(RETRY_AFTER)
        await playing.act(sim.send_progress)
    assert len(sim.requests_to(FILM_PATH)) == 3
    ending = first(await markers_of(playing.session, sim, FILM.rating_key), "credits")
    await playing.act(lambda: sim.seek(film, ending.start_ms - 1000))
    await playing.play(2)
    assert playing.moments(film) == [WATCHED, CREDITS_STARTED]


# The scheduler alone: what a real server may say that the simulator does not


def stream(key: str = "1", *, state: str = "playing", **changes: Any) -> Session:  # noqa: ANN401
    """Return a session of the sample episode at 0 (its markers are the simulator's)."""
    data = episode_json(
        sessionKey=key, ratingKey=EPISODE.rating_key, viewOffset=0, duration=EPISODE.duration
    )
    data["Player"] = {"machineIdentifier": f"player-{key}", "state": state}
    return replace(Session.from_dict(data), **changes)


def entry(key: str = "1", **changes: Any) -> tuple[PlayingNotification, ...]:  # noqa: ANN401
    """Return a `playing` notification of one stream."""
    return (PlayingNotification(session_key=key, **changes),)


class Alone(Runner):
    """A scheduler run over a client of the simulator, fed by the test."""

    def __init__(self, clock: FakeClock, client: PMSClient, **options: Any) -> None:  # noqa: ANN401
        """Run it."""
        self.clock, self.client = clock, client
        self.told: list[tuple[PlaybackChange, str]] = []
        self.told_at: list[float] = []
        self.scheduler_sleep = CountedSleep(clock)
        self.scheduler = MomentScheduler(
            on_playback=self.on_playback,
            clock=clock,
            sleep=self.scheduler_sleep,
            **options,
        )
        self.task = asyncio.create_task(self.scheduler.run(client))

    def on_playback(self, events: list[PlaybackEvent]) -> None:
        """Keep what is told, and when."""
        self.told += [(event.change, event.session.session_key) for event in events]
        self.told_at += [self.clock()] * len(events)

    async def stop(self) -> None:
        """Cancel the scheduler."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def alone(
    clock: FakeClock, session: ClientSession, sim: PMSSimulator
) -> AsyncIterator[Callable[..., Alone]]:
    """Return a starter of schedulers run alone; none outlives the test."""
    started: list[Alone] = []
    client = PMSClient(session=session, base_url=sim.url, token=sim.token)

    def start(**options: Any) -> Alone:  # noqa: ANN401
        started.append(runner := Alone(clock, client, **options))
        return runner

    yield start
    for runner in started:
        await runner.stop()
    assert clock.sleepers == 0


async def test_what_cannot_be_followed(alone: Callable[..., Alone], sim: PMSSimulator) -> None:
    """No position: not followed; no rating key: no markers; no duration: never watched.

    Markers are read once a stream plays, and only of films and episodes; notifications of
    streams not read, or of none, wait for the next read.
    """
    runner = alone()
    scheduler = runner.scheduler
    scheduler.notified(entry("9", position_ms=5000, state="playing"), 1)
    scheduler.notified((PlayingNotification(state="playing"),), 2)
    scheduler.read(
        [
            stream("1", position_ms=None),
            stream("2", rating_key=None),
            stream("3", rating_key=None, duration_ms=None),
            stream("4", state="paused"),
            stream("5", type="track", rating_key="3112"),
        ],
        2,
    )
    await runner.play(EPISODE.duration / 1000)
    assert runner.told == [(WATCHED, "2"), (WATCHED, "5")]
    assert sim.requests_to("/library/metadata") == []


async def test_notifications_and_reads(alone: Callable[..., Alone]) -> None:
    """A read older than a notification does not undo it; one that says nothing new is no news.

    A notification without a position keeps the stream where it should be; one of another
    item waits for the read of it, which starts it anew.
    """
    runner = alone()
    scheduler = runner.scheduler
    scheduler.read([stream("1"), stream("2")], 0)
    await runner.play(30)
    # Paused by notification 1 while a read that started before it says it plays.
    scheduler.notified(entry("1", state="paused"), 1)
    scheduler.read([stream("1", position_ms=30_000), stream("2", position_ms=30_000)], 0)
    await runner.play(10)
    # The same position again for stream 2, as a real server shows between two reports.
    paused = stream("1", state="paused", position_ms=30_000)
    scheduler.read([paused, stream("2", position_ms=30_000)], 1)
    await runner.play(60)
    assert runner.told == [(INTRO_STARTED, "2"), (INTRO_ENDED, "2")]
    # Stream 2 on to another item: nothing until a read of it, which starts anew.
    scheduler.notified(entry("2", rating_key="3112", position_ms=0, state="playing"), 2)
    await runner.play(100)
    scheduler.read([paused, stream("2", position_ms=0)], 1)
    track = stream("2", rating_key="3112", position_ms=0, duration_ms=10_000)
    scheduler.read([paused, track], 2)
    await runner.play(10)
    assert runner.told[2:] == [(WATCHED, "2")]
    # Stopped streams leave at the next read.
    scheduler.notified(entry("2", state="stopped"), 3)
    scheduler.read([paused], 3)
    await runner.settle()
    assert scheduler.due is None


async def test_late_moments(alone: Callable[..., Alone], sim: PMSSimulator) -> None:
    """A moment found more than MAX_LATE behind (after an outage) is dropped; watched is not.

    Adverts are no moment.
    """
    advert = {"type": "commercial", "startTimeOffset": 10_000, "endTimeOffset": 20_000}
    intro = {"type": "intro", "startTimeOffset": 60_000, "endTimeOffset": 90_000}
    body = {"MediaContainer": {"Metadata": [episode_json(Marker=[advert, intro])]}}
    sim.add_fault(EPISODE_PATH, body=json.dumps(body))
    runner = alone()
    runner.scheduler.read([stream("1", duration_ms=100_000)], 0)
    await runner.settle()
    await runner.stop()
    runner.clock.advance(100)
    runner.task = asyncio.create_task(runner.scheduler.run(runner.client))
    await runner.settle()
    assert runner.told == [(INTRO_ENDED, "1"), (WATCHED, "1")]


async def test_markers_remembered(alone: Callable[..., Alone], sim: PMSSimulator) -> None:
    """The markers of at most max_items items are kept: an item forgotten is read again."""
    runner = alone(max_items=1)
    scheduler = runner.scheduler
    film = stream("2", rating_key=FILM.rating_key)
    for streams in ([stream("1")], [stream("1"), film], [stream("3")], [stream("3"), stream("4")]):
        scheduler.read(streams, 0)
        await runner.settle()
    assert len(sim.requests_to(EPISODE_PATH)) == 2
    assert len(sim.requests_to(FILM_PATH)) == 1


async def test_news_while_markers_are_read(alone: Callable[..., Alone], sim: PMSSimulator) -> None:
    """What a notification says while the markers are read is taken right after them."""
    hold = asyncio.Event()
    sim.add_fault(EPISODE_PATH, hold=hold)
    runner = alone()
    runner.scheduler.read([stream("1")], 0)
    await runner.wait_until(lambda: sim.requests_to(EPISODE_PATH))
    runner.scheduler.notified(entry("1", position_ms=55_000, state="playing"), 1)
    hold.set()
    await runner.play(10)
    assert runner.told == [(INTRO_STARTED, "1")]
    assert runner.told_at == [runner.clock() - 5]
