"""What happens to each stream: the tracker's reading of notifications and session reads."""

from aioplexaccount import (
    PlaybackChange,
    PlaybackEvent,
    PlaybackTracker,
    PlayingNotification,
    Session,
)

from library.tests.builders import movie_json

STARTED, PAUSED, RESUMED, STOPPED = (
    PlaybackChange.STARTED,
    PlaybackChange.PAUSED,
    PlaybackChange.RESUMED,
    PlaybackChange.STOPPED,
)


def stream(key: str, state: str = "playing") -> Session:
    """Return a stream of the server, as a read of the sessions lists it."""
    return Session.from_dict(
        movie_json(sessionKey=key, Player={"machineIdentifier": "tv", "state": state})
    )


def told(*entries: tuple[str | None, str]) -> tuple[PlayingNotification, ...]:
    """Return the entries of a `playing` notification: (sessionKey, state) each."""
    return tuple(PlayingNotification(session_key=key, state=state) for key, state in entries)


def changes(events: list[PlaybackEvent]) -> list[tuple[PlaybackChange, str]]:
    """Return what each event says, and of which stream."""
    return [(event.change, event.session.session_key) for event in events]


def test_started_and_vanished() -> None:
    """A stream new in a read has started; one gone from a read has stopped.

    What played before anyone was watching is no event; a notification before it neither.
    """
    tracker = PlaybackTracker()
    assert tracker.notified(told(("1", "paused"))) == []
    assert tracker.read([stream("1"), stream("2", "paused")], tracker.mark) == []
    assert changes(tracker.notified(told(("2", "playing")))) == [(RESUMED, "2")]
    events = tracker.read([stream("1"), stream("2"), stream("3", "paused")], tracker.mark)
    assert (changes(events), events[0].session.state) == ([(STARTED, "3")], "paused")
    assert changes(tracker.notified(told(("3", "playing")))) == [(RESUMED, "3")]
    assert changes(tracker.read([], tracker.mark)) == [
        (STOPPED, "1"),
        (STOPPED, "2"),
        (STOPPED, "3"),
    ]
    assert tracker.read([], tracker.mark) == []


def test_pause_and_resume_between_two_reads() -> None:
    """A pause and a resume told between two reads are both events, in order, told once."""
    tracker = PlaybackTracker()
    tracker.read([stream("1")], tracker.mark)
    mark = tracker.mark
    events = tracker.notified(told(("1", "paused"), ("1", "playing")))
    assert changes(events) == [(PAUSED, "1"), (RESUMED, "1")]
    assert tracker.notified(told(("1", "playing"), ("9", "paused"), (None, "stopped"))) == []
    # A read that started before the notifications shows an older state: it changes nothing.
    assert tracker.read([stream("1", "paused")], mark) == []
    assert tracker.read([stream("1")], tracker.mark) == []


def test_buffering_is_neither_pause_nor_resume() -> None:
    """The player did not choose to buffer: no pause, and no resume after it."""
    tracker = PlaybackTracker()
    tracker.read([stream("1")], tracker.mark)
    assert tracker.notified(told(("1", "buffering"))) == []
    assert tracker.read([stream("1", "buffering")], tracker.mark) == []
    assert tracker.notified(told(("1", "playing"))) == []
    assert changes(tracker.read([stream("1", "paused")], tracker.mark)) == [(PAUSED, "1")]
    assert tracker.notified(told(("1", "buffering"))) == []
    assert changes(tracker.read([stream("1")], tracker.mark)) == [(RESUMED, "1")]


def test_stop_told_is_not_undone_by_an_older_read() -> None:
    """A stream stopped by a notification stays stopped for a read that started before it."""
    tracker = PlaybackTracker()
    tracker.read([stream("1"), stream("2")], tracker.mark)
    mark = tracker.mark
    events = tracker.notified(told(("1", "stopped")))
    assert changes(events) == [(STOPPED, "1")]
    assert events[0].session == stream("1")
    # Started before the stop: it still lists the stream, and lost "2" after the stop.
    assert changes(tracker.read([stream("1")], mark)) == [(STOPPED, "2")]
    # The stop is settled; a later read that lists the key again is a new stream.
    assert changes(tracker.read([stream("1")], tracker.mark)) == [(STARTED, "1")]


def test_stream_told_after_a_read_started_is_kept() -> None:
    """A stream a notification spoke of after the read started is not stopped by the read."""
    tracker = PlaybackTracker()
    tracker.read([stream("1")], tracker.mark)
    mark = tracker.mark
    assert changes(tracker.notified(told(("1", "paused")))) == [(PAUSED, "1")]
    assert tracker.read([], mark) == []
    assert changes(tracker.read([], tracker.mark)) == [(STOPPED, "1")]
