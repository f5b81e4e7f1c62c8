"""Operator workflow in the monitor: filter, toggles, sort, copy, export."""

from __future__ import annotations

import csv
import json
import re

from hedra_tui.state.naming import DEFAULT_TEMPLATE, file_name
from hedra_tui.ui.widgets.filter_bar import FilterBar
from hedra_tui.ui.widgets.status import FitLine

from .conftest import wait_for


async def test_slash_filters_as_you_type_and_escape_clears(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        word = next(w for r in app.store for w in r.prompt_text.split() if len(w) > 6)
        await pilot.press("slash")
        assert app.query_one(FilterBar).has_class("-open")
        await pilot.press(*word.lower())
        await pilot.pause()
        ids = list(app.list_view.ids)
        assert ids and all(word.lower() in app.store.rows[i].prompt_text.lower() for i in ids)
        assert len(ids) < len(app.store)
        count = app.query_one("#filter-count").render()
        assert f"{len(ids):,} match" in str(count)
        assert word.lower() in app.query_one("#list-pane").border_title
        await pilot.press("enter")
        assert app.focused is app.list_view and list(app.list_view.ids) == ids
        await pilot.press("slash", "escape")
        assert list(app.list_view.ids) == list(app.store.order)
        assert not app.query_one(FilterBar).has_class("-open")


async def test_status_toggles_and_zero_clears(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("5")
        assert app.list_view.ids and all(
            app.store.rows[i].status == "error" for i in app.list_view.ids
        )
        await pilot.press("2")
        statuses = {app.store.rows[i].status for i in app.list_view.ids}
        assert statuses == {"error", "processing"}
        await wait_for(pilot, lambda: app.detail.gen_id in app.list_view.ids)
        await pilot.press("0")
        assert list(app.list_view.ids) == list(app.store.order)


async def test_sort_by_credits_survives_a_refresh(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        while app.view.sort != "credits":
            await pilot.press("s")
        credits = [app.store.rows[i].credits or -1 for i in app.list_view.ids]
        assert credits == sorted(credits, reverse=True)
        cycles = app.cycles
        await pilot.press("r")
        await wait_for(pilot, lambda: app.cycles > cycles)
        credits = [app.store.rows[i].credits or -1 for i in app.list_view.ids]
        assert credits == sorted(credits, reverse=True)
        await pilot.press("S")
        credits = [app.store.rows[i].credits or -1 for i in app.list_view.ids]
        assert credits == sorted(credits)
        assert "by credits" in app.query_one("#list-pane").border_title


async def test_copy_puts_raw_id_url_and_json_on_the_clipboard(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("c")
        assert app.clipboard == app.list_view.cursor_id
        await pilot.press("J")
        assert json.loads(app.clipboard) == app.store.rows[app.list_view.cursor_id].gen.raw
        done = next(i for i in app.store.order if app.store.rows[i].gen.asset is not None)
        app.list_view.select_id(done)
        await pilot.press("u")
        assert app.clipboard == app.store.rows[done].gen.asset.best_url
        assert app.clipboard.startswith("http://127.0.0.1:")


async def test_export_writes_the_filtered_list_as_jsonl_and_csv(make_app, tmp_path):
    app, _, _ = make_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("5")
        shown = list(app.list_view.ids)
        await pilot.press("e")
        await pilot.pause()
        (jsonl,) = tmp_path.glob("*.jsonl")
        lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
        assert [g["id"] for g in lines] == shown
        await pilot.press("E")
        await pilot.pause()
        (csv_file,) = tmp_path.glob("*.csv")
        rows = list(csv.DictReader(csv_file.open()))
        assert [r["id"] for r in rows] == shown
        assert all(r["status"] == "error" and r["error_type"] for r in rows)
        assert not list(tmp_path.glob(".*"))  # no temporary files left behind


async def test_errors_view_groups_failures_and_enter_filters_the_list(make_app):
    from hedra_tui.ui.screens.errors import ErrorsScreen

    app, _, _ = make_app(count=400)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        buckets = screen.buckets
        failed = [r for r in app.store if r.status == "error"]
        assert sum(b.count for b in buckets) == len(failed)
        assert [b.count for b in buckets] == sorted((b.count for b in buckets), reverse=True)
        assert all(b.advice for b in buckets)
        first = buckets[0]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ErrorsScreen)
        shown = [app.store.rows[i] for i in app.list_view.ids]
        # a short filtered list pulls in older pages, so count against what is loaded now
        matching = [
            r for r in app.store if (r.error_code, r.reason_code) == (first.code, first.reason)
        ]
        assert len(shown) == len(matching) >= first.count
        assert all((r.error_code, r.reason_code) == (first.code, first.reason) for r in shown)
        await pilot.press("0")
        assert list(app.list_view.ids) == list(app.store.order)


async def test_watched_job_ending_toasts_rings_and_counts_as_new(make_app):
    from textual.widgets._toast import Toast

    from ..integration.helpers import advance

    app, sim, _ = make_app(bell=True)
    rings = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        flying = app.store.in_flight_ids()[0]
        app.list_view.select_id(flying)
        await pilot.press("w")
        assert flying in app.store.watched
        assert "★" in "".join(s.text for s in app.list_view.render_line(app.list_view.cursor + 1))
        advance(sim, 3600)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.store.rows[flying].final)
        await wait_for(pilot, lambda: bool(rings))
        assert len(rings) == 1  # only the watched job rings (notify = watched)
        texts = [t.render().plain for t in app.query(Toast)]
        assert any(("completed" in t or "✗" in t) for t in texts)
        assert "new" in app.query_one("#status", FitLine).plain
        await pilot.press("j")
        assert app.unseen == 0 and "new" not in app.query_one("#status", FitLine).plain


async def test_theme_from_settings_is_applied(make_app):
    app, _, _ = make_app(theme="nord")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"


async def test_changing_the_theme_reports_it_to_be_remembered(make_app):
    saved = []
    app, _, _ = make_app(on_theme=saved.append)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "gruvbox"
        await pilot.pause()
    assert saved[-1] == "gruvbox"


async def test_download_key_saves_the_asset_and_does_not_overwrite(make_app, tmp_path):
    from textual.widgets._toast import Toast

    app, _, _ = make_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        done = next(i for i in app.store.order if app.store.rows[i].gen.asset is not None)
        app.list_view.select_id(done)
        await pilot.press("d")  # nothing marked, no filter: the selected job, no dialog
        name = file_name(DEFAULT_TEMPLATE, app.assets._facts(app.store.rows[done])[0])
        assert name.endswith(f"_{done[:8]}.{name.rsplit('.', 1)[1]}")
        await wait_for(pilot, lambda: (tmp_path / name).exists())
        (saved,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
        assert saved.stat().st_size == 64 * 1024
        await wait_for(pilot, lambda: not app.query_one("#download").has_class("-shown"))
        before = saved.stat().st_mtime_ns
        await pilot.press("d")
        await wait_for(
            pilot, lambda: any("Already downloaded" in t.render().plain for t in app.query(Toast))
        )
        assert saved.stat().st_mtime_ns == before
        assert [p for p in tmp_path.iterdir()] == [saved]


async def test_activity_strip_counts_jobs_that_end(make_app):
    from ..integration.helpers import advance

    app, sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        advance(sim, 3600)
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.store.in_flight_ids())
        app._tick()
        strip = app.query_one("#activity", FitLine).plain
        ended = [r for r in app.store if r.finished_at is not None]
        assert ended and "✓ " in strip and "error rate" in strip
        # the credits used, word and number whole, in the long or the shorter form
        assert re.search(r"credits used this session [\d,]+$|used [\d,]+ credits$", strip)


async def test_open_over_ssh_copies_the_url_instead(make_app, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 22 10.0.0.2 22")
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        done = next(i for i in app.store.order if app.store.rows[i].gen.asset is not None)
        app.list_view.select_id(done)
        await pilot.press("o")
        assert app.clipboard == app.store.rows[done].gen.asset.best_url


async def test_keymap_from_settings_rebinds_an_action(make_app):
    app, _sim, _ = make_app(keymap={"app.pause": "ctrl+o"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("ctrl+o")
        assert app.poller.paused
        await pilot.press("p")  # the old key no longer pauses
        assert app.poller.paused


async def test_server_filter_dialog_reloads_the_list_from_the_api(make_app):
    from textual.widgets import Static

    from hedra_tui.state.filters import ServerFilters
    from hedra_tui.ui.screens.server_filters import ServerFilterScreen

    app, _sim, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, ServerFilterScreen)
        await pilot.click("#f-created_after")
        await pilot.press(*"someday", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ServerFilterScreen)  # stays open and says why
        assert "created after" in str(app.screen.query_one("#filter-error", Static).render())
        app.screen.query_one("#f-created_after").value = ""
        await pilot.click("#f-type")
        await pilot.press(*"image", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ServerFilterScreen))
        assert app.poller.filters == ServerFilters(type="image")
        await wait_for(pilot, lambda: len(app.store) > 0 and app._first_load_done)
        assert all(r.type_text == "image" or r.gen.input.get("type") == "image" for r in app.store)
        assert "server: image" in app.query_one("#list-pane").border_title
        await pilot.press("F")
        await pilot.pause()
        await pilot.click("#clear")
        await wait_for(pilot, lambda: not app.poller.filters and len(app.store) > 0)
        await wait_for(pilot, lambda: any(r.type_text != "image" for r in app.store))


async def test_load_all_pages_through_the_history_while_keys_keep_working(make_app):
    app, _, _ = make_app(count=900)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        assert not app.store.exhausted
        await pilot.press("L")
        await pilot.press("j", "j")  # keys are handled while pages load
        await wait_for(pilot, lambda: app.store.exhausted, timeout=20)
        assert app.list_view.cursor >= 2
        assert len(app.store) == len(set(app.store.order)) == 920
