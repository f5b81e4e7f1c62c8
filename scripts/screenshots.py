"""Regenerate screenshots/*.svg from the demo with a fixed seed and a frozen clock.

uv run python scripts/screenshots.py              # every shot
uv run python scripts/screenshots.py NAME ...     # only these (e.g. webhooks-v3)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["TZ"] = "UTC"
os.environ["TEXTUAL_ANIMATIONS"] = "none"
time.tzset()

from hedra_tui.api.backend import Backend  # noqa: E402
from hedra_tui.api.models import parse_generation  # noqa: E402
from hedra_tui.api.v2 import V2Client  # noqa: E402
from hedra_tui.api.v3 import V3Client  # noqa: E402
from hedra_tui.simulator.data import models_payload  # noqa: E402
from hedra_tui.simulator.server import SimServer  # noqa: E402
from hedra_tui.simulator.v3 import v3_credential  # noqa: E402
from hedra_tui.state.history import HistoryDB, record_of  # noqa: E402
from hedra_tui.ui.app import HedraApp  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "screenshots"
FROZEN = 1_795_000_000.0
ONLY = set(sys.argv[1:])  # names given on the command line: only those are shot


async def shoot(
    name: str,
    size: tuple[int, int],
    steps: Callable[[Any, Any], Awaitable[None]] | None = None,
    api: str = "v2",
    history: bool = False,
    app_args: dict[str, Any] | None = None,
    **sim_args: Any,
) -> None:
    if ONLY and name not in ONLY:
        return
    sim_args = {"count": 5000, "inflight": 20, "seed": 7, **sim_args}
    with SimServer(clock=lambda: FROZEN, arrivals=False, drift=api == "v2", **sim_args) as sim:
        if api == "v3":
            client: Backend = V3Client(
                v3_credential(sim.api_key), sim.base_url + "/v3", max_retries=0
            )
        else:
            client = V2Client(sim.api_key, sim.base_url, max_retries=0)
        db = stored_history(sim) if history else None
        app = HedraApp(
            client,
            clock=lambda: datetime.fromtimestamp(sim.world.now(), UTC),
            source="demo simulator",
            interval=0.5,
            history=db,
            **(app_args or {}),
        )
        async with app.run_test(size=size) as pilot:
            while not (app.cycles and app.detail.gen_id):
                await pilot.pause(0.05)
            while api == "v3" and not all(
                app.store.rows[i].prompt_text for i in app.store.order[:25]
            ):
                await pilot.pause(0.1)  # v3 reads each job's prompt after listing it
            await pilot.pause(0.3)
            if steps is not None:
                await steps(pilot, sim)
            await pilot.pause(0.3)
            path = app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
            print(path)


async def inspect(pilot: Any, sim: Any) -> None:
    app = pilot.app
    while not any(r.error_code == "INVALID_ARGUMENT" for r in app.store):
        await pilot.press("G", "j")  # load older pages until a fix-the-input error shows up
        await pilot.pause(0.3)
    row = next(r for r in app.store if r.error_code == "INVALID_ARGUMENT")
    app.list_view.select_id(row.id)
    await pilot.pause(0.2)
    await pilot.press("enter")
    tree = app.query_one("JsonTree")
    for node in list(tree.root.children):
        if str(node.label).startswith("input"):
            node.collapse()
        if str(node.label).startswith("error"):
            node.expand()
            tree.cursor_line = node.line
            tree.scroll_to_node(node, animate=False)
    await pilot.pause(0.2)


async def failing(pilot: Any, sim: Any) -> None:
    sim.faults.set("503", count=10_000)
    await pilot.press("r")
    app = pilot.app
    while not app.poller.health.error:
        await pilot.pause(0.05)
    await pilot.pause(0.2)


async def filtered(pilot: Any, sim: Any) -> None:
    await pilot.press("5", "s", "s", "s", "s")  # errors only, sorted by credits
    await pilot.press("slash", *"balance")
    await pilot.pause(0.2)


def stored_history(sim: Any) -> HistoryDB:
    """A local history as a monitor that watched the simulator's whole history left it: every
    job, and when it ended (in a temporary folder)."""
    folder = Path(tempfile.mkdtemp(prefix="hedra-shots-"))
    db = HistoryDB.open(folder / "history.sqlite3").db
    world = sim.world
    now = world.now()
    with world.lock:
        jobs = [j for j in world.jobs if j.created <= now]
    names = {m["id"]: m["name"] for m in models_payload()}
    records = [
        record_of(
            parse_generation(world.payload(job)),
            "v2",
            names.get(job.model_id),
            datetime.fromtimestamp(job.done_at, UTC) if job.done_at <= now else None,
        )
        for job in jobs
    ]
    db.save(records, datetime.fromtimestamp(now, UTC))
    return db


async def stats_view(pilot: Any, sim: Any) -> None:
    await pilot.press("i", "3")  # the last 7 days
    while pilot.app.screen.computing:  # read in a thread
        await pilot.pause(0.05)


async def errors_view(pilot: Any, sim: Any) -> None:
    await pilot.press("x")


async def resubmit_group(pilot: Any, sim: Any) -> None:
    """R on the largest error group: each job's price (or why not), the count and the total."""
    from hedra_tui.state.resubmit import Phase

    app = pilot.app
    await pilot.press("x", "R")
    while app.resubmit_plan is None or app.resubmit_plan.phase is Phase.PRICING:
        await pilot.pause(0.05)


async def show_help(pilot: Any, sim: Any) -> None:
    await pilot.press("question_mark")


async def many_at_once(pilot: Any, sim: Any) -> None:
    """Six finished jobs marked (one with space, five with a v range), two of them fetched
    before; d: four download, three at a time, each half done (the simulator holds the rest)."""
    app = pilot.app
    await pilot.press("4")  # complete only
    await pilot.pause(0.2)
    with_file = [i for i in app.list_view.ids if app.assets._url(app.store.rows[i])]
    app.list_view.select_id(with_file[0])
    await pilot.press("space")
    app.list_view.select_id(with_file[2])
    await pilot.press("v", "j", "j", "j", "j", "v", "0")  # the filter off: the marks stay
    await pilot.pause(0.2)
    for gen_id in with_file[:2]:  # already in the folder: skipped
        facts, _url = app.assets._facts(app.store.rows[gen_id])
        from hedra_tui.state.naming import file_name

        (app.download_dir / file_name(app.download_name, facts)).write_bytes(b"x")
    sim.faults.set("trickle", delay=600, path="/_sim/assets/")
    await pilot.press("d")
    await pilot.pause(0.3)
    await pilot.press("enter")
    while not sum(1 for i in app.downloads.items if i.fraction == 0.5) >= 3:
        await pilot.pause(0.05)
    app.list_view.select_id(with_file[5])  # the list shows the marked rows
    await pilot.pause(0.5)


async def main(only: list[str]) -> None:
    OUT.mkdir(exist_ok=True)  # ``shoot`` skips the shots not named (ONLY)
    await shoot("monitor-120x40", (120, 40))
    await shoot("monitor-60x15", (60, 15))
    await shoot("monitor-80x24", (80, 24))
    await shoot("monitor-100x30", (100, 30))
    await shoot("monitor-160x45", (160, 45))
    await shoot("detail-error-tree", (120, 40), inspect)
    await shoot("api-down-banner", (120, 40), failing)
    await shoot("filter-errors-by-credits", (120, 40), filtered)
    await shoot("errors-view", (120, 40), errors_view)
    await shoot("help", (100, 44), show_help)
    await shoot("stats-view", (120, 40), stats_view, history=True)
    await shoot("monitor-v3-120x40", (120, 40), v3_detail, api="v3")
    await shoot("zoomed-v3-job", (120, 40), v3_zoomed, api="v3")
    await shoot("resubmit-dialog", (120, 40), resubmit_group)
    await shoot("webhooks-v3", (120, 40), webhooks_view, api="v3")
    await shoot("detail-picture", (120, 40), picture)
    for shot in SHOTS.values():
        await shot()


async def webhooks_view(pilot: Any, sim: Any) -> None:
    """W: recent webhook deliveries, a failed one highlighted with its error below."""
    app = pilot.app
    await pilot.press("W")
    while not getattr(app.screen, "loaded", False):
        await pilot.pause(0.05)
    view = app.screen
    index = next(i for i, d in enumerate(view.deliveries) if d.failed)
    view.query_one("#webhooks-list").highlighted = index
    await pilot.pause(0.2)


async def picture(pilot: Any, sim: Any) -> None:
    """A finished image: its picture beside the summary, in half-blocks."""
    app = pilot.app
    row = next(r for r in app.store if r.status == "complete" and r.type_text == "image")
    app.list_view.select_id(row.id)
    while app.query_one("Picture").blocks is None:  # type: ignore[attr-defined]
        await pilot.pause(0.05)


async def v3_detail(pilot: Any, sim: Any) -> None:
    await pilot.press("j", "j")  # a job in flight: its lifecycle log in the detail pane


async def v3_zoomed(pilot: Any, sim: Any) -> None:
    """z on a finished job: every output, the whole lifecycle log and the JSON tree."""
    app = pilot.app
    row = next(r for r in app.store if r.status == "complete" and len(r.raw.get("logs") or []) >= 8)
    app.list_view.select_id(row.id)
    await pilot.pause(0.2)
    await pilot.press("tab", "z")


async def many_at_once_shot() -> None:
    with tempfile.TemporaryDirectory() as folder:
        await shoot("many-at-once-80x24", (80, 24), many_at_once, app_args={"download_dir": folder})


# shots that can be made alone: `uv run python scripts/screenshots.py many-at-once-80x24`
SHOTS: dict[str, Callable[[], Awaitable[None]]] = {"many-at-once-80x24": many_at_once_shot}


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
