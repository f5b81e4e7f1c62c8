"""What a person reads on the monitor's screen: layout by size only, columns that fit, the
sort arrow, the filter text, G at the end of what is loaded, `o` without a browser."""

from __future__ import annotations

import re

from hedra_tui.ui.widgets.filter_bar import FilterBar
from hedra_tui.ui.widgets.generation_list import GenerationList
from hedra_tui.ui.widgets.status import FitLine

from .conftest import line_text, wait_for


def layout_facts(app) -> tuple:
    """What the layout shows: side by side or stacked, panels shown, the list's columns."""
    lst = app.list_view
    width = lst.scrollable_content_region.width
    return (
        app.has_class("-wide"),
        app.has_class("-short"),
        app.inflight.display,
        app.query_one("#activity").display,
        app.query_one("#detail").region.x > 0,
        tuple(col.key for col, _ in lst.column_layout(width)),
    )


async def test_layout_after_any_resize_history_equals_a_fresh_start(make_app):
    fresh = {}
    for size in ((120, 40), (160, 45), (80, 24)):
        one, _, _ = make_app()
        async with one.run_test(size=size) as pilot:
            await wait_for(pilot, lambda one=one: one.cycles >= 1)
            await pilot.pause(0.2)
            fresh[size] = layout_facts(one)
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        for size in ((160, 45), (80, 24), (120, 40), (160, 45), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.3)
            assert layout_facts(app) == fresh[size], size


async def test_f_choice_holds_at_every_size(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        assert not app.inflight.display  # short: hidden unless asked for
        await pilot.press("f")
        assert app.inflight.display
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.2)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert app.inflight.display  # the user's choice, not the size, decides now


async def test_status_line_on_screen_keeps_counts_whole_at_each_width(make_app):
    for width, height in ((60, 15), (80, 24), (100, 30), (120, 40), (160, 45)):
        app, _, _ = make_app()
        async with app.run_test(size=(width, height)) as pilot:
            await wait_for(pilot, lambda app=app: app.cycles >= 1)
            await pilot.pause(0.2)
            line = app.query_one("#status", FitLine).plain
            counts = app.store.counts()
            for status in ("complete", "error"):
                n = counts[status]
                assert re.search(rf"(?<![\d,]){n:,}(?![\d,])|(?<![\d,]){n}(?![\d,])", line), (
                    width,
                    status,
                    line,
                )
            assert not re.search(r"[a-z](credits|cr)\b", line), line  # nothing glued


def cell(lst, line: str, key: str) -> str:
    width = lst.scrollable_content_region.width
    for (col, _), (x, w) in zip(lst.column_layout(width), lst._spans(width), strict=True):
        if col.key == key:
            return line[x : x + w].strip()
    raise AssertionError(f"no {key} column")


async def test_error_column_shows_types_whole_and_reasons_when_wide(make_app):
    app, _, _ = make_app(count=400)
    async with app.run_test(size=(149, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("L")
        await wait_for(pilot, lambda: app.store.exhausted)
        lst = app.list_view
        failed = [r for r in app.store if r.status == "error" and r.error_code]
        with_reason = [r for r in failed if r.reason_code]
        assert failed and with_reason
        width = lst.scrollable_content_region.width
        assert dict((c.key, w) for c, w in lst.column_layout(width))["error"] == 32
        for row in with_reason[:3] + failed[:8]:
            lst.select_id(row.id)
            await pilot.pause(0.05)
            text = cell(lst, line_text(lst, lst.cursor - lst._top_index() + 1), "error")
            assert "…" not in text, text  # a type the spec knows is never cut
            if row.reason_code:
                words = row.reason_code.removeprefix("MODERATION_").lower().replace("_", " ")
                assert text.endswith(f"({words})"), text
            else:
                assert text.endswith(row.error_code), text
        await pilot.resize_terminal(80, 24)  # narrow: the short words, still whole
        await pilot.pause(0.2)
        for row in failed[:8]:
            lst.select_id(row.id)
            await pilot.pause(0.05)
            text = cell(lst, line_text(lst, lst.cursor - lst._top_index() + 1), "error")
            assert "…" not in text and len(text.split(" ", 1)[1]) >= 4, text


async def test_clicking_a_column_title_sorts_and_shows_the_arrow(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        lst = app.list_view
        assert "AGE▲" in line_text(lst, 0)  # newest first: ages grow down the list
        x = line_text(lst, 0).index("STATUS")
        await pilot.click(GenerationList, offset=(x + 1, 0))
        await pilot.pause(0.1)
        assert app.view.sort == "status"
        header = line_text(lst, 0)
        assert "STATUS▼" in header and "AGE▲" not in header
        await pilot.click(GenerationList, offset=(x + 1, 0))
        await pilot.pause(0.1)
        assert "STATUS▲" in line_text(lst, 0) and not app.view.descending
        title = str(app.query_one("#list-pane").border_title)
        assert " of " not in title and "by status ▲" in title  # sorted, not filtered


async def test_slash_filter_shows_the_text_jumps_to_first_match_and_0_clears(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("j", "j", "j")
        await pilot.press("slash", "f", "o", "x")
        await pilot.pause(0.1)
        bar = app.query_one(FilterBar)
        # the typed text is on screen, in the bar itself
        assert "fox" in "".join(s.text for s in bar.query_one("Input").render_line(0))
        assert bar.query_one("Input").size.height == 1
        assert (
            app.list_view.cursor == 0
            and "fox" in app.store.rows[app.list_view.ids[0]].prompt_text.lower()
        )
        await pilot.press("enter")
        await pilot.press("0")
        await pilot.pause(0.1)
        assert not bar.is_open and app.view.text == ""


async def test_G_lands_on_the_last_loaded_row_and_says_more_exist(make_app):
    app, _, _ = make_app(count=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        loaded = len(app.store)
        assert not app.store.exhausted
        await pilot.press("G")
        await pilot.pause(0.5)
        lst = app.list_view
        assert lst.cursor == len(lst.ids) - 1 and len(app.store) == loaded  # no page yet
        screen_lines = [line_text(lst, y) for y in range(lst.size.height)]
        assert any("more on the server" in line for line in screen_lines)
        await pilot.press("j")  # going on down asks for the next page
        await wait_for(pilot, lambda: len(app.store) > loaded)


async def test_o_without_a_browser_copies_the_url_and_says_why(make_app, monkeypatch):
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app, _, _ = make_app()
    opened = []
    app.open_url = lambda url, **_: opened.append(url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        done = next(i for i in app.store.order if app.store.rows[i].gen.asset is not None)
        app.list_view.select_id(done)
        await pilot.press("o")
        assert app.clipboard == app.store.rows[done].gen.asset.best_url
        assert not opened
        messages = [n.message for n in app._notifications]
        assert any("copied" in m and "display" in m for m in messages), messages


async def test_v3_cost_column_shows_money(make_v3_app):
    app, _, _ = make_v3_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot,
            # after the first report too: the first load puts the cursor on the top row
            lambda: (
                app.cycles >= 1 and any(r.cost_text for r in app.store if r.status == "complete")
            ),
        )
        lst = app.list_view
        assert "COST" in line_text(lst, 0) and " CR " not in line_text(lst, 0)
        done = next(r for r in app.store if r.status == "complete" and r.cost_text)
        assert re.fullmatch(r"\$\d+\.\d\d", done.cost_text)
        lst.select_id(done.id)
        await pilot.pause(0.1)
        line = line_text(lst, lst.cursor - lst._top_index() + 1)
        assert cell(lst, line, "credits") == done.cost_text


async def test_column_chooser_hides_moves_and_saves_in_the_config(make_app, tmp_path, monkeypatch):
    from hedra_tui.config import load_settings, save_setting

    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(tmp_path / "config.toml"))
    app, _, _ = make_app(on_columns=lambda cols: str(save_setting("columns", list(cols))))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("C")
        await pilot.pause(0.1)
        await pilot.press("J", "J", "enter")  # STATUS moves two places down
        await pilot.pause(0.1)
        keys = [c.key for c, _ in app.list_view.column_layout(app.list_view.size.width - 1)]
        assert keys[:3] == ["eta", "pct", "status"]
        assert line_text(app.list_view, 0).startswith("ETA")
        await pilot.press("C")
        await pilot.pause(0.1)
        await pilot.press("space", "enter")  # hide the first one, ETA
        await pilot.pause(0.1)
        header = line_text(app.list_view, 0)
        assert header.lstrip().startswith("% STATUS") and "ETA" not in header
        saved = load_settings().columns
        assert saved is not None and saved[:2] == ["pct", "status"] and "eta" not in saved
        assert saved == list(app.columns)


def test_status_cell_never_glues_the_watch_star():
    from hedra_tui.ui.cells import status_cell

    assert status_cell("▶", "processing", "processing", True, 14) == "▶ processing ★"
    assert status_cell("▶", "processing", "processing", True, 9) == "▶ proc ★ "
    assert status_cell("✓", "complete", "complete", False, 14) == "✓ complete    "


def test_error_cell_never_carries_controls_from_the_reason_code():
    from hedra_tui.ui.cells import error_cell

    text = error_cell("?", "", "UNKNOWN", "\x1f\x1b[2J", 30)
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text), repr(text)


async def test_typing_a_filter_loads_no_older_pages(make_app):
    app, _, _ = make_app(count=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        loaded = len(app.store)
        await pilot.press("slash", *"balance")
        await pilot.pause(0.5)
        assert len(app.list_view.ids) < 30  # a short list, whose top is near its end
        assert len(app.store) == loaded


async def test_applying_server_filters_closes_a_stale_slash_bar(make_app):
    from hedra_tui.ui.screens.server_filters import ServerFilterScreen

    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("slash", *"fox", "enter")
        await pilot.pause(0.1)
        bar = app.query_one(FilterBar)
        assert bar.is_open
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, ServerFilterScreen))
        await pilot.click("#f-type")
        await pilot.press(*"image", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ServerFilterScreen))
        await pilot.pause(0.1)
        assert not bar.is_open and app.view.text == ""


async def test_reversed_order_keeps_its_arrow_after_0(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("S", "5", "0")  # oldest first, errors only, clear the filters
        await pilot.pause(0.1)
        header = line_text(app.list_view, 0)
        assert "AGE▼" in header  # oldest first: the ages shrink down the list
        assert "oldest first" in str(app.query_one("#list-pane").border_title)
        rows = [app.store.rows[i] for i in app.list_view.ids[:5]]
        assert rows == sorted(rows, key=lambda r: r.created)
