"""The server-side filter dialog: what `GET /generations` is asked for (type, dates, text,
agent thread, ids). Applying it keeps the loaded rows it matches and reloads the list from
the API (see ``Poller.set_filters``)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...state.filters import FilterError, ServerFilters

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("type", "type", "video, image, audio, voice, text, text_to_speech, …"),
    ("created_after", "created after", "2h, 3d, yesterday, 2026-11-24T10:00Z"),
    ("created_before", "created before", "same forms"),
    ("prompt_query", "prompt contains", "words in the prompt"),
    ("agent_thread_id", "agent thread id", "uuid"),
    ("ids", "ids", "comma-separated generation ids (at most 100)"),
)
LABELS = {key: label for key, label, _ in FIELDS}


class ServerFilterScreen(ModalScreen[ServerFilters | None]):
    """Enter or Apply applies; esc cancels; Clear removes every server-side filter."""

    # Tab is a priority binding here: Textual's own tab binding runs only after the key went
    # to the focused Input and bubbled back up, and by then the keys typed right after it
    # were already handed to that same Input ("video" tab "3d" gave "video3d"). A priority
    # binding moves the focus before the next key is dispatched.
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="filters.cancel"),
        Binding(
            "tab", "app.focus_next", "Next field", show=False, priority=True, id="filters.next"
        ),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous field",
            show=False,
            priority=True,
            id="filters.previous",
        ),
    ]
    DEFAULT_CSS = """
    ServerFilterScreen { align: center middle; }
    ServerFilterScreen > Vertical {
        width: 80; max-width: 100%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    ServerFilterScreen Horizontal { height: auto; }
    ServerFilterScreen Label { width: 18; padding: 1 0 0 0; }
    ServerFilterScreen Input { width: 1fr; }
    ServerFilterScreen #filter-error { color: $text-error; height: auto; }
    ServerFilterScreen #buttons { height: 3; align: right middle; }
    """

    def __init__(self, current: ServerFilters) -> None:
        super().__init__()
        self.current = current.texts()  # as typed: a relative "3d" shows as "3d" again

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Server-side filters (GET /generations)"
            for key, label, hint in FIELDS:
                with Horizontal():
                    yield Label(label)
                    field = Input(
                        value=self.current.get(key, ""),
                        placeholder=hint,
                        id=f"f-{key}",
                    )
                    yield field
            yield Static("", id="filter-error")
            with Horizontal(id="buttons"):
                yield Button("Clear", id="clear")
                yield Button("Apply", id="apply", variant="primary")

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False

    def _values(self) -> dict[str, str]:
        return {key: self.query_one(f"#f-{key}", Input).value for key, _, _ in FIELDS}

    def _apply(self) -> None:
        try:
            self.dismiss(ServerFilters.parse(self._values()))
        except FilterError as exc:
            error = Text(f"{LABELS.get(exc.field, exc.field)}: {exc}")
            self.query_one("#filter-error", Static).update(error)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "clear":
            self.dismiss(ServerFilters())
        else:
            self._apply()
