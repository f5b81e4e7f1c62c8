"""The stats view: what the local history says per model and type over a range, with a chart
of jobs and failures over time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.sanitize import display
from ...state.activity import sparkline
from ...state.stats import RANGES, Group, Stats, duration_text, spent_text
from ..palette import Palette
from ..widgets.key_scroll import KeyScroll

RANGE_KEYS = {"1": "today", "2": "24h", "3": "7d", "4": "all"}


def group_table(title: str, groups: list[Group], total: Group, palette: Palette) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", expand=False)
    table.add_column(title, no_wrap=True, max_width=28, overflow="ellipsis")
    for name in ("JOBS", "DONE", "FAILED", "RATE", "MEDIAN", "P90"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("SPENT", justify="right", no_wrap=True)
    table.add_column("TOP ERROR", no_wrap=True, max_width=34, overflow="ellipsis")
    for group in [*groups, total]:
        rate = group.failure_rate
        top = group.top_errors(1)
        error = Text()
        if top:
            code, reason, count = top[0]
            error.append(f"{count:,}× {display(code)}", style=palette.for_status("error"))
            if reason:
                error.append(f" / {display(reason)}", style=palette.muted)
        name = "all" if group is total else display(group.key, max_len=28)
        table.add_row(
            Text(name, style="bold" if group is total else ""),
            f"{group.jobs:,}",
            Text(f"{group.completed:,}", style=palette.for_status("complete")),
            Text(f"{group.failed:,}", style=palette.for_status("error")),
            "-" if rate is None else f"{rate:.0%}",
            duration_text(group.median_s),
            duration_text(group.p90_s),
            spent_text(group),
            error,
        )
    return table


def chart(stats: Stats, palette: Palette, width: int) -> Text:
    """Jobs and failures per hour (or day) as two sparklines over the range, newest right."""
    points = stats.timeline[-max(width, 10) :]
    jobs = [p[1] for p in points]
    failed = [p[2] for p in points]
    text = Text()
    text.append(f"per {stats.bucket}, oldest left ({len(points)} points)\n", style=palette.muted)
    text.append("jobs     ", style="bold")
    text.append(sparkline(jobs), style=palette.for_status("complete"))
    text.append(f"  peak {max(jobs, default=0):,}\n", style=palette.muted)
    text.append("failures ", style="bold")
    text.append(sparkline(failed), style=palette.for_status("error"))
    text.append(f"  peak {max(failed, default=0):,}", style=palette.muted)
    if points:
        first, last = points[0][0], points[-1][0]
        fmt = "%Y-%m-%d" if stats.bucket in ("day", "week") else "%m-%d %H:%M"
        text.append(f"\n         {first:{fmt}} … {last:{fmt}}", style=palette.muted)
    return text


class StatsScreen(ModalScreen[None]):
    """1-4 choose the range; esc, q or i closes."""

    BINDINGS = [
        Binding("escape,q,i", "dismiss(None)", "Close", id="stats.close"),
        *(
            Binding(key, f"range('{name}')", name, id=f"stats.range_{name}")
            for key, name in RANGE_KEYS.items()
        ),
    ]
    DEFAULT_CSS = """
    StatsScreen { align: center middle; }
    StatsScreen > Vertical {
        width: 120; max-width: 100%; height: auto; max-height: 95%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    StatsScreen KeyScroll { height: auto; max-height: 100%; }
    """

    def __init__(
        self,
        compute: Callable[[str], Stats | str],
        palette: Palette,
        server: Callable[[], str] | None = None,
        range_name: str = "24h",
    ) -> None:
        super().__init__()
        self.compute = compute
        self.palette = palette
        self.server = server
        self.range_name = range_name
        self.rendered: str | None = None  # the range on screen (None: none yet)
        self.computing = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Stats"
            yield KeyScroll(Static(id="stats-body"))

    def on_mount(self) -> None:
        self._show()

    def action_range(self, name: str) -> None:
        self.range_name = name
        self._show()

    def _show(self) -> None:
        """Read the range's figures in a thread (all of a 100,000-job history takes ~1 s):
        keys answer meanwhile, and a range picked since wins."""
        box = self.query_one(Vertical)
        box.border_title = f"Stats: {RANGES[self.range_name]}"
        self.computing = True
        self._read(self.range_name)

    @work(exclusive=True, group="stats", exit_on_error=False)
    async def _read(self, range_name: str) -> None:
        if self.rendered is None:
            waiting = Text(f"reading the history ({RANGES[range_name]})…", style=self.palette.muted)
            self.query_one("#stats-body", Static).update(waiting)
        result = await asyncio.to_thread(self.compute, range_name)
        if range_name == self.range_name:
            self.rendered = range_name
            self.computing = False
            self._render_result(result)

    def _render_result(self, result: Stats | str) -> None:
        keys = "  ".join(f"{k} {n}" for k, n in RANGE_KEYS.items())
        body = Table.grid()
        body.add_row(Text(f"{keys}   esc close", style=self.palette.muted))
        if isinstance(result, str):
            body.add_row(Text(result))
        else:
            total = result.total
            body.add_row(
                Text(
                    f"{total.jobs:,} jobs, {total.completed:,} completed, {total.failed:,} failed"
                    f", {total.running:,} in flight · observed by this monitor (the local "
                    f"history): durations from creation to when a monitor saw the job end "
                    f"({len(total.durations):,} observed)",
                    style=self.palette.muted,
                )
            )
            body.add_row("")
            body.add_row(group_table("MODEL", result.by_model, total, self.palette))
            body.add_row("")
            body.add_row(group_table("TYPE", result.by_type, total, self.palette))
            body.add_row("")
            width = max(self.size.width - 20, 20)
            body.add_row(chart(result, self.palette, width))
            if self.server is not None:
                body.add_row("")
                body.add_row(Text(self.server(), style=self.palette.muted))
        self.query_one("#stats-body", Static).update(body)
