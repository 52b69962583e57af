"""Read typed fields out of Plex's JSON, whichever service sent it.

plex.tv answers JSON proper; a server's JSON is its XML turned over, so an integer or a flag
may come as a number or as its decimal text, and an identifier as a string or a number. One
reader accepts both, bounds every number, and fails with PlexResponseError, naming the field
and the type it got but never the value (which may be a secret).
"""

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from .exceptions import PlexResponseError

_LOGGER = logging.getLogger(__name__)

# Plex counts in 64-bit integers; a longer number is no count, id or time of Plex's.
MAX_INT: Final = 2**63 - 1
_MAX_DIGITS: Final = 19
_TRUE_TEXT: Final = frozenset({"1", "true"})
_FALSE_TEXT: Final = frozenset({"0", "false", ""})
_UTC_SUFFIXES: Final = (" UTC", " GMT")


def kind(value: object) -> str:
    """Name a JSON value's type for an error message; values are never echoed (secrets)."""
    return "null" if value is None else type(value).__name__


def _to_datetime(value: object) -> datetime | None:
    """Return an aware datetime from an ISO 8601 string or epoch seconds, or None if invalid."""
    if isinstance(value, str):
        text = value.strip()
        # subscribedAt comes as "2019-04-26 12:31:02 UTC", which fromisoformat refuses.
        for zone in _UTC_SUFFIXES:
            if text.endswith(zone):
                text = f"{text.removesuffix(zone).rstrip()}+00:00"
                break
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        # Plex sends UTC; a timestamp without an offset is taken as UTC, not local time.
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except OverflowError, OSError, ValueError:
            return None
    return None


def _to_int(value: object) -> int | None:
    """Return an integer sent as a number or as decimal text, or None if it is neither."""
    if type(value) is int:
        return value if -MAX_INT <= value <= MAX_INT else None
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        # Checked before int(): thousands of digits would cost time, then raise ValueError.
        if text.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS:
            return _to_int(int(text))
    return None


class Fields:
    """The fields of one JSON object of an answer; `model` names it in errors."""

    __slots__ = ("_data", "_model")

    def __init__(self, data: object, model: str) -> None:
        """Keep a JSON object; anything else is malformed."""
        if not isinstance(data, dict):
            msg = f"{model}: expected a JSON object, got {kind(data)}"
            raise PlexResponseError(msg)
        self._data: dict[object, object] = data
        self._model = model

    def error(self, key: str, expected: str, value: object) -> PlexResponseError:
        """Return the error of a field that is not what it should be."""
        return PlexResponseError(
            f"{self._model}: field {key!r} must be {expected}, got {kind(value)}"
        )

    def _required[T](self, key: str, convert: Callable[[object], T | None], expected: str) -> T:
        """Read a field that `convert` must make sense of."""
        value = self._data.get(key)
        if (converted := convert(value)) is None:
            raise self.error(key, expected, value)
        return converted

    def value(self, key: str) -> object:
        """Return a field as it came, or None."""
        return self._data.get(key)

    def required_str(self, key: str) -> str:
        """Read a string field that must be there."""
        value = self._data.get(key)
        if type(value) is not str:
            raise self.error(key, "a string", value)
        return value

    def optional_str(self, key: str) -> str | None:
        """Read a string field that may be missing or null."""
        value = self._data.get(key)
        if value is None or type(value) is str:
            return value
        raise self.error(key, "a string or null", value)

    def non_empty_str(self, key: str) -> str:
        """Read a string field that must be there and not blank."""
        value = self._data.get(key)
        if type(value) is not str or not value.strip():
            raise self.error(key, "a non-empty string", value)
        return value

    def identifier(self, key: str) -> str:
        """Read a non-empty identifier, sent as a string or as an integer."""
        value = self._data.get(key)
        if type(value) is int:
            return str(value)
        if type(value) is not str or not value.strip():
            raise self.error(key, "a non-empty string or an integer", value)
        return value

    def optional_identifier(self, key: str) -> str | None:
        """Read an identifier that may be missing, null or empty (all read as absent)."""
        value = self._data.get(key)
        if value is None or value == "":
            return None
        return self.identifier(key)

    def required_int(self, key: str) -> int:
        """Read an integer that must be there, as a number or as decimal text."""
        return self._required(key, _to_int, "an integer")

    def optional_int(self, key: str) -> int | None:
        """Read an integer that may be missing, null or empty (all read as absent)."""
        value = self._data.get(key)
        if value is None or value == "":
            return None
        number = _to_int(value)
        if number is None:
            raise self.error(key, "an integer or null", value)
        return number

    def optional_count(self, key: str) -> int | None:
        """Read an integer that must not be negative, or None."""
        value = self.optional_int(key)
        if value is not None and value < 0:
            raise self.error(key, "a count", value)
        return value

    def optional_float(self, key: str) -> float | None:
        """Read a finite number that may be missing or null."""
        value = self._data.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise self.error(key, "a finite number or null", value)
        return float(value)

    def optional_bool(self, key: str) -> bool | None:
        """Read a boolean (true/false, 1/0, "1"/"0") that may be missing or null."""
        value = self._data.get(key)
        if value is None or type(value) is bool:
            return value
        if type(value) is int and value in {0, 1}:
            return value == 1
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE_TEXT or text in _FALSE_TEXT:
                return text in _TRUE_TEXT
        raise self.error(key, "a boolean or null", value)

    def flag(self, key: str) -> bool:
        """Read a boolean that may be left out; missing or null means False."""
        return self.optional_bool(key) or False

    def required_datetime(self, key: str) -> datetime:
        """Read a timestamp (ISO 8601 or epoch seconds) that must be there."""
        return self._required(key, _to_datetime, "an ISO 8601 timestamp or epoch seconds")

    def optional_datetime(self, key: str) -> datetime | None:
        """Read a timestamp that may be missing or null."""
        if self._data.get(key) is None:
            return None
        return self.required_datetime(key)

    def optional_epoch(self, key: str) -> datetime | None:
        """Read a time in epoch seconds, sent as a number or as decimal text, or None."""
        seconds = self.optional_int(key)
        if seconds is None:
            return None
        parsed = _to_datetime(seconds)
        if parsed is None:
            raise self.error(key, "epoch seconds", seconds)
        return parsed

    def strings(self, key: str) -> frozenset[str]:
        """Read a list of strings; missing or null means empty."""
        value = self._data.get(key)
        if value is None:
            return frozenset()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, "a list of strings", value)
        return frozenset(value)

    def comma_list(self, key: str) -> frozenset[str]:
        """Read a comma-separated string as a set; missing or null means empty."""
        value = self.optional_str(key)
        if value is None:
            return frozenset()
        return frozenset(part for item in value.split(",") if (part := item.strip()))

    def objects(self, key: str) -> list[object]:
        """Read a list of objects; missing or null means empty."""
        value = self._data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, "a list", value)
        return value


def container(data: object, model: str) -> Fields:
    """Return the fields of the MediaContainer that wraps a server's (and discover's) answers."""
    return Fields(Fields(data, model).value("MediaContainer"), f"{model} container")


def readable[T](
    entries: list[object],
    parse: Callable[[object], T],
    model: str,
    *,
    at_least_one: bool = True,
    unread: list[object] | None = None,
) -> list[T]:
    """Parse the entries that can be read, in order; one odd entry does not hide the others.

    With `at_least_one`, raises PlexResponseError when there are entries and none of them
    can be read. The entries that cannot be read go to `unread`, if given.
    """
    parsed: list[T] = []
    for index, entry in enumerate(entries):
        try:
            parsed.append(parse(entry))
        except PlexResponseError as err:
            _LOGGER.debug("Skipping %s entry %d: %s", model, index, err)
            if unread is not None:
                unread.append(entry)
    if at_least_one and entries and not parsed:
        msg = f"{model}: none of the {len(entries)} entries could be read"
        raise PlexResponseError(msg)
    return parsed
