"""Keeping the store in step with the v3 API: job pages, status polls and live SSE streams.

Each cycle reads the newest page of ``GET /jobs`` (more pages only to fill a gap), asks
``GET /jobs/{id}/status`` (with its ``logs_after`` cursor) for the jobs in flight that no
stream follows, and ``GET /jobs/{id}`` once for jobs whose prompt, outputs or error are not
known yet (a job list only carries id, model, status and time): the jobs in flight and the
newest first, at most ``HYDRATE_PER_CYCLE`` a cycle. ``GET /balance`` comes now and then.

The jobs that matter most -- the highlighted one, watched ones, then the newest in flight --
are followed live over ``GET /jobs/{id}/stream``, at most ``max_streams`` at once. A stream
that drops is resumed with ``Last-Event-Id`` after the server's ``retry:`` delay (backing
off on repeated failures); ``[STREAM_DONE]`` ends it and the job's result is read once.
Older history pages through ``next_cursor``. The v3 JSON of each job (summary, status,
result and log lines merged) is what the store keeps and the tree shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..api.errors import HedraError
from ..api.retry import backoff_delay
from ..api.v3models import IN_FLIGHT_V3, generation_from_v3
from .derive import parse_time
from .poller import FIRST_PAGE, MAX_GAP_PAGES, CycleReport, Poller, _older_than

if TYPE_CHECKING:
    from ..api.v3 import V3Client

HYDRATE_PER_CYCLE = 25
CONCURRENCY = 4
MAX_STREAMS = 4
LOGS_KEPT = 50
STREAM_ATTEMPTS = 6  # consecutive failures before a stream gives way to polling


class V3Poller(Poller):
    """The v3 backend behind the same interface as :class:`Poller`."""

    client: V3Client

    def __init__(self, client: V3Client, store: Any, *, max_streams: int = MAX_STREAMS, **kw: Any):
        super().__init__(client, store, **kw)
        self.max_streams = max_streams
        self.balance: dict[str, Any] | None = None
        self.focus: str | None = None  # the highlighted job: streamed and read first
        self.on_change: Callable[[set[str], set[str]], None] | None = None
        self.streams: dict[str, asyncio.Task[None]] = {}
        self.stream_events = 0  # frames received over streams, for the header and tests
        self._older_cursor: str | None = None
        self._logs_after: dict[str, str] = {}
        self._hydrated: set[str] = set()
        self._gave_up: set[str] = set()
        self._open: set[str] = set()  # streams connected now (keep-alives arrive every 5 s)
        self._unread_failures: set[str] = set()  # failed jobs whose error is not read yet

    # -- one cycle ----------------------------------------------------------------------

    async def _cycle(self, report: CycleReport) -> None:
        now = self.clock()
        await self._load_models_once()
        await self._refresh_top_v3(report)
        streamed = set(self.streams)
        polled = [i for i in self.store.in_flight_ids() if i not in streamed]
        await self._gather(self._poll_status(i, report) for i in polled)
        await self._hydrate(report)
        if (
            self._credits_at is None
            or (now - self._credits_at).total_seconds() >= self.credits_every
        ):
            balance = await self.client.get_balance()
            report.credits_changed = balance != self.balance
            self.balance = balance
            self._credits_at = now
        self.manage_streams()
        # an open stream sends every change of its job: no frame means no progress, as
        # of now (a stream that goes silent times out and stops counting)
        self.store.confirm(self._open & set(self.store.in_flight_ids()), self.clock())

    async def _refresh_top_v3(self, report: CycleReport) -> None:
        store = self.store
        first_load = len(store) == 0
        cursor: str | None = None
        floor = self._gap_floor
        for _ in range(MAX_GAP_PAGES):
            page = await self.client.list_jobs(
                limit=FIRST_PAGE if first_load else self.top_size, cursor=cursor
            )
            # joined up with what we had: a known job older than an unfinished gap fill
            known_before = any(
                j["job_id"] in store.rows
                and (floor is None or _older_than(j.get("created_at"), floor))
                for j in page.jobs
            )
            report.changed |= self._merge([(j["job_id"], j) for j in page.jobs], confirms=False)
            if first_load:
                self._older_cursor = page.next_cursor
                store.exhausted = page.next_cursor is None
                break
            if page.next_cursor is None or known_before:
                self._gap_floor = None
                break
            times = [t for j in page.jobs if (t := parse_time(j.get("created_at"))) is not None]
            if times:
                self._gap_floor = min(times) if floor is None else min(floor, *times)
                floor = self._gap_floor
            cursor = page.next_cursor

    async def load_older(self) -> CycleReport:
        """The next page below what is loaded, through the cursor of the last one."""
        report = CycleReport()
        if self.store.exhausted or self._older_cursor is None:
            self.store.exhausted = True
            return report
        before = self.client.stats.requests
        try:
            page = await self.client.list_jobs(limit=100, cursor=self._older_cursor)
            report.changed |= self._merge([(j["job_id"], j) for j in page.jobs], confirms=False)
            self._older_cursor = page.next_cursor
            self.store.exhausted = page.next_cursor is None
        except HedraError as exc:
            report.error = exc
            self._record_failure(exc)
        report.requests = self.client.stats.requests - before
        return report

    def older_anchor(self) -> None:  # type: ignore[override]
        return None  # v3 pages by cursor, not by time

    # -- merging ------------------------------------------------------------------------

    def details_pending(self, job_id: str) -> bool:
        """The job's details (prompt, outputs, error) are not read yet."""
        return job_id not in self._hydrated

    def _merge(
        self, updates: Iterable[tuple[str, dict[str, Any]]], *, confirms: bool = True
    ) -> set[str]:
        """Fold partial v3 JSON (summary, status, result, log lines) into each job's JSON.

        ``confirms``: the update carries the job's progress (a status poll or frame), so
        it counts as the API's word on it (see ``Store.stall_clock``); a job list and a
        result do not carry progress.
        """
        gens = []
        for job_id, update in updates:
            row = self.store.get(job_id)
            merged: dict[str, Any] = dict(row.raw) if row is not None else {}
            logs = update.get("logs")
            for key, value in update.items():
                if key not in ("logs", "logs_next_cursor"):
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
            if merged.get("status") == "FAILED" and job_id not in self._hydrated:
                self._unread_failures.add(job_id)
            gens.append(generation_from_v3(merged))
        return self.store.upsert(gens, self.clock(), confirms=confirms)

    async def _gather(self, jobs: Iterable[Any]) -> None:
        """Run requests ``CONCURRENCY`` at a time; all finish, then the first error is raised."""
        gate = asyncio.Semaphore(CONCURRENCY)
        pending = list(jobs)

        async def run(job: Any) -> None:
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

    async def _poll_status(self, job_id: str, report: CycleReport) -> None:
        status = await self.client.get_job_status(job_id, self._logs_after.get(job_id))
        report.changed |= self._merge([(job_id, status)])

    def hydrate_order(self) -> list[str]:
        """Whose details to read first: the highlighted job, the rows on screen, the jobs
        in flight, failures (so the errors view can group them), then the newest."""
        store = self.store
        todo: list[str] = []
        if self.focus is not None and self.focus in store.rows:
            todo.append(self.focus)
        todo += self.visible
        todo += store.in_flight_ids()
        failures = [i for i in self._unread_failures if i in store.rows]
        failures.sort(key=lambda i: store.index_of(i) or 0)  # newest first
        todo += failures
        todo += store.order[:FIRST_PAGE]
        return todo

    async def _hydrate(self, report: CycleReport) -> None:
        """Read ``GET /jobs/{id}`` for jobs whose prompt/result is not known yet."""
        store = self.store
        picked: list[str] = []
        seen: set[str] = set()
        for job_id in self.hydrate_order():
            row = store.get(job_id)
            if row is None or job_id in self._hydrated or job_id in seen:
                continue
            seen.add(job_id)
            if row.in_flight and job_id in self.streams:
                continue
            picked.append(job_id)
            if len(picked) >= HYDRATE_PER_CYCLE:
                break

        async def one(job_id: str) -> None:
            result = await self.client.get_job(job_id)
            self._hydrated.add(job_id)
            self._unread_failures.discard(job_id)
            # final: the result will not change; in flight: the prompt is known now, and the
            # status polls (or the stream) go on -- the result is read again when it ends
            report.changed |= self._merge([(job_id, result)], confirms=False)

        await self._gather(one(i) for i in picked)

    # -- streams ------------------------------------------------------------------------

    def wanted_streams(self) -> list[str]:
        """Jobs to follow live, most important first: highlighted, watched, newest in flight."""
        store = self.store
        in_flight = store.in_flight_ids()
        alive = set(in_flight)
        order: list[str] = []
        if self.focus in alive:
            order.append(self.focus)  # type: ignore[arg-type]
        order += [i for i in in_flight if i in store.watched and i not in order]
        order += [i for i in in_flight if i not in order]
        return [i for i in order if i not in self._gave_up][: self.max_streams]

    def manage_streams(self) -> None:
        """Start streams for the wanted jobs and stop the others (never more than the cap)."""
        if self.paused or self.max_streams <= 0:
            for task in self.streams.values():
                task.cancel()
            self.streams.clear()
            return
        wanted = set(self.wanted_streams())
        for job_id, task in list(self.streams.items()):
            if job_id not in wanted or task.done():
                task.cancel()
                del self.streams[job_id]
        for job_id in self.wanted_streams():
            if job_id not in self.streams and len(self.streams) < self.max_streams:
                self.streams[job_id] = asyncio.get_running_loop().create_task(
                    self._follow(job_id), name=f"stream {job_id}"
                )

    async def stop_streams(self) -> None:
        tasks = list(self.streams.values())
        self.streams.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _follow(self, job_id: str) -> None:
        """Follow one job's stream to its ``done`` frame, resuming after drops."""
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
                        self.stream_events += 1
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
                row = self.store.get(job_id)
                if row is not None and row.final:
                    await self._finish(job_id)
                    return
                base = (retry_ms or 1000) / 1000
                await asyncio.sleep(backoff_delay(failures - 1, base=base, cap=30.0))
        finally:
            self._open.discard(job_id)
            self.streams.pop(job_id, None)

    async def _finish(self, job_id: str) -> None:
        with contextlib.suppress(HedraError):
            result = await self.client.get_job(job_id)
            self._hydrated.add(job_id)
            self._unread_failures.discard(job_id)
            self._merge_and_notify(job_id, result, confirms=False)

    def _merge_and_notify(
        self, job_id: str, update: dict[str, Any], *, confirms: bool = True
    ) -> None:
        """Merge a frame outside a cycle and tell the UI (with the job if it just ended)."""
        row = self.store.get(job_id)
        was_in_flight = row is not None and row.in_flight
        changed = self._merge([(job_id, update)], confirms=confirms)
        row = self.store.get(job_id)
        finished = {job_id} if was_in_flight and row is not None and row.final else set()
        if changed and self.on_change is not None:
            self.on_change(changed, finished)
