"""Hypothesis strategies for the spec's schemas (hypothesis-jsonschema on inlined schemas).

The spec's schemas refer to each other recursively (Asset -> GeneratedVideo -> Asset), and
hypothesis-jsonschema cannot resolve recursive references, so ``$ref``s are inlined here with a
depth limit; past it a reference becomes ``null`` (every recursive spot in the spec is nullable).
OpenAPI-only keywords are dropped and strings/arrays are kept short so examples stay cheap.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from ..spec import spec_text

_DROP = {"discriminator", "title", "description", "example", "examples", "deprecated", "format"}
MAX_DEPTH = 3


@cache
def _components() -> dict[str, Any]:
    spec = json.loads(spec_text("hedra-openapi-v2.json"))
    return spec["components"]["schemas"]


def inline(schema: Any, depth: int = 0, seen: tuple[str, ...] = ()) -> Any:
    if isinstance(schema, list):
        return [inline(s, depth, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen or depth >= MAX_DEPTH:
            return {"type": "null"}
        return inline(_components()[name], depth + 1, (*seen, name))
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP:
            continue
        if key == "prefixItems":
            out["items"] = inline(value, depth, seen)  # draft-7 tuple form
            continue
        if key == "properties":
            out[key] = {k: inline(v, depth, seen) for k, v in value.items()}
        else:
            out[key] = inline(value, depth, seen)
    if out.get("type") == "string" and "enum" not in out and "const" not in out:
        out.setdefault("maxLength", 12)
    if out.get("type") == "array":
        out.setdefault("maxItems", 2)
    if out.get("type") == "object" and "additionalProperties" in out:
        out.setdefault("maxProperties", 2)
    return out


@cache
def strategy(name: str) -> st.SearchStrategy[Any]:
    return from_schema(inline({"$ref": f"#/components/schemas/{name}"}))


def generation_strategy() -> st.SearchStrategy[Any]:
    return strategy("Generation")


def status_response_strategy() -> st.SearchStrategy[Any]:
    return strategy("GenerationStatusResponse")


def credit_balance_strategy() -> st.SearchStrategy[Any]:
    return strategy("CreditBalance")


def ai_model_strategy() -> st.SearchStrategy[Any]:
    return strategy("AIModel")


def page_strategy() -> st.SearchStrategy[Any]:
    return strategy("PagedResponse_Generation_")
