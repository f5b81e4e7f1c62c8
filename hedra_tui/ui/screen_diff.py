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
The monitor's own pictures do not go through a frame: they are written beside it
(``write_raw``), and the layer tells their painter when it wrote over one (``watched``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from operator import ne
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rich._unicode_data import load as load_cell_table  # the table rich.cells reads
from rich.cells import get_character_cell_size
from textual import events
from textual.driver import Driver
from textual.geometry import Size
from textual.message import Message

if TYPE_CHECKING:
    from .link import Link

# a run of unchanged cells this short is written again rather than jumped over: a cursor
# move costs ~6-8 bytes
GAP_MAX = 4
# moved blocks of rows: by how many rows (tried in this order), how many changed rows a
# frame needs before moves are looked for, how many rows must be exact moved copies, and
# what a move costs in cells (its escape sequences, ~20 bytes, and a margin)
SHIFTS = (1, -1, 2, -2, 3, -3)
SHIFT_MIN_ROWS = 3
SHIFT_MIN_VOTES = 2
SHIFT_COST = 24
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
_BLANK: Cell = (" ", "", "", False)


_SINGLE_RANGES = ((0x20, 0x7E), (0xA0, 0x482), (0x2010, 0x2BFF))


def _single_cells() -> frozenset[str]:
    """Characters one cell wide, known without asking for each (Latin, Greek, Cyrillic,
    punctuation, arrows, symbols, box drawing, blocks, shapes, Braille): what
    ``get_character_cell_size`` says, read from rich's table of the code points that are
    not one cell wide (asking for each of the ~8,000 took ~9 ms of every start)."""
    others: set[int] = set()
    for start, end, width in load_cell_table("auto").widths:
        if width != 1:
            for low, high in _SINGLE_RANGES:
                others.update(range(max(start, low), min(end, high) + 1))
    return frozenset(
        chr(c) for low, high in _SINGLE_RANGES for c in range(low, high + 1) if c not in others
    )


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


def _best_region(
    changed: list[int], n: int, rows: dict[int, Row], grid: list[Row], width: int
) -> tuple[int, int, int] | None:
    """The block of consecutive changed rows where moving the shown rows by ``n`` (down when
    positive) saves the most cells: (cells saved, top, bottom), or None when none saves more
    than the move costs. A cell counts one (most are one byte; a style change costs more)."""
    runs: list[list[int]] = []
    for y in changed:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    m = abs(n)
    best: tuple[int, int, int] | None = None
    for run in runs:
        size = len(run)
        if size < max(m + 1, 2):
            continue
        first, end = run[0], run[-1]
        plain = [sum(map(ne, rows[y], grid[y])) for y in run]
        moved = [sum(map(ne, rows[y], grid[y - n])) if first <= y - n <= end else 0 for y in run]
        p_sum = [0]
        m_sum = [0]
        for a, b in zip(plain, moved, strict=True):
            p_sum.append(p_sum[-1] + a)
            m_sum.append(m_sum[-1] + b)
        for i in range(size):
            for j in range(max(i + m, i + 1), size):
                # down: rows i..i+m-1 come in blank, i+m..j are moved; up: i..j-m moved
                kept = m_sum[j + 1] - m_sum[i + m] if n > 0 else m_sum[j - m + 1] - m_sum[i]
                gain = p_sum[j + 1] - p_sum[i] - (SHIFT_COST + m * width + kept)
                if gain > 0 and (best is None or gain > best[0]):
                    best = (gain, run[i], run[j])
    return best


class ScreenDiff:
    """Turns Textual's frames into the changed cells; one instance per terminal.

    ``hold``: take frames without sending their cells; :meth:`flush` later sends what they
    changed, merged (a cell that changed twice is sent once, a cell changed and changed back
    not at all). The link sets it while the terminal has not yet shown what was sent.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.grid: list[Row] = []  # what the terminal shows (after what we wrote)
        # what the terminal is in after what we wrote
        self._out_style = ""
        self._out_link = ""
        self._out_cursor: tuple[int, int] | None = None
        # what Textual believes (its stream's state)
        self._in_style: list[str] = []
        self._in_link = ""
        self._in_cursor: tuple[int, int] | None = None
        # taken, not yet sent: the rows Textual changed (as it sees them), the spans it wrote,
        # and the rows where it wrote a wide character
        self.hold = False
        self._pending: dict[int, Row] = {}
        self._pending_spans: dict[int, list[tuple[int, int]]] = {}
        self._pending_wide: set[int] = set()
        self.bytes_in = 0
        self.bytes_out = 0
        self.shifts = 0  # blocks of rows moved by the terminal (scroll region + IL/DL)
        self.link: Link | None = None  # the pacing, once installed
        # a picture painted over blank cells (iTerm2, Sixel: ui/graphics_overlay.py): its
        # rectangle (top, left, bottom, right; exclusive ends), and whether any of its cells
        # were written since it was painted (the picture is then partly gone)
        self.watched: tuple[int, int, int, int] | None = None
        self.watch_hit = False
        self.write_raw: Callable[[str], None] | None = None  # to the terminal, not a frame
        self.after_update: Callable[[], None] | None = None  # called once cells went out
        self.reset(width, height)

    def reset(self, width: int, height: int) -> None:
        """Forget the screen (a resize, or something this layer cannot follow)."""
        self.width, self.height = width, height
        self.grid = [[None] * width for _ in range(height)]
        self.watch_hit = True
        self._out_cursor = None
        self._in_cursor = None
        self._pending, self._pending_spans, self._pending_wide = {}, {}, set()

    @property
    def pending(self) -> bool:
        """Frames were taken whose changes are not sent yet."""
        return bool(self._pending) or (
            self._in_cursor is not None and self._in_cursor != self._out_cursor
        )

    # -- the frame ------------------------------------------------------------------

    def process(self, data: str) -> str:
        """What to write to the terminal instead of ``data`` (with ``hold``: only what
        does not wait, e.g. a bell; the cells follow with :meth:`flush`)."""
        self.bytes_in += len(data)
        out = "" if self.hold else self._flush_pending()
        try:
            out += self._process(data)
        except Desync:
            out += self._flush_pending() + data  # what was held first, then the frame as is
            self.reset(self.width, self.height)
            self._out_style = "?"  # unknown: the next styled cell says its style in full
            self._out_link = "?"
            self._in_style = []
            self._in_link = ""
        self.bytes_out += len(out)
        return out

    def flush(self) -> str:
        """What the held frames changed, as one update."""
        out = self._flush_pending()
        self.bytes_out += len(out)
        return out

    def _process(self, data: str) -> str:
        # the rows this frame writes to: a copy of each, and the spans written in it
        rows: dict[int, Row] = {}
        spans: dict[int, list[tuple[int, int]]] = {}
        order: list[str] = []  # output pieces in order: cells flushed, then passed-through
        hold = self.hold
        pending, pending_spans, grid = self._pending, self._pending_spans, self.grid
        # where Textual's stream has the cursor (unknown after a pass-through: text before
        # the frame's first cursor move is then not followed)
        known = self._in_cursor is not None
        row, col = self._in_cursor or (0, 0)
        moved = False
        wide_rows = set(self._pending_wide)  # rows where a wide character was written
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
                    base = pending.get(row)
                    line = rows[row] = list(grid[row] if base is None else base)
                    spans[row] = list(pending_spans.get(row, ()))
                n = len(text)
                if _SINGLE.issuperset(text):
                    if col + n > width:
                        raise Desync
                    if row in wide_rows and any(
                        c is not None and c[3] for c in line[col : col + n]
                    ):
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
                    if row in wide_rows and any(
                        c is not None and c[3] for c in line[col : col + size]
                    ):
                        raise Desync
                    line[col] = (ch, style, in_link, size == 2)
                    if size == 2:
                        line[col + 1] = (_CONTINUATION, style, in_link, True)
                        wide_rows.add(row)
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
                    if hold:
                        if params != "?2026":  # nothing is drawn now: no frame to bracket
                            order.append(m.group(0))
                        continue
                    # the cells so far go first, in their place
                    pending.update(rows)
                    pending_spans.update(spans)
                    self._pending_wide = wide_rows
                    rows, spans = {}, {}
                    order.append(self._flush_pending(place_cursor=False))
                    pending, pending_spans = self._pending, self._pending_spans
                    wide_rows = set()
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
        pending.update(rows)
        pending_spans.update(spans)
        self._pending_wide = wide_rows
        self._in_style, self._in_link = in_style, in_link
        if moved:
            in_bounds = 0 <= row < height and 0 <= col <= width
            self._in_cursor = (row, col) if in_bounds else None
        if not hold:
            order.append(self._flush_pending())
        return "".join(order)

    def _flush_pending(self, place_cursor: bool = True) -> str:
        """Bring the terminal up to what Textual believes it shows."""
        rows, spans = self._pending, self._pending_spans
        self._pending, self._pending_spans, self._pending_wide = {}, {}, set()
        out = self._flush(rows, spans) if rows else ""
        cursor = self._in_cursor
        if place_cursor and cursor is not None and cursor != self._out_cursor:
            out += f"\x1b[{cursor[0] + 1};{cursor[1] + 1}H"  # the cursor where Textual left it
            self._out_cursor = cursor
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
        grid = self.grid
        out: list[str] = []
        if len(rows) >= SHIFT_MIN_ROWS:
            out.append(self._shift(rows, spans))
        watched = self.watched
        for r in sorted(rows):
            line, old = rows[r], grid[r]
            cols = self._changed(line, old, spans[r])
            if (
                watched is not None
                and watched[0] <= r < watched[2]
                and any(watched[1] <= c < watched[3] for c in cols)
            ):
                self.watch_hit = True
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

    # -- rows that moved: the terminal moves them itself ---------------------------------

    def _shift(self, rows: dict[int, Row], spans: dict[int, list[tuple[int, int]]]) -> str:
        """When a block of rows is what the terminal already shows a few rows higher or lower
        (a job arrived at the top of the list, or the list scrolled one line), let the
        terminal move them: a scroll region and insert/delete-line (~20 bytes) instead of
        rewriting every row. Decided by the cells each way would write; our copy of the
        screen moves the same way, and the rows are then brought up to date as usual."""
        grid, width = self.grid, self.width
        changed = [y for y in sorted(rows) if rows[y] != grid[y] and None not in rows[y]]
        if len(changed) < SHIFT_MIN_ROWS:
            return ""
        best: tuple[int, int, int, int] | None = None  # (cells saved, n, top, bottom)
        for n in SHIFTS:
            votes = sum(1 for y in changed if 0 <= y - n < self.height and rows[y] == grid[y - n])
            if votes < SHIFT_MIN_VOTES:
                continue
            found = _best_region(changed, n, rows, grid, width)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], n, found[1], found[2])
        if best is None:
            return ""
        _gain, n, top, bottom = best
        watched = self.watched
        if watched is not None and top < watched[2] and watched[0] <= bottom:
            return ""  # a painted picture would move with the rows, out of its cells
        out = self._style_to("", "") if self._out_style or self._out_link else ""
        out += f"\x1b[{top + 1};{bottom + 1}r\x1b[{top + 1};1H"  # the region, its first row
        count = "" if abs(n) == 1 else str(abs(n))
        out += f"\x1b[{count}L" if n > 0 else f"\x1b[{count}M"
        out += "\x1b[r"  # the whole screen again (the cursor goes home: where is not assumed)
        self._out_cursor = None
        block = grid[top : bottom + 1]
        # lines come in blank, in the default style (it was set above): known cells
        blank: list[Row] = [[_BLANK] * width for _ in range(abs(n))]
        moved = blank + block[: len(block) - n] if n > 0 else block[-n:] + blank
        for y in range(top, bottom + 1):
            if y not in rows:
                rows[y] = list(grid[y])  # Textual believes it holds what it held
            spans[y] = [(0, width)]  # every cell may now differ from what is shown
        grid[top : bottom + 1] = moved
        self.shifts += 1
        return out

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


# what a person does: the screen's answer to it goes out as soon as the link is free
_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp, events.Paste)


def install(
    app: _Wire, log_dir: Path | None = None, *, low_bandwidth: bool = False
) -> ScreenDiff | None:
    """Put the layer between ``app`` and its terminal (not for a headless app), paced by
    the terminal's answers (see ``ui/link.py``); ``low_bandwidth``: slow-link pacing from
    the start.

    ``log_dir``: also append what Textual sent to ``textual.out`` and what went to the
    terminal to ``terminal.out`` there (to check the layer against a terminal emulator): a
    record per frame, ended by FRAME_END, or HELD_END on the terminal's side where the
    frame's cells were held for a later update.
    """
    from .link import PROBE, Link

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

    def send(out: str) -> None:
        if logs is not None:
            logs[1].write(out)
        write(out)
        if out is not PROBE and diff.after_update is not None:
            diff.after_update()  # a painted picture: paint it again if cells went over it

    link = Link(diff, send, low_bandwidth=low_bandwidth)
    loop = asyncio.get_running_loop()

    def filtered(data: str) -> None:
        now = app.size
        if (now.width, now.height) != (diff.width, diff.height):
            diff.reset(now.width, now.height)  # a resize: Textual repaints everything
        link.frame(data)
        if diff.after_update is not None and not diff.pending:
            diff.after_update()  # also when the frame changed no cell (the picture's blanks)
        if logs is not None:
            logs[0].write(data + FRAME_END)
            logs[1].write(HELD_END if diff.pending else FRAME_END)
            logs[0].flush()
            logs[1].flush()

    process = driver.process_message

    def incoming(message: Message) -> None:  # in the driver's input thread
        if isinstance(message, events.CursorPosition):
            # ours: the app never asks in full screen (the loop may be closed at exit)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(link.answered)
            return
        if isinstance(message, _INPUT):
            link.key()
        process(message)

    def raw(out: str) -> None:  # graphics: straight to the terminal (see ui/graphics_overlay)
        if logs is not None:
            logs[1].write(out)
        write(out)

    diff.write_raw = raw
    driver.write = filtered  # type: ignore[method-assign]  # the driver's one output call
    driver.process_message = incoming  # type: ignore[method-assign]  # and its one input call
    diff.link = link
    return diff


# between records in the logs: APC strings (terminals ignore APC)
FRAME_END = "\x1b_hedra-frame\x1b\\"
HELD_END = "\x1b_hedra-held\x1b\\"
