"""Starting jobs in the simulator: v2 ``POST /generations`` input checks and prices, and each
v3 model's submit input (its schema, its checks, its price). Pure functions over ``data``.

v2 checks follow the spec: a body that does not fit the request schemas (no ``type``, a
required field missing, a wrong type) is a 422 ``HTTPValidationError``; a value the model does
not support (an aspect ratio, a resolution, an unknown model) is a 400 whose ``detail`` is a
``GenerationError`` (``INVALID_ARGUMENT`` with ``param`` and ``violations``).
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

from . import data

# generation type -> (the asset type it makes, its required fields) (hedra-openapi-v2.json)
V2_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "video": ("video", ("generated_video_inputs",)),
    "text_to_speech": ("audio", ("voice_id", "text")),
    "text_to_sound": ("audio", ("text",)),
    "image": ("image", ("text_prompt",)),
    "image_to_image": ("image", ("text_prompt",)),
    "image_upscale": ("image", ("image_id",)),
    "video_upscale": ("video", ("video_id",)),
    "audio_isolation": ("audio", ("audio_id",)),
    "speech_to_speech": ("audio", ("audio_id", "voice_id")),
    "voice_clone": ("voice", ("audio_id", "name")),
    "video_to_video": ("video", ("video_id", "prompt")),
    "motion_control": ("video", ("video_id", "start_keyframe_id", "generated_video_inputs")),
}
_MODEL_KEYS = ("ai_model_id", "model_slug", "model_id")
DEFAULT_VIDEO_MS = 5000
USD_PER_CREDIT = 0.01


def find_model(key: Any) -> data.SimModel | None:
    if not isinstance(key, str):
        return None
    return next((m for m in data.MODELS if key in (m["slug"], data.model_id(m["slug"]))), None)


def _problem(loc: list[str], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def v2_schema_problems(body: Any) -> list[dict[str, Any]]:
    """What does not fit the request schemas, as FastAPI's ``ValidationError`` items."""
    if not isinstance(body, dict):
        return [_problem([], "Input should be a valid dictionary", "dict_type")]
    kind = body.get("type")
    if kind not in V2_TYPES:
        allowed = ", ".join(f"'{t}'" for t in V2_TYPES)
        return [_problem(["type"], f"Input tag should be one of {allowed}", "union_tag_invalid")]
    out = [
        _problem([kind, name], "Field required", "missing")
        for name in V2_TYPES[kind][1]
        if body.get(name) is None
    ]
    inputs = body.get("generated_video_inputs")
    if inputs is not None:
        if not isinstance(inputs, dict):
            out.append(
                _problem(
                    [kind, "generated_video_inputs"],
                    "Input should be a valid dictionary",
                    "dict_type",
                )
            )
        else:
            if not isinstance(inputs.get("text_prompt"), str):
                out.append(
                    _problem(
                        [kind, "generated_video_inputs", "text_prompt"],
                        "Field required",
                        "missing",
                    )
                )
            duration = inputs.get("duration_ms")
            if duration is not None and not _is_int(duration):
                out.append(
                    _problem(
                        [kind, "generated_video_inputs", "duration_ms"],
                        "Input should be a valid integer",
                        "int_type",
                    )
                )
    for name in ("text_prompt", "text", "prompt", "voice_id"):
        if body.get(name) is not None and not isinstance(body[name], str):
            out.append(_problem([kind, name], "Input should be a valid string", "string_type"))
    batch = body.get("batch_size")
    if batch is not None and (not _is_int(batch) or batch < 1):
        out.append(
            _problem([kind, "batch_size"], "Input should be a valid integer >= 1", "int_type")
        )
    return out


def _model_key(body: dict[str, Any]) -> Any:
    inputs = body.get("generated_video_inputs")
    for key in _MODEL_KEYS:
        if body.get(key) is not None:
            return body[key]
        if isinstance(inputs, dict) and inputs.get(key) is not None:
            return inputs[key]
    return None


def v2_model(body: dict[str, Any]) -> data.SimModel | None:
    return find_model(_model_key(body))


def v2_value_problems(body: dict[str, Any]) -> list[dict[str, str]]:
    """Values the model does not support, as ``violations`` (field, message)."""
    out: list[dict[str, str]] = []
    key = _model_key(body)
    model = find_model(key)
    if key is not None and model is None:
        out.append({"field": "ai_model_id", "message": "no such model"})
    inputs = body.get("generated_video_inputs")
    where: list[tuple[str, dict[str, Any]]] = [("", body)]
    if isinstance(inputs, dict):
        where.append(("generated_video_inputs.", inputs))
    for prefix, obj in where:
        aspect = obj.get("aspect_ratio")
        if aspect is not None and aspect not in data.ASPECTS:
            out.append(
                {
                    "field": prefix + "aspect_ratio",
                    "message": f"must be one of {', '.join(data.ASPECTS)}",
                }
            )
        resolution = obj.get("resolution")
        if prefix and resolution is not None and resolution not in data.RESOLUTIONS:
            out.append(
                {
                    "field": prefix + "resolution",
                    "message": f"must be one of {', '.join(data.RESOLUTIONS)}",
                }
            )
        duration = obj.get("duration_ms")
        if _is_int(duration) and not 1000 <= duration <= 60_000:
            out.append({"field": prefix + "duration_ms", "message": "must be 1000 to 60000"})
    return out


def v2_price(body: dict[str, Any], model: data.SimModel | None) -> int:
    """Credits a request costs: per second of video, else per generation (as ``GET /models``
    lists the prices), times the batch size."""
    if model is None:
        return 1
    units = 1.0
    if model["type"] == "video":
        inputs = body.get("generated_video_inputs")
        duration = inputs.get("duration_ms") if isinstance(inputs, dict) else None
        units = (duration if _is_int(duration) else DEFAULT_VIDEO_MS) / 1000
    batch = body.get("batch_size")
    return math.ceil(model["cost"] * units) * (batch if _is_int(batch) and batch > 1 else 1)


def v2_prompt(body: dict[str, Any]) -> str:
    inputs = body.get("generated_video_inputs")
    for value in (
        inputs.get("text_prompt") if isinstance(inputs, dict) else None,
        body.get("text_prompt"),
        body.get("prompt"),
        body.get("text"),
        body.get("name"),
    ):
        if isinstance(value, str):
            return value
    return ""


# -- v3: each model's submit input -------------------------------------------------------------

_MEDIA = {
    "type": "object",
    "description": "A file: {source: url, url} or {source: asset, asset_id}.",
    "properties": {
        "source": {"type": "string", "enum": ["url", "asset"]},
        "url": {"type": "string", "format": "uri"},
        "asset_id": {"type": "string"},
    },
    "required": ["source"],
}
_PROMPT = {"type": "string", "description": "Generation prompt.", "minLength": 1}


def _enum(values: tuple[Any, ...], default: Any = None, what: str = "") -> dict[str, Any]:
    kind = "integer" if all(_is_int(v) for v in values) else "string"
    out: dict[str, Any] = {"type": kind, "enum": list(values), "description": what}
    if default is not None:
        out["default"] = default
    return out


def _image_input() -> dict[str, Any]:
    return {
        "prompt": _PROMPT,
        "aspect_ratio": _enum(data.ASPECTS, "1:1", "Output aspect ratio."),
        "resolution": _enum(("1K", "2K"), "1K", "Output resolution."),
        "images": {"type": "array", "items": _MEDIA, "maxItems": 3},
        "seed": {"type": "integer"},
    }


def _video_input(default_ms: int = 8000) -> dict[str, Any]:
    return {
        "prompt": _PROMPT,
        "aspect_ratio": _enum(("16:9", "9:16"), "16:9", "Output aspect ratio."),
        "resolution": _enum(("720p", "1080p"), "720p", "Output resolution."),
        "duration_ms": _enum((4000, 6000, 8000), default_ms, "Duration in ms."),
        "start_image": _MEDIA,
        "audio": _MEDIA,
    }


# model slug -> (its input's properties, the fields it requires)
V3_INPUTS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "hedra/character-3": (_video_input(), ("prompt", "start_image", "audio")),
    "hedra/character-3-fast": (_video_input(), ("prompt", "start_image", "audio")),
    "google/veo-3": (_video_input(), ("prompt", "aspect_ratio", "duration_ms")),
    "kling/kling-2.5": (_video_input(), ("prompt", "start_image")),
    "google/nano-banana": (_image_input(), ("prompt", "aspect_ratio", "resolution")),
    "bfl/flux-pro": (_image_input(), ("prompt",)),
    "openai/gpt-image-1": (
        {**_image_input(), "quality": _enum(("low", "medium", "high"), None, "Quality.")},
        ("prompt", "quality"),
    ),
    "elevenlabs/multilingual-v2": (
        {"prompt": _PROMPT, "voice_id": {"type": "string", "description": "The voice."}},
        ("prompt", "voice_id"),
    ),
    "elevenlabs/sound-effects": (
        {"prompt": _PROMPT, "duration_ms": _enum((2000, 5000, 10000), 5000, "Duration.")},
        ("prompt",),
    ),
    "hedra/voice-clone": (
        {"name": {"type": "string"}, "audio": _MEDIA},
        ("name", "audio"),
    ),
}


def v3_input_schema(slug: str) -> dict[str, Any]:
    props, required = V3_INPUTS.get(slug, ({"prompt": _PROMPT}, ("prompt",)))
    return {
        "type": "object",
        "description": f"Model-specific inputs for `{slug}`.",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }


def v3_openapi(model: data.SimModel) -> dict[str, Any]:
    """The model's submit call as a standalone one-operation OpenAPI document."""
    slug = model["slug"]
    ref = "#/components/schemas/"
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{model['name']} ({slug})", "version": "v3"},
        "paths": {
            f"/v3/models/{slug}": {
                "post": {
                    "operationId": "submit_" + slug.replace("/", "_").replace("-", "_"),
                    "summary": f"Run {model['name']} ({slug})",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": ref + "SubmitBody"}}},
                    },
                    "responses": {
                        "202": {
                            "description": "Accepted.",
                            "content": {
                                "application/json": {"schema": {"$ref": ref + "SubmitResponse"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "SubmitBody": {
                    "type": "object",
                    "properties": {
                        "input": {"$ref": ref + "Input"},
                        "webhook": {"type": ["string", "null"], "format": "uri", "default": None},
                        "idempotency_key": {"type": ["string", "null"], "default": None},
                    },
                    "required": ["input"],
                },
                "Input": v3_input_schema(slug),
                "SubmitResponse": {
                    "type": "object",
                    "required": ["job_id", "model", "status", "status_url", "result_url"],
                },
            }
        },
    }


def v3_problems(slug: str, given: Any) -> list[dict[str, Any]]:
    """``FieldError`` items (field, message, reason, allowed) for a submit's ``input``."""
    schema = v3_input_schema(slug)
    if not isinstance(given, dict):
        return [{"field": "input", "message": "input: should be an object", "reason": "type"}]
    props: dict[str, Any] = schema["properties"]
    out: list[dict[str, Any]] = []
    for name in schema["required"]:
        if name not in given and "default" not in props[name]:
            out.append(
                {
                    "field": f"input.{name}",
                    "message": f"input.{name}: Field required",
                    "reason": "required",
                }
            )
    for name, value in given.items():
        field = f"input.{name}"
        spec = props.get(name)
        if spec is None:
            out.append(
                {
                    "field": field,
                    "message": f"{field}: Extra inputs are not permitted",
                    "reason": "extra",
                }
            )
        elif "enum" in spec and value not in spec["enum"]:
            allowed = [str(v) for v in spec["enum"]]
            out.append(
                {
                    "field": field,
                    "reason": "enum",
                    "allowed": allowed,
                    "message": f"{field}: Input should be {' or '.join(map(repr, allowed))}",
                }
            )
        elif spec.get("type") == "string" and (not isinstance(value, str) or not value.strip()):
            out.append(
                {
                    "field": field,
                    "message": f"{field}: should be a non-empty string",
                    "reason": "type",
                }
            )
    return out


def v3_cost(model: data.SimModel, given: dict[str, Any]) -> float:
    """US dollars: a credit is a cent; video is priced per second."""
    credits = float(model["cost"])
    if model["type"] == "video":
        duration = given.get("duration_ms")
        credits *= (duration if _is_int(duration) else 8000) / 1000
    return round(credits * USD_PER_CREDIT, 2)
