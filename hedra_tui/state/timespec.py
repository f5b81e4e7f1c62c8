"""Read the time filters people type: ISO dates, "2h" / "30m" / "3d" ago, "today", "yesterday".

A relative time is kept as typed and resolved at every request (``resolve(now)``), so "3d"
keeps meaning the last three days in a monitor left open for a week; a date stays that date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .derive import parse_time

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


@dataclass(frozen=True)
class DayStart:
    """The start (UTC midnight) of the day of each request, or ``days`` before it."""

    days: int
    text: str

    def resolve(self, now: datetime) -> datetime:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=self.days)

    def describe(self) -> str:
        return "today" if self.days == 0 else "yesterday" if self.days == 1 else f"{self.days}d"


@dataclass(frozen=True)
class AbsoluteTime:
    """A fixed point in time: an ISO date or timestamp."""

    when: datetime
    text: str

    def resolve(self, now: datetime) -> datetime:
        return self.when

    def describe(self) -> str:
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
    when = parse_time(text)
    if when is None:
        raise ValueError(
            f"cannot read {text!r} as a time: use an ISO date (2026-11-24 or "
            "2026-11-24T10:00:00Z), an age like 2h / 30m / 3d, today or yesterday"
        )
    return AbsoluteTime(when, typed)


def parse_timespec(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time from ``text``, resolved at ``now``; raises ValueError."""
    return read_timespec(text).resolve(now or datetime.now(UTC))
