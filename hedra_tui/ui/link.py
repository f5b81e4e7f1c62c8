"""Pace the output to what the terminal has shown: a slow link gets fewer, merged updates.

After each update a cursor position query (``CSI 6n``, 4 bytes) goes out; the terminal answers
it only once it has read everything before it, so the answer's delay is the link's backlog,
whatever lies between (ssh, its buffers, the network). Until the answer is back, frames are
held and later sent as one update (see ``ScreenDiff.hold``): the output never queues up behind
itself. When an update took a noticeable time to drain (the link is slow), the redraw rate
drops too: updates go out every ``SLOW_EVERY`` s, except right after a key, so that the
answer to a key finds the link free. ``low_bandwidth`` forces that from the start.

A terminal that never answers the first query is not paced (the output is what it was).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from .screen_diff import ScreenDiff

PROBE = "\x1b[6n"
# an update whose answer came this much later than the quickest answer seen drained slowly
SLOW_EXCESS = 0.3
SLOW_EVERY = 3.0  # on a slow link: one update every this many seconds
SLOW_KEEP = 30.0  # a slow link is assumed slow this long after the last slow update
KEY_FRESH = 1.5  # frames this soon after a key answer it: sent as soon as the link is free
FIRST_ANSWER = 5.0  # no answer to the first query this long: the terminal does not answer
LOST_ANSWER = 10.0  # an answer missing this long is lost: send the held frames anyway


class Link:
    """Between the changed-cells layer and the driver's write; one per terminal."""

    def __init__(
        self,
        diff: ScreenDiff,
        write: Callable[[str], None],
        *,
        low_bandwidth: bool = False,
        clock: Callable[[], float] = time.monotonic,
        later: Callable[[float, Callable[[], None]], object] | None = None,
    ) -> None:
        """``later(delay, callback)``: run ``callback`` on the event loop after ``delay`` s
        (default: the running loop's ``call_later``)."""
        self.diff = diff
        self._write = write
        self.forced = low_bandwidth
        self._clock = clock
        self._later = later or asyncio.get_running_loop().call_later
        self.asked_at: float | None = None  # a query is out, unanswered
        self.answers = 0
        self.quickest: float | None = None  # the shortest answer delay seen (the link's RTT)
        self.slow_until = 0.0
        self.last_update = 0.0  # when the last update was sent, or shown once answered
        self.key_at = -1e9
        self.paced = True  # False once the terminal is known not to answer
        self._timer_at: float | None = None
        self.held = 0  # frames held (for the benchmarks and tests)
        self.updates = 0  # updates sent

    @property
    def slow(self) -> bool:
        return self.forced or self._clock() < self.slow_until

    # -- from Textual ------------------------------------------------------------------

    def frame(self, data: str) -> None:
        """A frame from Textual: send what changed now, or hold it for a later update."""
        now = self._clock()
        self.diff.hold = self.paced and self._must_wait(now)
        out = self.diff.process(data)
        if out:
            self._write(out)
        if self.diff.hold:
            self.held += 1
            self._schedule(now)
        elif out:
            self._sent(now)

    def key(self) -> None:
        """A key (or click) arrived: what it changes goes out as soon as the link is free."""
        self.key_at = self._clock()

    def answered(self) -> None:
        """The terminal answered the query: it has read everything sent before it."""
        now = self._clock()
        if self.asked_at is None:
            return
        delay = now - self.asked_at
        self.asked_at = None
        self.answers += 1
        self.quickest = delay if self.quickest is None else min(self.quickest, delay)
        if delay - self.quickest > SLOW_EXCESS:
            self.slow_until = now + SLOW_KEEP
        self.last_update = now  # the slow rate counts from when the last update was shown
        self._update(now)

    # -- pacing ------------------------------------------------------------------------

    def _must_wait(self, now: float) -> bool:
        if self.asked_at is not None:
            waited = now - self.asked_at
            if self.answers == 0 and waited > FIRST_ANSWER:
                self.paced = False  # the terminal does not answer: never wait for it
                self.asked_at = None
                return False
            return waited < LOST_ANSWER
        if self.slow and now - self.key_at > KEY_FRESH:
            return now - self.last_update < SLOW_EVERY
        return False

    def _sent(self, now: float) -> None:
        self.updates += 1
        self.last_update = now
        if self.paced and self.asked_at is None:
            self._write(PROBE)
            self.asked_at = now

    def _update(self, now: float) -> None:
        """Send the held frames as one update, if the link is ready for it."""
        if not self.diff.pending:
            return
        if self.paced and self._must_wait(now):
            self._schedule(now)
            return
        self.diff.hold = False
        out = self.diff.flush()
        if out:
            self._write(out)
            self._sent(now)

    def _schedule(self, now: float) -> None:
        """Make sure the held frames are looked at again: when the answer comes, or when the
        slow rate allows another update (or a lost answer is given up)."""
        if self.asked_at is not None:
            at = self.asked_at + (FIRST_ANSWER if self.answers == 0 else LOST_ANSWER)
        else:
            at = self.last_update + SLOW_EVERY
        if self._timer_at is not None and self._timer_at <= at:
            return
        self._timer_at = at
        self._later(max(at - now, 0.0) + 0.01, self._on_timer)

    def _on_timer(self) -> None:
        self._timer_at = None
        self._update(self._clock())
