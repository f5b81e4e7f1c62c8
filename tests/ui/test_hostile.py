"""Hostile strings from the API: shown literally, never as markup, never as escape sequences."""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import Static
from textual.widgets._toast import Toast

from hedra_tui.ui.widgets.json_tree import JsonTree
from hedra_tui.ui.widgets.status import FitLine

from ..integration.helpers import inject
from .conftest import line_text, wait_for

MARKUP = "[@click=app.quit]x[/] [red]red[/red] [bold]"
ESCAPES = "\x1b[2J\x1b]52;c;aGVsbG8=\x07\x1b]0;title\x07\x9b31m\x1bP+q\x1b\\"
BIDI = "safe\u202egnp.exe\u2066iso\u2069\u200b"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]")

HOSTILE_PROMPT = f"{MARKUP} {ESCAPES} {BIDI} nul\x00end 日本語の長いプロンプト🎬 " + "x" * 10_000


def _segments_clean(strips) -> str:
    text = ""
    for strip in strips:
        for segment in strip:
            assert not CONTROL.search(segment.text), repr(segment.text)
            text += segment.text
    return text


async def test_hostile_strings_show_literally_and_safely_everywhere(make_app):
    app, sim, _ = make_app()
    inject(
        sim,
        {
            "id": "hostile-1",
            "type": "video\x1b[31m",
            "status": "processing\x1b]0;x\x07",
            "input": {
                "type": "video",
                "generated_video_inputs": {"text_prompt": HOSTILE_PROMPT},
                "[/]": "key that is markup",
                "k\x1b[2Jey": "v\x9dalue",
            },
            "error": {"type": "MODERATION_FAILED[/]", "message": MARKUP + ESCAPES, "param": BIDI},
        },
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "hostile-1" in app.store.rows)
        assert app.list_view.select_id("hostile-1")
        tree = app.query_one(JsonTree)
        await wait_for(
            pilot, lambda: tree.root.data is not None and tree.root.data.value["id"] == "hostile-1"
        )
        await pilot.pause()
        assert app.is_running  # the [@click=app.quit] prompt did not quit anything

        # the list line
        lst = app.list_view
        index = app.store.order.index("hostile-1")
        lst.scroll_to(y=max(index - 2, 0), animate=False)
        await pilot.pause()
        y = index - int(lst.scroll_offset.y) + 1
        line = _segments_clean([lst.render_line(y)])
        assert "[@click=app.quit]" in line
        assert len(line) <= lst.size.width + 1  # 10k chars and wide text do not break the layout

        # the detail summary
        summary = app.query_one("#detail-summary", Static).render()
        plain = summary.plain if isinstance(summary, Text) else str(summary)
        assert MARKUP in plain and "␛[2J" in plain
        assert not CONTROL.search(plain.replace("\n", ""))

        # the tree: keys and values, expanded
        for node in list(tree.root.children):
            node.expand()
        await pilot.pause()
        labels = []

        def walk(node):
            for child in node.children:
                labels.append(child.label.plain)
                walk(child)

        walk(tree.root)
        joined = "\n".join(labels)
        assert "[/]: " in joined and "␛[2Jey" in joined
        assert not CONTROL.search(joined.replace("\n", ""))
        _segments_clean(tree.render_line(y) for y in range(tree.size.height))

        # the in-flight panel
        panel = app.inflight
        _segments_clean(panel.render_line(y) for y in range(panel.size.height))


async def test_toasts_with_hostile_text_are_plain_and_safe(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.toast(f"API error: {MARKUP} {ESCAPES} {BIDI}")
        await wait_for(pilot, lambda: bool(list(app.query(Toast))))
        rendered = list(app.query(Toast))[-1].render()
        plain = rendered.plain
        assert MARKUP in plain
        assert not CONTROL.search(plain.replace("\n", ""))
        assert app.is_running


async def test_hostile_error_detail_in_the_banner_is_plain(make_app):
    app, _, _ = make_app(autopoll=False)  # no poll may clear the error under the test
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_report(await app.poller.cycle())
        app.poller.health.error = "boom " + MARKUP
        app._update_header()
        await pilot.pause()
        banner = app.query_one("#banner", FitLine)
        assert MARKUP in banner.plain
        assert line_text(app.list_view, 0)
