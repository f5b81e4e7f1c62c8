"""The transport core every backend is composed over: one httpx client, the retry loop, the
mapping of HTTP failures onto the typed errors (``errors.py``), request accounting, and what
the server says about the key's rate limit (``X-RateLimit-*``, Retry-After: :class:`RateMeter`).

Backends (``api/v2``, ``api/v3``) hold an :class:`APICore` and add their endpoints on top of
it, as the anthropic SDK composes resources over one client; none subclasses another.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import random
import ssl
import time
from collections import Counter, deque
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
    FieldProblem,
    HedraError,
    NotFoundError,
    PayloadError,
    PaymentRequiredError,
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
KEEPALIVE_S = 60.0  # an idle connection is kept this long (longer than a poll interval)

# A decoded JSON body. Its shape is unknown until the endpoint that asked for it checks it.
Json: TypeAlias = Any
QueryValue: TypeAlias = str | int | float | Sequence[str] | None
Query: TypeAlias = Mapping[str, QueryValue]

# X-RateLimit-Reset is a Unix epoch second (the v3 spec); a smaller number is read as seconds
# from now, as some servers (and the IETF RateLimit header draft) send it
EPOCH_FLOOR = 1_000_000_000
SENT_KEPT = 3600.0  # seconds of send times kept: the longest window a budget counts over
LONGEST_WINDOW = 3600.0  # a Reset that moves on by more than this is not one window


@dataclass
class ClientStats:
    """What the client sent: every attempt counts, retries included."""

    requests: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    ids_requested: int = 0


@dataclass(frozen=True)
class RateLimit:
    """The key's request budget as the server last stated it (``X-RateLimit-*`` headers)."""

    limit: int | None  # requests per window, for every client of the key together
    remaining: int | None  # left in the current window, for all of them
    reset_at: float | None  # wall clock (epoch seconds): the current window ends then
    window: float | None  # seconds per window, once its Reset was seen to move on
    since: float  # monotonic: requests sent from then on count in this window (-inf: all)
    remaining_at: float = -math.inf  # monotonic: when the request that said ``remaining`` left


def _header_number(headers: Mapping[str, str], *names: str) -> float | None:
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        try:
            number = float(value.strip())
        except ValueError:
            continue
        if math.isfinite(number) and number >= 0:
            return number
    return None


class RateMeter:
    """This client's view of the key's rate limit: when it sent each request, what the
    server's rate-limit headers said (on any response that has them), and until when a 429
    asked it to wait. Reads and records only; a caller's budget decides what to do with it.
    """

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.monotonic = monotonic
        self.wall = wall
        self.sent: deque[float] = deque()  # monotonic send times, oldest first
        self.total = 0  # requests sent so far
        self.limit: RateLimit | None = None
        self.blocked_until: float | None = None  # monotonic: a 429's Retry-After ends then
        self.refused = 0  # 429 answers received

    def note_sent(self) -> float:
        """A request is going out now; returns its send time (monotonic)."""
        now = self.monotonic()
        self.total += 1
        sent = self.sent
        sent.append(now)
        while sent[0] < now - SENT_KEPT:
            sent.popleft()
        return now

    def count_since(self, since: float) -> int:
        """Requests sent at or after ``since`` (monotonic)."""
        count = 0
        for when in reversed(self.sent):
            if when < since:
                break
            count += 1
        return count

    def blocked_for(self) -> float | None:
        """Seconds still to wait after a 429 (None: nothing to wait for)."""
        if self.blocked_until is None:
            return None
        left = self.blocked_until - self.monotonic()
        if left <= 0:
            self.blocked_until = None
            return None
        return left

    def note_response(
        self, status: int, headers: Mapping[str, str], sent_at: float, retry_after: float | None
    ) -> None:
        """Read the rate-limit headers of a response to a request sent at ``sent_at``."""
        if status == 429:
            self.refused += 1
        limit = _header_number(headers, "x-ratelimit-limit", "ratelimit-limit")
        remaining = _header_number(headers, "x-ratelimit-remaining", "ratelimit-remaining")
        reset = _header_number(headers, "x-ratelimit-reset", "ratelimit-reset")
        now_wall = self.wall()
        if reset is not None and reset < EPOCH_FLOOR:
            reset += now_wall  # seconds from now
        if limit is not None or remaining is not None or reset is not None:
            self._note_window(limit, remaining, reset, sent_at)
        if status != 429:
            return
        wait = retry_after
        if wait is None and reset is not None:
            wait = max(reset - now_wall, 0.0)
        if wait:
            until = self.monotonic() + wait
            self.blocked_until = max(self.blocked_until or until, until)

    def _note_window(
        self, limit: float | None, remaining: float | None, reset: float | None, sent_at: float
    ) -> None:
        old = self.limit
        count = None if limit is None else int(limit)
        left = None if remaining is None else int(remaining)
        if old is None or old.reset_at is None or reset is None:
            since = old.since if old is not None else -math.inf
            self.limit = RateLimit(count, left, reset, None, since, sent_at)
            return
        if reset < old.reset_at - 0.5:
            return  # a late answer from a window that has ended: old news
        if reset > old.reset_at + 0.5:  # the window rolled over: count afresh from this request
            moved = reset - old.reset_at
            window = old.window
            if moved <= LONGEST_WINDOW:
                window = moved if window is None else min(window, moved)
            self.limit = RateLimit(count, left, reset, window, sent_at, sent_at)
            return
        # the same window: answers may arrive out of order, and what is left only shrinks
        if left is None or (old.remaining is not None and old.remaining <= left):
            left, sent_at = old.remaining, old.remaining_at
        self.limit = RateLimit(
            count if count is not None else old.limit,
            left,
            old.reset_at,
            old.window,
            old.since,
            sent_at,
        )


def _body(response: httpx.Response) -> Json:
    try:
        return response.json()
    except ValueError:
        return None


def _envelope(body: Json) -> dict[str, Any] | None:
    """The error object of a body: v3's ``{"error": {...}}``, or a v2 ``detail`` that is an
    object (a ``GenerationError``-shaped refusal); None for anything else."""
    if not isinstance(body, dict):
        return None
    for key in ("error", "detail"):
        inner = body.get(key)
        if isinstance(inner, dict):
            return inner
    return None


def _detail(body: Json) -> str | None:
    """The server's own words about an error, made safe and short."""
    if not isinstance(body, dict):
        return None
    envelope = _envelope(body)
    if envelope is not None:
        detail: Any = envelope.get("message")
    else:
        detail = body.get("detail")
        if detail is None:
            detail = body.get("message") or body.get("error")
    if detail is None:
        return None
    if isinstance(detail, list):  # v2 validation errors: their messages, not their JSON
        problems = field_problems(body)
        if problems:
            return display("; ".join(str(p) for p in problems), max_len=200)
    if not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=True)
    return display(detail, max_len=200)


def _text(value: Any, max_len: int) -> str:
    return display(value, max_len=max_len) if isinstance(value, str | int | float) else ""


def field_problems(body: Json) -> tuple[FieldProblem, ...]:
    """Every field an error body names, safe to display: v3 ``error.details`` (field,
    message, allowed), v2 validation ``detail`` items (``loc`` joined with dots, ``body``
    left out), or a v2 refusal's ``violations`` and ``param``."""
    out: list[FieldProblem] = []
    envelope = _envelope(body)
    items: Any = None
    if envelope is not None:
        items = envelope.get("details") or envelope.get("violations")
    elif isinstance(body, dict) and isinstance(body.get("detail"), list):
        items = body["detail"]
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        where = item.get("field")
        if where is None and isinstance(item.get("loc"), list):
            parts = [str(p) for p in item["loc"]]
            if parts and parts[0] == "body":
                parts = parts[1:]
            where = ".".join(parts)
        message = item.get("message") or item.get("msg") or ""
        allowed = item.get("allowed")
        out.append(
            FieldProblem(
                _text(where, 80),
                _text(message, 200),
                tuple(_text(a, 40) for a in allowed[:12]) if isinstance(allowed, list) else (),
            )
        )
    if not out and envelope is not None and isinstance(envelope.get("param"), str):
        out.append(FieldProblem(_text(envelope["param"], 80), _text(envelope.get("message"), 200)))
    return tuple(out)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _payment_error(body: Json, detail: str | None) -> PaymentRequiredError:
    """A 402: v3 carries ``error.billing`` (balance, required, currency, funding_url), a
    v2 refusal ``credits_needed``/``credits_available``."""
    envelope = _envelope(body) or {}
    billing = envelope.get("billing")
    if isinstance(billing, dict):
        needed = _number(billing.get("required"))
        available = _number(billing.get("balance"))
        currency = _text(billing.get("currency") or "USD", 8)
        url = billing.get("funding_url")
        funding = display(url, max_len=200) if isinstance(url, str) else None
    else:
        needed = _number(envelope.get("credits_needed"))
        available = _number(envelope.get("credits_available"))
        currency, funding = "credits", None
    suffix = f": {detail}" if detail else ""
    return PaymentRequiredError(
        f"the balance cannot pay for this (402 INSUFFICIENT_BALANCE){suffix}",
        detail=detail,
        needed=needed,
        available=available,
        currency=currency,
        funding_url=funding,
    )


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for a non-2xx response (its body already read)."""
    code = response.status_code
    body = _body(response)
    detail = _detail(body)
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
    if code == 402:
        return _payment_error(body, detail)
    if code in (400, 422):
        envelope = _envelope(body) or {}
        kind = envelope.get("code") or envelope.get("type")
        return ValidationFailedError(
            f"the request was refused ({code}){suffix}",
            status_code=code,
            detail=detail,
            fields=field_problems(body),
            code=display(kind, max_len=40) if isinstance(kind, str) else None,
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


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """One TLS context (httpx's default: the CA bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR``)
    for every client of the process. Each client built its own, ~35 ms of loading the CA
    bundle, and the monitor builds two while it starts (see ``state/head_start.py``)."""
    return httpx.create_ssl_context()


class APICore:
    """One HTTP client with the rules every backend shares.

    ``transport`` is the seam for tests and the demo (any ``httpx.AsyncBaseTransport``).
    Transient failures (network, timeout, 429, 5xx, unreadable body) are retried
    ``max_retries`` times with capped exponential backoff; a Retry-After longer than
    ``max_inline_wait`` is not slept through here but raised, so the caller can wait
    without holding a request open. ``auth`` holds the headers that carry the key; they
    are never shown (``repr`` names only the base URL).

    ``meter`` reads the rate-limit headers of every response. A caller that keeps a request
    budget sets ``admission`` (called before each request is sent; it raises a
    :class:`RateLimitError` with ``sent=False`` to hold the request back) and may set
    ``retry_rate_limited`` False, so that a 429 is raised at once for it to wait between
    its own cycles instead of inside one.
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
        self.meter = RateMeter()
        self.admission: Callable[[], None] | None = None
        self.retry_rate_limited = True
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
            # keep the connection between polls (httpx's default, 5 s, is the poll interval:
            # every poll would open a new connection, a TLS handshake on the real API)
            limits=httpx.Limits(
                max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_S
            ),
            transport=transport,
            follow_redirects=False,
            verify=ssl_context(),
        )

    def __repr__(self) -> str:  # never show the key
        return f"APICore(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    def count(self, endpoint: str) -> float:
        """Count a request about to be sent; returns its send time (monotonic)."""
        self.stats.requests += 1
        self.stats.by_endpoint[endpoint] += 1
        return self.meter.note_sent()

    def _admit(self) -> None:
        """Let the caller's budget hold the request back (it raises; see ``admission``)."""
        if self.admission is not None:
            self.admission()

    def _note(self, response: httpx.Response, sent_at: float) -> None:
        retry_after = None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        self.meter.note_response(response.status_code, response.headers, sent_at, retry_after)

    async def get_json(self, path: str, endpoint: str, params: Query | None = None) -> Json:
        """``GET path``, retried on transient errors; the decoded JSON body."""
        attempt = 0
        while True:
            try:
                return await self.get_once(path, endpoint, params)
            except HedraError as exc:
                if not exc.transient or attempt >= self.max_retries:
                    raise
                retry_after = None
                if isinstance(exc, RateLimitError):
                    if not self.retry_rate_limited:
                        raise
                    retry_after = exc.retry_after
                if retry_after is not None and retry_after > self.max_inline_wait:
                    raise
                await self._sleep(backoff_delay(attempt, retry_after=retry_after, rng=self._rng))
                attempt += 1

    async def get_once(self, path: str, endpoint: str, params: Query | None = None) -> Json:
        """One attempt at ``GET path``, never retried."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        return await self._send("GET", path, endpoint, params=clean)

    async def post_json(self, path: str, endpoint: str, body: Json, *, retry: bool) -> Json:
        """``POST path`` with a JSON body; the decoded JSON answer.

        ``retry``: the request may be sent again after a transient failure, because sending
        it twice does no harm (an estimate; a submit carrying an idempotency key). A submit
        without one is sent once: a retry after a lost answer could start a second job.
        """
        attempt = 0
        while True:
            try:
                return await self._send("POST", path, f"POST {endpoint}", json_body=body)
            except HedraError as exc:
                if not retry or not exc.transient or attempt >= self.max_retries:
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
                if retry_after is not None and retry_after > self.max_inline_wait:
                    raise
                await self._sleep(backoff_delay(attempt, retry_after=retry_after, rng=self._rng))
                attempt += 1

    async def _send(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Json = None,
        admit: bool = True,
    ) -> Json:
        """Send one request and decode its JSON answer; every answer's rate headers are read.
        ``admit``: held to the request budget first (False: an action a person asked for)."""
        if admit:
            self._admit()
        sent_at = self.count(endpoint)
        self.sent += 1
        number = self.sent
        self._waiting[number] = time.monotonic()
        try:
            if method == "GET":
                response = await self.http.get(path, params=params)
            else:
                response = await self.http.request(method, path, json=json_body)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"the request to {endpoint} timed out") from exc
        except httpx.HTTPError as exc:
            reason = display(str(exc), max_len=120) or type(exc).__name__
            raise APIConnectionError(f"cannot reach the API ({reason})") from exc
        finally:
            del self._waiting[number]
        self._note(response, sent_at)
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
        happen twice because an answer was slow), nor held to the request budget (a person
        asked for it); the decoded JSON answer."""
        return await self._send("POST", path, f"POST {endpoint}", json_body=body, admit=False)

    @asynccontextmanager
    async def stream(
        self, path: str, endpoint: str, *, headers: Mapping[str, str], read_timeout: float
    ) -> AsyncIterator[httpx.Response]:
        """A streamed ``GET path`` whose status was checked: a non-2xx answer raises its
        typed error. Streams are counted in ``stats``, not in the requests waiting."""
        self._admit()
        sent_at = self.count(endpoint)
        timeout = httpx.Timeout(self.http.timeout.connect, read=read_timeout)
        async with self.http.stream("GET", path, headers=dict(headers), timeout=timeout) as resp:
            self._note(resp, sent_at)
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
