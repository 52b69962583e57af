"""The server's artwork: a small poster-shaped PNG per path, always the same for a path."""

import hashlib
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def artwork(path: str, width: int = 100, height: int = 150) -> bytes:
    """Return the PNG the server serves at a path: one colour per path, fading to a third."""
    rgb = hashlib.sha256(path.encode()).digest()[:3]
    rows = b"".join(
        b"\x00"
        + bytes(round(channel * (1 - 2 * y / (3 * (height - 1)))) for channel in rgb) * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )
