"""The rate-limit reading (api/core.RateMeter) and the monitor's request budget (state/budget),
on injected clocks: no sleeping, no server."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest

from hedra_tui.api.core import RateMeter
from hedra_tui.api.errors import RateLimitError, ServerError
from hedra_tui.state.budget import Budget, failure_words, user_asked

EPOCH = 1_795_000_000.0


class Clock:
    """Monotonic and wall clocks that move together, by hand."""

    def __init__(self) -> None:
        self.t = 100.0

    def mono(self) -> float:
        return self.t

    def wall(self) -> float:
        return EPOCH + self.t


def _headers(limit: int, remaining: int, reset: float) -> httpx.Headers:
    return httpx.Headers(
        {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset)),
        }
    )


def _send(meter: RateMeter, clock: Clock, n: int = 1, every: float = 0.0) -> float:
    at = clock.t
    for _ in range(n):
        at = meter.note_sent()
        clock.t += every
    return at


def test_rate_limit_headers_of_any_answer_are_read():
    clock = Clock()
    meter = RateMeter(clock.mono, clock.wall)
    sent = _send(meter, clock)
    meter.note_response(200, _headers(600, 590, clock.wall() + 42), sent, None)
    assert meter.limit is not None
    assert (meter.limit.limit, meter.limit.remaining) == (600, 590)
    assert meter.limit.reset_at == pytest.approx(clock.wall() + 42, abs=1)
    assert meter.limit.since == -math.inf  # the first window: every request so far counts


def test_a_reset_in_seconds_from_now_is_read_as_such():
    clock = Clock()
    meter = RateMeter(clock.mono, clock.wall)
    meter.note_response(200, httpx.Headers({"RateLimit-Reset": "30"}), 0.0, None)
    assert meter.limit is not None and meter.limit.reset_at == clock.wall() + 30


def test_a_new_window_counts_from_the_request_that_saw_it_and_learns_its_length():
    clock = Clock()
    meter = RateMeter(clock.mono, clock.wall)
    first_reset = clock.wall() + 10
    meter.note_response(200, _headers(100, 50, first_reset), _send(meter, clock), None)
    clock.t += 12
    sent = _send(meter, clock)
    meter.note_response(200, _headers(100, 99, first_reset + 60), sent, None)
    assert meter.limit is not None
    assert meter.limit.since == sent and meter.limit.window == 60
    # a late answer from the old window changes nothing; in a window, what is left only shrinks
    meter.note_response(200, _headers(100, 3, first_reset), 0.0, None)
    meter.note_response(200, _headers(100, 98, first_reset + 60), _send(meter, clock), None)
    meter.note_response(200, _headers(100, 99, first_reset + 60), 0.0, None)
    assert meter.limit.remaining == 98


def test_a_429_blocks_for_its_retry_after_or_else_until_the_reset():
    clock = Clock()
    meter = RateMeter(clock.mono, clock.wall)
    meter.note_response(429, httpx.Headers(), _send(meter, clock), 7.0)
    assert meter.blocked_for() == 7.0 and meter.refused == 1
    clock.t += 7.5
    assert meter.blocked_for() is None
    meter.note_response(429, _headers(10, 0, clock.wall() + 20), _send(meter, clock), None)
    assert meter.blocked_for() == pytest.approx(20, abs=1)


def _budget(share: float | None = 0.10, cap: float | None = 60) -> tuple[Budget, RateMeter, Clock]:
    clock = Clock()
    meter = RateMeter(clock.mono, clock.wall)
    return Budget(share, cap).bind(meter, interval=5.0), meter, clock


def test_with_a_stated_limit_the_monitor_spends_at_most_its_share_of_the_window():
    budget, meter, clock = _budget(share=0.10)
    meter.note_response(200, _headers(100, 100, clock.wall() + 60), _send(meter, clock), None)
    for _ in range(9):
        budget.admit()
        _send(meter, clock)
    with pytest.raises(RateLimitError) as held:
        budget.admit()  # 10 of 100 are spent
    assert held.value.sent is False
    assert held.value.retry_after == pytest.approx(60, abs=1)  # until the window rolls
    assert "share" in failure_words(held.value)


def test_the_share_never_takes_what_the_other_clients_left_over():
    budget, meter, clock = _budget(share=0.10)
    # the others spent most of the window: 3 were left, and 3 of ours went out after that
    sent = _send(meter, clock)
    meter.note_response(200, _headers(100, 3, clock.wall() + 60), sent, None)
    _send(meter, clock, 2)
    budget.admit()
    _send(meter, clock)
    with pytest.raises(RateLimitError):
        budget.admit()


def test_without_a_stated_limit_the_cap_per_minute_holds():
    budget, meter, clock = _budget(cap=60)
    _send(meter, clock, 60, every=0.5)  # 60 requests over 30 s
    with pytest.raises(RateLimitError) as held:
        budget.admit()
    # the first of them ages out of the minute 30 s from now
    assert held.value.retry_after == pytest.approx(30, abs=0.6)
    clock.t += 31
    budget.admit()


def test_a_history_load_the_person_asked_for_is_counted_but_not_held():
    budget, meter, clock = _budget(cap=5)
    _send(meter, clock, 5)

    @user_asked
    async def load() -> None:
        budget.admit()
        _send(meter, clock)

    asyncio.run(load())
    with pytest.raises(RateLimitError):
        budget.admit()  # outside it the cap holds, and the load counted
    assert meter.total == 6


def test_after_a_429_nothing_is_sent_until_its_retry_after_has_passed():
    budget, meter, clock = _budget()
    meter.note_response(429, httpx.Headers({"Retry-After": "30"}), _send(meter, clock), 30.0)

    @user_asked
    async def load() -> None:
        budget.admit()

    with pytest.raises(RateLimitError, match="429"):
        asyncio.run(load())
    clock.t += 31
    asyncio.run(load())


def test_a_short_budget_reads_the_jobs_on_screen_first_and_the_rest_in_turn():
    budget, meter, clock = _budget(cap=60)  # 1 a second: 10 may accrue
    jobs = [f"j{i}" for i in range(30)]
    on_screen = ["j20", "j21"]
    first = budget.choose(jobs, first=on_screen)
    assert first[:2] == on_screen and len(first) == 10
    _send(meter, clock, len(first))
    clock.t += 5  # 5 more accrue
    second = budget.choose(jobs, first=on_screen)
    assert second[:2] == on_screen and len(second) == 5
    assert not set(second[2:]) & set(first)  # the others take turns
    assert budget.pace(5.0) > 0 or budget.slowed  # it read less than asked


def test_cycles_wait_until_a_cycle_like_the_last_fits():
    budget, meter, clock = _budget(cap=60)
    budget.pace(5.0)
    _send(meter, clock, 20)  # a cycle of 20 requests at one a second
    wait = budget.pace(5.0)
    assert wait == pytest.approx(20, abs=0.1)  # (need 10 - (10 - 20)) / 1 per s
    assert budget.slowed
    clock.t += wait
    assert budget.allowance() >= 10


def test_without_a_budget_nothing_is_paced_chosen_or_held():
    budget, meter, clock = _budget(share=None, cap=None)
    _send(meter, clock, 10_000)
    jobs = [f"j{i}" for i in range(500)]
    assert budget.choose(jobs) == jobs
    assert budget.pace(5.0) == 0.0
    assert budget.usage() is None
    budget.admit()


def test_the_header_figure_is_the_share_of_the_stated_limit_or_the_rate_against_the_cap():
    budget, meter, clock = _budget(share=0.10)
    _send(meter, clock, 12, every=1.0)
    usage = budget.usage()
    assert usage is not None and usage.share is None and usage.per_minute == 12
    assert usage.cap == 60
    meter.note_response(200, _headers(600, 500, clock.wall() + 30), _send(meter, clock), None)
    usage = budget.usage()
    assert usage is not None and usage.share == pytest.approx(13 / 600)
    assert usage.allowed == 0.10


def test_a_429_from_the_server_says_the_monitor_is_making_room():
    refused = RateLimitError("rate limited (429)", retry_after=30)
    assert "making room" in failure_words(refused)
    assert failure_words(ServerError("boom", status_code=500)) == "boom"
