"""The v3 job, typed (:class:`Job`), and as the backend-neutral :class:`Generation` every
view uses (no httpx here).

A v3 job is known by ``JobSummary``, ``ResultResponse`` and ``StatusResponse`` fields merged
into one JSON object; :func:`generation_from_v3` maps it: the status normalized
(``IN_QUEUE`` -> queued, ``IN_PROGRESS`` -> processing, ``COMPLETED`` -> complete, ``FAILED``
-> error, anything else kept as sent), the error envelope as the error, the first output as
the asset, the prompt and model as the input; the raw v3 JSON stays for the tree, copy and
export.
"""

from __future__ import annotations

from typing import Any

from ..models import Generation, HedraModel, parse_generation

STATUS_FROM_V3 = {
    "IN_QUEUE": "queued",
    "IN_PROGRESS": "processing",
    "COMPLETED": "complete",
    "FAILED": "error",
}
IN_FLIGHT_V3 = frozenset({"IN_QUEUE", "IN_PROGRESS"})
# model id -> modality, from GET /models (a job list names only the model)
MODALITIES: dict[str, str] = {}


class LogLine(HedraModel):
    """One event of a job's lifecycle log (``JobLogItem``)."""

    id: int | str | None = None
    timestamp: str | None = None
    level: str | None = None
    event: str | None = None
    message: str | None = None


class JobOutput(HedraModel):
    """One output of a finished job (``OutputItem``)."""

    asset_id: str | None = None
    url: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


class JobError(HedraModel):
    """The error envelope of a failed job (``ErrorEnvelope``)."""

    code: str | None = None
    message: str | None = None
    param: str | None = None


class Job(HedraModel):
    """What the v3 API says about one job: a ``JobSummary`` (list page), a ``ResultResponse``
    (``GET /jobs/{id}``), a ``StatusResponse`` (``/status``, with log lines) or a stream's
    ``status`` frame. Each carries part of the job; ``raw`` is that part as sent, and the
    state layer folds the parts into one JSON object per job. Only ``job_id`` is required."""

    job_id: str
    status: str | None = None
    model: str | None = None
    created_at: str | None = None
    prompt: str | None = None
    progress: float | None = None
    estimated_completion_at: str | None = None
    outputs: list[JobOutput] | None = None
    error: JobError | None = None
    logs: list[LogLine] | None = None
    logs_next_cursor: str | None = None

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT_V3


def remember_modalities(models: dict[str, str]) -> None:
    """Each model's modality, from ``GET /models`` (what a job of that model produces)."""
    MODALITIES.update(models)


def _modality(raw: dict[str, Any]) -> str:
    outputs = raw.get("outputs")
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict):
        kind = str(outputs[0].get("content_type") or "")
        for prefix in ("video", "image", "audio", "text"):
            if kind.startswith(prefix):
                return prefix
    model = raw.get("model")
    return MODALITIES.get(model, "") if isinstance(model, str) else ""


def generation_from_v3(raw: dict[str, Any]) -> Generation:
    """The v3 job JSON as a :class:`Generation`; ``raw`` stays what the tree shows."""
    status = raw.get("status")
    progress = raw.get("progress")
    if status == "COMPLETED":
        progress = 1.0
    shaped: dict[str, Any] = {
        "id": raw.get("job_id"),
        "type": _modality(raw),
        "status": STATUS_FROM_V3.get(status, status) if isinstance(status, str) else status,
        "progress": progress if isinstance(progress, int | float) else 0.0,
        "estimated_completion_at": raw.get("estimated_completion_at"),
        "created_at": raw.get("created_at"),
        "input": {"text_prompt": raw.get("prompt"), "ai_model_id": raw.get("model")},
    }
    err = raw.get("error")
    if isinstance(err, dict):
        shaped["error"] = {
            "type": err.get("code") or "UNKNOWN",
            "message": err.get("message") or "",
            "param": err.get("param"),
        }
    outputs = raw.get("outputs")
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict):
        out = outputs[0]
        shaped["asset"] = {
            "id": out.get("asset_id"),
            "type": shaped["type"],
            "asset": {
                "type": shaped["type"],
                "url": out.get("url"),
                "download_url": out.get("url"),
                "width": out.get("width"),
                "height": out.get("height"),
                "duration_ms": out.get("duration_ms"),
            },
        }
    gen = parse_generation(shaped)
    gen._raw = raw
    return gen
