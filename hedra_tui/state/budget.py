"""The monitor's request budget: its share of the API key's rate limit, which the user's own
programs share. Reads the transport's :class:`~hedra_tui.api.core.RateMeter`; no I/O.

Where the server states the limit (``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``) the
monitor spends at most ``share`` of each window, and never more than the window has left;
elsewhere at most ``cap`` requests a minute. Spending is paced: requests accrue at the
allowed rate (what is left of the share, spread over what is left of the window), the poller
waits for a cycle's worth before starting one, and the v3 strategy reads what matters most
first when a cycle cannot have everything (:meth:`Budget.choose`). Behind that, every request
is admitted or held back before it is sent (:meth:`Budget.admit`), so the share holds even
for what is not paced (stream results, the balance); a history load the person asked for
(:func:`user_asked`) is counted but not held to it. After a 429 nothing is sent until its
Retry-After has passed.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from ..api.core import RateMeter
from ..api.errors import HedraError, RateLimitError

if TYPE_CHECKING:
    from ..api.backend import Backend

DEFAULT_SHARE = 0.10  # of the key's stated limit
DEFAULT_CAP = 60  # requests a minute, where the server does not state its limit
CAP_SPAN = 60.0  # the cap counts over the last minute
ASSUMED_WINDOW = 60.0  # seconds per window until the server's Reset is seen moving on
BURST_SECONDS = 10.0  # requests may accrue for this long (or two intervals) unspent
USAGE_SPAN = 60.0  # the header's share is of the last minute (or window, if longer)
RECOUNT_EVERY = 30.0  # the header's figure is recounted at least this often (else per request)
UNLIMITED = sys.maxsize

P = ParamSpec("P")
R = TypeVar("R")

_asked: ContextVar[bool] = ContextVar("hedra_tui_user_asked", default=False)


def user_asked(fn: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Mark a coroutine function whose requests the person asked for (loading history):
    they are counted, and the polling waits for them, but they are not held to the share.
    A 429 stops them as it stops everything."""

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _asked.set(True)
        try:
            return await fn(*args, **kwargs)
        finally:
            _asked.reset(token)

    return run


@dataclass(frozen=True)
class Usage:
    """What the header says about the budget."""

    per_minute: int  # requests the monitor sent in the last minute (or window)
    share: float | None  # of the key's stated limit; None: the server did not state one
    allowed: float | None  # the share the monitor may use (with ``share``)
    cap: int | None  # requests a minute it allows itself (without a stated limit)
    slowed: bool  # it polls less often, or reads less, than asked, to stay inside


@dataclass(frozen=True)
class _Window:
    left: int  # requests that may still go now, under the hard limit
    rate: float  # requests per second that may accrue
    reset_in: float | None  # seconds until the stated window rolls (None: a sliding minute)


REFUSED_WORDS = "the API key's rate limit is reached (429): making room for your other requests"
SHARE_WORDS = "making room: the monitor's share of the key's rate limit is used up"


def failure_words(exc: HedraError) -> str:
    """The banner's words for a failed cycle: a 429 says the monitor is making room."""
    if isinstance(exc, RateLimitError) and exc.sent:
        return REFUSED_WORDS
    return exc.message


class Budget:
    """How many requests the monitor may send, and when (see the module docstring).

    ``share`` (0..1] of a stated limit and ``cap`` requests a minute otherwise; both None:
    no budget (nothing is paced or held back).
    """

    def __init__(self, share: float | None = None, cap: float | None = None) -> None:
        self.share = share
        self.cap = cap
        self.meter = RateMeter()
        self.interval = 5.0
        self.slowed = False  # the last cycle waited longer, or read less, than asked
        self.delay = 0.0  # what the last pace asked the poller to wait (seconds)
        self._trimmed = False
        self._tokens = 0.0
        self._at: float | None = None
        self._counted = 0  # meter.total already taken from the tokens
        self._paced = 0  # meter.total at the last pace: the cycle's cost is what came since
        self._granted: dict[str, float] = {}  # job id -> when its last read was granted
        self._usage: tuple[int, float, Usage | None] | None = None

    @property
    def limited(self) -> bool:
        return self.share is not None or self.cap is not None

    def attach(self, backend: Backend, interval: float) -> Budget:
        """Follow ``backend``'s requests; with a budget, its requests are admitted by it and a
        429 is raised at once (the poller waits it out between cycles)."""
        core = backend.core
        self.bind(core.meter, interval)
        core.admission = self.admit if self.limited else None
        core.retry_rate_limited = not self.limited
        return self

    def bind(self, meter: RateMeter, interval: float) -> Budget:
        self.meter = meter
        self.interval = interval
        self._counted = self._paced = meter.total
        return self

    # -- the window --------------------------------------------------------------------------

    def _window(self) -> _Window:
        meter = self.meter
        now = meter.monotonic()
        info = meter.limit
        if (
            self.share is not None
            and info is not None
            and info.limit is not None
            and info.reset_at is not None
        ):
            reset_in = info.reset_at - meter.wall()
            since = info.since
            remaining = info.remaining
            if reset_in <= 0:  # it ended, and no answer has spoken of the next one yet
                span = info.window or ASSUMED_WINDOW
                over = -reset_in % span
                since = max(since, now - over)
                reset_in = span - over
                remaining = None
            left = math.floor(self.share * info.limit) - meter.count_since(since)
            if remaining is not None:  # and never what the others have left
                left = min(left, remaining - meter.count_since(info.remaining_at) + 1)
            rate = max(left, 0) / max(reset_in, self.interval, 1.0)
            return _Window(left, rate, reset_in)
        if self.cap is not None:
            spent = meter.count_since(now - CAP_SPAN)
            return _Window(math.floor(self.cap) - spent, self.cap / CAP_SPAN, None)
        return _Window(UNLIMITED, math.inf, None)

    def _room_in(self, window: _Window, need: int) -> float:
        """Seconds until ``need`` requests fit under the hard limit: when the stated window
        rolls, or when enough of the last minute's requests have aged out."""
        if window.left >= need:
            return 0.0
        if window.reset_in is not None:
            return window.reset_in
        sent = self.meter.sent
        # the requests of the minute, oldest first: this one must age out first
        index = len(sent) - (math.floor(self.cap or 0) - need + 1)
        if not 0 <= index < len(sent):
            return CAP_SPAN
        return max(sent[index] + CAP_SPAN - self.meter.monotonic(), 0.0)

    def _sync(self) -> _Window:
        """Bring the accrued requests up to now, less what was sent since the last look."""
        meter = self.meter
        now = meter.monotonic()
        window = self._window()
        most = max(1.0, window.rate * max(2 * self.interval, BURST_SECONDS))
        # what was sent since the last look, then what accrued meanwhile (up to ``most``)
        self._tokens -= meter.total - self._counted
        self._counted = meter.total
        if self._at is None:
            self._tokens = most  # a first cycle has some room
        else:
            self._tokens = min(most, self._tokens + window.rate * (now - self._at))
        self._at = now
        self._tokens = min(self._tokens, window.left)
        return window

    # -- what the poller and the strategies ask ----------------------------------------------

    def allowance(self) -> int:
        """How many requests may go now."""
        if not self.limited:
            return UNLIMITED
        self._sync()
        return max(0, math.floor(self._tokens))

    def choose(self, ids: Sequence[str], first: Iterable[str] = (), spare: int = 0) -> list[str]:
        """The jobs to read now, as many as may go: those in ``first`` (on screen) before the
        rest, and within each, those read longest ago first, so all take turns. The rest
        leave ``spare`` requests for what comes next (the details of the rows on screen)."""
        if not self.limited:
            return list(ids)
        room = self.allowance()
        wanted = set(ids)
        granted = self._granted
        front = [i for i in dict.fromkeys(first) if i in wanted]
        shown = set(front)
        rest = [i for i in ids if i not in shown]
        front.sort(key=lambda i: granted.get(i, -math.inf))
        rest.sort(key=lambda i: granted.get(i, -math.inf))
        front = front[:room]
        picked = front + rest[: max(room - len(front) - spare, 0)]
        if len(picked) < len(wanted):
            self._trimmed = True
        now = self.meter.monotonic()
        for job_id in picked:
            granted[job_id] = now
        if len(granted) > 4 * len(wanted) + 100:
            self._granted = {i: t for i, t in granted.items() if i in wanted}
        return picked

    def take(self, n: int = 1) -> bool:
        """Reserve ``n`` requests about to be sent (a stream to open): False when they may not."""
        if not self.limited:
            return True
        self._sync()
        if self._tokens < n:
            self._trimmed = True
            return False
        self._tokens -= n
        self._counted += n  # counted now: the send will not be taken again
        return True

    def pace(self, interval: float) -> float:
        """Seconds the next cycle must wait, at least, so that a cycle like the last fits."""
        self.interval = interval
        if not self.limited:
            self.slowed = False
            self.delay = 0.0
            return 0.0
        window = self._sync()
        cost = max(self.meter.total - self._paced, 1)
        self._paced = self.meter.total
        most = max(1.0, window.rate * max(2 * interval, BURST_SECONDS))
        need = min(cost, most)
        if self._tokens >= need:
            wait = 0.0
        elif window.left < need or window.rate <= 0:
            wait = self._room_in(window, math.ceil(need)) + 0.05  # when it has room again
        else:
            wait = (need - self._tokens) / window.rate
        self.slowed = self._trimmed or wait > interval * 1.05
        self._trimmed = False
        self.delay = wait
        return wait

    def admit(self) -> None:
        """Called before each request is sent: raise to hold it back (never sent)."""
        blocked = self.meter.blocked_for()
        if blocked is not None:
            raise RateLimitError(REFUSED_WORDS, retry_after=blocked, sent=False)
        if _asked.get():
            return
        window = self._window()
        if window.left <= 0:
            wait = max(self._room_in(window, 1), 1.0)
            raise RateLimitError(SHARE_WORDS, retry_after=wait, sent=False)

    # -- what the header shows ---------------------------------------------------------------

    def usage(self) -> Usage | None:
        """The share in use (None: no budget). Recounted when requests were sent (or every
        ``RECOUNT_EVERY`` s), so the header changes once a cycle at most."""
        if not self.limited:
            return None
        meter = self.meter
        now = meter.monotonic()
        cached = self._usage
        if cached is not None and cached[0] == meter.total and now - cached[1] < RECOUNT_EVERY:
            known = cached[2]
            if known is None or known.slowed == self.slowed:
                return known
        info = meter.limit
        usage: Usage | None
        if self.share is not None and info is not None and info.limit:
            # over a minute at least (a short window's edges would make it jump), or since
            # the first request when that is more recent
            window = info.window or ASSUMED_WINDOW
            began = meter.sent[0] if meter.sent else now
            span = max(min(max(window, USAGE_SPAN), now - began), window)
            spent = meter.count_since(now - span)
            share = spent * window / (span * info.limit)
            usage = Usage(round(spent * 60 / span), share, self.share, None, self.slowed)
        elif self.cap is not None:
            spent = meter.count_since(now - CAP_SPAN)
            usage = Usage(spent, None, None, math.floor(self.cap), self.slowed)
        else:
            usage = None
        self._usage = (meter.total, now, usage)
        return usage
