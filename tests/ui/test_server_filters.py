"""The `F` dialog: fast typing lands in the focused field, the title reads as words, relative
times roll, and applying keeps what it can."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from textual import events
from textual.widgets import Input

from hedra_tui.ui.screens.server_filters import ServerFilterScreen

from .conftest import wait_for


def _burst(app, *keys: str) -> None:
    """Keys as a fast typist's terminal delivers them: all queued before any is handled."""
    for key in keys:
        app.post_message(events.Key(key, None if len(key) > 1 else key))


async def test_text_typed_right_after_tab_lands_in_the_next_field(make_app):
    app, _sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, ServerFilterScreen))
        await pilot.pause()
        _burst(app, *"video", "tab", *"3d", "tab", *"fox")
        await pilot.pause(0.2)
        screen = app.screen
        assert screen.query_one("#f-type", Input).value == "video"
        assert screen.query_one("#f-created_after", Input).value == "3d"
        assert screen.query_one("#f-created_before", Input).value == "fox"


def _screen_lines(app) -> list[str]:
    """The screen as a person reads it: one string per terminal row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def _shown(app, selector: str) -> str:
    """The text a widget shows on the screen now."""
    region = app.query_one(selector).region
    return _screen_lines(app)[region.y][region.x : region.right]


async def _apply(pilot, app, **values: str) -> None:
    """Open F, set the fields (blank the others) and apply with enter."""
    await pilot.press("F")
    await wait_for(pilot, lambda: isinstance(app.screen, ServerFilterScreen))
    for field in app.screen.query(Input):
        field.value = values.get(field.id.removeprefix("f-"), "")
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ServerFilterScreen))


async def test_the_list_title_says_the_server_filters_in_words(make_app):
    app, _sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await _apply(pilot, app, type="video", created_after="3d", prompt_query="fox")
        await pilot.pause()
        top = next(line for line in _screen_lines(app) if "Generations" in line)
        assert 'server: video · since 3d ago · "fox"' in top
        assert "created_after" not in top and "+00:00" not in top
        # what was typed is shown as text: neither markup nor control characters get through
        await _apply(pilot, app, prompt_query="[b]x[/b]\x1b[2J")
        await pilot.pause()
        top = next(line for line in _screen_lines(app) if "Generations" in line)
        assert 'server: "[b]x[/b]␛[2J"' in top


async def test_a_relative_since_rolls_with_the_clock_and_reopens_as_typed(make_app):
    from ..integration.helpers import reset_stats, stats

    def last_since() -> datetime | None:
        for entry in reversed(stats(sim)["log"]):
            query = parse_qs(entry["query"])
            if entry["path"] == "/generations" and "created_after" in query:
                return datetime.fromisoformat(query["created_after"][0].replace("Z", "+00:00"))
        return None

    app, sim, clock = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        reset_stats(sim)
        await _apply(pilot, app, created_after="3d")
        await wait_for(pilot, lambda: last_since() is not None)
        first = last_since()
        assert first is not None and abs(first - (clock() - timedelta(days=3))) < timedelta(
            seconds=5
        )
        clock.offset += 7200  # two hours later, "3d" means three days before then
        reset_stats(sim)
        await pilot.press("r")
        await wait_for(pilot, lambda: last_since() is not None)
        later = last_since()
        assert later is not None and later - first >= timedelta(hours=2)
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, ServerFilterScreen))
        assert app.screen.query_one("#f-created_after", Input).value == "3d"


async def test_applying_a_filter_keeps_matching_rows_the_activity_and_the_credits(make_app):
    from ..integration.helpers import advance, clear_faults, set_fault

    app, sim, _ = make_app(count=400, credits_every=0.1)
    async with app.run_test(size=(160, 45)) as pilot:  # the whole activity line fits
        await wait_for(pilot, lambda: app.cycles >= 1)
        advance(sim, 3600)  # the jobs in flight end: the activity strip has something to show
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.store.in_flight_ids())
        await wait_for(pilot, lambda: app._first_load_done)
        app.action_load_all()
        await wait_for(pilot, lambda: app.store.exhausted and not app._loading_older)
        app._tick()
        await pilot.pause()
        strip = _shown(app, "#activity")
        assert "█" in strip.split("✗")[0]  # the completions show in the sparkline
        assert re.search(r"credits used this session [1-9]|used [1-9]", strip)
        videos = [r.id for r in app.store if r.type_text == "video"]
        # the API is slow from now on: what the list shows at once is what was kept
        set_fault(sim, "slow", path="/generations", delay=1.0)
        await _apply(pilot, app, type="video")
        kept = list(app.list_view.ids)
        assert set(videos) <= set(kept) and len(kept) < 400
        assert any(r.type_text == "video" for r in map(app.store.get, kept) if r)
        assert [n.message for n in app._notifications][-1] == (
            f"Server filter applied: {len(kept)} loaded rows match; reloading from the API"
        )
        app._tick()
        await pilot.pause()
        assert _shown(app, "#activity") == strip
        clear_faults(sim)
        await wait_for(pilot, lambda: not app.poller._reloading)
        await pilot.pause(0.2)
        app._tick()
        await pilot.pause()
        assert _shown(app, "#activity") == strip
        assert set(videos) <= set(app.store.rows)
