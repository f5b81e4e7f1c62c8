"""The `F` dialog: fast typing lands in the focused field, the title reads as words, relative
times roll, and applying keeps what it can."""

from __future__ import annotations

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
