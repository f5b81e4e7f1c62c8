"""Small PNGs for the simulator's image outputs and video thumbnails: a gradient and a disc,
drawn from a seed, written by hand (zlib), made on request so that start-up pays nothing."""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache

LONG_SIDE = 192  # pixels on the long side: plenty for a terminal's cells, a few KB of PNG


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_bytes(width: int, height: int, rgb: bytes) -> bytes:
    """An 8-bit RGB PNG of ``width`` x ``height`` from rows of ``rgb`` triplets."""
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def size_for(width: int | None, height: int | None) -> tuple[int, int]:
    """The picture's size: the asset's aspect ratio, ``LONG_SIDE`` on the long side."""
    w, h = (width or 16), (height or 9)
    if w >= h:
        return LONG_SIDE, max(1, round(LONG_SIDE * h / w))
    return max(1, round(LONG_SIDE * w / h)), LONG_SIDE


def pixels(seed: str, width: int, height: int) -> bytes:
    """RGB triplets: a diagonal gradient between two colors of the seed, and a disc."""
    digest = hashlib.sha256(seed.encode()).digest()
    a, disc = digest[0:3], digest[6:9]
    b = bytes(255 - v for v in a)  # toward the complement: a gradient one can see
    cx = width * (0.3 + 0.4 * digest[9] / 255)
    cy = height * (0.3 + 0.4 * digest[10] / 255)
    radius2 = (min(width, height) * (0.15 + 0.15 * digest[11] / 255)) ** 2
    span = max(width + height - 2, 1)
    # the gradient is a color per diagonal (x + y): a row is a slice of that table
    ramp = [
        bytes(round(a[c] + (b[c] - a[c]) * k / span) for c in range(3))
        for k in range(width + height - 1)
    ]
    out = bytearray()
    for y in range(height):
        row = bytearray(b"".join(ramp[y : y + width]))
        dy2 = (y + 0.5 - cy) ** 2
        if dy2 <= radius2:
            half = (radius2 - dy2) ** 0.5
            x0, x1 = max(0, round(cx - half)), min(width, round(cx + half))
            if x1 > x0:
                row[x0 * 3 : x1 * 3] = disc * (x1 - x0)
        out += row
    return bytes(out)


@lru_cache(maxsize=64)
def picture(seed: str, width: int | None = None, height: int | None = None) -> bytes:
    """The PNG for ``seed`` (a job id, plus what it is of), in the asset's aspect ratio."""
    w, h = size_for(width, height)
    return png_bytes(w, h, pixels(seed, w, h))
