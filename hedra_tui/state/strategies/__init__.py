"""How the poller keeps the store in step with each kind of backend (one strategy each).

A new backend whose list pages carry each job whole, with a batch read of jobs by id, needs
nothing here (:class:`PagedStrategy`); one that reads jobs one by one gets its own strategy,
registered in :func:`strategy_for`. The v3 strategy (and the v3 client) is imported only
for a v3 backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...api.errors import ConfigError
from .base import Strategy
from .paged import PagedStrategy

if TYPE_CHECKING:
    from ..poller import Poller
    from .v3 import V3Strategy

__all__ = ["PagedStrategy", "Strategy", "V3Strategy", "strategy_for"]


def strategy_for(poller: Poller) -> Strategy:
    """The strategy for the poller's backend."""
    backend = poller.backend
    if backend.capabilities.whole_pages and backend.capabilities.batch_status:
        return PagedStrategy(poller, backend)
    from ...api.v3 import V3Client

    if isinstance(backend, V3Client):
        from .v3 import V3Strategy

        return V3Strategy(poller, backend)
    raise ConfigError(f"no poll strategy for the {backend.name} API")


def __getattr__(name: str) -> Any:
    if name == "V3Strategy":
        from .v3 import V3Strategy

        return V3Strategy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
