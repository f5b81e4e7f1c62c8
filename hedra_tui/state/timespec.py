"""Read the time filters people type: ISO dates, "2h" / "30m" / "3d" ago, "today", "yesterday"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .derive import parse_time

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|wk)\s*(?:ago)?\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
_UNITS |= {"day": 86400, "days": 86400, "w": 604800, "wk": 604800}


def parse_timespec(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time from ``text``; raises ValueError with a readable message."""
    now = now or datetime.now(UTC)
    word = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "now":
        return now
    if word == "today":
        return midnight
    if word == "yesterday":
        return midnight - timedelta(days=1)
    match = _AGO.match(word)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    when = parse_time(text)
    if when is None:
        raise ValueError(
            f"cannot read {text!r} as a time: use an ISO date (2026-11-24 or "
            "2026-11-24T10:00:00Z), an age like 2h / 30m / 3d, today or yesterday"
        )
    return when
