"""What the poller tells its reader: a report per poll cycle, and the changes made between
cycles (live stream frames), gathered so that a reader sees them at most once per period.

The state layer never imports textual: the UI's worker reads these and posts them to the
App as messages (``ui/messages.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from ..api.errors import HedraError


@dataclass
class CycleReport:
    changed: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)  # went from in flight to final
    requests: int = 0
    error: HedraError | None = None
    balance_changed: bool = False


@dataclass(frozen=True)
class LiveChanges:
    """Jobs changed outside a poll cycle, and those of them that just ended."""

    changed: frozenset[str]
    finished: frozenset[str]


class ChangeFeed:
    """Changes made outside a cycle's report (stream frames: several a second per job; the
    first page of a first load, shown before the load ends), coalesced.

    Writers ``add``; one reader iterates :meth:`batches`, which yields at most once per
    ``every`` seconds, everything added since the last batch.
    """

    def __init__(self) -> None:
        self._changed: set[str] = set()
        self._finished: set[str] = set()
        self._event = asyncio.Event()

    def add(self, changed: Iterable[str], finished: Iterable[str] = ()) -> None:
        self._changed.update(changed)
        self._finished.update(finished)
        if self._changed:
            self._event.set()

    def take(self) -> LiveChanges:
        """Everything added since the last take (possibly nothing)."""
        out = LiveChanges(frozenset(self._changed), frozenset(self._finished))
        self._changed.clear()
        self._finished.clear()
        self._event.clear()
        return out

    async def batches(self, every: float = 1.0) -> AsyncIterator[LiveChanges]:
        loop = asyncio.get_running_loop()
        last = float("-inf")
        while True:
            await self._event.wait()
            rest = last + every - loop.time()
            if rest > 0:
                await asyncio.sleep(rest)
            last = loop.time()
            yield self.take()
