"""Snapshot tests: the monitor at every designed size (60x15 to 160x45), the detail tree,
help and v3, with deterministic data and clock."""

from __future__ import annotations

import pytest

from .conftest import wait_for


async def _loaded(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.cycles >= 1 and app.detail.gen_id is not None)
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(60, 15), (80, 24), (100, 30), (120, 40), (160, 45)])
def test_monitor_snapshot(snap_compare, make_app, size):
    app, _, _ = make_app(count=300, inflight=12, seed=21)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


def test_detail_tree_snapshot(snap_compare, make_app):
    app, _, _ = make_app(count=300, inflight=12, seed=21)

    async def inspect(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("j", "j", "j", "enter", "down", "down", "down", "space")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 40), run_before=inspect)


def test_help_snapshot(snap_compare, make_app):
    app, _, _ = make_app(count=50, inflight=3, seed=21)

    async def help_screen(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(100, 34), run_before=help_screen)


def test_v3_monitor_snapshot(snap_compare, make_v3_app):
    app, _, _ = make_v3_app(count=150, inflight=6, seed=21)

    async def loaded(pilot) -> None:
        await wait_for(
            pilot,
            lambda: (
                app.cycles >= 2
                and app.detail.gen_id is not None
                and all(app.store.rows[i].prompt_text for i in app.store.order[:30])
            ),
            timeout=15,
        )
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 40), run_before=loaded)


@pytest.mark.parametrize("key", ["x", "C"])
def test_dialog_snapshot(snap_compare, make_app, key):
    """The errors view and the column chooser at 80x24: no border lost rows to a focused list."""
    app, _, _ = make_app(count=300, inflight=12, seed=21)

    async def open_dialog(pilot) -> None:
        await _loaded(pilot)
        await pilot.press(key)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_dialog)
