"""The monitor driven with Pilot against the simulator over a real socket."""

from __future__ import annotations

import math

from hedra_tui.state.poller import ConnState, plan_requests
from hedra_tui.ui.palette import GROUP_ICONS
from hedra_tui.ui.widgets.json_tree import JsonTree
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import advance, clear_faults, inject, reset_stats, set_fault, stats
from .conftest import line_text, screen_lines, wait_for


async def test_list_shows_newest_first_and_keys_move_the_detail(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        order = app.store.order
        created = [app.store.rows[i].created for i in order]
        assert created == sorted(created, reverse=True)
        lst = app.list_view
        await wait_for(pilot, lambda: app.detail.gen_id == order[0])
        await pilot.press("j", "j")
        assert lst.cursor == 2
        await wait_for(pilot, lambda: app.detail.gen_id == order[2])
        await pilot.press("k")
        assert lst.cursor_id == order[1]
        loaded = len(order)
        await pilot.press("G")  # the last loaded row (and older pages start loading)
        assert lst.cursor == loaded - 1
        await pilot.press("g")
        assert lst.cursor == 0
        await pilot.press("pagedown")
        assert lst.cursor > 5
        assert order[0][:8] not in line_text(lst, 0)  # line 0 is the header
        assert "STATUS" in line_text(lst, 0)


async def test_enter_and_tab_focus_the_tree_and_escape_returns(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("enter")
        assert isinstance(app.focused, JsonTree)
        await pilot.press("escape")
        assert app.focused is app.list_view
        await pilot.press("tab")
        assert isinstance(app.focused, JsonTree)


async def test_tree_shows_every_field_the_server_sent_unknown_ones_too(make_app):
    app, sim, _ = make_app()
    injected = inject(
        sim, {"id": "gen-extra", "zz_unknown": {"nested": [1, 2, {"k": None}]}, "priority": 3}
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "gen-extra" in app.store.rows)
        assert app.list_view.select_id("gen-extra")
        tree = app.query_one(JsonTree)
        await wait_for(
            pilot,
            lambda: tree.root.data is not None and tree.root.data.value.get("id") == "gen-extra",
        )
        labels = {str(child.label).split(":")[0] for child in tree.root.children}
        assert {"id", "input", "status", "zz_unknown", "priority"} <= labels
        assert set(injected) <= labels
        unknown = next(c for c in tree.root.children if str(c.label).startswith("zz_unknown"))
        unknown.expand()
        await pilot.pause()
        nested = unknown.children[0]
        assert str(nested.label).startswith("nested")
        nested.expand()
        await pilot.pause()
        leaves = [str(c.label) for c in nested.children]
        assert leaves[0].startswith("[0]: 1") and "int" in leaves[0]
        assert str(
            next(c for c in tree.root.children if str(c.label).startswith("priority")).label
        ).endswith("int")


async def test_progress_moves_when_the_simulator_advances(make_app):
    app, sim, _clock = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        flying = [app.store.rows[i] for i in app.store.in_flight_ids()]
        before = {r.id: r.progress for r in flying}
        advance(sim, 30)
        await pilot.press("r")
        await wait_for(
            pilot, lambda: any(app.store.rows[i].progress > p for i, p in before.items())
        )
        assert all(app.store.rows[i].progress >= p for i, p in before.items())


async def test_rows_are_styled_by_status_and_by_error_group(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        lst = app.list_view
        palette = app.palette
        seen_status, seen_group = set(), set()
        for index, gen_id in enumerate(app.store.order):
            row = app.store.rows[gen_id]
            if index == lst.cursor:
                continue
            strip = lst._render_row(row, 150, False, app.clock())
            segments = list(strip)
            status_seg = next(s for s in segments if row.status_text in s.text)
            assert status_seg.style.color == palette.for_status(row.status).color
            seen_status.add(row.status)
            if row.status == "error" and row.error_group is not None:
                icon = GROUP_ICONS[row.error_group]  # an icon and a word, not only a color
                err_seg = next(s for s in segments if s.text.lstrip().startswith(f"{icon} "))
                assert err_seg.style.color == palette.for_group(row.error_group).color
                assert row.error_text[:10] in err_seg.text
                seen_group.add(row.error_group)
        assert {"complete", "error"} <= seen_status
        assert len(seen_group) >= 3
        # different groups look different
        colors = {palette.for_group(g).color for g in seen_group}
        assert len(colors) >= 2


async def test_a_failing_api_keeps_the_data_marks_it_stale_and_recovers(make_app):
    app, sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app.poller.health.state is ConnState.LIVE)
        rows_before = len(app.store)
        set_fault(sim, "503", count=1000)
        try:
            await pilot.press("r")
            await wait_for(pilot, lambda: app.poller.health.state is ConnState.RETRYING)
            banner = app.query_one("#banner", FitLine)
            await wait_for(pilot, lambda: "503" in banner.plain)
            assert banner.has_class("-shown")
            assert "stale" in app.query_one("#status", FitLine).plain
            assert len(app.store) == rows_before  # nothing lost
        finally:
            clear_faults(sim)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.poller.health.state is ConnState.LIVE)
        await wait_for(pilot, lambda: not banner.has_class("-shown"))


async def test_a_rejected_key_says_so_in_words(make_app):
    app, sim, _ = make_app()
    set_fault(sim, "401", count=1000)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.poller.health.state is ConnState.AUTH_FAILED)
            banner = app.query_one("#banner", FitLine)
            await wait_for(pilot, lambda: "API key" in banner.plain)
            assert banner.plain.count("HEDRA_API_KEY") == 1  # said once, not twice
            assert "auth failed" in app.query_one("#status", FitLine).plain
    finally:
        clear_faults(sim)


async def _requests_in_one_steady_cycle(make_app, sim_factory, inflight: int) -> tuple[int, int]:
    sim = sim_factory(count=300, inflight=inflight, seed=8, arrivals=False)
    app, _, _ = make_app(sim=sim, autopoll=False)
    async with app.run_test(size=(120, 40)):
        await app.poller.cycle()  # first load (models, first page, credits)
        assert len(app.store.in_flight_ids()) == inflight
        reset_stats(sim)
        report = await app.poller.cycle()
        served = stats(sim)["total"]
        assert served == report.requests
        top = {g for g in app.store.order[: app.poller.top_size]}
        fresh = len(top & set(app.store.in_flight_ids()))
        assert report.requests == plan_requests(inflight, fresh)
        return report.requests, served


async def test_requests_per_cycle_with_1_job_in_flight(make_app, sim_factory):
    requests, _ = await _requests_in_one_steady_cycle(make_app, sim_factory, 1)
    assert requests <= 1 + math.ceil(1 / 100)


async def test_requests_per_cycle_with_20_jobs_in_flight(make_app, sim_factory):
    requests, _ = await _requests_in_one_steady_cycle(make_app, sim_factory, 20)
    assert requests <= 1 + math.ceil(20 / 100)


async def test_requests_per_cycle_with_150_jobs_in_flight(make_app, sim_factory):
    requests, _ = await _requests_in_one_steady_cycle(make_app, sim_factory, 150)
    assert requests == 1 + math.ceil(150 / 100)  # 25 on the top page, 125 through `ids`


async def test_jobs_without_progress_are_marked_stalled(make_app):
    app, _, clock = make_app(stall_after=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        clock.offset = 3600  # an hour passes for the app; the simulator's jobs stand still
        # stalled once the API has answered with the same progress (not for lack of news)
        seen = app.cycles
        await wait_for(pilot, lambda: app.cycles >= seen + 2)
        app._tick()
        await pilot.pause()
        counts = app.query_one("#status", FitLine).plain
        assert "stalled?" in counts
        flying = app.store.in_flight_ids()
        index = app.store.order.index(flying[0])
        app.list_view.scroll_to(y=0, animate=False)
        await pilot.pause()
        assert "stalled?" in line_text(app.list_view, index + 1)


async def test_pause_stops_polling_and_refresh_key_polls(make_app):
    app, sim, _ = make_app(interval=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("p")
        assert "paused" in app.query_one("#status", FitLine).plain
        cycles = app.cycles
        await pilot.pause(0.6)  # a cycle already under way may still finish
        assert app.cycles <= cycles + 1
        reset_stats(sim)
        await pilot.pause(0.8)
        assert stats(sim)["total"] == 0
        await pilot.press("r")
        await wait_for(pilot, lambda: stats(sim)["total"] > 0)
        await pilot.press("p")
        assert "paused" not in app.query_one("#status", FitLine).plain


async def test_older_pages_load_when_the_cursor_nears_the_end(make_app):
    app, _, _ = make_app(count=450)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        assert len(app.store) == 100 and not app.store.exhausted
        await pilot.press("G", "j")  # G: the last loaded row; going on down loads more
        await wait_for(pilot, lambda: len(app.store) > 100)
        for _ in range(10):
            await pilot.press("G", "j")
            await pilot.pause(0.1)
            if app.store.exhausted:
                break
        await wait_for(pilot, lambda: app.store.exhausted)
        assert len(app.store) == 470  # 450 history + 20 in flight, no duplicates
        assert len(set(app.store.order)) == 470


async def test_help_screen_lists_keys_and_legend(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        plain = "\n".join(screen_lines(app))
        await pilot.press("G")  # the legend is at the end
        await pilot.pause()
        plain += "\n".join(screen_lines(app))
        for needle in (
            "refresh",
            "pause",
            "fix input",
            "content refused",
            "credits",
            "retry later",
            "stalled?",
        ):
            assert needle in plain
        await pilot.press("escape")
        assert app.screen.id != "help"


async def test_q_quits_with_exit_code_zero(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_500_jobs_in_flight_redraw_only_rows_on_screen_and_keys_still_work(
    make_app, sim_factory
):
    sim = sim_factory(count=300, inflight=500, seed=8, arrivals=False)
    app, _, _ = make_app(sim=sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.store.in_flight_ids()) == 500, timeout=30)
        lst = app.list_view
        drawn: list[str] = []
        render_row = lst._render_row
        lst._render_row = lambda row, *args, **kw: (
            drawn.append(row.id),
            render_row(row, *args, **kw),
        )[1]
        cycles = app.cycles
        advance(sim, 30)  # every job in flight moves on
        await wait_for(pilot, lambda: app.cycles >= cycles + 2, timeout=30)
        await pilot.pause()
        on_screen = set(lst.ids[: lst.size.height])
        assert drawn, "the rows that moved were redrawn"
        assert set(drawn) <= on_screen  # 500 rows changed; only the visible ones were drawn
        for _ in range(10):
            await pilot.press("j")
        assert lst.cursor_id == lst.ids[10]
