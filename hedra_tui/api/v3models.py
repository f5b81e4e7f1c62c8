"""A v3 job as the backend-neutral :class:`Generation` every view uses (no httpx here).

A v3 job is known by ``JobSummary``, ``ResultResponse`` and ``StatusResponse`` fields merged
into one JSON object; :func:`generation_from_v3` maps it: the status normalized
(``IN_QUEUE`` -> queued, ``IN_PROGRESS`` -> processing, ``COMPLETED`` -> complete, ``FAILED``
-> error, anything else kept as sent), the error envelope as the error, the first output as
the asset, the prompt and model as the input; the raw v3 JSON stays for the tree, copy and
export.
"""

from __future__ import annotations

from typing import Any

from .models import Generation, parse_generation

STATUS_FROM_V3 = {
    "IN_QUEUE": "queued",
    "IN_PROGRESS": "processing",
    "COMPLETED": "complete",
    "FAILED": "error",
}
IN_FLIGHT_V3 = frozenset({"IN_QUEUE", "IN_PROGRESS"})
# model id -> modality, from GET /models (a job list names only the model)
MODALITIES: dict[str, str] = {}


def remember_modalities(models: dict[str, str]) -> None:
    MODALITIES.update({k: v for k, v in models.items() if isinstance(v, str)})


def looks_like_v3_key(key: str) -> bool:
    """v3 keys are ``<key_id>:<secret>``; v2 keys have no colon."""
    head, colon, tail = key.partition(":")
    return bool(colon and head and tail)


def is_v3_job(raw: Any) -> bool:
    return isinstance(raw, dict) and "job_id" in raw and "id" not in raw


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


def parse_any(raw: Any) -> Generation:
    """A v2 generation or a v3 job, whichever ``raw`` is."""
    return generation_from_v3(raw) if is_v3_job(raw) else parse_generation(raw)
