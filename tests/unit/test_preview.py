"""Which picture a job has, how it fits the pane, and the bounded caches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hedra_tui.api.models import parse_generation
from hedra_tui.simulator.pictures import picture
from hedra_tui.state.preview import LRU, ByteCache, decode_half_blocks, fit, preview_source
from hedra_tui.state.store import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def row(**fields):
    store = Store(clock=lambda: NOW)
    store.upsert([parse_generation({"id": "g1", "status": "complete", **fields})])
    return store.rows["g1"]


def asset(body: dict, **outer) -> dict:
    return {"asset": {"id": "a1", **outer, "asset": body}}


def test_an_image_output_is_its_own_picture():
    r = row(type="image", **asset({"type": "generated_image", "url": "https://cdn/x.png"}))
    source = preview_source(r)
    assert source is not None and (source.url, source.what) == ("https://cdn/x.png", "image")


def test_a_video_shows_its_thumbnail_then_its_poster_else_says_there_is_none():
    video = {"type": "generated_video", "url": "https://cdn/v.mp4"}
    thumb = row(**asset({**video, "poster_url": "https://cdn/p"}, thumbnail_url="https://cdn/t"))
    assert preview_source(thumb).url == "https://cdn/t"
    poster = row(**asset({**video, "poster_url": "https://cdn/p"}))
    assert preview_source(poster).url == "https://cdn/p"
    bare = preview_source(row(**asset(video)))
    assert bare is not None and bare.url is None
    assert bare.note == "video: no thumbnail from the API"


def test_audio_and_unfinished_jobs_have_no_picture():
    assert preview_source(row(**asset({"type": "generated_audio", "url": "https://a"}))) is None
    assert preview_source(row()) is None


def test_v3_outputs_picture_an_image_and_say_a_video_has_no_thumbnail():
    image = {"content_type": "image/png", "url": "https://cdn/o.png"}
    video = {"content_type": "video/mp4", "url": "https://cdn/o.mp4"}
    r = row(job_id="j1", outputs=[video, image])
    assert preview_source(r).url == "https://cdn/o.png"
    only_video = preview_source(row(job_id="j1", outputs=[video]))
    assert only_video.url is None and only_video.note == "video: no thumbnail from the API"
    assert preview_source(row(job_id="j1", outputs=[])) is None


@pytest.mark.parametrize(
    ("size", "room", "cells"),
    [
        ((1280, 720), (40, 20), (40, 11)),  # wide: the width decides (40 px x 22.5 px)
        ((720, 1280), (40, 20), (22, 20)),  # tall: the height decides (40 px = 20 rows)
        ((1024, 1024), (40, 10), (20, 10)),  # square: 20 x 20 pixels
        ((10, 10), (0, 10), (0, 0)),
    ],
)
def test_a_picture_fits_its_room_keeping_its_shape(size, room, cells):
    assert fit(*size, *room) == cells


def test_half_blocks_hold_two_pixels_a_cell_upper_over_lower():
    data = picture("unit", 1024, 1024)  # 192 x 192
    blocks = decode_half_blocks(data, 192, 96)  # one pixel per half cell: no scaling
    assert (blocks.width, blocks.height, blocks.source_size) == (192, 96, (192, 192))
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(data)).convert("RGB")
    for x, y in ((0, 0), (191, 95), (100, 40)):
        assert blocks.rows[y][x] == (image.getpixel((x, 2 * y)), image.getpixel((x, 2 * y + 1)))


def test_the_byte_cache_is_bounded_and_drops_the_least_recently_used():
    cache = ByteCache(100)
    cache.put("a", b"x" * 40)
    cache.put("b", b"x" * 40)
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", b"x" * 40)
    assert (cache.get("b"), len(cache), cache.size) == (None, 2, 80)
    cache.put("huge", b"x" * 101)  # bigger than the whole cache: not kept
    assert cache.get("huge") is None and cache.size == 80
    lru = LRU(2)
    for key in "abc":
        lru.put(key, key)
    assert (lru.get("a"), lru.get("c"), len(lru)) == (None, "c", 2)
