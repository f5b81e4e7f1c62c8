"""Derived facts: prompt, model, times, ETA anchoring, error groups and advice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hedra_tui.api.models import parse_generation
from hedra_tui.state.derive import (
    ErrorGroup,
    advice_for,
    error_code_of,
    error_group,
    eta_deadline,
    format_age,
    format_duration,
    model_id_of,
    parse_time,
    prompt_of,
)
from hedra_tui.state.timespec import parse_timespec

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


def test_prompt_comes_from_the_nested_video_inputs_first():
    g = parse_generation(
        {
            "id": "1",
            "input": {"text_prompt": "outer", "generated_video_inputs": {"text_prompt": "inner"}},
        }
    )
    assert prompt_of(g) == "inner"


def test_prompt_falls_back_to_tts_text_then_asset_name():
    assert prompt_of(parse_generation({"id": "1", "input": {"text": "say this"}})) == "say this"
    g = parse_generation({"id": "1", "input": {}, "asset": {"name": "clip.mp4"}})
    assert prompt_of(g) == "clip.mp4"
    assert prompt_of(parse_generation({"id": "1"})) == ""


def test_model_id_is_read_from_input():
    g = parse_generation({"id": "1", "input": {"generated_video_inputs": {"ai_model_id": "m1"}}})
    assert model_id_of(g) == "m1"


def test_parse_time_accepts_z_offsets_and_naive_values():
    assert parse_time("2026-11-24T12:00:00Z") == NOW
    assert parse_time("2026-11-24T13:00:00+01:00") == NOW
    assert parse_time("2026-11-24T12:00:00") == NOW
    assert parse_time("<string>") is None
    assert parse_time(None) is None


def test_eta_anchors_to_estimated_completion_at_over_eta_sec():
    g = parse_generation(
        {"id": "1", "eta_sec": 999, "estimated_completion_at": "2026-11-24T12:01:00Z"}
    )
    assert eta_deadline(g, NOW) == NOW + timedelta(seconds=60)
    g2 = parse_generation({"id": "1", "eta_sec": 30})
    assert eta_deadline(g2, NOW) == NOW + timedelta(seconds=30)
    assert eta_deadline(parse_generation({"id": "1"}), NOW) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59, "59s"),
        (65, "1m05s"),
        (3600 * 2 + 600, "2h10m"),
        (86400 * 4 + 3600 * 3, "4d03h"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_age_is_coarse():
    assert format_age(NOW - timedelta(seconds=5), NOW) == "<1m"
    assert format_age(NOW + timedelta(seconds=5), NOW) == "<1m"
    assert format_age(NOW - timedelta(minutes=5), NOW) == "5m"
    assert format_age(NOW - timedelta(hours=5), NOW) == "5h"
    assert format_age(NOW - timedelta(days=5), NOW) == "5d"
    assert format_age(NOW - timedelta(days=35), NOW) == "5w"
    assert format_age(None, NOW) == "?"


def test_error_groups_follow_what_the_user_should_do():
    assert error_group("INVALID_ARGUMENT") is ErrorGroup.FIX_INPUT
    assert error_group("MODERATION_FAILED") is ErrorGroup.CONTENT
    assert error_group("INSUFFICIENT_BALANCE") is ErrorGroup.MONEY
    assert error_group("PERMISSION_DENIED") is ErrorGroup.ACCESS
    assert error_group("UNAVAILABLE") is ErrorGroup.TRANSIENT
    assert error_group("SOMETHING_NEW") is ErrorGroup.UNKNOWN
    assert error_group(None) is None


def test_bare_error_message_counts_as_unknown_error():
    assert error_code_of(parse_generation({"id": "1", "error_message": "boom"})) == "UNKNOWN"
    assert error_code_of(parse_generation({"id": "1"})) is None


def test_advice_uses_reason_code_and_ignores_unknown_reason_codes():
    assert "real person" in advice_for("MODERATION_FAILED", "MODERATION_LIKENESS")
    assert advice_for("MODERATION_FAILED", "NEW_REASON") == advice_for("MODERATION_FAILED")


def test_timespec_reads_ages_words_and_iso_dates():
    assert parse_timespec("2h", now=NOW) == NOW - timedelta(hours=2)
    assert parse_timespec("30m ago", now=NOW) == NOW - timedelta(minutes=30)
    assert parse_timespec("yesterday", now=NOW) == datetime(2026, 11, 23, tzinfo=UTC)
    assert parse_timespec("2026-11-01", now=NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="cannot read"):
        parse_timespec("next tuesday", now=NOW)
