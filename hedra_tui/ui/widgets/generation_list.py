"""The generations list: a virtual list on the Line API that draws only visible rows.

Rows are rendered into cached ``Strip`` objects keyed by everything that shows in
them (row version, width, cursor, ETA/age text), so a poll that changes five jobs
repaints five lines, and the once-a-second tick repaints only lines whose ETA or age
text actually changed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...state.derive import format_age
from ...state.marks import Marks
from ...state.store import Row, Store
from ..actions import bindings
from ..cells import (
    DEFAULT_COLUMNS,
    Column,
    bar,
    error_cell,
    eta_text,
    fit,
    layout,
    percent,
    status_cell,
)
from ..palette import GROUP_ICONS, Palette, status_icon

CACHE_SIZE = 2048
LOAD_MORE_MARGIN = 30
MARK = "●"  # in a gutter that exists while something is marked: the mark is a symbol, not a color
GUTTER = 2


class GenerationList(ScrollView, can_focus=True):
    """Newest-first list of generations with a keyboard cursor and a sticky header."""

    MOVE_ACTIONS = {
        "down": "cursor(1)",
        "up": "cursor(-1)",
        "top": "first",
        "bottom": "last",
        "page_down": "page(1)",
        "page_up": "page(-1)",
    }
    BINDINGS = [*bindings("move", MOVE_ACTIONS), *bindings("list")]

    DEFAULT_CSS = """
    GenerationList {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    class Highlighted(Message):
        """The cursor moved to another generation (or to none)."""

        def __init__(self, gen_id: str | None) -> None:
            super().__init__()
            self.gen_id = gen_id

    class Selected(Message):
        """Enter on a row: the user wants its details."""

        def __init__(self, gen_id: str) -> None:
            super().__init__()
            self.gen_id = gen_id

    class NeedMore(Message):
        """The cursor or the viewport came near the end of what is loaded."""

    class MarksChanged(Message):
        """A row was marked or unmarked, or a range mark started or ended."""

    class SortClicked(Message):
        """A click on a column title: sort by that column (again: the other way)."""

        def __init__(self, sort: str) -> None:
            super().__init__()
            self.sort = sort

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        stall_after: float,
        marks: Marks | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.clock = clock
        self.stall_after = stall_after
        self.marks = marks if marks is not None else Marks()
        self.mark_gutter = 0  # GUTTER while something is marked
        self.ids: Sequence[str] = store.order
        self.cursor = 0
        self.cursor_id: str | None = None
        self.palette: Palette | None = None
        self._palette_version = 0
        self._cache: OrderedDict[object, Strip] = OrderedDict()
        # screen line -> (head, cell keys) of what was drawn there, to refresh only what changed
        self._drawn: dict[int, tuple[tuple[object, ...], tuple[object, ...]]] = {}
        self._seen_version = -1
        self.columns: tuple[str, ...] = DEFAULT_COLUMNS
        self.sort_key = "created"
        self.descending = True
        self.money_title = "CR"  # "COST" on v3, where the column shows money
        self._layouts: dict[int, list[tuple[Column, int]]] = {}
        self._hold_more = False  # after G: no page is asked for until the cursor moves on

    # -- data ------------------------------------------------------------------------

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self._palette_version += 1
        self._cache.clear()
        self.refresh()

    def set_columns(self, keys: Sequence[str]) -> None:
        """Show these columns in this order (the layout still drops what does not fit)."""
        self.columns = tuple(keys)
        self._layouts.clear()
        self._cache.clear()
        self._drawn.clear()
        self.refresh()

    def set_sort(self, key: str, descending: bool) -> None:
        """The sort the view applies; its column title carries an arrow."""
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            self.refresh_line(0)

    def column_layout(self, width: int) -> list[tuple[Column, int]]:
        """The columns shown at ``width`` and their widths (Textual's ``layout`` is another
        thing: the arrangement of a widget's children)."""
        cols = self._layouts.get(width)
        if cols is None:
            cols = self._layouts[width] = layout(width - self.mark_gutter, self.columns)
        return cols

    def set_ids(self, ids: Sequence[str]) -> None:
        """Show these ids (a filtered/sorted view of the store), keeping the cursor's job."""
        self.ids = ids
        self._sync_order(force=True)

    def rows_changed(self, changed: set[str]) -> None:
        """Repaint what a poll changed: only visible lines of changed rows, unless rows moved."""
        if self._sync_order():
            return
        if changed:
            self._repaint_visible()

    def _sync_order(self, force: bool = False) -> bool:
        """Re-anchor the cursor after the order changed; True when a full repaint was made."""
        if not force and self._seen_version == self.store.version:
            return False
        self._seen_version = self.store.version
        old_cursor = self.cursor
        if self.cursor_id is not None:
            index = self._index_of(self.cursor_id)
            if index is not None:
                self.cursor = index
        self.cursor = max(0, min(self.cursor, len(self.ids) - 1))
        self.virtual_size = Size(self.size.width, self._virtual_height())
        if self.scroll_offset.y > 0 and self.cursor != old_cursor:
            # keep the view still around the cursor when rows arrive above it
            self.scroll_to(y=max(0, self.scroll_offset.y + self.cursor - old_cursor), animate=False)
        # announces only when the job under it changed; never asks for more by itself (a
        # short filtered list would otherwise pull in the whole history, page after page)
        self._set_cursor(self.cursor, prefetch=False)
        self.refresh()
        return True

    def _index_of(self, gen_id: str) -> int | None:
        if self.ids is self.store.order:
            return self.store.index_of(gen_id)
        try:
            return self.ids.index(gen_id)
        except ValueError:
            return None

    # -- ticking ----------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: repaint the cells whose time-dependent text (ETA, age) changed."""
        self._repaint_visible()

    def _repaint_visible(self) -> None:
        """Refresh what differs from what is on screen: whole lines, or single cells."""
        if self.palette is None:
            return
        now = self.clock()
        top = self._top_index()
        width = self.scrollable_content_region.width
        spans = self._spans(width)
        for line in range(1, self.size.height):
            index = top + line - 1
            if index >= len(self.ids):
                break
            drawn = self._drawn.get(line)
            if drawn is None:
                continue  # never drawn: the next full render paints it
            head, cells = self._state(index, width, now)
            if head != drawn[0]:
                self.refresh_line(line + self.scroll_offset.y)
                continue
            # Textual rewrites a line from its left edge to the end of the dirty region,
            # so one region up to the last changed cell costs the least
            end = 0
            for (x, w), old, new in zip(spans, drawn[1], cells, strict=True):
                if old != new:
                    end = x + w
            if end:
                self.refresh(Region(0, line, end, 1))

    # -- cursor -------------------------------------------------------------------------

    def _virtual_height(self) -> int:
        """The title line, the rows, and a last line saying more exist on the server."""
        return len(self.ids) + 1 + (0 if self.store.exhausted or not self.ids else 1)

    def _set_cursor(self, index: int, *, announce: bool = True, prefetch: bool = True) -> None:
        if not self.ids:
            self.cursor = 0
            if self.cursor_id is not None:
                self.cursor_id = None
                self.post_message(self.Highlighted(None))
            return
        index = max(0, min(index, len(self.ids) - 1))
        old = self.cursor
        self.cursor = index
        new_id = self.ids[index]
        changed = new_id != self.cursor_id
        self.cursor_id = new_id
        self._scroll_cursor_into_view()
        self.refresh_line(old + 1)
        self.refresh_line(index + 1)
        if changed and announce:
            self.post_message(self.Highlighted(new_id))
        if prefetch and not self.store.exhausted and index >= len(self.ids) - LOAD_MORE_MARGIN:
            self._hold_more = False
            self.post_message(self.NeedMore())

    def _scroll_cursor_into_view(self) -> None:
        visible = max(self.size.height - 1, 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self.cursor + delta)
        self._extend_range()

    def action_first(self) -> None:
        # a jump to the top asks for no older page, even where a short filtered list puts
        # the top near its end (each key typed into `/` would otherwise load a page)
        self._set_cursor(0, prefetch=False)
        self._extend_range()

    def action_last(self) -> None:
        """The last loaded row, with the line below it saying whether more exist; the next
        page loads when the cursor goes on down, not now (it would move the cursor's row
        up into the middle of the list)."""
        self._hold_more = True
        self._set_cursor(len(self.ids) - 1, prefetch=False)
        self.scroll_end(animate=False, immediate=True)
        self._extend_range()

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.cursor + direction * max(self.size.height - 2, 1))
        self._extend_range()

    # -- marks --------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        """Mark or unmark the row under the cursor, then move down (hold space to mark on)."""
        if self.cursor_id is None:
            return
        if self.marks.ranging:
            self.marks.end_range()
        self.marks.toggle(self.cursor_id)
        self.marks_changed()
        self._set_cursor(self.cursor + 1)

    def action_range_mark(self) -> None:
        """Start a range mark on the cursor's row (moving marks what it passes); again: end it."""
        if self.marks.ranging:
            self.marks.end_range()
        elif self.cursor_id is not None:
            self.marks.start_range(self.cursor_id)
        self.marks_changed()

    def _extend_range(self) -> None:
        marks = self.marks
        if marks.anchor is None:
            return
        marks.extend_range(self.ids, self._index_of(marks.anchor), self.cursor)
        self.marks_changed()

    def marks_changed(self) -> None:
        """Repaint after marks changed: the gutter appears with the first mark, goes with
        the last; the list's title counts them (the App listens)."""
        gutter = GUTTER if self.marks.ids else 0
        if gutter != self.mark_gutter:
            self.mark_gutter = gutter
            self._layouts.clear()
            self._cache.clear()
            self._drawn.clear()
        self.refresh()
        self.post_message(self.MarksChanged())

    def select_id(self, gen_id: str) -> bool:
        index = self._index_of(gen_id)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def action_select(self) -> None:
        if self.cursor_id is not None:
            self.post_message(self.Selected(self.cursor_id))

    async def _on_click(self, event: events.Click) -> None:
        line = event.y
        if line == 0:
            col = self._column_at(event.x)
            if col is not None and col.sort is not None:
                self.post_message(self.SortClicked(col.sort))
            return
        if line >= 1:
            self._set_cursor(self._top_index() + line - 1)
            self._extend_range()
        if event.chain >= 2 and self.cursor_id is not None:
            self.post_message(self.Selected(self.cursor_id))

    def _column_at(self, x: int) -> Column | None:
        width = self.scrollable_content_region.width
        for (col, _), (start, w) in zip(self.column_layout(width), self._spans(width), strict=True):
            if start <= x < start + w + 1:
                return col
        return None

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._hold_more:
            return  # G went to the end: the next page waits for the next move down
        if not self.store.exhausted and self._top_index() + self.size.height >= len(self.ids) - 5:
            self.post_message(self.NeedMore())

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self._virtual_height())
        self._cache.clear()
        self._layouts.clear()

    def on_focus(self) -> None:
        self.refresh_line(self.cursor + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor + 1)

    def visible_ids(self) -> list[str]:
        """The ids of the rows on screen, top to bottom."""
        top = self._top_index()
        return list(self.ids[top : top + max(self.size.height - 1, 0)])

    # -- rendering --------------------------------------------------------------------------

    def _top_index(self) -> int:
        return int(self.scroll_offset.y)

    def _spans(self, width: int) -> list[tuple[int, int]]:
        """(x, width) of each visible column."""
        out = []
        x = self.mark_gutter
        for _col, w in self.column_layout(width):
            out.append((x, w))
            x += w + 1
        return out

    def _state(
        self, index: int, width: int, now: datetime
    ) -> tuple[tuple[object, ...], tuple[object, ...]]:
        """What a line shows: a head (row, cursor, focus, theme, width) and one key per cell."""
        row = self.store.rows[self.ids[index]]
        head = (
            row.id,
            index == self.cursor,
            self.has_focus,
            self._palette_version,
            width,
            row.id in self.marks.ids,
            self.mark_gutter,
        )
        stalled = self.store.is_stalled(row, now, self.stall_after)
        return head, tuple(
            self._cell_key(row, col.key, w, now, stalled) for col, w in self.column_layout(width)
        )

    def _cell_key(self, row: Row, key: str, w: int, now: datetime, stalled: bool) -> object:
        if key == "status":
            store = self.store
            return (row.status_text, store.is_watched(row), row.id in store.ended_unseen)
        if key == "type":
            return row.type_text
        if key == "prompt":
            return row.prompt_text
        if key == "model":
            return self.store.model_label(row)
        if key == "progress":
            return (row.status, round(row.progress * w * 8))
        if key == "pct":
            return (row.status, percent(row.progress))
        if key == "eta":
            return eta_text(row, now, stalled=stalled)
        if key == "age":
            return format_age(row.created, now)
        if key == "credits":
            return row.cost_text
        if key == "error":
            return (row.error_text, row.error_group, row.status, row.reason_code)
        if key == "created":
            return row.created
        if key == "id":
            return row.id_text
        return None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self.palette is None or width <= 0:
            return Strip.blank(width, Style())
        if y == 0:
            return self._header(width)
        index = self._top_index() + y - 1
        if index >= len(self.ids):
            self._drawn.pop(y, None)
            if index == len(self.ids) and self.ids and not self.store.exhausted:
                return self._more_line(width)
            return Strip.blank(width, Style())
        now = self.clock()
        key = self._state(index, width, now)
        self._drawn[y] = key
        strip = self._cache.get(key)
        if strip is None:
            row = self.store.rows[self.ids[index]]
            strip = self._render_row(row, width, key[0][1], now, marked=key[0][5])
            self._cache[key] = strip
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return strip

    def _header(self, width: int) -> Strip:
        assert self.palette is not None
        style = self.palette.header
        gutter = self.mark_gutter
        segments: list[Segment] = [Segment(" " * gutter, style)] if gutter else []
        for i, (col, w) in enumerate(self.column_layout(width)):
            if i:
                segments.append(Segment(" ", style))
            title = self.money_title if col.key == "credits" else col.title
            if col.sort == self.sort_key and self._arrow_column(col):
                title += self._arrow(col)
            title = title.rjust(w) if col.right else title
            segments.append(Segment(fit(title, w), style))
        return Strip(segments).adjust_cell_length(width, Style())

    def _more_line(self, width: int) -> Strip:
        assert self.palette is not None
        text = "⋯ more on the server: ↓ loads the next page, L loads all"
        return Strip([Segment(fit(text, width), self.palette.muted)])

    def _arrow_column(self, col: Column) -> bool:
        """The one column that carries the sort arrow (AGE for the creation time, % for
        progress, unless they are not shown)."""
        shown = [c for c, _ in self.column_layout(self.scrollable_content_region.width)]
        for c in shown:
            if c.sort == self.sort_key:
                return c is col
        return False

    def _arrow(self, col: Column) -> str:
        """▲ when the column's values grow down the list, ▼ when they shrink. Newest first
        means the ages grow: AGE▲."""
        growing = not self.descending
        if col.key == "age":
            growing = not growing  # a later creation time is a smaller age
        return "▲" if growing else "▼"

    def _render_row(
        self, row: Row, width: int, is_cursor: object, now: datetime, *, marked: object = False
    ) -> Strip:
        palette = self.palette
        assert palette is not None
        stalled = self.store.is_stalled(row, now, self.stall_after)
        eta = eta_text(row, now, stalled=stalled)
        age = format_age(row.created, now)
        base = Style()
        if is_cursor:
            base = palette.cursor if self.has_focus else palette.cursor_blurred
        status_style = palette.for_status(row.status)
        segments: list[Segment] = []
        if self.mark_gutter:
            mark = MARK if marked else " "
            style = base + palette.header if marked else base
            segments.append(Segment(mark.ljust(self.mark_gutter), style))
        for i, (col, w) in enumerate(self.column_layout(width)):
            cell = self._cell(row, col, w, status_style, eta, age, base)
            if i:
                # the gap takes the next cell's style: runs of one style then merge, and
                # every style switch is an escape sequence written over the wire
                segments.append(Segment(" ", cell[0].style))
            segments.extend(cell)
        return Strip(segments).simplify().adjust_cell_length(width, base)

    def _cell(
        self,
        row: Row,
        col: Column,
        w: int,
        status_style: Style,
        eta: object,
        age: object,
        base: Style,
    ) -> list[Segment]:
        palette = self.palette
        assert palette is not None
        key = col.key
        if key == "status":
            watched = self.store.is_watched(row)  # watched jobs (and batches) carry a star
            unseen = row.id in self.store.ended_unseen  # ended while no monitor was open
            icon = status_icon(row.status)
            text = status_cell(icon, row.status, row.status_text, watched, w, unseen=unseen)
            return [Segment(text, base + status_style)]
        if key == "type":
            return [Segment(fit(row.type_text, w), base)]
        if key == "prompt":
            return [Segment(fit(row.prompt_text, w), base)]
        if key == "model":
            return [Segment(fit(self.store.model_label(row), w), base + palette.muted)]
        if key == "progress":
            if row.status == "error" or not (row.in_flight or row.status == "complete"):
                return [Segment(" " * w, base)]
            done, todo = bar(row.progress, w)
            return [Segment(done, base + status_style), Segment(todo, base + palette.bar_todo)]
        if key == "pct":
            text = percent(row.progress) if row.in_flight or row.status == "complete" else ""
            return [Segment(text.rjust(w)[:w], base)]
        if key == "eta":
            style = base + palette.stalled if eta == "stalled?" else base
            return [Segment(fit(str(eta), w), style)]
        if key == "age":
            return [Segment(str(age).rjust(w)[:w], base + palette.muted)]
        if key == "credits":
            return [Segment(fit(row.cost_text.rjust(w), w), base)]
        if key == "created":
            text = f"{row.created:%m-%d %H:%M}" if row.created is not None else "?"
            return [Segment(fit(text, w), base + palette.muted)]
        if key == "id":
            return [Segment(fit(row.id_text[:w], w), base + palette.muted)]
        if key == "error":
            # an error object on a finished-ok job (the doc example has one) is shown in the
            # detail pane only; the list column is for jobs that failed or look wrong
            if row.error_code is None or row.status == "complete":
                return [Segment(" " * w, base)]
            icon = GROUP_ICONS.get(row.error_group, "?") if row.error_group else "?"
            code = row.error_code or ""
            text = error_cell(icon, code, row.error_text, row.reason_code, w)
            return [Segment(text, base + palette.for_group(row.error_group))]
        return [Segment(" " * w, base)]
