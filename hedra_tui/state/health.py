"""How the connection is doing, and the words for it: live, waiting, retrying, since when.

Pure facts and pure functions (no textual): the poller fills :class:`Health`; the header
and the banner read it through the functions here. Durations (how long a request has been
waiting, when the next attempt is due) are on the poller's monotonic clock; the time of the
last good refresh is on its wall clock, because a person reads it as a time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .derive import format_duration

# A cycle is overdue this long after what a cycle lately took: a request that has not
# answered by then is "waiting for the API", not "live".
OVERDUE_GRACE = 3.0


class ConnState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    WAITING = "waiting"  # a cycle is overdue: the API has not answered yet
    RETRYING = "retrying"
    AUTH_FAILED = "auth failed"
    PAUSED = "paused"


@dataclass
class Health:
    """How the connection is doing, for the status line and the banner."""

    state: ConnState = ConnState.CONNECTING  # as of the end of the last cycle
    last_ok: datetime | None = None  # wall clock: the last cycle that succeeded
    error: str | None = None  # safe, one line
    retry_in: float | None = None
    failures: int = 0
    busy_since: float | None = None  # monotonic: the cycle under way began (None: none is)
    next_at: float | None = None  # monotonic: the next cycle is due (None: not scheduled)
    typical: float = 0.0  # seconds a good cycle took lately (the slowest of the last few)

    @property
    def overdue_after(self) -> float:
        """Seconds a cycle may take before it counts as overdue."""
        return self.typical + OVERDUE_GRACE

    def waiting(self, mono_now: float) -> float | None:
        """Seconds the cycle under way has waited, once it is overdue; else None."""
        if self.busy_since is None:
            return None
        waited = mono_now - self.busy_since
        return waited if waited >= self.overdue_after else None

    def shown_state(self, mono_now: float, paused: bool = False) -> ConnState:
        """The state to show now: an overdue cycle turns live (or connecting) into waiting."""
        if paused:
            return ConnState.PAUSED
        if self.state in (ConnState.LIVE, ConnState.CONNECTING) and self.waiting(mono_now):
            return ConnState.WAITING
        return self.state


def seconds_text(seconds: float) -> str:
    """Whole seconds, then minutes: ``6 s``, ``59 s``, ``1m05s``."""
    s = max(int(seconds), 0)
    return f"{s} s" if s < 60 else format_duration(s)


def waiting_words(health: Health, mono_now: float, room: int | None = None) -> str | None:
    """``waiting for the API, 6 s`` while the cycle under way is overdue; else None.

    ``room``: at most this many characters if it can; ``waiting for API, 1m05s`` is 22,
    and no wait shorter than 100 hours is longer than 23.
    """
    waited = health.waiting(mono_now)
    if waited is None:
        return None
    words = f"waiting for the API, {seconds_text(waited)}"
    if room is not None and len(words) > room:
        words = f"waiting for API, {seconds_text(waited)}"
    return words


def state_words(
    health: Health, mono_now: float, paused: bool = False, room: int | None = None
) -> str:
    """The connection in a few words: live, connecting, waiting for the API, 6 s, ..."""
    state = health.shown_state(mono_now, paused)
    if state is ConnState.WAITING:
        return waiting_words(health, mono_now, room) or state.value
    return state.value


def next_attempt_words(health: Health, mono_now: float) -> str | None:
    """What happens next after a failure, and when, as it really is now.

    ``retry in 4s`` while the poller sleeps, ``retrying now`` while the next cycle runs,
    ``waiting for the API, 6 s`` once that cycle is overdue: never ``retry in 0s`` while
    a request hangs. None when nothing failed or nothing is scheduled.
    """
    if health.error is None:
        return None
    if health.busy_since is not None:
        return waiting_words(health, mono_now) or "retrying now"
    if health.next_at is None:
        return None
    left = max(0.0, health.next_at - mono_now)
    return f"retry in {round(left)}s" if left >= 0.5 else "retrying now"


def data_age_words(health: Health, now: datetime, *, with_age: bool = True) -> str:
    """``data from 12:03:07 (14s old)``: the last good refresh to the second, local time."""
    if health.last_ok is None:
        return "no data yet"
    words = f"data from {health.last_ok.astimezone():%H:%M:%S}"
    if with_age:
        age = max((now - health.last_ok).total_seconds(), 0.0)
        words += f" ({format_duration(age)} old)"
    return words
