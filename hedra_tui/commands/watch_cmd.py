"""``hedra-tui watch ID [ID...]``: follow jobs until they finish (exit 0: all complete)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TextIO

from ..api.errors import ConfigError, HedraError
from ..api.models import IN_FLIGHT_STATUSES, Generation
from ..api.retry import backoff_delay
from ..api.sanitize import display
from ..connect import connect
from ..state.derive import error_code_of, eta_deadline, format_duration
from ..state.store import utcnow


def progress_line(gen: Generation) -> str:
    # the id is never cut: it is there to be copied
    parts = [display(gen.id), display(gen.status or "unknown", max_len=20)]
    parts.append(f"{round(max(0.0, min(gen.progress, 1.0)) * 100)}%")
    if gen.status in IN_FLIGHT_STATUSES:
        deadline = eta_deadline(gen, utcnow())
        if deadline is not None:
            parts.append(f"ETA {format_duration((deadline - utcnow()).total_seconds())}")
    code = error_code_of(gen)
    if code and gen.status != "complete":
        message = gen.error.message if gen.error else (gen.error_message or "")
        parts.append(f"{display(code, max_len=30)}: {display(message, max_len=160)}")
    return "  ".join(parts)


async def follow(args: argparse.Namespace, out: TextIO) -> int:
    ids = list(dict.fromkeys(args.ids))
    with connect(args) as conn:
        interval = args.watch_interval or conn.settings.interval
        async with conn.client() as client:
            last: dict[str, object] = {}
            final: dict[str, Generation] = {}
            failures = 0
            first = True
            while len(final) < len(ids):
                try:
                    gens = await client.refresh([i for i in ids if i not in final])
                    failures = 0
                except HedraError as exc:
                    if not exc.transient:
                        raise
                    failures += 1
                    print(f"hedra-tui: warning: {exc.message}; retrying", file=sys.stderr)
                    await asyncio.sleep(backoff_delay(failures - 1, base=interval, cap=60))
                    continue
                found = {g.id: g for g in gens}
                if first:
                    missing = [i for i in ids if i not in found]
                    if missing:
                        raise ConfigError(
                            f"no generation with id {display(missing[0], max_len=60)}"
                        )
                    first = False
                for gen in found.values():
                    if last.get(gen.id) != gen.raw:
                        last[gen.id] = gen.raw
                        if args.json:
                            out.write(json.dumps(gen.raw, ensure_ascii=True) + "\n")
                        else:
                            out.write(progress_line(gen) + "\n")
                        out.flush()
                    if gen.status not in IN_FLIGHT_STATUSES:
                        final[gen.id] = gen
                if len(final) < len(ids):
                    await asyncio.sleep(interval)
    ok = all(g.status == "complete" for g in final.values())
    return 0 if ok else 1


async def run_watch(args: argparse.Namespace) -> int:
    return await follow(args, sys.stdout)
