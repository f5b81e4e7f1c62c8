"""Cell text for the list and the in-flight panel: bars, ETA, columns that fit the width."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from ..api.sanitize import display
from ..state.derive import format_duration
from ..state.store import Row

_PARTIAL = " ▏▎▍▌▋▊▉"
ETA_SECONDS_BELOW = 60  # a second-by-second countdown only for the last minute


def bar(progress: float, width: int) -> tuple[str, str]:
    """A text progress bar split into (done, todo) parts, 1/8-cell resolution."""
    if width <= 0:
        return "", ""
    eighths = round(max(0.0, min(progress, 1.0)) * width * 8)
    full, part = divmod(eighths, 8)
    done = "█" * full + (_PARTIAL[part] if part and full < width else "")
    return done, "·" * (width - cell_len(done))


def percent(progress: float) -> str:
    return f"{round(max(0.0, min(progress, 1.0)) * 100):3d}%"


def eta_text(row: Row, now: datetime, *, stalled: bool) -> str:
    """Countdown to the estimated completion; 'stalled?' when the job looks stuck."""
    if not row.in_flight:
        return ""
    if stalled:
        return "stalled?"
    if row.eta_at is None:
        return "—"
    left = (row.eta_at - now).total_seconds()
    if left <= 0:
        return "due"
    if left >= ETA_SECONDS_BELOW:
        # far from done: whole minutes (rounded up), so the cell changes once a minute
        return f"~{math.ceil(left / 60)}m"
    if left > 10:
        return f"{math.ceil(left / 5) * 5}s"  # 5-second steps, then every second near the end
    return format_duration(left)


def fit(text: str, width: int) -> str:
    """Pad or crop ``text`` to exactly ``width`` cells (wide characters counted right)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


# Short words for the error types, for narrow lists (the detail pane names the type in full)
ERROR_SHORT: dict[str, str] = {
    "UNKNOWN": "unknown",
    "INVALID_ARGUMENT": "bad input",
    "NOT_FOUND": "not found",
    "GONE": "gone",
    "ALREADY_EXISTS": "exists",
    "ALREADY_IN_PROGRESS": "in progress",
    "UNAUTHORIZED": "unauthorized",
    "PERMISSION_DENIED": "denied",
    "INSUFFICIENT_BALANCE": "no balance",
    "MODERATION_FAILED": "moderation",
    "FAILED_PRECONDITION": "precondition",
    "DEADLINE_EXCEEDED": "timed out",
    "RESOURCE_EXHAUSTED": "exhausted",
    "UNAVAILABLE": "unavailable",
    "INTERNAL": "internal",
}
STATUS_SHORT: dict[str, str] = {
    "queued": "queued",
    "processing": "proc",
    "finalizing": "final",
    "complete": "done",
    "error": "error",
}


def reason_words(reason: str) -> str:
    """A reason code (raw, from the API) as safe words: ``MODERATION_LIKENESS`` -> ``likeness``."""
    words = reason.removeprefix("MODERATION_").removeprefix("OUTPUT_")
    return display(words.lower().replace("_", " "), max_len=40)


def first_fit(candidates: Sequence[str], width: int) -> str:
    """The first candidate that fits ``width`` whole, padded; the last one cropped otherwise."""
    for text in candidates:
        if cell_len(text) <= width:
            return set_cell_size(text, width)
    return fit(candidates[-1], width)


def status_cell(
    icon: str, status: str, word: str, watched: bool, width: int, *, unseen: bool = False
) -> str:
    """``▶ processing ★``, or ``▶ proc ★`` where there is less room; ``•`` marks a job
    that ended while no monitor was open."""
    marks = (" ★" if watched else "") + (" •" if unseen else "")
    short = STATUS_SHORT.get(status, word)
    return first_fit([f"{icon} {word}{marks}", f"{icon} {short}{marks}"], width)


def error_cell(icon: str, code: str, text: str, reason: str | None, width: int) -> str:
    """The error type and reason in the longest form that fits: never a cut word for the
    types and reasons the spec knows (an unknown type from the server may be cropped)."""
    short = ERROR_SHORT.get(code, text.lower())
    candidates = [f"{icon} {text}", f"{icon} {short}"]
    if reason:
        because = reason_words(reason)
        candidates[:0] = [f"{icon} {text} ({because})", f"{icon} {short} ({because})"]
    return first_fit(candidates, width)


@dataclass(frozen=True)
class Column:
    """A list column: its widths from widest to narrowest form, and what it sorts by."""

    key: str
    title: str
    widths: tuple[int, ...]  # (0,) for the prompt, which takes what is left
    about: str = ""  # one line for the column chooser
    right: bool = False
    sort: str | None = None  # the View sort a click on its title picks

    @property
    def width(self) -> int:
        return self.widths[0]


# The columns that change by themselves (ETA every second, progress every poll) come
# first by default: Textual rewrites a changed line from its left edge up to the last
# changed cell, so keeping them left keeps a monitor that is left open cheap over SSH.
ALL_COLUMNS: tuple[Column, ...] = (
    Column("status", "STATUS", (14, 9), "status icon and word (★ watched)", sort="status"),
    Column("eta", "ETA", (8,), "time left for jobs in flight (stalled? when stuck)", sort="eta"),
    Column("pct", "%", (4,), "progress in percent", right=True, sort="progress"),
    Column("progress", "PROGRESS", (12,), "progress bar", sort="progress"),
    Column("type", "TYPE", (6,), "video, image, audio, voice, text", sort="type"),
    Column("prompt", "PROMPT", (0,), "the prompt (or text, or asset name)", sort="prompt"),
    Column("model", "MODEL", (14,), "the model's name", sort="model"),
    Column("age", "AGE", (4,), "time since the job was created", right=True, sort="created"),
    Column("credits", "CR", (6,), "credits (v2) or cost in $ (v3)", right=True, sort="credits"),
    Column("error", "ERROR", (32, 24, 14), "error type, reason (icon: what to do)", sort="error"),
    Column("created", "CREATED", (11,), "creation time (MM-DD HH:MM, UTC)", sort="created"),
    Column("id", "ID", (10,), "the start of the job's id", sort="id"),
)
BY_KEY: dict[str, Column] = {c.key: c for c in ALL_COLUMNS}
DEFAULT_COLUMNS: tuple[str, ...] = (
    "status", "eta", "pct", "progress", "type", "prompt", "model", "age", "credits", "error",
)  # fmt: skip
PROMPT_MIN = 8  # the prompt never gets narrower than this
PROMPT_WANT = 24  # columns shorten or drop (as below) until the prompt has this much
# (a quarter of the width on narrow lists)

# What gives way, in order, when the prompt would get less than PROMPT_WANT: a column
# moves to its next narrower form ("narrow") or drops whole ("drop"). Status and prompt
# never drop; nothing is ever cut inside a word.
SHRINK: tuple[tuple[str, str], ...] = (
    ("error", "narrow"),  # no room for the reason code: the error type alone
    ("progress", "drop"),  # the % column says the same
    ("model", "drop"),
    ("credits", "drop"),
    ("created", "drop"),
    ("id", "drop"),
    ("error", "narrow"),  # short words: "moderation", "no balance", "timed out"
    ("status", "narrow"),  # short words: "proc", "final", "done"
    ("type", "drop"),
    ("age", "drop"),
    ("eta", "drop"),
    ("pct", "drop"),
    ("error", "drop"),
)


def layout(width: int, keys: Sequence[str] = DEFAULT_COLUMNS) -> list[tuple[Column, int]]:
    """The chosen columns that fit ``width`` cells, in the chosen order, with widths.

    Columns give way in the order of ``SHRINK`` until the prompt gets ``PROMPT_WANT``
    cells; the prompt then takes all that is left.
    """
    cols = [BY_KEY[k] for k in keys if k in BY_KEY]
    form = {c.key: 0 for c in cols}

    def room() -> int:
        fixed = sum(BY_KEY[k].widths[i] for k, i in form.items() if k != "prompt")
        return width - fixed - (len(form) - 1)

    has_prompt = "prompt" in form
    want = min(PROMPT_WANT, max(PROMPT_MIN, width // 4)) if has_prompt else 0
    for key, action in SHRINK:
        if room() >= want:
            break
        if key not in form:
            continue
        if action == "drop":
            del form[key]
        elif form[key] + 1 < len(BY_KEY[key].widths):
            form[key] += 1
    left = room()
    out: list[tuple[Column, int]] = []
    for col in cols:
        if col.key not in form:
            continue
        if col.key == "prompt":
            out.append((col, max(left, PROMPT_MIN)))
        else:
            w = col.widths[form[col.key]]
            if not has_prompt and col is cols[-1]:
                w = max(w, w + left)  # no prompt: the last column takes the rest
            out.append((col, w))
    return out
