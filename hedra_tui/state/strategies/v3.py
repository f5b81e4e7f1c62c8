"""Keeping the store in step with the v3 API: job pages, status polls and live SSE streams.

A v3 list page only carries id, model, status and time, so each job's details (prompt,
outputs, error) are read once with ``GET /jobs/{id}``: the highlighted job, the rows on
screen, the jobs in flight, those seen ending and the failures first, at most
``HYDRATE_PER_CYCLE`` a cycle.

v3 has no batch status, but every page carries each job's status: the newest pages, read
each cycle deep enough to hold every job in flight (one page of up to 100 for 100 in
flight), are the batch status of every job on them, and a job that ends there needs no
other request to be seen ending. ``GET /jobs/{id}/status`` (progress, ETA, log lines after
its ``logs_after`` cursor) is asked only for the jobs in flight on screen (``poller.visible``:
the list's rows and the in-flight panel's lines, and the highlighted job) that no stream
follows, and for those the pages did not hold (deeper than ``STATUS_DEPTH``, or no longer
listed). Off screen, a job's progress is as last read: the stall clock stops there (no news
is not a stall), and the job is asked again once it is on screen.

The jobs that matter most -- the highlighted one, watched ones, then the newest in flight --
are followed live over ``GET /jobs/{id}/stream``, at most ``max_streams`` at once. A stream
that drops is resumed with ``Last-Event-Id`` after the server's ``retry:`` delay (backing
off on repeated failures); ``[STREAM_DONE]`` ends it and the job's result is read once.
The v3 JSON of each job (summary, status, result and log lines merged) is what the store
keeps and the tree shows. Frames change the store between cycles; the changes go to the
poller's feed, which its reader takes at most once a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import Awaitable, Collection, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from ...api.backend import MAX_PAGE_SIZE
from ...api.errors import HedraError, NotFoundError
from ...api.models import Generation
from ...api.retry import backoff_delay
from ...api.v3 import V3Client
from ...api.v3.models import IN_FLIGHT_V3, generation_from_v3
from ..derive import model_id_of, parse_time
from ..reports import CycleReport
from .base import Strategy

if TYPE_CHECKING:
    from ..poller import Poller

HYDRATE_PER_CYCLE = 25
STATUS_MARGIN = 5  # the newest page reaches this much below the jobs in flight (arrivals)
STATUS_DEPTH = 1000  # jobs in flight deeper than this are asked for by id, not paged to
HYDRATE_NEWEST = 100  # after what matters, the details of the newest jobs are read
CONCURRENCY = 4
LOGS_KEPT = 50
STREAM_ATTEMPTS = 6  # consecutive failures before a stream gives way to polling
_LOG_KEYS = ("logs", "logs_next_cursor")

# one job's JSON, or a part of it (a summary, a status, a result, a frame)
JobJson = dict[str, Any]


class V3Strategy(Strategy):
    """Per-job reads, status polls and live streams over a :class:`V3Client`."""

    def __init__(self, poller: Poller, client: V3Client) -> None:
        super().__init__(poller)
        self.client = client
        self.tasks: dict[str, asyncio.Task[None]] = {}  # job id -> the task following it
        self._events = 0
        self._logs_after: dict[str, str] = {}
        self._hydrated: set[str] = set()
        self._gave_up: set[str] = set()
        self._open: set[str] = set()  # streams connected now (keep-alives arrive every 5 s)
        self._unread_failures: set[str] = set()  # failed jobs whose error is not read yet
        self._ended: set[str] = set()  # jobs seen ending whose result is not read yet

    @property
    def streams(self) -> Collection[str]:
        return self.tasks.keys()

    @property
    def stream_events(self) -> int:
        return self._events

    # -- one cycle ----------------------------------------------------------------------

    def merge_page(self, items: list[Generation]) -> set[str]:
        """A list page is the batch status of every job on it. A summary whose status (and
        model) the row already has is skipped: the newest pages are read every cycle, and
        the rest of a summary (id, time) never changes."""
        rows = self.poller.store.rows
        news = []
        for gen in items:
            row = rows.get(gen.id)
            if row is None or row.status != (gen.status or "") or row.model_key != model_id_of(gen):
                news.append((gen.id, _json(gen.raw)))
        # a list page carries no progress: it is not the API's word on it
        return self.merge(news, confirms=False) if news else set()

    def _paged(self) -> list[str]:
        """The jobs in flight whose status the newest pages are read for: those no stream
        follows, down to ``STATUS_DEPTH`` rows (deeper ones are asked one by one)."""
        store = self.poller.store
        out = []
        for job_id in store.in_flight_ids():
            if job_id in self.tasks:
                continue
            index = store.index_of(job_id)
            if index is not None and index < STATUS_DEPTH:
                out.append(job_id)
        return out

    def top_limit(self, size: int) -> int:
        """Deep enough for the newest page to hold every job in flight it can (plus a few
        arrivals): one page of up to 100 is the status of all of them."""
        paged = self._paged()
        index = self.poller.store.index_of(paged[-1]) if paged else None
        if index is None:
            return size
        return min(MAX_PAGE_SIZE, max(size, index + 1 + STATUS_MARGIN))

    def wants_deeper(self, seen: set[str], items: list[Generation]) -> bool:
        """On while a job in flight the pages have not held yet is older than the page's
        oldest job (it is further down); one that should have been on them is not listed
        any more, and is asked for by id."""
        if not items:
            return False
        oldest = parse_time(items[-1].created_at)  # a page is newest first
        if oldest is None:
            return False
        rows = self.poller.store.rows
        return any(
            (created := rows[i].created) is not None and created <= oldest
            for i in self._paged()
            if i not in seen
        )

    async def refresh_in_flight(self, fresh: set[str], report: CycleReport) -> None:
        """Status polls (progress, ETA, log lines) for the jobs in flight on screen that no
        stream follows, and for those the newest pages did not hold; then the details not
        read yet. The status of the others is what the pages just said."""
        poller = self.poller
        on_screen = set(poller.visible)
        if poller.focus is not None:
            on_screen.add(poller.focus)
        polled = [
            i
            for i in poller.store.in_flight_ids()
            if i not in self.tasks and (i in on_screen or i not in fresh)
        ]
        await _gather(self._poll_status(i, report) for i in polled)
        await self._hydrate(report)

    def after_cycle(self) -> None:
        self.manage_streams()
        # an open stream sends every change of its job: no frame means no progress, as
        # of now (a stream that goes silent times out and stops counting)
        store = self.poller.store
        store.confirm(self._open & set(store.in_flight_ids()), self.poller.clock())

    def follow(self) -> None:
        self.manage_streams()

    # -- merging ------------------------------------------------------------------------

    def details_pending(self, job_id: str) -> bool:
        """The job's details (prompt, outputs, error) are not read yet."""
        return job_id not in self._hydrated

    def merge(self, updates: Iterable[tuple[str, JobJson]], *, confirms: bool = True) -> set[str]:
        """Fold partial v3 JSON (summary, status, result, log lines) into each job's JSON.

        ``confirms``: the update carries the job's progress (a status poll or frame), so
        it counts as the API's word on it (see ``Store.stall_clock``); a job list and a
        result do not carry progress.
        """
        store = self.poller.store
        gens = []
        for job_id, update in updates:
            row = store.get(job_id)
            merged: JobJson = _json(row.raw) if row is not None else {}
            logs = update.get("logs")
            for key, value in update.items():
                if key not in _LOG_KEYS:
                    merged[key] = value
            if isinstance(logs, list) and logs:
                known = {
                    item.get("id") for item in merged.get("logs") or () if isinstance(item, dict)
                }
                fresh = [x for x in logs if isinstance(x, dict) and x.get("id") not in known]
                merged["logs"] = [*(merged.get("logs") or []), *fresh][-LOGS_KEPT:]
            cursor = update.get("logs_next_cursor")
            if isinstance(cursor, str):
                self._logs_after[job_id] = cursor
            merged["job_id"] = job_id
            if row is not None and row.final and merged.get("status") in IN_FLIGHT_V3:
                continue  # a stale frame after the end: the end stands
            ended = row is not None and row.in_flight and merged.get("status") not in IN_FLIGHT_V3
            if ended and "outputs" not in update:
                # it ended, seen by a page, a status poll or a stream frame: its outputs and
                # error are still to be read (GET /jobs/{id}) -- unless this is that result
                self._hydrated.discard(job_id)
                self._ended.add(job_id)
            if merged.get("status") == "FAILED" and job_id not in self._hydrated:
                self._unread_failures.add(job_id)
            gens.append(generation_from_v3(merged))
        return store.upsert(gens, self.poller.clock(), confirms=confirms)

    async def _poll_status(self, job_id: str, report: CycleReport) -> None:
        try:
            status = await self.client.get_job_status(job_id, self._logs_after.get(job_id))
        except NotFoundError:
            self.poller.store.forget_in_flight(job_id)  # gone: it keeps its last known state
            return
        report.changed |= self.merge([(job_id, _json(status.raw))])

    def hydrate_order(self) -> list[str]:
        """Whose details to read first: the highlighted job, the rows on screen, the jobs
        in flight, the jobs seen ending (on screen or not), failures (so the errors view can
        group them), then the newest."""
        poller, store = self.poller, self.poller.store
        todo: list[str] = []
        if poller.focus is not None and poller.focus in store.rows:
            todo.append(poller.focus)
        todo += poller.visible
        todo += store.in_flight_ids()
        self._ended &= store.rows.keys()
        todo += sorted(self._ended, key=lambda i: store.index_of(i) or 0)  # newest first
        failures = [i for i in self._unread_failures if i in store.rows]
        failures.sort(key=lambda i: store.index_of(i) or 0)  # newest first
        todo += failures
        todo += store.order[:HYDRATE_NEWEST]
        return todo

    async def _hydrate(self, report: CycleReport) -> None:
        """Read ``GET /jobs/{id}`` for jobs whose prompt/result is not known yet."""
        store = self.poller.store
        picked: list[str] = []
        seen: set[str] = set()
        for job_id in self.hydrate_order():
            row = store.get(job_id)
            if row is None or job_id in self._hydrated or job_id in seen:
                continue
            seen.add(job_id)
            if row.in_flight and job_id in self.tasks:
                continue
            picked.append(job_id)
            if len(picked) >= HYDRATE_PER_CYCLE:
                break

        async def one(job_id: str) -> None:
            result = await self.client.get_job(job_id)
            self._hydrated.add(job_id)
            self._unread_failures.discard(job_id)
            self._ended.discard(job_id)
            # final: the result will not change; in flight: the prompt is known now, and the
            # status polls (or the stream) go on -- the result is read again when it ends
            report.changed |= self.merge([(job_id, _json(result.raw))], confirms=False)

        await _gather(one(i) for i in picked)

    # -- streams ------------------------------------------------------------------------

    def wanted_streams(self) -> list[str]:
        """Jobs to follow live, most important first: highlighted, watched, newest in flight."""
        poller, store = self.poller, self.poller.store
        in_flight = store.in_flight_ids()
        order: list[str] = []
        if poller.focus is not None and poller.focus in set(in_flight):
            order.append(poller.focus)
        order += [i for i in in_flight if i in store.watched and i not in order]
        order += [i for i in in_flight if i not in order]
        return [i for i in order if i not in self._gave_up][: poller.max_streams]

    def manage_streams(self) -> None:
        """Start streams for the wanted jobs and stop the others (never more than the cap)."""
        poller = self.poller
        if poller.paused or poller.max_streams <= 0:
            for task in self.tasks.values():
                task.cancel()
            self.tasks.clear()
            return
        wanted = self.wanted_streams()
        for job_id, task in list(self.tasks.items()):
            if job_id not in wanted or task.done():
                task.cancel()
                del self.tasks[job_id]
        loop = asyncio.get_running_loop()
        for job_id in wanted:
            if job_id not in self.tasks and len(self.tasks) < poller.max_streams:
                self.tasks[job_id] = loop.create_task(self._follow(job_id), name=f"stream {job_id}")

    async def close(self) -> None:
        tasks = list(self.tasks.values())
        self.tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _follow(self, job_id: str) -> None:
        """Follow one job's stream to its ``done`` frame, resuming after drops."""
        me = asyncio.current_task()
        last_id: str | None = None
        failures = 0
        try:
            while True:
                retry_ms: int | None = None
                try:
                    async for event, parser in self.client.stream_job(job_id, last_id):
                        last_id, retry_ms = parser.last_id, parser.retry_ms
                        self._open.add(job_id)
                        if event.event == "done":  # data is [STREAM_DONE]: never JSON
                            await self._finish(job_id)
                            return
                        if event.event not in ("status", "log"):
                            continue
                        try:
                            body = json.loads(event.data)
                        except ValueError:
                            continue  # a frame we cannot read is skipped, never fatal
                        if not isinstance(body, dict):
                            continue
                        self._events += 1
                        status = event.event == "status"
                        update = body if status else {"logs": [body]}
                        self._merge_and_notify(job_id, update, confirms=status)
                        failures = 0
                except HedraError:
                    failures += 1
                else:
                    failures += 1  # ended without done: cut short
                self._open.discard(job_id)
                if failures >= STREAM_ATTEMPTS:
                    self._gave_up.add(job_id)  # polling takes over
                    return
                row = self.poller.store.get(job_id)
                if row is not None and row.final:
                    await self._finish(job_id)
                    return
                base = (retry_ms or 1000) / 1000
                await asyncio.sleep(backoff_delay(failures - 1, base=base, cap=30.0))
        finally:
            # A stream stopped and restarted for the same job (the highlight moving fast)
            # ends after its successor was registered: the entry is the successor's then,
            # and it stays, or the successor would stream on untracked, past the cap.
            current = self.tasks.get(job_id)
            if current is me:
                del self.tasks[job_id]
            if current is None or current is me:
                self._open.discard(job_id)

    async def _finish(self, job_id: str) -> None:
        with contextlib.suppress(HedraError):
            result = await self.client.get_job(job_id)
            self._hydrated.add(job_id)
            self._unread_failures.discard(job_id)
            self._ended.discard(job_id)
            self._merge_and_notify(job_id, _json(result.raw), confirms=False)

    def _merge_and_notify(self, job_id: str, update: JobJson, *, confirms: bool = True) -> None:
        """Merge a frame outside a cycle and hand the change (and the job, if it just ended)
        to the poller's feed."""
        store = self.poller.store
        row = store.get(job_id)
        was_in_flight = row is not None and row.in_flight
        changed = self.merge([(job_id, update)], confirms=confirms)
        row = store.get(job_id)
        finished = {job_id} if was_in_flight and row is not None and row.final else set()
        if changed:
            self.poller.feed.add(changed, finished)


def _json(raw: object) -> JobJson:
    """A job's JSON object (a fresh dict: merging never changes what it was read from)."""
    return dict(raw) if isinstance(raw, dict) else {}


async def _gather(jobs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run requests ``CONCURRENCY`` at a time; all finish, then the first error is raised."""
    gate = asyncio.Semaphore(CONCURRENCY)
    pending = list(jobs)

    async def run(job: Awaitable[None]) -> None:
        async with gate:
            await job

    try:
        results = await asyncio.gather(*(run(j) for j in pending), return_exceptions=True)
    finally:
        for job in pending:  # cancelled before they started: close, do not leak
            if inspect.getcoroutinestate(job) == inspect.CORO_CREATED:
                job.close()
    for result in results:
        if isinstance(result, BaseException):
            raise result
