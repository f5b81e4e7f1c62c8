"""Async client of the Hedra v2 API: one method per endpoint, a page iterator, batched refresh."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from .. import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    HedraError,
    NotFoundError,
    PayloadError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationFailedError,
)
from .models import (
    AIModel,
    CreditBalance,
    Generation,
    GenerationPage,
    GenerationStatusResponse,
    parse_generation_page,
    parse_list,
    parse_object,
)
from .retry import backoff_delay, parse_retry_after
from .sanitize import display
from .security import check_key_transport

DEFAULT_BASE_URL = "https://api.hedra.com/web-app/public"
MAX_PAGE_SIZE = 100
IDS_PER_REQUEST = 100
# Bodies larger than this are decoded and validated in a thread, off the event loop.
_BIG_BODY = 256 * 1024


@dataclass
class ClientStats:
    """What the client sent: every attempt counts, retries included."""

    requests: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    ids_requested: int = 0


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _detail(response: httpx.Response) -> str | None:
    """The server's own words about an error, made safe and short."""
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    if detail is None and isinstance(body, dict):
        detail = body.get("message") or body.get("error")
    if detail is None:
        return None
    if not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=True)
    return display(detail, max_len=200)


def _status_error(response: httpx.Response) -> APIStatusError:
    code = response.status_code
    detail = _detail(response)
    suffix = f": {detail}" if detail else ""
    if code == 401:
        return AuthenticationError(
            "the API key was rejected (401 Unauthorized); check HEDRA_API_KEY",
            status_code=code,
            detail=detail,
        )
    if code == 403:
        return PermissionDeniedError(
            f"the API key may not do this (403 Forbidden){suffix}", status_code=code, detail=detail
        )
    if code == 404:
        return NotFoundError(f"not found (404){suffix}", status_code=code, detail=detail)
    if code in (400, 422):
        return ValidationFailedError(
            f"the request was refused ({code}){suffix}", status_code=code, detail=detail
        )
    if code == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        when = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        return RateLimitError(
            f"rate limited (429){when}", status_code=code, detail=detail, retry_after=retry_after
        )
    if code >= 500:
        kind = response.headers.get("content-type", "")
        what = "an HTML error page" if "html" in kind else "an error"
        return ServerError(
            f"the server returned {what} ({code} {response.reason_phrase}){suffix}",
            status_code=code,
            detail=detail,
        )
    return APIStatusError(
        f"unexpected response ({code} {response.reason_phrase}){suffix}",
        status_code=code,
        detail=detail,
    )


class HedraClient:
    """The Hedra v2 API over httpx.

    ``transport`` is the seam for tests and the demo (any ``httpx.AsyncBaseTransport``).
    Transient failures (network, timeout, 429, 5xx, unreadable body) are retried
    ``max_retries`` times with capped exponential backoff; a Retry-After longer than
    ``max_inline_wait`` is not slept through here but raised, so the caller can wait
    without holding a request open.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 10.0,
        max_retries: int = 2,
        allow_insecure: bool = False,
        max_inline_wait: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if not api_key:
            raise ConfigError("no API key: set HEDRA_API_KEY (or try --demo)")
        check_key_transport(base_url, allow_insecure=allow_insecure)
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_inline_wait = max_inline_wait
        self.stats = ClientStats()
        self.sent = 0  # requests sent so far (each attempt counts); numbers the requests
        self._waiting: dict[int, float] = {}  # request number -> when it was sent (monotonic)
        self._sleep = sleep
        self._rng = rng
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "X-API-Key": api_key,
                "User-Agent": f"hedra-tui/{__version__}",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # never show the key
        return f"HedraClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> HedraClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport -----------------------------------------------------------------

    async def _get_json(
        self, path: str, endpoint: str, params: dict[str, Any] | None = None
    ) -> Any:
        attempt = 0
        while True:
            try:
                return await self._get_once(path, endpoint, params)
            except HedraError as exc:
                if not exc.transient or attempt >= self.max_retries:
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
                if retry_after is not None and retry_after > self.max_inline_wait:
                    raise
                await self._sleep(backoff_delay(attempt, retry_after=retry_after, rng=self._rng))
                attempt += 1

    async def _get_once(self, path: str, endpoint: str, params: dict[str, Any] | None) -> Any:
        self.stats.requests += 1
        self.stats.by_endpoint[endpoint] += 1
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        self.sent += 1
        number = self.sent
        self._waiting[number] = time.monotonic()
        try:
            response = await self._http.get(path, params=clean)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"the request to {endpoint} timed out") from exc
        except httpx.HTTPError as exc:
            reason = display(str(exc), max_len=120) or type(exc).__name__
            raise APIConnectionError(f"cannot reach the API ({reason})") from exc
        finally:
            del self._waiting[number]
        if not response.is_success:
            raise _status_error(response)
        content = response.content
        try:
            if len(content) > _BIG_BODY:
                return await asyncio.to_thread(json.loads, content)
            return json.loads(content)
        except ValueError:
            kind = display(response.headers.get("content-type", "no content-type"), max_len=60)
            raise PayloadError(f"the response from {endpoint} is not valid JSON ({kind})") from None

    def oldest_waiting(self) -> tuple[int, float] | None:
        """The oldest request still waiting for its response: (its number, when it was sent,
        on ``time.monotonic``); None when none is (streams are not counted)."""
        if not self._waiting:
            return None
        number = min(self._waiting)
        return number, self._waiting[number]

    async def ping(self) -> None:
        """One request, never retried: does the API answer at all? (its cheapest page)"""
        await self._get_once("/generations", "/generations", {"limit": 1})

    # -- endpoints -----------------------------------------------------------------

    async def list_generations(
        self,
        *,
        type: str | None = None,
        created_before: datetime | str | None = None,
        created_after: datetime | str | None = None,
        prompt_query: str | None = None,
        agent_thread_id: str | None = None,
        ids: Sequence[str] | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
    ) -> GenerationPage:
        """``GET /generations``: one page, newest first."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 1..{MAX_PAGE_SIZE}, got {limit}")
        if offset < 0:
            raise ValueError("offset must be >= 0")
        if ids is not None:
            if len(ids) > IDS_PER_REQUEST:
                raise ValueError(f"at most {IDS_PER_REQUEST} ids per request")
            self.stats.ids_requested += len(ids)
        params = {
            "type": type,
            "created_before": _iso(created_before),
            "created_after": _iso(created_after),
            "prompt_query": prompt_query,
            "agent_thread_id": agent_thread_id,
            "ids": ",".join(ids) if ids is not None else None,
            "limit": limit,
            "offset": offset,
        }
        payload = await self._get_json("/generations", "/generations", params)
        if isinstance(payload, dict) and len(payload.get("data") or ()) > 25:
            # validating a full page takes a few ms: keep it off the event loop
            return await asyncio.to_thread(
                parse_generation_page, payload, limit=limit, offset=offset
            )
        return parse_generation_page(payload, limit=limit, offset=offset)

    async def iter_pages(
        self, *, page_size: int = MAX_PAGE_SIZE, offset: int = 0, **filters: Any
    ) -> AsyncIterator[GenerationPage]:
        """Every page from ``offset`` on, until a short page says the history ended."""
        while True:
            page = await self.list_generations(limit=page_size, offset=offset, **filters)
            yield page
            got = len(page.items) + len(page.malformed)
            if got < page_size:
                return
            offset += got

    async def iter_generations(self, **kwargs: Any) -> AsyncIterator[Generation]:
        """Every generation, newest first, a page at a time (see :meth:`iter_pages`)."""
        async for page in self.iter_pages(**kwargs):
            for item in page.items:
                yield item

    async def refresh(self, ids: Sequence[str], *, concurrency: int = 4) -> list[Generation]:
        """Fetch many generations by id through the ``ids`` filter: one request per 100 ids."""
        unique = list(dict.fromkeys(ids))
        batches = [unique[i : i + IDS_PER_REQUEST] for i in range(0, len(unique), IDS_PER_REQUEST)]
        gate = asyncio.Semaphore(concurrency)

        async def one(batch: list[str]) -> list[Generation]:
            async with gate:
                page = await self.list_generations(ids=batch, limit=MAX_PAGE_SIZE)
                return page.items

        results = await asyncio.gather(*(one(b) for b in batches))
        return [item for chunk in results for item in chunk]

    async def get_status(self, generation_id: str) -> GenerationStatusResponse:
        """``GET /generations/{id}/status``."""
        path = f"/generations/{quote(generation_id, safe='')}/status"
        payload = await self._get_json(path, "/generations/{id}/status")
        return parse_object(GenerationStatusResponse, payload, "status")

    async def get_credits(self) -> CreditBalance:
        """``GET /billing/credits``."""
        payload = await self._get_json("/billing/credits", "/billing/credits")
        return parse_object(CreditBalance, payload, "credits")

    async def list_models(self, types: Sequence[str] | None = None) -> list[AIModel]:
        """``GET /models``."""
        params = {"types": list(types)} if types else None
        payload = await self._get_json("/models", "/models", params)
        return parse_list(AIModel, payload, "models")
