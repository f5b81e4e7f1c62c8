"""What the poller core asks of the backend-specific part of keeping the store in step."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from typing import TYPE_CHECKING

from ...api.models import Generation
from ..reports import CycleReport

if TYPE_CHECKING:
    from ..poller import Poller


class Strategy(ABC):
    """The part of a poll cycle that depends on the backend.

    The core (:class:`~hedra_tui.state.poller.Poller`) pages the list, reads the balance and
    keeps the health; a strategy says how a list page lands in the store, how the jobs in
    flight are brought up to date, and what runs between cycles (live streams). It reads
    the poller's public state (``store``, ``clock``, ``focus``, ``visible``, ``paused``).
    """

    # the list pages are read after the model list (it shapes the jobs read from them);
    # otherwise both are asked at once, and the names label the rows as they are drawn
    models_first = True

    def __init__(self, poller: Poller) -> None:
        self.poller = poller

    @abstractmethod
    def merge_page(self, items: list[Generation]) -> set[str]:
        """Fold the items of a list page into the store; the ids whose data changed."""

    async def merge_older(self, items: list[Generation]) -> set[str]:
        """Fold a page of history into the store (the same as :meth:`merge_page`; a
        strategy may build the rows off the event loop)."""
        return self.merge_page(items)

    @abstractmethod
    async def refresh_in_flight(self, fresh: set[str], report: CycleReport) -> None:
        """Bring the jobs in flight up to date (``fresh``: the ids the top page just held)."""

    def seeded(self, ids: set[str]) -> None:
        """These jobs were shown from the local history (a backend that reads details per
        job need not read those of ended jobs stored whole)."""
        return None

    def top_limit(self, size: int) -> int:
        """How many jobs to ask for on the newest page (``size``: the poller's choice)."""
        return size

    def wants_deeper(self, seen: set[str], items: list[Generation]) -> bool:
        """Once the top pages met what was known: should paging go on below ``items``
        (``seen``: every id the top pages held so far)? A backend without batch status
        reads the status of its jobs in flight from the newest pages."""
        return False

    def after_cycle(self) -> None:
        """At the end of a good cycle (start or stop live streams)."""
        return None  # nothing runs between cycles unless a strategy says so

    def follow(self) -> None:
        """The focus or the pause changed: follow the jobs that matter now."""
        return None

    async def close(self) -> None:
        """Stop whatever runs between cycles."""
        return None

    @property
    def streams(self) -> Collection[str]:
        """The jobs followed live now."""
        return ()

    @property
    def stream_events(self) -> int:
        """Frames received over live streams so far."""
        return 0

    def details_pending(self, job_id: str) -> bool:
        """The job's details are not read yet."""
        return False
