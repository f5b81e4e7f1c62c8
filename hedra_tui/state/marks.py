"""Marked jobs, and which jobs an action is for: the marked ones, the filtered list, or one.

Marks are ids, so they survive refreshes, sorting and filtering. A range mark (``v``) keeps
an anchor: the rows from the anchor to the cursor are marked on top of what was marked
before, as in vim's visual mode (moving back unmarks what the range no longer covers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .store import Store

Source = Literal["marked", "filtered", "selected", "none"]


@dataclass
class Marks:
    ids: set[str] = field(default_factory=set)
    anchor: str | None = None  # the row a range mark started on
    _base: frozenset[str] = frozenset()  # what was marked when the range started

    @property
    def ranging(self) -> bool:
        return self.anchor is not None

    def __contains__(self, gen_id: object) -> bool:
        return gen_id in self.ids

    def __len__(self) -> int:
        return len(self.ids)

    def toggle(self, gen_id: str) -> bool:
        """Mark or unmark one row; True when it is marked now."""
        if gen_id in self.ids:
            self.ids.discard(gen_id)
            return False
        self.ids.add(gen_id)
        return True

    def start_range(self, gen_id: str) -> None:
        self.anchor = gen_id
        self._base = frozenset(self.ids)
        self.ids.add(gen_id)

    def extend_range(self, ids: Sequence[str], anchor_at: int | None, cursor: int) -> None:
        """Mark the rows between the anchor (at ``anchor_at`` in ``ids``) and the cursor."""
        if self.anchor is None:
            return
        if anchor_at is None:  # the anchor left the list (a filter hid it): the range ends
            self.end_range()
            return
        low, high = sorted((anchor_at, cursor))
        self.ids = set(self._base)
        self.ids.update(ids[low : high + 1])

    def end_range(self) -> None:
        self.anchor = None
        self._base = frozenset()

    def clear(self) -> int:
        count = len(self.ids)
        self.ids.clear()
        self.end_range()
        return count

    def present(self, store: Store) -> list[str]:
        """The marked ids the store still holds, newest first (the store's order)."""
        if not self.ids:
            return []
        rows = store.rows
        return sorted((i for i in self.ids if i in rows), key=lambda i: store.index_of(i) or 0)


@dataclass(frozen=True)
class Targets:
    """The jobs an action is for, and how to say which."""

    ids: list[str]
    source: Source
    hidden: int = 0  # marked jobs the filter hides (they are acted on too)

    def describe(self) -> str:
        """``5 marked``, ``the filtered list (37)``, ``this job``: for dialogs and toasts."""
        n = len(self.ids)
        if self.source == "marked":
            hidden = f", {self.hidden:,} hidden by the filter" if self.hidden else ""
            return f"{n:,} marked{hidden}"
        if self.source == "filtered":
            return f"the filtered list ({n:,})"
        return "this job" if n else "nothing"


def targets(
    marks: Marks, store: Store, shown: Sequence[str], filtering: bool, cursor_id: str | None
) -> Targets:
    """Marked jobs if any; else the filtered list when a filter is on; else the cursor's job."""
    marked = marks.present(store)
    if marked:
        visible = set(shown) if filtering else None
        hidden = 0 if visible is None else sum(1 for i in marked if i not in visible)
        return Targets(marked, "marked", hidden)
    if filtering:
        return Targets(list(shown), "filtered")
    if cursor_id is not None and cursor_id in store.rows:
        return Targets([cursor_id], "selected")
    return Targets([], "none")
