"""Resubmit in the real App against the simulator: R on a failed job and on an error group,
the price and the total before the yes, one submit per yes, refusals in words."""

from __future__ import annotations

from typing import Any

from hedra_tui.state.resubmit import Phase, Step

from ..integration.helpers import advance, control, inject, reset_stats, set_fault, stats
from .conftest import screen_lines, wait_for

KITE = {"type": "image", "text_prompt": "a kite over the sea", "model_slug": "openai/gpt-image-1"}
SIM = {"status": "error", "sim_model": "openai/gpt-image-1"}  # a failed image job, as injected


def _screen(app: Any) -> str:
    return "\n".join(screen_lines(app))


def _posts(sim: Any, endpoint: str = "POST /generations") -> int:
    return stats(sim)["requests"].get(endpoint, 0)


async def _open_on(app: Any, pilot: Any, gen_id: str) -> None:
    """Highlight ``gen_id``, press R, wait for the price."""
    await wait_for(pilot, lambda: gen_id in app.store.rows)
    assert app.list_view.select_id(gen_id)
    await pilot.press("R")
    await wait_for(pilot, lambda: app.resubmit_plan is not None)
    await wait_for(pilot, lambda: app.resubmit_plan.phase is not Phase.PRICING)
    await pilot.pause(0.1)


async def test_r_on_a_failed_v2_job_shows_the_price_then_the_new_job_is_on_top_and_watched(
    make_app,
):
    app, sim, _ = make_app(count=60, inflight=2)
    failed = inject(sim, {**SIM, "input": KITE, "sim_prompt": "a kite over the sea"})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await _open_on(app, pilot, failed["id"])
        text = _screen(app)
        assert "Resubmit this job" in text
        assert "GPT Image 1" in text  # the model, by its name
        assert "Submit 1 job for 8 credits" in text  # the model's price_details
        assert "8 credits a generation" in text
        assert "y/enter: submit 1 job · n/esc: cancel" in text
        assert _posts(sim) == 0  # nothing is sent before the yes
        advance(sim, 1)  # the new job is newer than the failed one
        await pilot.press("y")
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        new_id = plan.items[0].new_id
        assert new_id is not None and new_id != failed["id"]
        assert app.store.order[0] == new_id  # at the top at once, before any poll
        assert app.list_view.ids[0] == new_id
        assert new_id in app.store.watched
        assert app.list_view.cursor_id == new_id
        await pilot.pause(0.1)
        assert "Done: 1 job submitted, at the top of the list and watched" in _screen(app)
        row = app.store.rows[new_id]
        assert row.in_flight and row.prompt_text == "a kite over the sea"
        assert _posts(sim) == 1
        await pilot.press("escape")
        # the new job progresses like any other (the poller follows it)
        advance(sim, 60)
        await wait_for(pilot, lambda: app.store.rows[new_id].status != "queued")
        # R on a job that did not fail: said so, nothing sent
        await pilot.press("R")
        await pilot.pause(0.1)
        assert len(app.screen_stack) == 1
        assert _posts(sim) == 1


async def test_a_second_r_or_a_double_confirm_submits_once(make_app):
    app, sim, _ = make_app(count=60, inflight=2)
    failed = inject(sim, {**SIM, "input": KITE})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await _open_on(app, pilot, failed["id"])
        # a second R with the dialog open opens nothing and sends nothing
        await pilot.press("R")
        assert len(app.screen_stack) == 2
        reset_stats(sim)
        control(sim, "POST", "/_sim/latency", {"seconds": 0.6})  # the submit is pending a while
        await pilot.press("y", "y", "enter")
        plan = app.resubmit_plan
        assert plan.phase is Phase.SENDING
        await pilot.press("escape")  # close while it is sent: it still is, once
        await pilot.press("R")  # and R while it is pending: still one at a time
        assert len(app.screen_stack) == 1
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        control(sim, "POST", "/_sim/latency", {"seconds": 0})
        await pilot.pause(0.3)
        assert _posts(sim) == 1
        assert stats(sim)["submitted"] == 1
        assert plan.items[0].new_id in app.store.watched


async def test_group_resubmit_sends_at_most_the_cap_and_asks_with_the_total(make_app):
    app, sim, _ = make_app(count=400, inflight=2, resubmit_max=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("L")  # the whole history: bigger groups
        await wait_for(pilot, lambda: app.store.exhausted)
        await pilot.press("x")
        await pilot.pause(0.2)
        screen = app.screen
        big = screen.buckets[0]
        assert big.count > 3, "the largest error group should be larger than the cap"
        await pilot.press("R")
        await wait_for(pilot, lambda: app.resubmit_plan is not None)
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is Phase.ASKING)
        await pilot.pause(0.1)
        assert [item.source_id for item in plan.items] == big.ids[:3]  # the newest three
        assert plan.over_cap == big.count - 3
        text = _screen(app)
        assert f"Resubmit the group {big.label_text}" in text
        assert ": 3 jobs" in text
        todo = len(plan.to_send)
        assert f"Submit {todo} job" in text and f"for {plan.total_text()}" in text
        assert f"{big.count - 3} older failed jobs of this group are left out" in text
        assert "(at most 3 at once: the resubmit_max setting)" in text
        assert plan.total == sum(i.price.amount or 0 for i in plan.to_send if i.price)
        reset_stats(sim)
        await pilot.press("y")
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        new = [item.new_id for item in plan.items if item.new_id]
        assert len(new) == todo == _posts(sim)
        assert set(new) <= app.store.watched
        assert set(app.store.order[: len(new)]) == set(new)  # at the top


async def test_refusals_are_shown_in_words_naming_the_field_or_the_balance(make_app):
    app, sim, _ = make_app(count=60, inflight=2)
    bad = inject(sim, {**SIM, "input": {**KITE, "aspect_ratio": "7:3"}})
    poor = inject(sim, {**SIM, "input": KITE})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await _open_on(app, pilot, bad["id"])
        await pilot.press("y")
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        await pilot.pause(0.1)
        assert plan.items[0].step is Step.FAILED
        text = _screen(app)
        assert "refused (400), field aspect_ratio: must be one of 16:9, 9:16, 1:1" in text
        assert "Done: 0 jobs submitted; 1 not (see above)" in text
        await pilot.press("escape")
        control(sim, "POST", "/_sim/balance", {"credits": 3})
        await _open_on(app, pilot, poor["id"])
        await pilot.press("y")
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        await pilot.pause(0.1)
        text = _screen(app)
        assert "not enough balance (402 INSUFFICIENT_BALANCE): needs 8 credits, 3 credits" in text
        assert stats(sim)["submitted"] == 0


async def test_v3_a_prompt_only_model_resubmits_and_one_needing_an_image_is_refused(make_v3_app):
    app, sim, _ = make_v3_app(count=300, inflight=4, seed=7, max_streams=0)

    def failed_on(models: set[str]) -> str | None:
        for row in app.store:
            raw = row.raw
            if row.status == "error" and raw.get("model") in models and raw.get("prompt"):
                return row.id
        return None

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: failed_on({"kling/kling-2.5"}) is not None)
        await wait_for(pilot, lambda: failed_on({"google/nano-banana"}) is not None)
        kling = failed_on({"kling/kling-2.5"})
        await _open_on(app, pilot, kling)
        text = _screen(app)
        assert (
            "kling/kling-2.5 also requires start_image, and a v3 job keeps only its prompt" in text
        )
        assert "Nothing can be resubmitted" in text
        assert "y/enter or n/esc: close" in text
        await pilot.press("y")  # nothing to send: the yes closes
        await pilot.pause(0.2)
        assert len(app.screen_stack) == 1
        assert not [k for k in stats(sim)["requests"] if k.startswith("POST /v3/models/kling")]

        banana = failed_on({"google/nano-banana"})
        prompt = app.store.rows[banana].raw["prompt"]
        await _open_on(app, pilot, banana)
        text = _screen(app)
        assert "Submit 1 job for $0.04" in text and "same prompt" in text
        assert _posts(sim, "POST /v3/models/google/nano-banana/estimate") == 1
        advance(sim, 1)
        await pilot.press("enter")
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        new_id = plan.items[0].new_id
        assert new_id is not None and app.store.order[0] == new_id
        assert new_id in app.store.watched
        assert app.store.rows[new_id].raw["prompt"] == prompt
        assert _posts(sim, "POST /v3/models/google/nano-banana") == 1


async def test_v3_after_a_lost_answer_a_second_yes_sends_the_same_key_and_gets_one_job(
    make_v3_app,
):
    app, sim, _ = make_v3_app(count=300, inflight=4, seed=7, max_streams=0)

    def banana() -> str | None:
        for row in app.store:
            raw = row.raw
            if row.status == "error" and raw.get("model") == "google/nano-banana":
                return row.id if raw.get("prompt") else None
        return None

    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: banana() is not None)
        await _open_on(app, pilot, banana())
        set_fault(sim, "lost", count=1, path="/v3/models/google/nano-banana")
        await pilot.press("y")
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.sent_rounds == 1 and plan.phase is Phase.ASKING)
        await pilot.pause(0.1)
        assert plan.items[0].step is Step.RETRY
        text = _screen(app)
        assert "No answer for 1 job" in text and "same idempotency keys" in text
        assert stats(sim)["submitted"] == 1  # the job did start
        await pilot.press("y")
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        assert plan.items[0].step is Step.SENT
        assert stats(sim)["submitted"] == 1  # the same key: the first job, not a second
        assert _posts(sim, "POST /v3/models/google/nano-banana") == 2


async def test_hostile_text_in_a_group_and_its_prompt_stays_plain_text(make_app):
    app, sim, _ = make_app(count=60, inflight=2)
    prompt = "[@click=app.quit]boom[/] \x1b[2J\x1b]0;title\x07"
    inject(
        sim,
        {
            **SIM,
            "input": {**KITE, "text_prompt": prompt},
            "error": {"type": "[b]EVIL[/b]\x1b[31m", "message": "\x9b2J"},
        },
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("x")
        await pilot.pause(0.2)
        screen = app.screen
        index = next(i for i, b in enumerate(screen.buckets) if "EVIL" in b.label_text)
        from hedra_tui.ui.screens.errors import ErrorList

        screen.query_one(ErrorList).highlighted = index
        await pilot.press("R")
        await wait_for(pilot, lambda: app.resubmit_plan is not None)
        await wait_for(pilot, lambda: app.resubmit_plan.phase is Phase.ASKING)
        await pilot.pause(0.1)
        text = _screen(app)
        assert "Resubmit the group [b]EVIL[/b]␛[31m: 1 job" in text
        assert "[@click=app.quit]boom[/] ␛[2J" in text
        assert "\x1b" not in text and "\x9b" not in text
        await pilot.press("y")
        await wait_for(pilot, lambda: app.resubmit_plan.phase is Phase.DONE)
        assert app.is_running


async def test_the_keymap_moves_resubmit_and_its_dialog_says_the_keys_in_force(make_app):
    app, sim, _ = make_app(
        count=60, inflight=2, keymap={"app.resubmit": "ctrl+r", "resubmit.confirm": "s"}
    )
    failed = inject(sim, {**SIM, "input": KITE})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: failed["id"] in app.store.rows)
        assert app.list_view.select_id(failed["id"])
        await pilot.press("R")  # no longer bound
        await pilot.pause(0.1)
        assert app.resubmit_plan is None
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.resubmit_plan is not None)
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is Phase.ASKING)
        await pilot.pause(0.1)
        assert "s: submit 1 job · n/esc: cancel" in _screen(app)
        await pilot.press("y")  # the old key does nothing now
        await pilot.pause(0.1)
        assert plan.phase is Phase.ASKING
        await pilot.press("s")
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        assert _posts(sim) == 1


async def test_r_with_jobs_marked_resubmits_the_failed_ones_among_them(make_app):
    app, sim, _ = make_app(count=60, inflight=2)
    failed = [inject(sim, {**SIM, "input": KITE})["id"] for _ in range(2)]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and all(i in app.store.rows for i in failed))
        for gen_id in failed:
            assert app.list_view.select_id(gen_id)
            await pilot.press("space")  # marks it (and moves down)
        await pilot.press("R")
        await wait_for(pilot, lambda: app.resubmit_plan is not None)
        plan = app.resubmit_plan
        await wait_for(pilot, lambda: plan.phase is not Phase.PRICING)
        assert {item.source_id for item in plan.items} == set(failed)
        assert "2 marked" in _screen(app)
        advance(sim, 1)
        await pilot.press("y")
        await wait_for(pilot, lambda: plan.phase is Phase.DONE)
        assert _posts(sim) == 2
