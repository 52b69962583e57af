"""What happens to each stream of a server: started, paused, resumed, stopped.

The server's `playing` notifications say at once what a stream did, so a pause and a
resume between two reads of the sessions are both told, in order. The reads fill in what
a notification does not say (the title, the player, the user) and catch up with what no
notification said (a stream that started, or one that ended while the websocket was down).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .notifications import PlayingNotification
from .sessions import Session

_PAUSED: Final = "paused"
_PLAYING: Final = "playing"
_STOPPED: Final = "stopped"


class PlaybackChange(StrEnum):
    """What a stream did, or reached (the moments: see moments.MomentScheduler)."""

    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"
    INTRO_STARTED = "intro_started"
    INTRO_ENDED = "intro_ended"
    CREDITS_STARTED = "credits_started"
    WATCHED = "watched"
    """90 % of the item played: Plex counts it watched."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackEvent:
    """One change of one stream, with the stream as last read."""

    change: PlaybackChange
    session: Session


@dataclass(slots=True)
class _Stream:
    session: Session
    paused: bool
    notified: int = 0
    """The number of the last notification about it: a read started before is stale."""


def _change(stream: _Stream, state: str | None) -> PlaybackChange | None:
    """Take a stream's new state; return the change it makes, if any.

    Buffering is neither a pause nor a resume: the player did not choose it.
    """
    if state == _PAUSED and not stream.paused:
        stream.paused = True
        return PlaybackChange.PAUSED
    if state == _PLAYING and stream.paused:
        stream.paused = False
        return PlaybackChange.RESUMED
    return None


@dataclass
class PlaybackTracker:
    """Turn a server's notifications and session reads into the changes of its streams.

    The first read says what played before anyone was watching: it is no event.
    """

    _streams: dict[str, _Stream] | None = field(default=None, init=False)
    _stopped: dict[str, int] = field(default_factory=dict, init=False)
    _count: int = field(default=0, init=False)

    @property
    def mark(self) -> int:
        """Return the number of the last notification: what a read started now has seen."""
        return self._count

    def notified(self, entries: tuple[PlayingNotification, ...]) -> list[PlaybackEvent]:
        """Take a `playing` notification; return the changes it tells of known streams.

        A stream not read yet waits for the next read, which knows what it plays.
        """
        self._count += 1
        if self._streams is None:
            return []
        events: list[PlaybackEvent] = []
        for entry in entries:
            stream = None if entry.session_key is None else self._streams.get(entry.session_key)
            if stream is None or entry.session_key is None:
                continue
            stream.notified = self._count
            if entry.state == _STOPPED:
                del self._streams[entry.session_key]
                self._stopped[entry.session_key] = self._count
                events.append(PlaybackEvent(change=PlaybackChange.STOPPED, session=stream.session))
                continue
            if change := _change(stream, entry.state):
                events.append(PlaybackEvent(change=change, session=stream.session))
        return events

    def read(self, sessions: list[Session], mark: int) -> list[PlaybackEvent]:
        """Take a read of the sessions that started at `mark`; return what it shows changed.

        What a notification told after the read started is newer than the read: kept.
        """
        if self._streams is None:
            self._streams = {
                session.session_key: _Stream(session, paused=session.state == _PAUSED)
                for session in sessions
            }
            return []
        events: list[PlaybackEvent] = []
        seen: set[str] = set()
        for session in sessions:
            key = session.session_key
            seen.add(key)
            if self._stopped.get(key, -1) > mark:
                continue
            stream = self._streams.get(key)
            if stream is None:
                self._streams[key] = _Stream(session, paused=session.state == _PAUSED)
                events.append(PlaybackEvent(change=PlaybackChange.STARTED, session=session))
                continue
            stream.session = session
            if stream.notified > mark:
                continue
            if change := _change(stream, session.state):
                events.append(PlaybackEvent(change=change, session=session))
        for key in list(self._streams):
            stream = self._streams[key]
            if key not in seen and stream.notified <= mark:
                del self._streams[key]
                events.append(PlaybackEvent(change=PlaybackChange.STOPPED, session=stream.session))
        # A stop told before this read started is as old as the read: it is settled.
        self._stopped = {key: when for key, when in self._stopped.items() if when > mark}
        return events
