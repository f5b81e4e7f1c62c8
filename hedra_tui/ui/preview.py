"""The detail pane's picture, for one App: which picture the selected job has, fetched in a
background worker (one at a time: moving on cancels it), decoded and scaled in a thread,
cached (bytes by URL, decoded cells by URL and size). Off (``P``, ``preview = false``):
nothing is requested and nothing is drawn.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..api.errors import HedraError
from ..api.preview import fetch_image, is_fetchable
from ..state.preview import (
    LRU,
    BadImage,
    ByteCache,
    HalfBlocks,
    PreviewSource,
    decode_half_blocks,
    preview_source,
)
from ..state.store import Row

if TYPE_CHECKING:
    from .app import HedraApp
    from .widgets.picture import Picture

BYTES_CACHE = 4_000_000  # fetched pictures kept in memory, in bytes (a few MB)
DECODED_CACHE = 48  # decoded pictures kept, by URL and size
GROUP = "preview"


class Previews:
    """Fetch, decode and show the selected job's picture."""

    def __init__(
        self,
        app: HedraApp,
        *,
        enabled: bool = True,
        max_bytes: int = 8_000_000,
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.max_bytes = max_bytes
        self.bytes = ByteCache(BYTES_CACHE)
        self.decoded: LRU = LRU(DECODED_CACHE)
        self.wanted: tuple[str, int, int] | None = None  # the picture being shown or loaded
        # counters, for tests and the curious: fetches begun, loads cancelled by moving on
        self.fetches = 0
        self.cancelled = 0

    @property
    def picture(self) -> Picture:
        from .widgets.picture import Picture

        return self.app.query_one(Picture)

    def toggle(self) -> None:
        self.enabled = not self.enabled
        if not self.enabled:
            self._stop()
            self.picture.clear()
        self.app.toast("Pictures on" if self.enabled else "Pictures off: none are fetched")
        self.app.detail.refresh_picture()

    def _stop(self) -> None:
        self.wanted = None
        self.app.workers.cancel_group(self.app, GROUP)

    def update(self, row: Row | None, cols: int, rows: int) -> None:
        """Show ``row``'s picture in ``cols`` x ``rows`` cells at most (called on every
        repaint of the detail pane: cheap when nothing changed)."""
        picture = self.picture
        source = preview_source(row) if self.enabled and row is not None else None
        if source is None:
            if self.wanted is not None:
                self._stop()
            picture.clear()
            return
        if source.url is None:
            self._stop()
            picture.show_message(source.note, key=("note", source.note))
            return
        if not is_fetchable(source.url):
            self._stop()
            picture.show_message(
                f"{source.what}: not an http(s) URL, not fetched", key=("bad", source.url)
            )
            return
        if cols < 4 or rows < 2:
            self._stop()
            picture.clear()  # no room for a picture worth the bytes
            return
        key = (source.url, cols, rows)
        if key == self.wanted:
            return  # on screen already, or on its way
        self.app.workers.cancel_group(self.app, GROUP)
        self.wanted = key
        blocks = self.decoded.get(key)
        if blocks is not None:
            self._show(source, key, blocks)
            return
        if not _about(picture.shown, source.url):  # a new picture: say it is coming
            picture.show_message(f"{source.what}: loading…", key=("loading", source.url))
        self.app.run_worker(
            self._load(source, key),
            name="preview",
            group=GROUP,
            exclusive=True,
            exit_on_error=False,
        )

    def _show(self, source: PreviewSource, key: tuple[str, int, int], blocks: HalfBlocks) -> None:
        w, h = blocks.source_size
        self.picture.show_blocks(blocks, f"{source.what} {w}×{h}", key=("picture", *key))

    async def _load(self, source: PreviewSource, key: tuple[str, int, int]) -> None:
        url, cols, rows = key
        try:
            data = self.bytes.get(url)
            if data is None:
                self.fetches += 1
                fetched = await fetch_image(url, max_bytes=self.max_bytes)
                data = fetched.data
                self.bytes.put(url, data)
            # decoding and scaling take a while for a large image: off the event loop
            blocks = await asyncio.to_thread(decode_half_blocks, data, cols, rows)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        except (HedraError, BadImage) as exc:
            if self.wanted == key:
                text = exc.message if isinstance(exc, HedraError) else str(exc)
                self.picture.show_message(f"{source.what}: {text}", key=("error", url))
            return
        if self.wanted != key:
            return  # moved on while the thread decoded
        self.decoded.put(key, blocks)
        self._show(source, key, blocks)


def _about(shown: object, url: str) -> bool:
    """Whether the picture's line is about ``url`` already (loading, shown, failed)."""
    return isinstance(shown, tuple) and len(shown) > 1 and shown[1] == url
