"""The bytes of the server's media files, served with HTTP Range support.

- Tracks are real WAV files (16-bit mono PCM, 22.05 kHz): a few seconds of a sine tone, a
  pitch of their own, which a browser plays.
- Photos are PNGs (see artwork()).
- The mp4 film is a real H.264 video (see video.py): four seconds, no sound track, which a
  browser plays directly.
- mkv parts are the same small placeholder bytes: a client must send them to the
  transcoder, and they play nowhere; their size and Range answers are honest.
"""

import array
import functools
import hashlib
import math
import re
import sys
import wave
from io import BytesIO
from typing import TYPE_CHECKING

from aiohttp import web

from .artwork import artwork
from .video import mp4

if TYPE_CHECKING:
    from .library import Item

CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mkv": "video/x-matroska",
    "wav": "audio/wav",
    "png": "image/png",
    "mp3": "audio/mpeg",
    "ts": "video/mp2t",
}
RATE = 22_050
TONE_SECONDS = 3
WAV_HEADER = 44
PLACEHOLDER_SIZE = 64 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def part_container(item: Item) -> str:
    """Return the container of a leaf's file: its extension (png for photos)."""
    if item.file and "." in item.file:
        return item.file.rsplit(".", 1)[1]
    return {"track": "wav", "photo": "png"}.get(item.type, "mkv")


def part_size(item: Item) -> int:
    """Return the size in bytes of the file part_bytes() serves, without making it."""
    container = part_container(item)
    if container == "wav":
        return WAV_HEADER + RATE * TONE_SECONDS * 2
    if container == "png":
        return len(photo(item.rating_key))
    if container == "mp4":
        return len(mp4())
    return PLACEHOLDER_SIZE


def part_bytes(item: Item) -> bytes:
    """Return the bytes of a leaf's media file."""
    container = part_container(item)
    if container == "wav":
        return tone(pitch(item.rating_key))
    if container == "png":
        return photo(item.rating_key)
    if container == "mp4":
        return mp4()
    return placeholder_video()


def pitch(rating_key: str) -> float:
    """Return a track's tone in Hz: a semitone of its own from A3 up, over two octaves."""
    return 220.0 * 2 ** ((int(rating_key) % 24) / 12)


@functools.lru_cache(maxsize=32)
def tone(frequency: float, seconds: int = TONE_SECONDS) -> bytes:
    """Return a WAV file of a sine tone, faded in and out so that it does not click."""
    frames = RATE * seconds
    fade = RATE // 20
    samples = array.array("h", bytes(2 * frames))
    step = 2 * math.pi * frequency / RATE
    for n in range(frames):
        envelope = min(1.0, n / fade, (frames - 1 - n) / fade)
        samples[n] = round(12_000 * envelope * math.sin(step * n))
    if sys.byteorder == "big":  # WAV is little-endian
        samples.byteswap()
    out = BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(samples.tobytes())
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def photo(rating_key: str) -> bytes:
    """Return a photo's PNG."""
    return artwork(f"/photos/{rating_key}", 120, 80)


@functools.cache
def placeholder_video() -> bytes:
    """Return the bytes every video part serves: deterministic, not a playable video."""
    seed = hashlib.sha256(b"plex simulator video").digest()
    return (b"PLACEHOLDER VIDEO " + seed * (PLACEHOLDER_SIZE // len(seed) + 1))[:PLACEHOLDER_SIZE]


def content_type(container: str) -> str:
    """Return the Content-Type of a container."""
    return CONTENT_TYPES.get(container, "application/octet-stream")


def ranged(
    request: web.Request, body: bytes, kind: str, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer body whole (200) or the one byte range the request asks for (206, or 416).

    Multiple ranges are answered with the whole body, as RFC 9110 allows.
    """
    headers = {"Accept-Ranges": "bytes", **(headers or {})}
    total = len(body)
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match is None or not any(match.groups()):
        return web.Response(body=body, content_type=kind, headers=headers)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), total - 1) if last else total - 1
    else:  # bytes=-N: the last N bytes
        start, end = max(0, total - int(last)), total - 1
    if start >= total or start > end:
        headers["Content-Range"] = f"bytes */{total}"
        return web.Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end}/{total}"
    return web.Response(status=206, body=body[start : end + 1], content_type=kind, headers=headers)
