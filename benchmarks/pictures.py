"""What a picture costs in each way of drawing it: bytes sent to the terminal for one
photo-like 1024x768 picture in the detail pane's room at 80x24 and at 120x40, half-blocks
against Kitty, iTerm2 and Sixel, side by side in one run (and the time to make each).

``uv run python -m benchmarks.pictures``. The picture is made here from a seed (noise over a
gradient, blurred: as hard to compress as a photo); the demo's own pictures are gradients, a few
KB in every protocol.
"""

from __future__ import annotations

import io
import random
import time

from PIL import Image, ImageFilter
from rich.color import Color
from rich.console import Console
from textual.strip import Strip

from hedra_tui.state import graphics
from hedra_tui.state.graphics import encode, kitty_transmit
from hedra_tui.state.preview import decode_half_blocks
from hedra_tui.ui.widgets.picture import kitty_strips, picture_strips

# the picture's room (columns, rows) in the detail pane at each size
ROOMS = {"80x24": (14, 9), "120x40": (30, 12)}
PAINT = len("\x1b7\x1b[12;34H\x1b8")  # iTerm2 / Sixel: cursor saved, moved, put back


def photo(width: int = 1024, height: int = 768, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(noise, gradient, 0.6).filter(ImageFilter.GaussianBlur(1.5))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _strip_bytes(strips: list[Strip], console: Console) -> int:
    return sum(len(strip.render(console).encode()) for strip in strips)


def measure(data: bytes, cols: int, rows: int) -> list[tuple[str, int, int, float]]:
    """(way, bytes the first time, bytes shown again, ms to make it) for each way."""
    console = Console(color_system="truecolor", force_terminal=True, file=io.StringIO())
    out: list[tuple[str, int, int, float]] = []
    t = time.perf_counter()
    blocks = decode_half_blocks(data, cols, rows)
    ms = (time.perf_counter() - t) * 1000
    cells = _strip_bytes(picture_strips(blocks), console)
    out.append((f"half-blocks ({blocks.width}x{blocks.height} cells)", cells, cells, ms))
    t = time.perf_counter()
    kitty = encode(data, cols, rows, "kitty", None)
    ms = (time.perf_counter() - t) * 1000
    assert isinstance(kitty.payload, bytes)
    sent = len(kitty_transmit(kitty.payload, 0x4A0001, kitty.cols, kitty.rows))
    placeholders = _strip_bytes(kitty_strips(kitty, Color.from_rgb(0x4A, 0, 1)), console)
    out.append(("Kitty (PNG, sent once)", sent + placeholders, placeholders, ms))
    # a HiDPI terminal reports cells of 20x40 pixels: the picture's pixels are capped
    for cap, words in ((graphics.SCALED_PIXELS, "capped"), (10**9, "not capped")):
        saved, graphics.SCALED_PIXELS = graphics.SCALED_PIXELS, cap
        t = time.perf_counter()
        try:
            hidpi = encode(data, cols, rows, "kitty", (20, 40))
        finally:
            graphics.SCALED_PIXELS = saved
        ms = (time.perf_counter() - t) * 1000
        assert isinstance(hidpi.payload, bytes)
        sent = len(kitty_transmit(hidpi.payload, 0x4A0002, hidpi.cols, hidpi.rows))
        out.append((f"Kitty, 20x40-pixel cells ({words})", sent + placeholders, placeholders, ms))
    t = time.perf_counter()
    iterm = encode(data, cols, rows, "iterm2", None)
    ms = (time.perf_counter() - t) * 1000
    out.append(("iTerm2 (JPEG)", len(iterm.payload) + PAINT, len(iterm.payload) + PAINT, ms))
    for cell, words in (((6, 12), "6x12 cells, the guess"), ((10, 20), "10x20 cells")):
        t = time.perf_counter()
        six = encode(data, cols, rows, "sixel", cell)
        ms = (time.perf_counter() - t) * 1000
        size = len(six.payload) + PAINT
        out.append((f"Sixel (64 colors, {words})", size, size, ms))
    return out


def main() -> list[tuple[str, float, float, str]]:
    data = photo()
    rows: list[tuple[str, float, float, str]] = []
    print("one photo-like 1024x768 picture in the detail pane: bytes to the terminal")
    for size, (cols, room_rows) in ROOMS.items():
        results = measure(data, cols, room_rows)
        half = results[0][1]
        print(f"  {size} (room {cols}x{room_rows} cells)")
        print(
            f"    {'':42} {'first time':>11} {'shown again':>12} {'vs half-blocks':>15} {'make':>7}"
        )
        for way, first, again, ms in results:
            print(f"    {way:42} {first:>9,} B {again:>10,} B {first / half:>14.1f}x {ms:>5.0f}ms")
        rows.append(
            (f"picture at {size}: half-blocks vs Kitty, first time", half, results[1][1], "B")
        )
    return rows


if __name__ == "__main__":
    main()
