"""Downloads from the simulator: complete files, progress, and no half file when cut."""

from __future__ import annotations

import httpx
import pytest

from hedra_tui.api.download import download
from hedra_tui.api.errors import APIConnectionError, APIStatusError


async def test_download_writes_the_whole_file_and_reports_progress(sim, tmp_path):
    seen = []
    dest = tmp_path / "out" / "a.mp4"
    size = await download(
        f"{sim.base_url}/_sim/assets/abc", dest, on_progress=lambda n, t: seen.append((n, t))
    )
    assert size == 64 * 1024 == dest.stat().st_size
    assert seen[-1] == (size, size)
    assert list(dest.parent.iterdir()) == [dest]


async def test_an_interrupted_download_leaves_no_file(sim, tmp_path):
    dest = tmp_path / "b.mp4"
    with pytest.raises(APIConnectionError):
        await download(f"{sim.base_url}/_sim/cut-assets/abc", dest)
    assert list(tmp_path.iterdir()) == []


async def test_a_failed_status_is_an_error_and_leaves_no_file(sim, tmp_path):
    with pytest.raises(APIStatusError):
        await download(f"{sim.base_url}/_sim/nothing-here", tmp_path / "c.bin")
    assert list(tmp_path.iterdir()) == []


async def test_a_gzip_encoded_asset_is_written_decoded_and_its_progress_counts_wire_bytes(
    sim, tmp_path
):
    url = f"{sim.base_url}/_sim/assets/abc?encoding=gzip"
    async with httpx.AsyncClient() as http:  # the server does encode it
        served = await http.get(url, headers={"Accept-Encoding": "gzip"})
    assert served.headers["content-encoding"] == "gzip"
    on_the_wire = int(served.headers["content-length"])
    assert on_the_wire < 64 * 1024
    plain = tmp_path / "plain.bin"
    await download(f"{sim.base_url}/_sim/assets/abc", plain)

    seen = []
    dest = tmp_path / "gz.bin"
    size = await download(url, dest, on_progress=lambda n, t: seen.append((n, t)))
    assert dest.read_bytes() == plain.read_bytes() == served.content
    assert size == 64 * 1024
    # the bar runs over the bytes Content-Length counts: it ends full, never past full
    assert seen[-1] == (on_the_wire, on_the_wire)
    assert all(done <= total for done, total in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gz.bin", "plain.bin"]
