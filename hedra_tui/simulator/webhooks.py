"""Webhook deliveries in the simulator (``hedra-openapi-v3-actions.json``): some jobs were
submitted with a webhook; each has one delivery, PENDING while the job runs, then DELIVERED,
or FAILED with the endpoint's status code and an error envelope. A redelivery resets it to
PENDING, then DELIVERING, then its new outcome (an endpoint that is gone fails again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .v3 import V3View, _bad, _cursor, _limit, _uncursor, error_body
from .world import SimJob, iso

HOOK_EVERY = 4  # one job in four was submitted with a webhook
REPLAY_PENDING = 2.0  # seconds a redelivery waits, then is being sent for as long again
URLS = (
    ("https://hooks.example.com/hedra/jobs", "per_job"),
    ("https://ci.example.org/api/render-done", "per_job"),
    ("https://studio.example.net/webhooks/hedra", "default"),
)
# why a delivery failed: (HTTP status or None, error code, message, retryable, fails again)
FAILURES = (
    (500, "UNAVAILABLE", "The webhook endpoint returned a server error.", True, False),
    (404, "NOT_FOUND", "The webhook endpoint returned 404 Not Found.", False, True),
    (None, "DEADLINE_EXCEEDED", "The webhook endpoint did not answer in time.", True, False),
    (410, "FAILED_PRECONDITION", "The webhook endpoint is gone (410).", False, True),
)


@dataclass
class Replay:
    requested_at: float


@dataclass
class Deliveries:
    """Deliveries of the jobs with a webhook, derived from each job's timeline; only the
    redeliveries asked for are state."""

    replays: dict[str, list[Replay]] = field(default_factory=dict)

    @staticmethod
    def has_hook(job: SimJob) -> bool:
        return job.seed % HOOK_EVERY == 0

    @staticmethod
    def _failure(job: SimJob) -> tuple[Any, ...] | None:
        if (job.seed >> 8) % 10 >= 3:  # seven in ten are delivered at the first attempt
            return None
        return FAILURES[(job.seed >> 12) % len(FAILURES)]

    def delivery(self, job: SimJob, model: str, t: float) -> dict[str, Any]:
        status, _, _ = job.state_at(t)
        url, source = URLS[(job.seed >> 4) % len(URLS)]
        out: dict[str, Any] = {
            "job_id": "job_" + job.id,
            "job_accessible": True,
            "model": model,
            "event_type": None,
            "status": "PENDING",
            "source": source,
            "attempts": 0,
            "redelivery_count": 0,
            "redeliveries": [],
            "last_response_status": None,
            "last_error": None,
            "webhook_url": url,
            "created_at": iso(job.created),
            "last_attempt_at": None,
        }
        if status in ("queued", "processing", "finalizing"):
            return out
        out["event_type"] = "job.completed" if status == "complete" else "job.failed"
        failure = self._failure(job)
        fired = job.done_at + 1
        if t < fired:
            return out
        if failure is None:
            out |= {"status": "DELIVERED", "attempts": 1, "last_response_status": 200}
            out["last_attempt_at"] = iso(fired)
        else:
            code, kind, message, retryable, _ = failure
            out |= {"status": "FAILED", "attempts": 6, "last_response_status": code}
            out["last_error"] = {"code": kind, "message": message, "retryable": retryable}
            out["last_attempt_at"] = iso(min(fired + 3600, t))
        for replay in self.replays.get(job.id, []):
            out = self._replayed(out, replay, failure, t)
        return out

    @staticmethod
    def _replayed(
        before: dict[str, Any], replay: Replay, failure: tuple[Any, ...] | None, t: float
    ) -> dict[str, Any]:
        out = dict(before)
        out["redelivery_count"] = before["redelivery_count"] + 1
        out["redeliveries"] = [
            *before["redeliveries"],
            {
                "requested_at": iso(replay.requested_at),
                "status": before["status"],
                "attempts": before["attempts"],
                "last_response_status": before["last_response_status"],
                "last_error": before["last_error"],
                "last_attempt_at": before["last_attempt_at"],
            },
        ]
        waited = t - replay.requested_at
        if waited < REPLAY_PENDING:
            out["status"] = "PENDING"
            return out
        if waited < 2 * REPLAY_PENDING:
            out["status"] = "DELIVERING"
            return out
        out["attempts"] = before["attempts"] + 1
        out["last_attempt_at"] = iso(replay.requested_at + 2 * REPLAY_PENDING)
        if failure is not None and failure[4]:  # the endpoint is still gone
            out["status"] = "FAILED"
        else:
            out |= {"status": "DELIVERED", "last_response_status": 200, "last_error": None}
        return out

    def redeliver(self, job: SimJob, t: float) -> None:
        self.replays.setdefault(job.id, []).append(Replay(t))


def page(view: V3View, deliveries: Deliveries, limit: int, cursor: int | None) -> dict[str, Any]:
    """Deliveries newest first (by their job's creation); the cursor names a position."""
    world = view.world
    with world.lock:
        jobs = world.visible()
        t = world.now()
        index = len(jobs) - 1 if cursor is None else cursor - 1
        out: list[dict[str, Any]] = []
        while index >= 0 and len(out) < limit:
            job = jobs[index]
            if deliveries.has_hook(job):
                out.append(deliveries.delivery(job, view._model(job), t))
            index -= 1
        return {"data": out, "next_cursor": _cursor(index + 1) if index >= 0 else None}


def routes(view: V3View) -> list[Route]:
    deliveries = Deliveries()
    world = view.world

    async def list_deliveries(request: Request) -> Response:
        limit = _limit(request)
        if isinstance(limit, JSONResponse):
            return limit
        text = request.query_params.get("cursor")
        cursor = _uncursor(text)
        if text and cursor is None:
            return _bad("cursor", "invalid cursor")
        return JSONResponse(page(view, deliveries, limit, cursor))

    async def redeliver(request: Request) -> Response:
        with world.lock:
            job = view.find(request.path_params["job_id"])
            if job is None or not deliveries.has_hook(job):
                return JSONResponse(error_body("NOT_FOUND", "Delivery not found."), 404)
            t = world.now()
            before = deliveries.delivery(job, view._model(job), t)
            if before["status"] in ("PENDING", "DELIVERING"):
                body = error_body(
                    "ALREADY_IN_PROGRESS", "A delivery for this job is still in flight."
                )
                return JSONResponse(body, 409)
            deliveries.redeliver(job, t)
            return JSONResponse(deliveries.delivery(job, view._model(job), t))

    return [
        Route("/v3/webhooks/deliveries", list_deliveries, methods=["GET"]),
        Route("/v3/webhooks/deliveries/{job_id}/redeliver", redeliver, methods=["POST"]),
    ]
