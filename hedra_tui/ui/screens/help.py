"""The help screen: every key, and the legend of status and error-group icons and colors."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.models import GenerationStatus
from ...state.derive import ADVICE, ErrorGroup
from ..palette import GROUP_ICONS, Palette, status_icon

KEYS: tuple[tuple[str, str], ...] = (
    ("j / k, ↓ / ↑", "move in the list"),
    ("g / G, Home / End", "first / last generation (older pages load as needed)"),
    ("PgUp / PgDn", "page up / down"),
    ("L", "load the whole history (keys keep working while it loads)"),
    ("enter, tab", "inspect: focus the detail tree"),
    ("space / enter", "expand / collapse a tree node"),
    ("esc, shift+tab", "back to the list"),
    ("/", "filter as you type (enter keeps, esc clears)"),
    ("1 … 5, 0", "only queued/processing/finalizing/complete/error; 0 clears filters"),
    ("t", "cycle a type filter"),
    ("F", "server-side filters: type, dates (2h, yesterday), prompt, thread, ids"),
    ("s / S", "cycle the sort / reverse it"),
    ("x", "errors view: failures grouped by type and reason"),
    ("w", "watch / unwatch the job (toast and bell when it ends)"),
    ("c / u / J", "copy id / asset URL / JSON (OSC 52)"),
    ("o", "open the asset URL (copied instead over SSH)"),
    ("d / D", "download the asset (D: again, overwriting)"),
    ("e / E", "export the listed generations as JSON lines / CSV"),
    ("r", "refresh now"),
    ("p", "pause / resume polling"),
    ("z", "zoom the focused pane"),
    ("f", "show / hide the in-flight panel (hidden at first below 30 rows)"),
    ("ctrl+p", "command palette (every action)"),
    ("?", "this help"),
    ("q", "quit"),
)

_GROUP_CODES: dict[ErrorGroup, str] = {
    ErrorGroup.FIX_INPUT: "INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, GONE, ALREADY_EXISTS",
    ErrorGroup.CONTENT: "MODERATION_FAILED (reason_code tells which case)",
    ErrorGroup.MONEY: "INSUFFICIENT_BALANCE (credits needed vs available)",
    ErrorGroup.ACCESS: "UNAUTHORIZED, PERMISSION_DENIED",
    ErrorGroup.TRANSIENT: "UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL",
    ErrorGroup.UNKNOWN: "UNKNOWN and codes this version does not know",
}


def help_text(palette: Palette) -> Text:
    text = Text()
    text.append("Keys\n", style="bold underline")
    for key, what in KEYS:
        text.append(f"  {key:<20}", style="bold")
        text.append(f"{what}\n")
    text.append("\nStatus\n", style="bold underline")
    for status in GenerationStatus:
        text.append(f"  {status_icon(status)} {status.value:<12}", style=palette.for_status(status))
        text.append(
            "in flight\n" if status not in ("complete", "error") else "finished\n", style="dim"
        )
    text.append("  ? other       ", style=palette.unknown_status)
    text.append("a status this version does not know, shown as sent\n", style="dim")
    text.append("  stalled?      ", style=palette.stalled)
    text.append("in flight, but no progress (or ETA long past) for a while\n", style="dim")
    text.append("\nError groups (what to do)\n", style="bold underline")
    for group in ErrorGroup:
        text.append(f"  {GROUP_ICONS[group]} {group.value:<16}", style=palette.for_group(group))
        text.append(f"{ADVICE[group]}: ", style="italic")
        text.append(f"{_GROUP_CODES[group]}\n", style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    """Keys and legend; esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, palette: Palette) -> None:
        super().__init__()
        self.palette = palette

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "hedra-tui help"
            yield Static(help_text(self.palette))
