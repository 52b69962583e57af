"""Property tests: whatever JSON the server sends, parsing yields models or a response error."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from aioplexaccount import (
    PlexResponseError,
    ServerIdentity,
    Session,
    parse_notification,
)

from .fixtures import episode_json, movie_json, sessions_json, track_json

# Each test well under a second.
EXAMPLES = settings(max_examples=100, deadline=None)
FEWER = settings(max_examples=40, deadline=None)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1", "0", "true", "-3", " 7 ", "²", "playing"]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
SESSION_KEYS = sorted(set(movie_json()) | set(episode_json()) | set(track_json()))
PLAYER_KEYS = ["machineIdentifier", "title", "product", "platform", "state", "local", "address"]


@st.composite
def mangled_session(draw: st.DrawFn) -> object:
    """Return a session of Plex's shape with some fields replaced by any JSON value."""
    base = draw(st.sampled_from([movie_json, episode_json, track_json]))()
    for key in draw(st.lists(st.sampled_from(SESSION_KEYS), max_size=4)):
        base[key] = draw(json_values)
    if isinstance(base.get("Player"), dict):
        for key in draw(st.lists(st.sampled_from(PLAYER_KEYS), max_size=3)):
            base["Player"][key] = draw(json_values)
    return base


def parse(data: object) -> list[Session] | PlexResponseError:
    """Return the sessions, or the response error parsing them raised."""
    try:
        return Session.list_from_dict(data)
    except PlexResponseError as err:
        return err


@FEWER
@given(st.lists(st.one_of(mangled_session(), json_values), max_size=3))
def test_sessions_parse_or_fail_cleanly(entries: list[object]) -> None:
    """A list of sessions parses into models, or fails with PlexResponseError only."""
    sessions = parse({"MediaContainer": {"Metadata": entries}})
    if isinstance(sessions, PlexResponseError):
        assert entries
        assert f"none of the {len(entries)} sessions" in str(sessions)
        return
    assert len(sessions) <= len(entries)
    for session in sessions:
        assert session.session_key.strip()
        assert isinstance(session.player.local, bool)


@EXAMPLES
@given(json_values)
def test_any_container_parses_or_fails_cleanly(data: object) -> None:
    """Any JSON document is sessions or a response error, never another exception."""
    for wrapped in (data, {"MediaContainer": data}, sessions_json()):
        try:
            Session.list_from_dict(wrapped)
            ServerIdentity.from_dict(wrapped)
        except PlexResponseError:
            pass


@EXAMPLES
@given(st.sampled_from(SESSION_KEYS), json_values)
def test_error_never_echoes_the_value(key: str, value: object) -> None:
    """An error names the field and the value's type, never the value itself."""
    secret = "secret-value-0123456789"  # noqa: S105 - stands for any value
    data = movie_json(**{key: value if not isinstance(value, str) else secret})
    result = parse(sessions_json(data))
    if isinstance(result, PlexResponseError):
        assert secret not in str(result)


@st.composite
def mangled_notification(draw: st.DrawFn) -> str:
    """Return a notification of the server's shape, mangled here and there, as text."""
    entry: dict[str, object] = {
        "sessionKey": "7",
        "clientIdentifier": "player-tv",
        "guid": "plex://movie/abc",
        "ratingKey": "101",
        "url": "",
        "key": "/library/metadata/101",
        "viewOffset": 1000,
        "playQueueItemID": 5,
        "state": "playing",
    }
    for key in draw(st.lists(st.sampled_from(sorted(entry)), max_size=3)):
        entry[key] = draw(json_values)
    container: dict[str, object] = {
        "type": draw(st.sampled_from(["playing", "status", "timeline"]) | json_values),
        "size": 1,
        "PlaySessionStateNotification": draw(st.just([entry]) | json_values),
    }
    document = draw(st.just({"NotificationContainer": container}) | json_values)
    text = json.dumps(document)
    return (
        text[: draw(st.integers(min_value=0, max_value=len(text)))] if draw(st.booleans()) else text
    )


@FEWER
@given(mangled_notification())
def test_notifications_parse_or_fail_cleanly(text: str) -> None:
    """Any message is a notification or a response error, never another exception."""
    try:
        notification = parse_notification(text)
    except PlexResponseError:
        return
    assert all(entry.session_key.strip() for entry in notification.playing)
    assert notification.type == "playing" or not notification.playing
