"""The store: order, change detection, counts, in-flight tracking, stalls, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hedra_tui.api.models import MalformedItem, parse_generation
from hedra_tui.state.poller import plan_requests
from hedra_tui.state.store import MALFORMED_KEEP, Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def gen(i: int, status: str = "complete", progress: float = 1.0, **extra):
    return parse_generation(
        {
            "id": f"g{i:03d}",
            "status": status,
            "progress": progress,
            "created_at": (NOW - timedelta(minutes=i)).isoformat(),
            "input": {"text_prompt": f"prompt \x1b[31m{i}"},
            **extra,
        }
    )


def test_rows_are_kept_newest_first_whatever_the_arrival_order():
    store = Store(clock=lambda: NOW)
    store.upsert([gen(5), gen(1), gen(9)])
    store.upsert([gen(3), gen(0)])
    assert store.order == ["g000", "g001", "g003", "g005", "g009"]
    assert store.index_of("g005") == 3


def test_only_changed_rows_are_reported_and_versions_move():
    store = Store(clock=lambda: NOW)
    assert store.upsert([gen(1, "processing", 0.2), gen(2)]) == {"g001", "g002"}
    assert store.upsert([gen(1, "processing", 0.2), gen(2)]) == set()
    assert store.upsert([gen(1, "processing", 0.5)]) == {"g001"}
    assert store.rows["g001"].version == 1 and store.rows["g002"].version == 0


def test_display_text_is_sanitized_once_in_the_row():
    store = Store(clock=lambda: NOW)
    store.upsert([gen(1)])
    assert store.rows["g001"].prompt_text == "prompt ␛[31m1"
    assert store.rows["g001"].gen.raw["input"]["text_prompt"] == "prompt \x1b[31m1"


def test_counts_and_in_flight_follow_status_changes():
    store = Store(clock=lambda: NOW)
    store.upsert([gen(1, "processing", 0.1), gen(2, "queued", 0), gen(3), gen(4, "weird")])
    assert store.counts() == {"processing": 1, "queued": 1, "complete": 1, "weird": 1}
    assert store.in_flight_ids() == ["g001", "g002"]
    store.upsert([gen(1)])
    assert store.counts()["complete"] == 2 and "processing" not in store.counts()
    assert store.in_flight_ids() == ["g002"]


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_a_job_the_api_shows_without_progress_for_too_long_is_stalled():
    store = Store(clock=lambda: NOW)
    store.upsert([gen(1, "processing", 0.3)], NOW)
    store.upsert([gen(1, "processing", 0.3)], later(100))  # polled: no progress
    row = store.rows["g001"]
    assert not store.is_stalled(row, later(100), 180)
    store.upsert([gen(1, "processing", 0.3)], later(200))
    assert store.is_stalled(row, later(200), 180)
    assert store.no_progress_for(row, later(200)) == 200
    store.upsert([gen(1, "processing", 0.4)], later(200))
    assert not store.is_stalled(store.rows["g001"], later(201), 180)


def test_no_news_is_not_a_stall_the_stall_clock_stops_while_the_api_is_silent():
    store = Store(clock=lambda: NOW)
    store.upsert([gen(1, "processing", 0.3)], NOW)
    store.upsert([gen(1, "processing", 0.3)], later(60))  # the last answer before an outage
    row = store.rows["g001"]
    # a 10-minute outage: nothing is known about progress, so nothing is stalled
    assert not store.is_stalled(row, later(660), 180)
    assert store.no_progress_for(row, later(660)) == 60
    # the API answers again and the job did not move in all that time: now it is stalled
    store.upsert([gen(1, "processing", 0.3)], later(660))
    assert store.is_stalled(row, later(661), 180)


def test_an_eta_long_past_counts_as_of_the_api_last_word():
    store = Store(clock=lambda: NOW)
    eta = later(10).isoformat()
    store.upsert([gen(1, "processing", 0.3, estimated_completion_at=eta)], NOW)
    store.upsert([gen(1, "processing", 0.35, estimated_completion_at=eta)], later(100))
    row = store.rows["g001"]
    assert not store.is_stalled(row, later(1000), 180)  # the API has been silent since 100 s
    store.upsert([gen(1, "processing", 0.4, estimated_completion_at=eta)], later(1000))
    assert store.is_stalled(store.rows["g001"], later(1000), 180)  # progress, but ETA long past


def test_an_update_without_progress_does_not_confirm_it():
    store = Store(clock=lambda: NOW)
    store.upsert([gen(1, "processing", 0.3)], NOW)
    store.upsert([gen(1, "processing", 0.3)], later(500), confirms=False)  # e.g. a v3 job list
    assert not store.is_stalled(store.rows["g001"], later(500), 180)
    store.confirm(["g001"], later(500))  # e.g. its live stream is open and sent nothing
    assert store.is_stalled(store.rows["g001"], later(500), 180)


def test_unreadable_items_are_remembered_but_bounded():
    store = Store(clock=lambda: NOW)
    for i in range(MALFORMED_KEEP * 3):
        store.add_malformed([MalformedItem(i, {"bad": i}, "id: missing")])
    store.add_malformed([MalformedItem(0, {"bad": MALFORMED_KEEP * 3 - 1}, "id: missing")])
    assert len(store.malformed) == MALFORMED_KEEP


def test_plan_requests_is_one_plus_one_per_hundred_in_flight():
    assert plan_requests(0) == 1
    assert plan_requests(1) == 2
    assert plan_requests(20, already_fresh=20) == 1
    assert plan_requests(150, already_fresh=25) == 3
    assert plan_requests(1000) == 11
