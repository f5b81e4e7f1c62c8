"""Where the CPU goes: the monitor under cProfile over a steady window, by caller.

The monitor runs in a 120x40 pty against its own simulator process, wrapped so that SIGUSR1
starts the profiler and SIGUSR2 stops it and writes the profile: the window starts after
the warm-up, so start-up is not counted. Printed: the process's CPU % over the window (by
thread, from ``/proc``: the event loop, Textual's writer and input threads) and the event
loop's time by caller (cProfile's cumulative time, which double-counts nothing within one
line but lines overlap where one caller calls another), per second of the window.

``uv run python -m benchmarks.cpu_profile [scenario] [--top N]``; scenarios as in
``benchmarks/regions.py``. cProfile slows what it measures (~2x here): read the shares, not
the absolute figures, and the un-profiled CPU % for the real cost.
"""

from __future__ import annotations

import os
import pstats
import signal
import sys
import tempfile
import time
from pathlib import Path

from .ptyrun import CLK, PtyProcess, SimProcess
from .regions import SCENARIOS, WARMUP, Scenario, command

WINDOW = 30.0

# (label, file suffix, function): cumulative time of each, per second of the window
CALLERS = (
    ("tick: ui/app.py _tick", "ui/app.py", "_tick"),
    ("  list tick (ETA/age cells)", "widgets/generation_list.py", "tick"),
    ("  in-flight panel update_rows", "widgets/inflight.py", "update_rows"),
    ("  detail refresh_detail", "widgets/detail.py", "refresh_detail"),
    ("  header _update_header", "ui/app.py", "_update_header"),
    ("  activity _update_activity", "ui/app.py", "_update_activity"),
    ("poll report: apply_changes", "ui/app.py", "apply_changes"),
    ("poller: Poller.run (requests, parsing, store)", "state/poller.py", "run"),
    ("live changes (v3 streams)", "state/poller.py", "live_changes"),
    ("Textual: compositor and render", "textual/screen.py", "_refresh_layout"),
    ("Textual: screen update", "textual/screen.py", "_compositor_refresh"),
    ("Textual: idle/timer", "textual/message_pump.py", "_dispatch_message"),
    ("  list render_line", "widgets/generation_list.py", "render_line"),
    ("  in-flight render_line", "widgets/inflight.py", "render_line"),
    ("changed-cells layer", "ui/screen_diff.py", "process"),
    ("driver write (to the writer thread)", "ui/screen_diff.py", "filtered"),
)


def run_profiled(out: str, argv: list[str]) -> int:
    """The monitor with the profiler switched by SIGUSR1 / SIGUSR2."""
    import cProfile

    from hedra_tui.cli import main as hedra_main

    profiler = cProfile.Profile()

    def start(*_: object) -> None:
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    return hedra_main(argv)


def threads(pid: int) -> dict[str, float]:
    """CPU seconds by thread name of ``pid``."""
    out: dict[str, float] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK
    return out


def profile(scenario: Scenario, window: float = WINDOW, top: int = 0) -> None:
    prof = os.path.join(tempfile.mkdtemp(prefix="hedra-prof-"), "window.prof")
    with SimProcess(*scenario.sim, module=scenario.sim_module) as sim:
        cmd, env = command(scenario, sim.base_url)
        cmd = [sys.executable, "-m", "benchmarks.cpu_profile", "run", prof, "--", *cmd[3:]]
        app = PtyProcess(cmd, cols=scenario.cols, rows=scenario.rows, env=env)
        try:
            time.sleep(WARMUP)
            pid = app.proc.pid
            t0, c0 = threads(pid), time.monotonic()
            measured = app.measure(window)  # un-profiled: the real cost
            t1, c1 = threads(pid), time.monotonic()
            os.kill(pid, signal.SIGUSR1)
            time.sleep(window)
            os.kill(pid, signal.SIGUSR2)
            deadline = time.monotonic() + 10
            while not os.path.exists(prof) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            app.close()
    print(f"{scenario.name}: CPU {measured['cpu_pct']:.2f} % un-profiled, load {os.getloadavg()}")
    for name in sorted(t1):
        used = t1[name] - t0.get(name, 0.0)
        if used > 0:
            print(f"  thread {name:24} {100 * used / (c1 - c0):6.2f} %")
    stats = pstats.Stats(prof)
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in table.values())
    print(f"  profiled (event loop thread): {1000 * total / window:.1f} ms per s of window")
    for label, suffix, func in CALLERS:
        hits = [v for (path, _l, fn), v in table.items() if path.endswith(suffix) and fn == func]
        ct = sum(v[3] for v in hits)
        calls = sum(v[1] for v in hits)
        if ct:
            print(f"  {label:48} {1000 * ct / window:7.2f} ms/s  {calls / window:6.1f} calls/s")
    if top:
        stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "run":
        return run_profiled(argv[1], argv[3:])
    top = 0
    if "--top" in argv:
        i = argv.index("--top")
        top = int(argv[i + 1])
        del argv[i : i + 2]
    for key in argv or ["v2", "idle"]:
        profile(SCENARIOS[key], top=top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
