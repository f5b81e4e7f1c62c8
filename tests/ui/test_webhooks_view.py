"""The webhook deliveries view (W, v3): failed ones marked in words, redelivery after asking;
on v2, W says webhooks are a v3 feature."""

from __future__ import annotations

from hedra_tui.ui.screens.choice import ChoiceScreen
from hedra_tui.ui.screens.webhooks import WebhooksScreen

from ..integration.helpers import stats
from .conftest import screen_lines, wait_for

REDELIVER = "POST /v3/webhooks/deliveries/{job_id}/redeliver"


def _toasts(app) -> list[str]:
    """Every notification shown so far (over a dialog too)."""
    return [n.message for n in app._notifications]


async def test_the_view_marks_failed_deliveries_and_redelivers_after_asking(make_v3_app):
    app, sim, _ = make_v3_app(count=300, inflight=4, seed=4)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("W")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhooksScreen))
        view = app.screen
        await wait_for(pilot, lambda: view.loaded)
        lines = screen_lines(app)
        failed_rows = [x for x in lines if "✗ FAILED" in x]
        assert failed_rows, "failed deliveries say so in a word, not only in color"
        assert any("✓ delivered" in x for x in lines)
        assert any("Webhook deliveries" in x and "failed" in x for x in lines)  # the title

        index = next(i for i, d in enumerate(view.deliveries) if d.failed)
        target = view.deliveries[index]
        view.query_one("#webhooks-list").highlighted = index
        await pilot.pause()
        assert any(target.webhook_url in x for x in screen_lines(app))  # the detail under it

        # enter asks; n sends nothing
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert any("Send the webhook" in x for x in screen_lines(app))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is view)
        await pilot.pause(0.2)
        assert stats(sim)["requests"].get(REDELIVER, 0) == 0

        # enter, y: sent once; the list shows the delivery pending again
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Redelivery requested" in t for t in _toasts(app)))
        await wait_for(
            pilot,
            lambda: any(
                d.job_id == target.job_id and d.status == "PENDING" for d in view.deliveries
            ),
        )
        assert stats(sim)["requests"][REDELIVER] == 1
        assert view.highlighted is not None and view.highlighted.job_id == target.job_id
        row = next(x for x in screen_lines(app) if target.job_id in x)
        assert "◌ pending" in row and "↻1" in row

        # a pending delivery is not offered again
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen is view
        assert stats(sim)["requests"][REDELIVER] == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, WebhooksScreen))
        assert app.is_running


async def test_w_on_v2_says_webhooks_are_a_v3_feature(make_app):
    app, _, _ = make_app(count=50, inflight=2)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("W")
        await wait_for(pilot, lambda: any("v3 feature" in t for t in _toasts(app)))
        assert not isinstance(app.screen, WebhooksScreen)


async def test_an_answer_that_comes_before_the_view_is_up_is_shown_when_it_is(make_v3_app):
    # a fast answer (a kept-alive connection) can beat the screen's mount: it must not be lost
    app, _sim, _ = make_v3_app(count=60, inflight=2, seed=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        page = await app.backend.webhook_deliveries(limit=50)
        view = WebhooksScreen(app.palette, app.clock())
        view.show_deliveries(page.items, app.clock(), more=False)  # not mounted yet
        assert not view.loaded
        app.push_screen(view)
        await wait_for(pilot, lambda: view.loaded)
        await pilot.pause(0.1)
        assert len(view.deliveries) == len(page.items) > 0
        assert any("✓ delivered" in x or "✗ FAILED" in x for x in screen_lines(app))
        # and an error that came early is shown too
        other = WebhooksScreen(app.palette, app.clock())
        other.early_problem = "Cannot read the webhook deliveries: boom"
        await pilot.press("escape")
        app.push_screen(other)
        await wait_for(pilot, lambda: any("boom" in x for x in screen_lines(app)))


async def test_older_deliveries_load_page_by_page_and_f_lists_the_failed_only(make_v3_app):
    app, sim, _ = make_v3_app(count=300, inflight=4, seed=4)
    app.webhook_page = 10
    listed = "/v3/webhooks/deliveries"
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("W")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhooksScreen))
        view = app.screen
        await wait_for(pilot, lambda: view.loaded)
        assert len(view.deliveries) == 10 and view.next_cursor is not None
        assert any("Webhook deliveries · 10+ recent" in x for x in screen_lines(app))
        first_ten = [d.job_id for d in view.deliveries]
        await pilot.press("m")  # the next page, under the first
        await wait_for(pilot, lambda: len(view.deliveries) == 20)
        assert [d.job_id for d in view.deliveries[:10]] == first_ten
        assert len({d.job_id for d in view.deliveries}) == 20  # none twice
        await pilot.press("G")  # to the last one: the older ones come on their own
        await wait_for(pilot, lambda: len(view.deliveries) == 30)
        assert stats(sim)["requests"][listed] == 3
        # f: the failed ones only, said in the title; f again: all
        failed = [d.job_id for d in view.deliveries if d.failed]
        assert failed and len(failed) < 30
        await pilot.press("f")
        await pilot.pause()
        assert [d.job_id for d in view.shown] == failed
        assert any("failed only (f: all)" in x for x in screen_lines(app))
        assert sum("✓ delivered" in x for x in screen_lines(app)) == 0
        await pilot.press("f")
        await pilot.pause()
        assert len(view.shown) == 30
        # at the end of the list (no cursor left) m says so
        while view.next_cursor is not None:
            cursor = view.next_cursor
            await pilot.press("m")
            await wait_for(pilot, lambda cursor=cursor: view.next_cursor != cursor)
        await pilot.press("m")
        await wait_for(pilot, lambda: any("all are listed" in t for t in _toasts(app)))
