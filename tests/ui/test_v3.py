"""The monitor on the v3 backend, driven with Pilot against the simulator's /v3."""

from __future__ import annotations

import asyncio

from textual import events

from hedra_tui.ui.widgets.json_tree import JsonTree
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import advance, control, stats
from .conftest import line_text, wait_for


async def test_v3_monitor_lists_jobs_streams_progress_and_shows_the_log(make_v3_app):
    app, sim, clock = make_v3_app(count=120, inflight=6, max_streams=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 2 and app.detail.gen_id is not None)
        header = app.query_one("#status", FitLine).plain
        assert "API v3" in header and "$" in header  # which API, and the wallet balance
        assert len(app.poller.streams) == 2  # within the cap, with 6 jobs in flight
        first = app.store.rows[app.store.order[0]]
        assert first.id.startswith("job_") and first.raw["status"] in (
            "IN_QUEUE",
            "IN_PROGRESS",
            "COMPLETED",
            "FAILED",
        )
        # the list shows normalized statuses and the prompts read from GET /jobs/{id}
        await wait_for(
            pilot,
            lambda: all(app.store.rows[i].prompt_text for i in app.store.order[:20]),
            timeout=30,
        )
        assert any(
            w in line_text(app.list_view, 1) for w in ("queued", "processing", "complete", "error")
        )
        # the streams deliver frames (each opens with a status snapshot) ...
        await wait_for(pilot, lambda: app.poller.stream_events >= 2)
        # ... and a streamed job ends: by its stream or by the next page, whichever is first
        streamed = next(iter(app.poller.streams))
        clock.offset = 3600
        advance(sim, 3600)
        await wait_for(pilot, lambda: app.store.rows[streamed].final)
        await wait_for(pilot, lambda: streamed not in app.poller.streams)  # a stream ends
        # the detail pane of a finished job: its lifecycle log and its output URL
        assert app.list_view.select_id(streamed)

        def summary() -> str:
            return str(app.query_one("#detail-summary").render())

        # stream frames reach the screen with the next once-a-second tick
        await wait_for(pilot, lambda: "completed" in summary() or "failed" in summary())
        assert "log" in summary()
        tree = app.query_one(JsonTree)
        assert tree.root.data is not None and tree.root.data.value["job_id"] == streamed


async def test_pause_stops_the_streams_and_resume_starts_them(make_v3_app):
    app, _, _ = make_v3_app(count=60, inflight=5, max_streams=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.poller.streams) == 3)
        await pilot.press("p")
        assert not app.poller.streams
        await pilot.press("p")
        await wait_for(pilot, lambda: len(app.poller.streams) == 3)


async def test_v3_filters_errors_view_and_export_work_unchanged(make_v3_app, tmp_path):
    import csv
    import json

    app, _, _ = make_v3_app(count=80, inflight=3, export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 2)
        await wait_for(
            pilot,
            lambda: all(r.prompt_text for r in app.store),
            timeout=30,
        )
        await pilot.press("5")  # only failed jobs: v3 FAILED is normalized to error
        shown = list(app.list_view.ids)
        assert shown and all(app.store.rows[i].raw["status"] == "FAILED" for i in shown)
        assert all(app.store.rows[i].error_code for i in shown)  # the v3 error envelope's code
        await pilot.press("e")
        await pilot.pause()
        (jsonl,) = tmp_path.glob("*.jsonl")
        assert [json.loads(x)["job_id"] for x in jsonl.read_text().splitlines()] == shown
        await pilot.press("E")
        await pilot.pause()
        (csv_file,) = tmp_path.glob("*.csv")
        rows = list(csv.DictReader(csv_file.open()))
        assert [r["id"] for r in rows] == shown
        assert all(r["status"] == "error" and r["error_type"] and r["prompt"] for r in rows)
        await pilot.press("x")  # the errors view groups v3 failures too
        await pilot.pause()
        from hedra_tui.ui.screens.errors import ErrorsScreen

        assert isinstance(app.screen, ErrorsScreen)


async def test_a_held_key_over_streamed_jobs_keeps_the_stream_cap(make_v3_app):
    """j/k held over jobs in flight stops and restarts streams for the same jobs, fast; a
    stream stopped that way must never leave its successor untracked (streaming on, past
    the cap, while the next cycle opens yet another for the same job)."""
    app, sim, _ = make_v3_app(count=60, inflight=12, max_streams=2)
    # the simulator notices a client that went away at its next keep-alive: make it soon
    control(sim, "POST", "/_sim/streams", {"keepalive_every": 0.5})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 2 and len(app.poller.streams) == 2)
        in_flight = set(app.store.in_flight_ids())
        assert len(in_flight) >= 6
        for _ in range(4):  # j held, then k, over the jobs in flight, and back
            for keys in ("jjjjjkkkkk", "kkkkkjjjjj"):
                # a held key arrives in bursts (several keys in one read from the terminal,
                # handled one after the other before any stream task runs again): a job's
                # stream is stopped and started anew before the stopped one has ended
                for key in keys:
                    app.post_message(events.Key(key, key))
                await pilot.pause(0.05)
        await pilot.pause(3.0)  # a couple of cycles, and every dropped stream noticed

        served = stats(sim)  # what the simulator is serving now
        assert served["streams_open"] <= 2, served["streams_open_by_job"]
        assert all(n == 1 for n in served["streams_open_by_job"].values()), served
        # and on this side: every stream task still running is one the poller tracks
        running = sorted(
            t.get_name()
            for t in asyncio.all_tasks()
            if t.get_name().startswith("stream ") and not t.done()
        )
        assert running == sorted(f"stream {i}" for i in app.poller.streams)
