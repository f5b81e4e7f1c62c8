"""Scale behaviour of the state layer against the simulator: stable paging, many jobs in flight."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import httpx

from hedra_tui.api.v2 import V2Client
from hedra_tui.state.poller import Poller, plan_requests
from hedra_tui.state.store import Store

from .helpers import control, reset_stats, stats


def _poller(sim) -> tuple[V2Client, Store, Poller]:
    def clock() -> datetime:
        return datetime.fromtimestamp(sim.world.now(), UTC)

    client = V2Client(sim.api_key, sim.base_url, timeout=5.0, max_retries=0)
    store = Store(clock=clock)
    return client, store, Poller(client, store, clock=clock, credits_every=3600)


def _server_ids(sim) -> set[str]:
    with sim.world.lock:
        return {job.id for job in sim.world.visible()}


async def test_paging_stays_whole_while_jobs_arrive_at_the_top(sim_factory):
    """Arrivals between older pages shift every offset; nothing is skipped or doubled."""
    sim = sim_factory(count=1200, inflight=0, seed=3, arrivals=False)
    client, store, poller = _poller(sim)
    async with client:
        await poller.cycle()
        assert len(store) == 100
        pages = 0
        while not store.exhausted:
            # 37 new jobs at the top before every older page (more than a page overlap)
            control(sim, "POST", "/_sim/inflight", {"count": 37})
            report = await poller.load_older()
            assert report.error is None
            pages += 1
            assert pages < 40
        await poller.cycle()  # the top catches up with the arrivals (gap filling)
    assert len(store.order) == len(set(store.order)) == len(store.rows)
    assert set(store.rows) == _server_ids(sim)
    assert len(store) == 1200 + 37 * pages


async def test_older_page_continues_right_below_the_oldest_row_despite_arrivals(sim_factory):
    """Offset = rows loaded (the naive way) doubles rows after arrivals; the anchor does not."""
    sim = sim_factory(count=600, inflight=0, seed=4, arrivals=False)
    client, store, poller = _poller(sim)
    async with client:
        await poller.cycle()
        naive: list[str] = [row.id for row in store]
        control(sim, "POST", "/_sim/inflight", {"count": 10})
        page = await client.list_generations(limit=100, offset=len(naive))
        naive += [g.id for g in page.items]
        await poller.load_older()
    assert len(naive) - len(set(naive)) == 10  # the arrivals pushed 10 seen rows down
    with sim.world.lock:
        server = [job.id for job in reversed(sim.world.visible())]  # newest first
    below = server.index(store.order[99])
    assert store.order[100:] == server[below + 1 : below + 100]  # contiguous, nothing twice


async def test_500_jobs_in_flight_cost_one_request_per_hundred(sim_factory):
    sim = sim_factory(count=300, inflight=0, seed=5, arrivals=False)
    control(sim, "POST", "/_sim/inflight", {"count": 500})
    client, store, poller = _poller(sim)
    async with client:
        await poller.cycle()  # first load pages down until every job in flight is known
        assert len(store.in_flight_ids()) == 500
        reset_stats(sim)
        report = await poller.cycle()
    served = stats(sim)
    assert served["total"] == report.requests
    top = set(store.order[: poller.top_size]) & set(store.in_flight_ids())
    assert report.requests == plan_requests(500, len(top)) == 1 + math.ceil(500 / 100)
    assert served["requests"].get("/generations/{id}/status") is None


class _CutSecondPage(httpx.AsyncHTTPTransport):
    """Fails the second ``GET /generations`` of a cycle once armed (a fault mid gap fill)."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed and request.url.path == "/generations":
            self.calls += 1
            if self.calls == 2:
                self.armed = False
                raise httpx.ConnectError("cut mid gap fill")
        return await super().handle_async_request(request)


async def test_a_gap_fill_cut_short_by_an_error_is_finished_next_cycle(sim_factory):
    """60 arrivals need 3 top pages; the 2nd fails; the next cycle must still fill the hole."""
    sim = sim_factory(count=300, inflight=0, seed=9, arrivals=False)
    transport = _CutSecondPage()

    def clock() -> datetime:
        return datetime.fromtimestamp(sim.world.now(), UTC)

    client = V2Client(sim.api_key, sim.base_url, timeout=5.0, max_retries=0, transport=transport)
    store = Store(clock=clock)
    poller = Poller(client, store, clock=clock, credits_every=3600)
    async with client:
        await poller.cycle()
        control(sim, "POST", "/_sim/inflight", {"count": 60})
        transport.armed = True
        failed = await poller.cycle()
        assert failed.error is not None
        assert len(store) == 125  # the first top page was stored before the cut
        await poller.cycle()
    new = {job.id for job in sim.world.jobs[-60:]}
    assert new <= set(store.rows)  # every arrival, none left in a hole
    assert len(store) == 160
