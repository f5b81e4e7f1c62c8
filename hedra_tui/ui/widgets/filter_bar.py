"""The `/` filter bar: an input under the list that filters as you type, with a match count."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class FilterBar(Horizontal):
    """Hidden until `/`; enter keeps the filter, esc clears it."""

    DEFAULT_CSS = """
    FilterBar { height: 1; display: none; }
    FilterBar.-open { display: block; }
    FilterBar > Label { width: auto; padding: 0 1; }
    FilterBar > Input { width: 1fr; height: 1; border: none; padding: 0; }
    FilterBar > #filter-count { width: auto; color: $text-muted; }
    """

    class Changed(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    class Closed(Message):
        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def compose(self) -> ComposeResult:
        yield Label("/", id="filter-prompt")
        # no blinking cursor: a blinking cursor repaints (and writes bytes) forever
        yield Input(placeholder="filter: prompt, id, model, error…", id="filter-input")
        yield Label("", id="filter-count")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = False

    def open(self, value: str) -> None:
        self.add_class("-open")
        field = self.query_one(Input)
        field.value = value
        field.focus()

    def show_count(self, count: int) -> None:
        self.query_one("#filter-count", Label).update(
            f"{count:,} match{'es' if count != 1 else ''}"
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.remove_class("-open")
        self.post_message(self.Closed(cleared=False))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.query_one(Input).value = ""
            self.remove_class("-open")
            self.post_message(self.Closed(cleared=True))
