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
from typing import Any, ClassVar

from rich.markup import escape
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, ProgressBar

from ..api.backend import Backend
from ..api.errors import HedraError
from ..api.sanitize import display
from ..state.activity import activity
from ..state.errors_view import error_buckets
from ..state.filters import ServerFilters
from ..state.header import Ledger, header_facts
from ..state.poller import Poller
from ..state.reports import CycleReport, LiveChanges
from ..state.store import Store, utcnow
from ..state.view import View
from .actions import COMMANDS, Command, bindings, keys_in_force
from .asset_actions import AssetActions
from .cells import BY_KEY, DEFAULT_COLUMNS
from .hangup import install_exit_handlers
from .messages import LiveUpdate, PollReport
from .palette import Palette
from .preview import Previews
from .screen_diff import install as install_screen_diff
from .screens.columns import ColumnsScreen
from .screens.errors import ErrorsScreen
from .screens.help import HelpScreen
from .screens.server_filters import ServerFilterScreen
from .widgets.detail import DetailPane
from .widgets.filter_bar import FilterBar
from .widgets.generation_list import GenerationList
from .widgets.inflight import InFlightPanel
from .widgets.json_tree import JsonTree
from .widgets.status import (
    FitLine,
    TextLine,
    activity_line,
    banner_line,
    count_pieces,
    money_piece,
    state_piece,
    status_line,
)

WIDE = 150
SHORT = 30
IDLE_TICK_EVERY = 5  # with nothing in flight, time-dependent text is refreshed every 5 s
LOAD_ALL_REDRAW = 0.5  # seconds between screen updates while L loads the history


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
        max_streams: int = 4,
        notify: str = "watched",
        bell: bool = False,
        theme: str | None = None,
        on_theme: Callable[[str], None] | None = None,
        keymap: dict[str, str] | None = None,
        columns: Sequence[str] | None = None,
        on_columns: Callable[[tuple[str, ...]], str | None] | None = None,
        warnings: Iterable[str] = (),
        loading: str = "loading…",
        preview: bool = True,
        preview_max_bytes: int = 8_000_000,
    ) -> None:
        super().__init__()
        self.start_warnings = list(warnings)  # about the settings: toasted once the screen is up
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
        self.poller = Poller(
            backend,
            self.store,
            interval=interval,
            credits_every=credits_every,
            filters=filters,
            clock=clock,
            max_streams=max_streams,
        )
        self.ledger = Ledger(backend.name, money=self.caps.money)
        self.assets = AssetActions(self)
        self.previews = Previews(self, enabled=preview, max_bytes=preview_max_bytes)
        self.autopoll = autopoll
        self.palette = Palette.from_variables(self.get_css_variables(), dark=True)
        self.cycles = 0
        self._wake = asyncio.Event()
        self._first_load_done = False
        self._loading_older = False
        self._ticks = 0
        self._loading_label: tuple[str, str] = ("", "")  # long and short forms
        self._was_failing = False
        self._inflight_choice: bool | None = None  # the user's f, once pressed

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # each line is laid out for its own width when drawn, and repaints only when the
        # facts it shows change
        yield FitLine(id="status")
        yield FitLine(id="activity")
        yield FitLine(id="banner")
        with Horizontal(id="download"):
            yield ProgressBar(total=100, show_eta=False, id="download-bar")
            yield TextLine(id="download-label")
        with Container(id="main"):
            with Vertical(id="list-pane"):
                yield GenerationList(
                    self.store, clock=self.clock, stall_after=self.stall_after, id="list"
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
    def list_view(self) -> GenerationList:
        return self.query_one(GenerationList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def inflight(self) -> InFlightPanel:
        return self.query_one(InFlightPanel)

    def on_mount(self) -> None:
        # only the cells that changed go to the terminal (see ui/screen_diff.py)
        wire_log = os.environ.get("HEDRA_TUI_WIRE_LOG")
        self.screen_diff = install_screen_diff(self, Path(wire_log) if wire_log else None)
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
        self.set_interval(1.0, self._tick)
        self._update_header()
        if self.autopoll:
            self.poll_loop()
        if self.caps.live_streams:
            self.live_loop()
        self._show_start_warnings()

    async def on_unmount(self) -> None:
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
        """Changes between cycles (live stream frames: several a second per job), gathered
        by the poller and posted at most once a second."""
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
        if not self._first_load_done and len(self.store):
            self._first_load_done = True
            lst._set_cursor(0)
        finished = set(finished)
        self.inflight.note_finished(finished)
        self._announce(finished)
        self.inflight.update_rows()
        if self.detail.gen_id in changed:
            self.detail.refresh_detail()
        self._update_header()
        self._update_activity()
        self._update_list_title()
        if self.view.text:
            self._sync_filter_bar()  # the count follows new data

    def _announce(self, finished: set[str]) -> None:
        """Toast (and ring) for watched jobs that ended, or every job with notify = all."""
        if not finished or self.notify_mode == "none":
            return
        self.unseen += len(finished)
        for gen_id in sorted(finished):
            if self.notify_mode != "all" and gen_id not in self.store.watched:
                continue
            row = self.store.rows[gen_id]
            what = row.prompt_text[:50] or row.id_text[:8]
            if row.status == "complete":
                self.toast(f"✓ completed: {what}")
            else:
                self.toast(f"✗ {row.error_text or row.status_text}: {what}", severity="error")
            if self.ring_bell:
                self.bell()

    def on_key(self) -> None:
        if self.unseen:
            self.unseen = 0
            self._update_header()

    def action_watch(self) -> None:
        gen_id = self.list_view.cursor_id
        if gen_id is None:
            return
        watched = self.store.watched
        if gen_id in watched:
            watched.discard(gen_id)
            self.toast("No longer watching this job")
        else:
            watched.add(gen_id)
            self.toast("Watching: you will be told when it ends")
        self.list_view.rows_changed({gen_id})
        self.list_view.refresh_line(self.list_view.cursor + 1)

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
        facts = header_facts(self.store, self.ledger.money(balance), now, self.stall_after)
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
        )
        money = money_piece(facts.money, palette)
        key = (state, tuple(counts), money)
        self.query_one("#status", FitLine).set_line(
            key, lambda width: status_line(width, state=state, counts=counts, money=money)
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

    def _tick(self) -> None:
        if not self.is_running:  # shutting down: the panes may be gone already
            return
        self._ticks += 1
        try:
            self.poller.visible = self.list_view.visible_ids()  # v3 reads these rows first
        except Exception:  # the screen is being torn down (the timer can outlive it)
            return
        quiet = not (
            self.store.has_in_flight
            or self.poller.health.error
            or self.poller.health.busy_since is not None  # a wait may be counting
            or self._loading_older
        )
        if quiet and self._ticks % IDLE_TICK_EVERY:
            # nothing counts down: ages and the header's minute can wait a few seconds
            return
        try:
            self.list_view.tick()
            self.inflight.update_rows()
            self.detail.refresh_detail()
            self._update_header()
            self._update_activity()
        except Exception as exc:  # never let a timer callback take the app down
            self.log.error(f"tick error: {exc!r}")

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
        try:
            while not self.store.exhausted:
                report = await self.poller.load_older()
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
            self.toast(f"Loaded the whole history: {len(self.store):,} generations")
        finally:
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
        self.poller.visible = self.list_view.visible_ids()
        self.poller.set_focus(message.gen_id)  # read first; followed live where it can be

    def on_generation_list_selected(self, message: GenerationList.Selected) -> None:
        self.detail.show(message.gen_id)
        self.action_focus_detail()

    # -- actions ------------------------------------------------------------------------

    def action_help(self) -> None:
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
        buckets = error_buckets(self.store, self.poller.details_pending)
        screen = ErrorsScreen(buckets, self.palette, self.clock())

        def picked(choice: tuple[str | None, str | None] | None) -> None:
            if choice is not None:
                self.view.error = choice
                self._apply_view()
                self.list_view.focus()

        self.push_screen(screen, picked)

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
