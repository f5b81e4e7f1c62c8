"""What a naive monitor holds in memory: every generation of the history as a parsed model.

``python -m benchmarks.naive_store`` (``HEDRA_API_KEY``/``HEDRA_BASE_URL`` set) reads every
page of ``GET /generations`` and keeps each item as a pydantic ``Generation`` (with its raw
JSON), as a monitor that keeps ``resp.json()`` and its models around does; then prints its
resident memory in MB. The same pages, the same process start-up as hedra-tui's.
"""

from __future__ import annotations

import asyncio
import os

from hedra_tui.api.models import Generation
from hedra_tui.api.v2 import V2Client


async def load() -> list[Generation]:
    kept: list[Generation] = []
    async with V2Client(os.environ["HEDRA_API_KEY"], os.environ["HEDRA_BASE_URL"]) as client:
        async for page in client.iter_pages(page_size=100):
            kept.extend(page.items)
    return kept


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


if __name__ == "__main__":
    gens = asyncio.run(load())
    print(f"{len(gens)} {rss_mb():.1f}")
