"""Regenerate screenshots/*.svg from the demo with a fixed seed and a frozen clock.

uv run python scripts/screenshots.py            # all of them
uv run python scripts/screenshots.py NAME ...   # only these (e.g. detail-picture)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["TZ"] = "UTC"
os.environ["TEXTUAL_ANIMATIONS"] = "none"
time.tzset()

from hedra_tui.api.backend import Backend  # noqa: E402
from hedra_tui.api.v2 import V2Client  # noqa: E402
from hedra_tui.api.v3 import V3Client  # noqa: E402
from hedra_tui.simulator.server import SimServer  # noqa: E402
from hedra_tui.simulator.v3 import v3_credential  # noqa: E402
from hedra_tui.ui.app import HedraApp  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "screenshots"
FROZEN = 1_795_000_000.0


async def shoot(
    name: str,
    size: tuple[int, int],
    steps: Callable[[Any, Any], Awaitable[None]] | None = None,
    api: str = "v2",
    **sim_args: Any,
) -> None:
    sim_args = {"count": 5000, "inflight": 20, "seed": 7, **sim_args}
    with SimServer(clock=lambda: FROZEN, arrivals=False, drift=api == "v2", **sim_args) as sim:
        if api == "v3":
            client: Backend = V3Client(
                v3_credential(sim.api_key), sim.base_url + "/v3", max_retries=0
            )
        else:
            client = V2Client(sim.api_key, sim.base_url, max_retries=0)
        app = HedraApp(
            client,
            clock=lambda: datetime.fromtimestamp(sim.world.now(), UTC),
            source="demo simulator",
            interval=0.5,
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


async def errors_view(pilot: Any, sim: Any) -> None:
    await pilot.press("x")


async def show_help(pilot: Any, sim: Any) -> None:
    await pilot.press("question_mark")


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


SHOTS: list[tuple[str, tuple[int, int], Any, dict[str, Any]]] = [
    ("monitor-120x40", (120, 40), None, {}),
    ("monitor-60x15", (60, 15), None, {}),
    ("monitor-80x24", (80, 24), None, {}),
    ("monitor-100x30", (100, 30), None, {}),
    ("monitor-160x45", (160, 45), None, {}),
    ("detail-error-tree", (120, 40), inspect, {}),
    ("api-down-banner", (120, 40), failing, {}),
    ("filter-errors-by-credits", (120, 40), filtered, {}),
    ("errors-view", (120, 40), errors_view, {}),
    ("help", (100, 44), show_help, {}),
    ("monitor-v3-120x40", (120, 40), v3_detail, {"api": "v3"}),
    ("zoomed-v3-job", (120, 40), v3_zoomed, {"api": "v3"}),
    ("detail-picture", (120, 40), picture, {}),
]


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    wanted = set(sys.argv[1:])
    unknown = wanted - {name for name, *_ in SHOTS}
    if unknown:
        raise SystemExit(f"no such screenshot: {', '.join(sorted(unknown))}")
    for name, size, steps, kwargs in SHOTS:
        if not wanted or name in wanted:
            await shoot(name, size, steps, **kwargs)


if __name__ == "__main__":
    asyncio.run(main())
