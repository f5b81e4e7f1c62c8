"""The errors view: loaded failures grouped by type and reason, with counts and advice."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...state.derive import format_age
from ...state.errors_view import ErrorBucket
from ..actions import bindings
from ..palette import GROUP_ICONS, Palette


def bucket_text(bucket: ErrorBucket, palette: Palette, now: datetime) -> Text:
    """The bucket's words, two lines (wrapped in the errors view under their own column)."""
    text = Text()
    style = palette.for_group(bucket.group)
    text.append(f"{GROUP_ICONS[bucket.group]} {bucket.label_text}", style=style)
    if bucket.reason_text:
        text.append(f" / {bucket.reason_text}", style=style)
    text.append(f"  [{bucket.group.value}]", style="dim")
    if bucket.advice != bucket.group.value:  # "[retry later] retry later" says it twice
        text.append(f" {bucket.advice}", style="italic")
    message = bucket.message_text
    text.append("\nlatest ", style="dim")
    ago = format_age(bucket.latest.created, now) + " ago"
    text.append(ago + (": " if message else ""), style="dim")
    text.append(message)
    return text


def bucket_row(bucket: ErrorBucket, palette: Palette, now: datetime) -> Group:
    """Count, then the words: a wrapped line keeps its indent under the words (a grid)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True, width=6)
    grid.add_column(ratio=1)
    grid.add_row(Text(f"{bucket.count:,}", style="bold"), bucket_text(bucket, palette, now))
    return Group(grid)


class ErrorList(OptionList):
    """The buckets; j/k, g/G and PgUp/PgDn move as everywhere else."""

    MOVE_ACTIONS = {
        "down": "cursor_down",
        "up": "cursor_up",
        "top": "first",
        "bottom": "last",
        "page_down": "page_down",
        "page_up": "page_up",
    }
    BINDINGS = bindings("move", MOVE_ACTIONS)


class ErrorsScreen(ModalScreen[tuple[str | None, str | None] | None]):
    """Pick a group to show only its jobs in the list; esc closes."""

    BINDINGS = [Binding("escape,q,x", "dismiss(None)", "Close", id="errors.close")]
    DEFAULT_CSS = """
    ErrorsScreen { align: center middle; }
    ErrorsScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: round $error; background: $surface; padding: 0 1;
    }
    /* no border, focused or not: a focused OptionList draws a tall one, two rows lost */
    ErrorsScreen ErrorList, ErrorsScreen ErrorList:focus {
        height: auto; max-height: 30; border: none;
    }
    """

    def __init__(self, buckets: list[ErrorBucket], palette: Palette, now: datetime) -> None:
        super().__init__()
        self.buckets = buckets
        self.palette = palette
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            total = sum(b.count for b in self.buckets)
            box.border_title = f"Errors in the loaded history: {total:,}"
            if not self.buckets:
                yield Static(Text("No failed generations in what is loaded.", style="dim"))
                return
            yield Static(Text("enter: show these jobs in the list · esc: close", style="dim"))
            yield ErrorList(
                *(
                    Option(bucket_row(b, self.palette, self.now), id=str(i))
                    for i, b in enumerate(self.buckets)
                )
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        bucket = self.buckets[int(event.option.id or 0)]
        self.dismiss((bucket.code, bucket.reason))
