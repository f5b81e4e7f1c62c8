"""A slow SSH link: terminal output and key response when the terminal drains slowly.

hedra-tui runs in a 120x40 pty whose reader takes at most ``rate`` bytes per second (the
program blocks when the pty's buffer is full, as behind a slow SSH connection), against a
simulator that adds 300 ms to every API response, with 20 jobs in flight. Measured: bytes
written per second in steady state, and how long after pressing ``j`` (or ``k``) the detail
pane shows the newly highlighted generation's id (median of 6 presses), read from a
terminal emulator fed what the terminal received (only the changed cells are sent, so the
id is not found as one run of text in the bytes).

The output adapts to the link (``hedra_tui/ui/link.py``); the baseline is hedra-tui writing
Textual's own output (``HEDRA_RAW_OUTPUT=1``: every frame as Textual sends it, nothing held).
``uv run python -m benchmarks.slow_link [window_s] [--raw]``.
"""

from __future__ import annotations

import re
import statistics
import sys
import time

import pyte

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

LINKS: tuple[tuple[str, float | None], ...] = (
    ("local terminal", None),
    ("64 kbit/s (8 KB/s)", 8_000.0),
    ("16 kbit/s (2 KB/s)", 2_000.0),
)


ROOT = re.compile(r"generation ([0-9a-f-]{36})")


class Screen:
    """A terminal emulator fed what the program wrote, as far as the reader got."""

    def __init__(self, app: PtyProcess, cols: int = 120, rows: int = 40) -> None:
        self.app = app
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.fed = 0

    def root(self, upto: int | None = None) -> str | None:
        """The generation at the tree's root, on screen after byte ``upto`` (default: all)."""
        with self.app._lock:
            data = bytes(self.app.out[self.fed : upto])
        self.fed += len(data)
        self.stream.feed(data)
        for line in self.screen.display:
            found = ROOT.search(line)
            if found:
                return found.group(1)
        return None


def _detail_changes(app: PtyProcess, screen: Screen, since: int, timeout: float = 60.0) -> float:
    """Seconds until the tree's root shows another generation than at byte ``since``."""
    before = screen.root(since)
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if screen.root() != before:
            return time.monotonic() - start
        time.sleep(0.01)
    raise TimeoutError("the highlighted generation never changed on screen")


def run(rate: float | None, window: float = 20.0, *, raw: bool = False) -> dict[str, float]:
    with SimProcess(
        "--count", "5000", "--inflight", "20", "--seed", "7", "--latency", "0.3"
    ) as sim:
        cmd, env = monitor_cmd(sim.base_url, "--interval", "5")
        if raw:
            env["HEDRA_RAW_OUTPUT"] = "1"
        app = PtyProcess(cmd, cols=120, rows=40, env=env, rate=rate)
        try:
            time.sleep(10)
            steady = app.measure(window)
            screen = Screen(app)
            waits = []
            for press in range(6):
                since = app.written
                app.send("j" if press % 2 == 0 else "k")
                waits.append(_detail_changes(app, screen, since))
                time.sleep(1.0)
            return {**steady, "key_s": statistics.median(waits), "key_max_s": max(waits)}
        finally:
            app.close()


def main(window: float = 20.0, *, raw: bool = False) -> None:
    what = "Textual's own output" if raw else "hedra-tui"
    print(f"slow links ({what}): 120x40, 20 jobs in flight, API latency 300 ms")
    for label, rate in LINKS:
        r = run(rate, window, raw=raw)
        print(
            f"  {label:20} writes {r['bytes_per_s']:6.0f} B/s   key to screen: median "
            f"{r['key_s']:.2f} s, worst {r['key_max_s']:.2f} s"
        )


def table(window: float = 20.0) -> list[tuple[str, float, float, str]]:
    """The 16 kbit/s row of the benchmarks' table: hedra-tui vs Textual's own output."""
    rate = dict(LINKS)["16 kbit/s (2 KB/s)"]
    ours, raw = run(rate, window), run(rate, window, raw=True)
    print(
        f"16 kbit/s link, key to screen (median of 6): hedra-tui {ours['key_s']:.2f} s "
        f"(worst {ours['key_max_s']:.2f} s), Textual's own output {raw['key_s']:.2f} s "
        f"(worst {raw['key_max_s']:.2f} s)"
    )
    label = "key press to screen, 16 kbit/s link (vs raw output)"
    return [(label, ours["key_s"], raw["key_s"], "s")]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--raw"]
    main(float(args[0]) if args else 20.0, raw="--raw" in sys.argv)
