"""The demo simulator can start in the background: requests wait for it instead of failing."""

from __future__ import annotations

import asyncio

import pytest

from hedra_tui.api.errors import APIConnectionError
from hedra_tui.api.starting import WaitForStart
from hedra_tui.api.v2 import V2Client
from hedra_tui.simulator.server import SimServer

from ..conftest_sim import FrozenClock


async def test_requests_wait_for_a_simulator_still_starting_then_go_through():
    sim = SimServer(count=50, inflight=2, seed=1, drift=False, clock=FrozenClock(), lazy=True)
    transport = WaitForStart(sim.ready, lambda: sim.failure)
    try:
        async with V2Client(sim.api_key, sim.base_url, timeout=1.0, transport=transport) as c:
            request = asyncio.ensure_future(c.list_generations(limit=5))
            await asyncio.sleep(1.5)  # longer than the request timeout: the wait is not in it
            assert not request.done()
            sim.start_in_background()
            page = await asyncio.wait_for(request, timeout=20)
            assert len(page.items) == 5
    finally:
        sim.stop()


async def test_a_simulator_that_cannot_start_fails_requests_as_a_connection_error():
    sim = SimServer(count=10, lazy=True)
    sim.failure = "the demo simulator failed to start (OSError)"
    sim.ready.set()
    transport = WaitForStart(sim.ready, lambda: sim.failure)
    try:
        async with V2Client(sim.api_key, sim.base_url, transport=transport, max_retries=0) as c:
            with pytest.raises(APIConnectionError):
                await c.list_generations(limit=5)
    finally:
        sim.stop()


def test_a_lazy_simulator_knows_its_address_at_once_and_builds_nothing_yet():
    sim = SimServer(count=100_000, lazy=True)
    try:
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert not hasattr(sim, "world") and not sim.ready.is_set()
    finally:
        sim.stop()
