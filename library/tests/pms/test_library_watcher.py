"""The library watcher, driven by a server follower, against the simulator on the test's clock.

What the simulator announces reaches the watcher over a real websocket; the test waits for it
(briefly, in real time), and moves the clock for the pauses between reads.
"""

import asyncio
import logging
from typing import Any

import pytest
from aioplexaccount import (
    ActivityEntry,
    LibraryItem,
    LibraryWatcher,
    Notification,
    PlexResponseError,
    SectionCounts,
    ServerFollower,
    TimelineEntry,
    UpdateStatus,
    library_watcher,
    parse_notification,
)

from library.simulators.plextv import FakeClock
from library.simulators.pms import PMSFactory, PMSSimulator, sample_film
from library.simulators.pms.app import NEW_VERSION

from . import test_follower
from .test_follower import SETTINGS, Following, sim_resource, until

# The follower's runner, from its own tests: nothing of a follower outlives the test.
following = test_follower.following
CONNECTED = test_follower.CONNECTED
SECTIONS = "/library/sections"
UPDATER = "/updater/status"
METADATA = "/library/metadata/"
RETRY_AFTER = 60.0
COOLDOWN = 2.0
START = 1000.0


class Watching:
    """Run a follower with a library watcher, and keep what the watcher tells, in order."""

    def __init__(self, following: Following) -> None:
        """Hear nothing yet."""
        self.following, self.clock = following, following.clock
        self.libraries: list[list[SectionCounts]] = []
        self.added: list[list[LibraryItem]] = []
        self.updates: list[UpdateStatus] = []
        self.follower: ServerFollower | None = None

    def start(self, sim: PMSSimulator, **options: Any) -> LibraryWatcher:  # noqa: ANN401
        """Follow the simulator with a watcher of these options (on the test's clock)."""
        watcher = LibraryWatcher(
            on_libraries=self.libraries.append,
            on_added=self.added.append,
            on_update=self.updates.append,
            clock=self.clock,
            sleep=self.clock.sleep,
            name="Living Room Server",
            **options,
        )
        self.follower = self.following.start(sim_resource(sim), library=watcher)
        return watcher

    @property
    def told(self) -> list[str]:
        """Return the rating keys told as added, in order."""
        return [item.rating_key for batch in self.added for item in batch]

    async def connected(self, reads: int = 1) -> None:
        """Wait until the follower holds the websocket and the watcher read `reads` times."""
        await until(
            lambda: (
                self.follower is not None
                and self.follower.state is CONNECTED
                and len(self.libraries) >= reads
                and len(self.updates) >= reads
            )
        )

    async def wake_at(self, when: float) -> None:
        """Once both sleep (the follower and its watcher), the next at `when`, move it there.

        A sleep counts from when it starts on the clock, not from when its delay was reckoned.
        """
        await self.following.tick(
            lambda: self.clock.sleepers == 2 and self.clock.next_wakeup() == when
        )
        assert self.clock() == when


@pytest.fixture
def watching(following: Following) -> Watching:
    """Return the runner of the test's follower and watcher."""
    return Watching(following)


@pytest.fixture
async def sim(pms_factory: PMSFactory, clock: FakeClock) -> PMSSimulator:
    """Return the sample server on 127.0.0.2, on the test's clock."""
    return await pms_factory(host="127.0.0.2", clock=clock)


def times(sim: PMSSimulator, path: str) -> list[float]:
    """Return when the simulator was asked for exactly this path."""
    return [request.time for request in sim.requests_to(path) if request.path == path]


def films(sim: PMSSimulator, count: int) -> list[str]:
    """Add films to the server, silently; return their rating keys."""
    return [sim.library.add(section="1", kind="movie") for _ in range(count)]


async def told_with(watching: Watching, sim: PMSSimulator, told: list[str]) -> None:
    """Add and announce one film more: once it is told, all before it was; check what was."""
    [last] = films(sim, 1)
    sim.announce_added([last])
    await until(lambda: last in watching.told)
    assert watching.told == [*told, last]


# Added items


async def test_added_once(watching: Watching, sim: PMSSimulator) -> None:
    """An item is told once it is done, once, whatever the server repeats; a refresh is no add."""
    watcher = watching.start(sim)
    await watching.connected()
    [key] = films(sim, 1)
    sim.announce_added([key])
    await until(lambda: watching.added)
    [[item]] = watching.added
    assert (item.rating_key, item.type, item.title) == (key, "movie", sim.library.item(key).title)
    assert item.parts
    for _ in range(5):
        sim.finish_processing([key])
    sim.refresh_item(key)
    sim.refresh_item(sample_film().rating_key)
    sim.announce_added([key])  # announced anew: it was told already
    await told_with(watching, sim, [key])
    assert watcher.added == 2


async def test_a_batch(watching: Watching, sim: PMSSimulator) -> None:
    """Fifty items announced at once (in frames of ten) are each told once, in order."""
    watching.start(sim)
    await watching.connected()
    keys = films(sim, 50)
    sim.announce_added(keys)
    await until(lambda: len(watching.told) == 50)
    await told_with(watching, sim, keys)
    # Read together, as many as were done when a read began: not one request each.
    assert len(sim.requests_to(METADATA)) <= 6


async def test_containers_are_not_told(watching: Watching, sim: PMSSimulator) -> None:
    """A new show, season or artist is not told: its episode, album and track are."""
    watching.start(sim)
    await watching.connected()
    # A show alone: read, and nothing told.
    sim.announce_added(["2000"])
    await until(lambda: sim.requests_to(f"{METADATA}2000"))
    episode = sim.library.item(sim.library.add(section="2", kind="episode", show="Fresh Show"))
    track = sim.library.item(sim.library.add(section="3", kind="track", artist="Fresh Artist"))
    assert episode.parent is not None
    assert episode.grandparent is not None
    assert track.parent is not None
    assert track.grandparent is not None
    announced = [episode.grandparent, episode.parent, episode, track.grandparent, track.parent]
    sim.announce_added([item.rating_key for item in [*announced, track]])
    await until(lambda: len(watching.told) == 3)
    expected = [episode.rating_key, track.parent.rating_key, track.rating_key]
    await told_with(watching, sim, expected)
    assert [item.type for item in watching.added[0]] == ["episode", "album", "track"]


async def test_deleted_before_done(watching: Watching, sim: PMSSimulator) -> None:
    """An item deleted before it is done is forgotten: never told."""
    watcher = watching.start(sim)
    await watching.connected()
    [key] = films(sim, 1)
    sim.announce_added([key], processed=False)
    await until(lambda: key in watcher._created)
    sim.library.remove(key)
    await until(lambda: key not in watcher._created)
    await told_with(watching, sim, [])
    assert (list(watcher._created), list(watcher._done)) == ([], [])


async def test_done_while_disconnected(
    watching: Watching, sim: PMSSimulator, clock: FakeClock
) -> None:
    """Created before the websocket dropped, done while it was down: told after it is back, once.

    The libraries and the updater are read again at the new connection: what changed
    meanwhile was not heard.
    """
    watcher = watching.start(sim)
    await watching.connected()
    [key, gone] = films(sim, 2)
    sim.announce_added([key, gone], processed=False)
    await until(lambda: list(watcher._created) == [key, gone])
    clock.advance(SETTINGS.stable_after)  # it held: opened again at once
    assert sim.drop_websockets() == 1
    sim.finish_processing([key])  # nobody hears it
    sim.library.remove(gone)
    await until(lambda: watching.told)
    assert (watching.told, sim.websocket_connections) == ([key], 2)
    await watching.connected(reads=2)
    sim.finish_processing([key])
    await told_with(watching, sim, [key])
    assert (len(watching.libraries), len(watching.updates)) == (2, 2)


async def test_created_items_unreadable_after_reconnecting(
    watching: Watching, sim: PMSSimulator, clock: FakeClock
) -> None:
    """An item announced before a drop that cannot be read at once is told when it is done."""
    watcher = watching.start(sim)
    await watching.connected()
    [key] = films(sim, 1)
    sim.announce_added([key], processed=False)
    await until(lambda: key in watcher._created)
    sim.add_fault(METADATA, status=503)
    clock.advance(SETTINGS.stable_after)
    sim.drop_websockets()
    await watching.connected(reads=2)
    assert (watching.told, list(watcher._created)) == ([], [key])
    sim.finish_processing([key])
    await until(lambda: watching.told)
    assert watching.told == [key]


async def test_told_as_soon_as_another_read_ends(watching: Watching, sim: PMSSimulator) -> None:
    """Items done while the updater is read are told when that read ends: no pause."""
    watching.start(sim)
    await watching.connected()
    follower = watching.follower
    assert follower is not None
    hold = asyncio.Event()
    sim.add_fault(UPDATER, hold=hold)
    sim.set_update(NEW_VERSION)
    await until(lambda: len(sim.requests_to(UPDATER)) == 2)
    heard = follower.notifications
    keys = films(sim, 2)
    sim.announce_added(keys)  # created, processing twice, done
    await until(lambda: follower.notifications == heard + 4)
    assert watching.told == []
    hold.set()
    await until(lambda: len(watching.updates) == 2 and len(watching.told) == 2)
    assert (watching.told, watching.clock()) == (keys, START)


# The libraries' counts


async def test_counts_after_a_scan_and_additions(
    watching: Watching, sim: PMSSimulator, clock: FakeClock
) -> None:
    """Sections and counts are read at the connection, then after changes, once per cooldown."""
    watching.start(sim, count_cooldown=COOLDOWN)
    await watching.connected()
    [first] = watching.libraries
    assert [(c.section.key, c.items) for c in first] == [("1", 6), ("2", 2), ("3", 2), ("4", 3)]
    assert first[1].counts == {"show": 2, "season": 4, "episode": 16}
    # A scan (its activity and status messages) within the cooldown: read once it is over.
    sim.scan("1")
    await watching.wake_at(START + COOLDOWN)
    await until(lambda: len(watching.libraries) == 2)
    scanned = watching.libraries[1][0].section.scanned_at
    assert scanned is not None
    assert scanned.timestamp() == sim.library.section("1").scanned_at
    # Items done, a scan and a refresh within the next cooldown: one read after it.
    keys = films(sim, 3)
    sim.announce_added(keys)
    sim.scan("2")
    sim.refresh_item(sample_film().rating_key)
    await until(lambda: len(watching.told) == 3)
    await watching.wake_at(START + 2 * COOLDOWN)
    await until(lambda: len(watching.libraries) == 3)
    assert watching.libraries[2][0].counts == {"movie": 9}
    assert times(sim, SECTIONS) == [START, START + COOLDOWN, START + 2 * COOLDOWN]
    # Nothing changes: nothing is read, until the follower's next read of the sessions.
    assert await watching.following.tick() == 300 - 2 * COOLDOWN
    assert len(watching.libraries) == 3


async def test_a_deleted_item_changes_the_counts(watching: Watching, sim: PMSSimulator) -> None:
    """A deletion is a change of the libraries: read again after the cooldown."""
    watching.start(sim)
    await watching.connected()
    sim.library.remove(sample_film().rating_key)
    await watching.wake_at(START + library_watcher.COUNT_COOLDOWN)
    await until(lambda: len(watching.libraries) == 2)
    assert watching.libraries[1][0].counts == {"movie": 5}


# The updater


async def test_updater(watching: Watching, sim: PMSSimulator, clock: FakeClock) -> None:
    """Identity and updater at the connection, at once when its state changes, else hourly."""
    watching.start(sim, update_interval=600.0)
    await watching.connected()
    [status] = watching.updates
    assert (status.installed_version, status.latest, status.can_install) == (
        sim.version,
        None,
        False,
    )
    sim.set_update(NEW_VERSION, can_install=True)
    await until(lambda: len(watching.updates) == 2)
    latest = watching.updates[1].latest
    assert latest is not None
    assert (latest.version, latest.state, clock()) == (NEW_VERSION, "available", START)
    # Not again before the interval: the follower's reads of the sessions wake nothing else.
    await watching.wake_at(START + 300)
    await watching.wake_at(START + 600)
    await until(lambda: len(watching.updates) == 3)
    assert times(sim, UPDATER) == [START, START, START + 600]
    # Identity: once to choose the connection, once with each reading of the updater.
    assert len(times(sim, "/identity")) == 4
    # Installed, the server restarts on the new version: read at the new connection.
    sim.install_seconds = 0
    sim.apply_update()
    await until(lambda: len(watching.updates) >= 4 and sim.websocket_connections == 2)
    await until(lambda: watching.updates[-1].installed_version == NEW_VERSION)
    assert watching.updates[-1].latest is None


async def test_update_state_changes_during_a_read(watching: Watching, sim: PMSSimulator) -> None:
    """A state change heard while the updater is read is read again: the read may predate it."""
    watching.start(sim)
    await watching.connected()
    follower = watching.follower
    assert follower is not None
    hold = asyncio.Event()
    # The next read is answered, once let go, with what the updater said before.
    sim.add_fault(UPDATER, hold=hold, body='{"MediaContainer": {"size": 0}}')
    sim.set_update(NEW_VERSION)
    await until(lambda: len(sim.requests_to(UPDATER)) == 2)
    heard = follower.notifications
    sim.set_update("9.9.9.9")
    await until(lambda: follower.notifications == heard + 1)
    hold.set()
    await until(lambda: len(watching.updates) == 3)
    latest = [status.latest.version if status.latest else None for status in watching.updates]
    assert latest == [None, None, "9.9.9.9"]


# Failures


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (SECTIONS, 500),
        ("/library/sections/3/all", 503),
        (SECTIONS, 429),
        (UPDATER, 500),
        (UPDATER, 401),
        ("/identity", 404),
    ],
)
async def test_failed_read_is_tried_again(
    watching: Watching,
    sim: PMSSimulator,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: int,
) -> None:
    """A read that fails is tried again after retry_after, said at debug level only.

    Whatever the failure, the follower goes on: nothing is told unavailable.
    """
    watching.start(sim, retry_after=RETRY_AFTER, count_cooldown=COOLDOWN)
    await watching.connected()
    sim.add_fault(path, status=status)
    libraries = path.startswith(SECTIONS)
    if libraries:
        sim.scan("1")  # read again after the cooldown
        await watching.wake_at(failed := START + COOLDOWN)
    else:
        sim.set_update(NEW_VERSION)  # read again at once
        failed = START
    await until(lambda: not sim.faults and watching.clock.next_wakeup() == failed + RETRY_AFTER)
    reads = watching.libraries if libraries else watching.updates
    assert len(reads) == 1
    await watching.wake_at(failed + RETRY_AFTER)
    await until(lambda: len(reads) == 2)
    assert sorted(set(times(sim, path)))[-2:] == [failed, failed + RETRY_AFTER]
    what = "the libraries" if libraries else "the updater"
    [line] = [r for r in caplog.records if f"could not read {what}" in r.getMessage()]
    assert (line.levelno, f"answered {status}" in line.getMessage()) == (logging.DEBUG, True)
    follower = watching.follower
    assert follower is not None
    assert (follower.state, watching.following.unavailable) == (CONNECTED, [])


async def test_items_read_again_after_a_failure(
    watching: Watching, sim: PMSSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Items that could not be read are read again after retry_after, and told then.

    (Or sooner, at the next notification or read of the libraries: here they come later.)
    """
    watching.start(sim, retry_after=RETRY_AFTER, count_cooldown=2 * RETRY_AFTER)
    await watching.connected()
    keys = films(sim, 2)
    sim.add_fault(METADATA, status=500)
    sim.announce_added(keys)
    await until(lambda: sim.requests_to(METADATA))
    await watching.wake_at(START + RETRY_AFTER)
    await until(lambda: watching.told)
    assert watching.told == keys
    assert times(sim, METADATA + ",".join(keys)) == [START, START + RETRY_AFTER]
    assert any("could not read 2 added items" in r.getMessage() for r in caplog.records)


async def test_remembers_a_bounded_number(
    watching: Watching, sim: PMSSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the newest MAX_REMEMBERED items announced, and told, are kept in mind."""
    monkeypatch.setattr(library_watcher, "MAX_REMEMBERED", 3)
    watcher = watching.start(sim)
    await watching.connected()
    keys = films(sim, 5)
    sim.announce_added(keys, processed=False)
    await until(lambda: keys[-1] in watcher._created)
    assert list(watcher._created) == keys[2:]
    sim.finish_processing(keys)
    await until(lambda: len(watching.told) == 3)
    more = films(sim, 2)
    sim.announce_added(more)
    await until(lambda: len(watching.told) == 5)
    assert watching.told == keys[2:] + more
    assert list(watcher._told) == [keys[4], *more]
    assert watcher.added == 5


# Notifications as the watcher reads them


def timeline(*entries: object) -> dict[str, Any]:
    """Return a `timeline` notification of these entries."""
    container = {"type": "timeline", "size": len(entries), "TimelineEntry": list(entries)}
    return {"NotificationContainer": container}


def activity(*entries: object) -> dict[str, Any]:
    """Return an `activity` notification of these entries."""
    container = {"type": "activity", "size": len(entries), "ActivityNotification": list(entries)}
    return {"NotificationContainer": container}


def test_timeline_entries() -> None:
    """Entries of no library (sectionID -1, or none) and unreadable ones are skipped."""
    notification = Notification.from_dict(
        timeline(
            {"itemID": "1", "sectionID": "1", "type": 1, "title": "A", "state": 0,
             "metadataState": "created"},
            {"itemID": 2, "sectionID": 2, "state": "5", "metadataState": ""},
            {"itemID": "3", "sectionID": "-1", "state": 5},
            {"itemID": "4", "sectionID": "", "state": 5},
            {"itemID": "5", "state": 5},
            {"sectionID": "1", "state": 5},
            {"itemID": "6", "sectionID": "1", "state": "done"},
            {"itemID": "7", "sectionID": 1, "state": 9},
            "not an object",
        )
    )  # fmt: skip
    assert notification.timeline == (
        TimelineEntry(
            item_id="1", section_id="1", type=1, title="A", state=0, metadata_state="created"
        ),
        TimelineEntry(item_id="2", section_id="2", state=5),
        TimelineEntry(item_id="7", section_id="1", state=9),
    )
    assert [(e.created, e.done, e.deleted, e.in_library) for e in notification.timeline] == [
        (True, False, False, True),
        (False, True, False, True),
        (False, False, True, True),
    ]
    # State 0 is a new item only with metadataState "created".
    assert not TimelineEntry(item_id="1", section_id="1", state=0).created
    assert not TimelineEntry(item_id="1").in_library
    assert Notification.from_dict(timeline()).timeline == ()


@pytest.mark.parametrize(
    ("entries", "changed"),
    [
        ([{"itemID": "1", "sectionID": "1", "state": 0, "metadataState": "created"}], False),
        ([{"itemID": "1", "sectionID": "1", "state": 4}], False),
        ([{"itemID": "1", "sectionID": "1", "state": 5}], True),
        ([{"itemID": "1", "sectionID": "1", "state": 9}], True),
        ([{"itemID": "1", "sectionID": "-1", "state": 5}], False),
    ],
)
def test_timeline_changes_the_libraries(entries: list[object], changed: bool) -> None:
    """An item done or deleted changes what the libraries hold; one created or processing not."""
    notification = Notification.from_dict(timeline(*entries))
    assert (notification.libraries_changed, notification.update_changed) == (changed, False)


def test_activity_entries() -> None:
    """An activity's type and section, if it says them; one without an event is skipped."""
    notification = parse_notification(
        """{"NotificationContainer": {"type": "activity", "ActivityNotification": [
            {"event": "ended", "uuid": "a",
             "Activity": {"type": "library.update.section", "Context": {"librarySectionID": "2"}}},
            {"event": "started", "Activity": {"type": "library.refresh.items"}},
            {"event": "updated"},
            {"uuid": "no event"},
            {"event": "ended", "Activity": "not an object"},
            {"event": "ended", "Activity": {"Context": []}}
        ]}}"""
    )
    assert notification.activities == (
        ActivityEntry(event="ended", type="library.update.section", section_id="2"),
        ActivityEntry(event="started", type="library.refresh.items"),
        ActivityEntry(event="updated"),
    )


@pytest.mark.parametrize(
    ("entry", "changed"),
    [
        ({"event": "ended", "Activity": {"type": "library.update.section"}}, True),
        ({"event": "ended", "Activity": {"type": "library.refresh.items"}}, True),
        ({"event": "started", "Activity": {"type": "library.update.section"}}, False),
        ({"event": "ended", "Activity": {"type": "media.generate.bif"}}, False),
        ({"event": "ended"}, False),
    ],
)
def test_activity_changes_the_libraries(entry: dict[str, object], changed: bool) -> None:
    """A library task that ended changes the libraries; one that starts, or another, not."""
    assert Notification.from_dict(activity(entry)).libraries_changed is changed


@pytest.mark.parametrize(
    ("kind", "libraries", "update"),
    [
        ("status", True, False),
        ("update.statechange", False, True),
        ("progress", False, False),
        ("playing", False, False),
    ],
)
def test_other_notifications(kind: str, libraries: bool, update: bool) -> None:
    """A status (a scan's end) changes the libraries; update.statechange the updater."""
    notification = Notification.from_dict({"NotificationContainer": {"type": kind}})
    assert (notification.libraries_changed, notification.update_changed) == (libraries, update)
    assert (notification.timeline, notification.activities) == ((), ())


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"NotificationContainer": {"type": "timeline", "TimelineEntry": {}}}',
        '{"NotificationContainer": {"type": "activity", "ActivityNotification": 1}}',
    ],
)
def test_notifications_that_cannot_be_read(text: str) -> None:
    """A message that is no notification, or whose list is not one, is malformed."""
    with pytest.raises(PlexResponseError):
        parse_notification(text)
