"""A server-sent events reader (the WHATWG event-stream format): bytes to lines, lines to events.

:func:`sse_lines` decodes the stream as UTF-8 (a leading BOM dropped) and ends lines only at
CR, LF or CRLF, so a U+2028 inside a JSON string stays in its line. :class:`SSEParser` drops
comment lines (``: keep-alive``), takes ``retry:`` only when it is ASCII digits, sets the
``id:`` to resume from, joins several ``data:`` lines with newlines, and dispatches an event
at a blank line. Nothing here parses ``data`` as JSON: the caller switches on ``event`` first
(v3's ``done`` frame carries the literal ``[STREAM_DONE]``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

STREAM_DONE = "[STREAM_DONE]"
# A longer reconnection time is a server bug; the cap also keeps int() away from numbers
# too long for it (more than 4,300 digits raise ValueError)
RETRY_MAX_MS = 24 * 3600 * 1000

_LINE_END = re.compile(r"\r\n|\r|\n")


class LineSplitter:
    """Text chunks to lines, split only at CR, LF or CRLF (``str.splitlines`` also splits at
    U+2028, U+2029, U+0085, U+001C-001E, VT and FF, which SSE keeps inside a line).

    A CRLF may arrive cut between two chunks: a CR that ends a chunk ends the line at once,
    and a LF that opens the next chunk is then part of that same line end.
    """

    def __init__(self) -> None:
        self._partial: list[str] = []  # the current line's text so far
        self._after_cr = False

    def feed(self, text: str) -> list[str]:
        """The lines ``text`` completes, without their line ends."""
        if not text:
            return []
        if self._after_cr and text[0] == "\n":
            text = text[1:]  # the LF of a CRLF whose CR ended the last chunk
            if not text:
                self._after_cr = False
                return []
        lines: list[str] = []
        start = 0
        for match in _LINE_END.finditer(text):
            self._partial.append(text[start : match.start()])
            lines.append("".join(self._partial))
            self._partial = []
            start = match.end()
        if start < len(text):
            self._partial.append(text[start:])
        self._after_cr = text[-1] == "\r"
        return lines


async def sse_lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """The lines of an event stream given as byte chunks: always UTF-8 (invalid bytes become
    U+FFFD), one leading BOM dropped, a character or a CRLF cut between chunks put together.
    A last line the stream does not end is dropped (its frame could not be complete)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    splitter = LineSplitter()
    async for chunk in chunks:
        for line in splitter.feed(decoder.decode(chunk)):
            yield line
    for line in splitter.feed(decoder.decode(b"", final=True)):
        yield line


@dataclass(frozen=True)
class SSEEvent:
    event: str  # "message" when the frame names none
    data: str
    id: str | None  # this frame's own id line, if it had one


class SSEParser:
    """Turn lines into :class:`SSEEvent` objects; ``last_id`` and ``retry_ms`` persist.

    Any line is survivable: a field it does not know, or a value it cannot use, is ignored.
    """

    @staticmethod
    def lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
        """The stream's lines to :meth:`feed`, from its bytes (:func:`sse_lines`)."""
        return sse_lines(chunks)

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
        elif field == "retry" and value.isascii() and value.isdigit():
            # only ASCII digits set it ("²" and "٣" are digits to isdigit(), not to SSE)
            digits = value.lstrip("0") or "0"
            self.retry_ms = RETRY_MAX_MS if len(digits) > 9 else min(int(digits), RETRY_MAX_MS)
        return None

    def _dispatch(self) -> SSEEvent | None:
        event, data, ident = self._event, self._data, self._id
        self._event, self._data, self._id = "", [], None
        if not data and not event:
            return None
        return SSEEvent(event or "message", "\n".join(data), ident)
