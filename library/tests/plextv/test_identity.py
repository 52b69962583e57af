"""The identity the client sends with every request."""

from dataclasses import FrozenInstanceError, fields

import pytest
from aioplexaccount import MAX_NAME_LENGTH, PlexIdentity, validate_name

from library.tests.builders import CLIENT_ID, build_identity

FIELDS = [item.name for item in fields(PlexIdentity)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Ordinary names pass, trimmed; joiners that emoji need are kept.
        ("  Home Assistant \t", "Home Assistant"),
        ("Küche 家", "Küche 家"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),
        (f"  {'x' * MAX_NAME_LENGTH}  ", "x" * MAX_NAME_LENGTH),
        # Empty, blank (names that show nothing read as none), multi-line, control-laden and
        # overlong names are refused with the reason.
        ("   \t ", ValueError("empty")),
        ("\u3164", ValueError("blank")),
        ("\u200c\u200d", ValueError("blank")),
        ("\u2800 \u115f\u0301", ValueError("blank")),
        ("Home\r\nX-Plex-Token: stolen", ValueError(r"control characters \(found U\+000D\)")),
        *[
            (f"Home{character}Assistant", ValueError("control"))
            for character in "\x00\x7f\u0085\u2028\u2029\u202e\ufeff"
        ],
        ("x" * (MAX_NAME_LENGTH + 1), ValueError("at most 255 characters, got 256")),
    ],
)
def test_validate_name(value: str, expected: str | ValueError) -> None:
    """A name is sent trimmed, or refused with the reason."""
    if isinstance(expected, str):
        assert validate_name(value) == expected
        return
    with pytest.raises(ValueError, match=str(expected)):
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
@pytest.mark.parametrize("value", ["", "a\r\nb", "x" * 256, None])
def test_every_field_is_validated(field_name: str, value: str | None) -> None:
    """A bad value of any field fails before any request, naming the field; None is no text."""
    text = "must be a string, got NoneType" if value is None else ""
    with pytest.raises(TypeError if value is None else ValueError, match=f"^{field_name} {text}"):
        build_identity(**{field_name: value})  # type: ignore[arg-type]
