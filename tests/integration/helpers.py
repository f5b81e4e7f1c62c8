"""Helpers for talking to the simulator's control endpoints from tests."""

from __future__ import annotations

from typing import Any

import httpx


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
