"""Fetching an output's picture over a real socket: image types only, a size cap that stops
reading, http(s) only, and every refusal a one-line typed error."""

from __future__ import annotations

import httpx
import pytest

from hedra_tui.api.errors import APIStatusError
from hedra_tui.api.preview import NotAnImage, TooLarge, fetch_image, is_fetchable
from hedra_tui.state.preview import BadImage, decode_half_blocks


def _image_url(sim) -> str:
    page = httpx.get(
        f"{sim.base_url}/generations?limit=100&type=image", headers={"X-API-Key": sim.api_key}
    ).json()["data"]
    done = [g for g in page if g["status"] == "complete" and g.get("asset")]
    return done[0]["asset"]["asset"]["url"]


async def test_an_image_output_is_fetched_as_png_bytes(sim):
    url = _image_url(sim)
    got = await fetch_image(url, max_bytes=1_000_000)
    assert got.content_type == "image/png"
    assert got.data.startswith(b"\x89PNG\r\n\x1a\n")
    blocks = decode_half_blocks(got.data, 40, 10)
    assert blocks.width <= 40 and blocks.height <= 10


async def test_a_content_length_over_the_cap_is_refused_before_reading(sim):
    with pytest.raises(TooLarge, match=r"over the preview's cap of 1 KB"):
        await fetch_image(_image_url(sim), max_bytes=1000)


async def test_without_content_length_reading_stops_past_the_cap(sim):
    with pytest.raises(TooLarge, match="stopped reading"):
        await fetch_image(_image_url(sim) + "?chunked=1", max_bytes=600)
    got = await fetch_image(_image_url(sim) + "?chunked=1", max_bytes=1_000_000)
    assert got.data.startswith(b"\x89PNG")  # the same picture, read whole under the cap


async def test_a_non_image_content_type_is_refused(sim):
    with pytest.raises(NotAnImage, match=r"not an image \(application/octet-stream\)"):
        await fetch_image(f"{sim.base_url}/_sim/assets/abc", max_bytes=1_000_000)


async def test_a_missing_picture_is_an_http_status_error(sim):
    with pytest.raises(APIStatusError, match="answered 404"):
        await fetch_image(f"{sim.base_url}/_sim/no-such-picture", max_bytes=1_000_000)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "data:image/png;base64,AAAA", "//x/y"]
)
async def test_only_http_urls_are_fetched(url):
    assert not is_fetchable(url)
    with pytest.raises(NotAnImage, match="not an http"):
        await fetch_image(url, max_bytes=1000)


async def test_bytes_that_claim_to_be_a_png_are_a_one_line_message(sim):
    got = await fetch_image(f"{sim.base_url}/_sim/broken-image", max_bytes=1_000_000)
    with pytest.raises(BadImage) as caught:
        decode_half_blocks(got.data, 40, 10)
    assert str(caught.value) == "picture not shown: the image could not be read"
