"""The poller's link to the local history (``history.py``): what a start shows before the
API answers, what each cycle writes, and the older pages read from disk instead of the API.

**The span.** The database holds every job a monitor saw, but only part of it is known to be
*whole*: every job created from ``span_low`` to ``span_high`` (``meta``; Unix seconds,
``span_low`` is ``all`` once a monitor loaded the whole history). A start shows the newest
jobs of the span at once; the first cycle pages down from the API's top until it meets one of
them (the catch-up: only what is newer than the span is asked for, plus the jobs stored in
flight), and from there the span holds again, up to the newest job. Older history comes from
disk, down to ``span_low``, and only then from the API. A catch-up that cannot meet the
stored jobs within ``CATCH_UP_PAGES`` pages starts a new span (the stored jobs stay in the
file). Only a session that sees the whole list vouches for a span: one under server-side
filters, or with a gap at its top not yet filled, writes rows but leaves the span alone.

**Since you last looked.** The jobs stored in flight that the catch-up finds ended, and the
new jobs it finds already ended, ended while no monitor watched: they are counted (completed,
failed) and kept in ``ended`` for the list to mark.

Writes go through a worker thread; a write that fails (disk full, a file locked for longer
than the busy timeout) is reported once and writing stops; nothing else breaks.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..api.models import GenerationStatus
from .history import HistoryDB, JobRecord, StoredJob, record_of
from .store import Row, Store

SEED_ROWS = 200  # rows shown from disk at start, before the API answers
SEED_IN_FLIGHT = 1000  # and the jobs stored in flight (their ends are to be seen), at most
DISK_PAGE = 2000  # rows a page from disk holds (a page from the API holds 100)
CATCH_UP_PAGES = 200  # pages the first cycle may read to meet the stored jobs (100 each)
ALL = "all"

Keep = Callable[[Row], bool]
Span = tuple[float, float]


@dataclass
class Ended:
    """Jobs that ended while no monitor was open, found by the catch-up."""

    since: datetime | None = None  # when a monitor last heard from the API
    completed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.completed) + len(self.failed)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self.completed or job_id in self.failed


def _ts(row: Row) -> float | None:
    return row.created.timestamp() if row.created is not None else None


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    if value == ALL:
        return -math.inf
    try:
        return float(value)
    except ValueError:
        return None


class Journal:
    """Seeds a :class:`Store` from a :class:`HistoryDB`, writes what changed, pages older
    history from disk."""

    def __init__(self, db: HistoryDB, api: str) -> None:
        self.db = db
        self.api = api
        self.error: str | None = None  # a write failed: said once, then writing stops
        self.seeded: set[str] = set()  # the ids shown from disk at start
        self.settled = False  # the catch-up is over (met the span, or started a new one)
        self.ended = Ended()
        low, high = _float(db.meta("span_low")), _float(db.meta("span_high"))
        if low is None or high is None or high < low:
            low = high = None
        self.span: tuple[float, float] | None = None if low is None else (low, high or 0.0)
        self._disk_after: tuple[float, str] | None = None  # where the next disk page starts
        self._disk_done = self.span is None  # no span: nothing to read from disk
        self._unfinished: set[str] = set()
        self._newest: float | None = None  # the newest stored job at start
        self._writing: asyncio.Future[None] | None = None

    @property
    def complete(self) -> bool:
        """The whole history is stored."""
        return self.span is not None and self.span[0] == -math.inf

    # -- start --------------------------------------------------------------------------

    def seed(self, store: Store, now: datetime, keep: Keep | None = None) -> set[str]:
        """Put the newest jobs of the span, and the jobs stored in flight, in the store
        (before the API answers); returns their ids."""
        seen = self.db.meta("last_seen_at")
        try:
            self.ended = Ended(datetime.fromisoformat(seen) if seen else None)
        except ValueError:
            self.ended = Ended()
        self._unfinished = set(self.db.unfinished())
        self._newest = self.db.newest_created()
        if self.span is None:
            self.settled = True  # nothing to meet: the first load starts a span
            return set()
        ids = self._load_page(store, now, SEED_ROWS, keep)
        low, high = self.span
        stored = [
            job
            for job in self.db.stored_jobs(sorted(self._unfinished)[:SEED_IN_FLIGHT])
            if job.created_ts is not None and low <= job.created_ts <= high
        ]
        ids |= self._merge(store, now, stored, keep)
        self.seeded = ids
        if not ids:
            self.settled = True
            self.span = None
            self._disk_done = True
        return ids

    def _load_page(self, store: Store, now: datetime, limit: int, keep: Keep | None) -> set[str]:
        assert self.span is not None
        low, high = self.span
        jobs = self.db.stored_page(
            self._disk_after, None if low == -math.inf else low, limit, high=high
        )
        if len(jobs) < limit:
            self._disk_done = True
        if jobs and jobs[-1].created_ts is not None:
            self._disk_after = (jobs[-1].created_ts, jobs[-1].id)
        return self._merge(store, now, jobs, keep)

    def _merge(
        self,
        store: Store,
        now: datetime,
        jobs: list[StoredJob],
        keep: Keep | None,
    ) -> set[str]:
        if not jobs:
            return set()
        # a job stored in flight is not known to be moving now: its stall clock starts
        # from when a monitor last heard the API
        changed = store.add_stored(jobs, self.ended.since or now)
        if keep is not None:
            unwanted = [i for i in changed if not keep(store.rows[i])]
            store.drop(unwanted)
            changed.difference_update(unwanted)
        return changed

    # -- older history ------------------------------------------------------------------

    @property
    def has_older(self) -> bool:
        """Older jobs of the span are still on disk (and the top met the span)."""
        return self.settled and not self._disk_done

    def load_older(
        self, store: Store, now: datetime, keep: Keep | None = None, limit: int = DISK_PAGE
    ) -> set[str]:
        """The next page of the span from disk; marks the store whole when the span is."""
        changed = self._load_page(store, now, limit, keep) if self.span is not None else set()
        if self._disk_done and self.complete:
            store.exhausted = True
        return changed

    # -- the catch-up -------------------------------------------------------------------

    def met(self, store: Store, finished: set[str]) -> None:
        """The API's top met the stored span: what is stored below it is whole. Jobs found
        ended that no monitor saw end go to ``ended`` (not to ``finished``: they did not end
        in this session)."""
        self.settled = True
        self._find_ended(store, finished)

    def lost(self, store: Store, finished: set[str]) -> None:
        """The catch-up did not meet the stored span: the jobs shown from disk go, and the
        session starts a span of its own (the file keeps them)."""
        self.settled = True
        store.drop([i for i in self.seeded if i in store.rows])
        self.seeded.clear()
        self.span = None
        self._disk_done = True
        self._find_ended(store, finished)

    def _find_ended(self, store: Store, finished: set[str]) -> None:
        if self.ended.since is None:
            return  # no monitor ran before: nothing ended "since"
        candidates = [i for i in self._unfinished if i in store.rows]
        newest = self._newest
        for row in store:  # newest first: the jobs newer than any stored
            ts = _ts(row)
            if ts is None or (newest is not None and ts <= newest):
                break
            candidates.append(row.id)
        for gen_id in candidates:
            row = store.rows[gen_id]
            if not row.final or (gen_id in store.endings and gen_id not in finished):
                continue  # still running, or seen ending by this session before
            finished.discard(gen_id)
            store.endings.pop(gen_id, None)
            row.finished_at = None  # it ended unseen
            store.dirty.add(gen_id)
            store.ended_unseen.add(gen_id)
            if row.status == GenerationStatus.COMPLETE:
                self.ended.completed.add(gen_id)
            else:
                self.ended.failed.add(gen_id)

    # -- writing ------------------------------------------------------------------------

    def _new_span(self, store: Store) -> tuple[float, float] | None:
        """The span the store vouches for now (the caller checked it is whole)."""
        rows = store.rows
        high = next((t for i in store.order if (t := _ts(rows[i])) is not None), None)
        low = next((t for i in reversed(store.order) if (t := _ts(rows[i])) is not None), None)
        if high is None or low is None:
            return self.span
        if store.exhausted:
            low = -math.inf
        if self.span is not None:
            low = min(low, self.span[0])
            high = max(high, self.span[1])
        return low, high

    def flush(self, store: Store, now: datetime, *, ok: bool, whole: bool) -> None:
        """Write the rows that changed since the last flush, in a worker thread, without
        waiting for it; ``ok``: the API answered this cycle; ``whole``: the store holds every
        job from its newest to its oldest (the catch-up met the span, no filters, no gap at
        the top). While a write is still going, the rows wait for the next flush."""
        if self.error is not None:
            store.dirty.clear()
            store.fresh.clear()
            return
        if self._writing is not None and not self._writing.done():
            return
        job = self._take(store, now, ok=ok, whole=whole)
        if job is None:
            return
        self._writing = asyncio.ensure_future(asyncio.to_thread(self._write, *job))
        self._writing.add_done_callback(self._written)

    def _take(
        self, store: Store, now: datetime, *, ok: bool, whole: bool
    ) -> tuple[list[JobRecord], Span | None, datetime | None] | None:
        ids = [i for i in store.dirty if i in store.rows]
        store.dirty.clear()
        # built here, on the event loop's thread: only the database's own work goes to the
        # worker (Python work there would contend for the interpreter with the screen)
        work = [self._record(store, store.rows[i]) for i in ids]
        store.fresh.clear()
        span = None
        if whole and self.settled and len(store):
            span = self._new_span(store)
            if span == self.span:
                span = None
            elif span is not None:
                self.span = span
        if not work and span is None and not ok:
            return None
        return work, span, now if ok else None

    def _record(self, store: Store, row: Row) -> JobRecord:
        gen = store.fresh.get(row.id)
        return record_of(
            gen if gen is not None else row.gen,
            self.api,
            store.model_label(row) or None,
            row.finished_at,
            raw_json=zlib.decompress(row.blob).decode("ascii"),
            packed=row.blob,
        )

    def _written(self, task: asyncio.Future[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, sqlite3.Error | OSError):
            self.error = f"The local history could not be written ({exc}); writing stopped."
        elif exc is not None:
            self.error = f"The local history could not be written ({exc!r}); writing stopped."

    async def aclose(self, store: Store, now: datetime, *, whole: bool) -> None:
        """The monitor closes: the last rows (and the span) are written, the time noted."""
        if self._writing is not None:
            with contextlib.suppress(Exception):
                await self._writing
        if self.error is None:
            job = self._take(store, now, ok=False, whole=whole)
            if job is not None:
                with contextlib.suppress(sqlite3.Error, OSError):
                    await asyncio.to_thread(self._write, *job)
        with contextlib.suppress(sqlite3.Error):
            self.db.set_meta("last_closed_at", now.astimezone(UTC).isoformat())

    def _write(
        self,
        records: list[JobRecord],
        span: Span | None,
        seen: datetime | None,
    ) -> None:
        self.db.save(records, seen or datetime.now(UTC))
        if span is not None:
            low, high = span
            self.db.set_meta("span_low", ALL if low == -math.inf else repr(low))
            self.db.set_meta("span_high", repr(high))
        if seen is not None:
            self.db.set_meta("last_seen_at", seen.astimezone(UTC).isoformat())
