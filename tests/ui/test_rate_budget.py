"""The request budget on screen: the share of the key's rate limit in the status line, and the
banner while the monitor makes room after a 429 (Pilot against the simulator)."""

from __future__ import annotations

from hedra_tui.simulator.ratelimit import RateLimitSpec
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import clear_faults, set_fault
from .conftest import screen_lines, wait_for


async def test_the_header_shows_the_share_of_the_keys_limit_and_when_it_slows_down(
    make_v3_app, sim_factory
):
    sim = sim_factory(count=120, inflight=12, seed=5, arrivals=False)
    sim.limiter.configure(RateLimitSpec(200, 10.0))  # 10 % of it: 20 requests per 10 s
    app, _, _ = make_v3_app(sim, rate_share=0.10, rate_cap=60)
    async with app.run_test(size=(160, 45)) as pilot:
        status = app.query_one("#status", FitLine)
        await wait_for(pilot, lambda: "of key limit" in status.plain, timeout=20)
        # 12 jobs in flight polled every 0.5 s would be ~20 requests a second: it slows down
        await wait_for(pilot, lambda: "slowed to fit 10%" in status.plain, timeout=20)
        top = screen_lines(app)[0]
        assert "requests " in top and "% of key limit, slowed to fit 10%" in top
        assert "API v3" in top  # the balance keeps its place beside it
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        narrow = screen_lines(app)[0]
        assert "req " in narrow and len(narrow.rstrip()) <= 80  # short, but still there
    served = sim.limiter.as_json()
    assert not served["refused"]  # the monitor itself never met the key's limit


async def test_without_a_stated_limit_the_header_counts_requests_a_minute_against_the_cap(
    make_app, sim_factory
):
    sim = sim_factory(count=100, inflight=5, seed=5, arrivals=False)
    sim.limiter.configure(RateLimitSpec(10_000, 60.0), headers="v3")  # v2: no headers
    app, _, _ = make_app(sim, rate_share=0.10, rate_cap=600)
    async with app.run_test(size=(160, 45)) as pilot:
        status = app.query_one("#status", FitLine)
        await wait_for(pilot, lambda: "/min (cap 600)" in status.plain, timeout=20)
        assert "slowed" not in status.plain  # 600 a minute is room enough


async def test_after_a_429_the_banner_says_the_monitor_makes_room_then_clears(make_v3_app):
    app, sim, _ = make_v3_app(count=60, inflight=3, rate_share=0.10, rate_cap=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        banner = app.query_one("#banner", FitLine)
        set_fault(sim, "429", retry_after=3)
        await wait_for(pilot, lambda: "making room" in banner.plain, timeout=10)
        assert "rate limit" in banner.plain and "retry in" in banner.plain
        clear_faults(sim)
        await wait_for(pilot, lambda: not banner.plain, timeout=15)


async def test_without_a_budget_the_status_line_has_no_request_piece(make_app):
    app, _, _ = make_app(count=60, inflight=3)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 2)
        assert "req" not in app.query_one("#status", FitLine).plain
