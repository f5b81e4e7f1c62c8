"""Changing the server-side filters against the simulator: loaded rows that match are kept,
the API's pages confirm or drop them, and older pages still page whole under the new filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hedra_tui.api.models import Generation
from hedra_tui.api.v2 import V2Client
from hedra_tui.state.filters import ServerFilters
from hedra_tui.state.poller import Poller
from hedra_tui.state.store import Store

from .helpers import add_inflight


def _poller(sim) -> tuple[V2Client, Store, Poller]:
    def clock() -> datetime:
        return datetime.fromtimestamp(sim.world.now(), UTC)

    client = V2Client(sim.api_key, sim.base_url, timeout=5.0, max_retries=0)
    store = Store(clock=clock)
    return client, store, Poller(client, store, clock=clock, credits_every=3600)


def _server_ids(sim, **query) -> list[str]:
    """Every id the API returns for ``query``, newest first."""
    out: list[str] = []
    while True:
        page = sim.world.query(limit=100, offset=len(out), **query)
        out += [item["id"] for item in page]
        if len(page) < 100:
            return out


async def _load_all(poller: Poller, store: Store) -> None:
    """Older pages to the end of the history, then a cycle (rows leave at a cycle's end)."""
    for _ in range(60):
        if store.exhausted:
            break
        report = await poller.load_older()
        assert report.error is None
    else:
        raise AssertionError("history never ended")
    assert (await poller.cycle()).error is None


async def test_narrowing_keeps_matching_rows_at_once_and_pages_whole(sim_factory):
    sim = sim_factory(count=900, inflight=5, seed=8, arrivals=False)
    client, store, poller = _poller(sim)
    async with client:
        await poller.cycle()
        await poller.load_older()
        await poller.load_older()
        videos = {r.id for r in store if r.type_text == "video"}
        change = poller.set_filters(ServerFilters(type="video"))
        # at once, before any request: the loaded videos stay, nothing else
        assert change.kept == len(store) >= len(videos) > 0
        assert videos <= set(store.rows)
        await poller.cycle()
        add_inflight(sim, 30)  # arrivals at the top while older pages load
        await _load_all(poller, store)
        await poller.cycle()
    assert store.order == _server_ids(sim, type="video")  # whole, in order, nothing twice


async def test_widening_pages_whole_around_the_rows_kept(sim_factory):
    sim = sim_factory(count=700, inflight=0, seed=9, arrivals=False)
    client, store, poller = _poller(sim)
    poller.filters = ServerFilters(type="image")
    async with client:
        await poller.cycle()
        await _load_all(poller, store)
        images = set(store.rows)
        change = poller.set_filters(ServerFilters())
        assert change.kept == len(images) and change.dropped == 0
        await poller.cycle()
        await _load_all(poller, store)
    assert images <= set(store.rows)
    assert store.order == _server_ids(sim)


def _ghost(gen_id: str, after: datetime) -> Generation:
    """A row this side takes for a video but the API never returns (stale or foreign)."""
    created = (after + timedelta(milliseconds=1)).isoformat()
    return Generation.model_validate(
        {"id": gen_id, "type": "video", "status": "complete", "created_at": created}
    )


async def test_a_kept_row_the_api_does_not_return_leaves_once_its_time_is_covered(sim_factory):
    sim = sim_factory(count=300, inflight=0, seed=10, arrivals=False)
    client, store, poller = _poller(sim)
    async with client:
        await poller.cycle()
        await _load_all(poller, store)
        near, deep = (store.rows[store.order[i]].created for i in (50, 250))
        assert near is not None and deep is not None
        store.upsert([_ghost("near", near), _ghost("deep", deep)])
        poller.set_filters(ServerFilters(type="video"))
        assert {"near", "deep"} <= set(store.rows)
        report = await poller.cycle()  # the new top page covers the near one's time
        assert "near" not in store.rows and "near" in report.changed
        assert "deep" in store.rows  # older than the top page: not known either way yet
        while not store.exhausted:
            await poller.load_older()
        assert "deep" in store.rows  # rows leave at the end of a cycle, never mid-way
        report = await poller.cycle()
        assert "deep" not in store.rows and "deep" in report.changed
    assert store.order == _server_ids(sim, type="video")


async def test_an_answer_to_the_old_filters_is_discarded(sim_factory):
    sim = sim_factory(count=300, inflight=0, seed=11, arrivals=False)
    client, store, poller = _poller(sim)
    async with client:
        await poller.cycle()
        old = client.list_generations

        async def switch_while_out(**kwargs):
            page = await old(**kwargs)
            poller.set_filters(ServerFilters(type="audio"))  # the user applied F meanwhile
            return page

        client.list_generations = switch_while_out  # type: ignore[method-assign]
        report = await poller.load_older()
        client.list_generations = old  # type: ignore[method-assign]
        assert report.changed == set() and report.error is None
        assert all(r.type_text == "audio" for r in store)
        await poller.cycle()
        await _load_all(poller, store)
    assert store.order == _server_ids(sim, type="audio")


async def test_rows_below_a_rolling_since_leave_as_time_goes_on(sim_factory):
    sim = sim_factory(count=400, inflight=0, seed=12, arrivals=False)
    client, store, poller = _poller(sim)
    async with client:
        poller.set_filters(ServerFilters.parse({"created_after": "2d"}))
        await poller.cycle()
        await _load_all(poller, store)
        assert store.order == _server_ids(sim, created_after=sim.world.now() - 2 * 86400)
        oldest = store.rows[store.order[-1]].created
        assert oldest is not None
        sim.world.advance(3600)
        report = await poller.cycle()
        bound = poller.clock() - timedelta(days=2)
        assert all(r.created is not None and r.created >= bound for r in store if r.final)
        assert report.changed and oldest < bound
