"""The identity the client sends with every request."""

from dataclasses import FrozenInstanceError, fields

import pytest
from aioplexaccount import MAX_NAME_LENGTH, PlexIdentity, validate_name

from library.tests.builders import CLIENT_ID, build_identity

FIELDS = [item.name for item in fields(PlexIdentity)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Home Assistant \t", "Home Assistant"),
        ("Küche 家", "Küche 家"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),
        (f"  {'x' * MAX_NAME_LENGTH}  ", "x" * MAX_NAME_LENGTH),
    ],
)
def test_validate_name_accepts(value: str, expected: str) -> None:
    """Ordinary names pass, trimmed; joiners that emoji need are kept."""
    assert validate_name(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   \t ", "empty"),
        # Names that show nothing read as none.
        ("\u3164", "blank"),
        ("\u200c\u200d", "blank"),
        ("\u2800 \u115f\u0301", "blank"),
        ("Home\r\nX-Plex-Token: stolen", r"control characters \(found U\+000D\)"),
        ("Home\x00", "control"),
        ("Home\x7f", "control"),
        ("Home\u0085Assistant", "control"),
        ("Home\u2028Assistant", "control"),
        ("Home\u2029Assistant", "control"),
        ("Home\u202eAssistant", "control"),
        ("Home\ufeff", "control"),
        ("x" * (MAX_NAME_LENGTH + 1), "at most 255 characters, got 256"),
    ],
)
def test_validate_name_rejects(value: str, message: str) -> None:
    """Empty, multi-line, control-laden and overlong names are refused with the reason."""
    with pytest.raises(ValueError, match=message):
        validate_name(value)


def test_headers() -> None:
    """Every field goes in its X-Plex-* header, trimmed, with JSON asked for; each call anew."""
    identity = build_identity(device_name="  Living room  ")
    headers = identity.headers()
    assert headers == {
        "Accept": "application/json",
        "X-Plex-Client-Identifier": CLIENT_ID,
        "X-Plex-Product": "Home Assistant",
        "X-Plex-Device": "Living room",
        "X-Plex-Device-Name": "Living room",
        "X-Plex-Version": "0.1.0",
        "X-Plex-Platform": "Home Assistant",
    }
    headers["X-Plex-Token"] = "secret"
    assert "X-Plex-Token" not in identity.headers()
    with pytest.raises(FrozenInstanceError):
        identity.device_name = "a\r\nb"  # type: ignore[misc]


@pytest.mark.parametrize("field_name", FIELDS)
@pytest.mark.parametrize("value", ["", "a\r\nb", "x" * 256])
def test_every_field_is_validated(field_name: str, value: str) -> None:
    """A bad value of any field fails before any request, naming the field."""
    with pytest.raises(ValueError, match=f"^{field_name} "):
        build_identity(**{field_name: value})


def test_field_must_be_text() -> None:
    """A field that is not a string is a programming error."""
    with pytest.raises(TypeError, match="device_name must be a string, got NoneType"):
        build_identity(device_name=None)  # type: ignore[arg-type]
