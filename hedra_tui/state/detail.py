"""Everything the detail pane says about one job, as safe text: every API string is sanitized
here (``display``) and bounded, so the widget only lays it out. Raw values stay in the store
for copy and export; URLs keep a separate, checked link target for terminal hyperlinks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..api.sanitize import display, safe_link
from .derive import ErrorGroup, advice_for, format_age, parse_time, prompt_of
from .store import Row, Store

FULL_CUT = 20  # how much longer texts may be in the full (zoomed) view


@dataclass(frozen=True)
class Violation:
    field: str
    message: str


@dataclass(frozen=True)
class ErrorDetail:
    code: str  # the error type, e.g. MODERATION_FAILED
    reason: str  # the reason code, or ""
    group: ErrorGroup | None
    advice: str  # what to do about it
    message: str  # may hold line breaks
    param: str  # or ""
    credits_needed: int | None
    credits_available: int | None
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class Output:
    kind: str  # content type (v3), or ""
    url: str | None  # safe display text of the URL
    link: str | None  # the URL as a hyperlink target, where it is safe to embed


@dataclass(frozen=True)
class LogEvent:
    stamp: str  # HH:MM:SS, or --:--:--
    event: str
    message: str
    error: bool  # logged at the error level


@dataclass(frozen=True)
class JobDetail:
    """One job for the detail pane; ``full`` is the zoomed job (longer texts, every log line,
    every output)."""

    id: str
    status: str  # raw status, for its icon and color
    status_text: str
    type: str
    model: str
    credits: str | None  # v2: credits, as text
    cost: str | None  # v3: money, as text
    created: str | None
    error: ErrorDetail | None
    outputs: tuple[Output, ...]
    prompt: str
    logs: tuple[LogEvent, ...]  # newest last
    log_count: int
    issues: str  # fields that did not match the spec, or ""
    issue_count: int
    full: bool


def _outputs(row: Row, cut: int) -> tuple[Output, ...]:
    """Every output: a v3 job's ``outputs`` (there can be several), else the v2 asset."""
    raw = row.raw
    outputs = raw.get("outputs") if isinstance(raw, dict) and "job_id" in raw else None
    found: list[tuple[str, str | None]] = []
    if isinstance(outputs, list):
        for out in outputs:
            if isinstance(out, dict):
                kind, url = out.get("content_type"), out.get("url")
                found.append(
                    (kind if isinstance(kind, str) else "", url if isinstance(url, str) else None)
                )
    else:
        gen = row.gen
        url = gen.asset.best_url if gen.asset is not None else None
        if url:
            found.append(("", url))
    return tuple(
        Output(
            display(kind, max_len=40),
            display(url, max_len=200 * cut) if url else None,
            safe_link(url),
        )
        for kind, url in found
    )


def _error(row: Row, cut: int) -> ErrorDetail | None:
    if row.error_code is None:
        return None
    gen = row.gen
    err = gen.error
    message = err.message if err is not None else (gen.error_message or "")
    violations: tuple[Violation, ...] = ()
    if err is not None:
        violations = tuple(
            Violation(
                display(v.get("field", "?"), max_len=60),
                display(v.get("message", ""), max_len=200),
            )
            for v in (err.violations or [])[: 10 * cut]
        )
    return ErrorDetail(
        code=row.error_text,
        reason=display(row.reason_code, max_len=40) if row.reason_code else "",
        group=row.error_group,
        advice=advice_for(row.error_code, row.reason_code),
        message=display(message, multiline=True, max_len=1000 * cut) if message else "",
        param=display(err.param, max_len=80) if err is not None and err.param else "",
        credits_needed=err.credits_needed if err is not None else None,
        credits_available=err.credits_available if err is not None else None,
        violations=violations,
    )


def _logs(row: Row, cut: int, last: int | None) -> tuple[tuple[LogEvent, ...], int]:
    raw = row.raw
    logs = raw.get("logs") if isinstance(raw, dict) else None
    if not isinstance(logs, list):
        return (), 0
    items = [item for item in (logs if last is None else logs[-last:]) if isinstance(item, dict)]
    events = []
    for item in items:
        when = parse_time(item.get("timestamp"))
        events.append(
            LogEvent(
                stamp=f"{when:%H:%M:%S}" if when is not None else "--:--:--",
                event=display(item.get("event") or "?", max_len=24),
                message=display(item.get("message") or "", max_len=120 * cut),
                error=item.get("level") == "error",
            )
        )
    return tuple(events), len(items)


def job_detail(
    row: Row, store: Store, now: datetime, *, log_lines: int = 3, full: bool = False
) -> JobDetail:
    """The detail of ``row``; ``log_lines``: how many of the newest log lines (the full view
    has them all)."""
    cut = FULL_CUT if full else 1
    gen = row.gen
    logs, count = _logs(row, cut, None if full else log_lines)
    if full:
        prompt = display(prompt_of(gen), max_len=600 * cut) if row.prompt_text else ""
    else:
        prompt = display(row.prompt_text, max_len=600)
    created = None
    if row.created is not None:
        created = f"{row.created:%Y-%m-%d %H:%M:%S}Z ({format_age(row.created, now)} ago)"
    return JobDetail(
        id=row.id_text,
        status=row.status,
        status_text=row.status_text,
        type=row.type_text,
        model=store.model_label(row),
        credits=row.cost_text if row.credits is not None else None,
        cost=row.cost_text if row.credits is None and row.cost_text else None,
        created=created,
        error=_error(row, cut),
        outputs=_outputs(row, cut),
        prompt=prompt,
        logs=logs,
        log_count=count,
        issues=display("; ".join(gen.parse_issues), max_len=300) if gen.parse_issues else "",
        issue_count=len(gen.parse_issues),
        full=full,
    )
