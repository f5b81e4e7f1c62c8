"""What can be done with the selected job's data: copy (OSC 52), open, download, export.

The App's ``action_*`` methods (bound by the one action table in ``actions.py``) hand over
to :class:`AssetActions`; copies and exports take raw values, toasts show safe text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import ProgressBar

from ..api.download import download, file_name_for
from ..api.errors import HedraError
from ..api.sanitize import display, safe_link
from ..state.export import write_export
from ..state.store import Row
from .browser import why_no_browser
from .widgets.status import TextLine

if TYPE_CHECKING:
    from .app import HedraApp


class AssetActions:
    """The selected job's copy, open, download and export, for one App."""

    def __init__(self, app: HedraApp) -> None:
        self.app = app

    def _selected(self) -> Row | None:
        return self.app.store.get(self.app.list_view.cursor_id or "")

    @staticmethod
    def _url(row: Row | None) -> str | None:
        if row is None:
            return None
        asset = row.gen.asset
        return asset.best_url if asset is not None else None

    def copy(self, what: str) -> None:
        """Copy to the clipboard with OSC 52 (works over SSH); raw values, not display text."""
        app = self.app
        row = self._selected()
        if row is None:
            app.toast("Nothing selected")
            return
        if what == "id":
            payload = row.id
        elif what == "url":
            url = self._url(row)
            if not url:
                app.toast("This generation has no asset URL (yet)")
                return
            payload = url
        else:
            payload = json.dumps(row.raw, ensure_ascii=False, indent=2)
        app.copy_to_clipboard(payload)
        app.toast(f"Copied {what}: {payload[:60]}" + ("…" if len(payload) > 60 else ""))

    def open(self) -> None:
        """Open the asset URL in a browser; where none can show it to this terminal's user
        (over SSH, no display, no browser) the URL is copied with OSC 52 instead."""
        app = self.app
        link = safe_link(self._url(self._selected()))
        if link is None:
            app.toast("No http(s) asset URL to open")
            return
        why = why_no_browser()
        if why is not None:
            app.copy_to_clipboard(link)
            app.toast(f"Not opened ({why}): the URL was copied to your clipboard")
            return
        app.open_url(link)
        app.toast("Opening the asset in your browser")

    def download(self, overwrite: bool = False) -> None:
        app = self.app
        row = self._selected()
        url = self._url(row)
        if row is None or not url:
            app.toast("This generation has no asset to download (yet)")
            return
        dest = app.export_dir / file_name_for(row.id, row.gen.type, url)
        if dest.exists() and not overwrite:
            app.toast(f"Already downloaded: {dest} (D downloads again)")
            return
        app.run_worker(
            self._download(url, dest),
            name="download",
            group="download",
            exclusive=True,
            exit_on_error=False,
        )

    async def _download(self, url: str, dest: Path) -> None:
        app = self.app
        line = app.query_one("#download")
        label = app.query_one("#download-label", TextLine)
        found = app.query("#download-bar").results(ProgressBar)
        bar = next(found, None)
        if bar is None:  # the first download: the bar was left out of the first frame
            bar = ProgressBar(total=100, show_eta=False, id="download-bar")
            await line.mount(bar, before=label)
        label.set_text(Text(f" {display(dest.name, max_len=60)}"))
        bar.update(total=100, progress=0)
        line.add_class("-shown")

        def progress(done: int, total: int | None) -> None:
            if total:
                bar.update(total=total, progress=done)

        try:
            size = await download(url, dest, on_progress=progress)
        except HedraError as exc:
            app.toast(f"Download failed: {exc.message}", severity="error")
        else:
            app.toast(f"Downloaded {size:,} bytes to {dest}")
        finally:
            line.remove_class("-shown")

    def export(self, fmt: str) -> None:
        """Write the rows the list shows (filter applied) as JSON lines or CSV."""
        app = self.app
        rows = [app.store.rows[i] for i in app.list_view.ids]
        stamp = app.clock().strftime("%Y%m%d-%H%M%S")
        path = app.export_dir / f"hedra-generations-{stamp}.{fmt}"
        try:
            write_export(rows, path, fmt, app.store.model_label)
        except OSError as exc:
            app.toast(f"Export failed: {exc.strerror or exc}", severity="error")
            return
        app.toast(f"Exported {len(rows):,} generations to {path}")
