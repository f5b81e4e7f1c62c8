"""``L`` loads the whole history, pages pipelined and stored off the event loop, while keys answer.

The real App against the simulator over a real socket; keys go through Pilot as a person's do.
"""

from __future__ import annotations

import asyncio

from textual import events

from ..integration.helpers import add_inflight, reset_stats, stats
from .conftest import wait_for

# seconds: a key answered later than this did not answer. Generous: the simulator shares this
# process and its GIL here, and the suite runs two workers on a busy machine (1.5 s flaked in a
# full run); alone this test sees ~0.1-0.7 s, and against a server of its own the monitor's
# worst was ~0.5-1 s (benchmarks/load_all.py). A loop blocked for the whole load fails it.
KEY_ANSWER = 3.0


async def test_load_all_loads_every_generation_once_while_j_k_answer_throughout(make_app):
    app, sim, _ = make_app(count=20_000, inflight=10)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app._first_load_done and len(app.store) > 0)
        assert not app.store.exhausted
        reset_stats(sim)
        cycles = app.cycles
        loop = asyncio.get_running_loop()
        waits: list[float] = []
        await pilot.press("L")
        press = 0
        while app._loading_older:
            if press == 2:
                add_inflight(sim, 5)  # jobs arriving at the top meanwhile shift nothing
            key = "j" if press % 2 == 0 else "k"
            before = app.list_view.cursor_id
            start = loop.time()
            app.post_message(events.Key(key, key))  # as the terminal driver sends it
            press += 1
            # answered: the cursor moved and the detail pane shows the job under it
            while app.list_view.cursor_id == before or app.detail.gen_id != app.list_view.cursor_id:
                assert loop.time() - start < 10, "a key was never answered"
                await asyncio.sleep(0.005)
            waits.append(loop.time() - start)
            await asyncio.sleep(0.2)
        assert len(waits) >= 3, "the load ended before keys could be pressed during it"
        assert max(waits) < KEY_ANSWER, waits
        assert app.store.exhausted
        with sim.world.lock:
            expected = {job.id for job in sim.world.visible()}
        assert len(expected) == 20_015
        # every generation once (the 5 arrivals come with the polls at the top)
        await wait_for(pilot, lambda: set(app.store.rows) == expected)
        assert len(app.store.order) == len(set(app.store.order)) == len(expected)
        # one request per 100 rows of history, none asked twice (polls ask at most 2 a cycle:
        # the top page and the jobs in flight through the ids filter)
        served = stats(sim)["requests"]["/generations"]
        assert served <= 20_000 / 100 + 2 + 2 * (app.cycles - cycles + 1)
        assert "Loaded the whole history" in _toasts(app)


def _toasts(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)
