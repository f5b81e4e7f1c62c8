"""A job's stored JSON back to a :class:`Generation`, whichever API version sent it; and
reading one value out of nested JSON."""

from __future__ import annotations

from typing import Any

from .models import Generation, parse_generation
from .v3.detect import is_v3_job


def parse_any(raw: Any) -> Generation:
    """A v2 generation or a v3 job, whichever ``raw`` is."""
    if is_v3_job(raw):
        from .v3.models import generation_from_v3  # loaded only where v3 jobs are

        return generation_from_v3(raw)
    return parse_generation(raw)


def dig(data: Any, path: tuple[str, ...]) -> Any:
    """``data[path[0]][path[1]]…``, or None where a step is not an object or has no such key."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
