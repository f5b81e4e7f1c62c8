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
    """What ended during this session, as seen by the poller (jobs that went final), whether
    or not their rows are still loaded (server-side filters change which are)."""
    completed = [0] * minutes
    failed = [0] * minutes
    done = errors = burned = 0
    for ending in store.endings.values():
        at = ending.at
        if ending.complete:
            done += 1
            burned += ending.credits or 0
        else:
            errors += 1
        age = int((now - at).total_seconds() // 60)
        if 0 <= age < minutes:
            (completed if ending.complete else failed)[minutes - 1 - age] += 1
    total = done + errors
    return Activity(completed, failed, errors / total if total else None, burned)
