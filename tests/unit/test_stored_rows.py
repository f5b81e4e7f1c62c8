"""A row read back from the local history is the row the API's JSON makes: the fast path that
builds ended jobs' rows from the stored columns (no JSON parsed) agrees with the store's own,
field by field, for the simulator's whole history (with its drift), v3 jobs and hostile data."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from hedra_tui.api.decode import parse_any
from hedra_tui.simulator.world import SimWorld
from hedra_tui.state.history import HistoryDB, record_of
from hedra_tui.state.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# set when the row is made, not part of what the job is
MOMENTS = {"seen_at", "progress_changed_at", "confirmed_at", "version", "finished_at"}


def _v3(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "job_id": f"j{i:04d}",
        "status": "COMPLETED",
        "model": "veo-3",
        "created_at": "2026-11-20T11:00:00Z",
        "prompt": f"v3 prompt {i}",
        "outputs": [{"asset_id": "a", "url": "https://x/y.mp4", "type": "video"}],
        **extra,
    }


HOSTILE: list[dict[str, Any]] = [
    {
        "id": "h1\x1b[2J",
        "status": "error",
        "type": "video\x07",
        "created_at": "2026-11-19T10:00:00Z",
        "credit_cost": 7,
        "input": {"text_prompt": "[bold]x[/bold] \x1b]0;owned\x07 " + "p" * 900},
        "error": {"type": "MODERATION_FAILED", "message": "m\x1b[31m" * 80, "reason_code": "X_Y"},
    },
    {"id": "h2", "status": "complete", "created_at": "2026-11-19T10:00:01Z", "progress": 3.5},
    {"id": "h3", "status": "weird_new_status", "created_at": "2026-11-19T10:00:02+02:00"},
    {"id": "h4", "status": "error", "created_at": "2026-11-19T10:00:03Z", "error_message": "bare"},
]
V3: list[dict[str, Any]] = [
    _v3(1, cost=1.07, currency="USD"),
    _v3(2, cost=3, currency="eur"),
    _v3(3, cost=2.5, currency="U$D\x1b"),
    _v3(4, status="FAILED", error={"code": "INTERNAL", "message": "boom"}, cost=True),
    _v3(5, status="CANCELED", prompt=None),
]


def _payloads() -> list[dict[str, Any]]:
    world = SimWorld(count=600, inflight=0, seed=3, drift=True)
    with world.lock:
        sim = [world.payload(job) for job in world.jobs if job.created <= world.now()]
    return sim + HOSTILE + V3


@pytest.mark.parametrize("api", ["v2", "v3"])
def test_rows_read_back_from_the_history_equal_the_rows_the_json_makes(tmp_path, api):
    payloads = [p for p in _payloads() if ("job_id" in p) == (api == "v3")]
    made = Store()
    made.upsert([parse_any(p) for p in payloads], NOW)
    ended = [row for row in made if row.final or row.status not in ("queued", "processing")]
    ended = [row for row in ended if not row.in_flight]
    assert len(ended) >= (400 if api == "v2" else 5)
    db = HistoryDB.open(tmp_path / "h.sqlite3").db
    records = []
    for row in ended:
        record = record_of(row.gen, api, None, None)
        records.append(dataclasses.replace(record, packed=row.blob))
    db.save(records, NOW)
    back = Store()
    jobs = db.stored_page(None, None, 10_000)
    back.add_stored(jobs, NOW)
    fast = sum(1 for job in jobs if job.final and job.packed is not None)
    # the ended ones took the fast path (the others, e.g. an unknown status, were parsed)
    assert fast == sum(1 for r in ended if r.final and r.created is not None)
    compared = 0
    for row in ended:
        if row.created is None:
            continue  # a job with no readable time is not paged back from disk
        other = back.rows[row.id]
        for f in dataclasses.fields(row):
            if f.name in MOMENTS:
                continue
            mine, theirs = getattr(row, f.name), getattr(other, f.name)
            if isinstance(mine, float) and math.isnan(mine):
                assert math.isnan(theirs), (row.id, f.name)
            else:
                assert mine == theirs, (row.id, f.name, mine, theirs)
        compared += 1
    assert compared >= len(ended) - 10
    assert back.order == [i for i in made.order if i in back.rows]
    db.close()
