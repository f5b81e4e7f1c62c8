"""Watching a whole batch (v2 batch_generation_id): w offers it, the status line counts it,
one notification (and one notify_command run) when all its jobs have ended."""

from __future__ import annotations

import json
import shlex
import sys

from hedra_tui.ui.screens.choice import ChoiceScreen
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import advance, control
from .conftest import line_text, wait_for
from .test_notify_command_ui import RECORDER


def _toasts(app) -> list[str]:
    from textual.widgets._toast import Toast

    return [t.render().plain for t in app.query(Toast)]


def test_the_simulator_serves_batches_that_share_an_id(sim_factory):
    sim = sim_factory(count=50, inflight=2, seed=3, arrivals=False)
    made = control(sim, "POST", "/_sim/batches", {"size": 5})
    world = sim.world
    members = [world.payload(world.by_id[i]) for i in made["ids"]]
    assert {m["batch_generation_id"] for m in members} == {made["batch_id"]}
    assert all(m["input"].get("batch_size") == 5 for m in members if "batch_size" in m["input"])
    assert len({m["id"] for m in members}) == 5


def test_arrivals_bring_batches_in_the_demo(sim_factory):
    sim = sim_factory(count=20, inflight=20, seed=7, arrivals=True)
    advance(sim, 3 * 3600)
    with sim.world.lock:
        jobs = sim.world.visible()
    batches: dict[str, int] = {}
    for job in jobs:
        if job.batch_id:
            batches[job.batch_id] = batches.get(job.batch_id, 0) + 1
    assert any(n >= 2 for n in batches.values())


def _list_line(app, index: int) -> str:
    """What the list shows for its ``index``th row (under its header line)."""
    return line_text(app.list_view, index + 1 - app.list_view.scroll_offset.y)


async def test_watching_a_batch_tells_once_when_all_have_ended(make_app, sim_factory, tmp_path):
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    out = tmp_path / "env.jsonl"
    sim = sim_factory(count=100, inflight=0, seed=9, arrivals=False)
    made = control(sim, "POST", "/_sim/batches", {"size": 4})
    ids = made["ids"]
    app, _, _ = make_app(
        sim=sim,
        notify="all",  # every ending toasts, except a watched batch's: told as one
        notify_command=shlex.join([sys.executable, str(script), str(out)]),
    )
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_for(pilot, lambda: all(i in app.store.rows for i in ids))
        app.list_view.select_id(ids[1])
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("b")
        assert app.store.watched_batches == {made["batch_id"]}
        # each job of the batch carries the list's star, and only those
        listed = app.list_view.ids
        rows = [listed.index(i) for i in ids]
        await wait_for(pilot, lambda: all("★" in _list_line(app, r) for r in rows))
        others = [r for r in range(8) if r not in rows]
        assert not any("★" in _list_line(app, r) for r in others)
        line = app.query_one("#status", FitLine)
        await wait_for(pilot, lambda: "▦ batch 0/4" in line.plain)

        ends = sorted(sim.world.by_id[i].done_at for i in ids)
        now = sim.world.now()
        advance(sim, (ends[1] + ends[2]) / 2 - now)  # two have ended, two have not
        await pilot.press("r")
        await wait_for(pilot, lambda: "▦ batch 2/4" in line.plain)
        ended = [app.store.rows[i] for i in ids if app.store.rows[i].final]
        ok = sum(r.status == "complete" for r in ended)
        assert f"▦ batch 2/4 ✓{ok}" in line.plain
        assert not any("done" in t or "completed" in t for t in _toasts(app))

        advance(sim, ends[-1] - sim.world.now() + 1)
        await pilot.press("r")
        await wait_for(pilot, lambda: any("batch of 4 done" in t for t in _toasts(app)))
        await wait_for(pilot, lambda: len(app.notifier.results) >= 1)
        for _ in range(2):  # later cycles tell nothing more
            cycles = app.cycles
            await pilot.press("r")
            await wait_for(pilot, lambda c=cycles: app.cycles > c)
        told = [t for t in _toasts(app) if "done" in t]
        assert len(told) == 1
        assert not any(t.startswith(("✓ completed", "✗ ")) for t in _toasts(app))
        assert "batch" not in line.plain  # done: no longer counted
        assert all("★" in _list_line(app, r) for r in rows)  # as a watched job keeps it
        runs = [json.loads(x) for x in out.read_text().splitlines()]
        assert len(runs) == 1
        assert runs[0]["HEDRA_EVENT"] == "batch.ended"
        assert runs[0]["HEDRA_BATCH_ID"] == made["batch_id"]
        assert runs[0]["HEDRA_BATCH_TOTAL"] == "4"
        complete = sum(app.store.rows[i].status == "complete" for i in ids)
        assert runs[0]["HEDRA_BATCH_COMPLETE"] == str(complete)


async def test_w_on_a_job_without_a_batch_watches_it_at_once(make_app):
    app, _, _ = make_app(count=100, inflight=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        job = next(i for i in app.store.in_flight_ids() if not app.store.rows[i].batch_id)
        app.list_view.select_id(job)
        await pilot.press("w")
        assert not isinstance(app.screen, ChoiceScreen)
        assert job in app.store.watched


async def test_the_batch_dialog_watches_just_the_job_or_nothing(make_app, sim_factory):
    sim = sim_factory(count=100, inflight=0, seed=9, arrivals=False)
    ids = control(sim, "POST", "/_sim/batches", {"size": 3})["ids"]
    app, _, _ = make_app(sim=sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: all(i in app.store.rows for i in ids))
        app.list_view.select_id(ids[0])
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("escape")
        assert not app.store.watched and not app.store.watched_batches
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("j")
        assert app.store.watched == {ids[0]} and not app.store.watched_batches
