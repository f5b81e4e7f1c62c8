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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..api.client import IDS_PER_REQUEST, MAX_PAGE_SIZE, HedraClient
from ..api.errors import AuthenticationError, HedraError, PermissionDeniedError, RateLimitError
from ..api.models import IN_FLIGHT_STATUSES, CreditBalance, Generation
from ..api.retry import backoff_delay
from .derive import parse_time
from .filters import ServerFilters
from .store import Store, utcnow
from .timespec import AbsoluteTime

TOP_PAGE = 25
FIRST_PAGE = 100
OLDER_OVERLAP = 5
MAX_GAP_PAGES = 20
MISSING_POLLS_LIMIT = 3
IN_FLIGHT_TAIL = 25  # first load goes on while the end of a page still has jobs in flight
AUTH_RETRY_SECONDS = 30.0
FAIL_BACKOFF_CAP = 60.0


class ConnState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RETRYING = "retrying"
    AUTH_FAILED = "auth failed"
    PAUSED = "paused"


@dataclass
class Health:
    """How the connection is doing, for the status line."""

    state: ConnState = ConnState.CONNECTING
    last_ok: datetime | None = None
    error: str | None = None  # safe, one line
    retry_in: float | None = None
    failures: int = 0


@dataclass
class CycleReport:
    changed: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)  # went from in flight to final
    requests: int = 0
    error: HedraError | None = None
    credits_changed: bool = False


@dataclass(frozen=True)
class FilterChange:
    """What applying new server-side filters kept of the loaded rows."""

    kept: int
    dropped: int


class _Superseded(Exception):
    """The filters changed while a request was out: its answer is for the old question."""


def _older_than(created_at: str | None, floor: datetime) -> bool:
    when = parse_time(created_at)
    return when is not None and when < floor


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
        filters: ServerFilters | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.client = client
        self.store = store
        self.interval = interval
        self.credits_every = credits_every
        self.top_size = top_size
        self.filters = filters or ServerFilters()
        self.clock = clock
        self.health = Health()
        self.credits: CreditBalance | None = None
        self.paused = False
        self._credits_at: datetime | None = None
        self._models_loaded = False
        self._last_error: HedraError | None = None
        self.auth_retry = AUTH_RETRY_SECONDS  # a rejected key is tried again this often
        self._gap_floor: datetime | None = None  # see _refresh_top
        self._epoch = 0  # moves with every change of filters (see _Superseded)
        self._reloading = False  # new filters: the next cycle loads the top afresh
        self._unconfirmed: set[str] = set()  # see set_filters
        self._doomed: set[str] = set()  # rows to drop at the end of the next cycle

    # -- server-side filters ------------------------------------------------------------

    def set_filters(self, filters: ServerFilters) -> FilterChange:
        """Ask the API a different question from now on.

        Loaded rows the new filters match (as far as this side can tell: see
        ``ServerFilters.matcher``) stay, the others go, and the next cycle reloads the top
        as on a first start. A kept row is *unconfirmed* until a page under the new filters
        returns it; a page that covers its time without it drops it. So the list is at once
        what can be kept and, as pages arrive, exactly what the API returns. Paging older
        rows continues below the oldest confirmed row. Requests still out for the old
        filters are discarded when they answer. Rows leave the store only at the end of a
        cycle (``_drop_rows``).
        """
        match = filters.matcher(self.clock())
        dropped = self.store.retain(lambda row: row.created is not None and match(row))
        self.filters = filters
        self._epoch += 1
        self._reloading = True
        self._gap_floor = None
        self._unconfirmed = set(self.store.rows)
        self._doomed.clear()
        self.store.exhausted = False
        return FilterChange(kept=len(self.store), dropped=dropped)

    def _params(self) -> dict[str, Any]:
        """The filters for one request: a relative time ("3d") is resolved now, each time."""
        return self.filters.params(self.clock())

    def _check(self, epoch: int) -> None:
        if epoch != self._epoch:
            raise _Superseded

    def _confirm(self, items: list[Generation], to_end: bool) -> None:
        """A page under the current filters confirms the kept rows it holds and dooms those
        it passed over: newer than its oldest item (or any, when it was the last page)."""
        if not self._unconfirmed:
            return
        self._unconfirmed.difference_update(g.id for g in items)
        oldest = min((t for g in items if (t := parse_time(g.created_at))), default=None)
        rows = self.store.rows
        gone = {
            i
            for i in self._unconfirmed
            if to_end or (oldest is not None and (rows[i].created or oldest) > oldest)
        }
        self._unconfirmed -= gone
        self._doomed |= gone

    def _drop_rows(self, report: CycleReport) -> None:
        """Drop the doomed rows and, under a rolling "since", the finished rows that fell
        below it. Only here, at the very end of a cycle, so the report that says so reaches
        the screen in the same step: no view is ever left pointing at a row that is gone.
        A job reported as just finished stays one more cycle (its ending is announced)."""
        gone = (self._doomed | self._aged_out(self.clock())) - report.finished
        if not gone:
            return
        self._doomed -= gone
        self._unconfirmed -= gone
        self.store.drop(gone)
        report.changed |= gone

    # -- one cycle ------------------------------------------------------------------

    async def cycle(self) -> CycleReport:
        """Run one poll cycle; API errors are caught and recorded in ``health``."""
        report = CycleReport()
        before = self.client.stats.requests
        in_flight_before = set(self.store.in_flight_ids())
        try:
            await self._cycle(report)
        except _Superseded:
            return CycleReport()  # nothing of it is shown; the next cycle asks again
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        else:
            self._record_success()
        report.requests = self.client.stats.requests - before
        for gen_id in in_flight_before:
            row = self.store.get(gen_id)
            if row is not None and row.final:
                report.finished.add(gen_id)
        self._drop_rows(report)
        return report

    async def _cycle(self, report: CycleReport) -> None:
        now = self.clock()
        await self._load_models_once()
        fresh = await self._refresh_top(report)
        stale = [i for i in self.store.in_flight_ids() if i not in fresh]
        if stale:
            epoch = self._epoch
            got = await self.client.refresh(stale)
            self._check(epoch)
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

    def _aged_out(self, now: datetime) -> set[str]:
        """Under a rolling lower bound ("since 3d ago"), the finished rows that fell below it:
        the API would no longer return them. A job still in flight stays until it ends."""
        spec = self.filters.created_after
        if spec is None or isinstance(spec, AbsoluteTime):
            return set()
        bound = spec.resolve(now)
        store = self.store
        out: set[str] = set()
        for gen_id in reversed(store.order):  # oldest first; rows without a time sort last
            row = store.rows[gen_id]
            if row.created is None:
                continue
            if row.created >= bound:
                break
            if row.final:
                out.add(gen_id)
        return out

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
        first_load = self._reloading or len(store) == 0
        size = FIRST_PAGE if first_load else self.top_size
        seen: set[str] = set()
        offset = 0
        floor = self._gap_floor
        epoch = self._epoch
        for _ in range(MAX_GAP_PAGES):
            page = await self.client.list_generations(limit=size, offset=offset, **self._params())
            self._check(epoch)
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
                self._confirm(page.items, store.exhausted)
                tail = page.items[-IN_FLIGHT_TAIL:]
                if store.exhausted or not any(g.status in IN_FLIGHT_STATUSES for g in tail):
                    self._reloading = False
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
        if store.exhausted or self._reloading:
            return report  # new filters: older pages wait for the top to be loaded afresh
        before = self.client.stats.requests
        epoch = self._epoch
        try:
            anchor = self.older_anchor()
            offset = 0
            if anchor is None:  # nothing with a readable created_at: plain offsets
                kept = len(self._unconfirmed) + len(self._doomed)
                offset = max(len(store) - kept - OLDER_OVERLAP, 0)
            for _ in range(MAX_GAP_PAGES):
                filters = self._params()
                if anchor is not None:
                    user = filters.get("created_before")
                    filters["created_before"] = anchor if user is None else min(anchor, user)
                page = await self.client.list_generations(
                    limit=MAX_PAGE_SIZE, offset=offset, **filters
                )
                self._check(epoch)
                store.add_malformed(page.malformed)
                # rows kept across a filter change are not new: confirming them pages on
                new = any(g.id not in store.rows for g in page.items)
                report.changed |= store.upsert(page.items, self.clock())
                got = len(page.items) + len(page.malformed)
                self._confirm(page.items, got < MAX_PAGE_SIZE)
                if got < MAX_PAGE_SIZE:
                    store.exhausted = True
                    break
                if new:
                    break
                offset += got
        except _Superseded:
            return CycleReport()
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        report.requests = self.client.stats.requests - before
        return report

    def older_anchor(self) -> datetime | None:
        """Just after the oldest loaded generation's creation time (None: no usable time);
        rows kept across a filter change count once a page under the new filters held them."""
        store = self.store
        for gen_id in reversed(store.order):
            if gen_id in self._unconfirmed or gen_id in self._doomed:
                continue
            created = store.rows[gen_id].created
            if created is not None:
                return created + timedelta(milliseconds=1)
        return None

    # -- health and pacing -------------------------------------------------------------

    def _record_success(self) -> None:
        self.health = Health(state=ConnState.LIVE, last_ok=self.clock())
        self._last_error = None

    def _record_failure(self, exc: HedraError) -> None:
        failures = self.health.failures + 1
        auth = isinstance(exc, AuthenticationError | PermissionDeniedError)
        self._last_error = exc
        self.health = Health(
            state=ConnState.AUTH_FAILED if auth else ConnState.RETRYING,
            last_ok=self.health.last_ok,
            error=exc.message,
            retry_in=self._failure_delay(exc, failures),
            failures=failures,
        )

    def _failure_delay(self, exc: HedraError, failures: int) -> float:
        if isinstance(exc, AuthenticationError | PermissionDeniedError):
            return self.auth_retry
        retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
        delay = backoff_delay(
            failures - 1, retry_after=retry_after, base=self.interval, cap=FAIL_BACKOFF_CAP
        )
        return max(delay, self.interval) if retry_after is None else delay

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
        """Poll forever: a cycle, then sleep until the next is due or ``wake`` is set."""
        while True:
            if not self.paused:
                epoch = self._epoch
                on_report(await self.cycle())
                if epoch != self._epoch:
                    continue  # the filters changed during the cycle: ask again at once
            delay = self.next_delay()
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)
