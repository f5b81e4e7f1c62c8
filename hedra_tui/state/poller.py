"""The poll planner: what to ask the API each cycle, and how to back off when it fails.

One :class:`Poller` serves every backend; what differs between them is a strategy
(``state/strategies``), chosen by the backend's capabilities. A cycle asks for the top of the
list (more pages only to fill a gap when many jobs arrived at once), lets the strategy bring
the jobs in flight up to date (v2: one request per 100 through the ``ids`` filter, skipping
those the top page returned; v3: the top pages, deep enough to hold every job in flight, are
their status, a status poll goes to each job on screen no stream follows, and each job's
details are read once), and reads the balance now and then. Finished jobs are never polled.
Failures become state (``Health``), never exceptions for the caller. A :class:`Budget` keeps
it to its share of the key's rate limit: cycles wait for it, and after a 429 for its
Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..api.backend import MAX_PAGE_SIZE, Backend, Balance, ListFilters, Page
from ..api.errors import AuthenticationError, HedraError, PermissionDeniedError, RateLimitError
from ..api.models import IN_FLIGHT_STATUSES, Generation
from ..api.retry import RETRY_AFTER_CAP
from ..api.v2 import IDS_PER_REQUEST
from .budget import Budget, failure_words, user_asked
from .derive import parse_time
from .filters import ServerFilters
from .health import ConnState, Health
from .journal import CATCH_UP_PAGES, Journal
from .reports import ChangeFeed, CycleReport, LiveChanges
from .store import Store, utcnow
from .strategies import Strategy, strategy_for
from .timespec import AbsoluteTime

if TYPE_CHECKING:
    from .head_start import HeadStart
    from .history import HistoryDB

__all__ = [
    "ConnState",
    "CycleReport",
    "Health",
    "LiveChanges",
    "Poller",
    "failure_delay",
    "plan_requests",
]

TOP_PAGE = 25
# a first load (a start, new filters) reads a small page and shows it at once, then the rest
# of FIRST_LOAD rows, then more while the end of a page still holds jobs in flight
FIRST_PAGE = 25
FIRST_LOAD = 100
OLDER_OVERLAP = 5
MAX_GAP_PAGES = 20
IN_FLIGHT_TAIL = 25  # first load goes on while the end of a page still has jobs in flight
AUTH_RETRY_SECONDS = 30.0
TYPICAL_OF = 5  # the overdue threshold follows the slowest of the last few good cycles
MAX_STREAMS = 4  # jobs followed live at once, where the backend has live streams
LIVE_EVERY = 1.0  # seconds: changes between cycles reach the reader at most this often


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
    """Requests one steady v2 cycle makes: the top page plus one per 100 jobs to refresh."""
    return 1 + math.ceil(max(in_flight - already_fresh, 0) / IDS_PER_REQUEST)


class Poller:
    """Keeps a :class:`Store` in step with the API, whichever backend serves it.

    What the person looks at steers it: ``visible`` (the ids on screen) and the highlighted
    job (:meth:`set_focus`) are read first and followed live where the backend can.
    """

    def __init__(
        self,
        backend: Backend,
        store: Store,
        *,
        interval: float = 5.0,
        credits_every: float = 60.0,
        top_size: int = TOP_PAGE,
        filters: ServerFilters | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        max_streams: int = MAX_STREAMS,
        budget: Budget | None = None,
        history: HistoryDB | None = None,
        head_start: HeadStart | None = None,
    ) -> None:
        self.backend = backend
        # what it may spend of the key's rate limit (none given: no limit of its own)
        self.budget = (budget or Budget()).attach(backend, interval)
        self.store = store
        self.interval = interval
        self.monotonic = monotonic  # durations: how long a request waits, when to retry
        self.credits_every = credits_every  # the balance is read this often (seconds)
        self.top_size = top_size
        # a backend without server-side filters is asked for the whole list
        self.filters = ServerFilters()
        if filters is not None and backend.capabilities.server_filters:
            self.filters = filters
        self.clock = clock
        self.health = Health()
        self.balance: Balance | None = None
        self.paused = False
        self.max_streams = max_streams
        # the ids on screen and the highlighted job, set by the UI; a backend that reads
        # details per job (v3) reads these first (v2 pages carry every job whole)
        self.visible: list[str] = []
        self.focus: str | None = None
        self.auth_retry = AUTH_RETRY_SECONDS  # a rejected key is tried again this often
        self.dropped = 0  # cycles dropped because a request hung while the API answered
        self.feed = ChangeFeed()  # changes between cycles (stream frames)
        self._balance_at: datetime | None = None
        self._models_loaded = False
        self._last_error: HedraError | None = None
        self._gap_floor: datetime | None = None  # see _refresh_top
        self._older: str | None = None  # where the next older page starts (see load_older)
        self._took: deque[float] = deque(maxlen=TYPICAL_OF)  # seconds good cycles took
        self._epoch = 0  # moves with every change of filters (see _Superseded)
        self._reloading = False  # new filters: the next cycle loads the top afresh
        self._unconfirmed: set[str] = set()  # see set_filters
        self._doomed: set[str] = set()  # rows to drop at the end of the next cycle
        self._models: asyncio.Future[None] | None = None  # the model list, being read
        self.head_start = head_start  # the first page and the models, read while starting
        self.strategy: Strategy = strategy_for(self)
        # the local history: rows shown before the API answers, written as they change
        self.journal = Journal(history, backend.name) if history is not None else None
        store.journaled = self.journal is not None
        self._catch_up: str | None = None  # "met" / "lost": how the first cycle ended it

    # -- what the person looks at -------------------------------------------------------

    def set_focus(self, job_id: str | None) -> None:
        """The highlighted job: its details are read first, and it is followed live."""
        if job_id != self.focus:
            self.focus = job_id
            self.strategy.follow()

    def set_paused(self, paused: bool) -> None:
        """Paused: no cycles and no live streams until resumed."""
        self.paused = paused
        self.strategy.follow()

    def seed(self) -> set[str]:
        """Show the newest stored jobs (and those stored in flight) before the API answers;
        returns their ids. The data is as old as the last time a monitor heard the API."""
        journal = self.journal
        if journal is None:
            return set()
        now = self.clock()
        ids = journal.seed(self.store, now, self._keep(now))
        if ids:
            self.health.last_ok = journal.ended.since
            self.strategy.seeded(ids)
        return ids

    def _keep(self, now: datetime) -> Callable[[Any], bool] | None:
        """Which stored rows the current filters would return (None: all of them)."""
        return self.filters.matcher(now) if self.filters else None

    @property
    def streams(self) -> Collection[str]:
        """The jobs followed live now (none on a backend without live streams)."""
        return self.strategy.streams

    @property
    def stream_events(self) -> int:
        """Frames received over live streams so far."""
        return self.strategy.stream_events

    def details_pending(self, job_id: str) -> bool:
        """The job's details (prompt, outputs, error) are not read yet (never on a backend
        whose pages carry every job whole)."""
        return self.strategy.details_pending(job_id)

    async def close(self) -> None:
        """Stop what runs between cycles (live streams); the history notes the time."""
        await self.strategy.close()
        if self.journal is not None:
            await self.journal.aclose(self.store, self.clock(), whole=self._whole())

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
        if not self.backend.capabilities.server_filters:
            raise ValueError(f"the {self.backend.name} API has no server-side filters")
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

    def _params(self) -> ListFilters:
        """The filters for one request: a relative time ("3d") is resolved now, each time."""
        return self.filters.params(self.clock())

    @property
    def epoch(self) -> int:
        """Moves with every change of filters: an answer to a request sent in another epoch
        is for an old question (see :meth:`check_epoch`)."""
        return self._epoch

    def check_epoch(self, epoch: int) -> None:
        """Raise (ending the cycle quietly) when the filters changed since ``epoch``."""
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
        """Run one poll cycle; API errors are caught and recorded in ``health``.

        ``health.busy_since`` says a cycle is under way (and since when), so the header can
        tell an overdue request from a live connection while it waits.
        """
        report = CycleReport()
        before = self.backend.stats.requests
        in_flight_before = set(self.store.in_flight_ids())
        self.health.busy_since = self.monotonic()
        self.health.next_at = None
        try:
            took = await self._cycle_watched(report)
        except _Superseded:
            return CycleReport()  # nothing of it is shown; the next cycle asks again
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        else:
            self._record_success(took)
        finally:
            self.health.busy_since = None
        report.requests = self.backend.stats.requests - before
        for gen_id in in_flight_before:
            row = self.store.get(gen_id)
            if row is not None and row.final:
                report.finished.add(gen_id)
        self._drop_rows(report)
        if self.journal is not None:
            self._settle_catch_up(report)
            self._write_history(ok=report.error is None)
        return report

    def _settle_catch_up(self, report: CycleReport) -> None:
        """After the first good cycle that began from stored rows: the stored span holds
        (or not), and jobs found ended that no monitor saw end are told apart."""
        journal, how = self.journal, self._catch_up
        if journal is None or how is None or journal.settled:
            return
        before = set(self.store.rows)
        if how == "met":
            journal.met(self.store, report.finished)
        else:
            journal.lost(self.store, report.finished)
        report.changed |= before - set(self.store.rows)  # seeded rows that went
        report.changed |= journal.ended.completed | journal.ended.failed

    def _whole(self) -> bool:
        """The store holds every job from its newest to its oldest (no filters, no gap at
        the top, nothing kept from other filters): the history may vouch for it."""
        return not (
            self.filters or self._gap_floor or self._reloading or self._unconfirmed or self._doomed
        )

    def _write_history(self, *, ok: bool) -> None:
        if self.journal is not None:
            self.journal.flush(self.store, self.clock(), ok=ok, whole=self._whole())

    async def _cycle_watched(self, report: CycleReport) -> float:
        """Run ``_cycle``; returns how long the attempt that finished took.

        A request sent to a server that stopped answering only ends at the client's
        timeout (and its retries): half a minute. So while the cycle is overdue the API
        is asked again once per interval with one cheap request (``backend.ping``); when
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
            sent_before = self.backend.sent
            probe = asyncio.ensure_future(self.backend.ping())
            done, _ = await asyncio.wait(
                {task, probe}, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                await _discard(probe)
                return True
            if probe.done() and not probe.cancelled() and probe.exception() is None:
                oldest = self.backend.oldest_waiting()
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
        # the model list is asked side by side with the top page, unless the strategy reads
        # the page's jobs with it (v3: a job's type is its model's modality)
        self._models = models = asyncio.ensure_future(self._load_models_once())
        try:
            if self.strategy.models_first:
                await models
            fresh = await self._refresh_top(report)
            await models
        finally:
            self._models = None
            await _discard(models)
        # before the jobs in flight: a short budget, which they would spend to the last
        # request, still reads the balance (one request a minute)
        await self._refresh_balance(now, report)
        await self.strategy.refresh_in_flight(fresh, report)
        self.strategy.after_cycle()

    async def _refresh_balance(self, now: datetime, report: CycleReport) -> None:
        """The balance (credits or money), every ``credits_every`` seconds (later, when the
        budget has no room for it now)."""
        due = self._balance_at is None or (now - self._balance_at).total_seconds() >= (
            self.credits_every
        )
        if not due or not self.budget.allowance():
            return
        balance = await self.backend.get_balance()
        report.balance_changed = balance != self.balance
        self.balance = balance
        self._balance_at = now

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
        if self.head_start is not None:
            await self.head_start.wait()
            if models := self.head_start.models():
                self.store.set_models(models)
                self._models_loaded = True
                return
        try:
            self.store.set_models(await self.backend.list_models())
            self._models_loaded = True
        except HedraError as exc:
            if isinstance(exc, AuthenticationError | PermissionDeniedError):
                raise

    async def _refresh_top(self, report: CycleReport) -> set[str]:
        """Fetch the newest page; keep paging while every item is new (a burst of arrivals).

        Returns the ids the top pages held. The strategy may size the newest page and ask
        for the pages below once the top joined up (v3 reads its jobs' status from them:
        ``top_limit``, ``wants_deeper``). On a first load (or under new filters) paging
        goes on while the end of a page still holds jobs in flight, so that every job in
        flight is known; where that load ended is where older pages start.
        """
        store = self.store
        first_load = self._reloading or len(store) == 0
        size = FIRST_PAGE if first_load else self.strategy.top_limit(self.top_size)
        pages = MAX_GAP_PAGES
        journal = self.journal
        catching_up = journal is not None and not journal.settled and not first_load
        if catching_up:
            # the first cycle after rows shown from disk: page down until one of them
            size, pages = MAX_PAGE_SIZE, CATCH_UP_PAGES
        seen: set[str] = set()
        cursor: str | None = None
        floor = self._gap_floor
        epoch = self._epoch
        for number in range(pages):
            page = await self._head_start_page(first_load and cursor is None, size)
            if page is None:
                page = await self.backend.list_page(
                    limit=size, cursor=cursor, filters=self._params()
                )
            self.check_epoch(epoch)
            store.add_malformed(page.malformed)
            # the top meets what we had when a page holds a job we knew -- one older than
            # what an unfinished gap fill stored, if one was cut short by an error
            known_before = any(
                g.id in store.rows and (floor is None or _older_than(g.created_at, floor))
                for g in page.items
            )
            report.changed |= self.strategy.merge_page(page.items)
            seen.update(g.id for g in page.items)
            if catching_up and (known_before or page.next is None or number == pages - 1):
                # met the stored rows (or the end of the list, or the end of patience):
                # older pages go on from here once the disk has none
                self._catch_up = "met" if known_before else "lost"
                self._older = page.next
                self._gap_floor = floor = None
                if not known_before:
                    store.exhausted = page.next is None
                # the strategy may want the pages below too (v3 reads the status of its
                # jobs in flight from them)
                if page.next is None or not self.strategy.wants_deeper(seen, page.items):
                    break
                cursor = page.next
                continue
            if first_load:
                store.exhausted = page.next is None
                self._older = page.next
                self._confirm(page.items, store.exhausted)
                if cursor is None:
                    await self._first_rows(report.changed)
                tail = page.items[-IN_FLIGHT_TAIL:]
                short = len(seen) < FIRST_LOAD
                if store.exhausted or not (
                    short or any(g.status in IN_FLIGHT_STATUSES for g in tail)
                ):
                    self._reloading = False
                    break
                size = FIRST_LOAD - len(seen) if short else MAX_PAGE_SIZE
            elif page.next is None or known_before:
                self._gap_floor = floor = None
                # joined up; the strategy may want the pages below too (v3 reads the status
                # of its jobs in flight from them)
                if page.next is None or not self.strategy.wants_deeper(seen, page.items):
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
            cursor = page.next
        return seen

    async def _head_start_page(self, first: bool, size: int) -> Page | None:
        """The first page of the first load, when it was read while the monitor started
        (it is given once: a load under new filters asks the API)."""
        if self.head_start is None or not first:
            return None
        await self.head_start.wait()
        return self.head_start.page(size, self.filters)

    def prime(self) -> set[str]:
        """The first page read while the monitor started, into the store at once if it is
        there already (so the first frame can show it); the ids it changed. The first cycle
        then loads the top as on a start, from that page on."""
        head = self.head_start
        if head is None or len(self.store) or not head.done:
            return set()
        page = head.page(FIRST_PAGE, self.filters, keep=True)  # the cycle merges it again
        if page is None:
            return set()
        if models := head.models():
            self.store.set_models(models)
            self._models_loaded = True
        if self.strategy.models_first and not self._models_loaded:
            return set()  # (v3: a job's type is its model's: the cycle reads them first)
        self._reloading = True  # the next cycle loads the top as on a start
        return self.strategy.merge_page(page.items)

    async def _first_rows(self, changed: set[str]) -> None:
        """The first page of a first load goes to the reader at once (through ``feed``), with
        the model names, before the rest of the load, the jobs in flight and the balance."""
        if self._models is not None:
            await self._models
        self.feed.add(changed)

    def _older_start(self) -> tuple[str | None, ListFilters] | None:
        """Where the next older page starts, and under which filters; None: nowhere.

        Where the API filters by time, just below the oldest loaded row (``created_before``
        its time plus 1 ms, from the top of that): jobs arriving at the top in the meantime
        shift nothing. Elsewhere (v3) the cursor of the last page loaded: cursors name a
        position, so arrivals shift nothing either.
        """
        params = self._params()
        if self.backend.capabilities.server_filters:
            anchor = self.older_anchor()
            if anchor is not None:
                return None, params.below(anchor)
        if self._older is None:
            return None
        return self._older, params

    @user_asked  # counted against the budget, not held to it: the person asked for it
    async def load_older(self) -> CycleReport:
        """Load the next page of history below what is loaded (see :meth:`_older_start`).

        The few rows seen twice (same millisecond) are deduplicated by id; a page holding
        only known rows moves on to the next within the same question.
        """
        report = CycleReport()
        store = self.store
        if store.exhausted or self._reloading:
            return report  # new filters: older pages wait for the top to be loaded afresh
        journal = self.journal
        if journal is not None and journal.has_older:
            now = self.clock()
            report.changed = journal.load_older(store, now, self._keep(now))
            return report  # from disk: no request
        start = self._older_start()
        if start is None:
            store.exhausted = True
            return report
        cursor, params = start
        before = self.backend.stats.requests
        epoch = self._epoch
        try:
            for _ in range(MAX_GAP_PAGES):
                page = await self.backend.list_page(
                    limit=MAX_PAGE_SIZE, cursor=cursor, filters=params
                )
                self.check_epoch(epoch)
                store.add_malformed(page.malformed)
                # rows kept across a filter change are not new: confirming them pages on
                new = any(g.id not in store.rows for g in page.items)
                report.changed |= self.strategy.merge_page(page.items)
                self._confirm(page.items, page.next is None)
                self._older = page.next
                if page.next is None:
                    store.exhausted = True
                    break
                if new:
                    break
                cursor = page.next
        except _Superseded:
            return CycleReport()
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        report.requests = self.backend.stats.requests - before
        self._write_history(ok=False)
        return report

    async def load_history(self) -> AsyncGenerator[CycleReport, None]:
        """Load every page of history below what is loaded, a report per page stored.

        Pipelined: the next page's request goes out as soon as a page has arrived, before
        that page is stored, so the API's time and the store's overlap. Where the API
        filters by time the next page is anchored just below the oldest row of the page
        (what :meth:`_older_start` would say once it is stored); a page holding only known
        rows moves on within the same question, as in :meth:`load_older`. Ends at the
        last page, at an error (the last report carries it) or when the filters change.
        """
        store = self.store
        if store.exhausted or self._reloading:
            return
        journal = self.journal
        while journal is not None and journal.has_older and not store.exhausted:
            now = self.clock()  # the local history's pages first: no request
            yield CycleReport(changed=journal.load_older(store, now, self._keep(now)))
        if self.store.exhausted:  # the local history held all of it
            return
        start = self._older_start()
        if start is None:
            store.exhausted = True
            return
        epoch = self._epoch
        fetch: asyncio.Future[tuple[Page, ListFilters]] | None
        fetch = asyncio.ensure_future(self._older_page(*start))
        try:
            while fetch is not None:
                report = CycleReport()
                before = self.backend.stats.requests
                try:
                    page, params = await fetch
                    self.check_epoch(epoch)
                    # rows kept across a filter change are not new: confirming them pages on
                    new = any(g.id not in store.rows for g in page.items)
                    after = self._after(page, params, new)
                    fetch = asyncio.ensure_future(self._older_page(*after)) if after else None
                    store.add_malformed(page.malformed)
                    report.changed |= await self.strategy.merge_older(page.items)
                except _Superseded:
                    return
                except HedraError as exc:
                    report.error = exc
                    self._record_failure(exc)
                    yield report
                    return
                self._confirm(page.items, page.next is None)
                self._older = page.next
                if page.next is None:
                    store.exhausted = True
                report.requests = self.backend.stats.requests - before
                self._write_history(ok=False)
                yield report
        finally:
            if fetch is not None:
                await _discard(fetch)

    @user_asked  # L: counted against the budget, not held to it (see load_older)
    async def _older_page(
        self, cursor: str | None, params: ListFilters
    ) -> tuple[Page, ListFilters]:
        page = await self.backend.list_page(limit=MAX_PAGE_SIZE, cursor=cursor, filters=params)
        return page, params

    def _after(
        self, page: Page, params: ListFilters, new: bool
    ) -> tuple[str | None, ListFilters] | None:
        """Where the page after ``page`` starts (None: ``page`` was the last)."""
        if page.next is None:
            return None
        if new and self.backend.capabilities.server_filters:
            oldest = min((t for g in page.items if (t := parse_time(g.created_at))), default=None)
            if oldest is not None:
                return None, self._params().below(oldest + timedelta(milliseconds=1))
        return page.next, params

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
            error=failure_words(exc),
            retry_in=failure_delay(exc, interval=self.interval, auth_retry=self.auth_retry),
            failures=self.health.failures + 1,
        )

    def next_delay(self) -> float:
        """Seconds until the next cycle: the interval, or longer if the budget needs it, or
        the backoff after a failure (a 429: its Retry-After)."""
        if self.health.retry_in is not None and self.health.failures:
            return self.health.retry_in
        return max(self.interval, self.budget.pace(self.interval))

    async def run(self, wake: asyncio.Event) -> AsyncIterator[CycleReport]:
        """Poll forever: a cycle, its report, then sleep until the next is due or ``wake``
        is set. ``health.next_at`` is when the sleep ends, so a countdown on screen is the
        real one."""
        while True:
            report = None
            epoch = self._epoch
            if not self.paused:
                report = await self.cycle()
            delay = self.next_delay()
            self.health.next_at = self.monotonic() + delay
            if report is not None:
                yield report
                if epoch != self._epoch:
                    continue  # the filters changed during the cycle: ask again at once
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)

    def live_changes(self, every: float = LIVE_EVERY) -> AsyncIterator[LiveChanges]:
        """Changes made between cycles (live stream frames), at most once per ``every`` s."""
        return self.feed.batches(every)


async def _discard(task: asyncio.Future[Any]) -> None:
    """Cancel a task (if still running) and wait until it has ended; what it ended with
    (a result, an error) is dropped. A cancellation of the caller still goes through."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved
