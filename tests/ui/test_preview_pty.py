"""The real monitor in a pty: a picture is drawn once; shown and idle, it writes nothing more."""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from benchmarks.ptyrun import PtyProcess


def test_a_shown_picture_is_drawn_once_and_costs_no_bytes_while_idle(tmp_path):
    env = {
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_STATE": str(tmp_path / "state"),
    }
    # image jobs only, none in flight: the first row (selected) is a finished image
    cmd = [sys.executable, "-m", "hedra_tui", "--demo", "--type", "image", "--inflight", "0"]
    app = PtyProcess(cmd, cols=120, rows=40, env=env)
    try:
        app.wait_for(b"Generations", timeout=60)
        app.wait_for("▀".encode(), timeout=60)  # the picture, drawn
        time.sleep(3)  # the rest of the first load settles
        start = app.written
        time.sleep(6)
        idle = bytes(app.out[start:])
        app.send("P")  # off: the picture goes
        time.sleep(1.5)
        after_off = app.written
        time.sleep(6)
        idle_off = app.written - after_off
    finally:
        app.close()
    assert "▀".encode() not in idle  # not redrawn: no animation, no refresh loop
    # with and without the picture the monitor writes the same few bytes (ages, the clock)
    print(f"idle with the picture: {len(idle) / 6:.0f} B/s, without: {idle_off / 6:.0f} B/s")
    assert len(idle) / 6 < 300
    assert len(idle) <= idle_off + 200
