"""What the list shows: the store filtered (text, statuses, type) and sorted, kept in step cheaply.

Pure Python: the UI asks for ``ids`` and re-asks only when the store's order or the view's
settings changed (``key``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .store import Row, Store

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

SORTS: tuple[str, ...] = (
    "created", "status", "progress", "eta", "credits", "type", "model", "error", "prompt", "id",
)  # fmt: skip
# sorts whose natural first direction is A to Z (the others start with the largest first)
ASCENDING_FIRST = frozenset({"type", "model", "error", "prompt", "id", "eta"})
_STATUS_RANK = {"queued": 0, "processing": 1, "finalizing": 2, "error": 3, "complete": 4}
_FAR = datetime.max.replace(tzinfo=UTC)
_EPOCH = datetime.min.replace(tzinfo=UTC)


def row_matches(row: Row, needle: str, model_label: str) -> bool:
    """Case-insensitive match over prompt, id, model, error type and error message."""
    haystack = " ".join(
        (row.prompt_text, row.id, model_label, row.error_text, row.error_message, row.type_text)
    )
    return needle in haystack.lower()


_SORT_KEYS: dict[str, Callable[[Row, Store], SupportsRichComparison]] = {
    "status": lambda r, _: (_STATUS_RANK.get(r.status, 5), r.status),
    "progress": lambda r, _: r.progress,
    "eta": lambda r, _: r.eta_at or _FAR,
    "credits": lambda r, _: r.cost if r.cost is not None else -1.0,
    "type": lambda r, _: r.type_text,
    "model": lambda r, s: s.model_label(r).lower(),
    "error": lambda r, _: (r.error_text, r.reason_code or ""),
    "prompt": lambda r, _: r.prompt_text.lower(),
    "id": lambda r, _: r.id,
}


@dataclass
class View:
    """Filter and sort settings over a store; ``ids()`` is the list to show."""

    store: Store
    text: str = ""
    statuses: set[str] = field(default_factory=set)  # empty: every status
    type: str | None = None
    # (error type, reason_code) from the errors view; (None, None): failures with no known error
    error: tuple[str | None, str | None] | None = None
    sort: str = "created"
    descending: bool = True
    _cache_key: tuple[object, ...] | None = None
    _cache: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """The list is not the store's own order: filtered, or sorted another way."""
        return self.filtering or self.sort != "created" or not self.descending

    def describe(self) -> str:
        """A few words for the header: what is filtered and how it is sorted."""
        parts = []
        if self.text:
            parts.append(f'"{self.text}"')
        if self.statuses:
            parts.append("+".join(sorted(self.statuses)))
        if self.type:
            parts.append(f"type={self.type}")
        if self.error:
            parts.append("error=" + ("/".join(p for p in self.error if p) or "not known"))
        if self.sort == "created":
            if not self.descending:
                parts.append("oldest first")
        else:  # ▼: the values shrink down the list, as the column title's arrow says
            parts.append(f"by {self.sort} {'▼' if self.descending else '▲'}")
        return " · ".join(parts)

    @property
    def filtering(self) -> bool:
        """Some rows are hidden (a sort alone hides none)."""
        return bool(self.text or self.statuses or self.type or self.error)

    def sort_by(self, key: str) -> None:
        """Sort by ``key``; the same key again turns the order around."""
        if key == self.sort:
            self.descending = not self.descending
        else:
            self.sort = key
            self.descending = key not in ASCENDING_FIRST

    def toggle_status(self, status: str) -> None:
        self.statuses ^= {status}

    def cycle_sort(self) -> None:
        key = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.sort = key
        self.descending = key not in ASCENDING_FIRST

    def key(self) -> tuple[object, ...]:
        return (
            self.store.version,
            self.text,
            frozenset(self.statuses),
            self.type,
            self.error,
            self.sort,
            self.descending,
        )

    def ids(self, *, changed: set[str] | None = None) -> list[str] | list[str]:
        """The ids to show, newest first unless sorted otherwise. With no filter and the
        default sort this is the store's own order (no copy)."""
        if not self.active:
            return self.store.order
        key = self.key()
        # a data change can move a row in or out of a filter, or along a sort
        if key == self._cache_key and not changed:
            return self._cache
        needle = self.text.lower()
        rows = (self.store.rows[i] for i in self.store.order)
        picked = [
            r
            for r in rows
            if (not self.statuses or (r.status or "unknown") in self.statuses)
            and (not self.type or r.type_text == self.type)
            and (not self.error or _error_matches(r, self.error))
            and (not needle or row_matches(r, needle, self.store.model_label(r)))
        ]
        if self.sort != "created":
            store = self.store
            sort_key = _SORT_KEYS[self.sort]
            picked.sort(key=lambda r: sort_key(r, store), reverse=self.descending)
        elif not self.descending:
            picked.reverse()
        self._cache_key = key
        self._cache = [r.id for r in picked]
        return self._cache


def _error_matches(row: Row, error: tuple[str | None, str | None]) -> bool:
    if error[0] is None:  # the failures whose error is not known (yet)
        return row.status == "error" and row.error_code is None
    return (row.error_code, row.reason_code) == error
