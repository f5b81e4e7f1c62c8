"""The help screen: every key, and the legend of status and error-group icons and colors."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.models import GenerationStatus
from ...api.sanitize import display
from ...state.derive import ADVICE, ErrorGroup
from ..actions import APP, HelpRow, help_sections
from ..palette import GROUP_ICONS, Palette, status_icon
from ..widgets.key_scroll import KeyScroll

_GROUP_CODES: dict[ErrorGroup, str] = {
    ErrorGroup.FIX_INPUT: "INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, GONE, ALREADY_EXISTS",
    ErrorGroup.CONTENT: "MODERATION_FAILED (reason_code tells which case)",
    ErrorGroup.MONEY: "INSUFFICIENT_BALANCE (credits needed vs available)",
    ErrorGroup.ACCESS: "UNAUTHORIZED, PERMISSION_DENIED",
    ErrorGroup.TRANSIENT: "UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL",
    ErrorGroup.UNKNOWN: "UNKNOWN and codes this version does not know",
}


KEY_COLUMN = 16  # the narrowest first column; longer keys (a keymap's too) widen it
KEYS_MAX = 40  # keys a keymap gives are cut here (the words keep their room)

Block = tuple[str, list[tuple[Text, Text]]]


def help_renderable(palette: Palette, keymap: Mapping[str, str]) -> Group:
    """Keys in force (from the one table that binds them) and the color legend."""
    sections = help_sections(keymap)
    for title, rows in sections:
        if title == APP:  # Textual's own key, not one of ours
            rows.append(HelpRow("ctrl+p", "command palette: every action, by name"))
    blocks: list[Block] = [
        # keys come from the user's config: made safe like any other outside text
        (
            title,
            [(Text(display(r.keys, max_len=KEYS_MAX), style="bold"), Text(r.help)) for r in rows],
        )
        for title, rows in sections
    ]
    status_rows = [
        (
            Text(f"{status_icon(status)} {status.value}", style=palette.for_status(status)),
            Text("finished" if status in ("complete", "error") else "in flight", style="dim"),
        )
        for status in GenerationStatus
    ]
    status_rows.append(
        (
            Text("? other", style=palette.unknown_status),
            Text("a status this version does not know, shown as sent", style="dim"),
        )
    )
    status_rows.append(
        (
            Text("stalled?", style=palette.stalled),
            Text("in flight, but no progress (or ETA long past) for a while", style="dim"),
        )
    )
    blocks.append(("Status", status_rows))
    group_rows = []
    for group in ErrorGroup:
        what = Text()
        if ADVICE[group] != group.value:  # "retry later: retry later" would say it twice
            what.append(f"{ADVICE[group]}: ", style="italic")
        what.append(_GROUP_CODES[group], style="dim")
        name = Text(f"{GROUP_ICONS[group]} {group.value}", style=palette.for_group(group))
        group_rows.append((name, what))
    blocks.append(("Error groups (what to do)", group_rows))
    return _render(blocks)


def _render(blocks: list[Block]) -> Group:
    """Each block a heading and a two-column grid: the first column as wide as its widest
    cell (never cut), and a wrapped line keeps its indent under the words."""
    width = max(KEY_COLUMN, *(first.cell_len for _, rows in blocks for first, _ in rows))
    parts: list[RenderableType] = []
    for index, (title, rows) in enumerate(blocks):
        if index:
            parts.append(Text())
        parts.append(Text(title, style="bold underline"))
        grid = Table.grid(padding=(0, 2, 0, 0))
        grid.add_column(no_wrap=True, width=width + 2)  # two spaces of indent
        grid.add_column(ratio=1)
        for first, words in rows:
            grid.add_row(Text("  ").append_text(first), words)
        parts.append(grid)
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """Keys and legend; esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > KeyScroll {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, palette: Palette, keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.palette = palette
        self.keymap = dict(keymap or {})

    def compose(self) -> ComposeResult:
        with KeyScroll() as scroll:
            scroll.border_title = "hedra-tui help"
            yield Static(help_renderable(self.palette, self.keymap))
