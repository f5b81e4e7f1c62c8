"""The detail pane's picture, for one App: which picture the selected job has, fetched in a
background worker (one at a time: moving on cancels it), decoded and scaled in a thread,
cached (bytes by URL, decoded cells by URL and size). Off (``P``, ``preview = false``):
nothing is requested and nothing is drawn.

Drawn in the terminal's graphics protocol where the environment names one (see
``state/graphics.py``), else in half-blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
from collections import OrderedDict
from typing import TYPE_CHECKING

from rich.color import Color
from textual.css.query import NoMatches

from ..api.errors import HedraError
from ..api.preview import fetch_image, is_fetchable
from ..state.graphics import (
    EIGHT_BIT_IDS,
    Graphic,
    Protocol,
    cell_pixels,
    detect,
    encode,
    kitty_delete,
    kitty_transmit,
)
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
    from collections.abc import Callable

    from textual.geometry import Region

    from .app import HedraApp
    from .graphics_overlay import Overlay, Target
    from .widgets.picture import Picture

BYTES_CACHE = 4_000_000  # fetched pictures kept in memory, in bytes (a few MB)
DECODED_CACHE = 48  # decoded pictures kept, by URL and size
GROUP = "preview"
LOADING_AFTER = 0.3  # s: a picture quicker than this appears without a "loading…" first
KITTY_IMAGES = 24  # Kitty pictures kept in the terminal (older ones are deleted there)


class KittyImages:
    """The pictures sent to a Kitty terminal, by key, and the ids that name them (a color:
    24-bit, or one of the 256-color cube's where the console has 256 colors)."""

    def __init__(self, write: Callable[[str], None], *, eight_bit: bool) -> None:
        self._write = write
        self.eight_bit = eight_bit
        self._ids: OrderedDict[object, int] = OrderedDict()
        self._count = 0
        self._base = random.randrange(0x20, 0xE0) << 16  # apart from other programs' ids
        self.sent = 0  # pictures transmitted
        self.bytes = 0

    def color(self, image_id: int) -> Color:
        if self.eight_bit:
            return Color.from_ansi(image_id)
        return Color.from_rgb(image_id >> 16, (image_id >> 8) & 0xFF, image_id & 0xFF)

    def show(self, key: object, graphic: Graphic) -> int:
        """The id of ``graphic`` in the terminal, sending it first if it is not there."""
        image_id = self._ids.get(key)
        if image_id is not None:
            self._ids.move_to_end(key)
            return image_id
        self._count += 1
        if self.eight_bit:
            image_id = EIGHT_BIT_IDS[self._count % len(EIGHT_BIT_IDS)]
        else:
            image_id = self._base + self._count % 0xFFFF
        assert isinstance(graphic.payload, bytes)
        data = kitty_transmit(graphic.payload, image_id, graphic.cols, graphic.rows)
        self._ids[key] = image_id
        while len(self._ids) > KITTY_IMAGES:
            _, old = self._ids.popitem(last=False)
            data = kitty_delete(old) + data
        self._write(data)
        self.sent += 1
        self.bytes += len(data)
        return image_id

    def close(self) -> None:
        """Free every picture sent (at exit)."""
        if self._ids:
            self._write("".join(kitty_delete(i) for i in self._ids.values()))
            self._ids.clear()


class Previews:
    """Fetch, decode and show the selected job's picture."""

    def __init__(
        self,
        app: HedraApp,
        *,
        enabled: bool = True,
        max_bytes: int = 8_000_000,
        graphics: str = "auto",
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.max_bytes = max_bytes
        self.graphics = graphics  # the setting: "auto" or a protocol
        # decided in start(), once the terminal's output is set up
        self.protocol: Protocol = "halfblocks"
        self.why = "not started"
        self.cell_px: tuple[int, int] | None = None
        self.kitty: KittyImages | None = None
        self.overlay: Overlay | None = None
        self.bytes = ByteCache(BYTES_CACHE)
        self.decoded: LRU = LRU(DECODED_CACHE)
        self.wanted: tuple[str, int, int] | None = None  # the picture being shown or loaded
        # counters, for tests and the curious: fetches begun, loads cancelled by moving on
        self.fetches = 0
        self.cancelled = 0

    def start(self, env: dict[str, str] | None = None) -> None:
        """Choose how pictures are drawn (after the app's output layer is installed)."""
        choice = detect(os.environ if env is None else env, self.graphics)
        protocol, why = choice.protocol, choice.why
        app = self.app
        diff = app.screen_diff
        colors = app.console.color_system
        if protocol in ("iterm2", "sixel") and (diff is None or diff.write_raw is None):
            # without the changed-cells layer nothing tells what was written over it
            protocol, why = "halfblocks", f"{protocol} needs the changed-cells output"
        if protocol == "kitty" and colors not in ("truecolor", "256"):
            protocol, why = "halfblocks", f"kitty needs 256 colors or more ({colors})"
        self.protocol, self.why = protocol, why
        if protocol == "kitty":
            self.kitty = KittyImages(self._write_raw, eight_bit=colors == "256")
        elif protocol in ("iterm2", "sixel") and diff is not None and diff.write_raw:
            from .graphics_overlay import Overlay

            self.overlay = Overlay(diff, diff.write_raw, self._repaint)
            self.overlay.target = self._overlay_target
            diff.after_update = self.overlay.check
        self._read_cell_size()

    def _read_cell_size(self) -> None:
        """A cell's size in pixels, as the terminal says now (a font change alters it)."""
        if self.protocol == "halfblocks":
            return
        # Textual writes to stderr (stdout may be piped); either may be the terminal
        for stream in (sys.__stderr__, sys.__stdout__):
            if stream is None:
                continue
            with contextlib.suppress(OSError, ValueError):  # no file behind it
                size = cell_pixels(stream.fileno())
                if size is not None:
                    self.cell_px = size
                    return

    def _write_raw(self, data: str) -> None:
        diff = self.app.screen_diff
        if diff is not None and diff.write_raw is not None:
            diff.write_raw(data)
        elif self.app._driver is not None:
            self.app._driver.write(data)

    def _repaint(self, region: Region) -> None:
        self.app.screen.refresh(region)

    def _overlay_target(self) -> Target | None:
        try:
            return self.picture.overlay_target()
        except NoMatches:  # no picture widget (the app is closing): nothing to paint
            return None

    def close(self) -> None:
        if self.kitty is not None:
            with contextlib.suppress(Exception):  # the terminal may be gone already
                self.kitty.close()

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
            if picture.display:  # in place of another job's picture or line: at once
                self._say_loading(source, key)
            else:  # nothing there: only if it takes a while (else the pane is laid out twice)
                self.app.set_timer(LOADING_AFTER, lambda: self._say_loading(source, key))
        self.app.run_worker(
            self._load(source, key),
            name="preview",
            group=GROUP,
            exclusive=True,
            exit_on_error=False,
        )

    def _say_loading(self, source: PreviewSource, key: tuple[str, int, int]) -> None:
        if self.wanted != key:
            return  # shown already, or moved on
        try:
            picture = self.picture
        except NoMatches:  # the app is closing
            return
        if not _about(picture.shown, key[0]):
            picture.show_message(f"{source.what}: loading…", key=("loading", source.url))

    def _show(
        self, source: PreviewSource, key: tuple[str, int, int], blocks: HalfBlocks | Graphic
    ) -> None:
        w, h = blocks.source_size
        caption = f"{source.what} {w}×{h}"
        if isinstance(blocks, HalfBlocks):
            self.picture.show_blocks(blocks, caption, key=("picture", *key))
            return
        color = None
        if self.kitty is not None:
            color = self.kitty.color(self.kitty.show(key, blocks))
        self.picture.show_graphic(blocks, caption, key=("picture", *key), color=color)

    def _slow_link(self) -> bool:
        diff = self.app.screen_diff
        return diff is not None and diff.link is not None and diff.link.slow

    def _decode(
        self, data: bytes, cols: int, rows: int, protocol: Protocol
    ) -> HalfBlocks | Graphic:
        if protocol == "halfblocks":
            return decode_half_blocks(data, cols, rows)
        return encode(data, cols, rows, protocol, self.cell_px)

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
            # a slow link (--low-bandwidth, or measured): half-blocks, a fraction of the bytes
            # of a protocol's picture, which would hold the keys' updates up behind it
            protocol = "halfblocks" if self._slow_link() else self.protocol
            if protocol == "sixel":  # drawn pixel for pixel: the size must be today's
                self._read_cell_size()
            blocks = await asyncio.to_thread(self._decode, data, cols, rows, protocol)
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
