"""Whole jobs by the page (v2): every list item is the whole job, and the jobs in flight are
read back in batches through the list's ``ids`` filter (one request per 100)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ...api.backend import Backend
from ...api.models import Generation
from ..reports import CycleReport
from .base import Strategy

if TYPE_CHECKING:
    from ..poller import Poller

MISSING_POLLS_LIMIT = 3  # a job in flight the API stops returning is dropped from polling


class PagedStrategy(Strategy):
    """For a backend whose pages carry every job whole, with batch status."""

    models_first = False  # a job's model is its id; the names only label it on screen

    def __init__(self, poller: Poller, backend: Backend) -> None:
        super().__init__(poller)
        self.backend = backend

    def merge_page(self, items: list[Generation]) -> set[str]:
        return self.poller.store.upsert(items, self.poller.clock())

    async def merge_older(self, items: list[Generation]) -> set[str]:
        """History is mostly new rows: they are built in a worker thread (the event loop
        stays free for keys and the next page's request) and put in here."""
        poller, store = self.poller, self.poller.store
        now, epoch = poller.clock(), poller.epoch
        fresh: list[Generation] = []
        known: list[Generation] = []
        for gen in items:
            (known if gen.id in store.rows else fresh).append(gen)
        rows = await asyncio.to_thread(store.prepare, fresh, now) if fresh else []
        poller.check_epoch(epoch)  # new filters meanwhile: this page answers the old ones
        changed = store.upsert(known, now) if known else set()
        return changed | store.add_prepared(fresh, rows, now)

    async def refresh_in_flight(self, fresh: set[str], report: CycleReport) -> None:
        """Jobs in flight the top page did not return, read back by id in batches."""
        poller, store = self.poller, self.poller.store
        stale = [i for i in store.in_flight_ids() if i not in fresh]
        if not stale:
            return
        epoch = poller.epoch
        got = await self.backend.refresh(stale)
        poller.check_epoch(epoch)
        report.changed |= store.upsert(got, poller.clock())
        returned = {g.id for g in got}
        for gen_id in stale:
            if gen_id not in returned:
                row = store.get(gen_id)
                if row is not None:
                    row.missing_polls += 1
                    if row.missing_polls >= MISSING_POLLS_LIMIT:
                        store.forget_in_flight(gen_id)
