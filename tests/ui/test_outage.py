"""The truth during outages, read from the screen: no false stalls, an overdue request is
not "live", the retry countdown is the real one, and recovery follows the fault's end."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from hedra_tui.state.poller import ConnState
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import advance, clear_faults, set_fault
from .conftest import wait_for

WAITING = re.compile(r"waiting for (the )?API, \d+ s")
INTERVAL = 2.0
TIMEOUT = 6.0  # the client's; the simulator holds each request 8 s


async def watch_until(
    pilot: Any, predicate: Callable[[], bool], seen: list[str], timeout: float
) -> None:
    """Like ``wait_for``, keeping every header and banner text shown on the way."""
    app = pilot.app
    status = app.query_one("#status", FitLine)
    banner = app.query_one("#banner", FitLine)

    def note() -> bool:
        line = f"{status.plain} | {banner.plain}"
        if not seen or seen[-1] != line:
            seen.append(line)
        return predicate()

    await wait_for(pilot, note, timeout=timeout)


async def test_a_hung_api_is_waiting_not_live_flags_no_stall_and_recovery_takes_one_interval(
    make_app,
):
    app, sim, clock = make_app(interval=INTERVAL, timeout=TIMEOUT, stall_after=60)
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one("#status", FitLine)  # state, counts, credits
        banner = app.query_one("#banner", FitLine)
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.LIVE)
        assert "● live" in status.plain
        in_flight = app.store.in_flight_ids()
        assert len(in_flight) == 20
        set_fault(sim, "slow", delay=8)
        try:
            # ten minutes pass on the monitor's clock while the API says nothing
            clock.offset = 600
            await watch_until(pilot, lambda: "◌ waiting" in status.plain, seen, timeout=10)
            assert "live" not in status.plain
            assert "data from" in banner.plain  # since when the data is, to the second
            first = status.plain
            await pilot.pause(1.2)
            assert status.plain != first, "the wait is counted"
            # no news of progress is not a stall
            assert "stall" not in status.plain
            assert not any(
                app.store.is_stalled(app.store.rows[i], app.clock(), 60) for i in in_flight
            )
            # the request times out; the retry hangs too: the banner says it waits, and
            # never counts down to 'retry in 0s' meanwhile
            await watch_until(
                pilot, lambda: app.poller.health.state is ConnState.RETRYING, seen, timeout=10
            )
            await watch_until(pilot, lambda: bool(WAITING.search(banner.plain)), seen, timeout=10)
            assert "retry in 0s" not in " ".join(seen)
            assert "stall" not in status.plain
            # the world moved on meanwhile (jobs progressed); then the fault ends
            advance(sim, 600)
            clock.offset = 0
        finally:
            clear_faults(sim)
        loop = asyncio.get_running_loop()
        ended = loop.time()
        await watch_until(
            pilot,
            lambda: "● live" in status.plain and not banner.plain,
            seen,
            timeout=15,
        )
        took = loop.time() - ended
        # one interval, plus the cycle itself (room for a loaded CI machine)
        assert took <= INTERVAL + 2.0, f"live again {took:.1f} s after the fault ended"
        assert "stall" not in status.plain


async def test_a_long_cycle_whose_requests_are_answered_is_neither_dropped_nor_hung(
    make_v3_app, sim_factory
):
    # v3 reads jobs one request at a time: with 0.4 s a response, the first cycle (models,
    # page, status polls, 25 job reads 4 at a time, balance) takes ~5 s, past the 3 s after
    # which a cycle is overdue; the probe is answered, but no request hangs: it goes on
    sim = sim_factory(count=200, inflight=8, seed=5, arrivals=False, latency=0.4)
    app, _, _ = make_v3_app(sim=sim, interval=0.5, max_streams=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1, timeout=30)
        assert app.poller.dropped == 0
        assert app.poller.health.state is ConnState.LIVE
        assert app.poller.health.typical > 3.0  # and the threshold follows it from now on
