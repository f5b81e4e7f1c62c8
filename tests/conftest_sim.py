"""Simulator fixtures: a real HTTP server on a free loopback port, started in a thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from hedra_tui.simulator.server import SimServer

FROZEN_EPOCH = 1_795_000_000.0  # 2026-11-18T06:13:20Z: a fixed "now" for deterministic runs


class FrozenClock:
    """A clock that stands still; tests move the world with /_sim/advance."""

    def __init__(self, start: float = FROZEN_EPOCH) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def sim() -> Iterator[SimServer]:
    """A shared simulator: 500 finished jobs + 20 in flight, frozen clock, strict spec data."""
    server = SimServer(count=500, inflight=20, seed=11, drift=False, clock=FrozenClock())
    with server:
        yield server


@pytest.fixture
def sim_factory() -> Iterator[Any]:
    """Start simulators with custom parameters; all are stopped after the test."""
    started: list[SimServer] = []

    def make(**kwargs: Any) -> SimServer:
        kwargs.setdefault("clock", FrozenClock())
        kwargs.setdefault("drift", False)
        server = SimServer(**kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
