"""Themes, NO_COLOR, mouse and the command palette."""

from __future__ import annotations

from textual.widgets import Tree

from .conftest import wait_for


async def test_every_builtin_theme_renders_and_rebuilds_the_palette(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        seen = set()
        for name in sorted(app.available_themes):
            app.theme = name
            await pilot.pause()
            complete = app.palette.for_status("complete").color
            seen.add(str(complete))
            for y in range(app.list_view.size.height):
                app.list_view.render_line(y)
        assert len(seen) > 3  # the palette follows the theme


async def test_no_color_is_honoured(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app, _, _ = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        # without color, meaning is still carried by icons and words in every row
        lines = ["".join(s.text for s in app.list_view.render_line(y)) for y in range(1, 6)]
        words = ("◷ queued", "▶ processing", "◉ finalizing", "✓ complete", "✗ error")
        assert all(any(w in line for w in words) for line in lines), lines
        svg = app.export_screenshot()
        assert "#57a5e2" not in svg.lower()  # the theme's processing color is gone


async def test_clicking_a_row_selects_it_and_double_click_inspects(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.click("#list", offset=(5, 4))
        assert app.list_view.cursor == app.list_view._top_index() + 3
        await wait_for(pilot, lambda: app.detail.gen_id == app.list_view.cursor_id)
        await pilot.click("#list", offset=(5, 4), times=2)
        await pilot.pause()
        assert isinstance(app.focused, Tree)


async def test_command_palette_lists_the_monitor_actions(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
    assert {
        "Refresh now",
        "Pause / resume polling",
        "Help",
        "Inspect the job",
        "Zoom the focused pane",
    } <= titles


async def test_with_nothing_in_flight_the_tick_slows_down_and_redraws_only_what_rolled_over(
    make_app,
):
    from .conftest import screen_lines

    app, _, clock = make_app(inflight=0, interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app._quiet())
        await wait_for(pilot, lambda: app._tick_idle, timeout=5)  # one tick every 5 s now
        assert app._tick() is True  # quiet: nothing counts down
        drawn_at = app._ticked_at
        clock.offset += 0.001  # time moves, but no age on screen nor the minute rolls over
        assert app._tick() is True and app._ticked_at == drawn_at  # so nothing is redrawn
        ages = [line[-40:] for line in screen_lines(app)[3:8]]
        clock.offset += 3 * 86400  # three days pass: every age on screen rolls over
        app._tick()
        await pilot.pause()
        assert app._ticked_at != drawn_at
        assert [line[-40:] for line in screen_lines(app)[3:8]] != ages


async def test_no_progress_bar_is_woken_by_a_timer(make_app):
    # Textual's ProgressBar redraws its (hidden) ETA every second: ~90 B/s of output for the
    # detail pane's bar alone; every bar the monitor mounts, lazily or not, must be the still one
    from textual.widgets import ProgressBar

    from hedra_tui.ui.widgets.still_bar import StillProgressBar

    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app.detail.gen_id is not None)
        await pilot.pause(0.2)
        bars = list(app.query(ProgressBar))
        assert bars, "the highlighted job in flight shows a progress bar"
        assert all(isinstance(bar, StillProgressBar) for bar in bars)
