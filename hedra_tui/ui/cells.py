"""Cell text for the list and the in-flight panel: bars, ETA, columns that fit the width."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size

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


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    min_total: int = 0  # shown only when the list is at least this wide
    right: bool = False


# The columns that change by themselves (ETA every second, progress every poll) come
# first: Textual rewrites a changed line from its left edge up to the last changed cell,
# so keeping them left keeps a monitor that is left open cheap over SSH.
COLUMNS: tuple[Column, ...] = (
    Column("status", "STATUS", 13),
    Column("eta", "ETA", 8),
    Column("pct", "%", 4, right=True),
    Column("progress", "PROGRESS", 12, min_total=100),
    Column("type", "TYPE", 6),
    Column("prompt", "PROMPT", 0),
    Column("model", "MODEL", 14, min_total=110),
    Column("age", "AGE", 4, right=True),
    Column("credits", "CR", 5, min_total=100, right=True),
    Column("error", "ERROR", 18, min_total=70),
)
PROMPT_MIN = 12


def layout(width: int) -> list[tuple[Column, int]]:
    """The columns that fit ``width`` cells, with widths; the prompt takes what is left."""
    chosen = [c for c in COLUMNS if width >= c.min_total]
    fixed = sum(c.width for c in chosen if c.key != "prompt") + len(chosen) - 1
    room = width - fixed
    if room < PROMPT_MIN:
        # narrow: shrink the error column first, then drop it
        chosen = [c for c in chosen if c.key != "error"]
        fixed = sum(c.width for c in chosen if c.key != "prompt") + len(chosen) - 1
        room = width - fixed
    return [(c, max(room, PROMPT_MIN) if c.key == "prompt" else c.width) for c in chosen]
