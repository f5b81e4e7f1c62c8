"""The history load's store path: rows built off the event loop, then put in."""

from __future__ import annotations

from datetime import UTC, datetime

from hedra_tui.api.models import Generation
from hedra_tui.state.store import Store, unpack


def test_rows_built_off_the_loop_equal_rows_upserted():
    """``prepare`` + ``add_prepared`` (the history load's path) give the store ``upsert`` gives,
    also for a generation met twice and one already known."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    raw = [
        {"id": f"g{i}", "status": "complete", "created_at": f"2025-12-31T10:00:{i:02d}Z"}
        for i in range(5)
    ]
    raw.append({"id": "g1", "status": "error", "created_at": "2025-12-31T10:00:01Z"})  # twice
    raw.append({"id": "odd\ud800", "status": "queued", "created_at": "2025-12-31T09:00:00Z"})
    gens = [Generation.model_validate(r) for r in raw]
    for gen, r in zip(gens, raw, strict=True):
        gen._raw = r
    plain, staged = Store(), Store()
    plain.upsert(gens[:1], now)
    staged.upsert(gens[:1], now)
    plain.upsert(gens[1:], now)
    fresh = gens[1:]
    staged.add_prepared(fresh, staged.prepare(fresh, now), now)
    assert plain.order == staged.order
    for gen_id, row in plain.rows.items():
        other = staged.rows[gen_id]
        assert unpack(other.blob) == unpack(row.blob) == row.raw
        fields = ("status", "created", "version", "prompt_text", "progress")
        assert [getattr(other, f) for f in fields] == [getattr(row, f) for f in fields]
    assert plain.counts() == staged.counts()
    assert unpack(staged.rows["odd\ud800"].blob)["id"] == "odd\ud800"  # a lone surrogate packs
