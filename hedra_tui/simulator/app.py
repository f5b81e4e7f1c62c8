"""The simulator's HTTP face: the v2 endpoints, the /_sim control endpoints, faults, and the
key's request rate limit (``ratelimit.py``)."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from collections import Counter, deque
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import data, pictures, submit, v3, webhooks
from .faults import FaultPlan
from .ratelimit import RateLimiter, RateLimitSpec
from .world import SimWorld

ASSET_BYTES = 64 * 1024
ASSET_PREFIX = "/_sim/assets/"
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    b"<h1>502 Bad Gateway</h1><p>upstream connect error</p></body></html>"
)


class Stats:
    """Requests seen per endpoint, for requests-per-cycle assertions."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.ids_requested = 0
        self.log: deque[dict[str, Any]] = deque(maxlen=200)
        self.asset_requests = 0  # GET /_sim/assets/…: downloads, counted apart from the API
        self.assets_active = 0
        self.assets_peak = 0  # the most asset downloads served at once
        # asset requests (not API calls: no key, no faults), by path and query
        self.assets: Counter[str] = Counter()

    def reset(self) -> None:
        self.requests.clear()
        self.ids_requested = 0
        self.log.clear()
        self.asset_requests = 0
        self.assets_peak = self.assets_active
        self.assets.clear()

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "ids_requested": self.ids_requested,
            "total": sum(self.requests.values()),
            "log": list(self.log),
            "assets": {"requests": self.asset_requests, "peak": self.assets_peak},
            "asset_paths": dict(self.assets),  # pictures, by path and query
        }


def endpoint_of(path: str, method: str = "GET") -> str:
    """The name a request is counted under: its path with ids folded, ``POST`` named."""
    if method != "GET":
        return f"{method} {endpoint_of(path)}"
    if path.startswith("/generations/") and path.endswith("/status"):
        return "/generations/{id}/status"
    if path.startswith("/v3/webhooks/deliveries/"):
        return "/v3/webhooks/deliveries/{job_id}/redeliver"
    if path.startswith("/v3/jobs/"):
        tail = path[len("/v3/jobs/") :].partition("/")[2]
        return "/v3/jobs/{id}" + (f"/{tail}" if tail else "")
    return path


def _validation_error(loc: str, msg: str) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"loc": ["query", loc], "msg": msg, "type": "value_error"}]}, status_code=422
    )


def _parse_dt(text: str) -> float:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def create_app(
    world: SimWorld,
    api_key: str,
    faults: FaultPlan,
    stats: Stats,
    limiter: RateLimiter | None = None,
) -> ASGIApp:
    """The ASGI app: Starlette routes wrapped in the auth/fault/stats/rate-limit middleware."""
    limiter = limiter or RateLimiter()

    async def list_generations(request: Request) -> Response:
        q = request.query_params
        try:
            limit = int(q.get("limit", "100"))
        except ValueError:
            return _validation_error("limit", "Input should be a valid integer")
        if not 1 <= limit <= 100:
            return _validation_error("limit", "Input should be between 1 and 100")
        try:
            offset = int(q.get("offset", "0"))
        except ValueError:
            return _validation_error("offset", "Input should be a valid integer")
        if offset < 0:
            return _validation_error("offset", "Input should be greater than or equal to 0")
        bounds: dict[str, float | None] = {}
        for name in ("created_before", "created_after"):
            raw = q.get(name)
            try:
                bounds[name] = _parse_dt(raw) if raw else None
            except ValueError:
                return _validation_error(name, "Input should be a valid datetime")
        ids = None
        if q.get("ids") is not None:
            ids = [i.strip() for i in q["ids"].split(",") if i.strip()]
            stats.ids_requested += len(ids)
        items = world.query(
            type=q.get("type") or None,
            created_before=bounds["created_before"],
            created_after=bounds["created_after"],
            prompt_query=q.get("prompt_query") or None,
            agent_thread_id=q.get("agent_thread_id") or None,
            ids=ids,
            limit=limit,
            offset=offset,
        )
        return JSONResponse({"page_info": {"limit": limit, "offset": offset}, "data": items})

    async def create_generation(request: Request) -> Response:
        """``POST /generations``: checked like the spec (422 for the schema, 400 for values the
        model does not support, 402 when the credits cannot pay), then a new job in flight."""
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse(
                {"detail": [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]},
                status_code=422,
            )
        problems = submit.v2_schema_problems(body)
        if problems:
            return JSONResponse({"detail": problems}, status_code=422)
        violations = submit.v2_value_problems(body)
        if violations:
            first = violations[0]
            return JSONResponse(
                {
                    "detail": {
                        "type": "INVALID_ARGUMENT",
                        "message": f"{first['field']}: {first['message']}",
                        "param": first["field"],
                        "violations": violations,
                    }
                },
                status_code=400,
            )
        model = submit.v2_model(body)
        cost = submit.v2_price(body, model)
        left = world.credits_left()
        if cost > left:
            return JSONResponse(
                {
                    "detail": {
                        "type": "INSUFFICIENT_BALANCE",
                        "message": f"This generation needs {cost:,} credits; {left:,.0f} left.",
                        "credits_needed": cost,
                        "credits_available": int(left),
                    }
                },
                status_code=402,
            )
        if model is None:  # no model named: the first of the type's kind
            model = data.models_for(submit.V2_TYPES[body["type"]][0])[0]
        job = world.submit(
            gen_type=body["type"],
            asset_type=submit.V2_TYPES[body["type"]][0],
            model=model,
            prompt=submit.v2_prompt(body),
            given=body,
            credits=cost,
        )
        with world.lock:
            gen = world.payload(job)
        ack = {
            **body,
            "id": job.id,
            "asset_id": job.id,
            "created_at": gen["created_at"],
            "status": gen["status"],
            "progress": gen["progress"],
            "eta_sec": gen["eta_sec"],
            "batch_generation_id": None,
        }
        return JSONResponse(ack)

    async def get_status(request: Request) -> Response:
        gen_id = request.path_params["generation_id"]
        with world.lock:
            job = world.by_id.get(gen_id)
            if job is None or job.created > world.now():
                return JSONResponse({"detail": "Generation not found"}, status_code=404)
            return JSONResponse(world.status_payload(job))

    async def get_credits(request: Request) -> Response:
        return JSONResponse(world.credits())

    async def list_models(request: Request) -> Response:
        models = data.models_payload()
        types = request.query_params.getlist("types")
        if types:
            models = [m for m in models if m["type"] in types]
        return JSONResponse(models)

    # -- control ------------------------------------------------------------------------

    async def sim_faults(request: Request) -> Response:
        if request.method == "DELETE":
            faults.clear()
            return JSONResponse({"fault": None})
        body = await request.json()
        try:
            fault = faults.set(
                str(body["mode"]),
                count=body.get("count"),
                duration=body.get("duration"),
                path=body.get("path"),
                query=body.get("query"),
                retry_after=float(body.get("retry_after") or 2),
                delay=float(body.get("delay") or 30),
            )
        except (KeyError, ValueError) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        if "latency" in body:
            faults.latency = float(body["latency"])
        return JSONResponse({"fault": fault.__dict__})

    async def sim_latency(request: Request) -> Response:
        body = await request.json()
        faults.latency = float(body.get("seconds", 0))
        faults.asset_latency = float(body.get("assets", faults.asset_latency))
        return JSONResponse({"latency": faults.latency, "assets": faults.asset_latency})

    view = v3.V3View(world)

    async def sim_stats(request: Request) -> Response:
        if request.method == "POST":
            stats.reset()
            view.reset_stream_stats()
            limiter.reset_counts()
        return JSONResponse(
            {
                **stats.as_json(),
                **view.stream_stats(),
                "rate_limit": limiter.as_json(),
                "submitted": world.submitted,
            }
        )

    async def sim_rate_limit(request: Request) -> Response:
        """``POST {"limit": "100/5s"}`` (or ``"off"``; ``"headers": "all"|"v3"``) sets the
        key's limit and starts a fresh window; GET says it, with requests per client."""
        if request.method == "POST":
            body = await request.json()
            headers = body.get("headers")
            try:
                if headers not in (None, "all", "v3"):
                    raise ValueError(f"headers: {headers!r} is not all or v3")
                limiter.configure(RateLimitSpec.parse(str(body.get("limit", "off"))), headers)
            except ValueError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=400)
        return JSONResponse(limiter.as_json())

    async def sim_advance(request: Request) -> Response:
        world.advance(float((await request.json()).get("seconds", 0)))
        return JSONResponse(world.summary())

    async def sim_inject(request: Request) -> Response:
        return JSONResponse(world.inject(await request.json()))

    async def sim_inflight(request: Request) -> Response:
        ids = world.add_inflight(int((await request.json()).get("count", 1)))
        return JSONResponse({"ids": ids})

    async def sim_balance(request: Request) -> Response:
        """Set the credits left (``{"credits": 5}``; null goes back to the simulated use);
        the v3 wallet follows at a cent a credit."""
        value = (await request.json()).get("credits")
        world.balance_override = None if value is None else float(value)
        return JSONResponse(world.credits())

    async def sim_batch(request: Request) -> Response:
        ids = world.add_batch(int((await request.json()).get("size", 4)))
        return JSONResponse({"batch_id": world.by_id[ids[0]].batch_id, "ids": ids})

    async def sim_world(request: Request) -> Response:
        return JSONResponse(world.summary())

    async def sim_asset(request: Request) -> Response:
        """An asset's bytes: a PNG for an image output and for a video's poster or thumbnail
        (``?poster=1``, ``?thumb=1``; ``?chunked=1`` without a Content-Length), made on
        request; other assets (and unknown ids) are
        opaque bytes. ``?encoding=gzip`` serves them gzip-encoded (Content-Encoding,
        Content-Length of the encoded bytes) to a client that accepts gzip, as CDNs do."""
        gen_id = request.path_params["gen_id"]
        query = request.url.query
        stats.assets[f"/_sim/assets/{gen_id}" + (f"?{query}" if query else "")] += 1
        if faults.asset_latency:
            await asyncio.sleep(faults.asset_latency)
        picture = _picture_of(world, gen_id, request.query_params)
        if picture is not None:
            if "chunked" in request.query_params:  # no Content-Length: read until it ends

                async def pieces() -> AsyncIterator[bytes]:
                    for start in range(0, len(picture), 256):
                        yield picture[start : start + 256]

                return StreamingResponse(pieces(), media_type="image/png")
            return Response(picture, media_type="image/png")
        seed = hashlib.sha256(gen_id.encode()).digest()
        body = (seed * (ASSET_BYTES // len(seed) + 1))[:ASSET_BYTES]
        accepts = request.headers.get("accept-encoding", "").lower()
        if request.query_params.get("encoding") == "gzip" and "gzip" in accepts:
            return Response(
                gzip.compress(body, mtime=0),
                media_type="application/octet-stream",
                headers={"Content-Encoding": "gzip"},
            )
        return Response(body, media_type="application/octet-stream")

    async def sim_broken_image(request: Request) -> Response:
        """Says it is a PNG, is not one: the monitor must say so in a line, not crash."""
        stats.assets["/_sim/broken-image"] += 1
        return Response(b"\x89PNG\r\n\x1a\n" + b"not really" * 20, media_type="image/png")

    routes = [
        Route("/generations", list_generations, methods=["GET"]),
        Route("/generations", create_generation, methods=["POST"]),
        Route("/generations/{generation_id}/status", get_status),
        Route("/billing/credits", get_credits),
        Route("/models", list_models),
        Route("/_sim/faults", sim_faults, methods=["POST", "DELETE"]),
        Route("/_sim/latency", sim_latency, methods=["POST"]),
        Route("/_sim/stats", sim_stats, methods=["GET"]),
        Route("/_sim/stats/reset", sim_stats, methods=["POST"]),
        Route("/_sim/rate-limit", sim_rate_limit, methods=["GET", "POST"]),
        Route("/_sim/advance", sim_advance, methods=["POST"]),
        Route("/_sim/generations", sim_inject, methods=["POST"]),
        Route("/_sim/inflight", sim_inflight, methods=["POST"]),
        Route("/_sim/batches", sim_batch, methods=["POST"]),
        Route("/_sim/world", sim_world, methods=["GET"]),
        Route("/_sim/balance", sim_balance, methods=["POST"]),
        Route("/_sim/assets/{gen_id}", sim_asset, methods=["GET"]),
        Route("/_sim/broken-image", sim_broken_image, methods=["GET"]),
    ]
    routes += v3.routes(view)
    routes += webhooks.routes(view)
    inner = Starlette(routes=routes)
    return ApiMiddleware(inner, api_key=api_key, faults=faults, stats=stats, limiter=limiter)


def _picture_of(world: SimWorld, gen_id: str, query: Any) -> bytes | None:
    """The PNG an asset URL stands for, or None when it is not a picture."""
    with world.lock:
        job = world.by_id.get(gen_id)
        if job is None or job.type not in ("image", "video"):
            return None
        asset = (world.payload(job).get("asset") or {}).get("asset") or {}
    thumb = "poster" in query or "thumb" in query
    if job.type == "video" and not thumb:
        return None  # the video itself: opaque bytes
    seed = f"{gen_id}:{'thumb' if thumb else 'image'}"
    return pictures.picture(seed, asset.get("width"), asset.get("height"))


_V3_CODES = {401: "UNAUTHORIZED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def _error(scope: Scope, status: int, detail: str) -> dict[str, Any]:
    """An error body in the shape of the API the request was for (v2 ``detail``, v3 envelope)."""
    if scope["path"].startswith("/v3/"):
        code = _V3_CODES.get(status, "INTERNAL")
        return v3.error_body(code, detail, retryable=status >= 429)
    return {"detail": detail}


async def _send_json(
    send: Send, status: int, body: Any, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    payload = json.dumps(body).encode()
    await _send_raw(send, status, payload, b"application/json", headers)


async def _send_raw(
    send: Send,
    status: int,
    payload: bytes,
    kind: bytes,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class ApiMiddleware:
    """Auth, statistics, latency, faults and the key's rate limit for the API paths
    (``/_sim/*`` is exempt)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_key: str,
        faults: FaultPlan,
        stats: Stats,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.api_key = api_key
        self.faults = faults
        self.stats = stats
        self.limiter = limiter or RateLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_sim/cut-assets/"):
            await _cut_asset(send)
            return
        if scope["type"] == "http" and scope["path"].startswith(ASSET_PREFIX):
            await self._asset(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.stats.requests[endpoint_of(path, scope.get("method", "GET"))] += 1
        status_box = {"status": 0}

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
            await send(message)

        try:
            await self._handle(scope, receive, counting_send, send)
        finally:
            self.stats.log.append(
                {
                    "method": scope.get("method", "GET"),
                    "path": path,
                    "query": scope.get("query_string", b"").decode("latin-1")[:300],
                    "status": status_box["status"],
                }
            )

    async def _asset(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An asset download (no key: asset URLs live on other hosts): counted, and failed
        or slowed only by a fault set with a ``path`` under ``/_sim/assets/``."""
        stats = self.stats
        stats.asset_requests += 1
        stats.assets_active += 1
        stats.assets_peak = max(stats.assets_peak, stats.assets_active)
        try:
            fault = self.faults.take(scope["path"], explicit=True)
            if fault is not None:
                await self._apply(fault, scope, receive, send, send)
            else:
                await self.app(scope, receive, send)
        finally:
            stats.assets_active -= 1

    async def _handle(self, scope: Scope, receive: Receive, send: Send, raw_send: Send) -> None:
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        releases = self.faults.releases  # a hold lasts until the next clear after this
        fault = self.faults.take(scope["path"], scope.get("query_string", b"").decode("latin-1"))
        if fault is not None and fault.mode == "hold":
            while self.faults.held(fault, releases):
                await asyncio.sleep(0.01)
        elif fault is not None:
            await self._apply(fault, scope, receive, send, raw_send)
            return
        await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request as the API answers it: the key checked, then the route."""
        headers = dict(scope.get("headers") or [])
        if scope["path"].startswith("/v3/"):
            auth = headers.get(b"authorization", b"").decode("latin-1")
            if not v3.authorized(auth, self.api_key):
                await _send_json(send, 401, _error(scope, 401, "Invalid or missing API key"))
                return
        elif headers.get(b"x-api-key", b"").decode("latin-1") != self.api_key:
            await _send_json(send, 401, {"detail": "Invalid or missing API key"})
            return
        # the key is known: its rate limit applies, whichever client sends it
        client = headers.get(b"user-agent", b"").decode("latin-1")[:80] or "unknown"
        verdict = self.limiter.check(client, v3=scope["path"].startswith("/v3/"))
        if not verdict.allowed:
            detail = f"Request rate limit exceeded. Retry after {verdict.retry_after}s."
            body = _error(scope, 429, detail)
            if "error" in body:
                body["error"]["retry_after"] = verdict.retry_after
            await _send_json(send, 429, body, verdict.headers)
            return
        if not verdict.headers:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *verdict.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _apply(
        self, fault: Any, scope: Scope, receive: Receive, send: Send, raw_send: Send
    ) -> None:
        mode = fault.mode
        if mode in ("500", "503"):
            detail = "Internal Server Error" if mode == "500" else "Service temporarily unavailable"
            await _send_json(send, int(mode), _error(scope, int(mode), detail))
        elif mode == "429":
            retry = f"{fault.retry_after:g}".encode()
            await _send_json(
                send, 429, _error(scope, 429, "Rate limit exceeded"), [(b"retry-after", retry)]
            )
        elif mode == "401":
            await _send_json(send, 401, _error(scope, 401, "Invalid or missing API key"))
        elif mode == "html":
            await _send_raw(send, 502, _HTML_PAGE, b"text/html; charset=utf-8")
        elif mode == "invalid_json":
            await _send_raw(
                send,
                200,
                b'{"page_info": {"limit": 1, "offset": 0}, "data": [',
                b"application/json",
            )
        elif mode == "slow":
            await asyncio.sleep(fault.delay)
            await self.app(scope, receive, send)
        elif mode == "trickle":
            await _trickle(self.app, scope, receive, send, fault.delay)
        elif mode == "truncated":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"4096"),
                    ],
                }
            )
            await send(
                {"type": "http.response.body", "body": b'{"page_info": {"limit"', "more_body": True}
            )
            _abort(raw_send)
        elif mode == "lost":

            async def swallow(message: Message) -> None:
                pass  # the answer never leaves the server

            await self._serve(scope, receive, swallow)
            if not _abort(raw_send):
                raise ConnectionAbortedError("simulated lost answer")
        elif mode == "drop" and not _abort(raw_send):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"10")],
                }
            )
            raise ConnectionAbortedError("simulated drop")


async def _trickle(app: ASGIApp, scope: Scope, receive: Receive, send: Send, delay: float) -> None:
    """The real answer, its first half at once and the rest after ``delay``: a slow CDN, so a
    download can be seen half done."""
    start: dict[str, Any] = {}
    body = bytearray()

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            body.extend(message.get("body", b""))

    await app(scope, receive, capture)
    await send(start)
    half = len(body) // 2
    await send({"type": "http.response.body", "body": bytes(body[:half]), "more_body": True})
    await asyncio.sleep(delay)
    await send({"type": "http.response.body", "body": bytes(body[half:])})


async def _cut_asset(send: Send) -> None:
    """Half of an asset, then the connection drops: an interrupted download."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(ASSET_BYTES).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b"x" * (ASSET_BYTES // 2), "more_body": True})
    _abort(send)


def _abort(send: Send) -> bool:
    """Close the TCP connection under this request at once (uvicorn's cycle holds the transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.abort()
    return True
