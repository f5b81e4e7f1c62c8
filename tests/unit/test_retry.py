"""The backoff policy, tested as a pure function (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime

from hedra_tui.api.retry import backoff_delay, parse_retry_after


def test_backoff_doubles_from_half_a_second_and_caps_at_eight():
    top = [backoff_delay(a, rng=lambda: 1.0) for a in range(8)]
    assert top == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_jitter_keeps_at_least_half_of_the_delay():
    low = [backoff_delay(a, rng=lambda: 0.0) for a in range(5)]
    assert low == [0.25, 0.5, 1.0, 2.0, 4.0]


def test_retry_after_wins_over_backoff_and_is_capped():
    assert backoff_delay(0, retry_after=7, rng=lambda: 0.0) == 7
    assert backoff_delay(3, retry_after=1000, retry_after_cap=60) == 60


def test_retry_after_header_seconds_and_http_date():
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 2.5 ") == 2.5
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 24 Nov 2026 12:00:30 GMT", now=now) == 30.0


def test_unreadable_or_negative_retry_after_is_ignored():
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") is None
