"""notify_command in the monitor: run once per watched ending with the job's facts and never
the key; a failing command is said once and the monitor goes on."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from ..integration.helpers import advance
from .conftest import wait_for

RECORDER = """\
import json, os, sys
with open(sys.argv[1], "a") as out:
    out.write(json.dumps(dict(os.environ)) + "\\n")
"""


def _records(path: Path) -> list[dict[str, str]]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _toasts(app) -> list[str]:
    from textual.widgets._toast import Toast

    return [t.render().plain for t in app.query(Toast)]


def _completing(app, sim, n: int) -> list[str]:
    """``n`` jobs in flight that the simulator will complete, newest first."""
    flying = app.store.in_flight_ids()
    return [i for i in flying if sim.world.by_id[i].outcome == "complete"][:n]


async def test_a_watched_ending_runs_the_command_once_with_its_facts(
    make_app, sim_factory, tmp_path, monkeypatch
):
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    out = tmp_path / "env.jsonl"
    sim = sim_factory(count=200, inflight=20, seed=5, arrivals=False)
    monkeypatch.setenv("HEDRA_API_KEY", sim.api_key)  # as a person would have it exported
    monkeypatch.setenv("MY_TOKEN", f"Bearer {sim.api_key}")  # and a copy under another name
    app, _, _ = make_app(
        sim=sim,
        notify_command=shlex.join([sys.executable, str(script), str(out)]),
        secrets=[sim.api_key],
    )
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        [job] = _completing(app, sim, 1)
        app.list_view.select_id(job)
        await pilot.press("w")
        advance(sim, 3600)  # every job in flight ends; only the watched one is told
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.notifier.results) >= 1)
        for _ in range(3):  # more cycles: no second run for the same ending
            cycles = app.cycles
            await pilot.press("r")
            await wait_for(pilot, lambda c=cycles: app.cycles > c)
        [env] = _records(out)
        row = app.store.rows[job]
        assert env["HEDRA_EVENT"] == "job.completed"
        assert env["HEDRA_JOB_ID"] == job
        assert env["HEDRA_JOB_STATUS"] == "complete"
        assert env["HEDRA_JOB_MODEL"] == app.store.model_label(row) != ""
        assert env["HEDRA_JOB_URL"].startswith("http")
        assert env["HEDRA_JOB_URL"] == row.gen.asset.best_url
        assert env["HEDRA_SUMMARY"].startswith("✓ completed:")
        assert env["HEDRA_API_VERSION"] == "v2"
        assert "HEDRA_API_KEY" not in env and "MY_TOKEN" not in env
        assert not any(sim.api_key in value for value in env.values())


async def test_a_failing_command_is_said_once_and_the_monitor_goes_on(make_app, tmp_path):
    app, sim, _ = make_app(notify="all", notify_command="no-such-notifier-xyz --now")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        _first, second = _completing(app, sim, 2)
        sim.world.by_id[second].queued_s += 1800  # ends later, in a cycle of its own
        advance(sim, 900)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.notifier.results) >= 1)
        advance(sim, 3600)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.store.rows[second].final)
        await wait_for(pilot, lambda: len(app.notifier.results) >= 2)
        said = [t for t in _toasts(app) if "notify_command" in t]
        assert said == ["notify_command: no-such-notifier-xyz not found"]
        cycles = app.cycles
        await pilot.press("r")
        await wait_for(pilot, lambda: app.cycles > cycles)  # still polling
        assert app.is_running and app.poller.health.error is None
