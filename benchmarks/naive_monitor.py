"""The naive baseline: a generations monitor built the obvious way on Textual's ``DataTable``.

``python -m benchmarks.naive_monitor`` (``HEDRA_API_KEY``/``HEDRA_BASE_URL`` as for hedra-tui)
shows the same columns as hedra-tui's list and follows the same data: every ``--interval``
seconds it reads the top page and asks ``GET /generations/{id}/status`` for each job in
flight (one request per job), and it updates only the cells whose text changed
(``update_cell``, the economical way to use a DataTable); once a second it updates the
ETA and age cells, like hedra-tui. ``--load-all`` reads the whole history before showing
anything, as a monitor without paging on demand does.

It exists to be measured against (terminal bytes, CPU, memory, time to first rows); it is
not part of the product.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from hedra_tui.api.backend import MAX_PAGE_SIZE
from hedra_tui.api.errors import HedraError
from hedra_tui.api.models import IN_FLIGHT_STATUSES, Generation
from hedra_tui.api.sanitize import display
from hedra_tui.api.v2 import V2Client
from hedra_tui.state.derive import eta_deadline, parse_time, prompt_of

COLUMNS = ("STATUS", "TYPE", "PROMPT", "MODEL", "PROGRESS", "ETA", "AGE", "CR", "ERROR")


def _age(created: datetime | None, now: datetime) -> str:
    if created is None:
        return ""
    seconds = int((now - created).total_seconds())
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


class NaiveMonitor(App[None]):
    CSS = "DataTable { height: 1fr; }"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, client: V2Client, interval: float, load_all: bool) -> None:
        super().__init__()
        self.client = client
        self.interval = interval
        self.load_all = load_all
        self.gens: dict[str, Generation] = {}
        self.seen: dict[str, datetime] = {}

    def compose(self) -> ComposeResult:
        yield Static("naive DataTable monitor", id="header")
        yield DataTable(cursor_type="row")

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        if self.load_all:
            async for page in self.client.iter_pages(page_size=MAX_PAGE_SIZE):
                self._merge(page.items)
        self.run_worker(self._poll(), exclusive=True, exit_on_error=False)
        self.set_interval(1.0, self._tick)

    def _cells(self, gen: Generation, now: datetime) -> dict[str, str]:
        eta = ""
        if gen.status in IN_FLIGHT_STATUSES:
            deadline = eta_deadline(gen, self.seen.get(gen.id, now))
            if deadline is not None:
                eta = f"{max(int((deadline - now).total_seconds()), 0)}s"
        err = gen.error.type if gen.error is not None else ""
        model = (gen.input or {}).get("ai_model_id") if isinstance(gen.input, dict) else ""
        return {
            "STATUS": display(gen.status),
            "TYPE": display(gen.type),
            "PROMPT": display(prompt_of(gen), max_len=40),
            "MODEL": display(model or "", max_len=12),
            "PROGRESS": f"{gen.progress:.0%}",
            "ETA": eta,
            "AGE": _age(parse_time(gen.created_at), now),
            "CR": "" if gen.credit_cost is None else str(gen.credit_cost),
            "ERROR": display(err),
        }

    def _merge(self, gens: list[Generation]) -> None:
        table = self.query_one(DataTable)
        now = datetime.now(UTC)
        for gen in gens:
            cells = self._cells(gen, now)
            if gen.id not in self.gens:
                self.seen[gen.id] = now
                table.add_row(*cells.values(), key=gen.id)
            else:
                old = self._cells(self.gens[gen.id], now)
                for column, text in cells.items():
                    if text != old[column]:
                        table.update_cell(gen.id, column, text)
            self.gens[gen.id] = gen

    async def _poll(self) -> None:
        while True:
            try:
                page = await self.client.list_generations(limit=25)
                fresh = {g.id for g in page.items}
                self._merge(page.items)
                for gen_id, gen in list(self.gens.items()):
                    if gen.status in IN_FLIGHT_STATUSES and gen_id not in fresh:
                        status = await self.client.get_status(gen_id)  # one request per job
                        data: dict[str, Any] = dict(gen.raw)
                        data.update(status=status.status, progress=status.progress)
                        self._merge([Generation.model_validate(data)])
            except HedraError:
                pass
            await asyncio.sleep(self.interval)

    def _tick(self) -> None:
        table = self.query_one(DataTable)
        now = datetime.now(UTC)
        for gen_id, gen in self.gens.items():
            if gen.status in IN_FLIGHT_STATUSES:
                cells = self._cells(gen, now)
                for column in ("ETA", "AGE"):
                    if table.get_cell(gen_id, column) != cells[column]:
                        table.update_cell(gen_id, column, cells[column])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--load-all", action="store_true")
    args = parser.parse_args()
    client = V2Client(
        os.environ["HEDRA_API_KEY"], os.environ["HEDRA_BASE_URL"], timeout=10.0, max_retries=1
    )
    NaiveMonitor(client, args.interval, args.load_all).run()


if __name__ == "__main__":
    main()
