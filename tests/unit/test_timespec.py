"""Dates in filters are the user's days: `today`, `yesterday` and a date start at local
midnight, sent to the API as the UTC instant it is, across date lines and DST changes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from hedra_tui.state.filters import ServerFilters
from hedra_tui.state.timespec import AbsoluteTime, parse_timespec, read_timespec

NEW_YORK_WINTER = "EST5"  # UTC-5 all year
TOKYO = "JST-9"  # UTC+9
BERLIN = "CET-1CEST,M3.5.0,M10.5.0/3"  # UTC+1, UTC+2 from the last Sunday of March


@pytest.fixture
def local_tz() -> Iterator[Callable[[str], None]]:
    """Set the process's time zone for one test (TZ + tzset), and put it back after."""
    before = os.environ.get("TZ")

    def use(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    try:
        yield use
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_today_late_in_the_evening_west_of_utc_is_still_the_local_day(local_tz):
    local_tz(NEW_YORK_WINTER)
    now = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)  # 23:30 on the 24th in New York
    assert parse_timespec("today", now=now) == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert parse_timespec("yesterday", now=now) == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def test_today_just_after_midnight_east_of_utc_is_the_new_local_day(local_tz):
    local_tz(TOKYO)
    now = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 00:30 on the 25th in Tokyo
    assert parse_timespec("today", now=now) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert parse_timespec("yesterday", now=now) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_yesterday_across_a_dst_change_is_a_calendar_day_not_24_hours(local_tz):
    local_tz(BERLIN)
    now = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # 00:30 CEST on the 30th; the 29th had 23 h
    assert parse_timespec("today", now=now) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert parse_timespec("yesterday", now=now) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_a_date_is_local_midnight_and_still_described_as_that_date(local_tz):
    local_tz(NEW_YORK_WINTER)
    spec = read_timespec("2026-11-24")
    assert isinstance(spec, AbsoluteTime)  # a date stays that date: it does not roll
    assert spec.resolve(datetime(2026, 12, 1, tzinfo=UTC)) == datetime(2026, 11, 24, 5, tzinfo=UTC)
    assert spec.describe() == "2026-11-24"
    # a time without an offset is a local time too; one with an offset or Z is that instant
    assert parse_timespec("2026-11-24T23:30") == datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
    assert parse_timespec("2026-11-24T23:30Z") == datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert parse_timespec("2026-11-24T23:30+01:00") == datetime(2026, 11, 24, 22, 30, tzinfo=UTC)


def test_the_api_is_asked_for_the_utc_instant_of_the_local_day(local_tz):
    local_tz(NEW_YORK_WINTER)
    filters = ServerFilters.parse({"created_after": "today", "created_before": "2026-11-25"})
    params = filters.params(datetime(2026, 11, 25, 4, 30, tzinfo=UTC))
    assert params.created_after == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert params.created_before == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert filters.describe() == "since today · before 2026-11-25"


@pytest.mark.parametrize("tz", [TOKYO, NEW_YORK_WINTER, "UTC"])
def test_a_date_at_the_ends_of_the_calendar_is_read_or_refused_in_words(local_tz, tz):
    local_tz(tz)
    for text in ("0001-01-01", "0001-01-01T00:00", "9999-12-31", "9999-12-31T23:59:59"):
        try:
            spec = read_timespec(text)
        except ValueError as exc:  # never OverflowError, nor a message about "year 0"
            assert repr(text) in str(exc)
        else:
            assert spec.resolve(datetime.now(UTC)).tzinfo is UTC
