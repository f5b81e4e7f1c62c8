"""A second start over a 100,000-job history, with and without the local history, side by side.

The simulator runs in its own process (``--count 100000``, 20 in flight). The real App runs
headless (Textual's ``run_test``, 120x40) against it, three times in one run:

1. **without a local history** (``--no-cache``, as before it existed): the time from building
   the App to the first rows in the list, then ``L`` until the whole history is loaded;
2. **the first run with a local history** (an empty file): the same, writing as it goes;
3. **the second start** over the file the first run left: first rows (from disk, before the
   API answers), the catch-up, then ``L`` (from disk).

``uv run python -m benchmarks.history_start [--count N]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from .ptyrun import SimProcess

COUNT = 100_000


async def _wait(pilot: Any, predicate: Any, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("not reached")
        await pilot.pause(0.01)


async def _session(sim: SimProcess, history_path: Path | None) -> dict[str, float]:
    from hedra_tui.api.v2 import V2Client
    from hedra_tui.simulator import DEMO_API_KEY
    from hedra_tui.state.history import HistoryDB
    from hedra_tui.state.poller import ConnState
    from hedra_tui.ui.app import HedraApp

    db = HistoryDB.open(history_path).db if history_path is not None else None
    start = time.monotonic()
    client = V2Client(DEMO_API_KEY, sim.base_url, timeout=30.0)
    app = HedraApp(client, interval=5.0, history=db)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait(pilot, lambda: len(app.list_view.ids) > 0)
        out["first_rows_s"] = time.monotonic() - start
        await _wait(pilot, lambda: app.poller.health.state is ConnState.LIVE)
        out["live_s"] = time.monotonic() - start
        t0 = time.monotonic()
        await pilot.press("L")
        await _wait(pilot, lambda: app.store.exhausted and not app._loading_older)
        out["load_all_s"] = time.monotonic() - t0
        out["rows"] = len(app.store)
    if db is not None:
        out["stored"] = db.count()
        db.close()
    return out


def main(count: int = COUNT) -> list[tuple[str, float, float, str]]:
    with (
        SimProcess("--count", str(count), "--inflight", "20", "--seed", "7") as sim,
        tempfile.TemporaryDirectory(prefix="hedra-bench-history-") as tmp,
    ):
        path = Path(tmp) / "history.sqlite3"
        before = asyncio.run(_session(sim, None))
        first = asyncio.run(_session(sim, path))
        second = asyncio.run(_session(sim, path))
        size_mb = path.stat().st_size / 2**20
    print(
        f"{count:,} jobs in history, 20 in flight, headless 120x40 "
        f"(the history file: {size_mb:.0f} MB)"
    )
    for name, got in (
        ("no local history (before)", before),
        ("first run, empty history", first),
        ("second start, history stored", second),
    ):
        print(
            f"  {name:30} first rows {got['first_rows_s']:6.2f} s   live {got['live_s']:6.2f} s   "
            f"L {got['load_all_s']:6.1f} s   rows {got['rows']:,.0f}"
        )
    return [
        (
            f"second start, {count:,} stored: first rows (vs no history)",
            second["first_rows_s"],
            before["first_rows_s"],
            "s",
        ),
        (
            f"second start, {count:,} stored: L (vs no history)",
            second["load_all_s"],
            before["load_all_s"],
            "s",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT)
    main(parser.parse_args().count)
