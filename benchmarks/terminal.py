"""Terminal bytes per second and CPU %, hedra-tui vs a baseline, in real ptys, side by side.

Each scenario runs hedra-tui and its baseline at the same time, each as its own process in
its own pseudo-terminal against its own simulator process (same seed and schedule, so the
same workspace and timeline); after a warm-up the bytes written to each terminal and the
CPU time of each app's process (scheduler nanoseconds, from ``/proc``) are counted over the
same window. The baseline is the naive DataTable monitor (``naive_monitor.py``), which reads
v2 only; on v3 it is hedra-tui writing Textual's own output (``HEDRA_RAW_OUTPUT=1``: no
changed-cells layer), which shows what the layer saves.

``uv run python -m benchmarks.terminal [window_s] [scenario ...]``; scenarios: ``SCENARIOS``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from .ptyrun import PtyProcess, SimProcess
from .regions import SCENARIOS as RUNS
from .regions import Scenario, command

WARMUP = 10.0
WINDOW = 30.0


@dataclass(frozen=True)
class Row:
    key: str  # a scenario of ``benchmarks/regions.py``
    label: str
    cpu: bool = False  # also a CPU row


SCENARIOS = (
    Row("v2", "20 in flight, 120x40, v2", cpu=True),
    Row("arrivals", "a new job every 3 s (60 s jobs), 120x40"),
    Row("80x24", "20 in flight, 80x24"),
    Row("v3", "v3 demo (streams on), 120x40"),
    Row("idle", "nothing in flight, 120x40", cpu=True),
)


def _baseline(scenario: Scenario, base_url: str) -> tuple[str, list[str], dict[str, str]]:
    if scenario.v3:
        cmd, env = command(scenario, base_url)
        return "raw output", cmd, {**env, "HEDRA_RAW_OUTPUT": "1"}
    _ours, env = command(scenario, base_url)
    naive = [sys.executable, "-m", "benchmarks.naive_monitor", *scenario.app]
    return "DataTable", naive, env


def measure(scenario: Scenario, window: float = WINDOW) -> tuple[str, dict[str, float], dict]:
    """(baseline's name, hedra-tui's figures, the baseline's), measured over one window."""
    sims = [SimProcess(*scenario.sim, module=scenario.sim_module) for _ in range(2)]
    apps: list[PtyProcess] = []
    try:
        cmd, env = command(scenario, sims[0].base_url)
        name, base_cmd, base_env = _baseline(scenario, sims[1].base_url)
        size = {"cols": scenario.cols, "rows": scenario.rows}
        apps = [PtyProcess(cmd, env=env, **size), PtyProcess(base_cmd, env=base_env, **size)]
        time.sleep(WARMUP)
        starts = [(app.written, app.usage()[0]) for app in apps]
        t0 = time.monotonic()
        time.sleep(window)
        dt = time.monotonic() - t0
        out = [
            {"bytes_per_s": (app.written - b0) / dt, "cpu_pct": 100 * (app.usage()[0] - c0) / dt}
            for app, (b0, c0) in zip(apps, starts, strict=True)
        ]
    finally:
        for app in apps:
            app.close()
        for sim in sims:
            sim.close()
    return name, out[0], out[1]


def main(
    window: float = WINDOW, keys: tuple[str, ...] = tuple(r.key for r in SCENARIOS)
) -> list[tuple[str, float, float, str]]:
    rows = []
    print(f"terminal output and CPU in a pty, side by side, {window:.0f} s after {WARMUP:.0f} s")
    for row in (r for r in SCENARIOS if r.key in keys):
        name, ours, base = measure(RUNS[row.key], window)
        print(
            f"  {row.label:42} bytes/s: hedra-tui {ours['bytes_per_s']:7.0f}  "
            f"{name} {base['bytes_per_s']:7.0f}   CPU: hedra-tui {ours['cpu_pct']:5.2f}%  "
            f"{name} {base['cpu_pct']:5.2f}%"
        )
        versus = "" if name == "DataTable" else f" (vs {name})"
        rows.append(
            (
                f"terminal bytes/s, {row.label}{versus}",
                ours["bytes_per_s"],
                base["bytes_per_s"],
                "B/s",
            )
        )
        if row.cpu:
            rows.append((f"CPU %, {row.label}", ours["cpu_pct"], base["cpu_pct"], "%"))
    return rows


if __name__ == "__main__":
    args = sys.argv[1:]
    seconds = float(args.pop(0)) if args and args[0].replace(".", "").isdigit() else WINDOW
    main(seconds, tuple(args) or tuple(r.key for r in SCENARIOS))
