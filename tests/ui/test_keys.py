"""Every key alive: zoom, movement in every pane, the keymap in help, copy from the tree.

These read the screen as a person does (the rows the terminal shows), not widget state alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hedra_tui.api.v3.models import generation_from_v3
from hedra_tui.state.derive import ErrorGroup
from hedra_tui.ui.screens.errors import ErrorList, ErrorsScreen
from hedra_tui.ui.screens.help import HelpScreen
from hedra_tui.ui.widgets.json_tree import JsonTree

from ..integration.helpers import inject
from .conftest import screen_lines, wait_for

TREE_ROW = re.compile(r"[├└] ")  # a tree node below the root, as drawn
STATUS_WORDS = ("queued", "processing", "finalizing", "complete", "error")


def _tree_rows(app: Any) -> int:
    return sum(1 for line in screen_lines(app) if TREE_ROW.search(line))


def _list_rows(app: Any) -> int:
    return sum(1 for line in screen_lines(app) if any(f" {w} " in line for w in STATUS_WORDS))


def _text(app: Any) -> str:
    return "\n".join(screen_lines(app))


async def test_z_on_the_list_gives_it_the_whole_screen_and_z_gives_it_back(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app.detail.gen_id is not None)
        await pilot.pause()
        before = _list_rows(app)
        assert "─ Detail ─" in _text(app)
        await pilot.press("z")
        await pilot.pause()
        lines = screen_lines(app)
        assert "live" in lines[0]  # the status line stays, on top
        assert "─ Detail ─" not in _text(app)  # the other pane gives way
        assert _list_rows(app) >= before + 8  # 9 rows at 80x24 before, 19 zoomed
        await pilot.press("j", "j")  # the zoomed list still moves
        assert app.list_view.cursor == 2
        await pilot.press("z")
        await pilot.pause()
        assert "─ Detail ─" in _text(app)
        assert _list_rows(app) == before


async def test_z_on_the_tree_shows_the_whole_job_and_esc_restores(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app.detail.gen_id is not None)
        await pilot.press("tab")
        await pilot.pause()
        before = _tree_rows(app)
        assert before <= 6  # the tree gets a few lines beside the list
        await pilot.press("z")
        await pilot.pause()
        text = _text(app)
        assert "STATUS" not in text and "live" in screen_lines(app)[0]
        assert _tree_rows(app) >= 15  # the whole document (input expanded): ~20 rows
        assert isinstance(app.focused, JsonTree)  # the cursor stays where it was
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.maximized is None
        assert "STATUS" in _text(app) and _tree_rows(app) == before


async def test_zoomed_v3_job_shows_the_whole_log_and_every_output_url(make_v3_app):
    app, _, _ = make_v3_app(count=60, inflight=3)

    def finished_with_log() -> str | None:
        for gen_id in app.store.order:
            row = app.store.rows[gen_id]
            logs = row.raw.get("logs") or []
            if row.status == "complete" and len(logs) >= 8 and row.raw.get("outputs"):
                return gen_id
        return None

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: finished_with_log() is not None, timeout=30)
        gen_id = finished_with_log()
        assert gen_id is not None
        # a job with three outputs (the simulator serves one), as the next read would bring
        raw = dict(app.store.rows[gen_id].raw)
        first = raw["outputs"][0]
        raw["outputs"] = [
            first,
            {**first, "url": "https://cdn.example/b.mp4", "content_type": "video/mp4"},
            {**first, "url": "https://cdn.example/c.wav", "content_type": "audio/wav"},
        ]
        app.apply_changes(app.store.upsert([generation_from_v3(raw)]))
        assert app.list_view.select_id(gen_id)
        await wait_for(pilot, lambda: app.detail.gen_id == gen_id)
        await pilot.pause()
        events = [f"{item['event']} {item['message']}" for item in raw["logs"]]
        shown = _text(app)
        assert sum(e in shown for e in events) <= 3  # the pane has room for the newest 3
        assert "+2 more (z)" in shown and "cdn.example/b.mp4" not in shown
        await pilot.press("tab", "z")
        await pilot.pause()
        seen = _text(app)
        await pilot.press("tab", "G")  # tab: the job's text; G: its end
        await pilot.pause(0.3)
        seen += _text(app)
        assert all(e in seen for e in events), [e for e in events if e not in seen]
        assert "output 2/3 video/mp4 https://cdn.example/b.mp4" in seen
        assert "output 3/3 audio/wav https://cdn.example/c.wav" in seen
        assert first["url"][:60] in seen


async def test_zoom_from_the_command_palette(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app.detail.gen_id is not None)
        await pilot.press("tab")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"zoom the focused")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.maximized is app.detail)
        await pilot.pause()
        assert "STATUS" not in _text(app) and _tree_rows(app) >= 15


async def test_j_k_g_G_and_page_keys_move_in_the_tree(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1 and app.detail.gen_id is not None)
        await pilot.press("enter")
        tree = app.query_one(JsonTree)
        assert app.focused is tree
        start = tree.cursor_line
        await pilot.press("j", "j")
        assert tree.cursor_line == start + 2
        await pilot.press("k")
        assert tree.cursor_line == start + 1
        await pilot.press("G")
        assert tree.cursor_line == tree.last_line > 10
        await pilot.press("g")
        assert tree.cursor_line == 0
        await pilot.press("pagedown")
        assert tree.cursor_line >= 2
        await pilot.press("g", "ctrl+f")
        assert tree.cursor_line >= 2
        await pilot.press("end", "home")
        assert tree.cursor_line == 0
        assert app.list_view.cursor == 0  # the list did not move underneath


async def test_j_k_g_G_and_page_keys_move_in_the_errors_view(make_app):
    app, _, _ = make_app(count=400)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen))
        options = app.screen.query_one(ErrorList)
        assert options.option_count >= 4
        assert options.highlighted == 0
        await pilot.press("j", "j")
        assert options.highlighted == 2
        await pilot.press("k")
        assert options.highlighted == 1
        await pilot.press("G")
        assert options.highlighted == options.option_count - 1
        await pilot.press("g")
        assert options.highlighted == 0
        await pilot.press("pagedown")
        assert options.highlighted > 1
        await pilot.press("pageup")
        assert options.highlighted == 0


async def test_a_keymap_change_shows_in_help_and_the_down_arrow_still_moves(make_app):
    app, _, _ = make_app(keymap={"list.down": "n", "app.pause": "ctrl+o"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        await pilot.press("down")
        assert app.list_view.cursor == 1  # the arrow has its own binding: still down
        await pilot.press("n")
        assert app.list_view.cursor == 2
        await pilot.press("j")
        assert app.list_view.cursor == 2  # j was moved to n
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        rows = screen_lines(app)
        down = next(line for line in rows if re.search(r"\s{2}down\s{2}", line))
        assert re.search(r"│\s+n, ↓\s+down", down), down
        await pilot.press("G")  # help scrolls with the same keys: to its end
        await pilot.pause()
        rows = screen_lines(app)
        pause = next(line for line in rows if "pause / resume polling" in line)
        assert "ctrl+o" in pause and " p " not in pause
        await pilot.press("escape")
        await pilot.press("enter")  # the tree takes the same keymap: n moves, j does not
        tree = app.query_one(JsonTree)
        line = tree.cursor_line
        await pilot.press("n")
        assert tree.cursor_line == line + 1
        await pilot.press("j")
        assert tree.cursor_line == line + 1
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Pause / resume polling"].endswith("(ctrl+o)")


async def test_palette_help_and_bindings_come_from_one_table(make_app):
    from hedra_tui.ui.actions import COMMANDS

    app, _, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles))  # nothing listed twice
        assert "Maximize" not in titles and "Keys" not in titles  # ours replace them
        for command in COMMANDS:
            if command.palette:
                assert command.palette_title in titles
        ids = {b.id for b in app.BINDINGS}  # type: ignore[union-attr]
        assert ids == {c.id for c in COMMANDS if c.scope == "app"}


async def test_y_in_the_tree_copies_the_raw_value_under_the_cursor(make_app):
    app, sim, _ = make_app()
    hostile = "red \x1b]52;c;aGk=\x07 fox \u202e"
    gen = inject(sim, {"input": {"text_prompt": hostile, "resolution": "720p"}})
    copied: list[str] = []
    real_copy = app.copy_to_clipboard

    def record(text: str) -> None:
        copied.append(text)
        real_copy(text)

    app.copy_to_clipboard = record  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: gen["id"] in app.store.rows)
        assert app.list_view.select_id(gen["id"])
        await wait_for(pilot, lambda: app.detail.gen_id == gen["id"])
        await pilot.press("tab")
        tree = app.query_one(JsonTree)

        async def cursor_to(path: tuple[str, ...]) -> None:
            for line in range(tree.last_line + 1):
                node = tree.get_node_at_line(line)
                if node is not None and node.data is not None and node.data.path == path:
                    tree.cursor_line = line
                    await pilot.pause()
                    return
            raise AssertionError(f"no node {path}")

        await cursor_to(("input", "text_prompt"))
        await pilot.press("y")
        assert copied[-1] == hostile  # the raw value, not the sanitized label
        await cursor_to(("input",))
        await pilot.press("y")
        assert json.loads(copied[-1]) == app.store.rows[gen["id"]].raw["input"]
        await cursor_to(("progress",))
        await pilot.press("y")
        assert json.loads(copied[-1]) == app.store.rows[gen["id"]].raw["progress"]
        assert "y" in _text(app) and "Copy value" in _text(app)  # the footer offers it


async def test_wrapped_help_and_errors_lines_keep_their_indent_and_advice_is_said_once(
    make_app,
):
    app, _, _ = make_app(count=400)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.cycles >= 1)
        transient = next(r for r in app.store if r.error_group is ErrorGroup.TRANSIENT)
        assert app.list_view.select_id(transient.id)
        await wait_for(pilot, lambda: app.detail.gen_id == transient.id)
        await pilot.pause()
        assert "[retry later]" in _text(app)
        assert "retry later] retry later" not in _text(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen))
        await pilot.pause()
        rows = [line for line in screen_lines(app) if "▊" in line and "▔" not in line]
        assert not any("retry later] retry later" in line for line in rows)
        words_at = None
        for line in rows:
            body = line.split("▊", 1)[1]
            head = re.match(r"\s+\d[\d,]*  ", body)
            if head is not None:
                words_at = head.end()  # the words column of this bucket
            elif body.strip().rstrip("▎").strip():
                assert words_at is not None
                indent = len(body) - len(body.lstrip())
                assert indent == words_at, (line, words_at)  # a wrapped line, hanging
        await pilot.press("escape", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        rows = screen_lines(app)
        wrapped = next(i for i, line in enumerate(rows) if "the last loaded row;" in line)
        column = rows[wrapped].index("bottom (")
        follow = rows[wrapped + 1]
        assert follow[:column].strip("│ ") == "" and follow[column] != " ", follow


def test_no_key_does_two_things_in_one_scope_and_every_id_is_unique():
    from collections import Counter

    from hedra_tui.ui.actions import COMMANDS

    assert len({c.id for c in COMMANDS}) == len(COMMANDS)
    # the list and the tree also get the movement keys, so they share a namespace with them
    for scopes in ({"app"}, {"move", "list"}, {"move", "tree"}):
        keys = Counter(key for c in COMMANDS if c.scope in scopes for key in c.keys.split(","))
        assert [k for k, n in keys.items() if n > 1] == [], scopes
