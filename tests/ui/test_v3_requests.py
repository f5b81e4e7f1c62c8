"""v3 has no batch status: the newest pages say every job's status, and only the jobs in flight
on screen (no stream following them) are asked for their progress. Real app, 120x40, against
the simulator over a real socket."""

from __future__ import annotations

from typing import Any

from hedra_tui.simulator.v3 import JOB_PREFIX
from hedra_tui.state.strategies import V3Strategy

from ..integration.helpers import add_inflight, advance, reset_stats, stats
from .conftest import wait_for


async def _settle(app: Any, pilot: Any, in_flight: int) -> V3Strategy:
    """Every job in flight known, the details read once read, the screen told to the poller."""
    strategy = app.poller.strategy
    assert isinstance(strategy, V3Strategy)

    def settled() -> bool:
        known = len(app.store.in_flight_ids()) == in_flight
        return known and not any(map(strategy.details_pending, strategy.hydrate_order()))

    await wait_for(pilot, settled, timeout=60)
    await pilot.pause(1.2)  # a tick: the app has told the poller what is on screen
    start = app.cycles
    await wait_for(pilot, lambda: app.cycles > start)  # a whole cycle that knew it
    return strategy


def _served(sim: Any) -> dict[str, int]:
    requests: dict[str, int] = dict(stats(sim)["requests"])
    requests.pop("/v3/jobs/{id}/stream", None)  # opened once, not per cycle
    return requests


def _status_polled(sim: Any) -> set[str]:
    return {e["path"].split("/")[3] for e in stats(sim)["log"] if e["path"].endswith("/status")}


async def test_100_in_flight_cost_2_plus_the_jobs_on_screen_a_cycle_not_100(make_v3_app):
    app, sim, _ = make_v3_app(count=300, inflight=100)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot, 100)
        reset_stats(sim)
        start = app.cycles
        await wait_for(pilot, lambda: app.cycles >= start + 3)
        served = _served(sim)
        cycles = app.cycles - start
        in_flight = set(app.store.in_flight_ids())
        on_screen = set(app.poller.visible) & in_flight
        streamed = set(app.poller.streams)
        per_cycle = sum(served.values()) / cycles
        # the list's rows and the in-flight panel's lines: ~19 of the 100 at 120x40
        assert 10 <= len(on_screen) <= 30
        assert per_cycle <= 2 + len(on_screen), served
        assert served["/v3/jobs"] == cycles  # one page of 100 says the status of all 100
        # progress is asked only for jobs on screen that no stream follows
        assert _status_polled(sim) == on_screen - streamed
        assert "/v3/jobs/{id}" not in served  # details are read once, already read


async def test_a_job_ending_off_screen_is_seen_ending_from_the_page_and_its_result_read(
    make_v3_app,
):
    app, sim, _ = make_v3_app(count=300, inflight=100)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot, 100)
        first = app.store.in_flight_ids()
        add_inflight(sim, 120)  # newer jobs (in flight for 10 minutes) push these 100 down
        strategy = await _settle(app, pilot, 220)
        off_screen = [
            i for i in first if i not in app.poller.visible and i not in app.poller.streams
        ]
        assert len(off_screen) > 90
        # below the newest 100, whose details are read anyway
        assert all((app.store.index_of(i) or 0) >= 120 for i in off_screen)
        jobs = {i: sim.world.by_id[i[len(JOB_PREFIX) :]] for i in off_screen}
        target = min(off_screen, key=lambda i: jobs[i].done_at)
        assert app.store.rows[target].raw.get("outputs") == []  # read in flight: no result
        asked = _spy(strategy.client)
        advance(sim, jobs[target].done_at - sim.world.now() + 0.5)
        row = lambda: app.store.rows[target]  # noqa: E731
        await wait_for(pilot, lambda: row().final)
        assert target in app.store.finished_ids  # seen ending, as a job on screen is
        await wait_for(pilot, lambda: bool(row().raw.get("outputs") or row().raw.get("error")))
        assert ("status", target) not in asked  # its end came from the page
        assert asked.count(("job", target)) == 1  # and its result was read, once
        assert row().prompt_text


def _spy(client: Any) -> list[tuple[str, str]]:
    """Which job each status poll and each details read asked for, in order."""
    asked: list[tuple[str, str]] = []
    get_job, get_status = client.get_job, client.get_job_status

    async def job(job_id: str) -> Any:
        asked.append(("job", job_id))
        return await get_job(job_id)

    async def status(job_id: str, logs_after: str | None = None) -> Any:
        asked.append(("status", job_id))
        return await get_status(job_id, logs_after)

    client.get_job, client.get_job_status = job, status
    return asked
