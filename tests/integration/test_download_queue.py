"""The download queue against the simulator over a real socket: limit, retries, skips, cancel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hedra_tui.state.downloads import DownloadQueue, plan
from hedra_tui.state.naming import DEFAULT_TEMPLATE, NameFacts

from .helpers import clear_faults, control, reset_stats, set_fault, stats

SIZE = 64 * 1024


def jobs(sim, n, *, prefix="job"):
    out = []
    for i in range(n):
        gen_id = f"{prefix}-{i:02d}-0000"
        facts = NameFacts(
            id=gen_id,
            created=datetime(2026, 11, 18, 6, i, tzinfo=UTC),
            model="Character-3",
            prompt=f"fox number {i}",
            type="video",
            status="complete",
            url="",
        )
        out.append((facts, f"{sim.base_url}/_sim/assets/{gen_id}"))
    return out


def queue(**kwargs):
    kwargs.setdefault("delay", lambda attempt: 0.01)
    kwargs.setdefault("timeout", 5.0)
    return DownloadQueue(**kwargs)


async def test_the_queue_downloads_every_file_with_template_names(sim, tmp_path):
    planned = plan(jobs(sim, 5), tmp_path, DEFAULT_TEMPLATE)
    assert len(planned.items) == 5 and not planned.skipped
    q = queue()
    q.add(planned.items)
    summary = await q.run()
    assert summary.done == 5 and summary.failed == 0 and summary.fraction == 1.0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        f"20261118-06{i:02d}_Character-3_fox-number-{i}_job-{i:02d}-0.mp4" for i in range(5)
    ]
    assert all((tmp_path / n).stat().st_size == SIZE for n in names)


async def test_at_most_the_concurrency_limit_is_fetched_at_once(sim_factory, tmp_path):
    server = sim_factory(count=10, inflight=0, seed=3)
    # every asset answer waits 0.2 s, so downloads overlap as much as the queue lets them
    set_fault(server, "slow", delay=0.2, duration=60, path="/_sim/assets/")
    reset_stats(server)
    q = queue(concurrency=2)
    q.add(plan(jobs(server, 7), tmp_path, DEFAULT_TEMPLATE).items)
    summary = await q.run()
    assert summary.done == 7
    seen = stats(server)["assets"]
    assert seen["requests"] == 7
    assert seen["peak"] == 2 == q.peak  # the server saw two at once, never three

    q3 = queue(concurrency=3)
    q3.add(plan(jobs(server, 7, prefix="more"), tmp_path, DEFAULT_TEMPLATE).items)
    reset_stats(server)
    await q3.run()
    assert stats(server)["assets"]["peak"] == 3
    clear_faults(server)


async def test_5xx_answers_are_retried_with_backoff_then_the_file_arrives(sim_factory, tmp_path):
    server = sim_factory(count=10, inflight=0, seed=3)
    set_fault(server, "503", count=2, path="/_sim/assets/")
    waits = []
    q = queue(concurrency=1, retries=3, delay=lambda attempt: waits.append(attempt) or 0.01)
    q.add(plan(jobs(server, 1), tmp_path, DEFAULT_TEMPLATE).items)
    summary = await q.run()
    assert summary.done == 1
    (item,) = q.items
    assert item.attempts == 3 and waits == [0, 1]  # two 503s, two growing waits, then the file
    assert stats(server)["assets"]["requests"] >= 3
    assert [p.stat().st_size for p in tmp_path.iterdir()] == [SIZE]


async def test_a_file_that_keeps_failing_gives_up_after_the_retries(sim_factory, tmp_path):
    server = sim_factory(count=10, inflight=0, seed=3)
    set_fault(server, "500", duration=60, path="/_sim/assets/")
    q = queue(retries=2)
    q.add(plan(jobs(server, 2), tmp_path, DEFAULT_TEMPLATE).items)
    summary = await q.run()
    assert summary.failed == 2 and summary.done == 0
    assert all(i.attempts == 3 and "500" in i.error for i in q.items)
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left
    clear_faults(server)


async def test_a_404_is_not_retried(sim, tmp_path):
    q = queue(retries=3)
    (facts, _url), *_ = jobs(sim, 1)
    q.add(plan([(facts, f"{sim.base_url}/_sim/nothing/x")], tmp_path, DEFAULT_TEMPLATE).items)
    summary = await q.run()
    assert summary.failed == 1 and q.items[0].attempts == 1


async def test_a_timeout_is_retried(sim_factory, tmp_path):
    server = sim_factory(count=10, inflight=0, seed=3)
    set_fault(server, "slow", delay=3, count=1, path="/_sim/assets/")
    q = queue(retries=2, timeout=0.5)
    q.add(plan(jobs(server, 1), tmp_path, DEFAULT_TEMPLATE).items)
    summary = await q.run()
    assert summary.done == 1 and q.items[0].attempts == 2


async def test_files_already_in_the_folder_are_skipped(sim, tmp_path):
    first = plan(jobs(sim, 4), tmp_path, DEFAULT_TEMPLATE)
    q = queue()
    q.add(first.items[:3])
    await q.run()
    again = plan(jobs(sim, 4), tmp_path, DEFAULT_TEMPLATE)
    assert len(again.skipped) == 3 and len(again.items) == 1
    forced = plan(jobs(sim, 4), tmp_path, DEFAULT_TEMPLATE, overwrite=True)
    assert len(forced.items) == 4 and not forced.skipped


async def test_a_file_already_queued_is_not_queued_twice(sim, tmp_path):
    first = plan(jobs(sim, 3), tmp_path, DEFAULT_TEMPLATE)
    again = plan(jobs(sim, 3), tmp_path, DEFAULT_TEMPLATE, queued=[i.dest for i in first.items])
    assert again.queued_already == 3 and not again.items


def test_jobs_without_an_asset_are_counted_not_queued(tmp_path):
    (facts, _), *_ = [(NameFacts("x", None, "", "", "video", "error", ""), None)]
    planned = plan([(facts, None)], tmp_path, DEFAULT_TEMPLATE)
    assert planned.no_asset == 1 and not planned.items


def test_two_jobs_named_alike_by_the_template_get_distinct_names(tmp_path):
    alike = [
        (NameFacts(f"id{i}", None, "m", "same", "video", "complete", ""), "http://x/a.mp4")
        for i in range(3)
    ]
    planned = plan(alike, tmp_path, "{prompt}.{ext}")
    assert [i.dest.name for i in planned.items] == ["same.mp4", "same_2.mp4", "same_3.mp4"]


async def test_cancel_stops_waiting_and_running_files_and_leaves_no_part_files(
    sim_factory, tmp_path
):
    server = sim_factory(count=10, inflight=0, seed=3)
    set_fault(server, "slow", delay=2, duration=60, path="/_sim/assets/")
    q = queue(concurrency=2)
    q.add(plan(jobs(server, 5), tmp_path, DEFAULT_TEMPLATE).items)
    runner = asyncio.create_task(q.run())
    async with asyncio.timeout(10):
        while q.summary().waiting == 5 or len(q.summary().active) < 2:
            await asyncio.sleep(0.02)
    assert q.cancel() == 5  # three waiting, two running
    summary = await asyncio.wait_for(runner, 5)
    assert summary.cancelled == 5 and summary.done == 0
    assert list(tmp_path.iterdir()) == []
    control(server, "DELETE", "/_sim/faults")


async def test_per_file_and_overall_progress_follow_the_bytes(sim_factory, tmp_path):
    server = sim_factory(count=10, inflight=0, seed=3)
    # half of each file at once, the rest a second later
    set_fault(server, "trickle", delay=1.0, duration=60, path="/_sim/assets/")
    changes = []
    q = queue(concurrency=2, on_change=lambda: changes.append(1))
    q.add(plan(jobs(server, 2), tmp_path, DEFAULT_TEMPLATE).items)
    runner = asyncio.create_task(q.run())
    async with asyncio.timeout(10):
        while not all(i.received == SIZE // 2 for i in q.items):
            await asyncio.sleep(0.02)
    assert all(i.total == SIZE and i.fraction == 0.5 for i in q.items)
    assert q.summary().fraction == 0.5 and q.summary().done == 0
    summary = await asyncio.wait_for(runner, 10)
    assert summary.done == 2 and summary.fraction == 1.0 and changes
    clear_faults(server)
