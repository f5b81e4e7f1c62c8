"""The first rows reach the screen before the rest of the first load.

The simulator holds back the requests a test names (a ``hold`` fault) until it is cleared, so
what is on screen while they wait is what came before them: no timing in these tests.
"""

from __future__ import annotations

import gc
from typing import Any

import httpx

from hedra_tui.api.models import parse_generation
from hedra_tui.api.v2 import V2Client
from hedra_tui.cli import EXIT_USAGE, main
from hedra_tui.state.derive import prompt_of
from hedra_tui.state.filters import ServerFilters
from hedra_tui.state.head_start import HeadStart
from hedra_tui.state.poller import FIRST_LOAD, FIRST_PAGE
from hedra_tui.ui.run import collect_again

from ..integration.helpers import clear_faults, set_fault, stats
from .conftest import AppClock, screen_lines, wait_for


def newest_prompts(sim: Any, n: int = 5) -> list[str]:
    """The newest generations' prompts (their first characters), asked of the simulator."""
    response = httpx.get(
        f"{sim.base_url}/generations",
        params={"limit": n},
        headers={"X-API-Key": sim.api_key},
        timeout=10,
    )
    response.raise_for_status()
    prompts = (prompt_of(parse_generation(g)) for g in response.json()["data"])
    return [p[:12] for p in prompts if len(p) >= 12]


def on_screen(app: Any, prompts: list[str]) -> bool:
    return any(p in line for line in screen_lines(app) for p in prompts)


def first_page_requests(sim: Any) -> int:
    return sum(
        1
        for r in stats(sim)["log"]
        if r["path"] == "/generations" and "offset=0" in r["query"] and "ids=" not in r["query"]
    )


async def test_first_page_is_on_screen_while_the_rest_of_the_first_load_is_held(make_app):
    # (a held request must not time out while the test looks: however busy the machine is)
    app, sim, _ = make_app(count=300, inflight=20, timeout=120)
    prompts = newest_prompts(sim)
    assert prompts
    # the first load's next page (the rows after the first page) waits until the hold ends
    set_fault(sim, "hold", path="/generations", query=f"offset={FIRST_PAGE}")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: on_screen(app, prompts), timeout=60)
        assert len(app.store) == FIRST_PAGE  # only the first page: the rest is held back
        assert app.cycles == 0  # the first load has not ended
        assert f"Generations {FIRST_PAGE}+" in "\n".join(screen_lines(app))  # more to come
        clear_faults(sim)
        await wait_for(pilot, lambda: app.cycles >= 1, timeout=60)
        assert len(app.store) >= FIRST_LOAD
        assert on_screen(app, prompts)


async def test_a_page_read_while_starting_is_in_the_first_frame(make_app, sim_factory):
    sim = sim_factory(count=300, inflight=20, seed=5, arrivals=False)
    clock = AppClock(sim)
    head = HeadStart(
        lambda: V2Client(sim.api_key, sim.base_url, timeout=2.0, max_retries=0),
        limit=FIRST_PAGE,
        filters=ServerFilters(),
        clock=clock,
    ).start()
    await head.wait()  # the thread read the first page (as it does while Textual is imported)
    assert head.done
    prompts = newest_prompts(sim)
    set_fault(sim, "hold", path="/generations")  # from here on, every list request waits
    app, _, _ = make_app(sim, head_start=head, autopoll=False, timeout=120)  # no cycle by itself
    async with app.run_test(size=(120, 40)) as pilot:
        assert len(app.store) == FIRST_PAGE  # mounted, and no request of the App's answered
        await pilot.pause()
        assert on_screen(app, prompts)
        app.poll_loop()  # the first cycle goes on from that page: the next one is held
        clear_faults(sim)
        await wait_for(pilot, lambda: app.cycles >= 1, timeout=60)
        assert len(app.store) >= FIRST_LOAD
    assert first_page_requests(sim) == 1  # the thread's: the App did not ask for it again


async def test_garbage_collection_is_on_again_once_the_first_frame_is_up(make_app):
    gc.disable()  # as the command line does for the monitor's start
    try:
        app, _, _ = make_app(autopoll=False, after_first_frame=collect_again)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, gc.isenabled)
            assert gc.get_freeze_count() > 0  # what the start made is left out of every scan
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_monitor_that_cannot_start_leaves_garbage_collection_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("HEDRA_API_KEY", raising=False)
    monkeypatch.delenv("HEDRA_KEY", raising=False)
    assert main([]) == EXIT_USAGE  # no key: it ends before the first frame
    assert gc.isenabled()
