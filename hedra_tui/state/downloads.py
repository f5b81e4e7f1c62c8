"""The download queue: many assets fetched a few at a time, retried, counted and cancellable.

Pure asyncio over ``api.download`` (no textual): the App runs :meth:`DownloadQueue.run` in a
worker and redraws from :meth:`DownloadQueue.summary` when ``on_change`` says something
moved. Files already in the folder are skipped when planned; a 5xx, a 429 or a timeout is
retried with the API layer's backoff; anything else fails that file only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..api.download import download
from ..api.errors import APIStatusError, HedraError
from ..api.retry import backoff_delay
from ..api.sanitize import display
from .naming import NameFacts, file_name

ItemState = Literal["waiting", "active", "retrying", "done", "failed", "cancelled"]
DEFAULT_CONCURRENCY = 3
DEFAULT_RETRIES = 3


@dataclass
class DownloadItem:
    """One file: where from, where to, and how far it got."""

    gen_id: str
    url: str
    dest: Path
    overwrite: bool = False
    state: ItemState = "waiting"
    received: int = 0
    total: int | None = None
    attempts: int = 0
    error: str = ""  # safe text: why it failed, or why the last attempt did

    @property
    def name(self) -> str:
        return self.dest.name

    @property
    def fraction(self) -> float:
        if self.state == "done":
            return 1.0
        if self.total:
            return min(self.received / self.total, 1.0)
        return 0.0


@dataclass
class Plan:
    """What a request to download some jobs comes to, before anything is fetched."""

    items: list[DownloadItem] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # already in the folder
    queued_already: int = 0  # the same file is in the queue now
    no_asset: int = 0  # jobs with nothing to download (in flight, failed, text)


@dataclass(frozen=True)
class Summary:
    """The queue at a glance, for the downloads panel and the final toast."""

    total: int
    done: int
    failed: int
    cancelled: int
    waiting: int
    active: tuple[DownloadItem, ...]
    fraction: float  # of all files, the active ones counted by their bytes
    bytes_done: int

    @property
    def finished(self) -> bool:
        return not self.active and not self.waiting


def plan(
    jobs: Iterable[tuple[NameFacts, str | None]],
    folder: Path,
    template: str,
    *,
    overwrite: bool = False,
    queued: Iterable[Path] = (),
) -> Plan:
    """Names and destinations for ``jobs`` (facts and asset URL, None without one)."""
    out = Plan()
    busy = {p.resolve() for p in queued}
    taken: set[str] = set()
    for facts, url in jobs:
        if not url:
            out.no_asset += 1
            continue
        name = file_name(template, facts)
        if name in taken:  # a template without the id can name two jobs alike
            stem, dot, ext = name.rpartition(".")
            stem, ext = (stem, ext) if dot else (name, "")
            n = 2
            while (candidate := f"{stem}_{n}" + (f".{ext}" if ext else "")) in taken:
                n += 1
            name = candidate
        taken.add(name)
        dest = folder / name
        if dest.resolve() in busy:
            out.queued_already += 1
        elif dest.exists() and not overwrite:
            out.skipped.append(dest)
        else:
            out.items.append(DownloadItem(facts.id, url, dest, overwrite))
    return out


def _transient(exc: HedraError) -> bool:
    if isinstance(exc, APIStatusError):
        return exc.status_code >= 500 or exc.status_code in (408, 429)
    return exc.transient  # connection errors and timeouts


class DownloadQueue:
    """Fetches queued items, at most ``concurrency`` at once, each retried ``retries`` times."""

    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retries: int = DEFAULT_RETRIES,
        timeout: float = 30.0,
        delay: Callable[[int], float] = lambda attempt: backoff_delay(attempt),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.retries = max(0, retries)
        self.timeout = timeout
        self.delay = delay
        self.sleep = sleep
        self.on_change = on_change or (lambda: None)
        self.items: list[DownloadItem] = []
        self.running = False
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self.peak = 0  # the most files fetched at once (a check on the limit)

    # -- what is in it -------------------------------------------------------------------

    def add(self, items: Iterable[DownloadItem]) -> int:
        added = list(items)
        self.items.extend(added)
        if added:
            self.on_change()
        return len(added)

    def pending_paths(self) -> list[Path]:
        return [i.dest for i in self.items if i.state in ("waiting", "active", "retrying")]

    def summary(self) -> Summary:
        items = self.items
        active = tuple(i for i in items if i.state in ("active", "retrying"))
        counted = [i for i in items if i.state != "cancelled"]
        fraction = sum(i.fraction for i in counted) / len(counted) if counted else 1.0
        return Summary(
            total=len(items),
            done=sum(i.state == "done" for i in items),
            failed=sum(i.state == "failed" for i in items),
            cancelled=sum(i.state == "cancelled" for i in items),
            waiting=sum(i.state == "waiting" for i in items),
            active=active,
            fraction=fraction,
            bytes_done=sum(i.received for i in items if i.state == "done"),
        )

    def clear_finished(self) -> None:
        """Forget what ended, once its outcome was told (a new batch counts from zero)."""
        self.items = [i for i in self.items if i.state in ("waiting", "active", "retrying")]

    # -- running -------------------------------------------------------------------------

    def _next(self) -> DownloadItem | None:
        return next((i for i in self.items if i.state == "waiting"), None)

    async def run(self) -> Summary:
        """Fetch until nothing waits; items added meanwhile are picked up."""
        self.running = True
        try:
            await asyncio.gather(*(self._worker() for _ in range(self.concurrency)))
        finally:
            self.running = False
            self.on_change()
        return self.summary()

    async def _worker(self) -> None:
        while (item := self._next()) is not None:
            item.state = "active"
            self.peak = max(self.peak, sum(i.state == "active" for i in self.items))
            task = asyncio.create_task(self._fetch(item))
            self._tasks[id(item)] = task
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    task.cancel()
                    raise  # the queue itself is being stopped
                item.state = "cancelled"
            finally:
                self._tasks.pop(id(item), None)
            self.on_change()

    async def _fetch(self, item: DownloadItem) -> None:
        def progress(done: int, total: int | None) -> None:
            item.received, item.total = done, total
            self.on_change()

        while True:
            item.attempts += 1
            item.state = "active"
            item.received = 0
            if item.dest.exists() and not item.overwrite:
                item.state = "done"  # it arrived meanwhile (another run, another program)
                return
            try:
                await download(
                    item.url,
                    item.dest,
                    on_progress=progress,
                    timeout=self.timeout,
                )
            except HedraError as exc:
                item.error = display(exc.message, max_len=120)
                if not _transient(exc) or item.attempts > self.retries:
                    item.state = "failed"
                    return
                item.state = "retrying"
                self.on_change()
                await self.sleep(self.delay(item.attempts - 1))
                continue
            except OSError as exc:  # the folder cannot be written: no retry helps
                item.error = display(exc.strerror or str(exc), max_len=120)
                item.state = "failed"
                return
            item.state = "done"
            item.error = ""
            return

    def cancel(self) -> int:
        """Stop every waiting and running file; returns how many were stopped."""
        stopped = 0
        for item in self.items:
            if item.state == "waiting":
                item.state = "cancelled"
                stopped += 1
        for task in list(self._tasks.values()):
            task.cancel()
            stopped += 1
        self.on_change()
        return stopped
