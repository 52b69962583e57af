"""Wait for the user to approve a plex.tv pin, patiently and without tripping the rate limit."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .account import Pin
from .exceptions import (
    PlexConnectionError,
    PlexPinExpiredError,
    PlexRateLimitError,
    PlexResponseError,
)
from .plextv import PlexTVClient

_LOGGER = logging.getLogger(__name__)


@dataclass(kw_only=True)
class PinPoller:
    """Check one pin until it holds a token, it expires, or the waiting is cancelled.

    The next check starts `interval` seconds after the previous answer arrived, so two checks
    never reach plex.tv less than a second apart. While plex.tv is unreachable or answers
    garbage the pause doubles up to `max_backoff`; a 429 waits for its Retry-After.

    `clock` (seconds, monotonic) and `sleep` are the poller's sense of time; tests replace
    them to run hours of waiting in no time.
    """

    client: PlexTVClient
    pin: Pin
    interval: float = 1.0
    """plex.tv answers 429 to a pin checked more than once a second."""
    max_backoff: float = 10.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Fix the deadline on this machine's clock; expiresIn is immune to clock skew."""
        if self.pin.expires_in is not None:
            lifetime = float(self.pin.expires_in)
        else:
            lifetime = (self.pin.expires_at - datetime.now(UTC)).total_seconds()
        self._deadline = self.clock() + lifetime

    @property
    def seconds_left(self) -> float:
        """Return how long the code stays valid."""
        return max(self._deadline - self.clock(), 0.0)

    async def wait_for_token(self) -> str:
        """Return the token once the user has approved the code.

        Raises PlexPinExpiredError when the code expires first; other errors of the
        client that retrying cannot mend (such as an authentication error) propagate.
        """
        backoff = self.interval
        unreachable = False
        while (left := self.seconds_left) > 0:
            try:
                pin = await self.client.check_pin(self.pin.id)
            except PlexRateLimitError as err:
                delay = max(err.retry_after or backoff, self.interval)
                backoff = min(backoff * 2, self.max_backoff)
                _LOGGER.debug("plex.tv asked to slow down; next check in %.1f s", delay)
            except (PlexConnectionError, PlexResponseError) as err:
                delay = backoff
                backoff = min(backoff * 2, self.max_backoff)
                if not unreachable:
                    _LOGGER.info("plex.tv is not answering while waiting for the code: %s", err)
                unreachable = True
            else:
                if unreachable:
                    _LOGGER.info("plex.tv is answering again")
                    unreachable = False
                if pin.auth_token:
                    return pin.auth_token
                delay = backoff = self.interval
            await self.sleep(min(delay, left))
        msg = "The code expired before it was entered"
        raise PlexPinExpiredError(msg)
