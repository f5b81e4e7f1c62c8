"""The requests-per-cycle benchmark runs, and its numbers hold the bound."""

from __future__ import annotations

import math

from benchmarks.requests_per_cycle import run


async def test_poller_needs_1_plus_1_per_100_requests_where_naive_needs_n_plus_1():
    for n, ours, naive, ratio in await run((1, 20, 150)):
        assert ours <= 1 + math.ceil(n / 100)
        assert naive == n + 1
        assert ratio >= 1
