"""What the history says: jobs, failures, durations, spending and error groups over a range.

Pure Python over the local history (``state/history.py``). Durations are *observed*: from a
job's creation to when a monitor saw it end, so only jobs a monitor watched ending have one.
Spending counts what completed jobs cost: credits (v2) or money in the job's currency (v3).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .derive import error_group
from .history import HistoryDB

RANGES: dict[str, str] = {
    "today": "today (since local midnight)",
    "24h": "the last 24 hours",
    "7d": "the last 7 days",
    "all": "everything stored",
}
TOP_ERRORS = 5
CHART_POINTS = 96  # the chart's width, at most
STEPS: tuple[tuple[str, timedelta], ...] = (
    ("hour", timedelta(hours=1)),
    ("2 hours", timedelta(hours=2)),
    ("3 hours", timedelta(hours=3)),
    ("6 hours", timedelta(hours=6)),
    ("12 hours", timedelta(hours=12)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
)


@dataclass
class Group:
    """The figures of one slice (one model, one type, or everything)."""

    key: str
    jobs: int = 0
    completed: int = 0
    failed: int = 0
    running: int = 0
    durations: list[float] = field(default_factory=list, repr=False)
    credits: int = 0
    money: float = 0.0
    currency: str = ""
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def failure_rate(self) -> float | None:
        ended = self.completed + self.failed
        return self.failed / ended if ended else None

    @property
    def median_s(self) -> float | None:
        return percentile(self.durations, 50)

    @property
    def p90_s(self) -> float | None:
        return percentile(self.durations, 90)

    def top_errors(self, n: int = TOP_ERRORS) -> list[tuple[str, str, int]]:
        return [(code, reason, count) for (code, reason), count in self.errors.most_common(n)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "jobs": self.jobs,
            "completed": self.completed,
            "failed": self.failed,
            "in_flight": self.running,
            "failure_rate": self.failure_rate,
            "median_duration_s": self.median_s,
            "p90_duration_s": self.p90_s,
            "durations_observed": len(self.durations),
            "credits_spent": self.credits,
            "money_spent": round(self.money, 2),
            "currency": self.currency or None,
            "top_errors": [
                {"code": c, "reason": r or None, "group": _group(c, r), "count": n}
                for c, r, n in self.top_errors()
            ],
        }


@dataclass
class Stats:
    range: str
    since: datetime | None
    until: datetime
    total: Group
    by_model: list[Group]
    by_type: list[Group]
    bucket: str  # the chart's step: "hour", "2 hours", ... "day", "week"
    timeline: list[tuple[datetime, int, int]]  # (bucket start, jobs, failures), oldest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "range": self.range,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "source": "observed by this monitor (the local history)",
            "total": self.total.as_dict(),
            "by_model": [g.as_dict() for g in self.by_model],
            "by_type": [g.as_dict() for g in self.by_type],
            "timeline": {
                "bucket": self.bucket,
                "points": [
                    {"start": start.isoformat(), "jobs": jobs, "failed": failed}
                    for start, jobs, failed in self.timeline
                ],
            },
        }


def _group(code: str, reason: str) -> str:
    group = error_group(code, reason or None)
    return group.value if group is not None else ""


def percentile(values: list[float], pct: float) -> float | None:
    """The ``pct`` percentile (nearest rank, as people read "p90"); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def range_start(name: str, now: datetime) -> datetime | None:
    """Where a named range starts (``now`` is aware; "today" is the local day)."""
    if name == "all":
        return None
    if name == "24h":
        return now - timedelta(hours=24)
    if name == "7d":
        return now - timedelta(days=7)
    if name == "today":
        local = now.astimezone()
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError(f"unknown range {name!r}: one of {', '.join(RANGES)}")


def compute(db: HistoryDB, range_name: str, now: datetime) -> Stats:
    """The figures of ``range_name`` (see RANGES), from the jobs created in it."""
    since = range_start(range_name, now)
    sql = (
        "SELECT status, final, type, COALESCE(model_id, model, '?'), model, created_ts,"
        " finished_at, credits, cost, currency, error_code, reason_code FROM jobs"
    )
    args: list[Any] = []
    if since is not None:
        sql += " WHERE created_ts >= ?"
        args.append(since.timestamp())
    rows = db.query(sql, args)
    total = Group("all")
    models: dict[str, Group] = {}
    names: dict[str, str] = {}  # a model's name, where any row knew it (rows by id)
    types: dict[str, Group] = {}
    first_ts = min((r[5] for r in rows if r[5] is not None), default=None)
    start = since or (datetime.fromtimestamp(first_ts, now.tzinfo) if first_ts else now)
    # the finest step that keeps the chart within CHART_POINTS points
    bucket, step = STEPS[-1]
    for label, size in STEPS:
        if (now - start) / size < CHART_POINTS:
            bucket, step = label, size
            break
    origin = _floor(start, step)
    n_buckets = max(1, min(int((now - origin) / step) + 1, 400))
    timeline = [[0, 0] for _ in range(n_buckets)]
    for (
        status,
        final,
        kind,
        model,
        name,
        created_ts,
        finished_at,
        credits,
        cost,
        cur,
        code,
        reason,
    ) in rows:
        if name:
            names[model] = name
        for group in (
            total,
            models.setdefault(model, Group(model)),
            types.setdefault(kind or "?", Group(kind or "?")),
        ):
            _add(group, status, final, created_ts, finished_at, credits, cost, cur, code, reason)
        if created_ts is not None:
            index = int((datetime.fromtimestamp(created_ts, now.tzinfo) - origin) / step)
            if 0 <= index < n_buckets:
                timeline[index][0] += 1
                timeline[index][1] += status == "error"
    points = [(origin + i * step, jobs, failed) for i, (jobs, failed) in enumerate(timeline)]
    for key, group in models.items():
        group.key = names.get(key, key)  # one row per model, by its name where known
    order = sorted(models.values(), key=lambda g: (-g.jobs, g.key))
    return Stats(
        range=range_name,
        since=since,
        until=now,
        total=total,
        by_model=order,
        by_type=sorted(types.values(), key=lambda g: (-g.jobs, g.key)),
        bucket=bucket,
        timeline=points,
    )


def _floor(when: datetime, step: timedelta) -> datetime:
    local = when.astimezone()
    if step < timedelta(days=1):
        hours = int(step.total_seconds() // 3600)
        return local.replace(
            hour=local.hour - local.hour % hours, minute=0, second=0, microsecond=0
        )
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _add(
    group: Group,
    status: str | None,
    final: int,
    created_ts: float | None,
    finished_at: str | None,
    credits: int | None,
    cost: float | None,
    currency: str | None,
    code: str | None,
    reason: str | None,
) -> None:
    group.jobs += 1
    if status == "complete":
        group.completed += 1
        group.credits += credits or 0
        if cost is not None:
            group.money += cost
            group.currency = group.currency or (currency or "USD")
    elif status == "error":
        group.failed += 1
        group.errors[(code or "UNKNOWN", reason or "")] += 1
    elif not final:
        group.running += 1
    if final and finished_at and created_ts is not None:
        ended = datetime.fromisoformat(finished_at.replace("Z", "+00:00")).timestamp()
        if ended >= created_ts:
            group.durations.append(ended - created_ts)


def duration_text(seconds: float | None) -> str:
    """A duration for the stats: ``42s``, ``3.5m``, ``2.1h``; ``-`` when none was observed."""
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def spent_text(group: Group, credits_unit: str = "") -> str:
    """What a group spent: money (v3), or credits followed by ``credits_unit`` (v2)."""
    if group.currency:
        return f"${group.money:,.2f}" if group.currency == "USD" else f"{group.money:,.2f}"
    return f"{group.credits:,}{credits_unit}"
