"""Connection facts and words: overdue cycles, the real retry countdown, the backoff cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hedra_tui.api.errors import (
    APITimeoutError,
    AuthenticationError,
    PayloadError,
    RateLimitError,
    ServerError,
)
from hedra_tui.state.health import (
    OVERDUE_GRACE,
    ConnState,
    Health,
    data_age_words,
    next_attempt_words,
    state_words,
)
from hedra_tui.state.poller import failure_delay

NOW = datetime(2026, 11, 24, 12, 3, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    "exc",
    [
        APITimeoutError("timed out"),
        ServerError("503", status_code=503),
        PayloadError("bad body"),
        RateLimitError("429 without Retry-After"),
    ],
)
def test_the_backoff_never_exceeds_the_poll_interval(exc):
    assert failure_delay(exc, interval=5.0, auth_retry=30.0) == 5.0
    assert failure_delay(exc, interval=0.5, auth_retry=30.0) == 0.5


def test_a_429_retry_after_is_honoured_even_beyond_the_interval():
    exc = RateLimitError("429", retry_after=42.0)
    assert failure_delay(exc, interval=5.0, auth_retry=30.0) == 42.0
    huge = RateLimitError("429", retry_after=10_000.0)
    assert failure_delay(huge, interval=5.0, auth_retry=30.0) == 120.0  # capped


def test_a_rejected_key_is_tried_again_at_its_own_pace():
    exc = AuthenticationError("401", status_code=401)
    assert failure_delay(exc, interval=5.0, auth_retry=30.0) == 30.0


def test_a_cycle_counts_as_waiting_only_once_it_is_overdue():
    health = Health(state=ConnState.LIVE, last_ok=NOW, busy_since=100.0, typical=0.4)
    overdue = 100.0 + 0.4 + OVERDUE_GRACE
    assert health.shown_state(overdue - 0.1) is ConnState.LIVE
    assert state_words(health, overdue - 0.1) == "live"
    assert health.shown_state(overdue) is ConnState.WAITING
    assert state_words(health, 106.2) == "waiting for the API, 6 s"
    assert state_words(health, 165.0) == "waiting for the API, 1m05s"
    assert health.shown_state(106.0, paused=True) is ConnState.PAUSED
    health.busy_since = None  # the cycle ended
    assert state_words(health, 106.0) == "live"


def test_the_threshold_follows_what_a_cycle_takes_lately():
    slow = Health(state=ConnState.LIVE, busy_since=0.0, typical=4.0)
    assert slow.shown_state(5.0) is ConnState.LIVE  # a slow link: 5 s is normal here
    assert slow.shown_state(7.5) is ConnState.WAITING


def test_the_retry_countdown_is_true_and_never_zero_while_a_request_hangs():
    health = Health(state=ConnState.RETRYING, error="timed out", last_ok=NOW, next_at=50.0)
    assert next_attempt_words(health, 45.2) == "retry in 5s"
    assert next_attempt_words(health, 49.0) == "retry in 1s"
    assert next_attempt_words(health, 49.8) == "retrying now"
    # the retry has started and hangs: no countdown stuck at 0, but how long it waits
    health.next_at, health.busy_since = None, 50.0
    assert next_attempt_words(health, 51.0) == "retrying now"
    assert next_attempt_words(health, 56.0) == "waiting for the API, 6 s"
    assert next_attempt_words(Health(state=ConnState.LIVE), 1.0) is None


def test_the_data_age_is_said_to_the_second():
    health = Health(state=ConnState.RETRYING, last_ok=NOW)
    later = NOW + timedelta(seconds=14)
    assert data_age_words(health, later) == "data from 12:03:07 (14s old)"
    assert data_age_words(health, later, with_age=False) == "data from 12:03:07"
    assert data_age_words(Health(), later) == "no data yet"


def test_the_wait_fits_the_room_it_is_given_without_cutting_a_number():
    health = Health(state=ConnState.LIVE, busy_since=0.0)
    assert state_words(health, 6.0, room=24) == "waiting for the API, 6 s"
    assert state_words(health, 6.0, room=23) == "waiting for API, 6 s"
    for waited in (21.0, 59.9, 65.0, 3599.0, 7300.0, 86_000.0):
        words = state_words(health, waited, room=23)
        assert len(words) <= 23 and words.startswith("waiting for API, "), words
