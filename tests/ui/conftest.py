"""UI fixtures: the real App against the simulator, with clocks that agree."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hedra_tui.api.backend import Backend
from hedra_tui.api.v2 import V2Client
from hedra_tui.ui.app import HedraApp


class AppClock:
    """The app's clock follows the simulator's (frozen) time, plus an offset tests move."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.offset = 0.0

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.sim.world.now() + self.offset, UTC)


def _app_factory(sim_factory: Any, api: str) -> Callable[..., tuple[HedraApp, Any, AppClock]]:
    """The real App against a simulator (started here unless given), on the v2 or v3 API."""

    def make(sim: Any = None, **kwargs: Any) -> tuple[HedraApp, Any, AppClock]:
        if sim is None:
            sim = sim_factory(
                count=kwargs.pop("count", 200),
                inflight=kwargs.pop("inflight", 20 if api == "v2" else 8),
                seed=kwargs.pop("seed", 5),
                arrivals=False,
            )
        clock = AppClock(sim)
        timeout = kwargs.pop("timeout", 2.0)  # the client's request timeout
        if api == "v3":
            from hedra_tui.api.v3 import V3Client
            from hedra_tui.simulator.v3 import v3_credential

            client: Backend = V3Client(
                v3_credential(sim.api_key), sim.base_url + "/v3", timeout=timeout, max_retries=0
            )
        else:
            client = V2Client(sim.api_key, sim.base_url, timeout=timeout, max_retries=0)
        kwargs.setdefault("interval", 0.5)
        kwargs.setdefault("credits_every", 3600)
        app = HedraApp(client, clock=clock, source="simulator", **kwargs)
        return app, sim, clock

    return make


@pytest.fixture
def make_app(sim_factory) -> Callable[..., tuple[HedraApp, Any, AppClock]]:
    return _app_factory(sim_factory, "v2")


@pytest.fixture
def make_v3_app(sim_factory) -> Callable[..., tuple[HedraApp, Any, AppClock]]:
    """The real App on the v3 backend (V3Client against the simulator's /v3)."""
    return _app_factory(sim_factory, "v3")


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until ``predicate()`` holds (fails the test after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


def line_text(widget: Any, y: int) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


def screen_lines(app: Any) -> list[str]:
    """The screen as a person reads it: one string per terminal row."""
    return [
        "".join(segment.text for segment in strip)
        for strip in app.screen._compositor.render_strips()
    ]
