"""The local history: every generation/job seen, kept in SQLite between runs.

One database per API base URL and key, in the user data directory; the key itself is never
stored: a hash of the base URL and the key names the file. WAL mode, so several monitors can
share one file. Finished jobs never change, so they are written once (a v3 job once more
when its result is read); jobs in flight are written again as they move. Each row holds the
columns the list shows (plain text, as the server sent it) and the whole JSON the server
sent, so a person can query it with ``sqlite3`` (see the README for the schema and examples).

A file that is not a database, or not ours, is set aside under a new name (never deleted)
and a new one is started; the reason and both paths are reported, nothing crashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from ..api.models import FINAL_STATUSES, Generation
from .derive import error_code_of, model_id_of, parse_time, prompt_of

SCHEMA_VERSION = 1
APPLICATION_ID = 0x48545549  # "HTUI": this file is a hedra-tui history
BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            TEXT PRIMARY KEY,   -- the generation id (v2) or job id (v3)
    api           TEXT NOT NULL,      -- 'v2' or 'v3'
    created_at    TEXT,               -- as the server sent it (ISO 8601)
    created_ts    REAL,               -- the same as Unix seconds, for ranges and order
    status        TEXT,               -- queued, processing, finalizing, complete, error, ...
    final         INTEGER NOT NULL,   -- 1 once the job ended (then the row never changes)
    type          TEXT,               -- video, image, audio, voice, text, ...
    model_id      TEXT,
    model         TEXT,               -- the model's name when known
    prompt        TEXT,
    progress      REAL,               -- 0..1
    credits       INTEGER,            -- v2: credit_cost
    cost          REAL,               -- v3: money (see currency)
    currency      TEXT,
    error_code    TEXT,               -- the ErrorCode (UNKNOWN for a bare message)
    reason_code   TEXT,
    batch_id      TEXT,               -- v2: batch_generation_id (jobs started together)
    error_message TEXT,
    first_seen_at TEXT,               -- when a monitor first saw it (UTC, ISO 8601)
    last_seen_at  TEXT,               -- when a monitor last saw it change
    finished_at   TEXT,               -- when a monitor saw it end (NULL: ended unseen)
    raw           TEXT NOT NULL,      -- everything the server sent, JSON
    packed        BLOB                -- the same, compressed as the monitor keeps it in memory
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_ts DESC, id);
CREATE INDEX IF NOT EXISTS jobs_open ON jobs (final) WHERE final = 0;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

_COLUMNS = (
    "id", "api", "created_at", "created_ts", "status", "final", "type", "model_id", "model",
    "prompt", "progress", "credits", "cost", "currency", "error_code", "reason_code",
    "batch_id", "error_message", "first_seen_at", "last_seen_at", "finished_at", "raw", "packed",
)  # fmt: skip
# a job stored as ended is written again only with more of it; one in flight takes the newer
# state, and keeps when it was first seen (and when it was seen ending, once that is known)
_UPSERT = (
    f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(
        f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("id", "first_seen_at", "finished_at")
    )
    + ", finished_at = COALESCE(jobs.finished_at, excluded.finished_at)"
    # an ended job changes only when more of it is read (a v3 job's result and error come
    # after the list page that said it ended)
    + " WHERE jobs.final = 0 OR (jobs.status = excluded.status AND jobs.raw IS NOT excluded.raw)"
)


class HistoryError(Exception):
    """The history database cannot be used; ``message`` says why and where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobRecord:
    """One job as the history keeps it (the list's columns plus the raw JSON)."""

    id: str
    api: str
    created_at: str | None
    status: str
    final: bool
    type: str | None
    model_id: str | None
    model: str | None
    prompt: str | None
    progress: float | None
    credits: int | None
    cost: float | None
    currency: str | None
    error_code: str | None
    reason_code: str | None
    batch_id: str | None
    error_message: str | None
    finished_at: datetime | None  # when a monitor saw it end
    raw: Any
    raw_json: str | None = None  # ``raw`` already written as JSON text
    packed: bytes | None = None  # ``raw`` as the store keeps it (``store.pack``)

    @property
    def created_ts(self) -> float | None:
        return _ts(self.created_at)


_STORED = (
    "id", "created_ts", "created_at", "status", "final", "type", "model_id", "prompt",
    "progress", "credits", "cost", "currency", "error_code", "reason_code", "batch_id",
    "error_message", "packed",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A stored job as a start or an older page reads it back: the list's columns, and the
    compressed JSON (or, where none was stored, the JSON text)."""

    id: str
    created_ts: float | None
    created_at: str | None
    status: str | None
    final: int
    type: str | None
    model_id: str | None
    prompt: str | None
    progress: float | None
    credits: int | None
    cost: float | None
    currency: str | None
    error_code: str | None
    reason_code: str | None
    batch_id: str | None
    error_message: str | None
    packed: bytes | None
    raw: str | None


@dataclass(frozen=True)
class Opened:
    """What opening the history found: the database, and anything set aside on the way."""

    db: HistoryDB
    set_aside: Path | None = None  # a corrupt or foreign file, moved here
    reason: str = ""


def history_dir() -> Path:
    override = os.environ.get("HEDRA_TUI_DATA")
    base = (
        Path(override).expanduser() if override else Path(platformdirs.user_data_dir("hedra-tui"))
    )
    return base / "history"


def history_path(base_url: str, api_key: str, directory: Path | None = None) -> Path:
    """The file for this API base URL and key: named by a hash, the key never written."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{api_key}".encode()).hexdigest()[:24]
    return (directory or history_dir()) / f"{digest}.sqlite3"


def _ts(value: str | None) -> float | None:
    when = parse_time(value)
    return None if when is None else when.timestamp()


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z") if when else None


class HistoryDB:
    """The history file of one API base URL and key. Thread-safe: one connection, a lock."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str) -> Opened:
        """Open (or create) the history at ``path``. A file that is not a usable history of
        ours is moved aside (``<name>.corrupt-<time>`` or ``.foreign-<time>``) and a new one
        started; raises :class:`HistoryError` only when no database can be kept at all
        (e.g. the directory is not writable)."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create {path.parent}: {exc.strerror}") from None
        try:
            return Opened(cls._connect(path))
        except _Unusable as bad:
            aside = path.with_name(f"{path.name}.{bad.kind}-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                for suffix in ("", "-wal", "-shm"):
                    extra = Path(str(path) + suffix)
                    if extra.exists():
                        extra.rename(Path(str(aside) + suffix))
            except OSError as exc:
                raise HistoryError(
                    f"{path} is {bad.reason} and could not be moved aside: {exc.strerror}"
                ) from None
            try:
                return Opened(cls._connect(path), set_aside=aside, reason=bad.reason)
            except _Unusable as again:  # pragma: no cover - a fresh file should always work
                raise HistoryError(f"cannot start a history at {path}: {again.reason}") from None

    @classmethod
    def _connect(cls, path: Path) -> HistoryDB:
        try:
            conn = sqlite3.connect(
                path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # transactions are explicit
                check_same_thread=False,  # writes may come from a worker thread (under the lock)
            )
        except sqlite3.Error as exc:
            raise _Unusable("corrupt", f"not readable ({exc})") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
                conn.close()
                raise _Unusable("foreign", "not a hedra-tui history (another program's file)")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable enough, much faster
            if app_id == 0:
                conn.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA application_id = {APPLICATION_ID}; "
                    f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                raise _Unusable("foreign", f"written by a newer hedra-tui (schema {version})")
            conn.execute("SELECT count(*) FROM jobs WHERE rowid < 0").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _Unusable("corrupt", f"damaged ({exc})") from None
        return cls(path, conn)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -------------------------------------------------------------------------

    def save(self, records: Iterable[JobRecord], now: datetime) -> int:
        """Store these jobs (one transaction); ended ones already stored are left alone
        unless more of them was read (a v3 result).
        Returns how many rows were offered."""
        stamp = _iso(now)
        rows = [
            (
                r.id,
                r.api,
                r.created_at,
                r.created_ts,
                r.status,
                int(r.final),
                r.type,
                r.model_id,
                r.model,
                r.prompt,
                r.progress,
                r.credits,
                r.cost,
                r.currency,
                r.error_code,
                r.reason_code,
                r.batch_id,
                r.error_message,
                stamp,
                stamp,
                _iso(r.finished_at),
                r.raw_json if r.raw_json is not None else json.dumps(r.raw, ensure_ascii=False),
                r.packed,
            )
            for r in records
        ]
        if not rows:
            return 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(_UPSERT, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return len(rows)

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM jobs").fetchone()[0])

    def newest(self, limit: int, before: float | None = None) -> list[Any]:
        """The raw JSON of up to ``limit`` jobs, newest first (created before ``before``)."""
        sql = "SELECT raw FROM jobs"
        args: list[Any] = []
        if before is not None:
            sql += " WHERE created_ts < ?"
            args.append(before)
        sql += " ORDER BY created_ts DESC, id LIMIT ?"
        args.append(limit)
        with self._lock:
            return [json.loads(r[0]) for r in self._db.execute(sql, args)]

    def iter_raw(self, batch: int = 1000) -> Iterator[list[Any]]:
        """Every job's raw JSON, newest first, in batches."""
        before: float | None = None
        seen_ids: set[str] = set()
        while True:
            sql = "SELECT id, raw, created_ts FROM jobs"
            args: list[Any] = []
            if before is not None:
                sql += " WHERE created_ts <= ?"
                args.append(before)
            sql += " ORDER BY created_ts DESC, id LIMIT ?"
            args.append(batch + len(seen_ids))
            with self._lock:
                rows = self._db.execute(sql, args).fetchall()
            fresh = [(i, raw, ts) for i, raw, ts in rows if i not in seen_ids]
            if not fresh:
                return
            yield [json.loads(raw) for _, raw, _ in fresh]
            before = fresh[-1][2]
            if before is None:
                return
            seen_ids = {i for i, _, ts in fresh if ts == before}

    def stored_page(
        self,
        after: tuple[float, str] | None,
        low: float | None,
        limit: int,
        high: float | None = None,
    ) -> list[StoredJob]:
        """Up to ``limit`` jobs in the list's order (newest first, ties by id) after the key
        ``after``, created from ``low`` to ``high``; jobs with no readable creation time are
        left out. The raw JSON text is read only where no compressed copy is stored."""
        sql = (
            f"SELECT {', '.join(_STORED)}, CASE WHEN packed IS NULL THEN raw END FROM jobs"
            " WHERE created_ts IS NOT NULL"
        )
        args: list[Any] = []
        if high is not None:
            sql += " AND created_ts <= ?"
            args.append(high)
        if after is not None:
            sql += " AND (created_ts < ? OR (created_ts = ? AND id > ?))"
            args += [after[0], after[0], after[1]]
        if low is not None:
            sql += " AND created_ts >= ?"
            args.append(low)
        sql += " ORDER BY created_ts DESC, id LIMIT ?"
        args.append(limit)
        with self._lock:
            return [StoredJob(*row) for row in self._db.execute(sql, args)]

    def stored_jobs(self, ids: Sequence[str]) -> list[StoredJob]:
        """These stored jobs (those that are stored), in no particular order."""
        out: list[StoredJob] = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            sql = (
                f"SELECT {', '.join(_STORED)}, CASE WHEN packed IS NULL THEN raw END FROM jobs"
                f" WHERE id IN ({', '.join('?' for _ in chunk)})"
            )
            with self._lock:
                out += [StoredJob(*row) for row in self._db.execute(sql, chunk)]
        return out

    def job(self, job_id: str) -> tuple[float | None, str] | None:
        """One stored job: (created_ts, raw JSON text), or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT created_ts, raw FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return None if row is None else (row[0], str(row[1]))

    def newest_created(self) -> float | None:
        """When the newest stored job was created."""
        with self._lock:
            row = self._db.execute("SELECT max(created_ts) FROM jobs").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def newest_final_created(self) -> float | None:
        """When the newest ended job was created (the API is asked only for what is newer,
        or not yet ended)."""
        with self._lock:
            row = self._db.execute("SELECT max(created_ts) FROM jobs WHERE final = 1").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def unfinished(self) -> list[str]:
        """Ids stored while in flight (their ends are still to be seen)."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM jobs WHERE final = 0")]

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A read-only query (the stats use it)."""
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def vacuum(self) -> None:
        with self._lock:
            self._db.execute("VACUUM")


def record_of(
    gen: Generation,
    api: str,
    model: str | None,
    finished_at: datetime | None,
    *,
    raw_json: str | None = None,
    packed: bytes | None = None,
) -> JobRecord:
    """The history's row for a generation/job, from what the server sent (raw values: the
    database is read by people and scripts, not drawn to a terminal)."""
    raw = gen.raw
    status = gen.status or ""
    cost = raw.get("cost") if isinstance(raw, dict) else None
    currency = raw.get("currency") if isinstance(raw, dict) else None
    return JobRecord(
        id=gen.id,
        api=api,
        created_at=gen.created_at,
        status=status,
        final=status in FINAL_STATUSES,
        type=gen.type,
        model_id=model_id_of(gen),
        model=model,
        prompt=prompt_of(gen) or None,
        progress=gen.progress if gen.progress == gen.progress else None,
        credits=gen.credit_cost,
        cost=float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
        currency=currency if isinstance(currency, str) else None,
        error_code=error_code_of(gen),
        reason_code=gen.error.reason_code if gen.error is not None else None,
        batch_id=gen.batch_generation_id or None,
        error_message=(gen.error.message if gen.error is not None else gen.error_message) or None,
        finished_at=finished_at,
        raw=raw,
        raw_json=raw_json,
        packed=packed,
    )


class _Unusable(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
