"""Facts derived from a generation: prompt, model, times, ETA, error group. Pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from ..api.decode import dig
from ..api.models import ErrorCode, Generation

# Where the prompt or the text of a job lives in the spec's request shapes, most specific first.
_PROMPT_PATHS: tuple[tuple[str, ...], ...] = (
    ("generated_video_inputs", "text_prompt"),
    ("generated_image_inputs", "text_prompt"),
    ("generated_audio_inputs", "text_prompt"),
    ("text_prompt",),
    ("prompt",),
    ("text",),
    ("audio_generation", "text"),
    ("name",),
)
_MODEL_PATHS: tuple[tuple[str, ...], ...] = (
    ("ai_model_id",),
    ("model_slug",),
    ("generated_video_inputs", "ai_model_id"),
    ("generated_video_inputs", "model_slug"),
    ("generated_image_inputs", "ai_model_id"),
    ("model_id",),
    ("audio_generation", "model_id"),
)


def _first_str(data: Any, paths: tuple[tuple[str, ...], ...]) -> str | None:
    for path in paths:
        value = dig(data, path)
        if isinstance(value, str) and value.strip():
            return value
    return None


def prompt_of(gen: Generation) -> str:
    """The prompt (or text, or asset name) a person would recognise the job by; raw."""
    found = _first_str(gen.input, _PROMPT_PATHS)
    if found is None and gen.asset is not None:
        found = gen.asset.name
    return found or ""


def model_id_of(gen: Generation) -> str | None:
    """The model id or slug the job ran on, as the input names it."""
    return _first_str(gen.input, _MODEL_PATHS)


def money_text(amount: float, currency: str) -> str:
    """``$0.12`` for US dollars, ``0.12 EUR`` otherwise (``currency`` already safe)."""
    return f"${amount:,.2f}" if currency in ("USD", "") else f"{amount:,.2f} {currency}"


def cost_of(gen: Generation) -> tuple[float | None, str]:
    """What the job cost, as a number for sorting and as text: credits on v2 (``15``), money
    on v3 (``$0.12``, from the job's ``cost`` and ``currency``)."""
    raw = gen.raw if isinstance(gen.raw, dict) else {}
    return cost_from(gen.credit_cost, raw.get("cost"), raw.get("currency"))


def cost_from(credits: int | None, cost: object, currency: object) -> tuple[float | None, str]:
    """:func:`cost_of` from the three values (a job's JSON, or the local history's columns):
    credits when there are, else money in a currency that is letters only."""
    if credits is not None:
        return float(credits), f"{credits:,}"
    if isinstance(cost, int | float) and not isinstance(cost, bool) and cost == cost:
        code = currency if isinstance(currency, str) and currency.isalpha() else ""
        return float(cost), money_text(float(cost), code[:8].upper())
    return None, ""


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def eta_deadline(gen: Generation, seen_at: datetime) -> datetime | None:
    """When the job should finish: ``estimated_completion_at``, else ``seen_at + eta_sec``.

    The spec asks clients to anchor countdowns to the absolute time rather than decay
    ``eta_sec``; ``seen_at`` is when the response carrying ``eta_sec`` arrived.
    """
    absolute = parse_time(gen.estimated_completion_at)
    if absolute is not None:
        return absolute
    if gen.eta_sec is not None and gen.eta_sec >= 0:
        return seen_at + timedelta(seconds=float(gen.eta_sec))
    return None


def format_duration(seconds: float) -> str:
    """Compact human duration: 45s, 3m05s, 2h10m, 4d03h."""
    s = round(max(seconds, 0))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def format_age(created: datetime | None, now: datetime) -> str:
    """Relative age: <1m, 5m, 3h, 2d, 7w (coarse on purpose: it changes rarely, so a
    monitor left open does not repaint ages every second)."""
    if created is None:
        return "?"
    s = (now - created).total_seconds()
    if s < 60:
        return "<1m"
    if s < 3600:
        return f"{int(s // 60)}m"
    if s < 86400:
        return f"{int(s // 3600)}h"
    if s < 86400 * 14:
        return f"{int(s // 86400)}d"
    return f"{int(s // (86400 * 7))}w"


class ErrorGroup(StrEnum):
    """Error codes grouped by what the user should do about them."""

    FIX_INPUT = "fix input"
    CONTENT = "content refused"
    MONEY = "credits"
    ACCESS = "access"
    TRANSIENT = "retry later"
    UNKNOWN = "unknown"


_GROUPS: dict[str, ErrorGroup] = {
    ErrorCode.INVALID_ARGUMENT: ErrorGroup.FIX_INPUT,
    ErrorCode.FAILED_PRECONDITION: ErrorGroup.FIX_INPUT,
    ErrorCode.NOT_FOUND: ErrorGroup.FIX_INPUT,
    ErrorCode.GONE: ErrorGroup.FIX_INPUT,
    ErrorCode.ALREADY_EXISTS: ErrorGroup.FIX_INPUT,
    ErrorCode.ALREADY_IN_PROGRESS: ErrorGroup.TRANSIENT,
    ErrorCode.MODERATION_FAILED: ErrorGroup.CONTENT,
    ErrorCode.INSUFFICIENT_BALANCE: ErrorGroup.MONEY,
    ErrorCode.UNAUTHORIZED: ErrorGroup.ACCESS,
    ErrorCode.PERMISSION_DENIED: ErrorGroup.ACCESS,
    ErrorCode.UNAVAILABLE: ErrorGroup.TRANSIENT,
    ErrorCode.DEADLINE_EXCEEDED: ErrorGroup.TRANSIENT,
    ErrorCode.RESOURCE_EXHAUSTED: ErrorGroup.TRANSIENT,
    ErrorCode.INTERNAL: ErrorGroup.TRANSIENT,
    ErrorCode.UNKNOWN: ErrorGroup.UNKNOWN,
}

ADVICE: dict[ErrorGroup, str] = {
    ErrorGroup.FIX_INPUT: "fix the input and resubmit",
    ErrorGroup.CONTENT: "rephrase the prompt or change the inputs",
    ErrorGroup.MONEY: "top up credits",
    ErrorGroup.ACCESS: "check the key's access",
    ErrorGroup.TRANSIENT: "retry later",
    ErrorGroup.UNKNOWN: "see the message",
}


def error_code_of(gen: Generation) -> str | None:
    """The ErrorCode string (raw, possibly unknown); "UNKNOWN" for a bare error_message."""
    if gen.error is not None:
        return gen.error.type or "UNKNOWN"
    if gen.error_message:
        return "UNKNOWN"
    return None


def error_group(code: str | None, reason_code: str | None = None) -> ErrorGroup | None:
    """The group of an error code; unknown codes fall in UNKNOWN, None when there is no error."""
    if code is None:
        return None
    return _GROUPS.get(code, ErrorGroup.UNKNOWN)


def advice_for(code: str | None, reason_code: str | None = None) -> str:
    """What to do, keyed on (type, reason_code) as the spec asks; unknown reason = absent."""
    if code == ErrorCode.MODERATION_FAILED:
        if reason_code == "MODERATION_LIKENESS":
            return "a reference image/video shows a real person: replace it (rephrasing won't help)"
        if reason_code == "MODERATION_OUTPUT_TRANSIENT":
            return "the output was refused this time: retrying may succeed"
    group = error_group(code)
    return ADVICE[group] if group else ""
