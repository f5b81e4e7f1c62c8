"""Telling v3 from v2 by the shape of a key or of a stored job, without loading v3's client
or models (a monitor on v2 never needs them)."""

from __future__ import annotations

from typing import Any


def looks_like_v3_key(key: str) -> bool:
    """v3 keys are ``<key_id>:<secret>``; v2 keys have no colon."""
    head, colon, tail = key.partition(":")
    return bool(colon and head and tail)


def is_v3_job(raw: Any) -> bool:
    """A v3 job's JSON (``job_id``), not a v2 generation's (``id``)."""
    return isinstance(raw, dict) and "job_id" in raw and "id" not in raw
