"""Session activity: completions and failures per minute, error rate, credits burned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .store import Store

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1)))] for v in values)


@dataclass
class Activity:
    completed: list[int]  # per minute, oldest first
    failed: list[int]
    error_rate: float | None  # failures / endings this session
    credits_burned: int  # credit_cost of jobs seen completing this session


def activity(store: Store, now: datetime, minutes: int = 20) -> Activity:
    """What ended during this session, as seen by the poller (jobs that went final)."""
    completed = [0] * minutes
    failed = [0] * minutes
    done = errors = burned = 0
    for gen_id in store.finished_ids:
        row = store.rows[gen_id]
        at = row.finished_at
        if at is None:
            continue
        if row.status == "complete":
            done += 1
            burned += row.credits or 0
        else:
            errors += 1
        age = int((now - at).total_seconds() // 60)
        if 0 <= age < minutes:
            (completed if row.status == "complete" else failed)[minutes - 1 - age] += 1
    total = done + errors
    return Activity(completed, failed, errors / total if total else None, burned)
