"""Live progress panel: a bar and an ETA per job in flight; finished jobs linger briefly."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...state.store import Row, Store
from ..cells import bar, eta_text, fit, percent
from ..palette import Palette, status_icon

LINGER_SECONDS = 10.0
BAR_WIDTH = 20
# where the live cells of a line end: ETA, percentage, then the bar (+ its width)
CELL_ENDS = (3 + 8, 3 + 8 + 6, 3 + 8 + 6)


class InFlightPanel(ScrollView):
    """One line per job in flight (newest first), then the just-finished ones."""

    DEFAULT_CSS = """
    InFlightPanel { height: 8; overflow-x: hidden; scrollbar-size-vertical: 1; }
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        stall_after: float,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        self.stall_after = stall_after
        self.palette: Palette | None = None
        self.lines: list[str] = []
        self._drawn: dict[int, tuple[tuple[object, ...], tuple[object, ...]]] = {}
        self._lingering: dict[str, datetime] = {}
        self._max_lines = 6

    @property
    def max_lines(self) -> int:
        return self._max_lines

    @max_lines.setter
    def max_lines(self, value: int) -> None:
        # a fixed height: resizing the panel as jobs come and go would relayout the screen
        self._max_lines = value
        self.styles.height = value + 2

    def note_finished(self, ids: set[str]) -> None:
        now = self.clock()
        for gen_id in ids:
            self._lingering[gen_id] = now

    def update_rows(self) -> None:
        """Recompute which jobs are listed; repaint only lines whose content changed.

        Lines are slot-stable: a job keeps its line while it is in flight and while it
        lingers after finishing, and a new job takes the line of one that left, so the
        panel does not scroll (and repaint) every time a job arrives or ends.
        """
        now = self.clock()
        for gen_id, at in list(self._lingering.items()):
            if (now - at).total_seconds() > LINGER_SECONDS:
                del self._lingering[gen_id]
        active = self.store.in_flight_ids()
        keep = set(active) | set(self._lingering)
        placed = set(self.lines)
        newcomers = [i for i in reversed(active) if i not in placed]  # oldest first
        lines = list(self.lines)
        index = 0
        while index < len(lines):
            if lines[index] in keep:
                index += 1
            elif newcomers:
                lines[index] = newcomers.pop(0)  # a new job takes the freed line
                index += 1
            else:
                # move the last line up into the hole rather than shifting every line below
                last = lines.pop()
                if index < len(lines):
                    lines[index] = last
        lines.extend(newcomers)
        if lines != self.lines:
            old = self.lines
            self.lines = lines
            # the virtual height changes only past the visible lines (a change relayouts)
            height = max(math.ceil(len(lines) / 10) * 10, self.size.height)
            if height != self.virtual_size.height:
                self.virtual_size = Size(self.size.width, height)
            for index in range(max(len(lines), len(old))):
                a = old[index] if index < len(old) else None
                b = lines[index] if index < len(lines) else None
                if a != b:
                    self.refresh_line(index)
        self.tick()

    def tick(self) -> None:
        """Repaint lines whose job changed, or only the ETA cell when just the countdown moved."""
        now = self.clock()
        width = self.scrollable_content_region.width
        top = int(self.scroll_offset.y)
        for y in range(self.size.height):
            index = top + y
            if index >= len(self.lines):
                break
            drawn = self._drawn.get(y)
            if drawn is None:
                continue
            head, cells = self._key(self.lines[index], now, width)
            if head != drawn[0]:
                self.refresh_line(index)
            elif cells != drawn[1]:
                # Textual rewrites a line from its left edge to the last dirty cell anyway:
                # mark up to the last cell that changed (ETA, percentage or bar)
                pairs = enumerate(zip(cells, drawn[1], strict=True))
                last = max(i for i, (a, b) in pairs if a != b)
                ends = (CELL_ENDS[0], CELL_ENDS[1], CELL_ENDS[2] + self._bar_width(width))
                self.refresh(Region(0, y, ends[last], 1))

    def visible_ids(self) -> list[str]:
        """The jobs whose lines are on screen (none while the panel is hidden): their
        progress bars move, so they count as on screen for what the poller asks."""
        if not self.display:
            return []
        top = int(self.scroll_offset.y)
        return self.lines[top : top + self.size.height]

    @staticmethod
    def _bar_width(width: int) -> int:
        return BAR_WIDTH if width >= 70 else 10

    def _key(
        self, gen_id: str, now: datetime, width: int
    ) -> tuple[tuple[object, ...], tuple[object, ...]]:
        """A line's head (job, status, width, theme) and its live cells (ETA, %, bar)."""
        row = self.store.rows.get(gen_id)
        if row is None:
            return (gen_id,), ()
        stalled = self.store.is_stalled(row, now, self.stall_after)
        head = (gen_id, row.status, row.prompt_text, width, stalled, id(self.palette))
        bar_w = self._bar_width(width)
        cells = (
            eta_text(row, now, stalled=stalled),
            percent(row.progress),
            round(row.progress * bar_w * 8),
        )
        return head, cells

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        palette = self.palette
        if palette is None or index >= len(self.lines):
            self._drawn.pop(y, None)
            if not self.lines and y == 0 and palette is not None:
                return Strip([Segment(fit(" nothing in flight", width), palette.muted)])
            return Strip.blank(width, Style())
        gen_id = self.lines[index]
        row = self.store.rows.get(gen_id)
        now = self.clock()
        key = self._key(gen_id, now, width)
        self._drawn[y] = key
        if row is None:
            return Strip.blank(width, Style())
        return self._render_row(row, width, key[1][0] if key[1] else "", palette)

    def _render_row(self, row: Row, width: int, eta: object, palette: Palette) -> Strip:
        # icon, ETA and percentage first: the countdown repaints only the line's first cells
        style = palette.for_status(row.status)
        bar_w = self._bar_width(width)
        icon = Segment(f" {status_icon(row.status)} ", style)
        if row.in_flight:
            done, todo = bar(row.progress, bar_w)
            eta_style = palette.stalled if eta == "stalled?" else Style()
            live = [
                Segment(f"{eta!s:>8}", eta_style),
                Segment(f" {percent(row.progress)} ", Style()),
                Segment(done, style),
                Segment(todo, palette.bar_todo),
            ]
        else:
            word = "done" if row.status == "complete" else (row.error_text or row.status_text)
            live = [Segment(fit(word, 8 + 6 + bar_w), style)]
        head = f"  {row.type_text[:6]:<6} "
        used = 3 + 8 + 6 + bar_w + len(head)
        prompt = fit(row.prompt_text or row.id_text, max(width - used, 4))
        return Strip(
            [icon, *live, Segment(head, palette.muted), Segment(prompt, Style())]
        ).adjust_cell_length(width)
