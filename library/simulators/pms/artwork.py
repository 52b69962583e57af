"""The server's artwork: a small poster-shaped PNG per path, always the same for a path."""

import hashlib
import struct
import zlib


def _png(width: int, rows: list[bytes]) -> bytes:
    """Return a PNG of RGB rows (each `width` pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(data))
        + chunk(b"IEND", b"")
    )


def poster(rgb: tuple[int, int, int], width: int = 100, height: int = 150) -> bytes:
    """Return a poster-shaped PNG: the colour at the top, fading to a third of it below."""
    rows = []
    for y in range(height):
        shade = 1 - 2 * y / (3 * (height - 1))
        rows.append(bytes(round(channel * shade) for channel in rgb) * width)
    return _png(width, rows)


def artwork(path: str) -> bytes:
    """Return the picture the server serves at a path: one poster per item and kind."""
    return poster(colour_of(path))


def colour_of(path: str) -> tuple[int, int, int]:
    """Return the colour of the artwork at a path: one per item and kind, always the same."""
    digest = hashlib.sha256(path.encode()).digest()
    return digest[0], digest[1], digest[2]
