"""Many at once: marks (space, v, V), and download, copy, export and watch on the marked jobs
or on the filtered list, against the simulator."""

from __future__ import annotations

import json

import httpx
from textual.widgets import Input
from textual.widgets._toast import Toast

from hedra_tui.state.naming import DEFAULT_TEMPLATE, file_name
from hedra_tui.ui.screens.download import DownloadScreen
from hedra_tui.ui.widgets.downloads import DownloadsPanel

from ..integration.helpers import clear_faults, set_fault
from .conftest import line_text, screen_lines, wait_for


def title(app) -> str:
    return str(app.query_one("#list-pane").border_title)


def marked_lines(app) -> list[str]:
    lst = app.list_view
    return [line_text(lst, y) for y in range(1, lst.size.height) if line_text(lst, y)[:1] == "●"]


def toasts(app) -> list[str]:
    return [t.render().plain for t in app.query(Toast)]


def with_assets(app, n: int) -> list[str]:
    ids = [i for i in app.store.order if app.assets._url(app.store.rows[i])]
    assert len(ids) >= n
    return ids[:n]


async def mark(pilot, app, ids) -> None:
    for gen_id in ids:
        assert app.list_view.select_id(gen_id)
        await pilot.press("space")
    await pilot.pause()


async def test_space_marks_the_row_moves_down_and_the_title_counts(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        first, second = app.list_view.ids[0], app.list_view.ids[1]
        await pilot.press("space")
        assert app.marks.ids == {first} and app.list_view.cursor_id == second
        assert "1 marked" in title(app)
        # the mark is a symbol in its own gutter, not a color: the first row reads "●"
        assert line_text(app.list_view, 1).startswith("● ")
        assert line_text(app.list_view, 2).startswith("  ")
        await pilot.press("space")
        assert "2 marked" in title(app)
        await pilot.press("k", "space")  # again on a marked row: unmarked
        assert app.marks.ids == {first}
        await pilot.press("V")
        assert not app.marks.ids and "marked" not in title(app)
        assert not line_text(app.list_view, 1).startswith("●")  # the gutter went with the marks


async def test_v_range_marks_the_rows_passed_and_esc_ends_it(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        ids = list(app.list_view.ids[:8])
        await pilot.press("j", "v", "j", "j", "j")
        assert app.marks.ids == set(ids[1:5])
        assert "4 marked (v: range)" in title(app)
        await pilot.press("k")  # back up: the range shrinks, as in vim's visual mode
        assert app.marks.ids == set(ids[1:4])
        await pilot.press("escape")  # ends the range, keeps its marks
        assert not app.marks.ranging and app.marks.ids == set(ids[1:4])
        assert "3 marked" in title(app) and "range" not in title(app)
        await pilot.press("j", "j")
        assert app.marks.ids == set(ids[1:4])
        await pilot.press("v", "j", "v", "j")  # v again also ends it
        assert app.marks.ids == set(ids[1:4]) | set(ids[5:7])
        assert len(marked_lines(app)) == 5


async def test_marks_survive_a_refresh_and_a_resort(make_app):
    from ..integration.helpers import advance

    app, sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        chosen = list(app.list_view.ids[2:5])
        await mark(pilot, app, chosen)
        cycles = app.cycles
        advance(sim, 120)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.cycles > cycles)
        assert app.marks.ids == set(chosen) and "3 marked" in title(app)
        await pilot.press("s")  # sort by status
        await pilot.pause()
        assert app.view.sort == "status"
        assert app.marks.ids == set(chosen)
        for gen_id in chosen:
            assert app.list_view.select_id(gen_id)
            await pilot.pause()
            assert (
                line_text(app.list_view, app.list_view.cursor + 1 - app.list_view._top_index())[:1]
                == "●"
            )


async def test_d_on_five_marked_downloads_five_named_files_then_skips_them(make_app, tmp_path):
    app, sim, _ = make_app(export_dir=tmp_path / "default")
    chosen_dir = tmp_path / "chosen"
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        five = with_assets(app, 5)
        await mark(pilot, app, five)
        # every asset answer waits, so the progress can be seen on the screen
        set_fault(sim, "slow", delay=0.6, duration=60, path="/_sim/assets/")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadScreen))
        screen = app.screen
        assert "5 marked" in str(screen.query_one("Vertical").border_title)
        assert "5 to download" in str(screen.query_one("#download-counts").render())
        screen.query_one(Input).value = str(chosen_dir)  # a folder of the user's choice
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.downloads.running)
        panel = app.query_one(DownloadsPanel)
        await wait_for(pilot, lambda: any("of 5 files" in line for line in screen_lines(app)))
        lines = screen_lines(app)
        assert any("ctrl+x cancel" in line for line in lines)
        assert any(line.startswith("   ▸ ") for line in lines)  # one line per file fetched
        assert panel.region.height >= 2
        await wait_for(pilot, lambda: not app.downloads.running, timeout=20)
        clear_faults(sim)
        rows = [app.store.rows[i] for i in five]
        expected = {file_name(DEFAULT_TEMPLATE, app.assets._facts(r)[0]) for r in rows}
        saved = {p.name for p in chosen_dir.iterdir()}
        assert saved == expected and len(saved) == 5
        for row in rows:  # each file holds what the simulator serves at its URL
            facts, url = app.assets._facts(row)
            served = httpx.get(url).content
            assert (
                served and (chosen_dir / file_name(DEFAULT_TEMPLATE, facts)).read_bytes() == served
            )
        assert not (tmp_path / "default").exists()  # the folder chosen, not the default
        await wait_for(pilot, lambda: any("5 downloaded" in t for t in toasts(app)))
        assert not panel.has_class("-shown")

        await pilot.press("d")  # again: the dialog says they are there, and nothing is fetched
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadScreen))
        counts = str(app.screen.query_one("#download-counts").render())
        assert "0 to download" in counts and "5 already there (skipped)" in counts
        assert app.screen.query_one(Input).value == str(chosen_dir)  # remembered
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("5 already there, skipped" in t for t in toasts(app)))
        assert {p.name for p in chosen_dir.iterdir()} == expected


async def test_c_copies_the_marked_ids_one_per_line(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        chosen = list(app.list_view.ids[1:4])
        await mark(pilot, app, reversed(chosen))
        await pilot.press("c")
        assert app.clipboard == "\n".join(chosen)  # in the list's order, newest first
        assert any("Copied 3 ids (3 marked)" in t for t in toasts(app))


async def test_nothing_marked_acts_on_the_filtered_list_and_says_so(make_app, tmp_path):
    app, _, _ = make_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("5")  # only errors
        shown = list(app.list_view.ids)
        assert 1 < len(shown) < len(app.store)
        await pilot.press("c")
        assert app.clipboard == "\n".join(shown)
        assert any(f"(the filtered list ({len(shown)}))" in t for t in toasts(app))
        await pilot.press("w")
        assert set(shown) <= app.store.watched
        assert any("Watching" in t and "the filtered list" in t for t in toasts(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadScreen))
        assert "the filtered list" in str(app.screen.query_one("Vertical").border_title)
        counts = str(app.screen.query_one("#download-counts").render())
        assert f"{len(shown)} with no file" in counts  # failed jobs have nothing to fetch
        await pilot.press("escape")
        assert not isinstance(app.screen, DownloadScreen)
        assert not app.downloads.items


async def test_nothing_marked_and_no_filter_keeps_acting_on_the_selected_job(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("j", "c")
        assert app.clipboard == app.list_view.ids[1]
        await pilot.press("w")
        assert app.store.watched == {app.list_view.ids[1]}


async def test_export_and_watch_take_only_the_marked_jobs(make_app, tmp_path):
    app, _, _ = make_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        chosen = list(app.list_view.ids[3:6])
        await mark(pilot, app, chosen)
        await pilot.press("e")
        await pilot.pause()
        (jsonl,) = tmp_path.glob("*.jsonl")
        assert [json.loads(line)["id"] for line in jsonl.read_text().splitlines()] == chosen
        assert any("Exported 3 generations (3 marked)" in t for t in toasts(app))
        await pilot.press("w")
        assert app.store.watched == set(chosen)
        await pilot.press("w")  # all watched already: unwatch them all
        assert not app.store.watched
