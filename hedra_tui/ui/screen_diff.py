"""Write only the cells that changed: a small layer over Textual's terminal output.

Textual repaints a changed line from its left edge up to its last dirty cell, with the full
style of every segment; when one ETA digit moves, ~45 bytes go over the wire for a change of
one cell. This layer keeps a copy of what the terminal shows (a grid of cells: character and
style) and rewrites each frame Textual sends into a cursor move plus the run of cells that
really changed. What it does not understand it passes through unchanged and forgets what it
knew of the screen, so the worst case is Textual's own output, never a wrong screen.

Understood: cursor positions (CSI H), styles (SGR), OSC 8 hyperlinks (part of a cell's
style), printable text (wide characters take two cells, a combining mark joins the cell
before it), CR and LF. Passed through without forgetting: other OSC strings (clipboard,
title), the bell, private modes other than the alternate screen. Anything else: passed
through, and the copy of the screen is forgotten; so are graphics (Kitty's APC, Sixel's DCS,
iTerm2's OSC 1337), which reach the terminal byte for byte and paint cells we do not model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from rich.cells import get_character_cell_size
from textual.driver import Driver
from textual.geometry import Size

# a run of unchanged cells this short is written again rather than jumped over: a cursor
# move costs ~6-8 bytes
GAP_MAX = 4
_TOKEN = re.compile(
    r"\x1b\[([0-9;:?<>=!$ ]*)([@-~])"  # CSI
    r"|\x1b\]([^\x07\x1b]*)(\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|\x1b(.)"  # any other escape
    r"|([\x00-\x1f\x7f])"  # a control character
    r"|([^\x00-\x1f\x7f\x1b]+)",  # printable text
    re.DOTALL,
)
_HARMLESS_MODES = {"?25", "?2026", "?1000", "?1002", "?1003", "?1006", "?1015", "?1004", "?2004"}
_CONTINUATION = "\x00"  # the second cell of a wide character

# A cell: (text, style, link, wide). ``text`` is one character (plus combining marks) or
# _CONTINUATION; ``style`` the SGR parameters since the last reset ("" for the default);
# ``link`` the OSC 8 parameters and URL ("" for none). Plain tuples: they are made and
# compared by the thousand per second.
Cell = tuple[str, str, str, bool]
Row = list[Cell | None]


def _single_cells() -> frozenset[str]:
    """Characters one cell wide, known without asking for each (Latin, Greek, Cyrillic,
    punctuation, arrows, symbols, box drawing, blocks, shapes, Braille)."""
    chars = [chr(c) for c in range(0x20, 0x7F)]
    for start, end in ((0xA0, 0x482), (0x2010, 0x2BFF)):
        chars += [chr(c) for c in range(start, end + 1) if get_character_cell_size(chr(c)) == 1]
    return frozenset(chars)


_SINGLE = _single_cells()


class Desync(Exception):
    """The frame holds something this layer does not model."""


def _sgr(params: str, current: list[str]) -> list[str]:
    """The style after ``ESC [ params m`` applied to ``current`` (a list of parameter groups)."""
    if params == "":
        return []
    parts = params.split(";")
    out = list(current)
    i = 0
    while i < len(parts):
        p = parts[i]
        if p in ("", "0"):
            out = []
            i += 1
            continue
        if p in ("38", "48", "58") and i + 1 < len(parts):
            n = 3 if parts[i + 1] == "5" else 5 if parts[i + 1] == "2" else 2
            out.append(";".join(parts[i : i + n]))
            i += n
            continue
        out.append(p)
        i += 1
    return out


class ScreenDiff:
    """Turns Textual's frames into the changed cells; one instance per terminal."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.grid: list[Row] = []
        # what the terminal is in after what we wrote
        self._out_style = ""
        self._out_link = ""
        self._out_cursor: tuple[int, int] | None = None
        # what Textual believes (its stream's state)
        self._in_style: list[str] = []
        self._in_link = ""
        self.bytes_in = 0
        self.bytes_out = 0
        self.reset(width, height)

    def reset(self, width: int, height: int) -> None:
        """Forget the screen (a resize, or something this layer cannot follow)."""
        self.width, self.height = width, height
        self.grid = [[None] * width for _ in range(height)]
        self._out_cursor = None

    # -- the frame ------------------------------------------------------------------

    def process(self, data: str) -> str:
        """What to write to the terminal instead of ``data``."""
        self.bytes_in += len(data)
        try:
            out = self._process(data)
        except Desync:
            out = data
            self.reset(self.width, self.height)
            self._out_style = "?"  # unknown: the next styled cell says its style in full
            self._out_link = "?"
            self._in_style = []
            self._in_link = ""
        self.bytes_out += len(out)
        return out

    def _process(self, data: str) -> str:
        # the rows this frame writes to: a copy of each, and the spans written in it
        rows: dict[int, Row] = {}
        spans: dict[int, list[tuple[int, int]]] = {}
        order: list[str] = []  # output pieces in order: cells flushed, then passed-through
        # where Textual's stream has the cursor: where we left the terminal's (unknown after
        # a pass-through: text before the frame's first cursor move is then not followed)
        known = self._out_cursor is not None
        row, col = self._out_cursor or (0, 0)
        moved = False
        wide_written = False  # a wide character was written in this frame
        in_style, in_link = list(self._in_style), self._in_link
        style = ";".join(in_style)
        last: int | None = None  # the column of the last cell written on ``row``
        width, height = self.width, self.height
        for m in _TOKEN.finditer(data):
            params, final, osc, _end, _esc, ctrl, text = m.groups()
            if text is not None:
                if not known or row >= height:
                    raise Desync
                moved = True
                line = rows.get(row)
                if line is None:
                    line = rows[row] = list(self.grid[row])
                    spans[row] = []
                n = len(text)
                if _SINGLE.issuperset(text):
                    if col + n > width:
                        raise Desync
                    if wide_written and any(c is not None and c[3] for c in line[col : col + n]):
                        raise Desync  # half of a wide character written over: keep the order
                    line[col : col + n] = [(ch, style, in_link, False) for ch in text]
                    spans[row].append((col, col + n))
                    col += n
                    last = col - 1
                    continue
                start = col
                for ch in text:
                    size = get_character_cell_size(ch)
                    if size == 0:  # a combining mark joins the cell before it
                        if last is None:
                            raise Desync
                        prev = line[last]
                        if prev is None:
                            raise Desync
                        line[last] = (prev[0] + ch, prev[1], prev[2], prev[3])
                        continue
                    if col + size > width:
                        raise Desync
                    if wide_written and any(c is not None and c[3] for c in line[col : col + size]):
                        raise Desync
                    line[col] = (ch, style, in_link, size == 2)
                    if size == 2:
                        line[col + 1] = (_CONTINUATION, style, in_link, True)
                        wide_written = True
                    last = col
                    col += size
                spans[row].append((max(start - 1, 0), col))
            elif final is not None:
                if final in "Hf" and "?" not in params:
                    known = moved = True
                    nums = params.split(";") if params else []
                    row = int(nums[0]) - 1 if nums and nums[0] else 0
                    col = int(nums[1]) - 1 if len(nums) > 1 and nums[1] else 0
                    last = None
                elif final == "m":
                    in_style = _sgr(params, in_style)
                    style = ";".join(in_style)
                elif final in "hl" and params in _HARMLESS_MODES:
                    order.append(self._flush(rows, spans))
                    rows, spans = {}, {}
                    order.append(m.group(0))
                else:
                    raise Desync
            elif osc is not None:
                if osc.startswith("1337;"):
                    raise Desync  # an iTerm2 inline image paints cells we cannot follow
                if osc.startswith("8;"):
                    in_link = "" if osc.endswith(";") and osc.count(";") == 2 else osc
                else:
                    order.append(m.group(0))  # clipboard, title: no cell changes
            elif ctrl is not None:
                if ctrl in "\r\n" and not known:
                    raise Desync
                if ctrl == "\r":
                    col, moved, last = 0, True, None
                elif ctrl == "\n":
                    row, moved, last = row + 1, True, None
                elif ctrl == "\x07":
                    order.append(ctrl)
                else:
                    raise Desync
            else:  # a lone escape sequence we do not know
                raise Desync
        order.append(self._flush(rows, spans))
        self._in_style, self._in_link = in_style, in_link
        out = "".join(order)
        in_bounds = 0 <= row < height and 0 <= col <= width
        if moved and (row, col) != self._out_cursor and in_bounds:
            out += f"\x1b[{row + 1};{col + 1}H"  # the cursor where Textual left it
            self._out_cursor = (row, col)
        return out

    def _changed(self, line: Row, old: Row, written: list[tuple[int, int]]) -> list[int]:
        """The columns where ``line`` differs from ``old`` (only where the frame wrote)."""
        cols: set[int] = set()
        for a, b in written:
            if line[a:b] == old[a:b]:
                continue  # most of what Textual rewrites is what was there
            for c in range(a, b):
                if line[c] != old[c]:
                    cells = line[c]
                    cols.add(c)
                    if cells is not None and cells[3]:  # a wide character: both halves
                        cols.add(c - 1 if cells[0] == _CONTINUATION else c + 1)
        return sorted(c for c in cols if 0 <= c < self.width)

    def _flush(self, rows: dict[int, Row], spans: dict[int, list[tuple[int, int]]]) -> str:
        """Bring the terminal (and our copy) up to date: the changed runs of each row."""
        if not rows:
            return ""
        grid = self.grid
        out: list[str] = []
        for r in sorted(rows):
            line, old = rows[r], grid[r]
            cols = self._changed(line, old, spans[r])
            runs: list[list[int]] = []
            for c in cols:
                if runs:
                    gap = range(runs[-1][-1] + 1, c)
                    if len(gap) <= GAP_MAX and all(line[g] is not None for g in gap):
                        runs[-1].extend(gap)  # rewriting a few cells beats a cursor move
                        runs[-1].append(c)
                        continue
                runs.append([c])
            for run in runs:
                for c in run:
                    cell = line[c]
                    if cell is None or cell[0] == _CONTINUATION:
                        continue  # written with its first half (or never known)
                    if self._out_cursor != (r, c):
                        out.append(self._move(r, c))
                    if cell[1] != self._out_style or cell[2] != self._out_link:
                        out.append(self._style_to(cell[1], cell[2]))
                    out.append(cell[0])
                    self._out_cursor = (r, c + (2 if cell[3] else 1))
            # a narrow character over one half of a wide one leaves the other half unknown
            for c in cols:
                cell, before = line[c], old[c]
                if before is not None and before[3] and cell is not None and not cell[3]:
                    other = c + 1 if before[0] != _CONTINUATION else c - 1
                    if 0 <= other < self.width and line[other] == old[other]:
                        line[other] = None
            grid[r] = line
        if self._out_style or self._out_link:
            out.append(self._style_to("", ""))  # between frames the terminal is left plain
        return "".join(out)

    def _move(self, row: int, col: int) -> str:
        cursor = self._out_cursor
        self._out_cursor = (row, col)
        if cursor == (row, col):
            return ""
        if cursor is not None and cursor[0] == row and 0 < col - cursor[1] <= 3:
            return f"\x1b[{col - cursor[1]}C"
        return f"\x1b[{row + 1};{col + 1}H"

    def _style_to(self, style: str, link: str) -> str:
        out = ""
        if link != self._out_link:
            if self._out_link:  # a link is open (or might be): close it
                out += "\x1b]8;;\x1b\\"
            if link:
                out += f"\x1b]8;{link.removeprefix('8;')}\x1b\\"
            self._out_link = link
        if style != self._out_style:
            out += f"\x1b[0;{style}m" if style else "\x1b[0m"
            self._out_style = style
        return out


class _Wire(Protocol):
    @property
    def size(self) -> Size: ...

    @property
    def _driver(self) -> Driver | None: ...


def install(app: _Wire, log_dir: Path | None = None) -> ScreenDiff | None:
    """Put the layer between ``app`` and its terminal (not for a headless app).

    ``log_dir``: also append what Textual sent to ``textual.out`` and what went to the
    terminal to ``terminal.out`` there (to check the layer against a terminal emulator).
    """
    driver = app._driver
    if driver is None or getattr(driver, "is_headless", False):
        return None
    size = app.size
    diff = ScreenDiff(size.width, size.height)
    write = driver.write
    logs = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        logs = (
            (log_dir / "textual.out").open("a", encoding="utf-8", errors="surrogateescape"),
            (log_dir / "terminal.out").open("a", encoding="utf-8", errors="surrogateescape"),
        )

    def filtered(data: str) -> None:
        now = app.size
        if (now.width, now.height) != (diff.width, diff.height):
            diff.reset(now.width, now.height)  # a resize: Textual repaints everything
        out = diff.process(data)
        if logs is not None:
            logs[0].write(data + FRAME_END)
            logs[1].write(out + FRAME_END)
            logs[0].flush()
            logs[1].flush()
        if out:
            write(out)

    driver.write = filtered  # type: ignore[method-assign]  # the driver's one output call
    return diff


FRAME_END = (
    "\x1b_hedra-frame\x1b\\"  # an APC string between frames in the logs (terminals ignore APC)
)
