"""What the detail pane's picture shows: which URL of a job is a picture (an image output, a
video's thumbnail), a bounded cache of fetched bytes, and the decoding of an image into
half-block cells (two pixels a cell: the upper one as the foreground of ``▀``, the lower
one as its background). Pillow is imported on the first decode, never at start-up."""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .store import Row

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

RGB = tuple[int, int, int]
MAX_PIXELS = 40_000_000  # a larger picture is not decoded (a decompression bomb guard)


@dataclass(frozen=True)
class PreviewSource:
    """Where a job's picture comes from, or why it has none (``url`` None, ``note`` says)."""

    url: str | None
    what: str  # "image", "video thumbnail" ...: the picture's caption
    note: str = ""


def _v3_source(raw: dict[str, Any]) -> PreviewSource | None:
    outputs = raw.get("outputs")
    if not isinstance(outputs, list) or not outputs:
        return None
    kinds: list[str] = []
    for out in outputs:
        if not isinstance(out, dict):
            continue
        kind = out.get("content_type")
        kind = kind.lower() if isinstance(kind, str) else ""
        url = out.get("url")
        if kind.startswith("image/") and isinstance(url, str) and url:
            return PreviewSource(url, "image")
        kinds.append(kind)
    if any(k.startswith("video/") for k in kinds):
        # v3 outputs carry no thumbnail or poster field
        return PreviewSource(None, "video", "video: no thumbnail from the API")
    return None


def preview_source(row: Row) -> PreviewSource | None:
    """The picture of ``row``: None when the job has nothing to show (not finished, audio,
    text); a source without URL when there is a reason to say why there is no picture."""
    raw = row.raw
    if isinstance(raw, dict) and "job_id" in raw:
        return _v3_source(raw)
    asset = row.gen.asset
    body = asset.asset if asset is not None else None
    if asset is None or body is None:
        return None
    kind = (body.type or asset.type or "").lower()
    if "image" in kind:
        url = body.url or body.download_url or asset.thumbnail_url
        return PreviewSource(url, "image") if url else None
    if "video" in kind:
        # the asset's thumbnail, else the video's poster frame (v2 has both fields)
        url = asset.thumbnail_url or body.poster_url
        if url:
            return PreviewSource(url, "video thumbnail")
        return PreviewSource(None, "video", "video: no thumbnail from the API")
    return None


class ByteCache:
    """Fetched pictures by URL, least recently used first out, bounded in total bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, url: str) -> bytes | None:
        data = self._items.get(url)
        if data is not None:
            self._items.move_to_end(url)
        return data

    def put(self, url: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return  # one picture bigger than the whole cache is not kept
        old = self._items.pop(url, None)
        if old is not None:
            self.size -= len(old)
        self._items[url] = data
        self.size += len(data)
        while self.size > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


class LRU:
    """A small least-recently-used map (decoded pictures by URL and size)."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class BadImage(Exception):
    """The bytes are not a picture Pillow can read (the message is one line for a person)."""


@dataclass(frozen=True)
class HalfBlocks:
    """A picture as terminal cells: ``rows`` of ``(upper, lower)`` RGB pairs, each row
    ``width`` cells; ``source_size`` is the image's own size in pixels."""

    width: int
    rows: tuple[tuple[tuple[RGB, RGB], ...], ...]
    source_size: tuple[int, int]

    @property
    def height(self) -> int:
        return len(self.rows)


def fit(image_w: int, image_h: int, cols: int, rows: int) -> tuple[int, int]:
    """The largest cell size (columns, rows) of the picture inside ``cols`` x ``rows``,
    keeping its aspect ratio: a cell holds two pixels stacked (a near-square pixel each)."""
    if image_w <= 0 or image_h <= 0 or cols <= 0 or rows <= 0:
        return 0, 0
    scale = min(cols / image_w, 2 * rows / image_h)
    w = max(1, min(cols, round(image_w * scale)))
    h = max(1, min(rows, round(image_h * scale / 2)))
    return w, h


@contextmanager
def open_image(data: bytes) -> Iterator[PILImage]:
    """The image in ``data``, opened with Pillow (imported here: the first picture pays for
    it). Whatever goes wrong reading it, in here or in the caller's block, is one
    :class:`BadImage` with a line for a person; so is a picture of too many pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise BadImage(f"picture not shown: {width}x{height} pixels is too many")
            yield image
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise BadImage("picture not shown: the image could not be read") from exc
    except Image.DecompressionBombError as exc:
        raise BadImage("picture not shown: too many pixels") from exc


def decode_half_blocks(data: bytes, cols: int, rows: int) -> HalfBlocks:
    """Decode ``data`` and scale it into at most ``cols`` x ``rows`` cells (slow: run it in a
    thread). Raises :class:`BadImage` for bytes that are not an image it can read."""
    with open_image(data) as image:
        from PIL import Image

        width, height = image.size
        w, h = fit(width, height, cols, rows)
        if w == 0:
            raise BadImage("picture not shown: no room")
        image.draft("RGB", (w, 2 * h))  # JPEG: decode at a fraction of the size
        rgb = image.convert("RGB")
        if rgb.mode != "RGB":  # pragma: no cover - convert("RGB") always gives RGB
            raise BadImage("picture not shown: no colors")
        small = rgb.resize((w, 2 * h), Image.Resampling.BOX)
    raw = small.tobytes()
    stride = w * 3

    def pixel(x: int, y: int) -> RGB:
        i = y * stride + x * 3
        return raw[i], raw[i + 1], raw[i + 2]

    cells = tuple(tuple((pixel(x, 2 * y), pixel(x, 2 * y + 1)) for x in range(w)) for y in range(h))
    return HalfBlocks(w, cells, (width, height))
