"""Failed generations grouped by (error type, reason_code), with counts and what to do."""

from __future__ import annotations

from dataclasses import dataclass

from .derive import ErrorGroup, advice_for, error_group
from .store import Row, Store


@dataclass
class ErrorBucket:
    code: str  # raw ErrorCode (possibly unknown)
    reason: str | None
    group: ErrorGroup
    count: int
    latest: Row  # the newest failure of this kind
    advice: str


def error_buckets(store: Store) -> list[ErrorBucket]:
    """Buckets of the loaded failures, largest first (ties: most recent first)."""
    buckets: dict[tuple[str, str | None], ErrorBucket] = {}
    for row in store:  # newest first, so the first row seen is the latest example
        if row.status != "error" or row.error_code is None:
            continue
        key = (row.error_code, row.reason_code)
        bucket = buckets.get(key)
        if bucket is None:
            group = error_group(row.error_code) or ErrorGroup.UNKNOWN
            buckets[key] = ErrorBucket(
                row.error_code, row.reason_code, group, 1, row, advice_for(*key)
            )
        else:
            bucket.count += 1
    order = {id(b): i for i, b in enumerate(buckets.values())}
    return sorted(buckets.values(), key=lambda b: (-b.count, order[id(b)]))
