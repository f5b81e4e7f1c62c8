"""The requests-per-cycle benchmark runs, and its numbers hold the bound."""

from __future__ import annotations

import math

from benchmarks.requests_per_cycle import run


async def test_poller_needs_1_plus_1_per_100_requests_where_naive_needs_n_plus_1():
    for n, ours, naive, ratio in await run((1, 20, 150)):
        assert ours <= 1 + math.ceil(n / 100)
        assert naive == n + 1
        assert ratio >= 1


async def test_v3_app_asks_status_only_for_jobs_on_screen_where_naive_asks_every_job():
    from benchmarks.v3_requests import measure

    row = await measure(20)
    assert row["ours"] <= 2 + row["on_screen"]
    assert row["naive"] == 21
