"""A picture painted over cells (iTerm2, Sixel): the widget reserves blank cells, and after
each update the terminal got, this paints the picture over them, but only when it is not
there yet: the first time, when it moved or changed, or when the changed-cells layer wrote
over one of its cells (a toast that went away, a dialog closed, a resize). Covered (a toast,
another screen on top), it is not painted. A picture that goes away or moves has its old
cells forgotten by the layer and repainted by Textual, so no pixels are left behind.

Terminals draw these pictures on the cells' own grid, so rows the layer would move with a
scroll region are not moved while a picture is on them (see ``ScreenDiff._shift``).
Without the changed-cells layer (``raw_output``) there is no telling what was written over a
picture: the monitor then draws half-blocks instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.geometry import Region

from .screen_diff import ScreenDiff

Rect = tuple[int, int, int, int]  # top, left, bottom, right (exclusive ends)


@dataclass(frozen=True)
class Target:
    """Where the picture is to be, which one it is, its escape string, and whether it can be
    seen whole now (not covered, not on a screen below another)."""

    rect: Rect
    key: object
    payload: str
    visible: bool


class Overlay:
    """Paints one picture for one terminal (see the module's text)."""

    def __init__(
        self,
        diff: ScreenDiff,
        write: Callable[[str], None],
        repaint: Callable[[Region], None],
    ) -> None:
        self.diff = diff
        self._write = write
        self._repaint = repaint
        self.target: Callable[[], Target | None] | None = None
        self.painted: tuple[Rect, object] | None = None
        # for the tests and the curious
        self.paints = 0
        self.bytes = 0

    def check(self) -> None:
        """After an update went to the terminal: paint the picture if it is not there."""
        target = self.target() if self.target is not None else None
        diff = self.diff
        if target is None:
            if self.painted is not None:
                self._forget(self.painted[0])
            diff.watched = None
            return
        if self.painted is not None and self.painted != (target.rect, target.key):
            # moved or another picture: the old cells are written again first, then the new
            # picture is painted after that update (else it would be written over at once)
            self._forget(self.painted[0])
            diff.watched = target.rect
            diff.watch_hit = True
            return
        diff.watched = target.rect
        if not target.visible:
            return
        top, left, bottom, right = target.rect
        if top < 0 or left < 0 or right > diff.width or bottom >= diff.height:
            return  # off the screen, or on its last row (a Sixel there scrolls the screen)
        if self.painted is not None and not diff.watch_hit:
            return  # there, untouched
        out = f"\x1b7\x1b[{top + 1};{left + 1}H{target.payload}\x1b8"
        self._write(out)
        self.painted = (target.rect, target.key)
        diff.watch_hit = False
        self.paints += 1
        self.bytes += len(out)

    def _forget(self, rect: Rect) -> None:
        """The picture at ``rect`` is gone: its cells are unknown to the layer, and Textual
        draws them again (text written over a picture's cells replaces it)."""
        self.painted = None
        top, left, bottom, right = rect
        grid = self.diff.grid
        top, bottom = max(top, 0), min(bottom, len(grid))
        left, right = max(left, 0), min(right, self.diff.width)
        if top >= bottom or left >= right:
            return
        for row in grid[top:bottom]:
            row[left:right] = [None] * (right - left)
        self._repaint(Region(left, top, right - left, bottom - top))
