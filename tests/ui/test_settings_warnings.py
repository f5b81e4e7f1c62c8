"""Settings warnings reach the person at the monitor: toasts at start, never a stop."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from fcntl import ioctl

import pytest

from hedra_tui.config import Origin

from .conftest import wait_for


def _toasts(app) -> list[str]:
    from textual.widgets._toast import Toast

    return [t.render().plain for t in app.query(Toast)]


async def test_start_warnings_are_toasted_literally_and_the_monitor_runs(make_app):
    hostile = "config file x: '[b]intervall[/b]\x1b[2J' is not a setting"
    app, _, _ = make_app(warnings=["env HEDRA_THEM: did you mean HEDRA_THEME?", hostile])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: len(_toasts(app)) == 2)
        shown = _toasts(app)
        assert "did you mean HEDRA_THEME?" in shown[0]
        assert "'[b]intervall[/b]␛[2J' is not a setting" in shown[1]  # no markup, no escape
        await wait_for(pilot, lambda: app.cycles >= 1)  # a warning stops nothing
        assert app.is_running


def test_theme_and_keymap_are_checked_against_textuals_names():
    import hedra_tui.ui.app  # noqa: F401  (loads every screen and widget with bindings)
    from hedra_tui.ui.settings_check import binding_ids, keymap_warnings, theme_warning

    env = Origin("env", "HEDRA_THEME")
    assert theme_warning("nord", env, {"nord", "dracula"}) is None
    assert theme_warning(None, env, {"nord"}) is None
    assert theme_warning("drakula", env, {"nord", "dracula"}) == (
        "env HEDRA_THEME: theme 'drakula' is not a Textual theme (ignored); did you mean 'dracula'?"
    )
    assert {"app.refresh", "list.down", "help.close"} <= binding_ids()
    file = Origin("config file", "/c.toml", 3)
    assert keymap_warnings({"app.refresh": "ctrl+r"}, file) == []
    assert keymap_warnings({"app.refrsh": "ctrl+r"}, file) == [
        "config file /c.toml, line 3: [keymap] 'app.refrsh' is no binding id (ignored); "
        "did you mean 'app.refresh'?"
    ]


def _read_until(fd: int, needles: list[bytes], timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while not all(n in out for n in needles) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


@pytest.mark.timeout(90)
def test_a_bad_theme_in_the_environment_is_toasted_by_the_real_monitor(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")}
    env |= {
        "TERM": "xterm-256color",
        "HEDRA_THEME": "drakula",
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_STATE": str(tmp_path / "state.json"),
    }
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        args = [sys.executable, "-m", "hedra_tui", "--demo", "--count", "200"]
        os.execvpe(sys.executable, args, env)
    try:
        ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        screen = _read_until(fd, [b"Generations", b"'dracula'?"], timeout=60)
        assert b"'drakula' is not a Textual theme" in screen
        assert b"did you mean 'dracula'?" in screen
        assert b"Traceback" not in screen
        os.write(fd, b"q")
        deadline = time.monotonic() + 15
        status = None
        while status is None and time.monotonic() < deadline:
            _read_until(fd, [b"\x00never"], timeout=0.2)
            done, st = os.waitpid(pid, os.WNOHANG)
            status = st if done else None
        assert status is not None and os.waitstatus_to_exitcode(status) == 0
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.close(fd)
