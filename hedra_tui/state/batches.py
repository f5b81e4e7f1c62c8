"""Batches (v2 ``batch_generation_id``: jobs started by one request): how far one has got.

A batch's size is the larger of its loaded jobs and the ``batch_size`` its jobs were asked
with, so a batch whose last jobs are not loaded yet is not taken for done.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.models import GenerationStatus
from .store import Store


@dataclass(frozen=True)
class BatchProgress:
    """One batch: its jobs, and how many have ended (completed, failed, or another end)."""

    batch_id: str
    total: int
    complete: int
    failed: int
    other: int  # ended with a status that is neither complete nor error

    @property
    def ended(self) -> int:
        return self.complete + self.failed + self.other

    @property
    def done(self) -> bool:
        return self.total > 0 and self.ended >= self.total


def batch_size(store: Store, batch_id: str) -> int:
    """How many jobs the batch has, as far as the monitor can tell (0: none loaded)."""
    members = store.batches.get(batch_id, set())
    asked = 0
    for gen_id in members:
        size = (store.rows[gen_id].gen.input or {}).get("batch_size")
        if isinstance(size, int) and not isinstance(size, bool) and 0 < size <= 1000:
            asked = max(asked, size)
    return max(len(members), asked)


def batch_progress(store: Store, batch_id: str) -> BatchProgress:
    complete = failed = other = 0
    for gen_id in store.batches.get(batch_id, ()):
        row = store.rows[gen_id]
        if row.in_flight:
            continue
        if row.status == GenerationStatus.COMPLETE:
            complete += 1
        elif row.status == GenerationStatus.ERROR:
            failed += 1
        elif row.final or row.status:
            other += 1  # an unknown status: not in flight, so it ended somehow
    return BatchProgress(batch_id, batch_size(store, batch_id), complete, failed, other)


def watched_progress(store: Store) -> list[BatchProgress]:
    """The watched batches, most jobs first (then by id, for a steady order)."""
    found = [batch_progress(store, b) for b in store.watched_batches]
    return sorted(found, key=lambda p: (-p.total, p.batch_id))
