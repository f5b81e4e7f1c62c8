"""What a v3 job can be submitted again with: a v3 job returns only its prompt, so a model
qualifies when its input schema (``GET /models/{id}/openapi.json``, a one-operation OpenAPI
document) requires nothing else without a default. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..backend import Resubmission
from ..errors import PayloadError
from ..models import Generation
from ..sanitize import display

PROMPT = "prompt"


@dataclass(frozen=True)
class InputSchema:
    """A model's submit ``input``: its fields, and those required with no default."""

    fields: frozenset[str]
    required: tuple[str, ...]  # required and without a default, in the schema's order


def _resolve(doc: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Follow local ``$ref``s (``#/components/schemas/X``) and a one-item ``allOf``."""
    while isinstance(node, dict) and depth < 16:
        depth += 1
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = doc
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            node = target
            continue
        parts = node.get("allOf")
        if isinstance(parts, list) and len(parts) == 1:
            node = parts[0]
            continue
        return node
    return node


def input_schema(doc: Any) -> InputSchema:
    """The ``input`` object of the document's one submit operation (its first ``post``)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise PayloadError("the model's input schema is not an OpenAPI document")
    for item in doc["paths"].values():
        post = item.get("post") if isinstance(item, dict) else None
        if not isinstance(post, dict):
            continue
        content = (post.get("requestBody") or {}).get("content") or {}
        media = content.get("application/json") if isinstance(content, dict) else None
        body = _resolve(doc, media.get("schema") if isinstance(media, dict) else None)
        props = body.get("properties") if isinstance(body, dict) else None
        node = _resolve(doc, props.get("input") if isinstance(props, dict) else None)
        if not isinstance(node, dict):
            break
        fields: Any = node.get("properties") or {}
        required: Any = node.get("required") or []
        if not isinstance(fields, dict) or not isinstance(required, list):
            break
        needed = tuple(
            name
            for name in required
            if isinstance(name, str)
            and not (isinstance(fields.get(name), dict) and "default" in fields[name])
        )
        return InputSchema(frozenset(str(k) for k in fields), needed)
    raise PayloadError("the model's input schema has no submit operation with an input")


def resubmission(gen: Generation, model: str | None, schema: InputSchema | None) -> Resubmission:
    """The job's prompt as a new submit, where the model needs nothing more; else why not.

    ``schema`` is None when the caller could not read the model's schema (it says why)."""
    raw = gen.raw
    prompt = raw.get(PROMPT) if isinstance(raw, dict) else None
    if model is None:
        return Resubmission(gen.id, None, refusal="the job names no model")
    name = display(model, max_len=40)
    if not isinstance(prompt, str) or not prompt.strip():
        return Resubmission(gen.id, model, refusal="its prompt is not known (not read yet?)")
    if schema is None:
        return Resubmission(gen.id, model, refusal=f"the input schema of {name} is unknown")
    if PROMPT not in schema.fields:
        return Resubmission(gen.id, model, refusal=f"{name} takes no prompt")
    missing = [display(f, max_len=40) for f in schema.required if f != PROMPT]
    if missing:
        return Resubmission(
            gen.id,
            model,
            refusal=(
                f"{name} also requires {', '.join(missing)}, and a v3 job keeps only its prompt"
            ),
        )
    return Resubmission(gen.id, model, {PROMPT: prompt})
