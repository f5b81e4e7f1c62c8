"""The real monitor in a pty, told by the environment which terminal it is in: iTerm2 gets
one inline image, painted again only when something covered it; Kitty gets the picture once
and placeholder cells in the color of its id; inside tmux, half-blocks."""

from __future__ import annotations

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from benchmarks.ptyrun import PtyProcess

CMD = [sys.executable, "-m", "hedra_tui", "--demo", "--type", "image", "--inflight", "0"]
ITERM = b"\x1b]1337;File="
KITTY = b"\x1b_Ga=T"
HALF = "▀".encode()
PLACEHOLDER = "\U0010eeee".encode()


def _start(tmp_path, *flags: str, **env: str) -> PtyProcess:
    base = {
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_STATE": str(tmp_path / "state"),
        "TMUX": "",
        "TERM_PROGRAM": "",
        "LC_TERMINAL": "",
        "KITTY_WINDOW_ID": "",
    }
    return PtyProcess([*CMD, *flags], cols=120, rows=40, env={**base, **env})


def test_iterm2_paints_once_and_again_only_after_being_covered(tmp_path):
    app = _start(tmp_path, TERM_PROGRAM="iTerm.app")
    try:
        app.wait_for(b"Generations", timeout=60)
        app.wait_for(ITERM, timeout=60)
        time.sleep(3)  # the rest of the first load settles
        shown = bytes(app.out)
        start = app.written
        time.sleep(3)
        idle = bytes(app.out[start:])
        app.send("?")  # the help screen covers the whole screen
        time.sleep(1.5)
        covered = app.written
        app.send("\x1b")  # and goes
        time.sleep(2)
        after = bytes(app.out[covered:])
        during = bytes(app.out[start:covered])
    finally:
        app.close()
    assert shown.count(ITERM) == 1 and HALF not in shown
    # painted at its cells with the cursor saved and put back
    assert re.search(rb"\x1b7\x1b\[\d+;\d+H\x1b\]1337;File=inline=1;[^\x07]*\x07\x1b8", shown)
    assert idle.count(ITERM) == 0 and len(idle) / 3 < 300  # nothing while idle
    assert during.count(ITERM) == 0  # not over the help screen
    assert after.count(ITERM) == 1  # once, when the help screen went


def test_kitty_sends_the_picture_once_and_names_it_by_color(tmp_path):
    app = _start(tmp_path, TERM="xterm-kitty", KITTY_WINDOW_ID="1", COLORTERM="truecolor")
    try:
        app.wait_for(b"Generations", timeout=60)
        app.wait_for(PLACEHOLDER, timeout=60)
        time.sleep(1.5)  # the rest of the first load settles
        shown = bytes(app.out)
        start = app.written
        app.send("j")  # the next image: sent
        time.sleep(2)
        app.send("k")  # back: the terminal has it
        time.sleep(2)
        moved = bytes(app.out[start:])
    finally:
        app.close()
    assert shown.count(KITTY) == 1 and HALF not in shown
    image_id = int(re.search(rb"\x1b_Ga=T,U=1,f=100,t=d,q=2,i=(\d+)", shown).group(1))
    # the placeholder cells are written in the id's color (24-bit)
    colors = {
        (int(r) << 16) | (int(g) << 8) | int(b)
        for r, g, b in re.findall(rb"38;2;(\d+);(\d+);(\d+)m" + PLACEHOLDER, shown)
    }
    assert colors == {image_id}
    assert moved.count(KITTY) == 1  # j's picture; k's was sent already


def test_inside_tmux_it_is_half_blocks(tmp_path):
    app = _start(tmp_path, TERM="xterm-kitty", KITTY_WINDOW_ID="1", TMUX="/tmp/t,1,0")
    try:
        app.wait_for(b"Generations", timeout=60)
        app.wait_for(HALF, timeout=60)
        shown = bytes(app.out)
    finally:
        app.close()
    assert KITTY not in shown and PLACEHOLDER not in shown and ITERM not in shown


def test_on_a_slow_link_it_is_half_blocks(tmp_path):
    app = _start(tmp_path, "--low-bandwidth", TERM_PROGRAM="iTerm.app")
    try:
        app.wait_for(b"Generations", timeout=60)
        app.wait_for(HALF, timeout=60)  # a picture of a fraction of the bytes
        shown = bytes(app.out)
    finally:
        app.close()
    assert ITERM not in shown
