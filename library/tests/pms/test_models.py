"""Parsing what the server answers into typed models."""

import pytest

from aioplexaccount import (
    Player,
    PlexResponseError,
    ServerIdentity,
    Session,
    User,
)

from .fixtures import episode_json, movie_json, sessions_json, track_json


def test_movie() -> None:
    """A film keeps every field, with times in milliseconds."""
    session = Session.from_dict(movie_json())
    assert session == Session(
        session_key="7",
        rating_key="101",
        key="/library/metadata/101",
        type="movie",
        title="Big Buck Bunny",
        year=2008,
        duration_ms=8880000,
        position_ms=120500,
        thumb="/library/metadata/101/thumb/1700000001",
        art="/library/metadata/101/art/1700000001",
        library_section_title="Films",
        player=Player(
            machine_identifier="player-tv",
            title="Living Room TV",
            product="Plex for Android (TV)",
            platform="Android",
            state="playing",
            local=True,
            address="192.168.1.20",
        ),
        user=User(id="1", title="alice", thumb="https://plex.tv/users/abc/avatar"),
        location="lan",
    )
    assert session.state == "playing"
    assert session.artwork == "/library/metadata/101/thumb/1700000001"
    assert (session.show, session.season, session.episode) == (None, None, None)
    assert (session.artist, session.album, session.track) == (None, None, None)
    assert not session.transcoding


def test_episode() -> None:
    """An episode names its show, season and number; numbers sent as text are read."""
    session = Session.from_dict(episode_json())
    assert (session.session_key, session.rating_key) == ("8", "202")
    assert (session.show, session.season, session.episode) == ("The Show", 2, 3)
    assert session.parent_title == "Season 2"
    assert (session.duration_ms, session.position_ms) == (1500000, 60000)
    assert session.artwork == "/library/metadata/200/thumb/1"
    assert session.state == "paused"
    assert not session.player.local
    assert session.user == User(id="2", title="bob")
    assert session.location == "wan"
    assert session.transcoding
    assert session.artist is None


def test_episode_without_show_poster_uses_its_own() -> None:
    """An episode without its show's poster shows its own picture."""
    session = Session.from_dict(episode_json(grandparentThumb=None))
    assert session.artwork == "/library/metadata/202/thumb/1"


def test_track() -> None:
    """A track names its artist, album and number; its picture is the album's cover."""
    session = Session.from_dict(track_json())
    assert (session.artist, session.album, session.track) == ("The Artist", "The Album", 5)
    assert session.artwork == "/library/metadata/301/thumb/1"
    assert session.show is None
    assert session.user is None
    assert session.location is None
    assert session.player.local
    assert session.state == "buffering"


@pytest.mark.parametrize(
    ("changes", "artwork"),
    [
        ({"thumb": None}, "/library/metadata/301/thumb/1"),
        ({"thumb": None, "parentThumb": None}, "/library/metadata/300/thumb/1"),
    ],
)
def test_track_artwork_falls_back(changes: dict[str, object], artwork: str) -> None:
    """A track without its own picture shows its album's, then its artist's."""
    assert Session.from_dict(track_json(**changes)).artwork == artwork


def test_minimal_session() -> None:
    """Only the session key, the type and the player are needed."""
    session = Session.from_dict(
        {"sessionKey": "1", "type": "clip", "Player": {"machineIdentifier": "p", "state": "x"}}
    )
    assert session.title == ""
    assert session.rating_key is None
    assert session.artwork is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sessionKey": None}, "sessionKey"),
        ({"sessionKey": " "}, "sessionKey"),
        ({"sessionKey": True}, "sessionKey"),
        ({"type": []}, "type"),
        ({"title": 3}, "title"),
        ({"year": "2008a"}, "year"),
        ({"year": "²"}, "year"),
        ({"year": 2008.0}, "year"),
        ({"duration": True}, "duration"),
        ({"Player": None}, "player"),
        ({"Player": {"state": "playing"}}, "machineIdentifier"),
        ({"Player": {"machineIdentifier": "p", "state": "playing", "local": 2}}, "local"),
        ({"Player": {"machineIdentifier": "p", "state": "playing", "local": "yes"}}, "local"),
        ({"Player": {"machineIdentifier": "p", "state": "playing", "local": []}}, "local"),
        ({"User": {"title": "x"}}, "id"),
        ({"Session": "lan"}, "session info"),
        ({"Session": {"location": 1}}, "location"),
    ],
)
def test_malformed_session(changes: dict[str, object], field: str) -> None:
    """A malformed field fails the session, naming the field but not its value."""
    with pytest.raises(PlexResponseError, match=field) as caught:
        Session.from_dict(movie_json(**changes))
    assert "2008a" not in str(caught.value)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("1", True),
        ("true", True),
        ("0", False),
        ("", False),
        (None, False),
    ],
)
def test_player_local_flag(local: object, expected: bool) -> None:
    """Whether the player is local may come as a boolean, a number or text."""
    data = {"machineIdentifier": "p", "state": "playing", "local": local}
    assert Player.from_dict(data).local is expected


def test_negative_number_as_text() -> None:
    """A number sent as text may be negative."""
    assert Session.from_dict(movie_json(viewOffset="-5")).position_ms == -5


def test_not_an_object() -> None:
    """A session that is not a JSON object is refused."""
    with pytest.raises(PlexResponseError, match="expected a JSON object, got list"):
        Session.from_dict([])


def test_session_list() -> None:
    """The sessions come in the server's order."""
    sessions = Session.list_from_dict(sessions_json(movie_json(), episode_json(), track_json()))
    assert [session.session_key for session in sessions] == ["7", "8", "9"]


def test_session_list_empty() -> None:
    """A server on which nothing plays sends no Metadata at all."""
    assert Session.list_from_dict(sessions_json()) == []


def test_session_list_skips_unreadable() -> None:
    """One odd session does not hide the others."""
    sessions = Session.list_from_dict(sessions_json(movie_json(Player=None), track_json()))
    assert [session.session_key for session in sessions] == ["9"]


def test_session_list_none_readable() -> None:
    """Sessions of which none can be read make the answer malformed."""
    with pytest.raises(PlexResponseError, match="none of the 2 sessions"):
        Session.list_from_dict(sessions_json(movie_json(Player=None), {}))


@pytest.mark.parametrize(
    "data",
    [[], {}, {"MediaContainer": []}, {"MediaContainer": {"Metadata": {}}}],
)
def test_session_list_malformed(data: object) -> None:
    """An answer that is not a MediaContainer of a Metadata list is malformed."""
    with pytest.raises(PlexResponseError):
        Session.list_from_dict(data)


def test_identity() -> None:
    """GET /identity names the machine, its version and whether it is claimed."""
    identity = ServerIdentity.from_dict(
        {"MediaContainer": {"machineIdentifier": "abc", "version": "1.4", "claimed": "1"}}
    )
    assert identity == ServerIdentity(machine_identifier="abc", version="1.4", claimed=True)


def test_identity_malformed() -> None:
    """An identity without a machine identifier is refused."""
    with pytest.raises(PlexResponseError, match="machineIdentifier"):
        ServerIdentity.from_dict({"MediaContainer": {"version": "1.4"}})
