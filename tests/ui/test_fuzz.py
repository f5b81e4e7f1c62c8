"""Hostile-data fuzz: hypothesis-generated generations through every view of the running app.

Strings mix C0/C1 controls, ESC/CSI/OSC/DCS sequences, bidi overrides and isolates, combining
marks, emoji, wide text, markup look-alikes and 100k-character values; ``input``/``asset``
carry JSON nested 200 levels deep and arrays of thousands of items; numbers are NaN, infinite,
negative or huge. Every generation is put through the store, the list, the detail summary,
the JSON tree (expanded down the deep path), the in-flight panel, a notification and the help
screen, and every rendered segment is checked for control characters.

The app is started once and examples are fed to it synchronously (rendering is synchronous),
so a hundred examples cost seconds, not minutes. ``-m slow`` runs many more.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.widgets import Static
from textual.widgets._toast import Toast

from hedra_tui.api.models import parse_generation
from hedra_tui.ui.screens.help import HelpScreen
from hedra_tui.ui.widgets.json_tree import JsonTree

from .conftest import wait_for

CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2028\u2029\ud800-\udfff]"
)

FRAGMENTS = [
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;http://evil\x1b\\",
    "\x1b]0;title\x07",
    "\x1bP+q544e\x1b\\",
    "\x9b31m",
    "\x90dcs\x9c",
    "\x1b_apc\x1b\\",
    "\u202egnp.exe",
    "\u2066iso\u2069",
    "\u200b\u200f",
    "e\u0301\u0301\u0301",
    "🎬👩‍👩‍👧‍👦🏳️‍🌈",
    "日本語の長いプロンプト",
    "[bold]x[/]",
    "[@click=app.quit]q[/]",
    "\r\n\t\x00\x07\x08\x7f",
    "\ud800",  # a lone surrogate, as json.loads can produce
]

hostile_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=8).map("".join),
    st.sampled_from(FRAGMENTS).map(lambda f: f + "x" * 100_000),
)
numbers = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)


def _nest(depth: int, leaf: Any) -> Any:
    value = leaf
    for i in range(depth):
        value = {f"level{i}": value} if i % 2 else [value]
    return value


json_leaf = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)
deep = st.builds(_nest, st.integers(min_value=1, max_value=200), json_leaf)
huge_array = st.integers(min_value=1_000, max_value=20_000).map(lambda n: list(range(n)))
payload_value = st.one_of(json_value, deep, huge_array)


@st.composite
def hostile_generation(draw: st.DrawFn) -> dict[str, Any]:
    gen_id = draw(hostile_text.filter(bool) | st.uuids().map(str))
    doc: dict[str, Any] = {
        "id": gen_id,
        "type": draw(hostile_text | st.sampled_from(["video", "image"])),
        "status": draw(
            st.sampled_from(["queued", "processing", "finalizing", "complete", "error"])
            | hostile_text
        ),
        "progress": draw(numbers),
        "eta_sec": draw(numbers),
        "estimated_completion_at": draw(st.none() | hostile_text),
        "created_at": draw(hostile_text | st.just("2026-11-18T10:00:00Z")),
        "credit_cost": draw(numbers),
        "input": {
            "type": draw(hostile_text),
            "text_prompt": draw(hostile_text),
            "ai_model_id": draw(hostile_text),
            draw(hostile_text): draw(payload_value),
        },
        "asset": draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "id": hostile_text,
                    "name": hostile_text,
                    "asset": st.fixed_dictionaries(
                        {"type": hostile_text, "url": hostile_text, "extra": payload_value}
                    ),
                }
            )
        ),
        "error": draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "type": hostile_text,
                    "reason_code": st.none() | hostile_text,
                    "message": hostile_text,
                    "param": st.none() | hostile_text,
                    "violations": st.none() | st.lists(st.dictionaries(hostile_text, json_leaf)),
                    "credits_needed": numbers,
                    "credits_available": numbers,
                }
            )
        ),
        "error_message": draw(st.none() | hostile_text),
    }
    doc[draw(hostile_text)] = draw(payload_value)  # a field the spec does not know
    return doc


def _clean(strips: Any, where: str = "") -> str:
    text = ""
    for strip in strips:
        for segment in strip:
            assert not CONTROL.search(segment.text), (where, segment.text[:200])
            text += segment.text
    return text


def _plain(renderable: Any) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    segments = list(console.render(renderable))
    for segment in segments:
        assert not CONTROL.search(segment.text.replace("\n", "")), repr(segment.text[:200])
    return "".join(s.text for s in segments)


async def _fuzz(make_app, examples: int) -> None:
    app, _, _ = make_app(count=30, inflight=3, autopoll=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await app.poller.cycle()
        app.apply_changes(set(app.store.order))
        app.notify_mode = "all"
        await pilot.pause()
        lst, tree, panel = app.list_view, app.query_one(JsonTree), app.inflight
        seen = 0

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(hostile_generation())
        def check(payload: dict[str, Any]) -> None:
            nonlocal seen
            try:
                gen = parse_generation(payload)
            except ValueError:
                return  # an item without a usable id is set aside as malformed, not shown
            seen += 1
            app.store.clear()  # one generation at a time, so a failure names its payload
            changed = app.store.upsert([gen])
            app.apply_changes(changed)
            assert lst.select_id(gen.id)
            _clean((lst.render_line(y) for y in range(lst.size.height)), "list")
            # the detail summary and the tree, expanded all the way down the deepest path
            app.detail.show(gen.id)
            summary = app.query_one("#detail-summary", Static).render()
            _plain(summary)
            node, depth = tree.root, 0
            while node.children and depth < 250:
                child = next((c for c in node.children if c.allow_expand and not c.data.more), None)
                if child is None:
                    break
                tree._populate(child)
                child.expand()
                node, depth = child, depth + 1
            _clean((tree.render_line(y) for y in range(tree.size.height)), "tree")
            _clean((panel.render_line(y) for y in range(panel.size.height)), "in flight")
            # the notification a job ending raises (notify = all)
            app._announce({gen.id})

        check()
        assert seen > examples // 3
        await pilot.pause()
        for toast in app.query(Toast):
            _plain(toast.render())
        assert app.is_running
        # and the help screen over all of it
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        screen_text = _clean(app.screen._compositor.render_strips())
        assert "help" in screen_text.lower()


async def test_fuzzed_generations_render_safely_in_every_view(make_app):
    await _fuzz(make_app, examples=60)


@pytest.mark.slow
async def test_fuzzed_generations_render_safely_in_every_view_long(make_app):
    await _fuzz(make_app, examples=1000)
