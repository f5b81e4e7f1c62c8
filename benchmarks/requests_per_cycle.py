"""Requests per poll cycle: hedra-tui's poller vs a naive per-job status poller, side by side.

Both run against the same simulator (same seed, frozen clock) for one steady cycle; the
simulator's own request counter is the measure.
"""

from __future__ import annotations

import asyncio
import math

from hedra_tui.api.v2 import V2Client
from hedra_tui.simulator.server import SimServer
from hedra_tui.state.poller import Poller
from hedra_tui.state.store import Store

FROZEN = 1_795_000_000.0


async def naive_cycle(client: V2Client, in_flight: list[str]) -> None:
    """What a simple monitor does: the newest page, then GET /status for every job in flight."""
    await client.list_generations(limit=25)
    for gen_id in in_flight:
        await client.get_status(gen_id)


async def measure(in_flight: int) -> tuple[int, int]:
    with SimServer(
        count=300, inflight=in_flight, seed=3, clock=lambda: FROZEN, arrivals=False
    ) as sim:
        async with V2Client(sim.api_key, sim.base_url) as client:
            poller = Poller(client, Store(), credits_every=10**9)
            await poller.cycle()  # first load
            ids = poller.store.in_flight_ids()
            sim.stats.reset()
            await poller.cycle()
            ours = sim.stats.as_json()["total"]
            sim.stats.reset()
            await naive_cycle(client, ids)
            naive = sim.stats.as_json()["total"]
    return ours, naive


async def run(counts: tuple[int, ...] = (1, 20, 150, 1000)) -> list[tuple[int, int, int, float]]:
    rows = []
    for n in counts:
        ours, naive = await measure(n)
        rows.append((n, ours, naive, naive / ours))
    return rows


def main() -> list[tuple[str, float, float, str]]:
    rows = asyncio.run(run())
    print("requests per poll cycle (one steady cycle, measured by the simulator)")
    print(
        f"{'in flight':>10} {'hedra-tui':>10} {'naive':>8} {'ratio':>8} {'bound 1+ceil(n/100)':>20}"
    )
    for n, ours, naive, ratio in rows:
        print(f"{n:>10} {ours:>10} {naive:>8} {ratio:>7.1f}x {1 + math.ceil(n / 100):>20}")
    return [(f"requests per poll cycle, {n:,} in flight", o, v, "") for n, o, v, _ in rows]


if __name__ == "__main__":
    main()
