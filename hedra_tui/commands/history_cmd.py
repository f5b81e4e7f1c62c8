"""``hedra-tui db path|stats|vacuum|forget`` and ``hedra-tui stats``: the local history."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ..api.errors import HedraError
from ..api.sanitize import display
from ..connect import Connection, connect
from ..state.history import HistoryDB
from ..state.stats import RANGES, Group, Stats, compute, duration_text, spent_text

EXIT_OK, EXIT_USAGE = 0, 2


def _open(path: Path) -> HistoryDB:
    opened = HistoryDB.open(path)
    if opened.set_aside is not None:
        print(
            f"hedra-tui: warning: {path} was {opened.reason}; moved to {opened.set_aside}",
            file=sys.stderr,
        )
    return opened.db


def run_db(args: argparse.Namespace) -> int:
    with connect(args) as conn:
        path = conn.history_path()
        if path is None:
            print("hedra-tui: the history is turned off (--no-cache / history = false)")
            return EXIT_USAGE
        if args.action == "path":
            print(path)
            return EXIT_OK
        if args.action == "forget":
            return _forget(path, args.yes)
        if not path.exists():
            print(f"no history yet at {path}")
            return EXIT_OK
        db = _open(path)
        try:
            if args.action == "vacuum":
                before = _size(path)
                db.vacuum()
                print(f"{path}: {before:,} -> {_size(path):,} bytes")
                return EXIT_OK
            _db_stats(db, path, sys.stdout)
        finally:
            db.close()
    return EXIT_OK


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def _forget(path: Path, yes: bool) -> int:
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    if not files:
        print(f"no history at {path}")
        return EXIT_OK
    if not yes:
        if not sys.stdin.isatty():
            print("hedra-tui: forget deletes the history; pass --yes to confirm", file=sys.stderr)
            return EXIT_USAGE
        answer = input(f"Delete the history at {path}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("kept")
            return EXIT_OK
    for p in files:
        p.unlink()
    print(f"deleted {path}")
    return EXIT_OK


def _db_stats(db: HistoryDB, path: Path, out: TextIO) -> None:
    (total, ended, oldest, newest) = db.query(
        "SELECT count(*), sum(final), min(created_at), max(created_at) FROM jobs"
    )[0]
    out.write(f"file      {path}\n")
    out.write(f"size      {_size(path):,} bytes\n")
    out.write(f"jobs      {total:,} ({ended or 0:,} ended, {total - (ended or 0):,} in flight)\n")
    out.write(f"oldest    {display(oldest or '-')}\nnewest    {display(newest or '-')}\n")
    last = db.meta("last_closed_at")
    out.write(f"last run  {display(last or '-')}\n")


# -- stats -----------------------------------------------------------------------------------


def run_stats(args: argparse.Namespace) -> int:
    with connect(args) as conn:
        path = conn.history_path()
        if path is None:
            print("hedra-tui: the history is turned off (--no-cache / history = false)")
            return EXIT_USAGE
        if not path.exists():
            print(f"no history yet at {path}: run the monitor first")
            return EXIT_OK
        db = _open(path)
        try:
            stats = compute(db, args.range, datetime.now(UTC))
        finally:
            db.close()
        server = _server_usage(conn) if conn.api == "v3" else None
    fmt = args.format or "table"
    if fmt == "json":
        payload = stats.as_dict()
        if server is not None:
            payload["server_usage"] = server
        sys.stdout.write(json.dumps(payload, ensure_ascii=True, indent=2) + "\n")
    elif fmt == "csv":
        write_csv(stats, sys.stdout)
    else:
        write_table(stats, sys.stdout, server)
    return EXIT_OK


def _server_usage(conn: Connection) -> dict[str, Any]:
    """v3 ``/usage``: what the server says was spent (by model), or why it did not answer."""

    async def fetch() -> dict[str, Any]:
        backend = conn.client()
        try:
            get_usage = getattr(backend, "get_usage", None)
            if get_usage is None:
                return {"error": "this API has no usage endpoint"}
            return dict(await get_usage("model"))
        finally:
            await backend.aclose()

    try:
        return asyncio.run(fetch())
    except HedraError as exc:
        return {"error": exc.message}


def _rate(group: Group) -> str:
    rate = group.failure_rate
    return "-" if rate is None else f"{rate:.0%}"


HEADER = ("", "JOBS", "DONE", "FAILED", "RATE", "MEDIAN", "P90", "SPENT")


def _cells(group: Group) -> tuple[str, ...]:
    return (
        display(group.key, max_len=28),
        f"{group.jobs:,}",
        f"{group.completed:,}",
        f"{group.failed:,}",
        _rate(group),
        duration_text(group.median_s),
        duration_text(group.p90_s),
        spent_text(group, " cr"),
    )


def write_table(stats: Stats, out: TextIO, server: dict[str, Any] | None = None) -> None:
    out.write(f"{RANGES[stats.range]}, as observed by this monitor (the local history)\n\n")
    for title, groups in (("MODEL", stats.by_model), ("TYPE", stats.by_type)):
        rows = [(title, *HEADER[1:]), *(_cells(g) for g in groups), _cells(stats.total)]
        rows[-1] = ("all", *rows[-1][1:])
        widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
        for index, row in enumerate(rows):
            line = "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
            if index == len(rows) - 1:
                out.write("  ".join("-" * w for w in widths) + "\n")
            out.write(line.rstrip() + "\n")
        out.write("\n")
    top = stats.total.top_errors()
    if top:
        out.write("top errors\n")
        for code, reason, count in top:
            what = display(code) + (f" / {display(reason)}" if reason else "")
            out.write(f"  {count:>6,}  {what}\n")
        out.write("\n")
    out.write(
        "durations: from creation to when a monitor saw the job end "
        f"({len(stats.total.durations):,} observed)\n"
    )
    if server is not None:
        if "error" in server:
            out.write(f"server usage (v3 /usage): not available: {display(server['error'])}\n")
        else:
            spent = server.get("total_spent")
            cur = display(str(server.get("currency") or ""))
            out.write(f"server usage (v3 /usage, the server's figure): {spent} {cur}\n")
            for bucket in server.get("data") or []:
                if isinstance(bucket, dict):
                    out.write(
                        f"  {display(str(bucket.get('key')), max_len=40):<40} "
                        f"{bucket.get('jobs')!s:>8} jobs  {bucket.get('spent')} {cur}\n"
                    )


def write_csv(stats: Stats, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(
        ["group_by", "key", "jobs", "completed", "failed", "in_flight", "failure_rate",
         "median_s", "p90_s", "credits_spent", "money_spent", "currency"]
    )  # fmt: skip
    for by, groups in (("model", stats.by_model), ("type", stats.by_type), ("all", [stats.total])):
        for g in groups:
            d = g.as_dict()
            writer.writerow(
                [by, g.key, g.jobs, g.completed, g.failed, g.running, d["failure_rate"],
                 d["median_duration_s"], d["p90_duration_s"], g.credits, d["money_spent"],
                 d["currency"] or ""]
            )  # fmt: skip
