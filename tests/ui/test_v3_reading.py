"""v3 reads each job's details separately: the rows on screen come first, and the errors
view counts every loaded failure, including those whose details are still to be read."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widgets import OptionList

from hedra_tui.ui.screens.errors import ErrorsScreen

from .conftest import line_text, wait_for


async def test_v3_rows_on_screen_show_their_prompt_within_two_cycles(make_v3_app):
    app, _, _ = make_v3_app(count=300, inflight=8)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("G", "j")  # past the last loaded row: an older page loads below
        await wait_for(pilot, lambda: len(app.store) >= 200)
        await pilot.press("G")  # rows 100 and more down: far from the newest
        lst = app.list_view
        await wait_for(pilot, lambda: bool(lst.visible_ids()) and lst.cursor_id is not None)
        shown = lst.visible_ids()
        assert min(app.store.index_of(i) or 0 for i in shown) >= 100
        # the list's rows first (the in-flight panel's lines follow)
        await wait_for(pilot, lambda: app.poller.visible[: len(shown)] == shown)
        start = app.cycles
        await wait_for(pilot, lambda: app.cycles >= start + 2)
        await pilot.pause(0.1)
        assert lst.visible_ids() == shown
        for y, gen_id in enumerate(shown, start=1):
            prompt = app.store.rows[gen_id].prompt_text
            assert prompt, f"row {y} is still blank after two cycles"
            assert prompt[:12] in line_text(lst, y)


async def test_v3_errors_view_counts_every_loaded_failure_and_reads_the_rest_soon(make_v3_app):
    app, _, _ = make_v3_app(count=300, inflight=8)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("G", "j")
        await wait_for(pilot, lambda: len(app.store) >= 200)
        failed = [r.id for r in app.store if r.status == "error"]
        unread = [i for i in failed if app.poller.details_pending(i)]
        assert len(failed) >= 10 and unread  # most failures' error types are not read yet

        def title() -> str:
            assert isinstance(app.screen, ErrorsScreen)
            return str(app.screen.query_one(Vertical).border_title)

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen))
        assert title() == f"Errors in the loaded history: {len(failed):,}"
        options = app.screen.query_one(OptionList)
        shown = "\n".join(line_text(options, y) for y in range(options.size.height))
        assert "details not read yet" in shown, shown
        await pilot.press("escape")
        # the unread failures are read within a few cycles
        start = app.cycles
        await wait_for(
            pilot, lambda: not any(app.poller.details_pending(i) for i in failed), timeout=30
        )
        assert app.cycles - start <= 4
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen))
        assert title() == f"Errors in the loaded history: {len(failed):,}"
        buckets = app.screen.buckets
        assert not any(b.pending for b in buckets)
        assert sum(b.count for b in buckets) == len(failed)
