"""The local history at start, driven through the real App against the simulator: the stored
rows show before the API answers (and through an outage), the catch-up asks only for what is
new, jobs that ended while the monitor was closed are counted and marked, and a second ``L``
comes from disk."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hedra_tui.state.history import HistoryDB
from hedra_tui.state.journal import SEED_ROWS
from hedra_tui.state.poller import ConnState
from hedra_tui.ui.run import open_history
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import advance, clear_faults, inject, reset_stats, set_fault, stats
from .conftest import screen_lines, wait_for


def _db(path: Path) -> HistoryDB:
    return HistoryDB.open(path).db


async def _first_session(
    make_app: Any, sim: Any, path: Path, *, load_all: bool = False
) -> set[str]:
    """Run the monitor once until the first cycle is written (and everything, with ``L``);
    returns the ids of the jobs it saw in flight."""
    db = _db(path)
    app, _, _ = make_app(sim, history=db)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.LIVE)
        if load_all:
            await pilot.press("L")
            await wait_for(pilot, lambda: app.store.exhausted and not app._loading_older)
        in_flight = set(app.store.in_flight_ids())
    db.close()
    return in_flight


async def test_a_restart_shows_the_stored_history_before_the_api_answers_even_when_it_is_down(
    make_app, sim_factory, tmp_path
):
    sim = sim_factory(count=300, inflight=10, seed=5, arrivals=False)
    path = tmp_path / "history.sqlite3"
    await _first_session(make_app, sim, path)
    stored = _db(path)
    assert stored.count() >= 100 and stored.meta("span_high") and stored.meta("last_seen_at")
    newest = stored.stored_page(None, None, 1)[0].id
    stored.close()

    set_fault(sim, "500")  # the API is down when the monitor starts again
    db = _db(path)
    app, _, _ = make_app(sim, history=db, interval=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # shown from disk at once: the API has not answered one request well
        assert app.list_view.ids[0] == newest
        assert len(app.store) >= min(SEED_ROWS, 100)
        assert "local history" in str(app.query_one("#list-pane").border_title)
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.RETRYING)
        status = app.query_one("#status", FitLine).plain
        banner = app.query_one("#banner", FitLine).plain
        assert "retrying" in status
        assert "data from" in banner  # stale, and says since when
        assert app.poller.health.last_ok == app.poller.journal.ended.since  # from disk
        clear_faults(sim)
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.LIVE, timeout=20)
        assert app.poller.journal is not None and app.poller.journal.settled
        assert app.list_view.ids[0] == newest
    db.close()


async def test_the_catch_up_asks_only_for_what_is_new_and_counts_what_ended_while_closed(
    make_app, sim_factory, tmp_path
):
    sim = sim_factory(count=300, inflight=10, seed=5, arrivals=False)
    path = tmp_path / "history.sqlite3"
    was_in_flight = await _first_session(make_app, sim, path)
    assert len(was_in_flight) == 10
    # while the monitor is closed: the jobs in flight end, three new jobs come and end
    for n in range(3):
        inject(sim, {"input": {"text_prompt": f"made while closed {n}"}})
    advance(sim, 3600)
    reset_stats(sim)

    db = _db(path)
    app, _, _ = make_app(sim, history=db)
    async with app.run_test(size=(120, 40)) as pilot:
        journal = app.poller.journal
        assert journal is not None
        await wait_for(pilot, lambda: journal.settled and app.cycles >= 1)
        asked = stats(sim)["requests"]
        # one page of the list found the new jobs, met the stored ones and held the ten
        # jobs stored in flight (the newest): nothing else was asked for
        assert asked.get("/generations", 0) == 1, asked
        ended = journal.ended
        assert len(ended) == 13
        assert was_in_flight <= ended.completed | ended.failed
        assert not (ended.completed | ended.failed) & app.store.endings.keys()
        status = app.query_one("#status", FitLine).plain
        done, failed = len(ended.completed), len(ended.failed)
        # the whole words where there is room (160), the short form at 120
        assert f"since last: ✓{done} ✗{failed}" in status
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        status = app.query_one("#status", FitLine).plain
        assert f"since last run: ✓ {done} done ✗ {failed} failed" in status
        # the rows carry the mark
        marked = [line for line in screen_lines(app) if " •" in line]
        assert marked
        # it stays until it has been read, then a key puts it away (the rows keep the mark)
        app._since_shown_at = app.poller.monotonic() - 31
        await pilot.press("j")
        await pilot.pause()
        assert "since last" not in app.query_one("#status", FitLine).plain
        assert any(" •" in line for line in screen_lines(app))
    db.close()
    stored = _db(path)
    # the jobs that ended unseen are stored as such: no monitor saw them end
    rows = stored.query(
        "SELECT count(*) FROM jobs WHERE final = 1 AND finished_at IS NULL AND id IN "
        f"({','.join('?' * len(was_in_flight))})",
        sorted(was_in_flight),
    )
    assert rows[0][0] == len(was_in_flight)
    stored.close()


async def test_a_second_load_of_the_whole_history_comes_from_disk(make_app, sim_factory, tmp_path):
    sim = sim_factory(count=1500, inflight=5, seed=7, arrivals=False)
    path = tmp_path / "history.sqlite3"
    await _first_session(make_app, sim, path, load_all=True)
    stored = _db(path)
    assert stored.count() == 1505  # the history and the five in flight
    assert stored.meta("span_low") == "all"
    stored.close()

    db = _db(path)
    app, _, _ = make_app(sim, history=db)
    async with app.run_test(size=(120, 40)) as pilot:
        journal = app.poller.journal
        assert journal is not None
        await wait_for(pilot, lambda: journal.settled)
        reset_stats(sim)
        await pilot.press("L")
        await wait_for(pilot, lambda: app.store.exhausted and not app._loading_older)
        assert len(app.store) == 1505
        assert stats(sim)["requests"].get("/generations", 0) <= 1  # (a poll cycle, perhaps)
    db.close()


async def test_a_corrupt_history_is_set_aside_with_a_clear_message_and_the_monitor_runs(
    make_app, sim_factory, tmp_path
):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    db, told = open_history(path)
    assert db is not None and len(told) == 1
    assert str(path) in told[0] and "moved to" in told[0] and "corrupt" in told[0]
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    sim = sim_factory(count=50, inflight=3, seed=1, arrivals=False)
    app, _, _ = make_app(sim, history=db, warnings=told)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.LIVE)
        await asyncio.sleep(0)
        assert db.count() == len(app.store)
    db.close()


async def test_v3_a_restart_reads_no_details_again_for_jobs_stored_ended(
    make_v3_app, sim_factory, tmp_path
):
    sim = sim_factory(count=60, inflight=3, seed=4, arrivals=False)
    path = tmp_path / "history.sqlite3"
    db = _db(path)
    app, _, _ = make_v3_app(sim, history=db, max_streams=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.LIVE)
        # every job's details read once (the newest first, 25 a cycle)
        await wait_for(
            pilot, lambda: not any(app.poller.details_pending(i) for i in app.store.order)
        )
    db.close()
    reset_stats(sim)

    db = _db(path)
    app, _, _ = make_v3_app(sim, history=db, max_streams=0)
    async with app.run_test(size=(120, 40)) as pilot:
        journal = app.poller.journal
        assert journal is not None
        await wait_for(pilot, lambda: journal.settled and app.cycles >= 2)
        asked = stats(sim)["requests"]
        # the list page, and the three jobs in flight (status and details): no job that was
        # stored ended is read again

        assert asked.get("/v3/jobs/{id}", 0) <= 3, asked
        assert asked.get("/v3/jobs", 0) <= 2, asked
        assert len(app.store) == 63
        ended = [i for i in app.store.order if app.store.rows[i].final]
        assert not any(app.poller.details_pending(i) for i in ended)
    db.close()
