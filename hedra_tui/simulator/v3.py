"""The v3 face of the simulator: ``/v3/jobs`` and friends over the same simulated workspace.

Shapes follow ``hedra-openapi-v3-monitoring.json``: ``JobListResponse`` with opaque cursors,
``ResultResponse``, ``StatusResponse`` with ``logs_after``, ``JobLogListResponse``, the SSE
stream (``status``/``log`` frames with ids, ``: keep-alive`` comments, a ``retry:`` line,
``Last-Event-Id`` resume and a final ``done`` frame whose data is ``[STREAM_DONE]``),
``ModelListResponse``, ``BalanceResponse`` and ``UsageResponse``. Auth is
``Authorization: Key <key_id>:<secret>`` (or ``Bearer``), errors are ``ErrorResponse``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import data, submit
from .world import SimJob, SimWorld, iso

JOB_PREFIX = "job_"
STATUS_V3 = {
    "queued": "IN_QUEUE",
    "processing": "IN_PROGRESS",
    "finalizing": "IN_PROGRESS",
    "complete": "COMPLETED",
    "error": "FAILED",
}
USD_PER_CREDIT = 0.01
BALANCE_START = 250.0
STREAM_TICK = 1.0  # seconds between looks at a job being streamed
KEEPALIVE_EVERY = 5.0
RETRY_MS = 2000
_CONTENT_TYPES = {
    "video": "video/mp4",
    "image": "image/png",
    "audio": "audio/mpeg",
    "voice": "audio/mpeg",
    "text": "text/plain",
}


_SLUGS = {data.model_id(m["slug"]): m["slug"] for m in data.MODELS}


def v3_credential(api_key: str) -> str:
    """The ``<key_id>:<secret>`` a v3 client sends for this simulator's key."""
    return api_key if ":" in api_key else f"key_sim:{api_key}"


def authorized(header: str, api_key: str) -> bool:
    scheme, _, credential = header.partition(" ")
    return scheme.lower() in ("key", "bearer") and credential.strip() == v3_credential(api_key)


def error_body(code: str, message: str, *, retryable: bool = False) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "retryable": retryable},
        "trace_id": "0" * 32,
    }


def _cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"c{value}".encode()).decode().rstrip("=")


def _uncursor(text: str | None) -> int | None:
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        return int(raw[1:]) if raw.startswith("c") else None
    except (ValueError, UnicodeDecodeError):
        return None


class V3View:
    """Read the simulated workspace as v3 jobs. Every method takes the world's lock."""

    def __init__(self, world: SimWorld) -> None:
        self.world = world
        self.drop_after: int | None = None  # streams close after this many frames (tests)
        self.keepalive_every = KEEPALIVE_EVERY
        self.retry_field = str(RETRY_MS)  # the value of the stream's retry: line, as sent
        # streams being served now, by job id, and the most at once since the last reset;
        # a client that went away is noticed at the next frame or keep-alive sent to it
        self.open_streams: Counter[str] = Counter()
        self.open_streams_max = 0
        # idempotency key -> (the body it came with, the acknowledgement sent)
        self.acks: dict[str, tuple[str, dict[str, Any]]] = {}

    def stream_stats(self) -> dict[str, Any]:
        return {
            "streams_open": sum(self.open_streams.values()),
            "streams_open_by_job": dict(+self.open_streams),
            "streams_open_max": self.open_streams_max,
        }

    def reset_stream_stats(self) -> None:
        self.open_streams_max = sum(self.open_streams.values())

    # -- single jobs -------------------------------------------------------------------

    def find(self, job_id: str) -> SimJob | None:
        if not job_id.startswith(JOB_PREFIX):
            return None
        job = self.world.by_id.get(job_id[len(JOB_PREFIX) :])
        if job is None or job.created > self.world.now():
            return None
        return job

    def _model(self, job: SimJob) -> str:
        return _SLUGS.get(job.model_id, job.model_id)

    def summary(self, job: SimJob, t: float) -> dict[str, Any]:
        status = job.state_at(t)[0]
        return {
            "job_id": JOB_PREFIX + job.id,
            "model": self._model(job),
            "status": STATUS_V3.get(status, status.upper()),
            "created_at": iso(job.created),
        }

    def logs(self, job: SimJob, t: float) -> list[dict[str, Any]]:
        """The job's lifecycle events up to ``t``, ids 1, 2, 3, ... in order."""
        start = job.created + job.queued_s
        fin = start + job.processing_s
        end = fin + job.finalizing_s
        events: list[tuple[float, str, str, str, str, dict[str, Any]]] = [
            (job.created, "info", "queued", "api", "Job accepted and queued.", {}),
        ]
        if job.log_message is not None:
            events.append((job.created, "info", "note", "api", job.log_message, {}))
        events += [
            (start, "info", "started", "worker", "A worker picked the job up.", {}),
            (start + 0.2, "info", "moderation.passed", "worker", "The prompt passed review.", {}),
            (start + 0.4, "info", "provider.submitted", "provider", "Sent to the model.", {}),
        ]
        if job.stuck:
            return [self._log(i, *e) for i, e in enumerate(events, 1) if e[0] <= t]
        for share in (0.25, 0.5, 0.75):
            when = start + job.processing_s * share
            progress = job.state_at(when)[1]
            events.append(
                (
                    when,
                    "info",
                    "progress",
                    "provider",
                    f"{progress:.0%} done.",
                    {"progress": progress},
                )
            )
        events.append((fin, "info", "finalizing", "worker", "Preparing the output.", {}))
        status = job.state_at(end)[0]
        if status == "complete":
            events.append((end - 0.1, "info", "download.ready", "worker", "Output stored.", {}))
            events.append((end, "info", "completed", "worker", "The job completed.", {}))
        else:
            events.append((end, "error", "failed", "worker", "The job failed.", {}))
        return [self._log(i, *e) for i, e in enumerate(events, 1) if e[0] <= t]

    @staticmethod
    def _log(
        index: int, when: float, level: str, event: str, source: str, msg: str, extra: Any
    ) -> dict[str, Any]:
        return {
            "id": index,
            "timestamp": iso(when),
            "level": level,
            "event": event,
            "message": msg,
            "source": source,
            "data": extra,
        }

    def status(self, job: SimJob, t: float, logs_after: int | None = None) -> dict[str, Any]:
        status, progress, left = job.state_at(t)
        logs = self.logs(job, t)
        newer = [item for item in logs if logs_after is None or item["id"] > logs_after]
        out: dict[str, Any] = {
            "job_id": JOB_PREFIX + job.id,
            "status": STATUS_V3.get(status, status.upper()),
            "progress": progress,
            "estimated_completion_at": None if left is None else iso(t + left),
            "logs": newer,
        }
        if logs:
            out["logs_next_cursor"] = _cursor(logs[-1]["id"])
        return out

    def result(self, job: SimJob, t: float) -> dict[str, Any]:
        gen = self.world.payload(job, t)
        status = STATUS_V3.get(gen["status"], str(gen["status"]).upper())
        out: dict[str, Any] = {
            **self.summary(job, t),
            "prompt": job.prompt,
            "outputs": [],
            "metrics": None,
            "error": None,
            "logs": self.logs(job, t)[-10:],
        }
        if status == "COMPLETED":
            body = (gen.get("asset") or {}).get("asset") or {}
            url = body.get("download_url") or body.get("url")
            out["outputs"] = [
                {
                    "status": "COMPLETED",
                    "asset_id": "asset_" + job.id,
                    "url": (self.world.base_url + url) if url and url.startswith("/") else url,
                    "content_type": _CONTENT_TYPES.get(job.type, "application/octet-stream"),
                    "width": body.get("width"),
                    "height": body.get("height"),
                    "duration_ms": body.get("duration_ms"),
                    "fps": 24 if job.type == "video" else None,
                }
            ]
            out["metrics"] = {"processing_time_ms": int(job.processing_s * 1000)}
            out["cost"] = round(job.credit_cost * USD_PER_CREDIT, 2)
            out["currency"] = "USD"
        elif status == "FAILED":
            err = gen.get("error") or {}
            code = err.get("type") or "INTERNAL"
            envelope: dict[str, Any] = {
                "code": code,
                "message": err.get("message") or gen.get("error_message") or "The job failed.",
                "retryable": code in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"),
            }
            if err.get("param"):
                envelope["param"] = err["param"]
            out["error"] = envelope
            out["cost"] = 0.0
            out["currency"] = "USD"
        return out

    # -- lists -------------------------------------------------------------------------

    def page(self, limit: int, cursor: int | None, model: str | None = None) -> dict[str, Any]:
        """Newest first; the cursor is the position below which the next page starts."""
        with self.world.lock:
            jobs = self.world.visible()
            t = self.world.now()
            # a cursor names a position in creation order, so arrivals do not shift pages
            top = len(jobs) - 1 if cursor is None else cursor - 1
            out: list[dict[str, Any]] = []
            index = top
            while index >= 0 and len(out) < limit:
                job = jobs[index]
                if model is None or self._model(job) == model:
                    out.append(self.summary(job, t))
                index -= 1
            next_cursor = _cursor(index + 1) if index >= 0 else None
            return {"data": out, "next_cursor": next_cursor}

    def models(self) -> dict[str, Any]:
        return {
            "data": [
                {
                    "id": m["slug"],
                    "modality": "audio" if m["type"] in ("audio", "voice") else m["type"],
                    "name": m["name"],
                    "description": f"{m['name']} ({m['type']})",
                }
                for m in data.MODELS
            ],
            "next_cursor": None,
        }

    def balance(self) -> dict[str, Any]:
        credits = self.world.credits()
        if self.world.balance_override is not None:
            money = round(self.world.balance_override * USD_PER_CREDIT, 2)
            return {"balance": money, "spent": 0.0, "currency": "USD"}
        spent = round((credits["used"] - 42_180) * USD_PER_CREDIT, 2)
        return {"balance": round(BALANCE_START - spent, 2), "spent": spent, "currency": "USD"}

    def usage(self, start: str | None, end: str | None, group_by: str) -> dict[str, Any]:
        with self.world.lock:
            t = self.world.now()
            t0 = _parse(start) if start else t - 30 * 86400
            t1 = _parse(end) if end else t
            buckets: dict[str, list[float]] = {}
            total_jobs, total_spent = 0, 0.0
            for job in self.world.visible():
                if not t0 <= job.created < t1:
                    continue
                spent = 0.0
                if job.state_at(t)[0] == "complete":
                    spent = job.credit_cost * USD_PER_CREDIT
                if group_by == "day":
                    key = datetime.fromtimestamp(job.created, UTC).strftime("%Y-%m-%d")
                elif group_by == "model":
                    key = self._model(job)
                else:
                    key = "total"
                bucket = buckets.setdefault(key, [0, 0.0])
                bucket[0] += 1
                bucket[1] += spent
                total_jobs += 1
                total_spent += spent
        return {
            "start": iso(t0),
            "end": iso(t1),
            "group_by": group_by,
            "total_jobs": total_jobs,
            "total_spent": round(total_spent, 2),
            "currency": "USD",
            "data": [
                {"key": k, "jobs": v[0], "spent": round(v[1], 2)}
                for k, v in sorted(buckets.items())
            ],
        }

    # -- the stream ----------------------------------------------------------------------

    async def stream(self, job: SimJob, last_event_id: str | None) -> AsyncIterator[bytes]:
        """SSE frames for ``job`` until it ends (then ``done``), resuming after an event id;
        counted in ``open_streams`` while it is served."""
        key = JOB_PREFIX + job.id
        self.open_streams[key] += 1
        self.open_streams_max = max(self.open_streams_max, sum(self.open_streams.values()))
        try:
            async for chunk in self._frames(job, last_event_id):
                yield chunk
        finally:
            self.open_streams[key] -= 1

    async def _frames(self, job: SimJob, last_event_id: str | None) -> AsyncIterator[bytes]:
        seen_log, seq = _parse_event_id(last_event_id)
        frames = 0
        yield f"retry: {self.retry_field}\n\n".encode()
        last_status: tuple[Any, ...] | None = None
        quiet = 0.0
        while True:
            with self.world.lock:
                t = self.world.now()
                status = self.status(job, t)
            logs = status.pop("logs")
            status.pop("logs_next_cursor", None)
            key = (status["status"], status["progress"], status["estimated_completion_at"])
            if key != last_status:  # the first frame is always a status snapshot
                last_status = key
                seq += 1
                yield _frame("status", f"{seen_log}-{seq}", status)
                frames += 1
                quiet = 0.0
                if self.drop_after is not None and frames >= self.drop_after:
                    return  # cut short: no done frame, the client must resume
            for item in logs:
                if item["id"] > seen_log:
                    seen_log = item["id"]
                    yield _frame("log", f"{seen_log}-{seq}", item)
                    frames += 1
                    if self.drop_after is not None and frames >= self.drop_after:
                        return
            if status["status"] in ("COMPLETED", "FAILED"):
                yield b"event: done\ndata: [STREAM_DONE]\n\n"
                return
            await asyncio.sleep(STREAM_TICK)
            quiet += STREAM_TICK
            if quiet >= self.keepalive_every:
                quiet = 0.0
                yield b": keep-alive\n\n"


def _frame(event: str, event_id: str, body: Any) -> bytes:
    # text goes out as UTF-8, not \u escapes, as many servers send it: a U+2028 in a message
    # is then a raw character inside the data line (legal JSON, and not a line end in SSE)
    data = json.dumps(body, ensure_ascii=False)
    return f"id: {event_id}\nevent: {event}\ndata: {data}\n\n".encode()


def _parse_event_id(text: str | None) -> tuple[int, int]:
    if not text:
        return 0, 0
    log, _, seq = text.partition("-")
    try:
        return int(log), int(seq or 0)
    except ValueError:
        return 0, 0


def _parse(text: str) -> float:
    value = text.strip().replace("Z", "+00:00")
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _bad(param: str, message: str) -> JSONResponse:
    body = error_body("INVALID_ARGUMENT", message)
    body["error"]["param"] = param
    return JSONResponse(body, status_code=400)


def _not_found(what: str) -> JSONResponse:
    return JSONResponse(error_body("NOT_FOUND", f"No such {what}."), status_code=404)


def _limit(request: Request, default: int = 20) -> int | JSONResponse:
    try:
        limit = int(request.query_params.get("limit", str(default)))
    except ValueError:
        return _bad("limit", "limit must be an integer")
    if not 1 <= limit <= 100:
        return _bad("limit", "limit must be between 1 and 100")
    return limit


def routes(view: V3View) -> list[Route]:
    world = view.world

    async def list_jobs(request: Request) -> Response:
        limit = _limit(request)
        if isinstance(limit, JSONResponse):
            return limit
        cursor_text = request.query_params.get("cursor")
        cursor = _uncursor(cursor_text)
        if cursor_text and cursor is None:
            return _bad("cursor", "invalid cursor")
        return JSONResponse(view.page(limit, cursor))

    async def model_jobs(request: Request) -> Response:
        model = request.path_params["model"]
        if not any(m["slug"] == model for m in data.MODELS):
            return _not_found("model")
        limit = _limit(request)
        if isinstance(limit, JSONResponse):
            return limit
        return JSONResponse(view.page(limit, _uncursor(request.query_params.get("cursor")), model))

    def _job(request: Request) -> SimJob | None:
        with world.lock:
            return view.find(request.path_params["job_id"])

    async def get_job(request: Request) -> Response:
        job = _job(request)
        if job is None:
            return _not_found("job")
        with world.lock:
            return JSONResponse(view.result(job, world.now()))

    async def get_status(request: Request) -> Response:
        job = _job(request)
        if job is None:
            return _not_found("job")
        after = _uncursor(request.query_params.get("logs_after"))
        with world.lock:
            return JSONResponse(view.status(job, world.now(), after))

    async def get_logs(request: Request) -> Response:
        job = _job(request)
        if job is None:
            return _not_found("job")
        limit = _limit(request, 50)
        if isinstance(limit, JSONResponse):
            return limit
        after = _uncursor(request.query_params.get("cursor")) or 0
        with world.lock:
            logs = [item for item in view.logs(job, world.now()) if item["id"] > after]
        page = logs[:limit]
        more = len(logs) > limit
        return JSONResponse(
            {"data": page, "next_cursor": _cursor(page[-1]["id"]) if more and page else None}
        )

    async def stream(request: Request) -> Response:
        job = _job(request)
        if job is None:
            return _not_found("job")
        last = request.headers.get("last-event-id")
        return StreamingResponse(
            view.stream(job, last),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )

    async def list_models(request: Request) -> Response:
        return JSONResponse(view.models())

    async def get_model(request: Request) -> Response:
        model = request.path_params["model"]
        for item in view.models()["data"]:
            if item["id"] == model:
                return JSONResponse(item)
        return _not_found("model")

    async def balance(request: Request) -> Response:
        return JSONResponse(view.balance())

    def _sim_model(request: Request) -> data.SimModel | None:
        return next((m for m in data.MODELS if m["slug"] == request.path_params["model"]), None)

    async def _input(request: Request) -> tuple[dict[str, Any], Any] | JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _bad("body", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return _bad("body", "The body should be an object.")
        return body, body.get("input")

    def _refused(problems: list[dict[str, Any]]) -> JSONResponse:
        count = len(problems)
        what = "1 input field is" if count == 1 else f"{count} input fields are"
        body = error_body("INVALID_ARGUMENT", f"{what} invalid; see details.")
        body["error"]["param"] = problems[0]["field"]
        body["error"]["details"] = problems
        return JSONResponse(body, status_code=400)

    async def model_openapi(request: Request) -> Response:
        model = _sim_model(request)
        if model is None:
            return _not_found("model")
        return JSONResponse(submit.v3_openapi(model))

    async def estimate(request: Request) -> Response:
        model = _sim_model(request)
        if model is None:
            return _not_found("model")
        got = await _input(request)
        if isinstance(got, JSONResponse):
            return got
        given = got[1] if got[1] is not None else {}
        problems = submit.v3_problems(model["slug"], given)
        if problems:
            return _refused(problems)
        cost = submit.v3_cost(model, given)
        return JSONResponse({"model": model["slug"], "cost": cost, "currency": "USD"})

    async def submit_job(request: Request) -> Response:
        """``POST /models/{id}``: checked like an estimate; 402 when the wallet cannot pay;
        an ``idempotency_key`` seen before replays its first acknowledgement (no new job)."""
        model = _sim_model(request)
        if model is None:
            return _not_found("model")
        got = await _input(request)
        if isinstance(got, JSONResponse):
            return got
        body, given = got
        key = body.get("idempotency_key")
        fingerprint = json.dumps(given, sort_keys=True)
        if isinstance(key, str) and key in view.acks:
            seen, ack = view.acks[key]
            if seen != fingerprint:
                return JSONResponse(
                    error_body(
                        "ALREADY_EXISTS", "This idempotency_key was used with a different input."
                    ),
                    status_code=409,
                )
            return JSONResponse(ack, status_code=202, headers={"Location": ack["result_url"]})
        if given is None:
            return _refused(
                [{"field": "input", "message": "input: Field required", "reason": "required"}]
            )
        problems = submit.v3_problems(model["slug"], given)
        if problems:
            return _refused(problems)
        cost = submit.v3_cost(model, given)
        wallet = view.balance()["balance"]
        if cost > wallet:
            refused = error_body(
                "INSUFFICIENT_BALANCE",
                f"Your API wallet balance is ${wallet:,.2f} and this request costs "
                f"${cost:,.2f}. Add funds, then retry.",
            )
            refused["error"]["billing"] = {
                "balance": wallet,
                "required": cost,
                "currency": "USD",
                "funding_url": "https://www.hedra.com/develop/billing?add_funds=true",
            }
            return JSONResponse(refused, status_code=402)
        kind = model["type"]
        gen_type = {"video": "video", "image": "image", "audio": "text_to_speech"}.get(
            kind, "voice_clone"
        )
        prompt = given.get("prompt") if isinstance(given.get("prompt"), str) else ""
        job = world.submit(
            gen_type=gen_type,
            asset_type=kind,
            model=model,
            prompt=prompt,
            given={
                "type": gen_type,
                "text_prompt": prompt,
                "ai_model_id": data.model_id(model["slug"]),
            },
            credits=math.ceil(cost / USD_PER_CREDIT),
        )
        with world.lock:
            t = world.now()
            status, _, left = job.state_at(t)
        job_id = JOB_PREFIX + job.id
        ack = {
            "job_id": job_id,
            "model": model["slug"],
            "status": STATUS_V3.get(status, status.upper()),
            "status_url": f"/v3/jobs/{job_id}/status",
            "result_url": f"/v3/jobs/{job_id}",
            "estimated_completion_at": None if left is None else iso(t + left),
        }
        if isinstance(key, str):
            view.acks[key] = (fingerprint, ack)
        return JSONResponse(ack, status_code=202, headers={"Location": ack["result_url"]})

    async def usage(request: Request) -> Response:
        q = request.query_params
        group_by = q.get("group_by", "total")
        if group_by not in ("total", "day", "model"):
            return _bad("group_by", "group_by must be total, day or model")
        try:
            return JSONResponse(view.usage(q.get("start"), q.get("end"), group_by))
        except ValueError:
            return _bad("start", "start and end must be ISO-8601 instants")

    async def sim_streams(request: Request) -> Response:
        body = await request.json()
        view.drop_after = body.get("drop_after")
        if body.get("keepalive_every"):
            view.keepalive_every = float(body["keepalive_every"])
        if "retry" in body:  # any text, to test what clients make of it
            view.retry_field = str(body["retry"])
        return JSONResponse({"drop_after": view.drop_after})

    return [
        Route("/v3/jobs", list_jobs, methods=["GET"]),
        Route("/v3/jobs/{job_id}", get_job, methods=["GET"]),
        Route("/v3/jobs/{job_id}/status", get_status, methods=["GET"]),
        Route("/v3/jobs/{job_id}/logs", get_logs, methods=["GET"]),
        Route("/v3/jobs/{job_id}/stream", stream, methods=["GET"]),
        Route("/v3/models", list_models, methods=["GET"]),
        Route("/v3/models/{model:path}/jobs", model_jobs, methods=["GET"]),
        Route("/v3/models/{model:path}/openapi.json", model_openapi, methods=["GET"]),
        Route("/v3/models/{model:path}/estimate", estimate, methods=["POST"]),
        Route("/v3/models/{model:path}", get_model, methods=["GET"]),
        Route("/v3/models/{model:path}", submit_job, methods=["POST"]),
        Route("/v3/balance", balance, methods=["GET"]),
        Route("/v3/usage", usage, methods=["GET"]),
        Route("/_sim/streams", sim_streams, methods=["POST"]),
    ]
