"""What the monitor knows: generations by id, newest first, with display-ready facts.

Every API string is sanitized here, once, into the ``Row``; the raw JSON is kept, compact
and zlib-compressed, in ``row.blob`` and read back on demand (``row.raw`` for the tree, copy
and export; ``row.gen`` for the typed view, through a small cache). That is what keeps 100,000
generations in well under 300 MB: a parsed dict costs ~3.4 KB per generation and its pydantic
model ~4.6 KB more, the compressed blob ~0.5 KB. Rows carry a ``version`` that moves only when
the server's data for them changed, so views can cache rendered lines by it.
"""

from __future__ import annotations

import bisect
import json
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, KeysView
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, overload

from pydantic_core import PydanticSerializationError, to_json

from ..api.decode import parse_any
from ..api.models import (
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    AIModel,
    Generation,
    GenerationStatus,
    MalformedItem,
)
from ..api.sanitize import display

if TYPE_CHECKING:
    from .history import StoredJob
from .derive import (
    ErrorGroup,
    cost_from,
    cost_of,
    error_code_of,
    error_group,
    eta_deadline,
    model_id_of,
    parse_time,
    prompt_of,
)

PROMPT_DISPLAY_MAX = 400
MALFORMED_KEEP = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ERROR_MESSAGE_MAX = 300
ETA_JITTER = 3.0  # seconds a deadline may move between polls and still count as the same
GEN_CACHE = 256  # parsed generations kept for the rows being looked at
NEWS_FRESH = 30.0  # seconds: older news of a job's progress is shown with its time


@overload
def _i(value: str) -> str: ...
@overload
def _i(value: None) -> None: ...
@overload
def _i(value: str | None) -> str | None: ...
def _i(value: str | None) -> str | None:
    """Share the few distinct short values (statuses, types, codes) between rows."""
    return sys.intern(value) if value is not None and len(value) <= 64 else value


def pack(raw: Any) -> bytes:
    """The raw JSON, compact and compressed.

    pydantic-core's serializer writes it ~3x faster than ``json`` (UTF-8, NaN and infinities
    as ``json`` writes them); a lone surrogate, which UTF-8 cannot hold, takes ``json``'s
    ASCII escapes instead. Either reads back with :func:`unpack`.
    """
    try:
        text = to_json(raw, inf_nan_mode="constants")
    except PydanticSerializationError:
        text = json.dumps(raw, separators=(",", ":")).encode("ascii")
    return zlib.compress(text, 1)


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


@lru_cache(maxsize=GEN_CACHE)
def _decode(blob: bytes) -> Generation:
    return parse_any(unpack(blob))  # a v2 generation or a v3 job


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Row:
    """One generation as the views need it; strings are already safe to display."""

    id: str  # raw
    id_text: str  # safe (the same object as ``id`` unless the id needed cleaning)
    blob: bytes  # the raw JSON, see ``pack``
    version: int
    seen_at: datetime
    created: datetime | None
    status: str  # raw status ("" when absent)
    status_text: str  # safe
    type_text: str
    prompt_text: str
    model_key: str | None  # raw model id/slug from input
    progress: float
    eta_at: datetime | None
    credits: int | None
    cost: float | None  # credits (v2) or money (v3), for sorting
    cost_text: str  # "15" credits (v2) or "$0.12" (v3)
    error_code: str | None  # raw
    error_text: str  # safe code text
    error_message: str  # safe, bounded
    error_group: ErrorGroup | None
    reason_code: str | None
    progress_changed_at: datetime
    confirmed_at: datetime  # the API last told us this job's progress (moved or not)
    finished_at: datetime | None = None
    missing_polls: int = 0
    batch_id: str | None = None  # raw v2 batch_generation_id: jobs started together

    @property
    def raw(self) -> Any:
        """The JSON the server sent for this generation (a fresh copy)."""
        return unpack(self.blob)

    @property
    def gen(self) -> Generation:
        """The typed generation, parsed on demand (cached for recently used rows)."""
        return _decode(self.blob)

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT_STATUSES

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class Ending:
    """A job this session saw end: kept for the activity strip even when its row is not."""

    at: datetime
    complete: bool
    credits: int | None


def _clamped(progress: float | None) -> float:
    """Progress within 0..1 (none, or NaN: 0)."""
    if progress is None or progress != progress:
        return 0.0
    return max(0.0, min(float(progress), 1.0))


class _Shown(TypedDict):
    """A row's fields that are a job's values made fit to show (one place for both ways a
    row is made: from a job's JSON, and from the local history's columns)."""

    status: str
    status_text: str
    type_text: str
    prompt_text: str
    progress: float
    cost_text: str
    error_code: str | None
    error_text: str
    error_message: str
    error_group: ErrorGroup | None
    reason_code: str | None


def _shown(
    status: str | None,
    type_: str | None,
    prompt: str,
    progress: float | None,
    code: str | None,
    reason: str | None,
    message: str,
    cost_text: str,
) -> _Shown:
    status = _i(status or "")
    code, reason = _i(code), _i(reason)
    return {
        "status": status,
        "status_text": _i(display(status or "unknown", max_len=20)),
        "type_text": _i(display(type_ or "?", max_len=20)),
        "prompt_text": display(prompt, max_len=PROMPT_DISPLAY_MAX),
        "progress": 1.0 if status == GenerationStatus.COMPLETE else _clamped(progress),
        "cost_text": _i(cost_text) or "",
        "error_code": code,
        "error_text": _i(display(code or "", max_len=30)),
        "error_message": display(message, max_len=ERROR_MESSAGE_MAX) if message else "",
        "error_group": error_group(code, reason),
        "reason_code": reason,
    }


def _stored_row(job: StoredJob, now: datetime) -> Row:
    """The row of an ended job from its stored columns: what ``Store._make_row`` makes of the
    same job's JSON (tests/unit/test_store.py checks that they agree), without parsing it."""
    assert job.packed is not None
    cost, cost_text = cost_from(job.credits, job.cost, job.currency)
    return Row(
        id=job.id,
        id_text=display(job.id, max_len=64),
        blob=job.packed,
        version=0,
        seen_at=now,
        created=parse_time(job.created_at),
        model_key=_i(job.model_id),
        eta_at=None,
        credits=job.credits,
        cost=cost,
        progress_changed_at=now,
        confirmed_at=now,
        batch_id=_i(job.batch_id or None),
        **_shown(
            job.status,
            job.type,
            job.prompt or "",
            job.progress,
            job.error_code,
            job.reason_code,
            job.error_message or "",
            cost_text,
        ),
    )


def _steady_eta(old: Row | None, new: datetime | None) -> datetime | None:
    """Keep the deadline a row had when a poll moves it by under ``ETA_JITTER`` seconds: the
    server's whole-second ``eta_sec`` read at a new instant jitters, and every jitter would
    rewrite the countdown cells on screen."""
    if old is None or old.eta_at is None or new is None:
        return new
    return old.eta_at if abs((new - old.eta_at).total_seconds()) < ETA_JITTER else new


def _sort_key(row: Row) -> tuple[datetime, str]:
    return (row.created or _EPOCH, row.id)


@dataclass
class Store:
    """Generations newest first, plus the catalogue of models and the credit balance."""

    clock: Callable[[], datetime] = utcnow
    rows: dict[str, Row] = field(default_factory=dict)
    # ``order`` is newest first; ``_keys`` holds the negated sort keys, ascending, for bisect.
    order: list[str] = field(default_factory=list)
    _keys: list[tuple[float, str]] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)
    malformed: list[MalformedItem] = field(default_factory=list)
    watched: set[str] = field(default_factory=set)
    # batches followed as one (``w`` on a job of a batch): told once, when all have ended
    watched_batches: set[str] = field(default_factory=set)
    batches: dict[str, set[str]] = field(default_factory=dict)  # batch id -> loaded job ids
    exhausted: bool = False  # the whole history is loaded
    version: int = 0  # moves when the order (membership) changes
    _counts: Counter[str] = field(default_factory=Counter)
    _in_flight: set[str] = field(default_factory=set)
    # jobs seen going from in flight to final this session; unlike rows, these outlive a
    # change of server-side filters, so the activity strip keeps counting the whole session
    endings: dict[str, Ending] = field(default_factory=dict)
    # with a local history, the ids whose data changed since it was last written
    journaled: bool = False
    fresh: dict[str, Generation] = field(default_factory=dict)  # parsed, of the dirty rows
    ended_unseen: set[str] = field(default_factory=set)  # ended while no monitor was open
    dirty: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.order)

    def __iter__(self) -> Iterator[Row]:
        return (self.rows[i] for i in self.order)

    def get(self, gen_id: str) -> Row | None:
        return self.rows.get(gen_id)

    @property
    def finished_ids(self) -> KeysView[str]:
        """Ids of the jobs seen ending this session."""
        return self.endings.keys()

    def is_watched(self, row: Row) -> bool:
        """Watched itself, or one of a watched batch (both carry the list's star)."""
        return row.id in self.watched or (
            row.batch_id is not None and row.batch_id in self.watched_batches
        )

    def clear(self) -> None:
        """Forget every generation and ending; watched ids are kept."""
        self.rows.clear()
        self.order.clear()
        self._keys.clear()
        self._counts.clear()
        self._in_flight.clear()
        self.endings.clear()
        self.malformed.clear()
        self.fresh.clear()
        self.batches.clear()
        self.exhausted = False
        self.version += 1

    def retain(self, keep: Callable[[Row], bool]) -> int:
        """Keep only the rows ``keep`` accepts (new server-side filters); returns how many
        were dropped. Endings, models, malformed items and watched ids stay."""
        return self.drop([row.id for row in self.rows.values() if not keep(row)])

    def drop(self, ids: Iterable[str]) -> int:
        """Forget these generations' rows; returns how many there were."""
        gone = [row for i in ids if (row := self.rows.pop(i, None)) is not None]
        if not gone:
            return 0
        for row in gone:
            self._count(row, -1)
            self._index_batch(row, None)
        if len(gone) > len(self.order) // 8:
            # many at once: rebuild the order in one pass instead of one delete each
            pairs = [(k, i) for k, i in zip(self._keys, self.order, strict=True) if i in self.rows]
            self._keys[:] = [k for k, _ in pairs]
            self.order[:] = [i for _, i in pairs]  # in place: views hold this very list
            self.version += 1
        else:
            for row in gone:
                self._remove_order(row)
        return len(gone)

    def add_malformed(self, items: Iterable[MalformedItem]) -> None:
        """Remember items that could not be read (the most recent ones only: polling sees the
        same bad item every cycle, and a monitor left open must not grow without bound)."""
        for item in items:
            if item not in self.malformed:
                self.malformed.append(item)
        del self.malformed[:-MALFORMED_KEEP]

    def set_models(self, models: Iterable[AIModel]) -> None:
        for m in models:
            label = display(m.name or m.slug or m.id or "?", max_len=40)
            for key in (m.id, m.slug):
                if key:
                    self.models[key] = label

    def model_label(self, row: Row) -> str:
        if row.model_key is None:
            return ""
        return self.models.get(row.model_key) or display(row.model_key, max_len=40)

    def _make_row(
        self, gen: Generation, blob: bytes, now: datetime, old: Row | None, confirms: bool
    ) -> Row:
        message = gen.error.message if gen.error is not None else (gen.error_message or "")
        cost, cost_text = cost_of(gen)
        shown = _shown(
            gen.status,
            gen.type,
            prompt_of(gen),
            float(gen.progress),
            error_code_of(gen),
            gen.error.reason_code if gen.error is not None else None,
            message,
            cost_text,
        )
        status, progress = shown["status"], _clamped(gen.progress)
        changed_at = now
        confirmed_at = now
        finished_at = None
        if old is not None:
            if not confirms:
                confirmed_at = old.confirmed_at
            if abs(old.progress - progress) < 1e-9 and old.status == status:
                changed_at = old.progress_changed_at
            finished_at = old.finished_at
            if finished_at is None and old.in_flight and status in FINAL_STATUSES:
                finished_at = now
        return Row(
            id=gen.id,
            id_text=display(gen.id, max_len=64),
            blob=blob,
            version=(old.version + 1) if old else 0,
            seen_at=now,
            created=parse_time(gen.created_at),
            model_key=_i(model_id_of(gen)),
            eta_at=_steady_eta(old, eta_deadline(gen, now))
            if status in IN_FLIGHT_STATUSES
            else None,
            credits=gen.credit_cost,
            cost=cost,
            progress_changed_at=changed_at,
            confirmed_at=confirmed_at,
            finished_at=finished_at,
            batch_id=_i(gen.batch_generation_id or None),
            **shown,
        )

    def upsert(
        self, gens: Iterable[Generation], now: datetime | None = None, *, confirms: bool = True
    ) -> set[str]:
        """Add or update generations; returns the ids whose data changed (new ones included).

        ``confirms``: what the API sent carries each job's progress, so it confirms it as of
        ``now`` even when nothing changed (a v3 job list, which has no progress, does not).
        """
        now = now or self.clock()
        changed: set[str] = set()
        for gen in gens:
            blob = pack(gen.raw)
            old = self.rows.get(gen.id)
            if old is not None:
                old.missing_polls = 0
                if old.blob == blob:
                    if confirms:
                        old.confirmed_at = now
                    continue
            row = self._make_row(gen, blob, now, old, confirms)
            self._count(old, -1)
            self._count(row, +1)
            self._index_batch(old, row)
            if old is not None and _sort_key(old) != _sort_key(row):
                self._remove_order(old)
                old = None
            self.rows[gen.id] = row
            if row.finished_at is not None:
                self.endings[gen.id] = Ending(
                    row.finished_at, row.status == GenerationStatus.COMPLETE, row.credits
                )
            if old is None:
                self._insert_order(row)
            changed.add(gen.id)
            if self.journaled:
                self.fresh[gen.id] = gen  # the history writes it without parsing it again
        if self.journaled:
            self.dirty |= changed
        return changed

    def add_stored(self, jobs: Iterable[StoredJob], now: datetime) -> set[str]:
        """Add jobs read back from the local history; returns the ids added. Rows already
        here are left as they are (what the API said this session is newer). An ended job
        stored with its compressed JSON is built from the stored columns, without parsing
        its JSON (see ``_stored_row``); the others go through :meth:`upsert`."""
        added: set[str] = set()
        slow: list[Generation] = []
        for job in jobs:
            if job.id in self.rows:
                continue
            if job.final and job.packed is not None:
                row = _stored_row(job, now)
                self.rows[row.id] = row
                self._count(row, +1)
                self._index_batch(None, row)
                self._insert_order(row)
                added.add(row.id)
            else:
                raw = unpack(job.packed) if job.packed is not None else json.loads(job.raw or "{}")
                slow.append(parse_any(raw))
        if slow:
            added |= self.upsert(slow, now)
            self.dirty.difference_update(added)  # from disk: nothing to write back
            for gen_id in added:
                self.fresh.pop(gen_id, None)
        return added

    def prepare(self, gens: Iterable[Generation], now: datetime) -> list[Row]:
        """The rows of generations new to the store, built without touching it: safe in a
        worker thread (packing them is most of an upsert's work; zlib lets go of the GIL).
        :meth:`add_prepared` puts them in."""
        return [self._make_row(gen, pack(gen.raw), now, None, True) for gen in gens]

    def add_prepared(self, gens: list[Generation], rows: list[Row], now: datetime) -> set[str]:
        """Put in rows built by :meth:`prepare` for ``gens``; a generation the store knows by
        now (read again meanwhile, or twice in one page) goes through :meth:`upsert`, so the
        result is the same as ``upsert(gens, now)``."""
        changed: set[str] = set()
        for gen, row in zip(gens, rows, strict=True):
            if gen.id in self.rows:
                changed |= self.upsert([gen], now)
                continue
            self._count(row, +1)
            self._index_batch(None, row)
            self.rows[gen.id] = row
            self._insert_order(row)
            changed.add(gen.id)
            if self.journaled:
                self.fresh[gen.id] = gen
                self.dirty.add(gen.id)
        return changed

    def _index_batch(self, old: Row | None, new: Row | None) -> None:
        if old is not None and old.batch_id and (new is None or new.batch_id != old.batch_id):
            members = self.batches.get(old.batch_id)
            if members is not None:
                members.discard(old.id)
                if not members:
                    del self.batches[old.batch_id]
        if new is not None and new.batch_id:
            self.batches.setdefault(new.batch_id, set()).add(new.id)

    def _count(self, row: Row | None, delta: int) -> None:
        if row is None:
            return
        self._counts[row.status or "unknown"] += delta
        if delta > 0 and row.in_flight:
            self._in_flight.add(row.id)
        elif delta < 0:
            self._in_flight.discard(row.id)

    def confirm(self, ids: Iterable[str], now: datetime) -> None:
        """The API vouched for these jobs' progress as of ``now`` (e.g. their live stream is
        open and would have sent any change)."""
        for gen_id in ids:
            row = self.rows.get(gen_id)
            if row is not None:
                row.confirmed_at = max(row.confirmed_at, now)

    def forget_in_flight(self, gen_id: str) -> None:
        """Stop polling a job the server no longer returns (it keeps its last known state)."""
        self._in_flight.discard(gen_id)

    def _neg_key(self, row: Row) -> tuple[float, str]:
        created, ident = _sort_key(row)
        # newest first: negate the time; ties (same created_at) in id order
        return (-created.timestamp(), ident)

    def _insert_order(self, row: Row) -> None:
        key = self._neg_key(row)
        index = bisect.bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self.order.insert(index, row.id)
        self.version += 1

    def _remove_order(self, row: Row) -> None:
        key = self._neg_key(row)
        index = bisect.bisect_left(self._keys, key)
        if index < len(self.order) and self.order[index] == row.id:
            del self._keys[index]
            del self.order[index]
            self.version += 1

    def index_of(self, gen_id: str) -> int | None:
        row = self.rows.get(gen_id)
        if row is None:
            return None
        index = bisect.bisect_left(self._keys, self._neg_key(row))
        return index if index < len(self.order) and self.order[index] == gen_id else None

    @property
    def has_in_flight(self) -> bool:
        return bool(self._in_flight)

    def in_flight_ids(self) -> list[str]:
        """Ids still worth polling: in flight, newest first."""
        rows = self.rows
        return sorted(self._in_flight, key=lambda i: _sort_key(rows[i]), reverse=True)

    def counts(self) -> Counter[str]:
        """How many rows per status; unknown statuses count under their raw value."""
        return +self._counts

    @staticmethod
    def stall_clock(row: Row, now: datetime) -> datetime:
        """The time a stall is measured at: when the API last confirmed the job's progress.

        Not ``now``: while the API fails (or a job's progress cannot be read) nothing is
        known about progress, and a job is not stalled for lack of news. The stall clock
        stops there and goes on when the API answers again.
        """
        return min(now, row.confirmed_at)

    def no_progress_for(self, row: Row, now: datetime) -> float:
        """Seconds without progress, as far as the API has confirmed."""
        return max((self.stall_clock(row, now) - row.progress_changed_at).total_seconds(), 0.0)

    def is_stalled(self, row: Row, now: datetime, stall_after: float) -> bool:
        """In flight and, as of the API's last word on it, either no progress for
        ``stall_after`` s or its ETA passed that long ago."""
        if not row.in_flight:
            return False
        if self.no_progress_for(row, now) > stall_after:
            return True
        as_of = self.stall_clock(row, now)
        return row.eta_at is not None and (as_of - row.eta_at).total_seconds() > stall_after
