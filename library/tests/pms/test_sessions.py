"""Reading a server's answers and notifications into models."""

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from aioplexaccount import (
    DIRECT_PLAY,
    DIRECT_STREAM,
    TRANSCODE,
    Notification,
    Player,
    PlayingNotification,
    PlexResponseError,
    ServerIdentity,
    Session,
    StreamMedia,
    Transcode,
    User,
    parse_notification,
)
from aioplexaccount.notifications import websocket_url

from library.tests.builders import (
    GIANT,
    JSON,
    REAL_STOPPED,
    episode_json,
    movie_json,
    play_state,
    playing_json,
    sessions_json,
    track_json,
)

SECRET = "secret-value-0123"  # noqa: S105 - a value no error message may show
PLAYING = '{"NotificationContainer": {"type": "playing", '


def player(**changes: object) -> JSON:
    """Return a session's Player, changed."""
    return {"machineIdentifier": "p", "state": "playing"} | changes


def test_film() -> None:
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
        session_id="abcdef",
        bandwidth=10000,
    )
    assert (session.state, session.artwork) == ("playing", session.thumb)
    assert (session.show, session.season, session.episode) == (None, None, None)
    assert (session.artist, session.album, session.track) == (None, None, None)
    assert not session.transcoding


def test_episode() -> None:
    """An episode names its show, season and number, sent as numbers or as text."""
    session = Session.from_dict(episode_json())
    assert (session.session_key, session.rating_key) == ("8", "202")
    assert (session.show, session.season, session.episode) == ("The Show", 2, 3)
    assert (session.duration_ms, session.position_ms, session.state) == (1500000, 60000, "paused")
    assert session.artwork == "/library/metadata/200/thumb/1"
    assert (session.player.local, session.location, session.transcoding) == (False, "wan", True)
    assert (session.user, session.artist) == (User(id="2", title="bob"), None)
    assert Session.from_dict(episode_json(grandparentThumb=None)).artwork == session.thumb


@pytest.mark.parametrize(
    ("changes", "artwork"),
    [
        ({}, "/library/metadata/302/thumb/1"),
        ({"thumb": None}, "/library/metadata/301/thumb/1"),
        ({"thumb": None, "parentThumb": None}, "/library/metadata/300/thumb/1"),
    ],
)
def test_track(changes: dict[str, object], artwork: str) -> None:
    """A track names its artist, album and number; its picture, the album's or artist's."""
    session = Session.from_dict(track_json(**changes))
    assert (session.artist, session.album, session.track) == ("The Artist", "The Album", 5)
    assert session.artwork == artwork
    assert (session.show, session.user, session.location) == (None, None, None)
    assert session.state == "buffering"


def test_minimal_session() -> None:
    """Only the session key, the type and the player are needed; "" reads as absent."""
    data = {"sessionKey": 1, "type": "clip", "ratingKey": "", "viewOffset": " -5 ", "year": ""}
    session = Session.from_dict(data | {"Player": {"machineIdentifier": "p", "state": "x"}})
    assert (session.title, session.rating_key, session.artwork) == ("", None, None)
    assert (session.position_ms, session.year) == (-5, None)


def test_player_local_flag() -> None:
    """Whether the player is local may come as a boolean, a number or text."""
    values = [True, 1, "1", " TRUE ", 0, "0", "", None]
    assert [Player.from_dict(player(local=v)).local for v in values] == [True] * 4 + [False] * 4


def test_session_list() -> None:
    """The sessions come in the server's order; one odd session does not hide the others."""
    sessions = Session.list_from_dict(sessions_json(movie_json(), episode_json(), track_json()))
    assert [session.session_key for session in sessions] == ["7", "8", "9"]
    assert Session.list_from_dict(sessions_json()) == []
    skipped = Session.list_from_dict(sessions_json(movie_json(Player=None), track_json()))
    assert [session.session_key for session in skipped] == ["9"]
    with pytest.raises(PlexResponseError, match="none of the 2 entries"):
        Session.list_from_dict(sessions_json(movie_json(Player=None), {}))


def test_identity() -> None:
    """GET /identity names the machine (text or a number), its version, whether claimed."""
    identity = ServerIdentity.from_dict(
        {"MediaContainer": {"machineIdentifier": 12, "version": "1.4", "claimed": "1"}}
    )
    assert identity == ServerIdentity(machine_identifier="12", version="1.4", claimed=True)


def test_notification() -> None:
    """A `playing` notification is read into typed entries; other kinds keep their type."""
    text = json.dumps(playing_json(play_state(), play_state("8", "paused", viewOffset="5")))
    first, second = parse_notification(text.encode()).playing
    assert first == PlayingNotification(
        session_key="7",
        state="playing",
        client_identifier="player-tv",
        rating_key="101",
        key="/library/metadata/101",
        position_ms=120500,
    )
    assert (second.session_key, second.state, second.position_ms) == ("8", "paused", 5)
    status = parse_notification('{"NotificationContainer": {"type": "status", "size": 1}}')
    assert (status, status.sessions_changed) == (Notification(type="status"), False)


STOPPED = PlayingNotification(state="stopped", client_identifier="5y2hvgkc0tcdr4lzkwjbnvav")


@pytest.mark.parametrize(
    ("text", "playing"),
    [
        (REAL_STOPPED, (replace(STOPPED, position_ms=0),)),
        (json.dumps(playing_json(play_state(viewOffset=GIANT), {"state": True})), ()),
        (json.dumps(playing_json(SECRET)), ()),  # type: ignore[arg-type]
    ],
)
def test_playing_notification_as_real_servers_send_it(
    text: str, playing: tuple[PlayingNotification, ...]
) -> None:
    """Any entry may lack a field ("" is none); one that cannot be read is skipped.

    Whatever its entries, a `playing` message says the sessions changed: the read tells how.
    """
    notification = parse_notification(text)
    assert (notification.type, notification.sessions_changed) == ("playing", True)
    assert notification.playing == playing


def test_websocket_url() -> None:
    """The websocket is at the connection's base URL, in ws or wss."""
    bases = ["https://a.plex.direct:32400/", "http://127.0.0.2:1", "ws://h:1"]
    urls = ["wss://a.plex.direct:32400", "ws://127.0.0.2:1", "ws://h:1"]
    assert [websocket_url(base) for base in bases] == [
        f"{url}/:/websockets/notifications" for url in urls
    ]


@pytest.mark.parametrize(
    ("parse", "data", "match"),
    [
        *[
            (Session.from_dict, movie_json(**{field: value}), field)
            for field, values in {
                "sessionKey": [None, " ", True],
                "type": [[]],
                "title": [3],
                "year": [SECRET, "²", 2008.0],
                "duration": [True],
                "viewOffset": [GIANT, 10**5000],
            }.items()
            for value in values
        ],
        (Session.from_dict, movie_json(Player=None), "player"),
        (Session.from_dict, movie_json(User={"title": "x"}), "id"),
        (Session.from_dict, movie_json(Session="lan"), "session info"),
        (Session.from_dict, movie_json(Session={"location": 1}), "location"),
        (Session.from_dict, movie_json(Player={"state": "playing"}), "machineIdentifier"),
        *[
            (Session.from_dict, movie_json(Player=player(local=v)), "local")
            for v in (2, SECRET, [])
        ],
        *[
            (Session.list_from_dict, data, "sessions")
            for data in ([], {}, {"MediaContainer": []}, {"MediaContainer": {"Metadata": {}}})
        ],
        (ServerIdentity.from_dict, {"MediaContainer": {"version": "1"}}, "machineIdentifier"),
        *[
            (parse_notification, text, "notification|container")
            for text in (
                "",
                "{",
                b"\xff",
                "[]",
                "{}",
                '{"NotificationContainer": {}}',
                PLAYING + '"PlaySessionStateNotification": {}}}',
                PLAYING + '"size": ' + GIANT + "}}",
                "[" * 100_000,
            )
        ],
    ],
)
def test_malformed(parse: Callable[[object], object], data: object, match: str) -> None:
    """What is malformed, a number thousands of digits long too, is a response error.

    It names the field, never its value.
    """
    with pytest.raises(PlexResponseError, match=match) as caught:
        parse(data)
    assert SECRET not in str(caught.value)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("media", "transcode", "expected"),
    [
        (None, None, StreamMedia(decision=DIRECT_PLAY)),
        (None, {}, StreamMedia(decision=TRANSCODE)),
        ([{"Part": [{"decision": "copy"}]}], None, StreamMedia(decision=DIRECT_STREAM)),
        (
            [{"videoResolution": 1080, "bitrate": "8000", "Part": [{"decision": "transcode"}]}],
            {"videoDecision": "transcode", "transcodeHwEncoding": "1", "speed": 2.5},
            StreamMedia(decision=TRANSCODE, video_resolution="1080", bitrate=8000),
        ),
        ([{"videoResolution": "4k"}], None, StreamMedia(video_resolution="4k")),
        ([{"Part": [{"decision": "odd"}]}], {}, StreamMedia(decision=TRANSCODE)),
    ],
)
def test_how_a_stream_plays(
    media: list[dict[str, Any]] | None, transcode: dict[str, Any] | None, expected: StreamMedia
) -> None:
    """Direct play, direct stream or transcode, from the Part's decision or the transcoder."""
    data = movie_json()
    data.pop("Media", None)
    if media is not None:
        data["Media"] = media
    if transcode is not None:
        data["TranscodeSession"] = transcode
    session = Session.from_dict(data)
    assert session.media == expected
    if transcode is None:
        assert session.transcode is None
    else:
        assert session.transcode == Transcode.from_dict(transcode)


def test_transcoder_details() -> None:
    """The transcoder's decisions, hardware and pace, as the server says them."""
    transcode = Transcode.from_dict(
        {"videoDecision": "transcode", "audioDecision": "copy", "transcodeHwDecoding": "vaapi",
         "throttled": "1", "speed": 1.5}
    )  # fmt: skip
    assert transcode == Transcode(
        video_decision="transcode", audio_decision="copy", hardware=True, throttled=True, speed=1.5
    )
    # Servers name the hardware; some say a flag; none is software.
    for value, hardware in (("nvenc", True), ("", False), ("0", False), (1, True), (True, True),
                            (0, False), (None, False), (2, False)):  # fmt: skip
        assert Transcode.from_dict({"transcodeHwEncoding": value}).hardware is hardware
