"""The server's playback sessions, what each stream costs, and the notifications they give rise to.

A session plays its file one of three ways, as its Part's `decision` says: `directplay` (the
player reads the file as it is), `copy` (direct stream: the server remuxes it, a
TranscodeSession copying video and audio) or `transcode` (a TranscodeSession converting it,
on the hardware or not). Its Media shows the stream the player receives: the file's own
resolution and bitrate but for a transcode, which sends 480p at 1.5 Mbit/s (an MP3 at
320 kbit/s for music).
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .sample import Media, Player

if TYPE_CHECKING:
    from .queues import PlayQueue

PLAYING = "playing"
PAUSED = "paused"
BUFFERING = "buffering"
STOPPED = "stopped"
DIRECT_PLAY = "directplay"
DIRECT_STREAM = "copy"
TRANSCODE = "transcode"
DECISIONS = (DIRECT_PLAY, DIRECT_STREAM, TRANSCODE)
"""A Part's decisions: direct play, direct stream, transcode."""
TRANSCODE_BUFFER_MS = 120_000
"""How far ahead of the player the transcoder runs before it throttles."""
# The transcoder's pace (times real time): remuxing is quick, software video transcoding slow.
SPEED = {"copy": 12.0, "audio": 20.0, "hardware": 4.5, "software": 1.6}
HARDWARE = {
    "transcodeHwDecoding": "vaapi",
    "transcodeHwDecodingTitle": "Intel (VA-API)",
    "transcodeHwEncoding": "vaapi",
    "transcodeHwEncodingTitle": "Intel (VA-API)",
}
"""What a transcode on the hardware adds: the APIs it decodes and encodes with."""
VIDEO_SOURCE = {
    "container": "mkv",
    "bitrate": 4000,
    "width": 1280,
    "height": 720,
    "videoResolution": "720",
    "videoCodec": "h264",
    "audioCodec": "aac",
    "audioChannels": 2,
}
"""A video file's Media, for media that is not in the library."""
MUSIC_SOURCE = {"container": "flac", "bitrate": 900, "audioCodec": "flac", "audioChannels": 2}
VIDEO_TRANSCODED = {
    "bitrate": 1500,
    "width": 854,
    "height": 480,
    "videoResolution": "480",
    "videoCodec": "h264",
}
MUSIC_TRANSCODED = {"bitrate": 320, "audioCodec": "mp3"}
SOURCE_FIELDS = (*VIDEO_SOURCE, "videoFrameRate")


@dataclass
class SimSession:
    """One stream the server plays: a player (and its user), a media item and a position.

    The position advances with the simulator's clock while the state is playing, and stops
    at the item's duration.
    """

    session_key: str
    player: Player
    media: Media
    state: str
    offset_ms: int
    """The position when `anchor` was read."""
    anchor: float
    """The clock's time (seconds) when offset_ms was last set."""
    session_id: str
    play_queue_item_id: int
    container: str | None = None
    """The media file's container, as the library has it (by default: mkv, flac for music)."""
    part_key: str | None = None
    """The media file's path, as the library has it."""
    decision: str = DIRECT_PLAY
    """directplay, copy (direct stream) or transcode."""
    bandwidth: int | None = None
    """kbit/s the stream takes (Session.bandwidth); None: the stream's bitrate."""
    hardware: bool = False
    """Whether a transcode runs on the hardware."""
    source: dict[str, Any] = field(default_factory=dict)
    """The file's Media attributes as the library has them (codecs, resolution, bitrate)."""
    play_queue: PlayQueue | None = None
    """The queue the player plays, if it was given one (playMedia, createPlayQueue)."""
    transcode_key: str = ""
    transcode_anchor: float = 0.0
    """When the transcoder last (re)started: at the start and at each seek."""

    @property
    def music(self) -> bool:
        """Return whether the session plays music."""
        return self.media.type == "track"

    def view_offset(self, now: float) -> int:
        """Return the position in milliseconds at `now`."""
        offset = self.offset_ms + (
            round((now - self.anchor) * 1000) if self.state == PLAYING else 0
        )
        return max(0, min(offset, self.media.duration))

    def set_state(self, state: str, now: float) -> None:
        """Change the state, keeping the position reached."""
        self.offset_ms, self.anchor, self.state = self.view_offset(now), now, state

    def seek(self, position_ms: int, now: float) -> None:
        """Move to a position (clamped to the item), keeping the state; the transcoder restarts."""
        self.offset_ms, self.anchor = max(0, min(position_ms, self.media.duration)), now
        self.transcode_anchor = now

    def stream(self) -> dict[str, Any]:
        """Return the Media attributes of the stream the player receives."""
        source = self.source or (MUSIC_SOURCE if self.music else VIDEO_SOURCE)
        stream = {name: value for name, value in source.items() if name in SOURCE_FIELDS}
        stream.setdefault("container", self.container or source.get("container"))
        if self.decision == TRANSCODE:
            stream |= MUSIC_TRANSCODED if self.music else VIDEO_TRANSCODED
            stream["container"] = "mp3" if self.music else "mpegts"
        elif self.decision == DIRECT_STREAM:
            stream["container"] = "mpegts" if not self.music else stream["container"]
        return stream

    def stream_bandwidth(self) -> int:
        """Return Session.bandwidth: as set, else the stream's bitrate."""
        if self.bandwidth is not None:
            return self.bandwidth
        return int(self.stream().get("bitrate") or 0)

    def as_json(self, now: float) -> dict[str, Any]:
        """Return the session as an element of /status/sessions' MediaContainer.Metadata."""
        media, key = self.media, int(self.media.rating_key)
        stream = self.stream()
        part = {
            "id": key * 10 + 2,
            "key": self.part_key or f"/library/parts/{media.rating_key}/file",
            "duration": media.duration,
            "container": stream["container"],
            "decision": self.decision,
            "selected": True,
        }
        if self.decision != DIRECT_PLAY:
            part["protocol"] = "http" if self.music else "hls"
        element = media.as_json() | {
            "sessionKey": self.session_key,
            "viewOffset": self.view_offset(now),
            "Media": [
                {"id": key * 10 + 1, "duration": media.duration, **stream}
                | {"selected": True, "Part": [part]}
            ],
            "User": dict(self.player.user),
            "Player": self.player.as_json(self.state),
            "Session": {
                "id": self.session_id,
                "bandwidth": self.stream_bandwidth(),
                "location": "lan" if self.player.local else "wan",
            },
        }
        if self.decision != DIRECT_PLAY:
            element["TranscodeSession"] = self.transcode_json(now)
        return element

    def transcode_json(self, now: float) -> dict[str, Any]:
        """Return the TranscodeSession of a direct stream or a transcode at `now`.

        The transcoder runs `speed` times real time from its start (or the last seek) until
        it is TRANSCODE_BUFFER_MS ahead of the player, when it throttles.
        """
        source = self.source or (MUSIC_SOURCE if self.music else VIDEO_SOURCE)
        stream, duration = self.stream(), self.media.duration
        if self.music:
            speed = SPEED["audio"] if self.decision == TRANSCODE else SPEED["copy"]
        elif self.decision == DIRECT_STREAM:
            speed = SPEED["copy"]
        else:
            speed = SPEED["hardware" if self.hardware else "software"]
        ahead = min(TRANSCODE_BUFFER_MS, round((now - self.transcode_anchor) * speed * 1000))
        position = self.view_offset(now)
        head = min(duration, position + ahead)
        complete = head >= duration
        element: dict[str, Any] = {
            "key": f"/transcode/sessions/{self.transcode_key}",
            "throttled": ahead >= TRANSCODE_BUFFER_MS and not complete,
            "complete": complete,
            "progress": round(100 * head / duration, 1) if duration else 100.0,
            "speed": speed,
            "error": False,
            "duration": duration,
            "remaining": round((duration - head) / 1000 / speed),
            "context": "streaming",
            "protocol": "http" if self.music else "hls",
            "container": stream["container"],
            "sourceAudioCodec": source.get("audioCodec"),
            "audioDecision": self.decision,
            "audioCodec": stream.get("audioCodec"),
            "audioChannels": stream.get("audioChannels", 2),
            "transcodeHwRequested": self.hardware,
            "minOffsetAvailable": round(self.offset_ms / 1000, 3),
            "maxOffsetAvailable": round(head / 1000, 3),
        }
        if not self.music:
            # The audio (AAC stereo) is copied whatever happens to the picture.
            element |= {
                "audioDecision": DIRECT_STREAM,
                "sourceVideoCodec": source.get("videoCodec"),
                "videoDecision": self.decision,
                "videoCodec": stream.get("videoCodec"),
                "width": stream.get("width"),
                "height": stream.get("height"),
            }
        video_transcode = self.decision == TRANSCODE and not self.music
        element["transcodeHwFullPipeline"] = self.hardware and video_transcode
        if self.hardware and video_transcode:
            element |= HARDWARE
        return element

    def playing_message(self, now: float) -> dict[str, Any]:
        """Return the `playing` message of this session's PlaySessionStateNotification."""
        queue = self.play_queue
        notification = {
            "sessionKey": self.session_key,
            "clientIdentifier": self.player.machine_identifier,
            "guid": "",
            "ratingKey": self.media.rating_key,
            "url": "",
            "key": f"/library/metadata/{self.media.rating_key}",
            "viewOffset": self.view_offset(now),
            "playQueueItemID": self.play_queue_item_id,
            "playQueueID": queue.id if queue is not None else self.play_queue_item_id // 10,
            "state": self.state,
        }
        container = {"type": "playing", "size": 1, "PlaySessionStateNotification": [notification]}
        return {"NotificationContainer": container}
