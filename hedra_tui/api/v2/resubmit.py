"""A v2 generation's input as a new ``POST /generations`` request, and its price in credits
from the model's ``price_details`` (``GET /models``). Pure functions, no I/O."""

from __future__ import annotations

import math
from typing import Any

from ..backend import CREDITS, Price, Resubmission
from ..decode import dig
from ..models import AIModel, Generation
from ..sanitize import display

# ids a request may reserve for the job it creates: they belong to the first job, and sent
# again they would name a job that exists already
RESERVED_IDS = ("generation_id", "generation_ids", "reserved_asset_id", "reserved_asset_ids")
_MODEL_KEYS: tuple[tuple[str, ...], ...] = (
    ("ai_model_id",),
    ("model_slug",),
    ("model_id",),
    ("generated_video_inputs", "ai_model_id"),
    ("generated_video_inputs", "model_slug"),
)
_DURATION_MS: tuple[tuple[str, ...], ...] = (
    ("generated_video_inputs", "duration_ms"),
    ("duration_ms",),
)
_TEXT: tuple[tuple[str, ...], ...] = (("text",), ("text_prompt",))


def _first(data: Any, paths: tuple[tuple[str, ...], ...], kind: type | tuple[type, ...]) -> Any:
    for path in paths:
        value = dig(data, path)
        if isinstance(value, kind) and not isinstance(value, bool) and value != "":
            return value
    return None


def resubmission(gen: Generation) -> Resubmission:
    """The generation's ``input`` as it was sent, to send again (v2 keeps it whole)."""
    raw = gen.raw
    given = raw.get("input") if isinstance(raw, dict) else None
    if not isinstance(given, dict) or not given:
        return Resubmission(gen.id, None, refusal="the API sent no input for this job")
    if not isinstance(given.get("type"), str):
        return Resubmission(gen.id, None, refusal="its input names no generation type")
    body = {k: v for k, v in given.items() if k not in RESERVED_IDS}
    return Resubmission(gen.id, _first(body, _MODEL_KEYS, str), body)


def find_model(models: list[AIModel], key: str | None) -> AIModel | None:
    if key is None:
        return None
    return next((m for m in models if key in (m.id, m.slug)), None)


def price(item: Resubmission, model: AIModel | None) -> Price:
    """``credit_cost`` per ``unit_scale`` billing units (a generation, a second of the
    video, a character of the text), times the batch size; rounded up to whole credits."""
    if model is None:
        what = "the job names no model" if item.model is None else "the model is not listed"
        return Price(None, CREDITS, f"price unknown: {what}")
    details = model.price_details
    if details is None or details.credit_cost is None:
        return Price(None, CREDITS, "price unknown: the model lists no price")
    cost = details.credit_cost
    scale = details.unit_scale or 1
    unit = display(details.billing_unit or "generation", max_len=20)
    body = item.body
    batch = body.get("batch_size")
    batch = batch if isinstance(batch, int) and not isinstance(batch, bool) and batch > 1 else 1
    per = f"{cost:,} credits" + (f" per {scale:,} {unit}s" if scale != 1 else f" a {unit}")
    if unit == "generation":
        units: float = 1
        basis = per
    elif unit == "second":
        duration = _first(body, _DURATION_MS, (int, float))
        if duration is None:
            return Price(None, CREDITS, f"price unknown: {per}, the input has no duration")
        units = duration / 1000
        basis = f"{per} × {units:g} s"
    elif unit == "character":
        text = _first(body, _TEXT, str)
        if text is None:
            return Price(None, CREDITS, f"price unknown: {per}, the input has no text")
        units = len(text)
        basis = f"{per} × {units:,} characters"
    else:
        return Price(None, CREDITS, f"price unknown: billed per {unit}")
    if batch > 1:
        basis += f" × {batch} in the batch"
    return Price(float(math.ceil(cost * units / scale) * batch), CREDITS, basis)
