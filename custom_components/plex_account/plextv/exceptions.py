"""Exceptions raised by the plex.tv client."""


class PlexTVError(Exception):
    """Base class for every error the plex.tv client raises."""


class PlexTVConnectionError(PlexTVError):
    """plex.tv could not be reached, timed out or failed on its side (5xx)."""


class PlexTVAuthenticationError(PlexTVError):
    """The token is missing, invalid or revoked; the user has to sign in again."""


class PlexTVPinExpiredError(PlexTVError):
    """The pin expired or is unknown to plex.tv; a new pin is needed."""


class PlexTVRateLimitError(PlexTVError):
    """plex.tv asked the client to slow down (429)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Keep how long plex.tv asked to wait, in seconds, if it said so."""
        super().__init__(message)
        self.retry_after = retry_after


class PlexTVResponseError(PlexTVError):
    """plex.tv answered something the client does not understand."""
