"""What the monitor does while Textual and the App are still being imported: build its
backend, and ask for the first page of the list and the model list, so the first rows do
not wait for a round trip that begins only once the screen is up.

A thread builds the App's backend (an httpx client is bound to no event loop until it is
used: building one, ~50 ms of importing and of loading TLS certificates, need not hold up
the App) and then reads with a backend of its own, on a loop of its own. The poller takes
the answers on its first cycle when they answer its question, and asks again itself when
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
    """The App's backend, and the ``limit`` newest jobs under ``filters`` and the model
    list, from a thread started by :meth:`start`."""

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
        self._backend: Backend | None = None
        self._failure: Exception | None = None
        self._built = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hedra-head-start", daemon=True)

    def start(self) -> HeadStart:
        self._thread.start()
        return self

    def backend(self) -> Backend:
        """The App's backend (what building it raised, raised here)."""
        self._built.wait()
        if self._failure is not None:
            raise self._failure
        assert self._backend is not None
        return self._backend

    def _run(self) -> None:
        try:
            self._backend = self._make_backend()
        except Exception as exc:
            self._failure = exc
        finally:
            self._built.set()
        try:
            if self._failure is None:
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

    @property
    def done(self) -> bool:
        """The reads have ended (answered or not)."""
        return self._done.is_set()

    async def wait(self) -> None:
        """Until the reads have ended (at most ``WAIT_AT_MOST`` seconds)."""
        if not self._done.is_set():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._done.wait, WAIT_AT_MOST)

    def page(self, limit: int, filters: ServerFilters, *, keep: bool = False) -> Page | None:
        """The newest page, if it was read and answers this question; given once, unless
        ``keep``. None while the reads go on (see :meth:`wait`)."""
        page = self._page if self.done else None
        if page is None or limit != self.limit or filters != self.filters:
            return None
        if not keep:
            self._page = None
        return page

    def models(self) -> list[AIModel] | None:
        """The model list, if it was read; given once. None while the reads go on."""
        if not self.done:
            return None
        models, self._models = self._models, None
        return models
