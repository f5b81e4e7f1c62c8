"""Live progress panel: a bar and an ETA per job in flight; finished jobs linger briefly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...state.store import Row, Store
from ..cells import bar, eta_text, fit, percent
from ..palette import Palette, status_icon

LINGER_SECONDS = 10.0
BAR_WIDTH = 20


class InFlightPanel(ScrollView):
    """One line per job in flight (newest first), then the just-finished ones."""

    DEFAULT_CSS = """
    InFlightPanel { height: auto; max-height: 10; overflow-x: hidden; scrollbar-size-vertical: 1; }
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
        self._drawn: dict[int, tuple[object, ...]] = {}
        self._lingering: dict[str, datetime] = {}
        self.max_lines = 6

    def note_finished(self, ids: set[str]) -> None:
        now = self.clock()
        for gen_id in ids:
            self._lingering[gen_id] = now

    def update_rows(self) -> None:
        """Recompute which jobs are listed; repaint only lines whose content changed."""
        now = self.clock()
        for gen_id, at in list(self._lingering.items()):
            if (now - at).total_seconds() > LINGER_SECONDS:
                del self._lingering[gen_id]
        active = self.store.in_flight_ids()
        done = sorted(self._lingering, key=lambda i: self._lingering[i], reverse=True)
        lines = active + [i for i in done if i not in active]
        if lines != self.lines:
            grew = len(lines) != len(self.lines)
            self.lines = lines
            self.virtual_size = Size(self.size.width, len(lines))
            if grew:
                self.styles.height = min(len(lines), self.max_lines) + 2 if lines else 3
            self.border_title = f"In flight: {len(active)}" + (
                f" · finished {len(done)}" if done else ""
            )
            self.refresh()
        else:
            self.tick()

    def tick(self) -> None:
        now = self.clock()
        width = self.scrollable_content_region.width
        top = int(self.scroll_offset.y)
        for y in range(self.size.height):
            index = top + y
            if index >= len(self.lines):
                break
            if self._drawn.get(y) != self._key(self.lines[index], now, width):
                self.refresh_line(index)

    def _key(self, gen_id: str, now: datetime, width: int) -> tuple[object, ...]:
        row = self.store.rows.get(gen_id)
        if row is None:
            return (gen_id,)
        stalled = self.store.is_stalled(row, now, self.stall_after)
        return (gen_id, row.version, width, eta_text(row, now, stalled=stalled), stalled)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        palette = self.palette
        if palette is None or index >= len(self.lines):
            self._drawn.pop(y, None)
            if not self.lines and y == 0 and palette is not None:
                return Strip([Segment(fit(" nothing in flight", width), palette.muted)])
            return Strip.blank(width)
        gen_id = self.lines[index]
        row = self.store.rows.get(gen_id)
        now = self.clock()
        key = self._key(gen_id, now, width)
        self._drawn[y] = key
        if row is None:
            return Strip.blank(width)
        return self._render(row, width, key[3] if len(key) > 3 else "", palette)

    def _render(self, row: Row, width: int, eta: object, palette: Palette) -> Strip:
        style = palette.for_status(row.status)
        bar_w = BAR_WIDTH if width >= 70 else 10
        if row.in_flight:
            done, todo = bar(row.progress, bar_w)
            tail = f" {percent(row.progress)} {eta!s:>8} "
            right = [
                Segment(done, style),
                Segment(todo, palette.bar_todo),
                Segment(tail, palette.stalled if eta == "stalled?" else Style()),
            ]
        else:
            word = "done" if row.status == "complete" else (row.error_text or row.status_text)
            right = [Segment(fit(f"{status_icon(row.status)} {word}", bar_w + 15), style)]
        used = sum(len(s.text) for s in right)
        head = f"{status_icon(row.status)} {row.type_text[:6]:<6} "
        prompt_w = max(width - used - len(head) - 1, 4)
        left = [Segment(head, style), Segment(fit(row.prompt_text or row.id, prompt_w))]
        return Strip([*left, Segment(" "), *right]).adjust_cell_length(width)
