"""The v3 client and poller against the simulator over loopback: pages, streams, resume, cap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hedra_tui.api.errors import AuthenticationError
from hedra_tui.api.v3 import V3Client, looks_like_v3_key
from hedra_tui.simulator.v3 import v3_credential
from hedra_tui.state.poller import Poller
from hedra_tui.state.store import Store
from hedra_tui.state.strategies import V3Strategy

from .helpers import advance, control, stats


def _client(sim, **kw) -> V3Client:
    return V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=5.0, **kw)


def _poller(sim, client: V3Client, **kw) -> Poller:
    def clock() -> datetime:
        return datetime.fromtimestamp(sim.world.now(), UTC)

    poller = Poller(client, Store(clock=clock), clock=clock, credits_every=3600, **kw)
    assert isinstance(poller.strategy, V3Strategy)  # chosen for the v3 backend
    return poller


def test_v3_keys_are_recognised_by_their_colon():
    assert looks_like_v3_key("key_abc:secret")
    assert not looks_like_v3_key("sk-hedra-123")
    assert not looks_like_v3_key(":secret") and not looks_like_v3_key("key:")


async def test_client_pages_reads_and_maps_jobs(sim_factory):
    sim = sim_factory(count=60, inflight=4, seed=2, arrivals=False)
    async with _client(sim) as client:
        seen, cursor = [], None
        while True:
            page = await client.list_jobs(limit=25, cursor=cursor)
            seen += [j.job_id for j in page.jobs]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 64
        job = await client.get_job(seen[-1])
        status = await client.get_job_status(seen[-1])
        assert job.job_id == status.job_id == seen[-1]
        assert job.raw["job_id"] == status.raw["job_id"] == seen[-1]
        assert (await client.get_balance()).currency == "USD"
        assert any(m.name for m in await client.list_models())
    assert "key_sim" not in repr(client)


async def test_a_wrong_v3_key_is_an_authentication_error(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=2, arrivals=False)
    async with V3Client("key_x:nope", sim.base_url + "/v3", max_retries=0) as client:
        with pytest.raises(AuthenticationError):
            await client.list_jobs()


async def test_stream_resumes_after_drops_with_last_event_id(sim_factory):
    sim = sim_factory(count=20, inflight=3, seed=6, arrivals=False)
    control(sim, "POST", "/_sim/streams", {"drop_after": 2})
    async with _client(sim) as client:
        poller = _poller(sim, client, max_streams=1)
        await poller.cycle()
        job_id = poller.store.in_flight_ids()[0]
        poller.set_focus(job_id)
        assert list(poller.streams) == [job_id]
        await asyncio.sleep(0.5)
        advance(sim, 3600)  # it finishes while the stream keeps being cut
        for _ in range(100):
            if job_id not in poller.streams:
                break
            await asyncio.sleep(0.1)
        control(sim, "POST", "/_sim/streams", {"drop_after": None})
        row = poller.store.get(job_id)
        assert row is not None and row.final
        assert row.raw["status"] in ("COMPLETED", "FAILED")
        assert poller.stream_events >= 2
    log = [e for e in stats(sim)["log"] if e["path"].endswith("/stream")]
    assert len(log) >= 2  # it reconnected (and each reconnect sent Last-Event-Id)


async def test_many_jobs_in_flight_stay_within_the_stream_cap(sim_factory):
    sim = sim_factory(count=50, inflight=0, seed=7, arrivals=False)
    control(sim, "POST", "/_sim/inflight", {"count": 30})
    async with _client(sim) as client:
        poller = _poller(sim, client, max_streams=3)
        await poller.cycle()
        await poller.cycle()
        assert len(poller.store.in_flight_ids()) == 30
        assert len(poller.streams) == 3
        streamed = set(poller.streams)
        on_screen = poller.store.in_flight_ids()[:8]  # 3 of them streamed, presumably
        poller.visible = on_screen
        control(sim, "POST", "/_sim/stats/reset")
        await poller.cycle()
        served = stats(sim)["requests"]
        # the page says every job's status; only those on screen without a stream are
        # asked for their progress
        assert served.get("/v3/jobs/{id}/status") == len(set(on_screen) - streamed) >= 5
        assert served.get("/v3/jobs") == 1
        await poller.close()


async def test_simulator_faults_reach_the_v3_client_as_typed_errors(sim_factory):
    from hedra_tui.api.errors import PayloadError, RateLimitError, ServerError

    from .helpers import clear_faults, set_fault

    sim = sim_factory(count=10, inflight=1, seed=3, arrivals=False)
    async with _client(sim, max_retries=0) as client:
        for mode, params, error in (
            ("503", {}, ServerError),
            ("429", {"retry_after": 7}, RateLimitError),
            ("html", {}, ServerError),
            ("invalid_json", {}, PayloadError),
        ):
            set_fault(sim, mode, **params)
            try:
                with pytest.raises(error) as caught:
                    await client.list_jobs()
            finally:
                clear_faults(sim)
            if mode == "429":
                assert caught.value.retry_after == 7
        assert (await client.list_jobs()).jobs  # and back to normal


async def test_a_job_seen_ending_outside_its_result_has_its_result_read(sim_factory):
    """A page (or a frame) says COMPLETED before the result was read: the next cycle reads it."""
    sim = sim_factory(count=20, inflight=2, seed=8, arrivals=False)
    async with _client(sim) as client:
        poller = _poller(sim, client, max_streams=0)
        await poller.cycle()
        await poller.cycle()
        job_id = poller.store.in_flight_ids()[0]
        assert poller.store.get(job_id).raw.get("prompt")  # read while in flight
        advance(sim, 3600)
        page = await client.list_jobs(limit=25)
        summary = next(j for j in page.jobs if j.job_id == job_id)
        assert isinstance(poller.strategy, V3Strategy)
        poller.strategy.merge([(job_id, summary.raw)])  # the end, learnt from a list page only
        row = poller.store.get(job_id)
        assert row.final and not row.raw.get("outputs")  # ended, result not read yet
        await poller.cycle()
        raw = poller.store.get(job_id).raw
        assert raw["outputs"] or raw["error"]  # the result was read after all
