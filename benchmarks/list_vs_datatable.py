"""Time to show N generations: hedra-tui's virtual list vs Textual's DataTable, side by side.

Both get the same rows (parsed from the simulator's payloads) in the same headless app size;
the clock stops when the first screen is drawn.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from hedra_tui.api.models import parse_generation
from hedra_tui.simulator.world import SimWorld
from hedra_tui.state.store import Store
from hedra_tui.ui.palette import Palette
from hedra_tui.ui.widgets.generation_list import GenerationList

FROZEN = 1_795_000_000.0


def make_store(n: int) -> Store:
    world = SimWorld(count=n, inflight=0, seed=1, clock=lambda: FROZEN, drift=False)
    store = Store(clock=lambda: datetime.fromtimestamp(FROZEN, UTC))
    store.upsert(parse_generation(world.payload(job)) for job in world.visible())
    return store


class ListApp(App[None]):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield GenerationList(self.store, clock=self.store.clock, stall_after=180, id="list")

    def on_mount(self) -> None:
        lst = self.query_one(GenerationList)
        lst.set_palette(Palette.from_variables(self.get_css_variables()))
        lst.set_ids(self.store.order)


class TableApp(App[None]):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("STATUS", "TYPE", "PROMPT", "%", "AGE", "CR", "ERROR")
        table.add_rows(
            (
                r.status_text,
                r.type_text,
                r.prompt_text[:40],
                f"{r.progress:.0%}",
                "",
                "" if r.credits is None else str(r.credits),
                r.error_text,
            )
            for r in self.store
        )


async def time_to_first_screen(app: App[None]) -> float:
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.save_screenshot(path=tempfile.gettempdir(), filename="hedra-bench.svg")  # full render
        return time.perf_counter() - start


async def run(n: int) -> tuple[float, float]:
    store = make_store(n)
    ours = await time_to_first_screen(ListApp(store))
    table = await time_to_first_screen(TableApp(store))
    return ours, table


def main(n: int = 100_000) -> list[tuple[str, float, float, str]]:
    ours, table = asyncio.run(run(n))
    print(f"time to first screen with {n:,} generations (headless, 120x40)")
    print(f"  hedra-tui list {ours:6.2f} s   DataTable {table:6.2f} s   ratio {table / ours:5.1f}x")
    return [(f"time to show {n:,} rows already in memory", ours, table, "s")]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
