"""Where the terminal bytes go: bytes per second by screen region, in a real pty.

The monitor runs in a pty against its own simulator process; after a warm-up, what it writes
over a window is fed to a terminal emulator (pyte) one escape sequence or text run at a time,
and each piece's bytes are put on the screen cell where it lands (a cursor move: where it
moves to). The regions are found on the final screen by their box titles: the header (the
lines above the list), the list, the detail pane, the in-flight panel, the footer.
``frame`` is what belongs to no cell: synchronized-output brackets, cursor shows and hides,
link probes.

``uv run python -m benchmarks.regions [scenario ...]``; scenarios: see ``SCENARIOS``.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyte

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

WARMUP = 10.0
WINDOW = 30.0
BOXES = (("list", "Generations"), ("detail", "Detail"), ("in flight", "In flight"))
_TOKEN = re.compile(
    r"\x1b\[[0-9;:?<>=!$ ]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b_[^\x1b]*\x1b\\"  # APC
    r"|\x1b."
    r"|[\x00-\x1f\x7f]"
    r"|[^\x00-\x1f\x7f\x1b]+",
    re.DOTALL,
)
_MOVE = re.compile(r"\x1b\[[0-9;]*[HfABCDGd]")
_NO_CELL = re.compile(r"\x1b\[\?[0-9;]*[hl]|\x1b\[[0-9;]*n|\x1b\[[0-9;]*r")


@dataclass
class Scenario:
    """One run: the simulator's flags, the monitor's flags and environment, the size."""

    name: str
    cols: int = 120
    rows: int = 40
    sim: tuple[str, ...] = ("--count", "5000", "--inflight", "20", "--seed", "7")
    sim_module: str = "hedra_tui"
    app: tuple[str, ...] = ("--interval", "5")
    env: dict[str, str] = field(default_factory=dict)
    v3: bool = False


SCENARIOS = {
    "v2": Scenario("20 in flight, 120x40, v2"),
    "arrivals": Scenario(
        "a new job every 3 s (60 s jobs), 120x40, v2",
        sim=("--count", "5000", "--inflight", "20", "--seed", "7"),
        sim_module="benchmarks.steady_sim",
    ),
    "80x24": Scenario("20 in flight, 80x24, v2", cols=80, rows=24),
    "v3": Scenario("20 in flight, 120x40, v3 (streams on)", v3=True),
    "idle": Scenario(
        "nothing in flight, 120x40, v2", sim=("--count", "5000", "--inflight", "0", "--seed", "7")
    ),
}


@dataclass
class Recording:
    before: bytes  # everything written up to the window
    window: bytes  # what was written in it
    seconds: float
    cpu_pct: float


def command(scenario: Scenario, base_url: str) -> tuple[list[str], dict[str, str]]:
    if scenario.v3:
        from hedra_tui.simulator import DEMO_API_KEY
        from hedra_tui.simulator.v3 import v3_credential

        cmd, env = monitor_cmd(base_url + "/v3", *scenario.app)
        env["HEDRA_API_KEY"] = v3_credential(DEMO_API_KEY)
    else:
        cmd, env = monitor_cmd(base_url, *scenario.app)
    return cmd, {**env, **scenario.env}


def record(scenario: Scenario, warmup: float = WARMUP, window: float = WINDOW) -> Recording:
    with SimProcess(*scenario.sim, module=scenario.sim_module) as sim:
        cmd, env = command(scenario, sim.base_url)
        app = PtyProcess(cmd, cols=scenario.cols, rows=scenario.rows, env=env)
        try:
            time.sleep(warmup)
            start = app.written
            measured = app.measure(window)
            with app._lock:
                out = bytes(app.out)
        finally:
            app.close()
    end = start + round(measured["bytes_per_s"] * window)
    return Recording(out[:start], out[start:end], window, measured["cpu_pct"])


def boxes(screen: pyte.Screen) -> dict[str, tuple[int, int, int, int]]:
    """Each titled box on the screen: (top, left, bottom, right), inclusive."""
    lines = screen.display
    found = {}
    for name, title in BOXES:
        for y, text in enumerate(lines):
            x = text.find(f"╭─ {title}")
            if x < 0:
                continue
            right = text.find("╮", x)
            bottom = next(
                (b for b in range(y + 1, len(lines)) if lines[b][x : x + 1] == "╰"), len(lines) - 1
            )
            found[name] = (y, x, bottom, right if right >= 0 else len(text) - 1)
            break
    return found


def region_of(y: int, x: int, found: dict[str, tuple[int, int, int, int]], rows: int) -> str:
    for name, (top, left, bottom, right) in found.items():
        if top <= y <= bottom and left <= x <= right:
            return name
    if y == rows - 1:
        return "footer"
    tops = [box[0] for box in found.values()]
    if tops and y < min(tops):
        return "header"
    return "other"


def attribute(rec: Recording, cols: int, rows: int) -> dict[str, float]:
    """Bytes per second by region (and ``frame`` for what lands on no cell)."""
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    stream.feed(rec.before.decode("utf-8", "replace"))
    pieces: list[tuple[int, int, int]] = []  # (bytes, y, x); y = -1 for no cell
    for match in _TOKEN.finditer(rec.window.decode("utf-8", "replace")):
        token = match.group(0)
        size = len(token.encode("utf-8", "surrogateescape"))
        if _NO_CELL.fullmatch(token):
            pieces.append((size, -1, -1))
            stream.feed(token)
            continue
        if _MOVE.fullmatch(token):
            stream.feed(token)  # a move is charged to where it goes
            pieces.append((size, screen.cursor.y, screen.cursor.x))
            continue
        pieces.append((size, screen.cursor.y, screen.cursor.x))
        stream.feed(token)
    found = boxes(screen)
    totals: dict[str, float] = {}
    for size, y, x in pieces:
        name = "frame" if y < 0 else region_of(y, x, found, rows)
        totals[name] = totals.get(name, 0.0) + size / rec.seconds
    totals["total"] = len(rec.window) / rec.seconds
    return totals


def report(name: str, totals: dict[str, float], cpu_pct: float) -> None:
    order = ["header", "list", "detail", "in flight", "footer", "other", "frame"]
    parts = "  ".join(f"{k} {totals.get(k, 0):5.0f}" for k in order if totals.get(k, 0) >= 0.5)
    print(f"  {name:46} total {totals['total']:6.0f} B/s  ({parts})  CPU {cpu_pct:4.1f}%")


def main(names: Iterable[str] = ("v2", "arrivals", "80x24", "v3", "idle")) -> None:
    print(f"terminal bytes/s by screen region, {WINDOW:.0f} s window after {WARMUP:.0f} s")
    for key in names:
        scenario = SCENARIOS[key]
        rec = record(scenario)
        report(scenario.name, attribute(rec, scenario.cols, scenario.rows), rec.cpu_pct)


if __name__ == "__main__":
    main(sys.argv[1:] or SCENARIOS)
