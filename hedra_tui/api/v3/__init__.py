"""The Hedra v3 API backend (``/v3``): jobs, status, lifecycle logs, live streams, balance.

Its names are imported on first use: a monitor on v2 never loads the v3 client or models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .detect import looks_like_v3_key

if TYPE_CHECKING:
    from .client import DEFAULT_V3_BASE_URL, JobPage, V3Client
    from .models import Job

__all__ = ["DEFAULT_V3_BASE_URL", "Job", "JobPage", "V3Client", "looks_like_v3_key"]
_LAZY = {
    "DEFAULT_V3_BASE_URL": "client",
    "JobPage": "client",
    "V3Client": "client",
    "Job": "models",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
