"""What the library raises: one tree for plex.tv, Plex's other services and the servers."""


class PlexError(Exception):
    """Base class of every error the library raises."""


class PlexConnectionError(PlexError):
    """The service could not be reached, timed out or failed on its side (5xx)."""


class PlexAuthenticationError(PlexError):
    """The token is missing, not valid, or refused (401); a new one is needed."""


class PlexRateLimitError(PlexError):
    """The service asked the client to slow down (429)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Keep how long the service asked to wait, in seconds, if it said so."""
        super().__init__(message)
        self.retry_after = retry_after


class PlexPinExpiredError(PlexError):
    """The pin expired or is unknown to plex.tv; a new pin is needed."""


class PlexResponseError(PlexError):
    """The service answered something the client does not understand."""


class PlexNotFoundError(PlexResponseError):
    """The service knows nothing at that path (404): what was asked for is gone."""


class PlexResponseTooLargeError(PlexResponseError):
    """The answer was larger than the client reads: it is not one worth reading."""


class PlexIdentityError(PlexError):
    """Another server answered at the address: its machineIdentifier is not the one expected."""
