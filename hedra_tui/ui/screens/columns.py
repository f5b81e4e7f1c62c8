"""The column chooser: which list columns show, in which order; saved in the config file."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..cells import ALL_COLUMNS, BY_KEY, DEFAULT_COLUMNS

HINT = "space: show/hide · J/K or shift+↓/↑: move · d: defaults · enter: save · esc: cancel"


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    """Returns the chosen column keys in order (None: cancelled)."""

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Cancel", id="columns.cancel"),
        Binding("space", "toggle_column", "Show/hide", id="columns.toggle"),
        Binding("J,shift+down", "move(1)", "Move down", id="columns.move_down"),
        Binding("K,shift+up", "move(-1)", "Move up", id="columns.move_up"),
        Binding("j", "cursor(1)", "Down", show=False, id="columns.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="columns.up"),
        Binding("d", "defaults", "Defaults", id="columns.defaults"),
        Binding("enter", "save", "Save", id="columns.save", priority=True),
    ]
    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ColumnsScreen OptionList, ColumnsScreen OptionList:focus {
        height: auto; max-height: 20; border: none;
    }
    ColumnsScreen #columns-hint { color: $text-muted; }
    """

    def __init__(self, shown: Sequence[str]) -> None:
        super().__init__()
        shown = [k for k in shown if k in BY_KEY]
        # every column once: the shown ones in their order, then the hidden ones
        self.order: list[str] = [*shown, *(c.key for c in ALL_COLUMNS if c.key not in shown)]
        self.shown: set[str] = set(shown)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "List columns (the narrowest widths drop some)"
            yield Static(Text(HINT), id="columns-hint")
            yield OptionList(*self._options(), id="columns-list")

    def _options(self) -> list[Option]:
        out = []
        for key in self.order:
            col = BY_KEY[key]
            text = Text()
            on = key in self.shown
            text.append("[x] " if on else "[ ] ", style="bold" if on else "dim")
            text.append(f"{col.title:<9}", style="bold" if on else "dim")
            text.append(col.about, style="" if on else "dim")
            out.append(Option(text, id=key))
        return out

    def _redraw(self, highlight: int) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = max(0, min(highlight, len(self.order) - 1))

    @property
    def _index(self) -> int:
        return self.query_one(OptionList).highlighted or 0

    def action_cursor(self, delta: int) -> None:
        options = self.query_one(OptionList)
        options.highlighted = max(0, min(self._index + delta, len(self.order) - 1))

    def action_toggle_column(self) -> None:
        key = self.order[self._index]
        if key in self.shown:
            if len(self.shown) > 1:  # at least one column stays
                self.shown.discard(key)
        else:
            self.shown.add(key)
        self._redraw(self._index)

    def action_move(self, delta: int) -> None:
        index = self._index
        target = index + delta
        if 0 <= target < len(self.order):
            self.order[index], self.order[target] = self.order[target], self.order[index]
            self._redraw(target)

    def action_defaults(self) -> None:
        self.shown = set(DEFAULT_COLUMNS)
        self.order = [*DEFAULT_COLUMNS, *(c.key for c in ALL_COLUMNS if c.key not in self.shown)]
        self._redraw(0)

    def action_save(self) -> None:
        self.dismiss(tuple(k for k in self.order if k in self.shown))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()
