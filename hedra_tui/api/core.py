"""The transport core every backend is composed over: one httpx client, the retry loop, the
mapping of HTTP failures onto the typed errors (``errors.py``), and request accounting.

Backends (``api/v2``, ``api/v3``) hold an :class:`APICore` and add their endpoints on top of
it, as the anthropic SDK composes resources over one client; none subclasses another.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import httpx

from .. import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    HedraError,
    NotFoundError,
    PayloadError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationFailedError,
)
from .retry import backoff_delay, parse_retry_after
from .sanitize import display
from .security import check_key_transport

# Bodies larger than this are decoded and validated in a thread, off the event loop.
BIG_BODY = 256 * 1024

# A decoded JSON body. Its shape is unknown until the endpoint that asked for it checks it.
Json: TypeAlias = Any
QueryValue: TypeAlias = str | int | float | Sequence[str] | None
Query: TypeAlias = Mapping[str, QueryValue]


@dataclass
class ClientStats:
    """What the client sent: every attempt counts, retries included."""

    requests: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    ids_requested: int = 0


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


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for a non-2xx response (its body already read)."""
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


class APICore:
    """One HTTP client with the rules every backend shares.

    ``transport`` is the seam for tests and the demo (any ``httpx.AsyncBaseTransport``).
    Transient failures (network, timeout, 429, 5xx, unreadable body) are retried
    ``max_retries`` times with capped exponential backoff; a Retry-After longer than
    ``max_inline_wait`` is not slept through here but raised, so the caller can wait
    without holding a request open. ``auth`` holds the headers that carry the key; they
    are never shown (``repr`` names only the base URL).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Mapping[str, str],
        timeout: float = 10.0,
        max_retries: int = 2,
        allow_insecure: bool = False,
        max_inline_wait: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        check_key_transport(base_url, allow_insecure=allow_insecure)
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_inline_wait = max_inline_wait
        self.stats = ClientStats()
        self.sent = 0  # requests sent so far (each attempt counts); numbers the requests
        self._waiting: dict[int, float] = {}  # request number -> when it was sent (monotonic)
        self._sleep = sleep
        self._rng = rng
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                **auth,
                "User-Agent": f"hedra-tui/{__version__}",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # never show the key
        return f"APICore(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    def count(self, endpoint: str) -> None:
        self.stats.requests += 1
        self.stats.by_endpoint[endpoint] += 1

    async def get_json(self, path: str, endpoint: str, params: Query | None = None) -> Json:
        """``GET path``, retried on transient errors; the decoded JSON body."""
        attempt = 0
        while True:
            try:
                return await self.get_once(path, endpoint, params)
            except HedraError as exc:
                if not exc.transient or attempt >= self.max_retries:
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
                if retry_after is not None and retry_after > self.max_inline_wait:
                    raise
                await self._sleep(backoff_delay(attempt, retry_after=retry_after, rng=self._rng))
                attempt += 1

    async def get_once(self, path: str, endpoint: str, params: Query | None = None) -> Json:
        """One attempt at ``GET path``, never retried."""
        self.count(endpoint)
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        self.sent += 1
        number = self.sent
        self._waiting[number] = time.monotonic()
        try:
            response = await self.http.get(path, params=clean)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"the request to {endpoint} timed out") from exc
        except httpx.HTTPError as exc:
            reason = display(str(exc), max_len=120) or type(exc).__name__
            raise APIConnectionError(f"cannot reach the API ({reason})") from exc
        finally:
            del self._waiting[number]
        if not response.is_success:
            raise status_error(response)
        content = response.content
        try:
            if len(content) > BIG_BODY:
                return await asyncio.to_thread(json.loads, content)
            return json.loads(content)
        except ValueError:
            kind = display(response.headers.get("content-type", "no content-type"), max_len=60)
            raise PayloadError(f"the response from {endpoint} is not valid JSON ({kind})") from None

    async def post_once(self, path: str, endpoint: str, body: Json = None) -> Json:
        """One attempt at ``POST path`` with a JSON body, never retried (an action must not
        happen twice because an answer was slow); the decoded JSON answer."""
        self.count(endpoint)
        self.sent += 1
        number = self.sent
        self._waiting[number] = time.monotonic()
        try:
            response = await self.http.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"the request to {endpoint} timed out") from exc
        except httpx.HTTPError as exc:
            reason = display(str(exc), max_len=120) or type(exc).__name__
            raise APIConnectionError(f"cannot reach the API ({reason})") from exc
        finally:
            del self._waiting[number]
        if not response.is_success:
            raise status_error(response)
        try:
            return json.loads(response.content)
        except ValueError:
            kind = display(response.headers.get("content-type", "no content-type"), max_len=60)
            raise PayloadError(f"the response from {endpoint} is not valid JSON ({kind})") from None

    @asynccontextmanager
    async def stream(
        self, path: str, endpoint: str, *, headers: Mapping[str, str], read_timeout: float
    ) -> AsyncIterator[httpx.Response]:
        """A streamed ``GET path`` whose status was checked: a non-2xx answer raises its
        typed error. Streams are counted in ``stats``, not in the requests waiting."""
        self.count(endpoint)
        timeout = httpx.Timeout(self.http.timeout.connect, read=read_timeout)
        async with self.http.stream("GET", path, headers=dict(headers), timeout=timeout) as resp:
            if not resp.is_success:
                await resp.aread()
                raise status_error(resp)
            yield resp

    def oldest_waiting(self) -> tuple[int, float] | None:
        """The oldest request still waiting for its response: (its number, when it was sent,
        on ``time.monotonic``); None when none is (streams are not counted)."""
        if not self._waiting:
            return None
        number = min(self._waiting)
        return number, self._waiting[number]
