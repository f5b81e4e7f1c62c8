"""The picture in the detail pane, through the real App against the simulator: what the
terminal's cells show, the size cap, refusals in one line, off means no request at all,
moving on cancels the load."""

from __future__ import annotations

from io import BytesIO

import httpx
from PIL import Image

from hedra_tui.ui.widgets.picture import Picture

from .conftest import screen_lines, wait_for


def _complete(app, kind: str) -> list[str]:
    return [
        i
        for i in app.store.order
        if app.store.rows[i].type_text == kind and app.store.rows[i].status == "complete"
    ]


def _assets(sim) -> dict[str, int]:
    return httpx.get(f"{sim.base_url}/_sim/stats").json()["asset_paths"]


def _cell(app, x: int, y: int) -> tuple[str, tuple[int, int, int], tuple[int, int, int]]:
    """The character and colors the screen has at column ``x``, row ``y``."""
    strip = app.screen._compositor.render_strips()[y].crop(x, x + 1)
    segment = next(iter(strip))
    style = segment.style
    return segment.text, style.color.triplet, style.bgcolor.triplet


def _close(a, b, tolerance: int = 40) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


async def test_an_image_output_shows_as_half_blocks_with_the_image_colors(make_app):
    app, sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        gen_id = _complete(app, "image")[0]
        app.list_view.select_id(gen_id)
        picture = app.query_one(Picture)
        await wait_for(pilot, lambda: picture.blocks is not None)
        await pilot.pause()
        assert _assets(sim) == {f"/_sim/assets/{gen_id}": 1}
        url = app.store.rows[gen_id].gen.asset.asset.url
        image = Image.open(BytesIO(httpx.get(url).content)).convert("RGB")  # the same bytes
        httpx.post(f"{sim.base_url}/_sim/stats/reset")
        w, h = image.size
        blocks = picture.blocks
        assert blocks.source_size == (w, h)
        region = picture.content_region
        assert region.width == blocks.width and region.height == blocks.height + 1
        # read back from the screen: the first and last cells of the picture
        top_left = _cell(app, region.x, region.y + 1)
        bottom_right = _cell(app, region.x + blocks.width - 1, region.y + blocks.height)
        assert top_left[0] == bottom_right[0] == "▀"
        assert _close(top_left[1], image.getpixel((0, 0)))
        assert _close(bottom_right[2], image.getpixel((w - 1, h - 1)))
        assert not _close(top_left[1], bottom_right[2], 20)  # a gradient, not one color
        caption = screen_lines(app)[region.y][region.x : region.right]
        assert caption.strip() == f"image {w}×{h}"
        # back and forth: the second look comes from the cache, not the network
        await pilot.press("j")
        await pilot.press("k")
        await wait_for(pilot, lambda: picture.blocks is not None)
        assert _assets(sim) == {}


async def test_a_video_shows_its_thumbnail(make_app):
    app, sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        gen_id = _complete(app, "video")[0]
        app.list_view.select_id(gen_id)
        picture = app.query_one(Picture)
        await wait_for(pilot, lambda: picture.blocks is not None)
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        w, h = picture.blocks.source_size
        assert max(w, h) == 192  # the simulator's thumbnail, in the video's aspect ratio
        assert f"video thumbnail {w}×{h}" in text
        assert _assets(sim).get(f"/_sim/assets/{gen_id}?thumb=1") == 1


async def test_v3_video_says_the_api_gives_no_thumbnail_and_v3_image_shows(make_v3_app):
    app, _, _ = make_v3_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        videos = _complete(app, "video")
        images = _complete(app, "image")
        picture = app.query_one(Picture)
        assert videos and images
        app.list_view.select_id(videos[0])  # v3 outputs have no field for a thumbnail
        await wait_for(pilot, lambda: picture.shown == ("note", "video: no thumbnail from the API"))
        await pilot.pause()
        assert any("video: no thumbnail from the API" in ln for ln in screen_lines(app))
        app.list_view.select_id(images[0])
        await wait_for(pilot, lambda: picture.blocks is not None, timeout=20)


async def test_over_the_size_cap_says_so_in_one_line(make_app):
    app, _, _ = make_app(preview_max_bytes=500)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        app.list_view.select_id(_complete(app, "image")[0])
        picture = app.query_one(Picture)
        await wait_for(
            pilot, lambda: isinstance(picture.shown, tuple) and picture.shown[0] == "error"
        )
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert (
            "image: picture not loaded:" in text and "over the preview's cap of 500 bytes" in text
        )
        assert picture.blocks is None


async def _inject_image(sim, url: str) -> str:
    body = {"type": "generated_image", "url": url, "width": 64, "height": 64}
    created = httpx.post(
        f"{sim.base_url}/_sim/generations",
        json={
            "type": "image",
            "status": "complete",
            "progress": 1.0,
            "asset": {"id": "a", "type": "image", "asset": body},
        },
    ).json()
    return created["id"]


async def test_not_an_image_a_broken_image_and_a_bad_scheme_each_say_why(make_app):
    app, sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        cases = {
            f"{sim.base_url}/_sim/assets/abc": "image: not an image (application/octet-stream)",
            f"{sim.base_url}/_sim/broken-image": "picture not shown: the image could not be read",
            "javascript:alert(1)": "image: not an http(s) URL, not fetched",
        }
        ids = {await _inject_image(sim, url): want for url, want in cases.items()}
        app.action_refresh()
        await wait_for(pilot, lambda: all(i in app.store.rows for i in ids))
        picture = app.query_one(Picture)
        for gen_id, want in ids.items():
            app.list_view.select_id(gen_id)
            await wait_for(pilot, lambda want=want: any(want in ln for ln in screen_lines(app)))
            assert picture.blocks is None and picture.region.height == 1


async def test_off_fetches_nothing_and_draws_nothing_p_turns_it_on_and_off(make_app):
    app, sim, _ = make_app(preview=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        images = _complete(app, "image")[:3]
        picture = app.query_one(Picture)
        for gen_id in images:
            app.list_view.select_id(gen_id)
            await pilot.pause(0.3)
            assert not picture.display
        await wait_for(pilot, lambda: app.cycles >= 3)
        assert _assets(sim) == {}  # not one request for a picture
        assert app.previews.fetches == 0
        await pilot.press("P")
        await wait_for(pilot, lambda: picture.blocks is not None)
        assert _assets(sim) == {f"/_sim/assets/{images[-1]}": 1}
        await pilot.press("P")
        await pilot.pause()
        assert not picture.display and picture.region.height == 0
        assert not any("▀" in ln for ln in screen_lines(app))
        app.list_view.select_id(images[0])
        await pilot.pause(0.3)
        assert _assets(sim) == {f"/_sim/assets/{images[-1]}": 1}


async def test_moving_on_cancels_the_load_of_the_picture_left_behind(make_app):
    app, sim, _ = make_app()
    httpx.post(f"{sim.base_url}/_sim/latency", json={"seconds": 0, "assets": 1.0})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        first, second = _complete(app, "image")[:2]
        app.list_view.select_id(first)
        picture = app.query_one(Picture)
        await wait_for(pilot, lambda: app.previews.fetches == 1)
        # slow to come: "loading…" (after a moment: a quick picture comes without it)
        loading = ("loading", app.store.rows[first].gen.asset.asset.url)
        await wait_for(pilot, lambda: picture.shown == loading)
        app.list_view.select_id(second)  # before the first picture's bytes arrive
        await wait_for(pilot, lambda: picture.blocks is not None, timeout=20)
        assert app.previews.cancelled == 1
        assert picture.shown[1] == app.store.rows[second].gen.asset.asset.url
        assert app.previews.bytes.get(app.store.rows[first].gen.asset.asset.url) is None


async def test_a_quick_picture_comes_without_a_loading_line_first(make_app, monkeypatch):
    """A picture that comes before "loading…" is due lays the pane out once, not twice (a
    "loading…" line in the flow, then the picture at the right). "Quick" is made generous
    here (5 s, not 0.3 s) so that a busy machine cannot make the picture late."""
    monkeypatch.setattr("hedra_tui.ui.preview.LOADING_AFTER", 5.0)
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        picture = app.query_one(Picture)
        app.list_view.select_id(next(i for i in app.store.order if app.store.rows[i].in_flight))
        await pilot.pause(0.2)
        assert not picture.display  # a job in flight: no picture
        shown: list[object] = []
        original = picture._set

        def record(caption, blocks, key):
            shown.append(key)
            original(caption, blocks, key)

        picture._set = record
        app.list_view.select_id(_complete(app, "image")[0])
        await wait_for(pilot, lambda: picture.blocks is not None)
        await pilot.pause(0.5)
        assert [k[0] for k in shown] == ["picture"]
