"""The real monitor in a real pty, its output through the changed-cells layer: a terminal
emulator fed what reached the terminal shows, after every frame, what Textual drew."""

from __future__ import annotations

import os
import re
import sys
import time

import pyte

from hedra_tui.ui.screen_diff import FRAME_END, HELD_END

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from benchmarks.ptyrun import PtyProcess


def _cells(screen: pyte.Screen) -> list[list[tuple[object, ...]]]:
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)
            for c in (screen.buffer[y][x] for x in range(screen.columns))
        ]
        for y in range(screen.lines)
    ]


def test_the_terminal_shows_what_textual_drew_with_a_fraction_of_the_bytes(tmp_path):
    cols, rows = 100, 30
    env = {
        "HEDRA_TUI_WIRE_LOG": str(tmp_path),
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_STATE": str(tmp_path / "state"),
    }
    cmd = [sys.executable, "-m", "hedra_tui", "--demo", "--interval", "1"]
    app = PtyProcess(cmd, cols=cols, rows=rows, env=env)
    try:
        app.wait_for(b"Generations", timeout=60)
        time.sleep(4)
        # the list, the tree, zoom, help, the errors view, the filter bar, a resize
        for key in ["j", "j", "j", "\t", "j", " ", "\x1b", "z", "z", "?", "\x1b", "/", "f", "o"]:
            app.send(key)
            time.sleep(0.3)
        app.send("\r")
        time.sleep(3)
    finally:
        app.close()
    sent = (tmp_path / "textual.out").read_text("utf-8", "surrogateescape").split(FRAME_END)
    log = (tmp_path / "terminal.out").read_text("utf-8", "surrogateescape")
    # one record per frame; a record ended by HELD_END left cells held for a later update
    # (the terminal had not answered yet): the screens are compared where nothing is held
    parts = re.split(f"({re.escape(FRAME_END)}|{re.escape(HELD_END)})", log)
    shown, held = parts[0::2], [sep == HELD_END for sep in parts[1::2]] + [False]
    assert len(sent) == len(shown) > 20
    want, got = pyte.Screen(cols, rows), pyte.Screen(cols, rows)
    want_stream, got_stream = pyte.Stream(want), pyte.Stream(got)
    # up to the app's exit (the alternate screen is left: nothing is drawn after that)
    end = next((i for i, f in enumerate(sent) if "\x1b[?1049l" in f), len(sent))
    compared = 0
    for index in range(end):
        want_stream.feed(sent[index])
        got_stream.feed(shown[index])
        if held[index]:
            continue
        compared += 1
        assert _cells(got) == _cells(want), f"frame {index}: {sent[index][:200]!r}"
        assert (got.cursor.x, got.cursor.y) == (want.cursor.x, want.cursor.y), index
    assert compared > end // 2
    steady_sent = sum(len(f) for f in sent[end // 2 : end])
    steady_shown = sum(len(f) for f in shown[end // 2 : end])
    assert steady_shown < steady_sent / 2  # the layer pays for itself
