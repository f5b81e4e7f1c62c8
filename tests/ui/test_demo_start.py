"""The monitor draws at once while the demo simulator is still starting, then fills in."""

from __future__ import annotations

from hedra_tui.api.starting import WaitForStart
from hedra_tui.api.v2 import V2Client
from hedra_tui.simulator.server import SimServer
from hedra_tui.ui.app import HedraApp
from hedra_tui.ui.screens.help import HelpScreen

from ..conftest_sim import FrozenClock
from .conftest import wait_for


async def test_frame_says_the_demo_is_starting_keys_work_then_rows_fill_in():
    sim = SimServer(count=300, inflight=5, seed=2, drift=False, clock=FrozenClock(), lazy=True)
    client = V2Client(
        sim.api_key, sim.base_url, transport=WaitForStart(sim.ready, lambda: sim.failure)
    )
    app = HedraApp(
        client,
        interval=0.5,
        source="demo simulator",
        loading="starting the demo simulator (300 generations)…",
    )
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            pane = app.query_one("#list-pane")
            assert (
                pane.border_title == "Generations · starting the demo simulator (300 generations)…"
            )
            assert len(app.store) == 0 and app.cycles == 0
            await pilot.press("question_mark")  # the app answers keys while it waits
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            sim.start_in_background()
            await wait_for(pilot, lambda: app.cycles >= 1 and len(app.store) > 0, timeout=20)
            assert "starting" not in str(pane.border_title)
            assert str(pane.border_title).startswith("Generations ")
    finally:
        sim.stop()
