"""The stats view: figures from the local history, per model and type, with a chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hedra_tui.api.models import parse_generation
from hedra_tui.state.history import HistoryDB, record_of
from hedra_tui.ui.screens.stats import StatsScreen

from .conftest import wait_for


def screen_text(app) -> str:
    return "\n".join(
        "".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()
    )


async def test_stats_view_shows_the_history_by_model_and_type(make_app, tmp_path):
    db = HistoryDB.open(tmp_path / "h.sqlite3").db
    now = datetime.now(UTC)
    records = []
    for i in range(40):
        created = now - timedelta(minutes=20 * i)
        failed = i % 4 == 0
        raw = {
            "id": f"s{i}",
            "type": "video" if i % 2 else "image",
            "status": "error" if failed else "complete",
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "credit_cost": 2,
            "input": {"ai_model_id": "kling" if i % 3 else "veo"},
            **({"error": {"type": "INTERNAL", "message": "x"}} if failed else {}),
        }
        records.append(record_of(parse_generation(raw), "v2", None, created + timedelta(minutes=1)))
    db.save(records, now)
    app, _, _ = make_app(history=db)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
        await wait_for(pilot, lambda: app.screen.rendered == "24h")  # read in a thread
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "MODEL" in text and "TYPE" in text and "kling" in text and "veo" in text
        assert "jobs" in text and "failures" in text  # the chart
        assert "observed" in text
        await pilot.press("4")  # everything stored
        await wait_for(pilot, lambda: app.screen.rendered == "all" and not app.screen.computing)
        await pilot.pause(0.1)
        # the 40 stored before, and what this monitor wrote since (the simulator's jobs)
        ((jobs, done, failed),) = db.query(
            "SELECT count(*), sum(status = 'complete'), sum(status = 'error') FROM jobs"
        )
        assert jobs > 40
        assert f"{jobs} jobs, {done} completed, {failed} failed" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, StatsScreen))


async def test_stats_view_says_when_the_history_is_off(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
        await wait_for(pilot, lambda: app.screen.rendered is not None)
        await pilot.pause(0.1)
        assert "turned off" in screen_text(app)
