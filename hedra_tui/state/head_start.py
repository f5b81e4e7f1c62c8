"""The first page of the list and the model list, asked for while the monitor is still
starting (importing Textual, building the App), so the first rows do not wait for a round
trip that begins only once the screen is up.

The requests run in a thread of their own, with a backend of their own (an httpx client
belongs to one event loop), and end there; the poller takes the answers on its first cycle
(:meth:`Poller._refresh_top`) when they answer its question, and asks again itself when
they do not: a failure here is never shown, the poller's own request reports it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime

from ..api.backend import Backend, Page
from ..api.models import AIModel
from .filters import ServerFilters

WAIT_AT_MOST = 5.0  # seconds the first cycle waits for an answer still on its way


class HeadStart:
    """``limit`` newest jobs under ``filters``, and the model list, read by a thread."""

    def __init__(
        self,
        make_backend: Callable[[], Backend],
        *,
        limit: int,
        filters: ServerFilters,
        clock: Callable[[], datetime],
    ) -> None:
        self.limit = limit
        self.filters = filters
        self._clock = clock
        self._make_backend = make_backend
        self._page: Page | None = None
        self._models: list[AIModel] | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hedra-head-start", daemon=True)

    def start(self) -> HeadStart:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._fetch())
        except Exception:
            pass  # the poller asks again, and reports what fails
        finally:
            self._done.set()

    async def _fetch(self) -> None:
        async with self._make_backend() as backend:
            if not backend.capabilities.server_filters:
                self.filters = ServerFilters()  # as the poller: the whole list is asked for
            params = self.filters.params(self._clock())
            if backend.capabilities.whole_pages:
                # the model names only label the rows: both at once, each kept if it came
                models, page = await asyncio.gather(
                    backend.list_models(),
                    backend.list_page(limit=self.limit, filters=params),
                    return_exceptions=True,
                )
                self._models = None if isinstance(models, BaseException) else models
                self._page = None if isinstance(page, BaseException) else page
            else:
                self._models = await backend.list_models()  # the page is read with them (v3)
                self._page = await backend.list_page(limit=self.limit, filters=params)

    async def _wait(self) -> None:
        if not self._done.is_set():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._done.wait, WAIT_AT_MOST)

    async def page(self, limit: int, filters: ServerFilters) -> Page | None:
        """The newest page, if it was read and answers this question; once."""
        await self._wait()
        page, self._page = self._page, None
        if page is None or limit != self.limit or filters != self.filters:
            return None
        return page

    async def models(self) -> list[AIModel] | None:
        """The model list, if it was read; once."""
        await self._wait()
        models, self._models = self._models, None
        return models
