"""Failed generations grouped by (error type, reason_code), with counts and what to do.

Every loaded failure counts. A failure whose error is not known groups apart: on v3 its
details are read per job (``GET /jobs/{id}``) and may not be read yet; on v2 the server
sent none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..api.sanitize import display
from .derive import ErrorGroup, advice_for, error_group
from .store import Row, Store

PENDING_LABEL = "details not read yet"
NO_DETAILS_LABEL = "no error details"


@dataclass
class ErrorBucket:
    code: str | None  # raw ErrorCode (possibly unknown); None: the error is not known
    reason: str | None
    group: ErrorGroup
    count: int
    latest: Row  # the newest failure of this kind
    advice: str
    pending: bool = False  # the failures' details are still to be read (they will be)
    ids: list[str] = field(default_factory=list)  # the group's jobs, newest first

    @property
    def label(self) -> str:
        """The bucket's name: its error type (raw), or why it has none."""
        if self.code is not None:
            return self.code
        return PENDING_LABEL if self.pending else NO_DETAILS_LABEL

    @property
    def label_text(self) -> str:
        """The label, safe to display."""
        return display(self.label, max_len=30)

    @property
    def reason_text(self) -> str:
        """The reason code, safe to display ("" when none)."""
        return display(self.reason, max_len=40) if self.reason else ""

    @property
    def message_text(self) -> str:
        """The latest failure's message, safe to display ("" when none)."""
        gen = self.latest.gen
        message = gen.error.message if gen.error else (gen.error_message or "")
        return display(message, max_len=200) if message else ""


def error_buckets(
    store: Store, pending: Callable[[str], bool] = lambda _id: False
) -> list[ErrorBucket]:
    """Buckets of the loaded failures, largest first (ties: most recent first).

    ``pending(id)``: the job's details are not read yet (the poller's ``details_pending``).
    """
    buckets: dict[tuple[str | None, str | None, bool], ErrorBucket] = {}
    for row in store:  # newest first, so the first row seen is the latest example
        if row.status != "error":
            continue
        waiting = row.error_code is None and pending(row.id)
        key = (row.error_code, row.reason_code, waiting)
        bucket = buckets.get(key)
        if bucket is None:
            if row.error_code is None:
                group = ErrorGroup.UNKNOWN
                advice = "read in the next poll cycles" if waiting else "see the job's JSON"
            else:
                group = error_group(row.error_code) or ErrorGroup.UNKNOWN
                advice = advice_for(row.error_code, row.reason_code)
            buckets[key] = ErrorBucket(
                row.error_code, row.reason_code, group, 1, row, advice, waiting, [row.id]
            )
        else:
            bucket.count += 1
            bucket.ids.append(row.id)
    order = {id(b): i for i, b in enumerate(buckets.values())}
    return sorted(buckets.values(), key=lambda b: (-b.count, order[id(b)]))
