"""The request budget on screen: the share of the key's rate limit in the status line, and the
banner while the monitor makes room after a 429 (Pilot against the simulator)."""

from __future__ import annotations

import re

import pytest

from hedra_tui.simulator.ratelimit import RateLimitSpec
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import (
    SUBMITTER,
    clear_faults,
    set_fault,
    spend_the_window,
    window_begins,
)
from .conftest import screen_lines, wait_for

# the request piece as the 80x24 header shows it: whole, never cut
SHORT_PIECE = re.compile(r"(?:^|\s)req (?:\d+%|<1%|[\d,]+/min)(?: slowed)?(?:\s|$)")


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


@pytest.mark.parametrize(
    "api,headers", [("v3", "all"), ("v2", "all"), ("v2", "v3")], ids=["v3", "v2", "v2-cap"]
)
async def test_the_share_in_use_shows_whole_in_the_80x24_header(
    make_app, make_v3_app, sim_factory, api, headers
):
    # the key: 200 requests per 10 s (10 %: 20); with headers="v3" v2 answers do not say
    # so, and the cap (60 a minute) holds; either way the monitor asks for more than that
    sim = sim_factory(count=120, inflight=12, seed=5, arrivals=False)
    sim.limiter.configure(RateLimitSpec(200, 10.0), headers=headers)
    make = make_v3_app if api == "v3" else make_app
    app, _, _ = make(sim, rate_share=0.10, rate_cap=60, interval=0.5 if api == "v3" else 0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.query_one("#status", FitLine)
        await wait_for(pilot, lambda: app.poller.budget.slowed, timeout=20)
        await wait_for(pilot, lambda: SHORT_PIECE.search(status.plain) is not None)
        await pilot.pause(0.2)
        top = screen_lines(app)[0]
        assert SHORT_PIECE.search(top), top
        assert ("/min" in top) == (headers == "v3")  # a rate against the cap, else a share
        assert len(top.rstrip()) <= 80 and "error" in top  # the counts keep their words
        wide = status._build(200).plain if status._build else ""
        assert "of key limit, slowed to fit 10%" in wide or "(cap 60), slowed to fit" in wide


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_a_429_from_the_keys_limit_makes_the_monitor_wait_its_retry_after_and_say_so(
    make_app, make_v3_app, sim_factory, api
):
    # the key: 60 requests per 8 s; the user's program spends what is left of a window,
    # so the monitor's next request meets a real 429 whose Retry-After is the rest
    # of the window (the monitor may use the whole limit here: a smaller share would keep
    # it from asking in that window at all)
    sim = sim_factory(count=60, inflight=3, seed=5, arrivals=False)
    sim.limiter.configure(RateLimitSpec(60, 8.0))
    make = make_v3_app if api == "v3" else make_app
    app, _, _ = make(sim, rate_share=1.0, rate_cap=600)
    async with app.run_test(size=(120, 40)) as pilot:
        banner = app.query_one("#banner", FitLine)
        await wait_for(pilot, lambda: app.cycles >= 1)
        await window_begins(8.0)
        # at once, the app's loop held meanwhile: the monitor still believes the window has
        # room, as it would when another program spent it between two of its requests
        spend_the_window(sim, api)
        await wait_for(pilot, lambda: "making room" in banner.plain, timeout=5)
        assert "rate limit is reached (429)" in banner.plain
        wait = re.search(r"retry in (\d+)s", banner.plain)
        assert wait and 4 <= int(wait[1]) <= 8, banner.plain  # the window's rest, not 1 s
        (window,) = [w for w in sim.limiter.as_json()["windows"] if w["refused"]]
        monitor = (set(window["requests"]) | set(window["refused"])) - {SUBMITTER}
        assert window["refused"].get(monitor.pop()) == 1
        # the next window: it goes on by itself, and the banner clears
        await wait_for(pilot, lambda: not banner.plain, timeout=15)
        cycles = app.cycles
        await wait_for(pilot, lambda: app.cycles > cycles)
    windows = sim.limiter.as_json()["windows"]
    # after its 429 it sent nothing more in that window: refused once, never again
    assert sum(sum(n for c, n in w["refused"].items() if c != SUBMITTER) for w in windows) == 1
