"""The downloads panel: the queue's overall progress on one line, then one line per file
being fetched. Shown only while something downloads; redrawn at most four times a second."""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ...state.downloads import DownloadItem, DownloadQueue
from ..cells import bar, fit

REDRAW_EVERY = 0.25
MAX_FILE_LINES = 3


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(n, 0) // 1024} KB"


def overall_line(queue: DownloadQueue, cancel_key: str, width: int) -> Text:
    """``⬇ 2 of 5 files ████···· 40% · 1 failed · ctrl+x cancel``: pieces drop whole."""
    s = queue.summary()
    counted = s.total - s.cancelled
    done = s.done + s.failed
    head = f"⬇ {done:,} of {counted:,} files"
    pct = f"{round(s.fraction * 100):3d}%"
    extras = []
    if s.failed:
        extras.append(f"{s.failed:,} failed")
    retrying = sum(1 for i in s.active if i.state == "retrying")
    if retrying:
        extras.append(f"{retrying:,} retrying")
    cancel = f"{cancel_key} cancel"
    tail = "".join(f" · {e}" for e in extras) + f" · {cancel}"
    room = width - cell_len(head) - cell_len(pct) - cell_len(tail) - 3
    if room < 6:  # no bar; then no extras; the cancel key stays while it fits
        tail = f" · {cancel}"
        room = width - cell_len(head) - cell_len(pct) - cell_len(tail) - 3
    text = Text(head + " ")
    if room >= 6:
        filled, todo = bar(s.fraction, min(room, 30))
        text.append(filled, Style(bold=True))
        text.append(todo, Style(dim=True))
        text.append(" ")
    text.append(pct)
    if cell_len(text.plain + tail) <= width:
        text.append(tail)
    return text


def file_line(item: DownloadItem, width: int) -> Text:
    """``  ▸ 20261118-0613_Character-3_fox….mp4 ████···· 40% 26 KB``, or why it waits."""
    if item.state == "retrying":
        right = f" ↻ retry {item.attempts}: {item.error}"
        icon = "  ↻ "
    elif item.received == 0 and item.total is None:
        right = " waiting for the server"
        icon = "  ▸ "
    else:
        pct = f"{round(item.fraction * 100):3d}%"
        right = f" {pct} {size_text(item.received)}"
        icon = "  ▸ "
    bar_w = 10 if width >= 70 and item.state != "retrying" else 0
    name_w = width - cell_len(icon) - cell_len(right) - (bar_w + 1 if bar_w else 0)
    if name_w < 8:
        right = ""
        name_w = width - cell_len(icon)
    text = Text(icon + fit(item.name, max(name_w, 1)))
    if bar_w:
        filled, todo = bar(item.fraction, bar_w)
        text.append(" ")
        text.append(filled, Style(bold=True))
        text.append(todo, Style(dim=True))
    text.append(right)
    text.truncate(width)
    return text


class DownloadsPanel(Widget):
    """Progress of the download queue (its text is file names: never markup)."""

    DEFAULT_CSS = """
    DownloadsPanel { height: auto; max-height: 5; padding: 0 1; display: none; }
    DownloadsPanel.-shown { display: block; }
    """

    def __init__(self, queue: DownloadQueue, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.queue = queue
        self.cancel_key = "ctrl+x"
        self._dirty = False

    def on_mount(self) -> None:
        # runs only while the panel is shown: an idle monitor wakes for nothing
        self._timer = self.set_interval(REDRAW_EVERY, self._redraw_if_changed, pause=True)

    def show(self) -> None:
        self.add_class("-shown")
        self._dirty = True
        self._timer.resume()
        self._redraw_if_changed()

    def hide(self) -> None:
        self.remove_class("-shown")
        self._timer.pause()

    def note_change(self) -> None:
        self._dirty = True

    def _redraw_if_changed(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.refresh(layout=True)

    def render(self) -> Text:
        width = max(self.size.width, 20)
        lines = [overall_line(self.queue, self.cancel_key, width)]
        active = self.queue.summary().active
        for item in active[:MAX_FILE_LINES]:
            lines.append(file_line(item, width))
        if len(active) > MAX_FILE_LINES:
            lines.append(Text(f"  … {len(active) - MAX_FILE_LINES:,} more"))
        return Text("\n").join(lines)
