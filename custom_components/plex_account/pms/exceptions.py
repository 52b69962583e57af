"""Exceptions raised by the Plex Media Server client."""


class PMSError(Exception):
    """Base class for every error the Plex Media Server client raises."""


class PMSConnectionError(PMSError):
    """The server could not be reached, timed out or failed on its side (5xx)."""


class PMSAuthenticationError(PMSError):
    """The server refused the token (401); the account has to be signed in again."""


class PMSResponseError(PMSError):
    """The server answered something the client does not understand."""


class PMSIdentityError(PMSError):
    """Another server answered at the address: its machineIdentifier is not the one expected."""
