"""Backoff policy: a pure function of the attempt number and the server's Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BASE_DELAY = 0.5
MAX_DELAY = 8.0
RETRY_AFTER_CAP = 120.0


def backoff_delay(
    attempt: int,
    *,
    retry_after: float | None = None,
    base: float = BASE_DELAY,
    cap: float = MAX_DELAY,
    retry_after_cap: float = RETRY_AFTER_CAP,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    Exponential from ``base`` up to ``cap``, with "equal jitter" (half fixed, half
    random) so that many clients do not retry in lockstep. A server's Retry-After
    wins when given, capped at ``retry_after_cap``, and is never shortened.
    """
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, retry_after_cap)
    growth: int = 2 ** max(attempt, 0)  # typeshed types int ** int as Any (negative powers)
    ceiling = min(cap, base * growth)
    return ceiling / 2 + rng() * ceiling / 2


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read a Retry-After header: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
