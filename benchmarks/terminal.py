"""Terminal bytes per second and CPU %, hedra-tui vs the naive DataTable monitor, in a real pty.

Each app runs as its own process in a 120x40 pseudo-terminal against its own simulator
process (same seed, so the same workspace and the same timeline), first with 20 jobs in
flight (steady state), then with nothing in flight (idle). After a warm-up the bytes written
to the terminal and the CPU time of the app's process are counted over a window.
"""

from __future__ import annotations

import sys
import time

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

WARMUP = 8.0
WINDOW = 20.0
INTERVAL = "5"


def _apps(base_url: str) -> list[tuple[str, list[str], dict[str, str]]]:
    ours, env = monitor_cmd(base_url, "--interval", INTERVAL)
    naive = [sys.executable, "-m", "benchmarks.naive_monitor", "--interval", INTERVAL]
    return [("hedra-tui", ours, env), ("DataTable", naive, env)]


def measure(inflight: int, window: float = WINDOW) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for index in range(2):
        with SimProcess("--count", "5000", "--inflight", str(inflight), "--seed", "7") as sim:
            name, cmd, env = _apps(sim.base_url)[index]
            app = PtyProcess(cmd, cols=120, rows=40, env=env)
            try:
                time.sleep(WARMUP)
                results[name] = app.measure(window)
            finally:
                app.close()
    return results


def main(window: float = WINDOW) -> list[tuple[str, float, float, str]]:
    rows = []
    print(f"terminal output and CPU in a 120x40 pty, {window:.0f} s window after {WARMUP:.0f} s")
    for label, inflight in (("steady, 20 in flight", 20), ("idle, nothing in flight", 0)):
        r = measure(inflight, window)
        ours, table = r["hedra-tui"], r["DataTable"]
        print(
            f"  {label:24} bytes/s: hedra-tui {ours['bytes_per_s']:8.0f}  "
            f"DataTable {table['bytes_per_s']:8.0f}   "
            f"CPU: hedra-tui {ours['cpu_pct']:5.1f}%  DataTable {table['cpu_pct']:5.1f}%"
        )
        rows.append(
            (f"terminal bytes/s, {label}", ours["bytes_per_s"], table["bytes_per_s"], "B/s")
        )
        rows.append((f"CPU %, {label}", ours["cpu_pct"], table["cpu_pct"], "%"))
    return rows


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else WINDOW)
