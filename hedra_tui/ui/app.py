"""The monitor App: composes the panes, owns the poll workers, routes messages.

Workers fetch, widgets render: the poll loop (``Poller.run`` in one exclusive async worker)
updates the store and posts each cycle's report as a :class:`PollReport` message; live
stream changes come as :class:`LiveUpdate` messages, at most once a second. The handlers
tell each widget what changed; widgets never talk to the API. What the backend can do is
read from ``backend.capabilities``; the selected job's copy/open/download/export live in
``asset_actions.py``, the header's facts are computed in ``state/header.py``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Container, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer

from ..api.backend import Backend, WebhookDelivery
from ..api.errors import APIStatusError, HedraError
from ..api.models import Generation
from ..api.sanitize import display
from ..state.activity import activity
from ..state.batches import batch_progress, watched_progress
from ..state.budget import Budget
from ..state.derive import format_age
from ..state.downloads import DEFAULT_CONCURRENCY, DEFAULT_RETRIES, DownloadQueue
from ..state.filters import ServerFilters
from ..state.header import Ledger, header_facts
from ..state.history import HistoryDB
from ..state.marks import Marks, Targets, targets
from ..state.naming import DEFAULT_TEMPLATE
from ..state.notify_command import NotifyRunner, batch_event, job_event
from ..state.poller import Poller
from ..state.reports import CycleReport, LiveChanges
from ..state.resubmit import DEFAULT_CAP, Item, Phase, Plan, plan_for, prepare, send
from ..state.stats import Stats
from ..state.stats import compute as compute_stats
from ..state.store import Store, utcnow
from ..state.view import View
from .actions import BY_ID, COMMANDS, Command, bindings, keys_in_force
from .cells import BY_KEY, DEFAULT_COLUMNS
from .hangup import install_exit_handlers
from .messages import LiveUpdate, PollReport
from .palette import Palette
from .preview import Previews
from .screen_diff import ScreenDiff
from .screen_diff import install as install_screen_diff
from .widgets.detail import DetailPane
from .widgets.downloads import DownloadsPanel
from .widgets.filter_bar import FilterBar
from .widgets.generation_list import GenerationList
from .widgets.inflight import InFlightPanel
from .widgets.json_tree import JsonTree
from .widgets.status import (
    FitLine,
    activity_line,
    banner_line,
    batch_piece,
    budget_piece,
    count_pieces,
    money_piece,
    state_piece,
    status_line,
)

if TYPE_CHECKING:
    from ..state.errors_view import ErrorBucket
    from ..state.head_start import HeadStart
    from .asset_actions import AssetActions  # imported when first used
    from .screens.resubmit import ResubmitScreen  # imported when first used
    from .screens.webhooks import WebhooksScreen

WIDE = 150
SHORT = 30
# with nothing in flight (nothing counts down) the tick wakes every 5 s, and redraws only
# when an age on screen or the header's minute has rolled over
IDLE_TICK_EVERY = 5.0
LOAD_ALL_REDRAW = 0.5  # seconds between screen updates while L loads the history
SINCE_SHOWN_FOR = 30.0  # "since last run" stays at least this long, then a key puts it away


class HedraApp(App[int]):
    """hedra-tui: live monitor of Hedra generations."""

    CSS_PATH = "app.tcss"
    TITLE = "hedra-tui"
    ENABLE_COMMAND_PALETTE = True

    # from the one table that also writes help and palette
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("app"))
    # zoomed, a pane keeps the status line (is the data live, since when), the banner, a
    # download's progress and the footer; the activity strip, the in-flight panel and the
    # other pane give way
    ALLOW_IN_MAXIMIZED_VIEW = "#status, #banner, #download, Footer"
    # esc is "back" (app.list), not Textual's "minimize first": in a zoomed list with the
    # filter bar open, esc closes the bar before it ends the zoom
    ESCAPE_TO_MINIMIZE = False

    def __init__(
        self,
        backend: Backend,
        *,
        interval: float = 5.0,
        stall_after: float = 180.0,
        credits_every: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
        source: str = "",
        filters: ServerFilters | None = None,
        autopoll: bool = True,
        export_dir: str | Path | None = None,
        download_dir: str | Path | None = None,
        download_name: str = DEFAULT_TEMPLATE,
        download_concurrency: int = DEFAULT_CONCURRENCY,
        download_retries: int = DEFAULT_RETRIES,
        max_streams: int = 4,
        notify: str = "watched",
        bell: bool = False,
        notify_command: str | None = None,
        notify_timeout: float = 10.0,
        secrets: Sequence[str] = (),
        theme: str | None = None,
        on_theme: Callable[[str], None] | None = None,
        keymap: dict[str, str] | None = None,
        columns: Sequence[str] | None = None,
        on_columns: Callable[[tuple[str, ...]], str | None] | None = None,
        warnings: Iterable[str] = (),
        loading: str = "loading…",
        rate_share: float | None = None,
        rate_cap: float | None = None,
        low_bandwidth: bool = False,
        raw_output: bool = False,
        history: HistoryDB | None = None,
        resubmit_max: int = DEFAULT_CAP,
        head_start: HeadStart | None = None,
        after_first_frame: Callable[[], None] | None = None,
        preview: bool = True,
        preview_max_bytes: int = 8_000_000,
        graphics: str = "auto",
    ) -> None:
        super().__init__()
        self.start_warnings = list(warnings)  # about the settings: toasted once the screen is up
        self.history = history  # the local history (None: turned off)
        self.first_load_label = loading  # in the list's title until the first cycle reports
        self.backend = backend
        self.caps = backend.capabilities  # what the backend can do: the UI asks nothing else
        self.clock = clock
        self.stall_after = stall_after
        self.source = display(source, max_len=60)
        self.store = Store(clock=clock)
        self.view = View(self.store)
        self.notify_mode = notify
        self.ring_bell = bell
        # the command run for each ending that toasts; the key is kept out of its environment
        self.notifier = (
            NotifyRunner(
                notify_command,
                timeout=notify_timeout,
                secrets=secrets,
                on_problem=lambda message: self.toast(message, severity="warning"),
            )
            if notify_command
            else None
        )
        self.unseen = 0  # jobs that ended since the user last pressed a key
        self._on_theme = on_theme
        self.columns = tuple(k for k in (columns or DEFAULT_COLUMNS) if k in BY_KEY)
        self.columns = self.columns or DEFAULT_COLUMNS
        self._on_columns = on_columns  # saves a chosen set; returns where (or None)
        if keymap:
            self.set_keymap(keymap)  # every binding has an id, so the config can rebind it
        if theme and theme in self.available_themes:
            self.theme = theme
        self.export_dir = Path(export_dir) if export_dir else Path.cwd()
        # downloads go where the setting says (else with the exports); the download dialog
        # may change it for the rest of the session
        self.download_dir = Path(download_dir).expanduser() if download_dir else self.export_dir
        self.download_name = download_name
        self.downloads = DownloadQueue(
            concurrency=download_concurrency,
            retries=download_retries,
            on_change=self._downloads_changed,
        )
        self.marks = Marks()
        self.downloads_panel: DownloadsPanel | None = None
        self.poller = Poller(
            backend,
            self.store,
            interval=interval,
            credits_every=credits_every,
            filters=filters,
            clock=clock,
            max_streams=max_streams,
            # its share of the key's rate limit (neither given: no budget of its own)
            budget=Budget(rate_share, rate_cap),
            history=history,
            head_start=head_start,
        )
        self.ledger = Ledger(backend.name, money=self.caps.money)
        self._assets: AssetActions | None = None
        self.webhook_page = 50  # webhook deliveries asked for at a time (W)
        self.previews = Previews(
            self, enabled=preview, max_bytes=preview_max_bytes, graphics=graphics
        )
        self.autopoll = autopoll
        self.palette = Palette.from_variables(self.get_css_variables(), dark=True)
        self.cycles = 0
        self._wake = asyncio.Event()
        self._first_load_done = False
        self._loading_older = False
        self._ticks = 0
        self._ticked_at: datetime | None = None  # the time-dependent text is as of then
        self._tick_timer: Timer | None = None
        self._tick_idle = False  # the tick timer is the slow one
        self._loading_label: tuple[str, str] = ("", "")  # long and short forms
        self._was_failing = False
        self._inflight_choice: bool | None = None  # the user's f, once pressed
        self.low_bandwidth = low_bandwidth
        self.raw_output = raw_output
        self.screen_diff: ScreenDiff | None = None
        self._since_shown_at: float | None = None  # "since last run" went up then (monotonic)
        self._history_error_told = False
        self._since_told = False
        self.resubmit_max = resubmit_max  # a group resubmit sends at most this many jobs
        self.resubmit_plan: Plan | None = None  # the one resubmit open or under way
        self._after_first_frame = after_first_frame

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # each line is laid out for its own width when drawn, and repaints only when the
        # facts it shows change
        yield FitLine(id="status")
        yield FitLine(id="activity")
        yield FitLine(id="banner")
        self.downloads_panel = DownloadsPanel(self.downloads, id="download")
        yield self.downloads_panel
        with Container(id="main"):
            with Vertical(id="list-pane"):
                yield GenerationList(
                    self.store,
                    clock=self.clock,
                    stall_after=self.stall_after,
                    marks=self.marks,
                    id="list",
                )
                yield FilterBar(id="filter")
            yield DetailPane(
                self.store, clock=self.clock, stall_after=self.stall_after, id="detail"
            )
        yield InFlightPanel(
            self.store, clock=self.clock, stall_after=self.stall_after, id="inflight"
        )
        yield Footer()

    @property
    def assets(self) -> AssetActions:
        """The selected job's copy, open, download and export."""
        if self._assets is None:
            from .asset_actions import AssetActions

            self._assets = AssetActions(self)
        return self._assets

    @property
    def list_view(self) -> GenerationList:
        return self.query_one(GenerationList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def inflight(self) -> InFlightPanel:
        return self.query_one(InFlightPanel)

    def on_mount(self) -> None:
        # only the cells that changed go to the terminal (see ui/screen_diff.py), paced by
        # what the terminal has shown (ui/link.py); raw_output: Textual's own output
        wire_log = os.environ.get("HEDRA_TUI_WIRE_LOG")
        if not self.raw_output:
            self.screen_diff = install_screen_diff(
                self, Path(wire_log) if wire_log else None, low_bandwidth=self.low_bandwidth
            )
        self.previews.start()  # how pictures are drawn: knows the output layer now
        self._apply_palette()
        self.query_one("#list-pane").border_title = f"Generations · {escape(self.first_load_label)}"
        self.query_one("#list-pane").border_subtitle = self.source
        self.query_one("#detail").border_title = "Detail"
        self.detail.on_picture = self.previews.update
        self.inflight.border_title = "In flight"
        self.list_view.set_columns(self.columns)
        if self.caps.money:
            self.list_view.money_title = "COST"  # v3 jobs cost money, not credits
        self.list_view.focus()
        self._layout_for(self.size.width, self.size.height)
        self.watch(self, "theme", self._on_theme_change, init=False)
        install_exit_handlers(self.exit)  # the terminal went away: exit, do not linger
        self._schedule_tick(1.0)
        seeded = self.poller.seed()  # the local history first: rows before the API answers
        if seeded:
            self.apply_changes(seeded)
        self._update_header()
        if first := self.poller.prime():  # read while the App was built: in the first frame
            self.apply_changes(first)
        if self.autopoll:
            self.poll_loop()
        self.live_loop()  # stream frames, and a first load's first page before the load ends
        self._show_start_warnings()
        if self._after_first_frame is not None:
            self.call_after_refresh(self._after_first_frame)

    async def on_unmount(self) -> None:
        self.previews.close()  # Kitty: the pictures sent are freed in the terminal
        if self.notifier is not None:
            await self.notifier.aclose()
        await self.poller.close()
        await self.backend.aclose()

    def on_resize(self, event: events.Resize) -> None:
        # the event carries the new size; ``self.size`` may still hold the old one here
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        """The layout is a function of the size alone (plus the user's own ``f`` choice).

        The classes go on the App, not on ``self.screen``: a resize while a dialog is open
        must still lay out the monitor underneath.
        """
        self.set_class(width >= WIDE, "-wide")
        short = height < SHORT
        self.set_class(short, "-short")
        panel = self.inflight
        panel.max_lines = 4 if short else 6
        # on a short terminal the list matters most: the in-flight panel is hidden there
        # unless the user asked for it with f (that choice holds at every size)
        show = self._inflight_choice if self._inflight_choice is not None else not short
        if panel.display != show:
            panel.display = show
            if show:
                panel.update_rows()

    def _on_theme_change(self) -> None:
        self._apply_palette()
        if self._on_theme is not None:
            self._on_theme(self.theme)  # remembered for the next start

    def _apply_palette(self) -> None:
        self.palette = Palette.from_variables(
            self.get_css_variables(), dark=self.current_theme.dark
        )
        self.list_view.set_palette(self.palette)
        self.detail.palette = self.palette
        self.detail._shown = None
        self.detail.refresh_detail()
        self.inflight.palette = self.palette
        self.inflight.refresh()
        self._update_header()

    # -- polling ------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="poll", name="poller")
    async def poll_loop(self) -> None:
        while True:
            try:
                async for report in self.poller.run(self._wake):
                    self.post_message(PollReport(report))
            except Exception as exc:  # a bug must not stop the monitor: show it, go on
                self.log.error(f"poll loop error: {exc!r}")
                self.poller.health.error = f"internal error: {display(repr(exc), max_len=120)}"
                self._update_header()
                await asyncio.sleep(self.poller.interval)

    @work(exclusive=True, exit_on_error=False, group="live", name="live")
    async def live_loop(self) -> None:
        """Changes between cycles (live stream frames: several a second per job; the first
        page of a first load), gathered by the poller and posted at most once a second."""
        async for changes in self.poller.live_changes():
            self.post_message(LiveUpdate(changes))

    def on_poll_report(self, message: PollReport) -> None:
        if self.is_running:  # a report that arrives while the app shuts down is dropped
            self.show_report(message.report)

    def on_live_update(self, message: LiveUpdate) -> None:
        if self.is_running:
            self.show_live(message.changes)

    def show_report(self, report: CycleReport) -> None:
        """What a poll cycle changed, on every widget; a toast when the API fails or recovers."""
        self.cycles += 1
        failing = report.error is not None
        if failing and not self._was_failing:
            self.toast(f"API error: {self.poller.health.error}", severity="error")
        elif not failing and self._was_failing:
            self.toast("Connection restored")
        self._was_failing = failing
        journal = self.poller.journal
        if journal is not None:
            if journal.ended and journal.settled and not self._since_told:
                self._since_told = True
                self._since_shown_at = self.poller.monotonic()
            if journal.error and not self._history_error_told:
                self._history_error_told = True
                self.toast(journal.error, severity="warning")
        self.apply_changes(report.changed, report.finished)

    def show_live(self, changes: LiveChanges) -> None:
        self.apply_changes(set(changes.changed), changes.finished)

    def _show_start_warnings(self) -> None:
        """A warning never stops the monitor; it stays up longer than a toast, to be read."""
        for warning in self.start_warnings:
            self.notify(display(warning, max_len=500), markup=False, severity="warning", timeout=15)

    def toast(self, message: str, *, severity: SeverityLevel = "information") -> None:
        """A notification whose text is never parsed as markup and never carries controls."""
        self.notify(display(message, max_len=300), markup=False, severity=severity)

    def apply_changes(self, changed: set[str], finished: Iterable[str] = ()) -> None:
        """Tell every widget what a cycle changed."""
        lst = self.list_view
        if self.view.active:
            ids = self.view.ids(changed=changed)
            if list(ids) != list(lst.ids):
                lst.set_ids(ids)
            else:
                lst.rows_changed(changed)
        else:
            if lst.ids is not self.store.order:
                lst.set_ids(self.store.order)
            lst.rows_changed(changed)
        # a first load's first page comes early (a LiveUpdate); the job under the cursor is
        # followed, and older pages are asked for, once the whole load has ended
        if not self._first_load_done and len(self.store) and self.cycles:
            self._first_load_done = True
            lst._set_cursor(lst.cursor)
            self.poller.set_focus(lst.cursor_id)
        finished = set(finished)
        self.inflight.note_finished(finished)
        self._announce(finished)
        self.inflight.update_rows()
        if not self._quiet():
            self._tick_soon()
        if self.detail.gen_id in changed:
            self.detail.refresh_detail()
        self._update_header()
        self._update_activity()
        self._update_list_title()
        if self.view.text:
            self._sync_filter_bar()  # the count follows new data

    def _announce(self, finished: set[str]) -> None:
        """Toast (ring, run ``notify_command``) for watched jobs that ended, or every job
        with notify = all; a watched batch is told once, when all its jobs have ended."""
        if self.notify_mode == "none":
            return
        store = self.store
        self.unseen += len(finished)
        for gen_id in sorted(finished):
            row = store.rows.get(gen_id)
            if row is None:
                continue
            if gen_id not in store.watched and row.batch_id in store.watched_batches:
                continue  # told with its batch
            if self.notify_mode != "all" and gen_id not in store.watched:
                continue
            what = row.prompt_text[:50] or row.id_text[:8]
            if row.status == "complete":
                summary = f"✓ completed: {what}"
                self.toast(summary)
            else:
                summary = f"✗ {row.error_text or row.status_text}: {what}"
                self.toast(summary, severity="error")
            self._tell_outside(
                job_event(row, model=store.model_label(row), api=self.backend.name, summary=summary)
            )
        for batch_id in sorted(store.watched_batches):
            batch = batch_progress(store, batch_id)
            if not batch.done:
                continue
            store.watched_batches.discard(batch_id)
            # its jobs keep their star, as a watched job does once it has ended (all have)
            store.watched.update(store.batches.get(batch_id, ()))
            failed = f", ✗ {batch.failed} failed" if batch.failed else ""
            other = f", {batch.other} ended otherwise" if batch.other else ""
            summary = f"▦ batch of {batch.total} done: ✓ {batch.complete} completed{failed}{other}"
            self.toast(summary, severity="error" if batch.failed else "information")
            self._tell_outside(batch_event(batch, api=self.backend.name, summary=summary))

    def _tell_outside(self, event: dict[str, str]) -> None:
        """The bell, if enabled, and ``notify_command``, if set, for one ending."""
        if self.ring_bell:
            self.bell()
        if self.notifier is not None:
            self.notifier.submit(event)

    def on_key(self) -> None:
        if self.unseen:
            self.unseen = 0
            self._update_header()
        shown = self._since_shown_at
        if shown is not None and self.poller.monotonic() - shown >= SINCE_SHOWN_FOR:
            # "since last run" was up long enough to be read: a key puts it away (the
            # rows keep their mark)
            self._since_shown_at = None
            self._update_header()

    def _since_last_run(self) -> tuple[int, int] | None:
        journal = self.poller.journal
        if journal is None or not journal.ended or self._since_shown_at is None:
            return None
        return len(journal.ended.completed), len(journal.ended.failed)

    def action_watch(self) -> None:
        """Watch / unwatch the job; on a job of a batch, offer the whole batch."""
        chosen = self.targets()
        if chosen.source in ("marked", "filtered"):
            self._watch_many(chosen)
            return
        from .screens.choice import Answer, ChoiceScreen

        gen_id = self.list_view.cursor_id
        row = self.store.get(gen_id or "")
        if gen_id is None or row is None:
            return
        batch = batch_progress(self.store, row.batch_id) if row.batch_id else None
        if batch is None or batch.total < 2:
            self._toggle_watch(gen_id)
            return
        watching = batch.batch_id in self.store.watched_batches
        job_words = "stop watching this job" if gen_id in self.store.watched else "this job only"
        left = batch.total - batch.ended
        if watching:
            batch_words = f"stop watching the batch of {batch.total}"
        elif left:
            batch_words = f"the whole batch of {batch.total} ({left} still running)"
        else:
            batch_words = f"the whole batch of {batch.total} (every job has ended)"
        question = (
            f"This job is one of a batch of {batch.total} "
            f"({batch.ended} ended: ✓ {batch.complete}, ✗ {batch.failed}).\n"
            "Watching the batch tells you once, when all of its jobs have ended."
        )
        answers = [Answer("j", "j", job_words, "job"), Answer("b", "b", batch_words, "batch")]

        def picked(choice: str | None) -> None:
            if choice == "job":
                self._toggle_watch(gen_id)
            elif choice == "batch":
                self._toggle_batch(batch.batch_id)

        self.push_screen(ChoiceScreen("Watch", question, answers), picked)

    def _toggle_watch(self, gen_id: str) -> None:
        watched = self.store.watched
        if gen_id in watched:
            watched.discard(gen_id)
            self.toast("No longer watching this job")
        else:
            watched.add(gen_id)
            self.toast("Watching: you will be told when it ends")
        self.list_view.rows_changed({gen_id})
        self.list_view.refresh_line(self.list_view.cursor + 1)

    def _watch_many(self, chosen: Targets) -> None:
        """Watch every one of them; when all are watched already, unwatch them all."""
        watched = self.store.watched
        ids = chosen.ids
        if all(i in watched for i in ids):
            watched.difference_update(ids)
            self.toast(f"No longer watching {len(ids):,} jobs ({chosen.describe()})")
        else:
            watched.update(ids)
            flying = sum(1 for i in ids if self.store.rows[i].in_flight)
            self.toast(
                f"Watching {len(ids):,} jobs ({chosen.describe()}); {flying:,} still in flight:"
                " you will be told when they end"
            )
        self.list_view.rows_changed(set(ids))
        self.list_view.refresh()

    def targets(self) -> Targets:
        """The jobs an action is for: the marked ones, else the filtered list when a filter
        is on, else the selected job."""
        lst = self.list_view
        return targets(self.marks, self.store, lst.ids, self.view.filtering, lst.cursor_id)

    def on_generation_list_marks_changed(self, _: GenerationList.MarksChanged) -> None:
        self._update_list_title()

    def action_clear_marks(self) -> None:
        count = self.marks.clear()
        self.list_view.marks_changed()
        self.toast(f"Cleared {count:,} marks" if count else "Nothing is marked")

    # -- downloads ----------------------------------------------------------------------

    def _downloads_changed(self) -> None:
        if self.downloads_panel is not None:
            self.downloads_panel.note_change()  # drawn at most four times a second

    def start_downloads(self) -> None:
        panel = self.downloads_panel
        assert panel is not None
        panel.cancel_key = ", ".join(keys_in_force(BY_ID["app.cancel_downloads"], self._keymap))
        panel.show()
        if not self.downloads.running:
            self.run_downloads()

    @work(exclusive=True, exit_on_error=False, group="download", name="downloads")
    async def run_downloads(self) -> None:
        panel = self.downloads_panel
        assert panel is not None
        try:
            summary = await self.downloads.run()
        finally:
            panel.hide()
        parts = [f"{summary.done:,} downloaded to {self.download_dir}"]
        if summary.failed:
            failed = [i for i in self.downloads.items if i.state == "failed"]
            parts.append(f"{summary.failed:,} failed ({failed[0].error}; d tries again)")
        if summary.cancelled:
            parts.append(f"{summary.cancelled:,} cancelled")
        severity: SeverityLevel = "error" if summary.failed else "information"
        self.toast("Downloads: " + "; ".join(parts), severity=severity)
        self.downloads.clear_finished()

    def action_cancel_downloads(self) -> None:
        if not self.downloads.running:
            self.toast("No download in progress")
            return
        stopped = self.downloads.cancel()
        self.toast(f"Cancelling {stopped:,} downloads")

    def _toggle_batch(self, batch_id: str) -> None:
        batches = self.store.watched_batches
        batch = batch_progress(self.store, batch_id)
        if batch_id in batches:
            batches.discard(batch_id)
            self.toast("No longer watching the batch")
        elif batch.done:
            self.toast(
                f"Every job of this batch has ended: ✓ {batch.complete} completed, "
                f"✗ {batch.failed} failed"
            )
        else:
            batches.add(batch_id)
            self.toast(
                f"Watching the batch of {batch.total}: you will be told once, when all have ended"
            )
        self.list_view.rows_changed(set(self.store.batches.get(batch_id, ())))  # their stars
        self.list_view.refresh()
        self._update_header()

    def _update_list_title(self) -> None:
        total = len(self.store)
        more = "" if self.store.exhausted else "+"
        title = f"Generations {total:,}{more}"
        if self.view.filtering:
            shown = len(self.list_view.ids)
            title = f"Generations {shown:,} of {total:,}{more}"
        described = self.view.describe()
        if described:
            title += f" · {described}"
        if self.poller.filters:
            title += f" · server: {self.poller.filters.describe()}"
        journal = self.poller.journal
        if journal is not None and journal.seeded and not journal.settled:
            title += " · from the local history, not yet confirmed by the API"
        marked = len(self.marks.present(self.store)) if self.marks.ids else 0
        if marked or self.marks.ranging:
            title += f" · {marked:,} marked" + (" (v: range)" if self.marks.ranging else "")
        # border titles are markup: what the user typed is escaped and made safe first
        title = escape(display(title, max_len=200))
        pane = self.query_one("#list-pane")
        if pane.border_title != title:
            pane.border_title = title

    def _update_header(self) -> None:
        now = self.clock()
        mono = self.poller.monotonic()
        balance = self.poller.balance
        self.ledger.note(balance)
        facts = header_facts(
            self.store,
            self.ledger.money(balance),
            now,
            self.stall_after,
            self.poller.budget.usage(),
        )
        palette = self.palette
        state = state_piece(self.poller.health, self.poller.paused, palette, mono)
        loading = self._loading_label
        if self._loading_older and not loading[0]:
            loading = ("loading older…", "loading…")
        counts = count_pieces(
            counts=facts.counts,
            stalled=facts.stalled,
            palette=palette,
            loading=loading,
            unreadable=facts.unreadable,
            unseen=self.unseen,
            since=self._since_last_run(),
        )
        batches = batch_piece(watched_progress(self.store), palette)
        if batches is not None:
            counts.append(batches)
        money = money_piece(facts.money, palette)
        budget = budget_piece(facts.usage, palette)
        key = (state, tuple(counts), money, budget)
        self.query_one("#status", FitLine).set_line(
            key,
            lambda width: status_line(
                width, state=state, counts=counts, money=money, budget=budget
            ),
        )
        banner = self.query_one("#banner", FitLine)
        health, paused = self.poller.health, self.poller.paused
        probe = banner_line(health, paused, palette, now, mono)
        banner.set_line(
            (probe.plain, palette),
            lambda width: banner_line(health, paused, palette, now, mono, width),
        )
        banner.set_class(bool(probe.plain), "-shown")

    def _update_activity(self) -> None:
        """The summary strip: per-minute sparklines change at most once a minute."""
        balance = self.poller.balance
        self.ledger.note(balance)
        spent = self.ledger.spent(balance)
        act = activity(self.store, self.clock())
        palette = self.palette
        key = (tuple(act.completed), tuple(act.failed), act.error_rate, spent, palette)
        self.query_one("#activity", FitLine).set_line(
            key, lambda width: activity_line(act, palette, spent, width)
        )

    def _on_screen(self) -> list[str]:
        """The jobs on screen, for the poller: the list's rows, then the in-flight panel's
        lines (a bar that moves is on screen too)."""
        return [*self.list_view.visible_ids(), *self.inflight.visible_ids()]

    def _schedule_tick(self, delay: float) -> None:
        """The next tick in ``delay`` s: a one-shot timer each time, so that the period can
        follow what there is to count (an interval timer keeps its period)."""
        self._tick_idle = delay > 1.0
        self._tick_timer = self.set_timer(delay, self._on_tick_timer, name="tick")

    def _on_tick_timer(self) -> None:
        if not self.is_running:
            return
        quiet = True
        try:
            quiet = self._tick()
        finally:
            if self.is_running:
                self._schedule_tick(IDLE_TICK_EVERY if quiet else 1.0)

    def _tick_soon(self) -> None:
        """Something counts down again: back to a tick a second."""
        if self._tick_idle and self._tick_timer is not None:
            self._tick_timer.stop()
            self._schedule_tick(1.0)

    def _quiet(self) -> bool:
        """Nothing on screen counts down or waits: only ages and the clock's minute move."""
        return not (
            self.store.has_in_flight
            or self.inflight.lingering
            or self.poller.health.error
            or self.poller.health.busy_since is not None  # a wait may be counting
            or self._loading_older
        )

    def _rolled_over(self, now: datetime) -> bool:
        """An age on screen (list rows, the detail) or the minute changed since the last tick."""
        last = self._ticked_at
        if last is None or (last.hour, last.minute, last.date()) != (
            now.hour,
            now.minute,
            now.date(),
        ):
            return True
        ids = self.list_view.visible_ids()
        if self.detail.gen_id:
            ids.append(self.detail.gen_id)
        for gen_id in ids:
            row = self.store.get(gen_id)
            if row is not None and format_age(row.created, now) != format_age(row.created, last):
                return True
        return False

    def _tick(self) -> bool:
        """Redraw the time-dependent text (ETAs, ages, the header); returns whether all was
        quiet (nothing counted down)."""
        if not self.is_running:  # shutting down: the panes may be gone already
            return True
        self._ticks += 1
        try:
            self.poller.visible = self._on_screen()  # v3 reads these rows first
            quiet = self._quiet()
            now = self.clock()
            if quiet and not self._rolled_over(now):
                return True  # nothing on screen would change
        except Exception:  # the screen is being torn down (the timer can outlive it)
            return True
        self._ticked_at = now
        try:
            self.list_view.tick()
            self.inflight.update_rows()
            self.detail.refresh_detail()
            self._update_header()
            self._update_activity()
        except Exception as exc:  # never let a timer callback take the app down
            self.log.error(f"tick error: {exc!r}")
        return quiet

    # -- older pages --------------------------------------------------------------------

    def on_generation_list_need_more(self, _: GenerationList.NeedMore) -> None:
        if self._loading_older or self.store.exhausted or not self._first_load_done:
            return
        self._loading_older = True
        self._update_header()
        self.load_older()

    def action_load_all(self) -> None:
        if self.store.exhausted:
            self.toast(f"The whole history is loaded: {len(self.store):,} generations")
            return
        self.load_everything()

    @work(exclusive=True, exit_on_error=False, group="older", name="load-all")
    async def load_everything(self) -> None:
        """Page through the whole history, a page at a time, keeping the UI responsive."""
        self._loading_older = True
        loop = asyncio.get_running_loop()
        pending: set[str] = set()
        shown_at = loop.time()
        pages = self.poller.load_history()  # the next page is on its way while one is stored
        try:
            async for report in pages:
                pending |= report.changed
                if report.error is not None:
                    self.toast(f"Loading stopped: {report.error.message}", severity="error")
                    return
                # the screen follows at most a few times a second, not once per page: the
                # new rows are below the visible ones, only the count and scrollbar move
                if loop.time() - shown_at >= LOAD_ALL_REDRAW:
                    self.apply_changes(pending)
                    pending = set()
                    shown_at = loop.time()
                    self._loading_label = self._history_label()
                    self._update_header()
                await asyncio.sleep(0)  # let keys and repaints through between pages
            if self.store.exhausted:
                self.toast(f"Loaded the whole history: {len(self.store):,} generations")
        finally:
            await pages.aclose()  # stopped early (new filters, closing): the request out is dropped
            if pending:
                self.apply_changes(pending)
            self._loading_older = False
            self._loading_label = ("", "")
            self._update_header()

    def _history_label(self) -> tuple[str, str]:
        """How far the history load got: a count and the date reached (no total is known)."""
        label = f"loading history… {len(self.store):,} loaded"
        oldest = self.poller.older_anchor()
        if oldest is not None:
            label += f", back to {oldest:%Y-%m-%d}"
        return label, f"loading… {len(self.store):,}"

    @work(exclusive=True, exit_on_error=False, group="older", name="older")
    async def load_older(self) -> None:
        try:
            report = await self.poller.load_older()
            self.apply_changes(report.changed)
        finally:
            self._loading_older = False
            self._update_header()

    # -- selection ----------------------------------------------------------------------

    def on_generation_list_highlighted(self, message: GenerationList.Highlighted) -> None:
        self.detail.show(message.gen_id)
        self.poller.visible = self._on_screen()
        if self._first_load_done:  # (v3 reads each job's details first, then follows it)
            self.poller.set_focus(message.gen_id)  # read first; followed live where it can be

    def on_generation_list_selected(self, message: GenerationList.Selected) -> None:
        self.detail.show(message.gen_id)
        self.action_focus_detail()

    # -- actions ------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.palette, self._keymap))  # the keys in force

    def action_refresh(self) -> None:
        self._wake.set()
        if self.poller.paused:
            self.run_once()

    @work(exclusive=True, exit_on_error=False, group="once", name="once")
    async def run_once(self) -> None:
        self.post_message(PollReport(await self.poller.cycle()))

    def action_pause(self) -> None:
        self.poller.set_paused(not self.poller.paused)  # no live streams either
        self._update_header()
        if not self.poller.paused:
            self._wake.set()

    # -- find -----------------------------------------------------------------------

    def _apply_view(self) -> None:
        self.list_view.set_sort(self.view.sort, self.view.descending)
        self.list_view.set_ids(self.view.ids())
        self._update_list_title()
        self._sync_filter_bar()

    def _sync_filter_bar(self) -> None:
        self.query_one(FilterBar).sync(self.view.text, len(self.list_view.ids))

    def on_generation_list_sort_clicked(self, message: GenerationList.SortClicked) -> None:
        self.view.sort_by(message.sort)
        self._apply_view()

    def action_columns(self) -> None:
        from .screens.columns import ColumnsScreen

        def picked(columns: tuple[str, ...] | None) -> None:
            if columns is None or columns == self.columns:
                return
            self.columns = columns
            self.list_view.set_columns(columns)
            where = None
            if self._on_columns is not None:
                try:
                    where = self._on_columns(columns)
                except HedraError as exc:
                    self.toast(f"Columns changed, but not saved: {exc.message}", severity="error")
                    return
            self.toast(f"Columns saved in {where}" if where else "Columns changed")

        self.push_screen(ColumnsScreen(self.columns), picked)

    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.open(self.view.text)

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.view.text = message.value
        self._apply_view()
        self.query_one(FilterBar).show_count(len(self.list_view.ids))
        self.list_view.action_first()  # the first match, as a search would

    def on_filter_bar_closed(self, message: FilterBar.Closed) -> None:
        if message.cleared:
            self.view.text = ""
            self._apply_view()
        self.list_view.focus()

    def action_server_filters(self) -> None:
        from .screens.server_filters import ServerFilterScreen

        if not self.caps.server_filters:
            self.toast(
                f"The {self.backend.name} API has no server-side filters: "
                "/ filters, 1-5 and t narrow the list"
            )
            return

        def picked(filters: ServerFilters | None) -> None:
            if filters is None or filters == self.poller.filters:
                return
            # a different question to the API: the loaded rows it matches stay on screen,
            # the top is asked again at once; a history load (L) was for the old question
            self.workers.cancel_group(self, "older")
            change = self.poller.set_filters(filters)
            self.view.text = ""  # a new question: the `/` text filter (and its bar) goes
            self._apply_view()
            self.apply_changes(set())  # the session's activity and credits are kept
            if self.detail.gen_id is not None and self.detail.gen_id not in self.store.rows:
                self.detail.show(self.list_view.cursor_id)
            n = change.kept
            rows = "no loaded row" if n == 0 else f"{n:,} loaded row" + ("s" if n > 1 else "")
            if filters:
                what = f"Server filter applied: {rows} {'match' if n > 1 else 'matches'}"
            else:
                what = f"Server filters cleared: {rows} kept"
            self.toast(f"{what}; reloading from the API")
            self.action_refresh()

        self.push_screen(ServerFilterScreen(self.poller.filters), picked)

    def action_errors(self) -> None:
        from ..state.errors_view import ErrorBucket, error_buckets
        from .screens.errors import ErrorsScreen

        buckets = error_buckets(self.store, self.poller.details_pending)
        screen = ErrorsScreen(buckets, self.palette, self.clock(), self._keymap)

        def picked(choice: tuple[str | None, str | None] | ErrorBucket | None) -> None:
            if isinstance(choice, ErrorBucket):
                self.resubmit_group(choice)
            elif choice is not None:
                self.view.error = choice
                self._apply_view()
                self.list_view.focus()

        self.push_screen(screen, picked)

    def action_stats(self) -> None:
        history = self.history

        def figures(range_name: str) -> Stats | str:
            if history is None:
                return "The stats read the local history, which is turned off (--no-cache)."
            return compute_stats(history, range_name, self.clock())

        from .screens.stats import StatsScreen

        self.push_screen(StatsScreen(figures, self.palette))

    # -- resubmit ---------------------------------------------------------------------

    def action_resubmit(self) -> None:
        """R on a failed job: its price, then one yes (``ResubmitScreen``). With jobs marked
        (or a filter on), the failed ones among them, at most ``resubmit_max``."""
        chosen = self.targets()
        if chosen.source in ("marked", "filtered"):
            self.start_resubmit(chosen.ids, what=chosen.describe(), cap=self.resubmit_max)
            return
        gen_id = self.list_view.cursor_id
        row = self.store.get(gen_id) if gen_id is not None else None
        if row is None:
            return
        if row.status != "error":
            self.toast(f"Only a failed job can be resubmitted; this one is {row.status_text}")
            return
        self.start_resubmit([row.id], what="this job", cap=1)

    def resubmit_group(self, bucket: ErrorBucket) -> None:
        """R on a group of the errors view: its newest ``resubmit_max`` failed jobs."""
        name = bucket.label_text + (f" / {bucket.reason_text}" if bucket.reason_text else "")
        self.start_resubmit(bucket.ids, what=f"the group {name}", cap=self.resubmit_max)

    def start_resubmit(self, ids: Sequence[str], *, what: str, cap: int) -> bool:
        """Open the resubmit dialog for the failed jobs among ``ids`` (newest first).

        One resubmit at a time: while one is open or sending, another R says so and sends
        nothing. Returns whether a dialog opened."""
        if self.resubmit_plan is not None and self.resubmit_plan.phase is not Phase.DONE:
            self.toast("A resubmit is already open or being sent: one at a time")
            return False
        rows = [row for i in ids if (row := self.store.get(i)) is not None]
        plan = plan_for(
            rows,
            what=what,
            cap=cap,
            model_label=self.store.model_label,
            currency=self.caps.currency,
        )
        if not plan.items:
            self.toast("No failed job to resubmit there")
            return False
        self.resubmit_plan = plan
        from .screens.resubmit import ResubmitScreen

        screen = ResubmitScreen(plan, keeps=self.caps.resubmit, keymap=self._keymap)
        self.push_screen(screen)
        self.price_resubmit(plan, screen)
        return True

    @work(exit_on_error=False, group="resubmit", name="resubmit-price")
    async def price_resubmit(self, plan: Plan, screen: ResubmitScreen) -> None:
        try:
            await prepare(plan, self.backend, dict(self.store.rows))
        except Exception as exc:  # a bug must not leave the guard closed for good
            plan.phase = Phase.DONE
            self.toast(f"Resubmit stopped: {display(repr(exc), max_len=120)}", severity="error")
        screen.show_plan()

    def on_resubmit_screen_confirmed(self, message: ResubmitScreen.Confirmed) -> None:
        self.send_resubmit(message.plan, message.dialog)

    @work(exit_on_error=False, group="resubmit", name="resubmit-send")
    async def send_resubmit(self, plan: Plan, screen: ResubmitScreen) -> None:
        def sent(item: Item, gen: Generation) -> None:
            # at once: the new job at the top of the list, watched (a toast when it ends)
            self.store.watched.add(gen.id)
            changed = self.store.upsert([gen])
            self.apply_changes(changed | {gen.id})
            if gen.id not in self.list_view.ids:
                plan.hidden += 1
            elif len(plan.items) == 1:
                self.list_view.select_id(gen.id)  # a single job: the cursor follows it
            screen.show_plan()

        try:
            await send(plan, self.backend, sent)
        except Exception as exc:  # a bug must not leave the guard closed for good
            plan.phase = Phase.DONE
            self.toast(f"Resubmit stopped: {display(repr(exc), max_len=120)}", severity="error")
        screen.show_plan()
        self._resubmit_toast(plan)

    def _resubmit_toast(self, plan: Plan) -> None:
        new = [item.new_id for item in plan.items if item.new_id]
        others = len(plan.items) - len(new)
        if not new:
            self.toast("Nothing was resubmitted (the dialog says why)", severity="warning")
            return
        words = f"Resubmitted {len(new):,} job" + ("s" if len(new) > 1 else "")
        words += ": at the top of the list, watched"
        if plan.hidden:
            words += " (the list's filters hide them now: 0 clears them)"
        if others:
            words += f"; {others:,} not (the dialog says why)"
        self.toast(words)

    # -- webhooks (v3) -------------------------------------------------------------------

    def action_webhooks(self) -> None:
        if not self.caps.webhooks:
            self.toast(
                f"Webhook deliveries are a v3 feature: this monitor talks to the "
                f"{self.backend.name} API (start it with --api v3 and a v3 key)"
            )
            return
        from .screens.webhooks import WebhooksScreen

        if isinstance(self.screen, WebhooksScreen):
            return
        screen = WebhooksScreen(self.palette, self.clock())
        self.push_screen(screen)
        self.load_webhooks(screen)

    @work(exclusive=True, exit_on_error=False, group="webhooks", name="webhooks")
    async def load_webhooks(self, screen: WebhooksScreen) -> None:
        try:
            page = await self.backend.webhook_deliveries(limit=self.webhook_page)
        except HedraError as exc:
            if screen.is_mounted:
                screen.show_problem(f"Cannot read the webhook deliveries: {exc.message}")
            else:  # not up yet (a fast answer), or closed: shown when it mounts, if ever
                screen.early_problem = f"Cannot read the webhook deliveries: {exc.message}"
            return
        # the screen may not be up yet when the answer is fast: it keeps it until it mounts
        screen.show_deliveries(page.items, self.clock(), page.next is not None, page.next)

    def on_webhooks_screen_reload(self, message: WebhooksScreen.Reload) -> None:
        self.load_webhooks(message.screen)

    def on_webhooks_screen_load_more(self, message: WebhooksScreen.LoadMore) -> None:
        self.load_more_webhooks(message.screen, message.cursor)

    @work(exclusive=True, exit_on_error=False, group="webhooks-more", name="webhooks-more")
    async def load_more_webhooks(self, screen: WebhooksScreen, cursor: str) -> None:
        try:
            page = await self.backend.webhook_deliveries(limit=self.webhook_page, cursor=cursor)
        except HedraError as exc:
            screen.more_failed()
            self.toast(f"Cannot read older webhook deliveries: {exc.message}", severity="error")
            return
        screen.append_deliveries(page.items, self.clock(), page.next)

    def on_webhooks_screen_redeliver(self, message: WebhooksScreen.Redeliver) -> None:
        self.redeliver_webhook(message.screen, message.delivery)

    @work(exclusive=True, exit_on_error=False, group="redeliver", name="redeliver")
    async def redeliver_webhook(self, screen: WebhooksScreen, delivery: WebhookDelivery) -> None:
        job = display(delivery.job_id, max_len=60)
        try:
            after = await self.backend.redeliver_webhook(delivery.job_id)
        except APIStatusError as exc:
            if exc.status_code == 409:
                why = "a delivery for it is still being sent; try again once it has finished"
            elif exc.status_code == 404:
                why = "the API has no delivery for this job (any more)"
            else:
                why = exc.message
            self.toast(f"Not redelivered ({job}): {why}", severity="error")
            return
        except HedraError as exc:
            self.toast(f"Not redelivered ({job}): {exc.message}", severity="error")
            return
        status = display(after.status.lower(), max_len=20)
        self.toast(f"Redelivery requested for {job}: now {status}")
        if screen.is_attached:
            self.load_webhooks(screen)

    def action_toggle_status(self, status: str) -> None:
        self.view.toggle_status(status)
        self._apply_view()

    def action_clear_filters(self) -> None:
        self.view.text = ""
        self.view.statuses.clear()
        self.view.type = None
        self.view.error = None
        self._apply_view()

    def action_cycle_type(self) -> None:
        types = sorted({r.type_text for r in self.store.rows.values()})
        options: list[str | None] = [None, *types]
        index = options.index(self.view.type) if self.view.type in options else 0
        self.view.type = options[(index + 1) % len(options)]
        self._apply_view()

    def action_cycle_sort(self) -> None:
        self.view.cycle_sort()
        self._apply_view()

    def action_reverse_sort(self) -> None:
        self.view.descending = not self.view.descending
        self._apply_view()

    # -- act on a generation ----------------------------------------------------------

    def action_copy(self, what: str) -> None:
        self.assets.copy(what)

    def action_open_asset(self) -> None:
        self.assets.open()

    def action_download(self, overwrite: bool = False) -> None:
        self.assets.download(overwrite)

    def action_export(self, fmt: str) -> None:
        self.assets.export(fmt)

    def action_toggle_preview(self) -> None:
        self.previews.toggle()

    def action_toggle_inflight(self) -> None:
        panel = self.inflight
        self._inflight_choice = not panel.display
        panel.display = self._inflight_choice
        if panel.display:
            panel.update_rows()

    def action_focus_detail(self) -> None:
        screen = self.list_view.screen
        if screen.maximized is self.detail:
            screen.focus_next()  # zoomed job: tab goes between its text and its tree
            return
        if screen.maximized is not None:
            screen.maximized = self.detail  # enter in the zoomed list: the zoomed job
        self.query_one(JsonTree).focus()

    def action_focus_list(self) -> None:
        if self.marks.ranging and self.focused is self.list_view:
            self.list_view.action_range_mark()  # esc ends a range mark first
            return
        if self.screen.maximized is not None:
            self.screen.minimize()
        self.list_view.focus()

    def action_zoom(self) -> None:
        """The focused pane takes the whole screen; z again (or esc) gives it back.

        The screen maximizes the pane itself (no second screen): the tree keeps what was
        expanded, live updates go on, and a zoom costs one repaint."""
        screen = self.list_view.screen  # the monitor's, also when called from the palette
        if screen.maximized is not None:
            screen.minimize()
            return
        focused = screen.focused
        if focused is not None and self.detail in focused.ancestors_with_self:
            screen.maximized = self.detail
        else:
            # the pane with its title and filter bar; containers refuse ``maximize()``
            screen.maximized = self.query_one("#list-pane")
            self.list_view.focus()

    # textual's own palette entries that one of ours replaces (z zooms a whole pane)
    _REPLACED_SYSTEM_COMMANDS = frozenset({"Quit", "Keys", "Maximize", "Minimize"})

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in self._REPLACED_SYSTEM_COMMANDS:
                yield command
        for entry in COMMANDS:
            if entry.palette:
                keys = ", ".join(keys_in_force(entry, self._keymap))
                yield SystemCommand(
                    entry.palette_title,
                    f"{entry.help[:1].upper()}{entry.help[1:]} ({keys})",
                    partial(self._run_command, entry, screen.focused),
                )

    async def _run_command(self, entry: Command, focused: Widget | None) -> None:
        """A palette entry does what its key does, on the widget that key would reach."""
        if entry.scope == "app":
            await self.run_action(entry.action)
            return
        target: Widget = self.list_view
        if entry.scope == "tree":
            target = self.query_one(JsonTree)
        elif entry.scope == "move" and focused is not None and hasattr(focused, "MOVE_ACTIONS"):
            target = focused
        action = entry.action
        if entry.scope in ("move", "list"):
            action = getattr(target, "MOVE_ACTIONS", {}).get(action, action)
        await target.run_action(action)
