"""``hedra-tui list``: print generations as a table or as JSON lines."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from typing import TextIO

from ..api.backend import MAX_PAGE_SIZE, Backend
from ..api.errors import HedraError
from ..api.models import Generation
from ..api.sanitize import display
from ..connect import connect, filters_from_args
from ..state.derive import error_code_of, format_age, model_id_of, parse_time, prompt_of
from ..state.export import model_names, write_csv
from ..state.filters import ServerFilters


async def fetch(
    client: Backend, limit: int, offset: int, filters: ServerFilters
) -> list[Generation]:
    """Up to ``limit`` generations from ``offset`` on, a page of at most 100 at a time.
    Relative times are resolved once, so every page answers the same question."""
    out: list[Generation] = []
    page_size = min(limit, MAX_PAGE_SIZE)
    params = filters.params(datetime.now(UTC))
    async for page in client.iter_pages(page_size=page_size, offset=offset, filters=params):
        out.extend(page.items)
        for bad in page.malformed:
            print(f"hedra-tui: warning: skipped a malformed item: {bad.reason}", file=sys.stderr)
        if len(out) >= limit:
            break
    return out[:limit]


def _progress(gen: Generation) -> str:
    return f"{round(max(0.0, min(gen.progress, 1.0)) * 100):3d}%"


def write_table(gens: list[Generation], out: TextIO, *, width: int | None = None) -> None:
    now = datetime.now(UTC)
    width = width or shutil.get_terminal_size((120, 24)).columns
    header = ("ID", "STATUS", "TYPE", "PROG", "AGE", "CREDITS", "ERROR", "PROMPT")
    rows = []
    for g in gens:
        rows.append(
            (
                display(g.id),  # never cut: an id is there to be copied
                display(g.status or "unknown", max_len=12),
                display(g.type or "?", max_len=10),
                _progress(g),
                format_age(parse_time(g.created_at), now),
                "" if g.credit_cost is None else str(g.credit_cost),
                display(error_code_of(g) or "", max_len=22),
                prompt_of(g),
            )
        )
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header[:-1])]
    used = sum(widths) + 2 * len(widths)
    room = max(width - used, 10)
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        cells.append(display(row[-1], max_len=room))
        out.write("  ".join(cells).rstrip() + "\n")
    if not gens:
        out.write("(no generations)\n")


def write_json_lines(gens: list[Generation], out: TextIO) -> None:
    # ensure_ascii escapes every control character, so the raw data cannot reach a terminal
    for g in gens:
        out.write(json.dumps(g.raw, ensure_ascii=True, separators=(",", ":")) + "\n")


async def read_models(client: Backend) -> dict[str, str]:
    """The model catalogue as id -> name. On v3 it also gives each job its type (the model's
    modality: a job names only its model). Best effort: a list without names beats none."""
    try:
        return model_names(await client.list_models())
    except HedraError as exc:
        print(
            f"hedra-tui: warning: could not read the model catalogue ({exc.message}); "
            "model names and v3 types are left blank",
            file=sys.stderr,
        )
        return {}


async def run_list(args: argparse.Namespace) -> int:
    fmt = args.format or ("json" if args.json else "csv" if args.csv else "table")
    names: dict[str, str] = {}
    with connect(args) as conn:
        filters = filters_from_args(args, conn.settings.filters)
        async with conn.client() as client:
            if fmt == "csv" or conn.api == "v3":
                names = await read_models(client)
            gens = await fetch(client, args.limit, args.offset, filters)
    if fmt == "json":
        write_json_lines(gens, sys.stdout)
    elif fmt == "csv":
        write_csv(gens, sys.stdout, lambda g: names.get(model_id_of(g) or "", ""))
    else:
        write_table(gens, sys.stdout)
    return 0
