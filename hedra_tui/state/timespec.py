"""Read the time filters people type: ISO dates, "2h" / "30m" / "3d" ago, "today", "yesterday".

A relative time is kept as typed and resolved at every request (``resolve(now)``), so "3d"
keeps meaning the last three days in a monitor left open for a week; a date stays that date.
Days are the user's: "today", "yesterday" and a date start at local midnight (the system time
zone), and a time without an offset is a local time; each resolves to an aware UTC instant.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|wk)\s*(?:ago)?\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
_UNITS |= {"day": 86400, "days": 86400, "w": 604800, "wk": 604800}
_SHORT = {"sec": "s", "min": "m", "hr": "h", "day": "d", "days": "d", "wk": "w"}
_DAYS = {"today": 0, "yesterday": 1}


@dataclass(frozen=True)
class RelativeTime:
    """``seconds`` before the moment of each request ("3d", "30m ago", "now")."""

    seconds: float
    text: str  # as typed

    def resolve(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.seconds)

    def describe(self) -> str:
        match = _AGO.match(self.text)
        if self.seconds == 0 or match is None:
            return "now"
        unit = match.group(2).lower()
        return f"{match.group(1)}{_SHORT.get(unit, unit)} ago"


def local_midnight(day: date) -> datetime:
    """The instant (UTC) ``day`` starts in the local time zone, whatever its offset that day."""
    return datetime.combine(day, time()).astimezone(UTC)  # a naive time is read as local


@dataclass(frozen=True)
class DayStart:
    """The start (local midnight) of the local day of each request, or ``days`` before it."""

    days: int
    text: str

    def resolve(self, now: datetime) -> datetime:
        today = now.astimezone().date()  # the date where the user is, not in UTC
        return local_midnight(today - timedelta(days=self.days))

    def describe(self) -> str:
        return "today" if self.days == 0 else "yesterday" if self.days == 1 else f"{self.days}d"


@dataclass(frozen=True)
class AbsoluteTime:
    """A fixed point in time: an ISO timestamp, or the local midnight that starts ``day``."""

    when: datetime
    text: str
    day: date | None = None  # set for a date without a time

    def resolve(self, now: datetime) -> datetime:
        return self.when

    def describe(self) -> str:
        if self.day is not None:
            return self.day.isoformat()
        when = self.when.astimezone(UTC)
        if when.time() == datetime.min.time():
            return f"{when:%Y-%m-%d}"
        return f"{when:%Y-%m-%d %H:%M}" + (f":{when:%S}" if when.second else "") + " UTC"


TimeSpec = RelativeTime | DayStart | AbsoluteTime


def read_timespec(text: str) -> TimeSpec:
    """The time spec ``text`` stands for; raises ValueError with a readable message."""
    typed = text.strip()
    word = typed.lower()
    if word == "now":
        return RelativeTime(0.0, typed)
    if word in _DAYS:
        return DayStart(_DAYS[word], typed)
    match = _AGO.match(word)
    if match:
        return RelativeTime(float(match.group(1)) * _UNITS[match.group(2).lower()], typed)
    day: date | None = None
    with contextlib.suppress(ValueError):
        day = date.fromisoformat(typed)
    try:
        if day is not None:
            return AbsoluteTime(local_midnight(day), typed, day)
        when = _local_time(typed)
    except (ValueError, OverflowError):  # the ends of the calendar, which local time cannot place
        raise ValueError(f"{text!r} is too far in the past or future") from None
    if when is None:
        raise ValueError(
            f"cannot read {text!r} as a time: use an ISO date (2026-11-24 or "
            "2026-11-24T10:00:00Z), an age like 2h / 30m / 3d, today or yesterday"
        )
    return AbsoluteTime(when, typed)


def _local_time(text: str) -> datetime | None:
    """An ISO timestamp as an aware UTC datetime, one without an offset read as local time."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.astimezone(UTC)


def parse_timespec(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time from ``text``, resolved at ``now``; raises ValueError."""
    return read_timespec(text).resolve(now or datetime.now(UTC))
