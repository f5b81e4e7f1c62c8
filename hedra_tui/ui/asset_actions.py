"""What can be done with the selected job's data: copy (OSC 52), open, download, export.

The App's ``action_*`` methods (bound by the one action table in ``actions.py``) hand over
to :class:`AssetActions`; copies and exports take raw values, toasts show safe text.
Copying ids, downloading and exporting act on the marked jobs when there are any, else on
the filtered list when a filter is on, else on the selected job (``state/marks.targets``).
Downloads go through the App's :class:`DownloadQueue`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..api.sanitize import safe_link
from ..state.derive import prompt_of
from ..state.downloads import Plan, plan
from ..state.export import write_export
from ..state.naming import NameFacts
from ..state.store import Row
from .browser import why_no_browser
from .screens.download import DownloadScreen

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
        if what == "id":
            targets = app.targets()
            if targets.source in ("marked", "filtered"):
                app.copy_to_clipboard("\n".join(targets.ids))
                count = len(targets.ids)
                app.toast(f"Copied {count:,} id{'s' if count != 1 else ''} ({targets.describe()})")
                return
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

    def _facts(self, row: Row) -> tuple[NameFacts, str | None]:
        gen = row.gen
        url = self._url(row)
        facts = NameFacts(
            id=row.id,
            created=row.created,
            model=self.app.store.model_label(row),
            prompt=prompt_of(gen),
            type=gen.type or row.type_text,
            status=row.status,
            url=url or "",
        )
        return facts, url

    def plan(self, ids: list[str], folder: Path, overwrite: bool) -> Plan:
        rows = self.app.store.rows
        jobs = (self._facts(rows[i]) for i in ids if i in rows)
        return plan(
            jobs,
            folder,
            self.app.download_name,
            overwrite=overwrite,
            queued=self.app.downloads.pending_paths(),
        )

    def download(self, overwrite: bool = False) -> None:
        """The selected job at once; marked jobs or the filtered list after a dialog."""
        app = self.app
        targets = app.targets()
        if targets.source == "none":
            app.toast("Nothing to download")
            return
        if targets.source == "selected":
            planned = self.plan(targets.ids, app.download_dir, overwrite)
            if planned.no_asset:
                app.toast("This generation has no asset to download (yet)")
            elif planned.skipped:
                app.toast(f"Already downloaded: {planned.skipped[0]} (D downloads again)")
            elif planned.queued_already:
                app.toast("This file is being downloaded already")
            else:
                self._start(planned, "this job", app.download_dir)
            return

        def chosen(folder: Path | None) -> None:
            if folder is None:
                return
            app.download_dir = folder  # the next downloads go there too (this session)
            self._start(self.plan(targets.ids, folder, overwrite), targets.describe(), folder)

        screen = DownloadScreen(
            targets.describe(),
            app.download_dir,
            app.download_name,
            lambda folder: self.plan(targets.ids, folder, overwrite),
            overwrite=overwrite,
        )
        app.push_screen(screen, chosen)

    def _start(self, planned: Plan, what: str, folder: Path) -> None:
        app = self.app
        added = app.downloads.add(planned.items)
        parts = []
        if planned.skipped:
            parts.append(f"{len(planned.skipped):,} already there, skipped")
        if planned.queued_already:
            parts.append(f"{planned.queued_already:,} already queued")
        if planned.no_asset:
            parts.append(f"{planned.no_asset:,} with no file")
        more = f" ({'; '.join(parts)})" if parts else ""
        if not added:
            app.toast(f"Nothing to download for {what}{more}")
            return
        files = f"{added:,} file{'s' if added != 1 else ''}"
        app.toast(f"Downloading {files} ({what}) to {folder}{more}")
        app.start_downloads()

    def export(self, fmt: str) -> None:
        """Write the rows the list shows (filter applied) as JSON lines or CSV."""
        app = self.app
        targets = app.targets()
        if targets.source == "marked":
            what = f" ({targets.describe()})"
            rows = [app.store.rows[i] for i in targets.ids]
        else:
            what = " (the filtered list)" if targets.source == "filtered" else ""
            rows = [app.store.rows[i] for i in app.list_view.ids]
        stamp = app.clock().strftime("%Y%m%d-%H%M%S")
        path = app.export_dir / f"hedra-generations-{stamp}.{fmt}"
        try:
            write_export(rows, path, fmt, app.store.model_label)
        except OSError as exc:
            app.toast(f"Export failed: {exc.strerror or exc}", severity="error")
            return
        app.toast(f"Exported {len(rows):,} generations{what} to {path}")
