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
        # compact: one line, no border (a bordered Input is 3 rows; in 1 its text is hidden)
        yield Input(
            placeholder="filter: prompt, id, model, error…", id="filter-input", compact=True
        )
        yield Label("", id="filter-count")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = False

    def open(self, value: str) -> None:
        self.add_class("-open")
        field = self.query_one(Input)
        field.value = value
        field.focus()

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def show_count(self, count: int) -> None:
        self.query_one("#filter-count", Label).update(
            f"{count:,} match{'es' if count != 1 else ''}"
        )

    def sync(self, text: str, count: int) -> None:
        """Follow the view: closed when its text filter is gone (0, F), else the text and
        an up-to-date count."""
        field = self.query_one(Input)
        if not text:
            if self.is_open and not field.has_focus:
                self.remove_class("-open")
            if field.value and not field.has_focus:
                field.value = ""
            return
        if field.value != text and not field.has_focus:
            field.value = text
        self.add_class("-open")
        self.show_count(count)

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
