"""Follow what a server's libraries hold, from its notifications: the follower drives it.

While the follower holds the server's websocket, a LibraryWatcher reads the sections and
their counts when the server says they changed (and at each connection, for what was missed
meanwhile), tells each item the server announced as created once it is done, and reads the
updater (with the version the server runs) at each connection, then at most hourly, or at
once when the server says its state changed. Nothing is polled while nothing changes.
"""

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from .exceptions import PlexError
from .library import ALBUM, EPISODE, MOVIE, TRACK, LibraryItem, SectionCounts, UpdateStatus
from .notifications import Notification
from .server import PMSClient
from .tasks import first_of

_LOGGER = logging.getLogger(__name__)

# The server's updater looks for new versions itself, and says so when its state changes.
UPDATE_INTERVAL: Final = 3600.0
# A burst of changes (a scan that adds hundreds of items) is counted once it calms down.
COUNT_COOLDOWN: Final = 2.0
# A read that failed is tried again after this long (or at the next notification).
RETRY_AFTER: Final = 60.0
# What is told as added: a new show, season or artist comes with its first episode or album.
ADDED_TYPES: Final = frozenset({MOVIE, EPISODE, ALBUM, TRACK})
# A hostile or broken server could announce items forever: only this many are remembered.
MAX_REMEMBERED: Final = 10_000


class LibraryWatcher:
    """Tell what a server's libraries hold, the items added to them, and its updates.

    `on_libraries` gets every reading of the sections with their counts, `on_added` the
    films, episodes, albums and tracks that are new (each once, however often the server
    repeats that it is done, and never one that was only refreshed), `on_update` every
    reading of the updater.
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        on_libraries: Callable[[list[SectionCounts]], None],
        on_added: Callable[[list[LibraryItem]], None],
        on_update: Callable[[UpdateStatus], None],
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        name: str = "server",
        update_interval: float = UPDATE_INTERVAL,
        count_cooldown: float = COUNT_COOLDOWN,
        retry_after: float = RETRY_AFTER,
    ) -> None:
        """Hold the callbacks; run() does the reading, while the follower is connected."""
        self._on_libraries = on_libraries
        self._on_added = on_added
        self._on_update = on_update
        self._clock = clock
        self._sleep = sleep
        self.name = name
        self._update_interval = update_interval
        self._count_cooldown = count_cooldown
        self._retry_after = retry_after
        self._wake = asyncio.Event()
        # Announced as created, not yet done: item id → nothing (insertion order is age).
        self._created: OrderedDict[str, None] = OrderedDict()
        # Done, to be read and told: item id → nothing, in the server's order.
        self._done: OrderedDict[str, None] = OrderedDict()
        self._told: OrderedDict[str, None] = OrderedDict()
        self._libraries_dirty = True
        self._libraries_next = -math.inf
        self._update_next = -math.inf
        self.added = 0
        """How many items were told as added since the start."""

    def notified(self, notification: Notification) -> None:
        """Take one notification of the server's websocket."""
        for entry in notification.timeline:
            item = entry.item_id
            if entry.created:
                if item not in self._told:
                    _remember(self._created, item)
            elif entry.done:
                if item in self._created:
                    del self._created[item]
                    _remember(self._done, item)
            elif entry.deleted:
                self._created.pop(item, None)
                self._done.pop(item, None)
        if notification.libraries_changed:
            self._libraries_dirty = True
        if notification.update_changed:
            self._update_next = -math.inf
        self._wake.set()

    async def run(self, client: PMSClient) -> None:
        """Read as the notifications say, over `client`, until cancelled.

        Started at each connection: the libraries are read again, and items that were
        announced before a disconnection and exist now are told, as their "done" may have
        come while nobody listened.
        """
        self._libraries_dirty = True
        self._libraries_next = -math.inf
        # A new connection may be to a server restarted on another version.
        self._update_next = -math.inf
        if self._created:
            await self._tell(client, self._created)
        while True:
            self._wake.clear()
            if self._done:
                await self._tell(client, self._done)
            if self._libraries_dirty and self._clock() >= self._libraries_next:
                await self._read_libraries(client)
            if self._clock() >= self._update_next:
                await self._read_update(client)
            await self._wait()

    async def _wait(self) -> None:
        """Wait for a notification, or for the next read that is due."""
        due = self._update_next
        if self._libraries_dirty:
            due = min(due, self._libraries_next)
        if self._done:
            due = min(due, self._clock() + self._retry_after)
        delay = due - self._clock()
        if delay <= 0:
            return
        if self._wake.is_set():
            return
        await first_of(self._wake.wait(), self._sleep(delay))

    async def _tell(self, client: PMSClient, queue: OrderedDict[str, None]) -> None:
        """Read the items of `queue` and tell them as added; those read leave the queue."""
        keys = list(queue)
        try:
            items = await client.items(keys)
        except PlexError as err:
            _LOGGER.debug("%s: could not read %d added items: %s", self.name, len(keys), err)
            return
        for key in keys:
            # Read or gone: either way no longer waiting.
            queue.pop(key, None)
        new = [
            item for item in items if item.type in ADDED_TYPES and item.rating_key not in self._told
        ]
        for item in new:
            _remember(self._told, item.rating_key)
        if new:
            self.added += len(new)
            _LOGGER.debug("%s: %d items added", self.name, len(new))
            self._on_added(new)

    async def _read_libraries(self, client: PMSClient) -> None:
        self._libraries_dirty = False
        try:
            counts = [await client.section_counts(section) for section in await client.sections()]
        except PlexError as err:
            _LOGGER.debug("%s: could not read the libraries: %s", self.name, err)
            self._libraries_dirty = True
            self._libraries_next = self._clock() + self._retry_after
            return
        self._libraries_next = self._clock() + self._count_cooldown
        self._on_libraries(counts)

    async def _read_update(self, client: PMSClient) -> None:
        # Due again from the start of this read: a state change heard during it reads again.
        self._update_next = self._clock() + self._update_interval
        try:
            identity = await client.server_identity()
            status = replace(await client.update_status(), installed_version=identity.version)
        except PlexError as err:
            _LOGGER.debug("%s: could not read the updater: %s", self.name, err)
            self._update_next = min(self._update_next, self._clock() + self._retry_after)
            return
        self._on_update(status)


def _remember(seen: OrderedDict[str, None], key: str) -> None:
    """Add a key, forgetting the oldest beyond MAX_REMEMBERED."""
    seen[key] = None
    seen.move_to_end(key)
    while len(seen) > MAX_REMEMBERED:
        seen.popitem(last=False)
