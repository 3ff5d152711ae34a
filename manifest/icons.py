"""The Teams app icons, drawn in code so they are reproducible byte for byte.

Teams needs a 192×192 colour icon and a 32×32 outline icon that is white on a transparent
background. Both show the same simple register glyph: a clipboard with ruled lines.
`python -m manifest.icons` rewrites `color.png` and `outline.png` beside this file.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

HERE = Path(__file__).parent
ACCENT = (0x1B, 0x4F, 0x72)  # #1B4F72, also the manifest's accentColor
WHITE = (0xFF, 0xFF, 0xFF)

Pixel = tuple[int, int, int, int]
# The glyph on a 32-unit grid: (left, top, right, bottom) rectangles, right/bottom exclusive.
_GLYPH_UNITS: tuple[tuple[int, int, int, int], ...] = (
    (7, 5, 25, 7),    # board top
    (7, 5, 9, 29),    # board left
    (23, 5, 25, 29),  # board right
    (7, 27, 25, 29),  # board bottom
    (12, 3, 20, 8),   # clip
    (11, 12, 21, 14),  # ruled lines
    (11, 17, 21, 19),
    (11, 22, 18, 24),
)


def png(width: int, height: int, pixels: list[list[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG of `pixels` (rows of (r, g, b, a))."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _glyph_mask(size: int) -> list[list[bool]]:
    """Which pixels of a `size`×`size` square the glyph covers (scaled from the 32 grid)."""
    scale = size / 32
    mask = [[False] * size for _ in range(size)]
    for left, top, right, bottom in _GLYPH_UNITS:
        for y in range(round(top * scale), round(bottom * scale)):
            for x in range(round(left * scale), round(right * scale)):
                mask[y][x] = True
    return mask


def color_icon() -> bytes:
    """192×192: the white glyph on a solid accent-coloured square."""
    mask = _glyph_mask(192)
    rows = [[(*WHITE, 255) if covered else (*ACCENT, 255) for covered in row] for row in mask]
    return png(192, 192, rows)


def outline_icon() -> bytes:
    """32×32: the white glyph on a fully transparent background, nothing else."""
    mask = _glyph_mask(32)
    rows = [[(*WHITE, 255) if covered else (0, 0, 0, 0) for covered in row] for row in mask]
    return png(32, 32, rows)


def write_icons(folder: Path = HERE) -> None:
    (folder / "color.png").write_bytes(color_icon())
    (folder / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":  # pragma: no cover
    write_icons()
