"""Typed server-side filters: time specs that roll, parsing, words for the title, the check of
loaded rows, and the store keeping the session's endings when rows go."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import pytest

from hedra_tui.api.errors import ConfigError
from hedra_tui.api.models import Generation
from hedra_tui.connect import filters_from_args
from hedra_tui.state.activity import activity
from hedra_tui.state.filters import FilterError, ServerFilters
from hedra_tui.state.store import Store
from hedra_tui.state.timespec import AbsoluteTime, DayStart, RelativeTime, read_timespec

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=5)


def _gen(gen_id: str, **fields: object) -> Generation:
    raw = {"id": gen_id, "created_at": "2026-11-24T11:00:00Z", "status": "complete", **fields}
    return Generation.model_validate(raw)


def test_a_relative_time_rolls_with_the_clock_and_a_date_does_not():
    three_days = read_timespec("3d")
    assert three_days == RelativeTime(3 * 86400, "3d")
    assert three_days.resolve(NOW) == NOW - timedelta(days=3)
    assert three_days.resolve(LATER) == LATER - timedelta(days=3)
    date = read_timespec("2026-11-01")
    assert isinstance(date, AbsoluteTime)
    assert date.resolve(NOW) == date.resolve(LATER) == datetime(2026, 11, 1, tzinfo=UTC)
    yesterday = read_timespec("yesterday")
    assert isinstance(yesterday, DayStart)
    assert yesterday.resolve(NOW + timedelta(days=1)) == datetime(2026, 11, 24, tzinfo=UTC)


def test_time_specs_describe_themselves_in_short_words():
    assert read_timespec("3d").describe() == "3d ago"
    assert read_timespec("30 min ago").describe() == "30m ago"
    assert read_timespec("1.5 hr").describe() == "1.5h ago"
    assert read_timespec("Yesterday").describe() == "yesterday"
    assert read_timespec("2026-11-01").describe() == "2026-11-01"
    assert read_timespec("2026-11-01T10:30:00+02:00").describe() == "2026-11-01 08:30 UTC"
    with pytest.raises(ValueError, match="cannot read"):
        read_timespec("next tuesday")


def test_filters_parse_keep_what_was_typed_and_resolve_at_each_request():
    filters = ServerFilters.parse(
        {"type": " video ", "created_after": "3d", "prompt_query": "fox", "ids": "a, b,,a"}
    )
    assert filters.ids == ("a", "b")
    assert filters.texts() == {
        "type": "video",
        "created_after": "3d",
        "prompt_query": "fox",
        "ids": "a,b",
    }
    assert filters.params(NOW).created_after == NOW - timedelta(days=3)
    assert filters.params(LATER).created_after == LATER - timedelta(days=3)
    assert filters.params(NOW).ids == ("a", "b")
    assert ServerFilters.parse({"type": "", "ids": " "}) == ServerFilters()
    assert not ServerFilters() and filters


def test_a_bad_filter_names_its_field():
    with pytest.raises(FilterError) as caught:
        ServerFilters.parse({"created_before": "someday"})
    assert caught.value.field == "created_before"
    with pytest.raises(FilterError, match="at most 100 ids"):
        ServerFilters.parse({"ids": ",".join(f"id{i}" for i in range(101))})


def test_describe_reads_as_words_and_is_safe_to_display():
    filters = ServerFilters.parse({"type": "video", "created_after": "3d", "prompt_query": "fox"})
    assert filters.describe() == 'video · since 3d ago · "fox"'
    hostile = ServerFilters(prompt_query="\x1b]52;c;aGk=\x07[b]x\u202e", ids=("a", "b", "c"))
    text = hostile.describe()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert text.endswith("3 ids")
    dated = ServerFilters.parse({"created_before": "2026-11-01", "agent_thread_id": "t" * 40})
    assert dated.describe() == "before 2026-11-01 · thread tttttttt…"


def test_the_row_check_follows_the_api_filters():
    store = Store(clock=lambda: NOW)
    store.upsert(
        [
            _gen("v1", type="video", input={"text_prompt": "A red Fox"}),
            _gen("t1", type="text", input={"type": "video", "agent_thread_id": "th"}),
            _gen("i1", type="image", input={"text_prompt": "fox"}),
            _gen("old", type="video", created_at="2026-11-01T00:00:00Z"),
        ],
        NOW,
    )
    rows = store.rows

    def picked(**values: str) -> set[str]:
        match = ServerFilters.parse(values).matcher(NOW)
        return {i for i, row in rows.items() if match(row)}

    assert picked(type="video") == {"v1", "t1", "old"}  # the generation's or its input's type
    assert picked(prompt_query="FOX") == {"v1", "i1"}
    assert picked(created_after="3d") == {"v1", "t1", "i1"}
    assert picked(created_before="3d") == {"old"}
    assert picked(agent_thread_id="th") == {"t1"}
    assert picked(ids="i1,nope") == {"i1"}
    assert ServerFilters(type="video").matches(rows["v1"], NOW)


def test_list_flags_keep_a_relative_time_relative_and_name_a_bad_flag():
    args = argparse.Namespace(created_after="3d", type=None)
    assert filters_from_args(args, {"type": "image"}) == ServerFilters(
        type="image", created_after=RelativeTime(3 * 86400, "3d")
    )
    with pytest.raises(ConfigError, match="created-after"):
        filters_from_args(argparse.Namespace(created_after="someday"))


def test_retaining_rows_keeps_the_sessions_endings_for_the_activity_strip():
    store = Store(clock=lambda: NOW)
    store.upsert([_gen("a", status="processing"), _gen("b", status="processing")], NOW)
    store.upsert([_gen("a", credit_cost=7), _gen("b", status="error")], NOW)
    before = activity(store, NOW)
    assert sum(before.completed) == 1 and sum(before.failed) == 1
    dropped = store.retain(lambda row: False)
    assert dropped == 2 and len(store) == 0 and store.order == []
    after = activity(store, NOW)
    assert after == before and after.credits_burned == 7
