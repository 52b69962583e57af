"""Tests for the identity the client sends to plex.tv."""

from dataclasses import FrozenInstanceError

import pytest

from aioplexaccount import MAX_NAME_LENGTH, PlexIdentity, validate_name


def make_identity(**overrides: str) -> PlexIdentity:
    """Return a valid identity, with some fields replaced."""
    values = {
        "client_identifier": "0b8a1b9e-3c3f-4b7e-9d55-3f0c8f1d2a10",
        "client_name": "Home Assistant",
        "device_name": "Home",
        "client_version": "0.1.0",
        "client_platform": "Home Assistant",
    } | overrides
    return PlexIdentity(**values)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Home", "Home"),
        ("  Home Assistant \t", "Home Assistant"),
        ("Küche 家", "Küche 家"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),
        ("x" * MAX_NAME_LENGTH, "x" * MAX_NAME_LENGTH),
        (f"  {'x' * MAX_NAME_LENGTH}  ", "x" * MAX_NAME_LENGTH),
    ],
)
def test_validate_name_accepts(value: str, expected: str) -> None:
    """Ordinary names pass, trimmed."""
    assert validate_name(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("Home\r\nX-Plex-Token: stolen", "control"),
        ("Home\nAssistant", "control"),
        ("Home\rAssistant", "control"),
        ("Home\x00", "control"),
        ("Home\x7f", "control"),
        ("Home\u0085Assistant", "control"),
        ("Home\u2028Assistant", "control"),
        ("Home\u2029Assistant", "control"),
        ("Home\u202eAssistant", "control"),
        ("Home\ufeff", "control"),
        ("x" * (MAX_NAME_LENGTH + 1), "at most 255"),
    ],
)
def test_validate_name_rejects(value: str, message: str) -> None:
    """Empty, multi-line, control-laden and overlong names are refused with a clear reason."""
    with pytest.raises(ValueError, match=message):
        validate_name(value)


def test_identity_headers() -> None:
    """Every identity field maps to its X-Plex-* header, and JSON is asked for."""
    assert make_identity().headers() == {
        "Accept": "application/json",
        "X-Plex-Client-Identifier": "0b8a1b9e-3c3f-4b7e-9d55-3f0c8f1d2a10",
        "X-Plex-Product": "Home Assistant",
        "X-Plex-Device": "Home",
        "X-Plex-Device-Name": "Home",
        "X-Plex-Version": "0.1.0",
        "X-Plex-Platform": "Home Assistant",
    }


def test_identity_headers_are_a_fresh_dict() -> None:
    """Changing the returned headers does not change the next ones."""
    identity = make_identity()
    identity.headers()["X-Plex-Token"] = "secret"
    assert "X-Plex-Token" not in identity.headers()


def test_identity_trims_fields() -> None:
    """Fields are stored trimmed, so headers carry no stray whitespace."""
    identity = make_identity(device_name="  Living room  ")
    assert identity.device_name == "Living room"
    assert identity.headers()["X-Plex-Device"] == "Living room"


@pytest.mark.parametrize(
    "field_name",
    ["client_identifier", "client_name", "device_name", "client_version", "client_platform"],
)
@pytest.mark.parametrize("value", ["", "a\r\nb", "x" * 256])
def test_identity_rejects_bad_fields(field_name: str, value: str) -> None:
    """Every field is validated, and the error names the field."""
    with pytest.raises(ValueError, match=f"^{field_name} "):
        make_identity(**{field_name: value})


def test_identity_rejects_non_strings() -> None:
    """A field that is not a string is a programming error."""
    with pytest.raises(TypeError, match="device_name must be a string"):
        PlexIdentity(
            client_identifier="id",
            client_name="name",
            device_name=None,  # type: ignore[arg-type]
            client_version="1",
            client_platform="platform",
        )


def test_identity_is_frozen() -> None:
    """An identity cannot change after validation."""
    identity = make_identity()
    with pytest.raises(FrozenInstanceError):
        identity.device_name = "a\r\nb"  # type: ignore[misc]
