"""The detail pane: summary of the highlighted generation, its progress and its full JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from ...state.derive import format_duration
from ...state.detail import JobDetail, job_detail
from ...state.store import NEWS_FRESH, Row, Store
from ..cells import eta_text
from ..palette import GROUP_ICONS, Palette, status_icon
from .json_tree import JsonTree
from .key_scroll import KeyScroll
from .picture import Picture
from .status import TextLine
from .still_bar import StillProgressBar


def progress_text(
    row: Row, store: Store, palette: Palette, now: datetime, stall_after: float
) -> Text:
    """One line that changes by itself over time: progress, ETA countdown, stall mark."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not (row.in_flight or row.status == "complete"):
        return text
    stalled = store.is_stalled(row, now, stall_after)
    eta = eta_text(row, now, stalled=stalled)
    if eta:
        text.append("ETA ", style="dim")
        text.append(eta, style=palette.stalled if stalled else "")
        if row.eta_at is not None and not stalled:
            text.append(f" (at {row.eta_at:%H:%M}Z)", style="dim")  # minutes: a still line
    if stalled:
        # measured as the stall is: up to the API's last word on this job, said since when
        idle = store.no_progress_for(row, now)
        text.append(f"  no progress for {format_duration(idle)}", style="dim")
        if (now - row.confirmed_at).total_seconds() > NEWS_FRESH:
            text.append(f" as of {row.confirmed_at:%H:%M:%S}Z", style="dim")
    return text


def summary_text(detail: JobDetail, palette: Palette) -> Text:
    """Everything a person asks about one job, as plain ``Text`` (never markup). Every string
    in ``detail`` is already safe (``state/detail.py``): this only lays it out."""
    text = Text(no_wrap=False, overflow="fold")

    def field(label: str, value: str, style: str | Style = "") -> None:
        text.append(f"{label} ", style="dim")
        text.append(value, style=style)
        text.append("  ")

    field("id", detail.id)
    text.append("\n")
    field(
        "status",
        f"{status_icon(detail.status)} {detail.status_text}",
        palette.for_status(detail.status),
    )
    field("type", detail.type)
    if detail.model:
        field("model", detail.model)
    text.append("\n")
    if detail.credits is not None:
        field("credits", detail.credits)
    elif detail.cost is not None:
        field("cost", detail.cost)  # v3: money
    if detail.created is not None:
        field("created", detail.created)
    text.append("\n")
    err = detail.error
    if err is not None:
        style = palette.for_group(err.group)
        icon = GROUP_ICONS.get(err.group, "?") if err.group else "?"
        group = err.group.value if err.group else ""
        text.append(f"{icon} {err.code}", style=style)
        if err.reason:
            text.append(f" / {err.reason}", style=style)
        text.append(f"  [{group}]", style="dim")
        if err.advice != group:  # "[retry later] retry later" would say it twice
            text.append(f" {err.advice}", style="italic")
        text.append("\n")
        if err.message:
            text.append(err.message + "\n")
        if err.param:
            field("param", err.param)
        if err.credits_needed is not None or err.credits_available is not None:
            need = "?" if err.credits_needed is None else str(err.credits_needed)
            have = "?" if err.credits_available is None else str(err.credits_available)
            field("credits needed", f"{need} / available {have}")
        if err.param or err.credits_needed is not None or err.credits_available is not None:
            text.append("\n")
        for violation in err.violations:
            text.append(f"  • {violation.field}: ", style="bold")
            text.append(f"{violation.message}\n")
    outputs = detail.outputs
    full = detail.full
    with_url = [(i, out) for i, out in enumerate(outputs) if out.url]
    shown = list(enumerate(outputs)) if full else with_url[:1]
    for index, out in shown:
        name = "asset" if len(outputs) == 1 else f"output {index + 1}/{len(outputs)}"
        text.append(f"{name} ", style="dim")
        if out.kind and full:
            text.append(f"{out.kind} ", style="dim")
        if out.url:
            # a terminal hyperlink (OSC 8) where the URL is safe to embed; plain otherwise
            text.append(out.url, style=Style(link=out.link, underline=True) if out.link else "")
        else:
            text.append("no URL", style="dim")
        if not full and len(outputs) > 1:
            text.append(f"  +{len(outputs) - 1} more (z)", style="dim")
        text.append("\n")
    if detail.prompt:
        text.append("prompt ", style="dim")
        text.append(detail.prompt)
        text.append("\n")
    if detail.logs:  # v3: the job's lifecycle log, newest last
        if full:  # the whole log, a line per event under a heading
            text.append(f"log: {detail.log_count} events, newest last", style="dim")
        else:
            text.append("log", style="dim")
        for index, event in enumerate(detail.logs):
            first = index == 0 and not full
            text.append(" " if first else "\n    ", style="dim")
            text.append(f"{event.stamp} ", style="dim")
            text.append(event.event, style=palette.for_status("error") if event.error else "")
            text.append(" " + event.message, style="dim")
        text.append("\n")
    if detail.issues:
        text.append(f"⚠ {detail.issue_count} field(s) did not match the spec: ", style="dim")
        text.append(detail.issues, style="dim")
    text.rstrip()
    return text


LOG_LINES = 3  # v3 log lines in the summary, newest last (the tree holds them all)
SHORT_PANE = 14  # below this height the summary shows one log line


class DetailPane(Vertical):
    """Summary, progress bar and JSON tree of one generation.

    Zoomed (``z``: the screen maximizes this pane), it is the full-screen job: the summary
    becomes a scrollable text with every output and URL and the whole log, above the tree.
    """

    DEFAULT_CSS = """
    DetailPane { height: 1fr; }
    DetailPane > #detail-summary { height: auto; max-height: 12; padding: 0 1; }
    DetailPane > #detail-text { display: none; height: auto; max-height: 50%; padding: 0 1; }
    DetailPane.-maximized > #detail-summary { display: none; }
    DetailPane.-maximized > #detail-text { display: block; }
    DetailPane #detail-progress-row { height: 1; padding: 0 1; }
    DetailPane #detail-eta { height: 1; width: 44; margin-left: 1; }
    DetailPane ProgressBar { height: 1; width: auto; }
    DetailPane ProgressBar.-hidden { display: none; }
    DetailPane > JsonTree { height: 1fr; }
    """

    # the picture's room: at the pane's right, the whole height, this share of the width
    # share of the width, leaving the text at least TEXT_MIN columns (an id, whole)
    PICTURE_SHARE = 0.4
    PICTURE_SHARE_ZOOMED = 0.5
    TEXT_MIN = 44

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
        self.gen_id: str | None = None
        self._shown: tuple[object, ...] | None = None
        self._summary_lines = -1
        self._tree_of: tuple[str, bytes] | None = None
        self.zoomed = False
        self._bar: ProgressBar | None = None
        # the owner shows the row's picture: (row, columns, rows of room)
        self.on_picture: Callable[[Row | None, int, int], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Select a generation (j/k), enter to inspect.", style="dim"), id="detail-summary"
        )
        with KeyScroll(id="detail-text"):
            yield Static(id="detail-full")
        yield Picture(id="detail-picture")
        with Horizontal(id="detail-progress-row"):
            # the progress bar is mounted when a job first needs it (see _progress_bar)
            yield TextLine(id="detail-eta")
        yield JsonTree(id="detail-tree")

    def _progress_bar(self, eta_line: TextLine, *, create: bool) -> ProgressBar | None:
        """The job's progress bar, mounted (before ``eta_line``) the first time a job needs
        one when ``create``: a ProgressBar and its parts cost ~15 ms to mount, and the first
        frame shows no job yet."""
        if self._bar is None and create:
            row = self.query_one("#detail-progress-row")
            if not row.is_attached:  # the screen is being torn down
                return None
            if not row.is_mounted:  # a job shown while the pane itself is still mounting
                self.call_after_refresh(self.refresh_detail)
                return None
            # never woken by a timer: Textual's bar redraws an ETA not shown here every second
            self._bar = StillProgressBar(total=100, show_eta=False, id="detail-progress")
            row.mount(self._bar, before=eta_line)
        return self._bar

    def on_mount(self) -> None:
        # z, esc or the palette maximize and restore through the screen: follow it
        self.watch(self.screen, "maximized", self._on_maximized, init=False)

    def _on_maximized(self, maximized: object) -> None:
        zoomed = maximized is self
        if zoomed != self.zoomed:
            self.zoomed = zoomed
            self._shown = None
            self._summary_lines = -1  # the other text shows now: lay it out
            self.refresh_detail()

    def on_resize(self) -> None:
        self.refresh_picture()

    def picture_room(self) -> tuple[int, int]:
        """Columns and rows the picture may take at the pane's size now."""
        region = self.content_region
        share = self.PICTURE_SHARE_ZOOMED if self.zoomed else self.PICTURE_SHARE
        cols = min(int(region.width * share), region.width - self.TEXT_MIN) - 2  # its padding
        rows = region.height - 1  # under its caption
        return max(cols, 0), max(rows, 0)

    def refresh_picture(self) -> None:
        if self.on_picture is None:
            return
        row = self.store.get(self.gen_id) if self.gen_id else None
        cols, rows = self.picture_room()
        self.on_picture(row, cols, rows)

    def show(self, gen_id: str | None) -> None:
        self.gen_id = gen_id
        self.refresh_detail()

    def refresh_detail(self) -> None:
        """Repaint from the store; a no-op when nothing visible changed."""
        if self.palette is None:
            return
        row = self.store.get(self.gen_id) if self.gen_id else None
        now = self.clock()
        summary = self.query_one("#detail-full" if self.zoomed else "#detail-summary", Static)
        eta_line = self.query_one("#detail-eta", TextLine)
        tree = self.query_one(JsonTree)
        if row is None:
            key: tuple[object, ...] = (None,)
            if key != self._shown:
                self._shown = key
                summary.update(Text("Select a generation (j/k), enter to inspect.", style="dim"))
                if bar := self._progress_bar(eta_line, create=False):
                    bar.add_class("-hidden")
                eta_line.set_text(Text())
                self.refresh_picture()
            return
        line = progress_text(row, self.store, self.palette, now, self.stall_after)
        eta_line.set_text(line)
        # a short pane keeps room for the progress bar: the newest log line only
        log_lines = LOG_LINES if self.size.height >= SHORT_PANE else 1
        detail = job_detail(row, self.store, now, log_lines=log_lines, full=self.zoomed)
        text = summary_text(detail, self.palette)
        key = (row.id, self.zoomed, text.plain)  # repaint only when what it says changed
        if key != self._shown:
            self._shown = key
            # lay the screen out again only when the summary's height changes
            width = max(summary.content_region.width, 1)
            lines = len(text.wrap(self.app.console, width))
            summary.update(text, layout=lines != self._summary_lines)
            self._summary_lines = lines
        shown = row.in_flight or row.status == "complete"
        if bar := self._progress_bar(eta_line, create=shown):
            bar.set_class(not shown, "-hidden")
            progress = round(row.progress * 100, 1)
            if bar.progress != progress:
                bar.update(total=100, progress=progress)
        if (row.id, row.blob) != self._tree_of:  # the JSON changes only with the row's data
            self._tree_of = (row.id, row.blob)
            tree.show(row.id, f"generation {row.id}", row.raw, expand=("input", "error", "asset"))
        self.refresh_picture()
