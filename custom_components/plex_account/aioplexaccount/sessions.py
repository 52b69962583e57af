"""Typed models of what a Plex Media Server answers: its identity and its sessions.

Times are in milliseconds, as the server counts them: the fields say so in their names.
"""

from dataclasses import dataclass
from typing import Final, Self

from .fields import Fields, container, readable
from .metadata import Metadata, metadata_fields

MEDIA_EPISODE: Final = "episode"
MEDIA_TRACK: Final = "track"

DIRECT_PLAY: Final = "direct play"
DIRECT_STREAM: Final = "direct stream"
TRANSCODE: Final = "transcode"
# How Plex names what it does with a stream, as a Part's decision says it.
_PART_DECISIONS: Final = {"directplay": DIRECT_PLAY, "copy": DIRECT_STREAM, "transcode": TRANSCODE}


def _hardware(value: object) -> bool:
    """Return whether a transcoder field names hardware: "vaapi", "nvenc"... or a flag."""
    if isinstance(value, str):
        return value.strip().lower() not in {"", "0", "false"}
    return value is True or (type(value) is int and value == 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcode:
    """What the server's transcoder does with a stream (a session's TranscodeSession)."""

    video_decision: str | None = None
    """transcode, copy or directplay."""
    audio_decision: str | None = None
    hardware: bool = False
    """Whether the transcoder decodes or encodes on the hardware."""
    throttled: bool = False
    speed: float | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build it from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "transcode session")
        return cls(
            video_decision=read.optional_str("videoDecision") or None,
            audio_decision=read.optional_str("audioDecision") or None,
            hardware=_hardware(read.value("transcodeHwDecoding"))
            or _hardware(read.value("transcodeHwEncoding")),
            throttled=read.flag("throttled"),
            speed=read.optional_float("speed"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamMedia:
    """How a stream plays: the Media the server chose, and what it does with its file."""

    decision: str = DIRECT_PLAY
    """direct play, direct stream or transcode."""
    video_resolution: str | None = None
    """sd, 480, 720, 1080, 4k..."""
    bitrate: int | None = None
    """kbit/s of the file."""

    @classmethod
    def from_session(cls, read: Fields, *, transcoding: bool) -> Self:
        """Read the session's first Media and Part; a transcoder means a transcode."""
        media = next(iter(read.objects("Media")), None)
        if media is None:
            return cls(decision=TRANSCODE if transcoding else DIRECT_PLAY)
        fields = Fields(media, "media")
        part = next(iter(fields.objects("Part")), None)
        raw = None if part is None else Fields(part, "part").optional_str("decision")
        decision = _PART_DECISIONS.get(raw or "", TRANSCODE if transcoding else DIRECT_PLAY)
        resolution = fields.value("videoResolution")
        return cls(
            decision=decision,
            video_resolution=None if resolution is None else str(resolution),
            bitrate=fields.optional_count("bitrate"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerIdentity:
    """What GET /identity says about the server: which machine it is, and its version."""

    machine_identifier: str
    version: str | None = None
    claimed: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the identity from the server's JSON, raising PlexResponseError if malformed."""
        read = container(data, "identity")
        return cls(
            machine_identifier=read.identifier("machineIdentifier"),
            version=read.optional_str("version"),
            claimed=read.flag("claimed"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Player:
    """The app that plays a session."""

    machine_identifier: str
    title: str | None = None
    product: str | None = None
    platform: str | None = None
    state: str
    """playing, paused or buffering."""
    local: bool = False
    address: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a player from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "player")
        return cls(
            machine_identifier=read.identifier("machineIdentifier"),
            title=read.optional_str("title"),
            product=read.optional_str("product"),
            platform=read.optional_str("platform"),
            state=read.identifier("state"),
            local=read.flag("local"),
            address=read.optional_str("address"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """The Plex user a session plays for."""

    id: str
    title: str | None = None
    thumb: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a user from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "user")
        return cls(
            id=read.identifier("id"),
            title=read.optional_str("title"),
            thumb=read.optional_str("thumb"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Session(Metadata):
    """One stream playing on the server: what plays, where, for whom (a `Metadata` object)."""

    session_key: str
    rating_key: str | None = None
    key: str | None = None
    duration_ms: int | None = None
    position_ms: int | None = None
    """How far playback is (viewOffset), in milliseconds."""
    art: str | None = None
    library_section_title: str | None = None
    player: Player
    user: User | None = None
    location: str | None = None
    """lan or wan."""
    transcoding: bool = False
    session_id: str | None = None
    """Plex's Session.id: what stopping the stream takes (not the sessionKey)."""
    bandwidth: int | None = None
    """kbit/s the stream takes, as the server says."""
    media: StreamMedia = StreamMedia()
    transcode: Transcode | None = None

    @property
    def state(self) -> str:
        """Return the player's state: playing, paused or buffering."""
        return self.player.state

    @property
    def artwork(self) -> str | None:
        """Return the path of the picture to show: the show's poster for an episode.

        A track's own thumb is its album's cover; the artist's picture comes last. The path
        is on the server and needs the token: fetch it with PMSClient.artwork().
        """
        if self.type == MEDIA_EPISODE:
            return self.grandparent_thumb or self.thumb
        if self.type == MEDIA_TRACK:
            return self.thumb or self.parent_thumb or self.grandparent_thumb
        return self.thumb

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build a session from the server's JSON, raising PlexResponseError if malformed."""
        read = Fields(data, "session")
        user = read.value("User")
        session = (
            None if read.value("Session") is None else Fields(read.value("Session"), "session info")
        )
        transcode = read.value("TranscodeSession")
        return cls(
            **metadata_fields(read),
            session_key=read.identifier("sessionKey"),
            rating_key=read.optional_identifier("ratingKey"),
            key=read.optional_str("key"),
            duration_ms=read.optional_int("duration"),
            position_ms=read.optional_int("viewOffset"),
            art=read.optional_str("art"),
            library_section_title=read.optional_str("librarySectionTitle"),
            player=Player.from_dict(read.value("Player")),
            user=None if user is None else User.from_dict(user),
            location=None if session is None else session.optional_str("location"),
            transcoding=transcode is not None,
            session_id=None if session is None else session.optional_identifier("id"),
            bandwidth=None if session is None else session.optional_count("bandwidth"),
            media=StreamMedia.from_session(read, transcoding=transcode is not None),
            transcode=None if transcode is None else Transcode.from_dict(transcode),
        )

    @classmethod
    def list_from_dict(cls, data: object) -> list[Self]:
        """Return the sessions of GET /status/sessions, in the server's order.

        A session that cannot be read is skipped, so that one odd stream does not hide the
        others; if there are sessions and none can be read, the answer is malformed.
        """
        return readable(container(data, "sessions").objects("Metadata"), cls.from_dict, "sessions")
