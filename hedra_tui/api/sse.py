"""A server-sent events parser (the WHATWG event-stream format), fed line by line.

Comment lines (``: keep-alive``) are dropped, ``retry:`` updates the reconnection delay,
``id:`` sets the id to resume from, several ``data:`` lines join with newlines, and an
event is dispatched at a blank line. Nothing here parses ``data`` as JSON: the caller
switches on ``event`` first (v3's ``done`` frame carries the literal ``[STREAM_DONE]``).
"""

from __future__ import annotations

from dataclasses import dataclass

STREAM_DONE = "[STREAM_DONE]"


@dataclass(frozen=True)
class SSEEvent:
    event: str  # "message" when the frame names none
    data: str
    id: str | None  # this frame's own id line, if it had one


class SSEParser:
    """Turn lines into :class:`SSEEvent` objects; ``last_id`` and ``retry_ms`` persist."""

    def __init__(self, last_id: str | None = None) -> None:
        self.last_id = last_id
        self.retry_ms: int | None = None
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, line: str) -> SSEEvent | None:
        """One line without its line ending; returns an event when ``line`` ends one."""
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: keep-alive
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id":
            if "\0" not in value:
                self._id = value
                self.last_id = value
        elif field == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        event, data, ident = self._event, self._data, self._id
        self._event, self._data, self._id = "", [], None
        if not data and not event:
            return None
        return SSEEvent(event or "message", "\n".join(data), ident)
