"""A transport for a server that is still starting in this process (the demo simulator
building its world): requests wait for it instead of failing, then go through unchanged."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx

POLL = 0.05  # seconds between looks at the event while waiting (only during start-up)


class WaitForStart(httpx.AsyncBaseTransport):
    """Holds each request until ``ready`` is set, then sends it with ``inner``; if
    ``failure()`` then names a reason, the request fails as a connection error. The wait
    is not part of any request timeout, and quitting meanwhile cancels it."""

    def __init__(
        self,
        ready: threading.Event,
        failure: Callable[[], str | None] = lambda: None,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._ready = ready
        self._failure = failure
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        while not self._ready.is_set():
            await asyncio.sleep(POLL)
        reason = self._failure()
        if reason:
            raise httpx.ConnectError(reason, request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
