"""Server-side filters of ``GET /generations`` as one typed value: read from what a person
typed (dialog, flags, config), sent with times resolved at each request, checked against
loaded rows on this side, and described in a few words for the list's title."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from ..api.backend import ListFilters
from ..api.sanitize import display
from ..api.v2 import IDS_PER_REQUEST
from .store import Row, unpack
from .timespec import TimeSpec, read_timespec

FIELDS = ("type", "created_after", "created_before", "prompt_query", "agent_thread_id", "ids")


class FilterError(ValueError):
    """A filter value that cannot be read; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ServerFilters:
    """What the API is asked for. Times stay as typed (``3d`` keeps rolling)."""

    type: str | None = None
    created_after: TimeSpec | None = None
    created_before: TimeSpec | None = None
    prompt_query: str | None = None
    agent_thread_id: str | None = None
    ids: tuple[str, ...] = ()

    @classmethod
    def parse(cls, values: Mapping[str, str | None]) -> ServerFilters:
        """Filters from text by field name (blank means unset); raises :class:`FilterError`."""
        unknown = sorted(set(values) - set(FIELDS))
        if unknown:
            raise FilterError(unknown[0], f"unknown filter; known: {', '.join(FIELDS)}")
        text = {k: (v or "").strip() for k, v in values.items()}
        times: dict[str, TimeSpec | None] = {}
        for name in ("created_after", "created_before"):
            try:
                times[name] = read_timespec(text[name]) if text.get(name) else None
            except ValueError as exc:
                raise FilterError(name, str(exc)) from None
        ids = tuple(dict.fromkeys(p.strip() for p in text.get("ids", "").split(",") if p.strip()))
        if len(ids) > IDS_PER_REQUEST:
            raise FilterError("ids", f"at most {IDS_PER_REQUEST} ids, got {len(ids)}")
        return cls(
            type=text.get("type") or None,
            created_after=times["created_after"],
            created_before=times["created_before"],
            prompt_query=text.get("prompt_query") or None,
            agent_thread_id=text.get("agent_thread_id") or None,
            ids=ids,
        )

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def texts(self) -> dict[str, str]:
        """Each set filter as a person typed it (``3d`` stays ``3d``), for the dialog."""
        out: dict[str, str] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if not value:
                continue
            out[name] = ",".join(value) if name == "ids" else getattr(value, "text", value)
        return out

    def params(self, now: datetime) -> ListFilters:
        """The filters of one request, relative times resolved at ``now``."""
        return ListFilters(
            type=self.type or None,
            created_after=self.created_after.resolve(now) if self.created_after else None,
            created_before=self.created_before.resolve(now) if self.created_before else None,
            prompt_query=self.prompt_query or None,
            agent_thread_id=self.agent_thread_id or None,
            ids=self.ids,
        )

    def matcher(self, now: datetime) -> Callable[[Row], bool]:
        """A check of loaded rows, as close to the API's as this side can tell: type (the
        generation's or its input's), time, prompt text (case-insensitive), agent thread,
        ids. A row without a readable creation time never matches a time filter."""
        kind = self.type
        after = self.created_after.resolve(now) if self.created_after else None
        before = self.created_before.resolve(now) if self.created_before else None
        needle = self.prompt_query.lower() if self.prompt_query else None
        thread = self.agent_thread_id
        ids = frozenset(self.ids)

        def match(row: Row) -> bool:
            if ids and row.id not in ids:
                return False
            if after is not None and (row.created is None or row.created < after):
                return False
            if before is not None and (row.created is None or row.created > before):
                return False
            if needle is not None and needle not in row.prompt_text.lower():
                return False
            if kind is None and thread is None:
                return True
            raw = None
            if kind is not None and row.type_text != kind:
                raw = _input(row)
                if raw.get("type") != kind:
                    return False
            if thread is not None:
                raw = _input(row) if raw is None else raw
                if raw.get("agent_thread_id") != thread:
                    return False
            return True

        return match

    def matches(self, row: Row, now: datetime) -> bool:
        return self.matcher(now)(row)

    def describe(self) -> str:
        """A few words a person reads, safe to display: ``video · since 3d ago · "fox"``."""
        parts: list[str] = []
        if self.type:
            parts.append(display(self.type, max_len=20))
        if self.created_after is not None:
            parts.append("since " + display(self.created_after.describe(), max_len=30))
        if self.created_before is not None:
            parts.append("before " + display(self.created_before.describe(), max_len=30))
        if self.prompt_query:
            parts.append(f'"{display(self.prompt_query, max_len=30)}"')
        if self.agent_thread_id:
            parts.append("thread " + display(self.agent_thread_id, max_len=9))
        if self.ids:
            parts.append(
                "id " + display(self.ids[0], max_len=13)
                if len(self.ids) == 1
                else f"{len(self.ids)} ids"
            )
        return " · ".join(parts)


def _input(row: Row) -> dict[str, Any]:
    """The generation's ``input`` object, read from the row's raw JSON."""
    raw = unpack(row.blob)
    value = raw.get("input") if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else {}
