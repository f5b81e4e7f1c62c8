"""Pictures in the terminal's graphics protocol, through the real App against the simulator:
Kitty's placeholder cells name the image sent once; iTerm2 and Sixel need the changed-cells
layer (not there in a headless app) and fall back to half-blocks, saying why."""

from __future__ import annotations

import base64
import re
from io import BytesIO

import httpx
import pytest
from PIL import Image
from rich.color import ColorSystem

from hedra_tui.state.graphics import DIACRITICS, PLACEHOLDER
from hedra_tui.state.preview import HalfBlocks
from hedra_tui.ui.widgets.picture import Picture

from .conftest import wait_for


def _complete_images(app) -> list[str]:
    return [
        i
        for i in app.store.order
        if app.store.rows[i].type_text == "image" and app.store.rows[i].status == "complete"
    ]


def _sent(app) -> list[str]:
    """What the app wrote to its (headless) terminal."""
    return app._graphics_written  # recorded by _record


def _record(app) -> None:
    app._graphics_written = []
    app.previews._write_raw = app._graphics_written.append  # type: ignore[method-assign]


async def test_kitty_sends_a_picture_once_and_draws_it_with_placeholder_cells(
    make_app, monkeypatch
):
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", "truecolor")  # as kitty says
    app, _, _ = make_app(graphics="kitty")
    _record(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        assert app.previews.protocol == "kitty"
        first, second = _complete_images(app)[:2]
        app.list_view.select_id(first)
        picture = app.query_one(Picture)
        await wait_for(pilot, lambda: picture.blocks is not None)
        await pilot.pause()
        graphic = picture.blocks
        sent = "".join(_sent(app))
        # one transmission: a virtual placement of the picture's cells, quiet, PNG in chunks
        head = re.match(r"\x1b_Ga=T,U=1,f=100,t=d,q=2,i=(\d+),c=(\d+),r=(\d+),m=\d;", sent)
        assert head is not None
        image_id, cols, rows = (int(g) for g in head.groups())
        assert (cols, rows) == (graphic.cols, graphic.rows)
        chunks = re.findall(r"\x1b_G[^;]*;([A-Za-z0-9+/=]*)\x1b\\", sent)
        png = base64.b64decode("".join(chunks))
        url = app.store.rows[first].gen.asset.asset.url
        original = Image.open(BytesIO(httpx.get(url).content))
        shown = Image.open(BytesIO(png))
        assert shown.format == "PNG"
        assert abs(shown.width / shown.height - original.width / original.height) < 0.05
        # the screen: each cell of the picture is the placeholder with its row and column,
        # colored with the image's id
        region = picture.content_region
        strips = app.screen._compositor.render_strips()
        for r in (0, rows - 1):
            strip = strips[region.y + 1 + r].crop(region.x, region.x + cols)
            text = "".join(seg.text for seg in strip)
            assert text == "".join(PLACEHOLDER + DIACRITICS[r] + DIACRITICS[c] for c in range(cols))
            r8, g8, b8 = next(iter(strip)).style.color.triplet
            assert (r8 << 16) | (g8 << 8) | b8 == image_id
        # away and back: drawn again from the terminal's copy, nothing sent
        app.list_view.select_id(second)
        await wait_for(pilot, lambda: app.previews.kitty.sent == 2)
        app.list_view.select_id(first)
        await wait_for(pilot, lambda: picture.shown is not None and picture.shown[1] == url)
        await pilot.pause()
        assert app.previews.kitty.sent == 2


async def test_kitty_frees_pictures_beyond_its_limit_and_at_exit(make_app, monkeypatch):
    monkeypatch.setattr("hedra_tui.ui.preview.KITTY_IMAGES", 2)
    # 256 colors (TERM=xterm-kitty without COLORTERM): ids are color cube entries
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", "256")
    app, _, _ = make_app(graphics="kitty")
    _record(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        assert app.previews.kitty.eight_bit
        images = _complete_images(app)[:3]
        for n, gen_id in enumerate(images, 1):
            app.list_view.select_id(gen_id)
            await wait_for(pilot, lambda n=n: app.previews.kitty.sent == n)
        sent = "".join(_sent(app))
        ids = re.findall(r"a=T,U=1,f=100,t=d,q=2,i=(\d+)", sent)
        assert len(ids) == 3
        assert re.findall(r"a=d,d=I,i=(\d+)", sent) == [ids[0]]  # the oldest, when the 3rd came
        assert all(16 <= int(i) < 232 for i in ids)
        picture = app.query_one(Picture)
        await pilot.pause()
        strip = app.screen._compositor.render_strips()[picture.content_region.y + 1]
        colors = {seg.style.color for seg in strip if seg.text.startswith(PLACEHOLDER)}
        # as the console writes it in 256 colors (Textual may have made it RGB on the way)
        written = {
            c.number if c.triplet is None else c.downgrade(ColorSystem.EIGHT_BIT).number
            for c in colors
        }
        assert written == {int(ids[2])}
    sent = "".join(_sent(app))
    assert sorted(re.findall(r"a=d,d=I,i=(\d+)", sent)) == sorted(ids)  # the rest at exit


@pytest.mark.parametrize("protocol", ["iterm2", "sixel"])
async def test_iterm2_and_sixel_without_the_output_layer_fall_back_to_half_blocks(
    make_app, protocol
):
    app, _, _ = make_app(graphics=protocol)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        assert app.previews.protocol == "halfblocks"
        assert app.previews.why == f"{protocol} needs the changed-cells output"
        app.list_view.select_id(_complete_images(app)[0])
        picture = app.query_one(Picture)
        await wait_for(pilot, lambda: picture.blocks is not None)
        assert isinstance(picture.blocks, HalfBlocks)
