"""The moments inside playback: an intro starts or ends, the credits start, an item is watched.

The server says where a stream is only now and then: at each change of state, and every ten
seconds or so while it plays. A MomentScheduler, driven by the follower, keeps each stream's
last known position and when it was known, and tells each moment when the position reaches
it: the intro's and credits' from the item's markers (read once per item), and `watched`
when 90 % of the item is played, as Plex counts an item watched. A stream that pauses,
buffers or stops tells nothing more until it plays again; a seek tells none of the moments
jumped over, but `watched` (Plex counts an item watched that was skipped to its end).
"""

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Final

from .exceptions import PlexError, PlexNotFoundError
from .library import CREDITS, EPISODE, INTRO, MOVIE, Marker
from .notifications import PlayingNotification
from .playback import PlaybackChange, PlaybackEvent
from .server import PMSClient
from .sessions import Session
from .tasks import first_of

_LOGGER = logging.getLogger(__name__)

_PLAYING: Final = "playing"
_STOPPED: Final = "stopped"

WATCHED_FRACTION: Final = 0.9
"""How much of an item is played when Plex counts it watched."""
SEEK_TOLERANCE_MS: Final = 5000
"""A position this far from where the stream should be is a seek; closer, a player's drift."""
MAX_LATE: Final = 30.0
"""A moment of a marker found this late (after an outage, say) is no longer told."""
RETRY_AFTER: Final = 60.0
"""After a failed read of markers, how long the server is left before it is asked again."""
MAX_ITEMS: Final = 1000
"""The markers of at most this many items are remembered."""
# Plex finds intros and credits in films and episodes only: no other item's markers are read.
_MARKED_TYPES: Final = frozenset({MOVIE, EPISODE})


@dataclass(slots=True, kw_only=True)
class _Stream:
    """What is known of one stream: where it was, when, and what is left to tell."""

    session: Session
    rating_key: str | None
    state: str
    position_ms: int
    known_at: float
    """The clock's time (seconds) at which position_ms was known."""
    reported_ms: int
    """The last position the server said: a read that says it again is no newer."""
    told_ms: int
    """The moments of markers before this position are told, or were jumped over."""
    watched_ms: int | None
    watched: bool
    markers: tuple[Marker, ...] | None = None
    """None until the item's markers are read."""
    notified: int = 0
    """The number of the last notification about it: a read started before is stale."""

    def position_at(self, now: float) -> int:
        """Return where the stream is at `now`: it moves only while it plays."""
        if self.state != _PLAYING:
            return self.position_ms
        return self.position_ms + round((now - self.known_at) * 1000)

    def moments(self) -> Iterator[tuple[int, PlaybackChange]]:
        """Return the moments of the item's markers (none while they are not read)."""
        for marker in self.markers or ():
            if marker.type == INTRO:
                yield marker.start_ms, PlaybackChange.INTRO_STARTED
                yield marker.end_ms, PlaybackChange.INTRO_ENDED
            elif marker.type == CREDITS:
                yield marker.start_ms, PlaybackChange.CREDITS_STARTED

    def next_due(self) -> float | None:
        """Return when the next moment is due on the clock, if it plays and one is ahead."""
        if self.state != _PLAYING:
            return None
        ahead = [offset for offset, _ in self.moments() if offset >= self.told_ms]
        if self.watched_ms is not None and not self.watched:
            ahead.append(self.watched_ms)
        if not ahead:
            return None
        return self.known_at + (min(ahead) - self.position_ms) / 1000


class MomentScheduler:
    """Tell the moments inside the streams of one server, as their positions reach them.

    The follower hands it every read of the sessions (read()) and every `playing`
    notification (notified()), and runs run() while it has a connection: that reads the
    markers and tells `on_playback` each moment when it is due, on `clock` and `sleep`
    (one timer, for the nearest moment of all streams).
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        on_playback: Callable[[list[PlaybackEvent]], None],
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        name: str = "server",
        max_items: int = MAX_ITEMS,
        retry_after: float = RETRY_AFTER,
    ) -> None:
        """Hold the callback; run() does the telling, while the follower is connected."""
        self._on_playback = on_playback
        self._clock = clock
        self._sleep = sleep
        self.name = name
        self._max_items = max_items
        self._retry_after = retry_after
        self._streams: dict[str, _Stream] = {}
        self._markers: OrderedDict[str, tuple[Marker, ...]] = OrderedDict()
        self._retry_at = -math.inf
        self._wake = asyncio.Event()
        self._waiting = False
        self.due: float | None = None
        """When the next moment is due on the clock, while run() waits for it."""
        self.told = 0
        """How many moments were told since the start."""

    @property
    def idle(self) -> bool:
        """Return whether run() waits, with nothing new to take."""
        return self._waiting and not self._wake.is_set()

    def read(self, sessions: list[Session], mark: int) -> None:
        """Take a read of the sessions that started after notification number `mark`.

        What a notification told after the read started is newer than the read: kept.
        A stream without a position cannot be followed.
        """
        now = self._clock()
        seen: set[str] = set()
        for session in sessions:
            key, position = session.session_key, session.position_ms
            if position is None:
                continue
            seen.add(key)
            stream = self._streams.get(key)
            if stream is not None and stream.notified > mark:
                continue
            if stream is None or stream.rating_key != session.rating_key:
                self._streams[key] = self._new_stream(session, position, now)
                continue
            stream.session = session
            # A real server shows the position its player last reported: as old as that.
            if (position, session.state) != (stream.reported_ms, stream.state):
                self._observe(stream, position, session.state, now)
        for key in list(self._streams):
            if key not in seen and self._streams[key].notified <= mark:
                del self._streams[key]
        self._wake.set()

    def notified(self, entries: tuple[PlayingNotification, ...], mark: int) -> None:
        """Take a `playing` notification, number `mark`: where its streams are now.

        A stream not read yet waits for the next read, which knows what it plays.
        """
        now = self._clock()
        for entry in entries:
            stream = None if entry.session_key is None else self._streams.get(entry.session_key)
            if stream is None:
                continue
            stream.notified = mark
            if entry.state == _STOPPED or entry.rating_key not in {None, stream.rating_key}:
                # Stopped, or on to another item: nothing to tell until a read says more.
                stream.state = _STOPPED
                continue
            position = entry.position_ms
            if position is None:
                position = stream.position_at(now)
            else:
                stream.reported_ms = position
            self._observe(stream, position, entry.state or stream.state, now)
        self._wake.set()

    async def run(self, client: PMSClient) -> None:
        """Read the markers and tell the moments as they come, over `client`, until cancelled."""
        while True:
            self._wake.clear()
            await self._read_markers(client)
            self._tell()
            await self._wait()

    def _new_stream(self, session: Session, position: int, now: float) -> _Stream:
        """Follow a stream first seen at `position`: what is behind it is not told."""
        duration = session.duration_ms
        watched_ms = None if not duration else int(duration * WATCHED_FRACTION)
        markers: tuple[Marker, ...] | None = None
        if session.rating_key is None or session.type not in _MARKED_TYPES:
            markers = ()
        elif (markers := self._markers.get(session.rating_key)) is not None:
            self._markers.move_to_end(session.rating_key)
        return _Stream(
            session=session,
            rating_key=session.rating_key,
            state=session.state,
            position_ms=position,
            known_at=now,
            reported_ms=position,
            told_ms=position,
            watched_ms=watched_ms,
            watched=watched_ms is not None and position >= watched_ms,
            markers=markers,
        )

    def _observe(self, stream: _Stream, position: int, state: str, now: float) -> None:
        """Take where a stream is now; a jump is a seek, and what it jumped over is not told."""
        if abs(position - stream.position_at(now)) > SEEK_TOLERANCE_MS:
            stream.told_ms = position
        stream.position_ms, stream.known_at, stream.state = position, now, state

    async def _read_markers(self, client: PMSClient) -> None:
        """Read the markers of the items that play and are not read yet, each once."""
        for stream in list(self._streams.values()):
            key = stream.rating_key
            if stream.markers is not None or key is None or stream.state != _PLAYING:
                continue
            if self._clock() < self._retry_at:
                return
            try:
                markers = tuple(await client.markers(key))
            except PlexNotFoundError:
                markers = ()
            except PlexError as err:
                # Its own failure, as the library watcher's: it takes no connection down.
                _LOGGER.debug("%s: could not read the markers of an item: %s", self.name, err)
                self._retry_at = self._clock() + self._retry_after
                return
            self._remember(key, markers)
            # Every stream of the item takes them, those that came while they were read too.
            for other in self._streams.values():
                if other.rating_key == key and other.markers is None:
                    other.markers = markers

    def _remember(self, key: str, markers: tuple[Marker, ...]) -> None:
        """Keep an item's markers, forgetting the oldest beyond max_items."""
        self._markers[key] = markers
        while len(self._markers) > self._max_items:
            self._markers.popitem(last=False)

    def _tell(self) -> None:
        """Tell the moments that the streams' positions reached, in order."""
        now = self._clock()
        events: list[PlaybackEvent] = []
        for stream in self._streams.values():
            if stream.state == _STOPPED:
                continue
            position = stream.position_at(now)
            due = [
                (offset, change)
                for offset, change in stream.moments()
                if stream.told_ms <= offset <= position and position - offset <= MAX_LATE * 1000
            ]
            stream.told_ms = max(stream.told_ms, position + 1)
            watched = stream.watched_ms
            if watched is not None and not stream.watched and position >= watched:
                stream.watched = True
                due.append((watched, PlaybackChange.WATCHED))
            events += [
                PlaybackEvent(change=change, session=stream.session) for _, change in sorted(due)
            ]
        if events:
            self.told += len(events)
            self._on_playback(events)

    async def _wait(self) -> None:
        """Wait until the nearest moment is due, or until a read or notification says more."""
        due = [when for stream in self._streams.values() if (when := stream.next_due()) is not None]
        if self._wake.is_set():
            return
        self.due = min(due, default=None)
        self._waiting = True
        try:
            if self.due is None:
                await self._wake.wait()
            else:
                await first_of(self._wake.wait(), self._sleep_until(self.due))
        finally:
            self.due = None
            self._waiting = False

    async def _sleep_until(self, when: float) -> None:
        # The pause is reckoned as the timer starts, on the clock's time then.
        await self._sleep(when - self._clock())
