"""v3 requests per poll cycle: the real app at 120x40 vs a per-job status poller, side by side.

v3 has no batch status endpoint. The baseline asks the newest page and then
``GET /jobs/{id}/status`` for every job in flight (what the monitor did before: one request
per job no stream follows). hedra-tui reads the newest pages as the status of every job on
them and asks ``/status`` only for the jobs in flight on screen that no stream follows.

Both run against the same simulator (same seed, frozen clock, so nothing ends and each
steady cycle is alike). hedra-tui is the real App, headless at 120x40, measured once the
details it reads once (prompts of the jobs in flight, the newest rows) are read; the
simulator's request counter is the measure (live streams, opened once, are not cycles).

The monitor as it was before (``BEFORE``: one ``/status`` per job in flight no stream follows)
is measured the same way in the same run, its package extracted from git into a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hedra_tui.api.v3 import V3Client
from hedra_tui.simulator.server import SimServer
from hedra_tui.simulator.v3 import v3_credential
from hedra_tui.state.reports import CycleReport
from hedra_tui.state.strategies import V3Strategy

FROZEN = 1_795_000_000.0
#: the monitor before v3 read its jobs' status from the pages (main before that change)
BEFORE = "f670cab"
SIZE = (120, 40)
STEADY_CYCLES = 3


def _served(sim: SimServer) -> dict[str, int]:
    requests: dict[str, int] = dict(sim.stats.as_json()["requests"])
    requests.pop("/v3/jobs/{id}/stream", None)  # opened once, not per cycle
    return requests


def _clock(sim: SimServer) -> Callable[[], datetime]:
    """The app's clock follows the simulator's (frozen) time."""
    return lambda: datetime.fromtimestamp(sim.world.now(), UTC)


async def naive_cycle(client: V3Client, in_flight: list[str]) -> None:
    """A simple v3 monitor: the newest page, then GET /status for every job in flight."""
    await client.list_jobs(limit=25)
    for job_id in in_flight:
        await client.get_job_status(job_id)


async def measure(in_flight: int, size: tuple[int, int] = SIZE) -> dict[str, Any]:
    """One steady cycle of the app and of the naive poller, and what the app had on screen."""
    from hedra_tui.ui.app import HedraApp

    with SimServer(
        count=300, inflight=in_flight, seed=3, clock=lambda: FROZEN, arrivals=False, drift=False
    ) as sim:
        client = V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=30.0)
        app = HedraApp(client, clock=_clock(sim), interval=0.3, credits_every=10**9)
        reports: list[CycleReport] = []
        async with app.run_test(size=size) as pilot:
            cycle = app.poller.cycle

            async def counted() -> CycleReport:
                report = await cycle()
                reports.append(report)
                return report

            app.poller.cycle = counted  # type: ignore[method-assign]
            strategy = app.poller.strategy
            assert isinstance(strategy, V3Strategy)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 120
            # settled: every job in flight is known, and the details read once are read
            while loop.time() < deadline:
                await pilot.pause(0.2)
                known = len(app.store.in_flight_ids()) >= in_flight
                if known and not any(map(strategy.details_pending, strategy.hydrate_order())):
                    break
            await pilot.pause(1.2)  # a tick: the app has told the poller what is on screen
            start = len(reports)
            await _until(pilot, lambda: len(reports) > start)
            sim.stats.reset()
            start = len(reports)
            await _until(pilot, lambda: len(reports) >= start + STEADY_CYCLES)
            served = _served(sim)
            cycles = len(reports) - start
            on_screen = set(app.poller.visible) & set(app.store.in_flight_ids())
            streams = len(app.poller.streams)
            ids = app.store.in_flight_ids()
        async with V3Client(v3_credential(sim.api_key), sim.base_url + "/v3") as naive_client:
            sim.stats.reset()
            await naive_cycle(naive_client, ids)
            naive = sum(_served(sim).values())
    ours = sum(served.values()) / cycles
    return {
        "in_flight": in_flight,
        "ours": ours,
        "naive": naive,
        "on_screen": len(on_screen),
        "streams": streams,
        "by_endpoint": {k: v / cycles for k, v in sorted(served.items())},
    }


async def _until(pilot: Any, predicate: Any, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("no poll cycle in time")
        await pilot.pause(0.05)


def measure_before(in_flight: int, rev: str = BEFORE) -> float:
    """Requests per steady cycle of the monitor at ``rev``, measured by :func:`measure` in a
    subprocess that imports that revision's ``hedra_tui``."""
    from pathlib import Path

    from .load_all import export

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        export(rev, Path(tmp))
        code = (
            f"import sys; sys.path[:0] = [{tmp!r}, {str(root)!r}]; import asyncio, json; "
            "from benchmarks.v3_requests import measure; "
            f"print(json.dumps(asyncio.run(measure({in_flight}))['ours']))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp
        )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


async def run(counts: tuple[int, ...] = (20, 100, 500)) -> list[dict[str, Any]]:
    return [await measure(n) for n in counts]


def main() -> list[tuple[str, float, float, str]]:
    rows = asyncio.run(run())
    before = measure_before(100)
    print("v3 requests per poll cycle, real app at 120x40 (one steady cycle, by the simulator)")
    print(
        f"{'in flight':>10} {'hedra-tui':>10} {'naive':>8} {'ratio':>8} "
        f"{'on screen':>10} {'streamed':>9}  hedra-tui by endpoint"
    )
    for r in rows:
        parts = ", ".join(f"{k} {v:g}" for k, v in r["by_endpoint"].items())
        print(
            f"{r['in_flight']:>10} {r['ours']:>10.3g} {r['naive']:>8} "
            f"{r['naive'] / r['ours']:>7.1f}x {r['on_screen']:>10} {r['streams']:>9}  {parts}"
        )
    hundred = next(r for r in rows if r["in_flight"] == 100)
    print(
        f"  100 in flight: hedra-tui {hundred['ours']:.3g}, the monitor before ({BEFORE}) "
        f"{before:.3g}, target <= 2 + {hundred['on_screen']} on screen"
    )
    return [
        (f"v3 requests per poll cycle, {r['in_flight']:,} in flight", r["ours"], r["naive"], "")
        for r in rows
    ] + [
        (
            "v3 requests per cycle, 100 in flight (vs the monitor before)",
            hundred["ours"],
            before,
            "",
        )
    ]


if __name__ == "__main__":
    main()
