"""The poll planner: what to ask the API each cycle, and how to back off when it fails.

One cycle is one request for the top of the list (plus more only to fill a gap when
many jobs arrived at once) and one request per 100 jobs in flight through the ``ids``
filter; jobs the top page already returned are not asked for again, and finished jobs
are never polled. Failures become state (``Health``), never exceptions for the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ..api.client import IDS_PER_REQUEST, MAX_PAGE_SIZE, HedraClient
from ..api.errors import AuthenticationError, HedraError, PermissionDeniedError, RateLimitError
from ..api.models import IN_FLIGHT_STATUSES, CreditBalance
from ..api.retry import RETRY_AFTER_CAP
from .derive import parse_time
from .health import ConnState, Health
from .store import Store, utcnow

__all__ = ["ConnState", "CycleReport", "Health", "Poller", "failure_delay", "plan_requests"]

TOP_PAGE = 25
FIRST_PAGE = 100
OLDER_OVERLAP = 5
MAX_GAP_PAGES = 20
MISSING_POLLS_LIMIT = 3
IN_FLIGHT_TAIL = 25  # first load goes on while the end of a page still has jobs in flight
AUTH_RETRY_SECONDS = 30.0
TYPICAL_OF = 5  # the overdue threshold follows the slowest of the last few good cycles


@dataclass
class CycleReport:
    changed: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)  # went from in flight to final
    requests: int = 0
    error: HedraError | None = None
    credits_changed: bool = False


def _older_than(created_at: str | None, floor: datetime) -> bool:
    when = parse_time(created_at)
    return when is not None and when < floor


def failure_delay(exc: HedraError, *, interval: float, auth_retry: float) -> float:
    """Seconds to wait after a failed cycle: the poll interval, at most.

    Capped so that the first good answer after an outage comes within one interval of its
    end (a backoff that grew to a minute made recovery lag a fault by up to half of that).
    The client already retried the request with its own short backoff; one cycle per
    interval during an outage asks no more than polling does. A 429's Retry-After is
    honoured (up to ``RETRY_AFTER_CAP``); a rejected key is tried again every
    ``auth_retry`` seconds.
    """
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return auth_retry
    retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, RETRY_AFTER_CAP)
    return interval


def plan_requests(in_flight: int, already_fresh: int = 0) -> int:
    """Requests one steady cycle makes: the top page plus one per 100 jobs still to refresh."""
    return 1 + math.ceil(max(in_flight - already_fresh, 0) / IDS_PER_REQUEST)


class Poller:
    """Keeps a :class:`Store` in step with the API."""

    def __init__(
        self,
        client: HedraClient,
        store: Store,
        *,
        interval: float = 5.0,
        credits_every: float = 60.0,
        top_size: int = TOP_PAGE,
        filters: dict[str, Any] | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.store = store
        self.interval = interval
        self.monotonic = monotonic  # durations: how long a request waits, when to retry
        self.credits_every = credits_every
        self.top_size = top_size
        self.filters = dict(filters or {})
        self.clock = clock
        self.health = Health()
        self.credits: CreditBalance | None = None
        self.paused = False
        self._credits_at: datetime | None = None
        self._models_loaded = False
        self._last_error: HedraError | None = None
        self.auth_retry = AUTH_RETRY_SECONDS  # a rejected key is tried again this often
        self._gap_floor: datetime | None = None  # see _refresh_top
        self._took: deque[float] = deque(maxlen=TYPICAL_OF)  # seconds good cycles took
        self.dropped = 0  # cycles dropped because a request hung while the API answered
        # the ids on screen, set by the UI; a backend that reads details per job (v3)
        # reads these first (v2 pages carry every job whole)
        self.visible: list[str] = []

    # -- one cycle ------------------------------------------------------------------

    async def cycle(self) -> CycleReport:
        """Run one poll cycle; API errors are caught and recorded in ``health``.

        ``health.busy_since`` says a cycle is under way (and since when), so the header can
        tell an overdue request from a live connection while it waits.
        """
        report = CycleReport()
        before = self.client.stats.requests
        in_flight_before = set(self.store.in_flight_ids())
        self.health.busy_since = self.monotonic()
        self.health.next_at = None
        try:
            took = await self._cycle_watched(report)
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        else:
            self._record_success(took)
        finally:
            self.health.busy_since = None
        report.requests = self.client.stats.requests - before
        for gen_id in in_flight_before:
            row = self.store.get(gen_id)
            if row is not None and row.final:
                report.finished.add(gen_id)
        return report

    async def _cycle_watched(self, report: CycleReport) -> float:
        """Run ``_cycle``; returns how long the attempt that finished took.

        A request sent to a server that stopped answering only ends at the client's
        timeout (and its retries): half a minute. So while the cycle is overdue the API
        is asked again once per interval with one cheap request (``client.ping``); when
        that is answered while a request sent before it still waits, the hung cycle is
        dropped and a fresh one starts at once, and recovery after a fault does not wait
        for the hung request to time out. A cycle that is merely long (many requests,
        each answered) is left alone.
        """
        while True:
            started = self.monotonic()
            task = asyncio.ensure_future(self._cycle(report))
            try:
                finished = await self._wait_or_probe(task)
            except BaseException:
                await _discard(task)
                raise
            if finished:
                await task  # its result, or the HedraError it failed with
                return self.monotonic() - started
            self.dropped += 1
            await _discard(task)

    async def _wait_or_probe(self, task: asyncio.Future[None]) -> bool:
        """True when the cycle ended by itself; False when the API answered a probe while
        a request sent before it (and overdue) still waited: that request hangs."""
        loop = asyncio.get_running_loop()
        done, _ = await asyncio.wait({task}, timeout=self.health.overdue_after)
        while not done:
            period_end = loop.time() + self.interval
            sent_before = self.client.sent
            probe = asyncio.ensure_future(self.client.ping())
            done, _ = await asyncio.wait(
                {task, probe}, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                await _discard(probe)
                return True
            if probe.done() and not probe.cancelled() and probe.exception() is None:
                oldest = self.client.oldest_waiting()
                if (
                    oldest is not None
                    and oldest[0] <= sent_before
                    and time.monotonic() - oldest[1] >= self.health.overdue_after
                ):
                    return False
            await _discard(probe)  # no answer in time, an error, or the cycle moves on
            rest = period_end - loop.time()
            done = set()
            if rest > 0:
                done, _ = await asyncio.wait({task}, timeout=rest)
        return True

    async def _cycle(self, report: CycleReport) -> None:
        now = self.clock()
        await self._load_models_once()
        fresh = await self._refresh_top(report)
        stale = [i for i in self.store.in_flight_ids() if i not in fresh]
        if stale:
            got = await self.client.refresh(stale)
            report.changed |= self.store.upsert(got, self.clock())
            returned = {g.id for g in got}
            for gen_id in stale:
                if gen_id not in returned:
                    row = self.store.get(gen_id)
                    if row is not None:
                        row.missing_polls += 1
                        if row.missing_polls >= MISSING_POLLS_LIMIT:
                            self.store.forget_in_flight(gen_id)
        if (
            self._credits_at is None
            or (now - self._credits_at).total_seconds() >= self.credits_every
        ):
            credits = await self.client.get_credits()
            report.credits_changed = self.credits is None or credits.raw != self.credits.raw
            self.credits = credits
            self._credits_at = now

    async def _load_models_once(self) -> None:
        """Model names for the list; a failure other than a rejected key waits for next time."""
        if self._models_loaded:
            return
        try:
            self.store.set_models(await self.client.list_models())
            self._models_loaded = True
        except HedraError as exc:
            if isinstance(exc, AuthenticationError | PermissionDeniedError):
                raise

    async def _refresh_top(self, report: CycleReport) -> set[str]:
        """Fetch the newest page; keep paging while every item is new (a burst of arrivals)."""
        store = self.store
        first_load = len(store) == 0
        size = FIRST_PAGE if first_load else self.top_size
        seen: set[str] = set()
        offset = 0
        floor = self._gap_floor
        for _ in range(MAX_GAP_PAGES):
            page = await self.client.list_generations(limit=size, offset=offset, **self.filters)
            store.add_malformed(page.malformed)
            # the top meets what we had when a page holds a job we knew -- one older than
            # what an unfinished gap fill stored, if one was cut short by an error
            known_before = any(
                g.id in store.rows and (floor is None or _older_than(g.created_at, floor))
                for g in page.items
            )
            report.changed |= store.upsert(page.items, self.clock())
            seen.update(g.id for g in page.items)
            got = len(page.items) + len(page.malformed)
            if first_load:
                # keep loading while the page still holds jobs in flight, so every job in
                # flight is known (and polled) even when there are more than a page of them
                store.exhausted = got < size
                tail = page.items[-IN_FLIGHT_TAIL:]
                if store.exhausted or not any(g.status in IN_FLIGHT_STATUSES for g in tail):
                    break
            elif got < size or known_before:
                self._gap_floor = None
                break
            else:
                # not joined up yet: if the next page fails, the next cycle must not take
                # the rows stored so far for the old top and leave a hole below them
                oldest = min(
                    (t for g in page.items if (t := parse_time(g.created_at))), default=None
                )
                if oldest is not None:
                    self._gap_floor = oldest if floor is None else min(floor, oldest)
                    floor = self._gap_floor
            offset += got
        return seen

    async def load_older(self) -> CycleReport:
        """Load the next page of history below what is loaded.

        Paging is re-anchored on the oldest loaded generation (``created_before`` its time
        plus 1 ms, offset 0) rather than on an offset counted from the top, so jobs arriving
        at the top in the meantime shift nothing: no row is skipped, and the few rows seen
        twice (same millisecond) are deduplicated by id. A page holding only known rows
        moves the offset on within the anchor.
        """
        report = CycleReport()
        store = self.store
        if store.exhausted:
            return report
        before = self.client.stats.requests
        try:
            filters = dict(self.filters)
            anchor = self.older_anchor()
            offset = 0
            if anchor is None:  # nothing with a readable created_at: plain offsets
                offset = max(len(store) - OLDER_OVERLAP, 0)
            else:
                user = filters.get("created_before")
                user_dt = user if isinstance(user, datetime) else parse_time(user)
                filters["created_before"] = anchor if user_dt is None else min(anchor, user_dt)
            for _ in range(MAX_GAP_PAGES):
                page = await self.client.list_generations(
                    limit=MAX_PAGE_SIZE, offset=offset, **filters
                )
                store.add_malformed(page.malformed)
                new = any(g.id not in store.rows for g in page.items)
                report.changed |= store.upsert(page.items, self.clock())
                got = len(page.items) + len(page.malformed)
                if got < MAX_PAGE_SIZE:
                    store.exhausted = True
                    break
                if new:
                    break
                offset += got
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        report.requests = self.client.stats.requests - before
        return report

    def details_pending(self, gen_id: str) -> bool:
        """The job's details are not read yet (never on v2: a page carries them all)."""
        return False

    def older_anchor(self) -> datetime | None:
        """Just after the oldest loaded generation's creation time (None: no usable time)."""
        store = self.store
        for gen_id in reversed(store.order):
            created = store.rows[gen_id].created
            if created is not None:
                return created + timedelta(milliseconds=1)
        return None

    # -- health and pacing -------------------------------------------------------------

    def _record_success(self, took: float) -> None:
        self._took.append(took)
        self.health = replace(
            self.health,
            state=ConnState.LIVE,
            last_ok=self.clock(),
            error=None,
            retry_in=None,
            failures=0,
            typical=max(self._took),
        )
        self._last_error = None

    def _record_failure(self, exc: HedraError) -> None:
        auth = isinstance(exc, AuthenticationError | PermissionDeniedError)
        self._last_error = exc
        self.health = replace(
            self.health,
            state=ConnState.AUTH_FAILED if auth else ConnState.RETRYING,
            error=exc.message,
            retry_in=failure_delay(exc, interval=self.interval, auth_retry=self.auth_retry),
            failures=self.health.failures + 1,
        )

    def next_delay(self) -> float:
        """Seconds until the next cycle: the interval, or the backoff after a failure."""
        if self.health.retry_in is not None and self.health.failures:
            return self.health.retry_in
        return self.interval

    async def run(
        self,
        on_report: Callable[[CycleReport], None],
        wake: asyncio.Event,
    ) -> None:
        """Poll forever: a cycle, then sleep until the next is due or ``wake`` is set.

        ``health.next_at`` is when the sleep ends, so a countdown on screen is the real one.
        """
        while True:
            report = None if self.paused else await self.cycle()
            delay = self.next_delay()
            self.health.next_at = self.monotonic() + delay
            if report is not None:
                on_report(report)
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)


async def _discard(task: asyncio.Future[Any]) -> None:
    """Cancel a task (if still running) and wait until it has ended; what it ended with
    (a result, an error) is dropped. A cancellation of the caller still goes through."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved
