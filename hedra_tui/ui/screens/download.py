"""The dialog before downloading many jobs: which ones (marked, or the filtered list), into
which folder (editable), how they are named, and how many are there already (skipped)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...api.sanitize import display
from ...state.downloads import Plan


class DownloadScreen(ModalScreen[Path | None]):
    """Enter or Download starts; esc cancels. The result is the folder chosen."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="download.cancel")]
    DEFAULT_CSS = """
    DownloadScreen { align: center middle; }
    DownloadScreen > Vertical {
        width: 76; max-width: 100%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    DownloadScreen Horizontal { height: auto; }
    DownloadScreen Label { width: 8; padding: 1 0 0 0; }
    DownloadScreen Input { width: 1fr; }
    DownloadScreen Static { height: auto; }
    DownloadScreen #download-buttons { height: 3; align: right middle; }
    """

    def __init__(
        self,
        what: str,
        folder: Path,
        template: str,
        preview: Callable[[Path], Plan],
        *,
        overwrite: bool = False,
    ) -> None:
        super().__init__()
        self.what = what
        self.folder = folder
        self.template = template
        self.preview = preview
        self.overwrite = overwrite

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            verb = "Download again (overwrite)" if self.overwrite else "Download"
            box.border_title = f"{verb}: {display(self.what, max_len=60)}"
            with Horizontal():
                yield Label("into")
                yield Input(value=str(self.folder), id="download-folder")
            yield Static(Text(f"named  {self.template}"), id="download-template")
            yield Static("", id="download-counts")
            with Horizontal(id="download-buttons"):
                yield Button("Cancel", id="download-cancel")
                yield Button("Download", id="download-start", variant="primary")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()
        self._count(self.folder)

    def _folder(self) -> Path:
        return Path(self.query_one(Input).value.strip() or ".").expanduser()

    def _count(self, folder: Path) -> None:
        planned = self.preview(folder)
        parts = [f"{len(planned.items):,} to download"]
        if planned.skipped:
            parts.append(f"{len(planned.skipped):,} already there (skipped)")
        if planned.queued_already:
            parts.append(f"{planned.queued_already:,} already queued")
        if planned.no_asset:
            parts.append(f"{planned.no_asset:,} with no file (text, in flight or failed)")
        self.query_one("#download-counts", Static).update(Text(" · ".join(parts)))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._count(self._folder())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._folder())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self._folder() if event.button.id == "download-start" else None)
