"""How the poller keeps the store in step with each kind of backend (one strategy each).

A new backend whose list pages carry each job whole, with a batch read of jobs by id, needs
nothing here (:class:`PagedStrategy`); one that reads jobs one by one gets its own strategy,
registered in :func:`strategy_for`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...api.errors import ConfigError
from ...api.v3 import V3Client
from .base import Strategy
from .paged import PagedStrategy
from .v3 import V3Strategy

if TYPE_CHECKING:
    from ..poller import Poller

__all__ = ["PagedStrategy", "Strategy", "V3Strategy", "strategy_for"]


def strategy_for(poller: Poller) -> Strategy:
    """The strategy for the poller's backend."""
    backend = poller.backend
    if isinstance(backend, V3Client):
        return V3Strategy(poller, backend)
    if backend.capabilities.whole_pages and backend.capabilities.batch_status:
        return PagedStrategy(poller, backend)
    raise ConfigError(f"no poll strategy for the {backend.name} API")
