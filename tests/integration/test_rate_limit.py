"""The key's rate limit over a real loopback socket: the simulator enforces it for every client
of the key, and the monitor keeps to its share so that the user's own programs are not
refused because of it. Requests are counted per client (User-Agent) at the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hedra_tui.api.errors import RateLimitError
from hedra_tui.api.v2 import V2Client
from hedra_tui.api.v3 import V3Client
from hedra_tui.simulator.ratelimit import RateLimitSpec
from hedra_tui.simulator.v3 import v3_credential
from hedra_tui.state.budget import Budget
from hedra_tui.state.poller import Poller
from hedra_tui.state.store import Store

from .helpers import SUBMITTER, submitter, window_begins


def _poller(sim: Any, client: V2Client | V3Client, budget: Budget | None, **kw: Any) -> Poller:
    def clock() -> datetime:
        return datetime.fromtimestamp(sim.world.now(), UTC)

    return Poller(client, Store(clock=clock), clock=clock, credits_every=3600, budget=budget, **kw)


def _v3(sim: Any) -> V3Client:
    return V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=5.0)


def _client(sim: Any, api: str) -> V2Client | V3Client:
    if api == "v3":
        return _v3(sim)
    return V2Client(sim.api_key, sim.base_url, timeout=5.0)


@contextlib.asynccontextmanager
async def _running(*coros: Any) -> AsyncIterator[None]:
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _monitor(poller: Poller) -> None:
    try:
        async for _ in poller.run(asyncio.Event()):
            pass
    finally:
        await poller.close()


def _monitor_name(windows: list[dict[str, Any]]) -> str:
    names = {c for w in windows for c in (*w["requests"], *w["refused"])} - {SUBMITTER}
    assert len(names) == 1, names
    return names.pop()


def test_the_simulator_says_the_keys_budget_and_refuses_past_it_with_retry_after(sim_factory):
    sim = sim_factory(count=10, inflight=0, seed=3, arrivals=False)
    sim.limiter.configure(RateLimitSpec(3, 60.0))
    v3_auth = {"Authorization": f"Key {v3_credential(sim.api_key)}"}
    with httpx.Client(base_url=sim.base_url, timeout=5) as http:
        first = http.get("/v3/jobs", headers=v3_auth)
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit"] == "3"
        assert first.headers["x-ratelimit-remaining"] == "2"
        reset = int(first.headers["x-ratelimit-reset"])
        # v2 shares the key's limit (one key, one workspace)
        assert http.get("/generations", headers={"X-API-Key": sim.api_key}).status_code == 200
        assert http.get("/v3/balance", headers=v3_auth).status_code == 200
        refused = http.get("/v3/jobs", headers=v3_auth)
        assert refused.status_code == 429
        body = refused.json()["error"]
        assert body["code"] == "RESOURCE_EXHAUSTED" and body["retryable"] is True
        retry = int(refused.headers["retry-after"])
        assert 1 <= retry <= 60 and body["retry_after"] == retry
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert int(refused.headers["x-ratelimit-reset"]) == reset
        v2 = http.get("/generations", headers={"X-API-Key": sim.api_key})
        assert v2.status_code == 429 and v2.json()["detail"].startswith("Request rate limit")
        # a wrong key is not the key's request: 401, not counted, not refused
        assert http.get("/v3/jobs", headers={"Authorization": "Key x:y"}).status_code == 401
    # the v2 spec names no X-RateLimit-* headers: the simulator can leave them out there
    sim.limiter.configure(RateLimitSpec(100, 60.0), headers="v3")
    with httpx.Client(base_url=sim.base_url, timeout=5) as http:
        v2 = http.get("/generations", headers={"X-API-Key": sim.api_key})
        assert v2.status_code == 200 and "x-ratelimit-limit" not in v2.headers
        assert "x-ratelimit-limit" in http.get("/v3/jobs", headers=v3_auth).headers


async def test_the_client_reads_the_rate_limit_headers_of_every_answer(sim_factory):
    sim = sim_factory(count=10, inflight=0, seed=3, arrivals=False)
    sim.limiter.configure(RateLimitSpec(50, 60.0))
    async with _v3(sim) as client:
        await client.list_jobs(limit=1)
        await client.get_balance()
        limit = client.core.meter.limit
        assert limit is not None and limit.limit == 50 and limit.remaining == 48
        assert limit.reset_at is not None
        assert 0 < limit.reset_at - datetime.now(UTC).timestamp() <= 61


@pytest.mark.parametrize(
    "api,headers",
    [("v3", "all"), ("v2", "all"), ("v2", "v3")],
    ids=["v3", "v2-limit-stated", "v2-cap"],
)
async def test_a_submitter_sharing_the_key_is_never_refused_because_of_the_monitor(
    sim_factory, api, headers
):
    # 100 requests per 4 s window for the key; the user's program reads at 20/s (80 % of it);
    # the monitor follows 20 jobs in flight, asking to poll every 0.5 s (~30 requests/s
    # on v3 without a budget, ~6 on v2), with the default share of 10 % where the answers
    # state the limit, else the default cap of 60 a minute (v2 answers without headers)
    sim = sim_factory(count=200, inflight=20, seed=4, arrivals=False)
    sim.limiter.configure(RateLimitSpec(100, 4.0), headers=headers)
    refused: list[int] = []
    async with _client(sim, api) as client:
        # on v2 a cycle is one request here (the newest page has every job in flight)
        poller = _poller(sim, client, Budget(0.10, 60), interval=0.5 if api == "v3" else 0.2)
        async with _running(submitter(sim, 20.0, refused, api), _monitor(poller)):
            # 10 s at least; on a busy machine the monitor may need longer to ask for more
            # than its share (up to 25 s)
            elapsed = 0.0
            while elapsed < 10 or (not poller.budget.slowed and elapsed < 25):
                await asyncio.sleep(0.5)
                elapsed += 0.5
        assert poller.budget.slowed  # it polls less, and reads less, than asked
        assert (client.core.meter.limit is None) == (api == "v2" and headers == "v3")
    windows = sim.limiter.as_json()["windows"]
    monitor = _monitor_name(windows)
    assert refused == [] and sim.limiter.refused[SUBMITTER] == 0
    assert sim.limiter.refused[monitor] == 0  # it never even met the limit
    mine = [w["requests"].get(monitor, 0) for w in windows]
    if client.core.meter.limit is not None:
        assert max(mine) <= 10  # its share of every window
    else:  # the cap: 60 a minute, paced at 1 a second after a first allowance of 10
        assert sum(mine) <= 15 + elapsed  # 25 in the usual 10 s
    assert sum(mine) >= 5  # and it did keep watching
    # of ~200 asked (fewer when the machine is busy: the submitter is a Python loop)
    assert sum(w["requests"].get(SUBMITTER, 0) for w in windows) >= 100


async def test_without_a_budget_the_monitor_crowds_the_submitter_out(sim_factory):
    """The control for the test above: the same load with no budget gets the user refused."""
    sim = sim_factory(count=200, inflight=20, seed=4, arrivals=False)
    sim.limiter.configure(RateLimitSpec(100, 4.0))
    refused: list[int] = []
    async with _v3(sim) as client:
        poller = _poller(sim, client, None, interval=0.5)
        async with _running(submitter(sim, 20.0, refused), _monitor(poller)):
            await asyncio.sleep(4)
    assert refused and sim.limiter.refused[SUBMITTER] > 0


async def test_without_a_stated_limit_the_cap_per_minute_holds(sim_factory):
    # v2 answers carry no X-RateLimit-* here: the monitor keeps to its cap (12 a minute)
    sim = sim_factory(count=300, inflight=150, seed=5, arrivals=False)
    sim.limiter.configure(RateLimitSpec(10_000, 60.0), headers="v3")
    async with V2Client(sim.api_key, sim.base_url, timeout=5.0) as client:
        budget = Budget(0.10, 12)
        poller = _poller(sim, client, budget, interval=0.5)
        async with _running(_monitor(poller)):
            await asyncio.sleep(6)
        assert client.core.meter.limit is None  # nothing was said about the limit
        spent = sim.limiter.as_json()["requests"]
        assert 2 <= sum(spent.values()) <= 12
        usage = budget.usage()
        assert usage is not None and usage.cap == 12 and usage.slowed
        # without a budget the same monitor asks ~3 requests a cycle, 2 cycles a second: in
        # 4 s (fewer than the 6 above) it asks more than the cap allows in a minute
        free = _poller(sim, client, None, interval=0.5)
        sim.limiter.reset_counts()
        async with _running(_monitor(free)):
            await asyncio.sleep(4)
        assert sum(sim.limiter.as_json()["requests"].values()) > 12


async def test_after_a_429_the_monitor_waits_out_retry_after_and_says_it_makes_room(
    sim_factory,
):
    sim = sim_factory(count=50, inflight=5, seed=6, arrivals=False)
    sim.limiter.configure(RateLimitSpec(40, 6.0))
    await window_begins(6.0)  # all of what follows happens in one window
    async with _v3(sim) as client:
        poller = _poller(sim, client, Budget(1.0, 600), max_streams=0)
        await poller.cycle()
        assert poller.health.error is None
        # the user's program spends the rest of the window
        refused: list[int] = []
        async with _running(submitter(sim, 200.0, refused)):
            while not refused:
                await asyncio.sleep(0.01)
        left = poller.budget.meter.limit
        assert left is not None
        report = await poller.cycle()
        assert isinstance(report.error, RateLimitError)
        assert "making room" in (poller.health.error or "")
        wait = poller.next_delay()
        assert 0 < wait <= 6.5
        served = sim.limiter.requests[_monitor_name(sim.limiter.as_json()["windows"])]
        # until Retry-After has passed nothing more is sent, whatever asks (a refresh, a ping)
        again = await poller.cycle()
        assert isinstance(again.error, RateLimitError) and again.error.sent is False
        with pytest.raises(RateLimitError):
            await client.ping()
        assert sim.limiter.requests[_monitor_name(sim.limiter.as_json()["windows"])] == served
        await asyncio.sleep(math.ceil(wait))
        report = await poller.cycle()
        assert report.error is None and poller.health.error is None


def test_the_rate_limit_flag_reads_n_per_window_or_off():
    assert RateLimitSpec.parse("600/60s") == RateLimitSpec(600, 60.0)
    assert RateLimitSpec.parse("100/5") == RateLimitSpec(100, 5.0)
    assert RateLimitSpec.parse("600/1m") == RateLimitSpec(600, 60.0)
    assert RateLimitSpec.parse("off") is None
    for bad in ("fast", "0/60s", "10/0s"):
        with pytest.raises(ValueError):
            RateLimitSpec.parse(bad)


async def test_a_short_budget_spent_on_many_jobs_still_reads_the_balance(sim_factory):
    # 100 jobs in flight want a status read each cycle, far more than the 10 a window
    # allows: the balance is read before them, so the header has it from the first cycle
    sim = sim_factory(count=300, inflight=100, seed=7, arrivals=False)
    sim.limiter.configure(RateLimitSpec(100, 10.0))
    async with _v3(sim) as client:
        poller = _poller(sim, client, Budget(0.10, 60), interval=0.5, max_streams=0)
        report = await poller.cycle()
        assert report.error is None and poller.balance is not None
        assert client.core.stats.by_endpoint["/jobs/{id}/status"] < 100  # it was short
    windows = sim.limiter.as_json()["windows"]
    assert sum(w["requests"][_monitor_name(windows)] for w in windows) <= 10


async def test_a_short_budget_opens_its_streams_first_and_keeps_them_as_jobs_arrive(sim_factory):
    # a stream costs one request for the job's whole run, a poll one a cycle: with 100 in
    # flight and 10 requests a window, the streams are opened before the polls take it all
    sim = sim_factory(count=300, inflight=100, seed=7, arrivals=False)
    sim.limiter.configure(RateLimitSpec(100, 4.0))
    async with _v3(sim) as client:
        poller = _poller(sim, client, Budget(0.10, 60), interval=0.5, max_streams=4)
        try:
            await poller.cycle()
            followed = set(poller.strategy.streams)
            assert len(followed) == 4
            # newer jobs arrive: a job already followed keeps its stream (no new request)
            arrived = set(sim.world.add_inflight(3))
            limit = client.core.meter.limit
            assert limit is not None and limit.reset_at is not None
            await asyncio.sleep(limit.reset_at - datetime.now(UTC).timestamp() + 0.2)
            report = await poller.cycle()  # in the next window
            assert report.error is None
            assert {j for j in poller.store.in_flight_ids() if j.removeprefix("job_") in arrived}
            still = followed & set(poller.store.in_flight_ids())
            assert still and still <= set(poller.strategy.streams)
        finally:
            await poller.close()
