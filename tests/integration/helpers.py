"""Helpers for talking to the simulator's control endpoints from tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from hedra_tui.simulator.v3 import v3_credential

SUBMITTER = "submitter/1.0"  # the User-Agent the simulator counts the user's program under


def control(sim: Any, method: str, path: str, json: Any = None) -> Any:
    with httpx.Client(base_url=sim.base_url, timeout=10) as http:
        response = http.request(method, path, json=json)
        response.raise_for_status()
        return response.json() if response.content else None


def set_fault(sim: Any, mode: str, **params: Any) -> None:
    control(sim, "POST", "/_sim/faults", {"mode": mode, **params})


def clear_faults(sim: Any) -> None:
    control(sim, "DELETE", "/_sim/faults")


def stats(sim: Any) -> dict[str, Any]:
    return control(sim, "GET", "/_sim/stats")


def reset_stats(sim: Any) -> None:
    control(sim, "POST", "/_sim/stats/reset")


def advance(sim: Any, seconds: float) -> None:
    control(sim, "POST", "/_sim/advance", {"seconds": seconds})


def inject(sim: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return control(sim, "POST", "/_sim/generations", fields)


def add_inflight(sim: Any, count: int) -> None:
    control(sim, "POST", "/_sim/inflight", {"count": count})


def _submitter_request(sim: Any, api: str) -> tuple[str, dict[str, str]]:
    if api == "v3":
        path, headers = "/v3/jobs", {"Authorization": f"Key {v3_credential(sim.api_key)}"}
    else:
        path, headers = "/generations", {"X-API-Key": sim.api_key}
    return path, {**headers, "User-Agent": SUBMITTER}


def spend_the_window(sim: Any, api: str = "v3") -> int:
    """The user's program spends what is left of the key's window, until its first 429
    (blocking: nothing else runs on the caller's loop meanwhile); returns its requests."""
    path, headers = _submitter_request(sim, api)
    with httpx.Client(base_url=sim.base_url, headers=headers, timeout=5) as http:
        for n in range(1, 10**6):
            if http.get(path, params={"limit": 1}).status_code == 429:
                return n
    raise AssertionError("the key's limit was never met")


async def submitter(sim: Any, per_second: float, refused: list[int], api: str = "v3") -> None:
    """The user's own program sharing the monitor's key: a steady reader on a fixed schedule
    (when a busy machine holds it back it goes on from there, never bursting to catch up).
    The number of each request refused (429) goes into ``refused``."""
    path, headers = _submitter_request(sim, api)
    loop = asyncio.get_running_loop()
    due = loop.time()
    async with httpx.AsyncClient(base_url=sim.base_url, headers=headers, timeout=5) as http:
        for n in range(10**6):
            await asyncio.sleep(max(0.0, due - loop.time()))
            response = await http.get(path, params={"limit": 1})
            if response.status_code == 429:
                refused.append(n)
            due = max(due + 1 / per_second, loop.time())


async def window_begins(window: float) -> None:
    """Wait for the start of the key's next rate-limit window (aligned on the epoch)."""
    await asyncio.sleep(window - time.time() % window + 0.05)
