"""Pictures in the terminal's own graphics: which protocol the terminal speaks (Kitty, iTerm2,
Sixel; else the half-block cells of ``state/preview.py``), decided from the environment
only, never by asking the terminal; and the bytes of each protocol.

Detection is cautious: a protocol is chosen only where the environment names a terminal
known to draw it, and never inside tmux or screen (they drop or misplace graphics unless
configured to pass them through). Anything else gets half-blocks, which every terminal
shows. The ``graphics`` setting overrides it (``HEDRA_GRAPHICS``).

- **Kitty** (kitty, Ghostty): the picture is sent once (an APC string, ``q=2``: the terminal
  never answers) as a *virtual placement*, and drawn by ordinary text: cells of the
  placeholder character U+10EEEE whose row and column are combining marks and whose
  foreground color is the image's id. Textual lays them out, moves and covers them like any
  text, so the picture is never out of place; a picture shown again costs no bytes.
- **iTerm2** (iTerm2, WezTerm) and **Sixel** (foot, mlterm; others by the setting): the
  picture is painted over blank cells the widget reserves, after the frame that drew them,
  and painted again only when those cells were written over (see ``ui/graphics_overlay.py``).
"""

from __future__ import annotations

import base64
import fcntl
import io
import re
import struct
import termios
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

Protocol = Literal["kitty", "iterm2", "sixel", "halfblocks"]
_PROTOCOLS: dict[str, Protocol] = {
    "kitty": "kitty",
    "iterm2": "iterm2",
    "sixel": "sixel",
    "halfblocks": "halfblocks",
}

# a terminal cell in pixels when the terminal does not say (TIOCGWINSZ without pixels): a
# small guess, so a Sixel picture is at worst smaller than the cells kept for it, never
# larger (it would paint over its neighbours)
CELL_PX_GUESS = (6, 12)
# at most this many pixels in a Kitty or iTerm2 picture (300x220 is 66,000: a 30x11-cell
# picture at 10x20 pixels a cell); Sixel is drawn pixel for pixel and is not capped
SCALED_PIXELS = 120_000


@dataclass(frozen=True)
class Choice:
    protocol: Protocol
    why: str  # a few words for the settings view and the README


def detect(env: Mapping[str, str], setting: str = "auto") -> Choice:
    """The protocol for the terminal ``env`` describes. ``setting``: one of
    "auto" (read the environment) or a protocol's name (that one)."""
    chosen = _PROTOCOLS.get(setting)
    if chosen is not None:
        return Choice(chosen, "the graphics setting")
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "").lower()
    if env.get("TMUX") or term.startswith(("screen", "tmux")):
        return Choice("halfblocks", "inside tmux/screen")
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return Choice("kitty", "kitty")
    if program == "ghostty" or term == "xterm-ghostty" or env.get("GHOSTTY_RESOURCES_DIR"):
        return Choice("kitty", "Ghostty")
    # iTerm2 forwards LC_TERMINAL over ssh (TERM_PROGRAM is not forwarded)
    if program == "iterm.app" or env.get("LC_TERMINAL", "").lower() == "iterm2":
        return Choice("iterm2", "iTerm2")
    if program == "wezterm":
        return Choice("iterm2", "WezTerm")
    if term.startswith(("foot", "mlterm")):
        return Choice("sixel", term.split("-")[0])
    return Choice("halfblocks", "no graphics protocol known for this terminal")


def cell_pixels(fd: int) -> tuple[int, int] | None:
    """The size of a cell in pixels (width, height), from the terminal's window size, or None
    where the terminal does not say."""
    try:
        rows, cols, xpixel, ypixel = struct.unpack(
            "HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        )
    except (OSError, ValueError):
        return None
    if not (rows and cols and xpixel and ypixel):
        return None
    width, height = xpixel // cols, ypixel // rows
    return (width, height) if width >= 2 and height >= 4 else None


# -- Kitty ---------------------------------------------------------------------------

PLACEHOLDER = "\U0010eeee"
# kitty's rowcolumn-diacritics table (its first 108 entries): entry i is row or column i
_DIACRITICS = (
    0x0305, 0x030D, 0x030E, 0x0310, 0x0312, 0x033D, 0x033E, 0x033F, 0x0346, 0x034A, 0x034B,
    0x034C, 0x0350, 0x0351, 0x0352, 0x0357, 0x035B, 0x0363, 0x0364, 0x0365, 0x0366, 0x0367,
    0x0368, 0x0369, 0x036A, 0x036B, 0x036C, 0x036D, 0x036E, 0x036F, 0x0483, 0x0484, 0x0485,
    0x0486, 0x0487, 0x0592, 0x0593, 0x0594, 0x0595, 0x0597, 0x0598, 0x0599, 0x059C, 0x059D,
    0x059E, 0x059F, 0x05A0, 0x05A1, 0x05A8, 0x05A9, 0x05AB, 0x05AC, 0x05AF, 0x05C4, 0x0610,
    0x0611, 0x0612, 0x0613, 0x0614, 0x0615, 0x0616, 0x0617, 0x0657, 0x0658, 0x0659, 0x065A,
    0x065B, 0x065D, 0x065E, 0x06D6, 0x06D7, 0x06D8, 0x06D9, 0x06DA, 0x06DB, 0x06DC, 0x06DF,
    0x06E0, 0x06E1, 0x06E2, 0x06E4, 0x06E7, 0x06E8, 0x06EB, 0x06EC, 0x0730, 0x0732, 0x0733,
    0x0735, 0x0736, 0x073A, 0x073D, 0x073F, 0x0740, 0x0741, 0x0743, 0x0745, 0x0747, 0x0749,
    0x074A, 0x07EB, 0x07EC, 0x07ED, 0x07EE, 0x07EF, 0x07F0, 0x07F1, 0x07F3,
)  # fmt: skip
DIACRITICS = tuple(chr(c) for c in _DIACRITICS)
MAX_CELLS = len(DIACRITICS)  # a Kitty picture is at most this many columns and rows
KITTY_CHUNK = 4096


def kitty_cells(row: int, cols: int) -> str:
    """Row ``row`` of a Kitty picture: ``cols`` placeholder cells, each naming its row and
    column (whole, so that a cell rewritten alone still knows its place)."""
    mark = DIACRITICS[row]
    return "".join(PLACEHOLDER + mark + DIACRITICS[c] for c in range(cols))


def kitty_transmit(png: bytes, image_id: int, cols: int, rows: int) -> str:
    """Send ``png`` as image ``image_id`` with a virtual placement of ``cols`` x ``rows``
    cells (drawn where the placeholder cells are); quiet: the terminal sends no answer."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[i : i + KITTY_CHUNK] for i in range(0, len(data), KITTY_CHUNK)] or [""]
    out: list[str] = []
    for n, chunk in enumerate(chunks):
        more = 1 if n < len(chunks) - 1 else 0
        if n == 0:
            head = f"a=T,U=1,f=100,t=d,q=2,i={image_id},c={cols},r={rows},m={more}"
        else:
            head = f"q=2,m={more}"
        out.append(f"\x1b_G{head};{chunk}\x1b\\")
    return "".join(out)


def kitty_delete(image_id: int) -> str:
    """Free image ``image_id`` in the terminal (and its placements)."""
    return f"\x1b_Ga=d,d=I,i={image_id},q=2\x1b\\"


# ids in 256-color mode: the color cube's entries that stay themselves when Textual turns
# them into RGB and the console turns them back (59, 102, 145, 188 do not)
EIGHT_BIT_IDS = tuple(n for n in range(16, 232) if n not in (59, 102, 145, 188))


# -- iTerm2 --------------------------------------------------------------------------


def iterm2_inline(image: bytes, cols: int, rows: int) -> str:
    """An inline image (PNG, JPEG) of ``cols`` x ``rows`` cells (the terminal scales it)."""
    data = base64.standard_b64encode(image).decode("ascii")
    return (
        f"\x1b]1337;File=inline=1;size={len(image)};width={cols};height={rows};"
        f"preserveAspectRatio=1;doNotMoveCursor=1:{data}\x07"
    )


# -- Sixel ---------------------------------------------------------------------------

SIXEL_COLORS = 64
_RUN = re.compile(r"(.)\1{3,}")


def _rle(match: re.Match[str]) -> str:
    text = match.group(0)
    return f"!{len(text)}{text[0]}"


def sixel(image: PILImage) -> str:
    """A Sixel string of an RGB image, in at most 64 colors: per band of six pixel rows,
    one run-length coded line per color."""
    from PIL import Image

    width, height = image.size
    quantized = image.quantize(colors=SIXEL_COLORS, dither=Image.Dither.NONE)
    palette = quantized.getpalette() or []
    indices = quantized.tobytes()
    used = sorted(set(indices))
    out = [f'\x1bP0;1;0q"1;1;{width};{height}']
    for i in used:
        r, g, b = palette[3 * i : 3 * i + 3]
        out.append(f"#{i};2;{r * 100 // 255};{g * 100 // 255};{b * 100 // 255}")
    for top in range(0, height, 6):
        band: dict[int, bytearray] = {}
        for dy in range(min(6, height - top)):
            bit = 1 << dy
            start = (top + dy) * width
            line = indices[start : start + width]
            for x, color in enumerate(line):
                bits = band.get(color)
                if bits is None:
                    bits = band[color] = bytearray(width)
                bits[x] |= bit
        lines = []
        for color, bits in band.items():
            text = bits.translate(_SIXEL_CHARS).decode("ascii").rstrip("?")
            lines.append(f"#{color}{_RUN.sub(_rle, text)}")
        out.append("$".join(lines) + "-")
    out.append("\x1b\\")
    return "".join(out)


_SIXEL_CHARS = bytes(63 + min(n, 63) for n in range(256))


# -- one picture ---------------------------------------------------------------------


@dataclass(frozen=True)
class Graphic:
    """A picture for one protocol, fitted into ``cols`` x ``rows`` cells. ``payload``: the
    image's bytes in that protocol (Kitty: the PNG, sent by the caller with its id;
    iTerm2/Sixel: the escape string to paint)."""

    protocol: Protocol
    cols: int
    rows: int
    payload: bytes | str
    source_size: tuple[int, int]

    @property
    def width(self) -> int:  # the same shape as HalfBlocks, for the widget's layout
        return self.cols

    @property
    def height(self) -> int:
        return self.rows


def fit_cells(
    image_w: int, image_h: int, cols: int, rows: int, cell: tuple[int, int]
) -> tuple[int, int]:
    """The largest (columns, rows) inside ``cols`` x ``rows`` with the picture's aspect ratio,
    for cells of ``cell`` pixels."""
    if image_w <= 0 or image_h <= 0 or cols <= 0 or rows <= 0:
        return 0, 0
    cw, ch = cell
    scale = min(cols * cw / image_w, rows * ch / image_h)
    w = max(1, min(cols, round(image_w * scale / cw)))
    h = max(1, min(rows, round(image_h * scale / ch)))
    return w, h


def encode(
    data: bytes,
    cols: int,
    rows: int,
    protocol: Protocol,
    cell: tuple[int, int] | None,
) -> Graphic:
    """Decode ``data`` and make it a picture of at most ``cols`` x ``rows`` cells in
    ``protocol`` (slow: run it in a thread). Raises ``BadImage`` like the half-block decoder."""
    from .preview import BadImage, open_image

    cols, rows = min(cols, MAX_CELLS), min(rows, MAX_CELLS)
    cell_px = cell or ((10, 20) if protocol != "sixel" else CELL_PX_GUESS)
    with open_image(data) as image:
        from PIL import Image

        width, height = image.size
        w, h = fit_cells(width, height, cols, rows, cell_px)
        if w == 0:
            raise BadImage("picture not shown: no room")
        # the pixels the cells can show, never more than the image has, nor than
        # SCALED_PIXELS (the terminal scales the picture into its cells: on a HiDPI screen
        # the cells' own pixels would make a picture several times the bytes)
        px_w = min(width, w * cell_px[0])
        px_h = min(height, h * cell_px[1])
        if px_w * px_h > SCALED_PIXELS:
            shrink = (SCALED_PIXELS / (px_w * px_h)) ** 0.5
            px_w, px_h = max(1, int(px_w * shrink)), max(1, int(px_h * shrink))
        if protocol == "sixel":  # Sixel is drawn pixel for pixel: exactly the cells
            px_w, px_h = w * cell_px[0], h * cell_px[1]
            scale = min(px_w / width, px_h / height)
            px_w, px_h = max(1, round(width * scale)), max(1, round(height * scale))
        image.draft("RGB", (px_w, px_h))
        small = image.convert("RGB").resize((px_w, px_h), Image.Resampling.LANCZOS)
    payload: bytes | str
    if protocol == "sixel":
        payload = sixel(small)
    elif protocol == "kitty":  # Kitty reads PNG (or raw pixels, larger)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", compress_level=6)
        payload = buffer.getvalue()
    else:  # iTerm2 reads any format: JPEG is a photo's fraction of a PNG
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG", quality=85)
        payload = iterm2_inline(buffer.getvalue(), w, h)
    return Graphic(protocol, w, h, payload, (width, height))
