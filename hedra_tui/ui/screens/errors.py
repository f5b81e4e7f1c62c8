"""The errors view: loaded failures grouped by type and reason, with counts and advice."""

from __future__ import annotations

from collections.abc import Mapping
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
from ..actions import BY_ID, bindings, keys_in_force
from ..palette import GROUP_ICONS, Palette
from ..widgets.key_scroll import KeyOptionList


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


class ErrorList(KeyOptionList):
    """The buckets; j/k, g/G and PgUp/PgDn move as everywhere else."""


# what the errors view ends with: a group's (type, reason) to filter the list by, a group to
# resubmit (its bucket), or None
ErrorsChoice = tuple[str | None, str | None] | ErrorBucket | None


class ErrorsScreen(ModalScreen[ErrorsChoice]):
    """Pick a group to show only its jobs in the list, or resubmit it (R); esc closes."""

    BINDINGS = [
        Binding("escape,q,x", "dismiss(None)", "Close", id="errors.close"),
        *bindings("errors"),
    ]
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

    def __init__(
        self,
        buckets: list[ErrorBucket],
        palette: Palette,
        now: datetime,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.buckets = buckets
        self.palette = palette
        self.now = now
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            total = sum(b.count for b in self.buckets)
            box.border_title = f"Errors in the loaded history: {total:,}"
            if not self.buckets:
                yield Static(Text("No failed generations in what is loaded.", style="dim"))
                return
            resubmit = "/".join(keys_in_force(BY_ID["errors.resubmit"], self.keymap))
            yield Static(
                Text(
                    f"enter: show these jobs in the list · {resubmit}: resubmit them · esc: close",
                    style="dim",
                )
            )
            yield ErrorList(
                *(
                    Option(bucket_row(b, self.palette, self.now), id=str(i))
                    for i, b in enumerate(self.buckets)
                )
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        bucket = self.buckets[int(event.option.id or 0)]
        self.dismiss((bucket.code, bucket.reason))

    def action_resubmit(self) -> None:
        """The highlighted group, to resubmit (the App asks the price first)."""
        options = self.query(ErrorList)
        index = options.first().highlighted if options else None
        if index is not None:
            self.dismiss(self.buckets[index])
