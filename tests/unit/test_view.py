"""The list view: text filter, status toggles, type filter and sorts over the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hedra_tui.api.models import parse_generation
from hedra_tui.state.store import Store
from hedra_tui.state.view import SORTS, View

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def store_with_jobs() -> Store:
    store = Store(clock=lambda: NOW)
    specs = [
        ("a", "processing", 0.5, "video", "A red fox", None, 30),
        ("b", "complete", 1.0, "image", "A blue whale", None, 5),
        ("c", "error", 0.2, "video", "A green frog", "INSUFFICIENT_BALANCE", 60),
        ("d", "queued", 0.0, "audio", "Hello there", None, 2),
    ]
    gens = []
    for i, (gid, status, progress, kind, prompt, code, credits) in enumerate(specs):
        data = {
            "id": gid,
            "status": status,
            "progress": progress,
            "type": kind,
            "created_at": (NOW - timedelta(minutes=i)).isoformat(),
            "input": {"text_prompt": prompt},
            "credit_cost": credits,
        }
        if code:
            data["error"] = {"type": code, "message": "not enough credits"}
        gens.append(parse_generation(data))
    store.upsert(gens)
    return store


def test_default_view_is_the_store_order_itself():
    store = store_with_jobs()
    view = View(store)
    assert view.ids() is store.order
    assert not view.active and view.describe() == ""


def test_text_filter_matches_prompt_id_error_type_and_message():
    view = View(store_with_jobs())
    view.text = "fox"
    assert view.ids() == ["a"]
    view.text = "insufficient"
    assert view.ids() == ["c"]
    view.text = "NOT ENOUGH".lower()
    assert view.ids() == ["c"]
    view.text = "zzz"
    assert view.ids() == []


def test_status_toggles_combine():
    view = View(store_with_jobs())
    view.toggle_status("error")
    view.toggle_status("queued")
    assert view.ids() == ["c", "d"]
    view.toggle_status("queued")
    assert view.ids() == ["c"]
    assert "error" in view.describe()


def test_type_filter():
    view = View(store_with_jobs())
    view.type = "video"
    assert view.ids() == ["a", "c"]


def test_sorts_and_the_sort_survives_new_data():
    store = store_with_jobs()
    view = View(store, sort="credits")
    assert view.ids() == ["c", "a", "b", "d"]
    view.descending = False
    assert view.ids() == ["d", "b", "a", "c"]
    store.upsert(
        [
            parse_generation(
                {"id": "e", "status": "queued", "created_at": NOW.isoformat(), "credit_cost": 3}
            )
        ]
    )
    assert view.ids() == ["d", "e", "b", "a", "c"]
    view.sort = "status"
    view.descending = False
    assert set(view.ids()[:2]) == {"d", "e"}  # queued first (ties stay newest first)
    assert "by status ▲" in view.describe()


def test_filtered_view_follows_status_changes():
    store = store_with_jobs()
    view = View(store)
    view.toggle_status("processing")
    assert view.ids() == ["a"]
    changed = store.upsert([parse_generation({**store.rows["a"].gen.raw, "status": "complete"})])
    assert view.ids(changed=changed) == []


def test_cycle_sort_visits_every_sort():
    view = View(store_with_jobs())
    seen = []
    for _ in SORTS:
        view.cycle_sort()
        seen.append(view.sort)
    assert sorted(seen) == sorted(SORTS)


def test_errors_are_grouped_by_type_and_reason_largest_first():
    from hedra_tui.state.errors_view import error_buckets

    store = Store(clock=lambda: NOW)
    specs = [("MODERATION_FAILED", "MODERATION_LIKENESS")] * 2 + [("MODERATION_FAILED", None)] * 3
    specs += [("NEW_CODE", None)]
    store.upsert(
        parse_generation(
            {
                "id": f"e{i}",
                "status": "error",
                "created_at": (NOW - timedelta(minutes=i)).isoformat(),
                "error": {"type": code, "reason_code": reason, "message": f"m{i}"},
            }
        )
        for i, (code, reason) in enumerate(specs)
    )
    buckets = error_buckets(store)
    assert [(b.code, b.reason, b.count) for b in buckets] == [
        ("MODERATION_FAILED", None, 3),
        ("MODERATION_FAILED", "MODERATION_LIKENESS", 2),
        ("NEW_CODE", None, 1),
    ]
    assert buckets[1].latest.id == "e0"  # the newest example
    assert "real person" in buckets[1].advice
    assert buckets[2].group.value == "unknown"
