"""Requests a minute against the key's rate limit: the monitor with its request budget, the same
poller without one, and a naive per-job poller, side by side in one run; and what each does to
the user's own program sharing the key.

Each monitor follows its own simulator (same seed, same data, in real time with jobs arriving
and ending, topped up to the count in flight), and the three run at once. The monitor is the
real poller at its defaults (5 s interval, 4 live streams on v3, the 30 newest rows "on
screen" as in a 120x40 list). The **naive poller** reads the newest page, then
``GET .../status`` for every job in flight, every 5 s (as ``requests_per_cycle.py``). With
its budget, the monitor's key is given 600 requests a minute in windows of 10 s (100 each;
the default share, 10 %, is 10 a window, 60 a minute); v3 answers state that limit
(``X-RateLimit-*``), v2 answers do not (its spec names no such headers), so on v2 the monitor
keeps to its cap (default 60 a minute). The others run against a key whose limit is never
met, so what is counted is what they ask. The simulator counts each client's requests; the
rates are over the same 42 s after 8 s of warm-up (the first load), and with the budget the
most the monitor sent in one window of the key is shown too.

Then a **submitter**, the user's own program, reads at 85 % of a 600-a-minute key beside a v3
monitor of 100 jobs in flight: how often it is refused with each of the three monitors.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from hedra_tui.api.backend import Backend
from hedra_tui.api.errors import HedraError
from hedra_tui.api.models import IN_FLIGHT_STATUSES
from hedra_tui.api.v2 import V2Client
from hedra_tui.api.v3 import V3Client
from hedra_tui.config import Settings
from hedra_tui.simulator.ratelimit import DEFAULT_RATE_LIMIT, RateLimitSpec
from hedra_tui.simulator.server import SimServer
from hedra_tui.simulator.v3 import v3_credential
from hedra_tui.state.budget import Budget
from hedra_tui.state.poller import Poller
from hedra_tui.state.store import Store

Kind = Literal["naive", "none", "budget"]
KINDS: tuple[Kind, ...] = ("naive", "none", "budget")
KEY_LIMIT = RateLimitSpec(100, 10.0)  # 600 a minute
INTERVAL = 5.0  # the monitor's default, and the naive poller's
WARM_UP = 8.0
MEASURE = 42.0  # at least three whole windows of the key
SUBMITTER = "submitter/1.0"
SUBMITTER_SHARE = 0.85
ON_SCREEN = 30


def _default_budget() -> Budget:
    """The budget the monitor runs with by default (the settings' defaults)."""
    fields = Settings.model_fields
    return Budget(fields["rate_share"].default, fields["rate_cap"].default)


def _client(sim: SimServer, api: str) -> Backend:
    if api == "v3":
        return V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=10.0)
    return V2Client(sim.api_key, sim.base_url, timeout=10.0)


async def _monitor(poller: Poller) -> None:
    try:
        async for _ in poller.run(asyncio.Event()):
            poller.visible = poller.store.order[:ON_SCREEN]  # the rows a 120x40 list shows
    finally:
        await poller.close()


async def _naive(client: Backend) -> None:
    """A simple monitor: every 5 s the newest page, then the status of every job in flight
    (one request each), forgetting the jobs that ended. It does not retry a 429."""
    loop = asyncio.get_running_loop()
    in_flight: dict[str, None] = {}  # ordered set

    async def newest(limit: int) -> None:
        if isinstance(client, V3Client):
            jobs = (await client.list_jobs(limit=limit)).jobs
            in_flight.update((j.job_id, None) for j in jobs if j.in_flight)
        elif isinstance(client, V2Client):
            items = (await client.list_generations(limit=limit)).items
            in_flight.update((g.id, None) for g in items if g.status in IN_FLIGHT_STATUSES)

    async def still_in_flight(job_id: str) -> bool:
        if isinstance(client, V3Client):
            return (await client.get_job_status(job_id)).in_flight
        assert isinstance(client, V2Client)
        return (await client.get_status(job_id)).status in IN_FLIGHT_STATUSES

    with contextlib.suppress(HedraError):
        await newest(100)  # the first load
    start = loop.time()
    for n in range(1, 10**7):
        with contextlib.suppress(HedraError):
            await newest(25)
        for job_id in list(in_flight):
            with contextlib.suppress(HedraError):
                if not await still_in_flight(job_id):
                    del in_flight[job_id]
        await asyncio.sleep(max(0.0, start + n * INTERVAL - loop.time()))


def _sim(in_flight: int, api: str, limited: bool) -> SimServer:
    return SimServer(
        count=1000,
        inflight=in_flight,
        seed=9,
        rate_limit=KEY_LIMIT if limited else DEFAULT_RATE_LIMIT,
        rate_headers="v3" if api == "v2" else "all",  # v2 states no limit
    )


def _poller(sim: SimServer, client: Backend, budget: Budget | None) -> Poller:
    def clock() -> datetime:
        return datetime.fromtimestamp(sim.world.now(), UTC)

    return Poller(client, Store(clock=clock), clock=clock, interval=INTERVAL, budget=budget)


@contextlib.asynccontextmanager
async def _running(*coros: Any) -> AsyncIterator[None]:
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _keep_in_flight(sim: SimServer, count: int) -> None:
    """Jobs end faster than the simulator's arrivals replace them at 100 in flight (it
    settles near 70): top the count up twice a second, so the measure is at ``count``."""
    while True:
        missing = count - len(sim.world.in_flight_ids())
        if missing > 0:
            sim.world.add_inflight(missing)
        await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def _watching(
    kind: Kind, api: str, in_flight: int, limited: bool, *also: Any
) -> AsyncIterator[SimServer]:
    """A simulator and a monitor of ``kind`` following it (with ``also`` running beside)."""
    with _sim(in_flight, api, limited) as sim:
        async with _client(sim, api) as client:
            if kind == "naive":
                monitor = _naive(client)
            else:
                poller = _poller(sim, client, _default_budget() if kind == "budget" else None)
                monitor = _monitor(poller)
            feeding = _keep_in_flight(sim, in_flight)
            async with _running(feeding, *(f(sim) for f in also), monitor):
                yield sim


def _monitor_requests(sim: SimServer) -> int:
    return sum(n for c, n in sim.limiter.requests.items() if c != SUBMITTER)


async def _per_minute(kind: Kind, api: str, in_flight: int) -> tuple[float, int | None]:
    """Requests a minute in steady state (after the first load), and with the budget the
    most sent in one window of the key (over the whole windows measured)."""
    async with _watching(kind, api, in_flight, limited=kind == "budget") as sim:
        await asyncio.sleep(WARM_UP)
        start, before = sim.limiter.wall(), _monitor_requests(sim)
        await asyncio.sleep(MEASURE)
        end, spent = sim.limiter.wall(), _monitor_requests(sim) - before
    rate = spent * 60 / (end - start)
    if kind != "budget":
        return rate, None
    span = KEY_LIMIT.window
    windows = [
        sum(n for c, n in w["requests"].items() if c != SUBMITTER)
        for w in sim.limiter.as_json()["windows"]
        if start <= w["start"] and w["start"] + span <= end
    ]
    return rate, max(windows)


async def _submitter(sim: SimServer, refused: list[int]) -> None:
    """The user's own program: a steady reader of the same key, at 85 % of its limit."""
    per_second = KEY_LIMIT.limit / KEY_LIMIT.window * SUBMITTER_SHARE
    headers = {"Authorization": f"Key {v3_credential(sim.api_key)}", "User-Agent": SUBMITTER}
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with httpx.AsyncClient(base_url=sim.base_url, headers=headers, timeout=10) as http:
        for n in range(10**7):
            await asyncio.sleep(max(0.0, start + n / per_second - loop.time()))
            if (await http.get("/v3/jobs", params={"limit": 1})).status_code == 429:
                refused.append(n)


async def _refusals(kind: Kind, seconds: float) -> tuple[int, int, int, int]:
    """The submitter beside a v3 monitor of ``kind`` (100 in flight) for ``seconds``: its
    refusals and requests, and the monitor's requests and refusals."""
    refused: list[int] = []

    async def submit(sim: SimServer) -> None:
        await _submitter(sim, refused)

    async with _watching(kind, "v3", 100, True, submit) as sim:
        await asyncio.sleep(seconds)
    limiter = sim.limiter
    theirs = sum(n for c, n in limiter.refused.items() if c != SUBMITTER)
    return len(refused), limiter.requests[SUBMITTER], _monitor_requests(sim), theirs


async def run(quick: bool = False) -> dict[str, Any]:
    """Each measure for the three monitors at once (their own simulators, in real time)."""
    out: dict[str, Any] = {"rates": []}
    for api in ("v2", "v3"):
        for n in (100,) if quick else (20, 100):
            rates = await asyncio.gather(*(_per_minute(k, api, n) for k in KINDS))
            out["rates"].append((api, n, dict(zip(KINDS, rates, strict=True))))
    seconds = 30.0 if quick else 60.0
    refusals = await asyncio.gather(*(_refusals(k, seconds) for k in KINDS))
    out["refusals"] = (dict(zip(KINDS, refusals, strict=True)), seconds)
    return out


def main(quick: bool = False) -> list[tuple[str, float, float, str]]:
    result = asyncio.run(run(quick))
    print(
        "the monitor's requests a minute, steady state (naive: GET /status per job in flight "
        f"every {INTERVAL:g} s;\nbudget: a key of {KEY_LIMIT}, 10 % of it "
        f"= {KEY_LIMIT.limit // 10} a window; v2 states no limit: the cap, 60 a minute)"
    )
    print(
        f"{'API':>4} {'in flight':>10} {'naive':>8} {'no budget':>10} {'budget':>8} "
        f"{'most/window':>12} {'naive / budget':>15}"
    )
    rows: list[tuple[str, float, float, str]] = []
    for api, n, rate in result["rates"]:
        naive, none, (ours, most) = rate["naive"][0], rate["none"][0], rate["budget"]
        print(
            f"{api:>4} {n:>10} {naive:>8.0f} {none:>10.0f} {ours:>8.0f} {most:>12} "
            f"{naive / ours:>14.1f}x"
        )
        if n == 100:
            name = f"requests a minute, {n} in flight, {api}"
            rows.append((f"{name} (vs naive)", ours, naive, ""))
            if api == "v3":
                rows.append((f"{name} (vs no budget)", ours, none, ""))
    by_kind, seconds = result["refusals"]
    print(
        f"\na program reading at {SUBMITTER_SHARE:.0%} of the key ({KEY_LIMIT}) beside a v3 "
        f"monitor of 100 in flight, {seconds:.0f} s:"
    )
    per_minute = {}
    for kind in KINDS:
        refused, served, sent, theirs = by_kind[kind]
        per_minute[kind] = refused * 60 / seconds
        print(
            f"  {kind:>9}: the program refused {refused:>4} of {served + refused:>4} "
            f"({per_minute[kind]:.0f} a minute); the monitor sent {sent}, refused {theirs}"
        )
    name = "a program at 85% of the key: refused/min, v3"
    rows.append((f"{name} (vs naive)", per_minute["budget"], per_minute["naive"], ""))
    rows.append((f"{name} (vs no budget)", per_minute["budget"], per_minute["none"], ""))
    return rows


if __name__ == "__main__":
    main("--quick" in sys.argv)
