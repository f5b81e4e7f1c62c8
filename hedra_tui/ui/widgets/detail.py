"""The detail pane: summary of the highlighted generation, its progress and its full JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from ...api.sanitize import display, safe_link
from ...state.derive import advice_for, format_age, format_duration, parse_time, prompt_of
from ...state.store import NEWS_FRESH, Row, Store
from ..cells import eta_text
from ..palette import GROUP_ICONS, Palette, status_icon
from .json_tree import JsonTree
from .key_scroll import KeyScroll
from .status import TextLine


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


def outputs_of(row: Row) -> list[tuple[str, str | None]]:
    """(kind, URL or None) of every output: a v3 job's ``outputs`` (there can be several),
    else the v2 asset's URL. Raw values: the caller sanitizes what it shows."""
    raw = row.raw
    outputs = raw.get("outputs") if isinstance(raw, dict) and "job_id" in raw else None
    if isinstance(outputs, list):
        found: list[tuple[str, str | None]] = []
        for out in outputs:
            if isinstance(out, dict):
                kind, url = out.get("content_type"), out.get("url")
                found.append(
                    (kind if isinstance(kind, str) else "", url if isinstance(url, str) else None)
                )
        return found
    url = row.gen.asset.best_url if row.gen.asset is not None else None
    return [("", url)] if url else []


def summary_text(
    row: Row,
    store: Store,
    palette: Palette,
    now: datetime,
    log_lines: int = 3,
    *,
    full: bool = False,
) -> Text:
    """Everything a person asks about one job, as plain ``Text`` (never markup).

    ``log_lines`` is how many of the newest v3 log lines to show. ``full`` is the zoomed
    job: every output with its URL, the whole log, long texts cut much later.
    """
    cut = 20 if full else 1  # how much longer texts may be in the full view
    gen = row.gen
    text = Text(no_wrap=False, overflow="fold")

    def field(label: str, value: str, style: str | object = "") -> None:
        text.append(f"{label} ", style="dim")
        text.append(value, style=style)  # type: ignore[arg-type]
        text.append("  ")

    field("id", row.id_text)
    text.append("\n")
    field("status", f"{status_icon(row.status)} {row.status_text}", palette.for_status(row.status))
    field("type", row.type_text)
    model = store.model_label(row)
    if model:
        field("model", model)
    text.append("\n")
    if row.credits is not None:
        field("credits", row.cost_text)
    elif row.cost_text:
        field("cost", row.cost_text)  # v3: money
    if row.created is not None:
        field("created", f"{row.created:%Y-%m-%d %H:%M:%S}Z ({format_age(row.created, now)} ago)")
    text.append("\n")
    if row.error_code is not None:
        style = palette.for_group(row.error_group)
        icon = GROUP_ICONS.get(row.error_group, "?") if row.error_group else "?"
        group = row.error_group.value if row.error_group else ""
        text.append(f"{icon} {row.error_text}", style=style)
        if row.reason_code:
            text.append(f" / {display(row.reason_code, max_len=40)}", style=style)
        text.append(f"  [{group}]", style="dim")
        advice = advice_for(row.error_code, row.reason_code)
        if advice != group:  # "[retry later] retry later" would say it twice
            text.append(f" {advice}", style="italic")
        text.append("\n")
        err = gen.error
        message = err.message if err is not None else (gen.error_message or "")
        if message:
            text.append(display(message, multiline=True, max_len=1000 * cut) + "\n")
        if err is not None:
            if err.param:
                field("param", display(err.param, max_len=80))
            if err.credits_needed is not None or err.credits_available is not None:
                need = "?" if err.credits_needed is None else str(err.credits_needed)
                have = "?" if err.credits_available is None else str(err.credits_available)
                field("credits needed", f"{need} / available {have}")
            if err.param or err.credits_needed is not None or err.credits_available is not None:
                text.append("\n")
            for violation in (err.violations or [])[: 10 * cut]:
                where = display(violation.get("field", "?"), max_len=60)
                what = display(violation.get("message", ""), max_len=200)
                text.append(f"  • {where}: ", style="bold")
                text.append(f"{what}\n")
    outputs = outputs_of(row)
    with_url = [(i, kind, url) for i, (kind, url) in enumerate(outputs) if url]
    shown = list(enumerate(outputs)) if full else [(i, (k, u)) for i, k, u in with_url[:1]]
    for index, (kind, url) in shown:
        name = "asset" if len(outputs) == 1 else f"output {index + 1}/{len(outputs)}"
        text.append(f"{name} ", style="dim")
        if kind and full:
            text.append(f"{display(kind, max_len=40)} ", style="dim")
        if url:
            link = safe_link(url)
            # a terminal hyperlink (OSC 8) where the URL is safe to embed; plain otherwise
            text.append(
                display(url, max_len=200 * cut),
                style=Style(link=link, underline=True) if link else "",
            )
        else:
            text.append("no URL", style="dim")
        if not full and len(outputs) > 1:
            text.append(f"  +{len(outputs) - 1} more (z)", style="dim")
        text.append("\n")
    if row.prompt_text:
        text.append("prompt ", style="dim")
        # the list's prompt text is cut short; the full view reads the whole prompt
        text.append(display(prompt_of(gen) if full else row.prompt_text, max_len=600 * cut))
        text.append("\n")
    raw = gen.raw
    logs = raw.get("logs") if isinstance(raw, dict) else None
    if isinstance(logs, list) and logs:  # v3: the job's lifecycle log, newest last
        lines = [item for item in (logs if full else logs[-log_lines:]) if isinstance(item, dict)]
        if full:  # the whole log, a line per event under a heading
            text.append(f"log: {len(lines)} events, newest last", style="dim")
        else:
            text.append("log", style="dim")
        for index, item in enumerate(lines):
            when = parse_time(item.get("timestamp"))
            stamp = f"{when:%H:%M:%S}" if when is not None else "--:--:--"
            first = index == 0 and not full
            text.append(" " if first else "\n    ", style="dim")
            text.append(f"{stamp} ", style="dim")
            level = item.get("level")
            style = palette.for_status("error") if level == "error" else ""
            text.append(display(item.get("event") or "?", max_len=24), style=style)
            message = display(item.get("message") or "", max_len=120 * cut)
            text.append(" " + message, style="dim")
        text.append("\n")
    if gen.parse_issues:
        text.append(f"⚠ {len(gen.parse_issues)} field(s) did not match the spec: ", style="dim")
        text.append(display("; ".join(gen.parse_issues), max_len=300), style="dim")
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

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Select a generation (j/k), enter to inspect.", style="dim"), id="detail-summary"
        )
        with KeyScroll(id="detail-text"):
            yield Static(id="detail-full")
        with Horizontal(id="detail-progress-row"):
            yield ProgressBar(total=100, show_eta=False, id="detail-progress", classes="-hidden")
            yield TextLine(id="detail-eta")
        yield JsonTree(id="detail-tree")

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
        bar = self.query_one("#detail-progress", ProgressBar)
        tree = self.query_one(JsonTree)
        if row is None:
            key: tuple[object, ...] = (None,)
            if key != self._shown:
                self._shown = key
                summary.update(Text("Select a generation (j/k), enter to inspect.", style="dim"))
                bar.add_class("-hidden")
                eta_line.set_text(Text())
            return
        line = progress_text(row, self.store, self.palette, now, self.stall_after)
        eta_line.set_text(line)
        # a short pane keeps room for the progress bar: the newest log line only
        log_lines = LOG_LINES if self.size.height >= SHORT_PANE else 1
        text = summary_text(row, self.store, self.palette, now, log_lines, full=self.zoomed)
        key = (row.id, self.zoomed, text.plain)  # repaint only when what it says changed
        if key != self._shown:
            self._shown = key
            # lay the screen out again only when the summary's height changes
            width = max(summary.content_region.width, 1)
            lines = len(text.wrap(self.app.console, width))
            summary.update(text, layout=lines != self._summary_lines)
            self._summary_lines = lines
        bar.set_class(not (row.in_flight or row.status == "complete"), "-hidden")
        progress = round(row.progress * 100, 1)
        if bar.progress != progress:
            bar.update(total=100, progress=progress)
        if (row.id, row.blob) != self._tree_of:  # the JSON changes only with the row's data
            self._tree_of = (row.id, row.blob)
            tree.show(row.id, f"generation {row.id}", row.raw, expand=("input", "error", "asset"))
