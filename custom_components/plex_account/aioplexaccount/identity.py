"""How this client introduces itself to plex.tv."""

import unicodedata
from dataclasses import dataclass, fields
from typing import Final

MAX_NAME_LENGTH: Final = 255

# Zero-width (non-)joiners are format characters, but emoji and several scripts need them.
_ALLOWED_FORMAT_CHARACTERS: Final = frozenset({"\u200c", "\u200d"})
# Control characters, surrogates and line/paragraph separators must never reach a header.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
# What shows nothing: spaces, format and combining marks, and the letters and symbols that
# fonts draw blank (Hangul fillers, the braille blank). A name of these alone reads as none.
_BLANK_CATEGORIES: Final = frozenset({"Zs", "Cf", "Mn", "Me"})
_BLANK_CHARACTERS: Final = frozenset({"\u115f", "\u1160", "\u2800", "\u3164", "\uffa0"})


def validate_name(value: str) -> str:
    """Return the name trimmed, or raise ValueError if it cannot be sent in a header."""
    name = value.strip()
    if not any(
        unicodedata.category(character) not in _BLANK_CATEGORIES
        and character not in _BLANK_CHARACTERS
        for character in name
    ):
        msg = "must not be empty or blank"
        raise ValueError(msg)
    if len(name) > MAX_NAME_LENGTH:
        msg = f"must be at most {MAX_NAME_LENGTH} characters, got {len(name)}"
        raise ValueError(msg)
    for character in name:
        category = unicodedata.category(character)
        if category in _FORBIDDEN_CATEGORIES or (
            category == "Cf" and character not in _ALLOWED_FORMAT_CHARACTERS
        ):
            msg = f"must not contain control characters (found U+{ord(character):04X})"
            raise ValueError(msg)
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class PlexIdentity:
    """The X-Plex-* identity sent with every request.

    The client identifier must stay the same for the life of a login: plex.tv ties the
    pin, and later the token, to it.
    """

    client_identifier: str
    client_name: str
    device_name: str
    client_version: str
    client_platform: str

    def __post_init__(self) -> None:
        """Validate and trim every field so that a bad name fails before any request."""
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, str):
                msg = f"{item.name} must be a string, got {type(value).__name__}"
                raise TypeError(msg)
            try:
                trimmed = validate_name(value)
            except ValueError as err:
                msg = f"{item.name} {err}"
                raise ValueError(msg) from err
            object.__setattr__(self, item.name, trimmed)

    def headers(self) -> dict[str, str]:
        """Return the identity headers, plus the Accept header that makes plex.tv send JSON."""
        return {
            "Accept": "application/json",
            "X-Plex-Client-Identifier": self.client_identifier,
            "X-Plex-Product": self.client_name,
            "X-Plex-Device": self.device_name,
            "X-Plex-Device-Name": self.device_name,
            "X-Plex-Version": self.client_version,
            "X-Plex-Platform": self.client_platform,
        }
