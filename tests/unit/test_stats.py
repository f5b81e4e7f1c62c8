"""The stats figures, checked against a history whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hedra_tui.api.models import parse_generation
from hedra_tui.state.history import HistoryDB, record_of
from hedra_tui.state.stats import compute, percentile

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LIKENESS = "MODERATION_LIKENESS"


def job(i: int, minutes_ago: float, status: str, model: str, kind: str, took: float | None,
        credits: int = 10, error: str | None = None, reason: str | None = None):  # fmt: skip
    created = NOW - timedelta(minutes=minutes_ago)
    raw: dict[str, object] = {
        "id": f"j{i}",
        "type": kind,
        "status": status,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "credit_cost": credits,
        "input": {"ai_model_id": model},
    }
    if error:
        raw["error"] = {"type": error, "reason_code": reason, "message": "m"}
    finished = created + timedelta(seconds=took) if took is not None else None
    return record_of(parse_generation(raw), "v2", model.upper(), finished)


def test_figures_per_model_and_type_over_a_range(tmp_path):
    db = HistoryDB.open(tmp_path / "h.sqlite3").db
    records = [
        # in the last 24 h: model a, video: 4 complete (30, 60, 90, 120 s), 2 failed
        *(job(i, 10 * i, "complete", "a", "video", 30.0 * i, credits=5) for i in range(1, 5)),
        job(
            5,
            50,
            "error",
            "a",
            "video",
            40,
            error="MODERATION_FAILED",
            reason="MODERATION_LIKENESS",
        ),
        job(
            6,
            60,
            "error",
            "a",
            "video",
            None,
            error="MODERATION_FAILED",
            reason="MODERATION_LIKENESS",
        ),
        # model b, image: 1 complete (seen ending after 10 s), 1 failed, 1 still running
        job(7, 70, "complete", "b", "image", 10, credits=7),
        job(8, 80, "error", "b", "image", 20, error="INTERNAL"),
        job(9, 5, "processing", "b", "image", None),
        # three days ago: outside 24h, inside 7d
        job(10, 3 * 24 * 60, "complete", "a", "video", 100, credits=100),
    ]
    db.save(records, NOW)
    day = compute(db, "24h", NOW)
    assert (day.total.jobs, day.total.completed, day.total.failed, day.total.running) == (
        9,
        5,
        3,
        1,
    )
    assert day.total.failure_rate == 3 / 8
    a = next(g for g in day.by_model if g.key == "A")
    assert (a.jobs, a.completed, a.failed) == (6, 4, 2)
    assert a.durations and sorted(a.durations) == [30, 40, 60, 90, 120]  # observed only
    assert a.median_s == 60 and a.p90_s == 120
    assert a.credits == 20  # what the completed jobs cost
    assert a.top_errors() == [("MODERATION_FAILED", "MODERATION_LIKENESS", 2)]
    image = next(g for g in day.by_type if g.key == "image")
    assert (image.jobs, image.completed, image.failed, image.running) == (3, 1, 1, 1)
    week = compute(db, "7d", NOW)
    assert week.total.jobs == 10 and week.total.credits == 20 + 7 + 100
    assert week.bucket == "2 hours" and day.bucket == "hour"
    assert sum(j for _, j, _ in day.timeline) == 9 and sum(f for *_, f in day.timeline) == 3
    payload = week.as_dict()
    assert payload["source"].startswith("observed") and payload["by_model"][0]["key"] == "A"


def test_percentiles_are_nearest_rank():
    assert percentile([], 90) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90) == 9.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
