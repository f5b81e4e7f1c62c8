"""``L`` on a 100,000-generation history: how long the whole load takes, and whether keys answer.

The simulator runs in its own process (``--count 100000``, nothing in flight, so the history
stands still). The real monitor runs in a 120x40 pty; once its first page is up and it is idle,
``L`` is pressed, and the clock stops when the "Loaded the whole history" toast reaches the
terminal. Throughout the load ``j``/``k`` are pressed about once a second and each press is
timed until the detail pane shows the newly highlighted generation (key to screen, through the
real terminal output).

The baseline is the same monitor as it was before the pipelined loader (``BASELINE``: one page
requested, parsed and stored after another), extracted from git and run the same way, against
the same simulator process, in the same run. ``--baseline REV`` picks another revision,
``--count N`` another size.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyte

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

COUNT = 100_000
#: the monitor before this loader (main at the start of the work on issue 12's requests)
BASELINE = "f670cab"
DONE = b"Loaded the whole"
ROOT = re.compile(r"generation ([0-9a-f-]{36})")  # the detail pane's root: the highlighted job


class Terminal:
    """What the pty shows, as a terminal would (the app writes only the cells that change,
    so a text is read from the screen, not from the bytes)."""

    def __init__(self, app: PtyProcess) -> None:
        self.app = app
        self.screen = pyte.Screen(120, 40)
        self.stream = pyte.ByteStream(self.screen)
        self.fed = 0

    def shown(self) -> str | None:
        """The id of the generation the detail pane shows now."""
        with self.app._lock:
            data = bytes(self.app.out[self.fed :])
        self.fed += len(data)
        self.stream.feed(data)
        found = ROOT.search("\n".join(self.screen.display))
        return found.group(1) if found else None

    def wait_change(self, before: str | None, timeout: float = 120.0) -> float:
        """Seconds until the detail pane shows another generation than ``before``."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.shown() not in (before, None):
                return time.monotonic() - start
            time.sleep(0.01)
        raise TimeoutError("the highlighted generation never changed on screen")


def export(rev: str, into: Path) -> Path:
    """The ``hedra_tui`` package as it was at ``rev``, extracted under ``into``."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", rev, "hedra_tui"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _cmd(base_url: str, tree: Path | None) -> tuple[list[str], dict[str, str]]:
    cmd, env = monitor_cmd(base_url, "--interval", "5")
    if tree is None:
        return cmd, env
    # the exported package first on the path (before this checkout's, which -m would find)
    boot = (
        f"import sys, runpy; sys.path.insert(0, {str(tree)!r}); "
        "runpy.run_module('hedra_tui', run_name='__main__', alter_sys=True)"
    )
    return [sys.executable, "-c", boot, *cmd[3:]], env


def run(sim: SimProcess, tree: Path | None = None) -> dict[str, float]:
    """Seconds from ``L`` to the whole history loaded, and key-to-screen times meanwhile."""
    cmd, env = _cmd(sim.base_url, tree)
    app = PtyProcess(cmd, cols=120, rows=40, env=env)
    term = Terminal(app)
    try:
        app.wait_for(b"generation", timeout=120)
        app.wait_idle(quiet=2.0)
        since = app.written
        start = time.monotonic()
        app.send("L")
        waits: list[float] = []
        done = None
        press = 0
        while done is None and time.monotonic() - start < 900:
            time.sleep(0.5)
            with app._lock:
                if DONE in app.out[since:]:
                    break
            before = term.shown()
            app.send("j" if press % 2 == 0 else "k")
            press += 1
            waits.append(term.wait_change(before))
        app.wait_for(DONE, since=since, timeout=900)
        done = time.monotonic() - start
        return {
            "load_s": done,
            "key_median_s": statistics.median(waits) if waits else 0.0,
            "key_max_s": max(waits, default=0.0),
            "presses": float(len(waits)),
        }
    finally:
        app.close()


def main(count: int = COUNT, baseline: str = BASELINE) -> list[tuple[str, float, float, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = export(baseline, Path(tmp))
        with SimProcess("--count", str(count), "--inflight", "0", "--seed", "7") as sim:
            ours = run(sim)
            before = run(sim, tree)
    print(f"L: load the whole history of {count:,} (simulator in its own process, 120x40 pty)")
    for name, r in (("hedra-tui", ours), (f"before ({baseline})", before)):
        print(
            f"  {name:18} {r['load_s']:6.1f} s   key to screen while loading: median "
            f"{r['key_median_s']:.2f} s, worst {r['key_max_s']:.2f} s ({r['presses']:.0f} presses)"
        )
    return [
        (
            f"L: whole history of {count:,} (vs the loader before)",
            ours["load_s"],
            before["load_s"],
            "s",
        ),
        (
            f"L of {count:,}: worst key to screen while loading",
            ours["key_max_s"],
            before["key_max_s"],
            "s",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    main(args.count, args.baseline)
