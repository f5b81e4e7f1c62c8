"""The terminal graphics protocols: which one the environment names, and their bytes read
back (Kitty's chunks, iTerm2's PNG, Sixel decoded pixel by pixel)."""

from __future__ import annotations

import base64
import re
from io import BytesIO

import pytest
from PIL import Image

from hedra_tui.state.graphics import (
    DIACRITICS,
    PLACEHOLDER,
    detect,
    encode,
    fit_cells,
    iterm2_inline,
    kitty_cells,
    kitty_transmit,
    sixel,
)
from hedra_tui.state.preview import BadImage


@pytest.mark.parametrize(
    ("env", "protocol"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM": "xterm-kitty"}, "kitty"),  # over ssh: only TERM comes along
        ({"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "iterm2"),
        ({"TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"}, "iterm2"),  # iTerm2 over ssh
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "iterm2"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "mlterm"}, "sixel"),
        ({"TERM": "xterm-256color"}, "halfblocks"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "vscode"}, "halfblocks"),
        ({}, "halfblocks"),
        # tmux and screen drop or misplace graphics unless set up to pass them through
        ({"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, "halfblocks"),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, "halfblocks"),
        ({"TERM": "screen-256color", "TERM_PROGRAM": "iTerm.app"}, "halfblocks"),
    ],
)
def test_the_environment_names_the_protocol(env, protocol):
    assert detect(env).protocol == protocol


def test_the_setting_wins_over_the_environment():
    env = {"TERM": "xterm-kitty", "TMUX": "x"}
    assert detect(env, "sixel").protocol == "sixel"
    assert detect(env, "halfblocks").protocol == "halfblocks"
    assert detect({"TERM": "xterm-kitty"}, "auto").protocol == "kitty"
    assert detect({"TMUX": "x"}).why == "inside tmux/screen"


def _png(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height))
    for x in range(width):
        for y in range(height):
            image.putpixel((x, y), (x * 255 // width, y * 255 // height, 90))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_kitty_cells_name_their_row_and_column():
    row = kitty_cells(3, 4)
    cells = re.findall(f"{PLACEHOLDER}(.)(.)", row)
    assert [(DIACRITICS.index(r), DIACRITICS.index(c)) for r, c in cells] == [
        (3, 0),
        (3, 1),
        (3, 2),
        (3, 3),
    ]
    assert len(row) == 12


def test_kitty_sends_the_png_in_quiet_chunks_of_at_most_4096():
    png = bytes(range(256)) * 40  # 10,240 bytes: three chunks of base64
    sent = kitty_transmit(png, 42, 20, 8)
    parts = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", sent)
    assert len(parts) > 1
    assert parts[0][0] == "a=T,U=1,f=100,t=d,q=2,i=42,c=20,r=8,m=1"
    assert all(head == "q=2,m=1" for head, _ in parts[1:-1])
    assert parts[-1][0] == "q=2,m=0"
    assert all(len(data) <= 4096 for _, data in parts)
    assert base64.b64decode("".join(data for _, data in parts)) == png
    assert "".join(f"\x1b_G{h};{d}\x1b\\" for h, d in parts) == sent  # nothing else


def test_iterm2_sends_the_png_sized_in_cells_and_leaves_the_cursor():
    png = _png(40, 20)
    out = iterm2_inline(png, 12, 3)
    m = re.fullmatch(r"\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]*)\x07", out)
    assert m is not None
    args = dict(kv.split("=") for kv in m.group(1).split(";"))
    assert args == {
        "inline": "1",
        "size": str(len(png)),
        "width": "12",
        "height": "3",
        "preserveAspectRatio": "1",
        "doNotMoveCursor": "1",
    }
    assert base64.b64decode(m.group(2)) == png


def decode_sixel(data: str) -> tuple[int, int, dict[tuple[int, int], tuple[int, int, int]]]:
    """A small Sixel reader: the raster size and each painted pixel's color (0-100 each)."""
    m = re.fullmatch(r'\x1bP0;1;0q"1;1;(\d+);(\d+)(.*)\x1b\\', data, re.DOTALL)
    assert m is not None
    width, height, body = int(m.group(1)), int(m.group(2)), m.group(3)
    palette: dict[int, tuple[int, int, int]] = {}
    pixels: dict[tuple[int, int], tuple[int, int, int]] = {}
    color, x, top = 0, 0, 0
    for tok in re.finditer(r"#(\d+);2;(\d+);(\d+);(\d+)|#(\d+)|!(\d+)(.)|([?-~])|(\$)|(-)", body):
        define, r, g, b, select, count, rep, char, cr, lf = tok.groups()
        if define is not None:
            palette[int(define)] = (int(r), int(g), int(b))
        elif select is not None:
            color = int(select)
        elif cr:
            x = 0
        elif lf:
            x, top = 0, top + 6
        else:
            n, ch = (int(count), rep) if count else (1, char)
            bits = ord(ch) - 63
            for col in range(x, x + n):
                for dy in range(6):
                    if bits & (1 << dy):
                        assert (col, top + dy) not in pixels  # each pixel painted once
                        pixels[(col, top + dy)] = palette[color]
            x += n
    return width, height, pixels


def test_sixel_reads_back_as_the_image():
    image = Image.new("RGB", (37, 17))  # not a multiple of six rows
    colors = [(255, 0, 0), (0, 128, 255), (250, 250, 250), (10, 10, 10)]
    for x in range(37):
        for y in range(17):
            image.putpixel((x, y), colors[(x // 5 + y // 4) % 4])
    width, height, pixels = decode_sixel(sixel(image))
    assert (width, height) == (37, 17)
    assert len(pixels) == 37 * 17  # every pixel, none outside
    for (x, y), (r, g, b) in pixels.items():
        want = image.getpixel((x, y))
        got = (r * 255 // 100, g * 255 // 100, b * 255 // 100)
        assert all(abs(p - q) <= 3 for p, q in zip(got, want, strict=True)), (x, y)


def test_sixel_runs_are_coded_short():
    image = Image.new("RGB", (300, 12), (20, 40, 60))
    out = sixel(image)
    assert len(out) < 80  # two bands of one color: "!300~" each
    assert out.count("!300~") == 2


def test_encode_fits_the_picture_and_keeps_its_shape():
    png = _png(400, 200)  # 2:1
    # 10x20-pixel cells: 40 columns are 400 px, 10 rows 200 px
    kitty = encode(png, 40, 30, "kitty", (10, 20))
    assert (kitty.cols, kitty.rows) == (40, 10) and kitty.source_size == (400, 200)
    assert Image.open(BytesIO(kitty.payload)).size == (400, 200)  # never larger than needed
    iterm = encode(png, 20, 30, "iterm2", (10, 20))
    assert (iterm.cols, iterm.rows) == (20, 5) and "width=20;height=5" in iterm.payload
    # Sixel is drawn pixel for pixel: exactly the cells' pixels, no more
    six = encode(png, 20, 30, "sixel", (8, 16))
    width, height, _ = decode_sixel(six.payload)
    assert (six.cols, six.rows) == (20, 5)
    assert width <= 20 * 8 and height <= 5 * 16
    # where the terminal does not say its cell size, Sixel guesses small cells (never spills)
    guessed = encode(png, 20, 30, "sixel", None)
    width, height, _ = decode_sixel(guessed.payload)
    assert width <= 20 * 6 and height <= guessed.rows * 12


def test_encode_refuses_what_is_not_an_image():
    with pytest.raises(BadImage):
        encode(b"not a picture", 20, 10, "kitty", None)


def test_fit_cells():
    assert fit_cells(100, 100, 40, 40, (10, 20)) == (40, 20)
    assert fit_cells(0, 100, 40, 40, (10, 20)) == (0, 0)
    assert fit_cells(1000, 10, 40, 40, (10, 20)) == (40, 1)


def test_the_cell_size_comes_from_the_terminals_window_size():
    import fcntl
    import os
    import pty
    import struct
    import termios

    from hedra_tui.state.graphics import cell_pixels

    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 800, 480))
        assert cell_pixels(slave) == (10, 20)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        assert cell_pixels(slave) is None  # the terminal does not say
    finally:
        os.close(master)
        os.close(slave)
    with open(os.devnull) as devnull:
        assert cell_pixels(devnull.fileno()) is None  # not a terminal


def test_a_hidpi_terminal_gets_a_picture_of_bounded_pixels_but_sixel_fills_its_cells():
    from hedra_tui.state.graphics import SCALED_PIXELS

    png = _png(2000, 1500)
    hidpi = (20, 40)  # the cells' own pixels, as a HiDPI terminal reports them
    kitty = encode(png, 40, 15, "kitty", hidpi)
    w, h = Image.open(BytesIO(kitty.payload)).size
    assert w * h <= SCALED_PIXELS and abs(w / h - 2000 / 1500) < 0.02
    assert (kitty.cols, kitty.rows) == (40, 15)  # the cells it takes do not change
    six = encode(png, 40, 15, "sixel", hidpi)
    width, height, _ = decode_sixel(six.payload)
    assert width > 20 * 40 - 20 and height > 40 * 15 - 40  # pixel for pixel: its cells whole
