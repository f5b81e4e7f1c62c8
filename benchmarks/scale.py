"""A 100,000-generation workspace: time to first rows and resident memory, side by side.

The simulator runs in its own process with ``--count 100000`` (nothing in flight, so the
history stands still). Each app runs in a 120x40 pty:

* hedra-tui starts, shows the newest page, then ``L`` loads the whole history;
* the naive DataTable monitor (``benchmarks/naive_monitor.py --load-all``) reads every page
  before it shows anything, as a monitor without paging on demand does (it is given
  ``NAIVE_PATIENCE`` seconds; at 100,000 it needs far longer, and the table says so);
* the naive store (``benchmarks/naive_store.py``) keeps the same 100,000 as parsed models.

Measured: seconds from process start until the newest generation's prompt is on the
terminal, and resident memory (RSS, from /proc) once all 100,000 are loaded; the size of
the history's JSON as the API serves it is read too, for scale.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

COUNT = 100_000
NAIVE_PATIENCE = 120.0


def _api_get(sim: SimProcess, path: str) -> bytes:
    from hedra_tui.simulator import DEMO_API_KEY

    req = urllib.request.Request(sim.base_url + path, headers={"X-API-Key": DEMO_API_KEY})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.read()


def json_size(sim: SimProcess, count: int) -> int:
    return sum(
        len(_api_get(sim, f"/generations?limit=100&offset={offset}"))
        for offset in range(0, count, 100)
    )


def _first_rows(app: PtyProcess, needle: bytes, start: float, timeout: float = 900) -> float:
    while time.monotonic() - start < timeout:
        with app._lock:
            if needle in app.out:
                return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError("the first rows never showed")


def run_ours(sim: SimProcess, needle: bytes) -> dict[str, float]:
    cmd, env = monitor_cmd(sim.base_url, "--interval", "5")
    start = time.monotonic()
    app = PtyProcess(cmd, cols=120, rows=40, env=env)
    try:
        first = _first_rows(app, needle, start)
        rss_first = app.usage()[1] / 2**20
        app.wait_idle(quiet=2.0)
        t0 = time.monotonic()
        app.send("L")
        time.sleep(2)
        app.wait_idle(quiet=3.0, timeout=1800)
        return {
            "first_rows_s": first,
            "rss_first_mb": rss_first,
            "rss_all_mb": app.usage()[1] / 2**20,
            "load_all_s": time.monotonic() - t0,
        }
    finally:
        app.close()


def naive_first_rows(sim: SimProcess, needle: bytes, patience: float) -> float | None:
    """Seconds until the naive monitor shows rows, or None when it took over ``patience``."""
    _, env = monitor_cmd(sim.base_url)
    cmd = [sys.executable, "-m", "benchmarks.naive_monitor", "--load-all"]
    start = time.monotonic()
    app = PtyProcess(cmd, cols=120, rows=40, env=env)
    try:
        return _first_rows(app, needle, start, timeout=patience)
    except TimeoutError:
        return None
    finally:
        app.close()


def naive_store_rss(sim: SimProcess) -> float:
    _, env = monitor_cmd(sim.base_url)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.naive_store"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return float(out.stdout.split()[1])


def main(count: int = COUNT) -> list[tuple[str, float, float, str]]:
    with SimProcess("--count", str(count), "--inflight", "0", "--seed", "7") as sim:
        from hedra_tui.api.models import parse_generation
        from hedra_tui.state.derive import prompt_of

        newest = json.loads(_api_get(sim, "/generations?limit=1"))["data"][0]
        needle = prompt_of(parse_generation(newest))[:14].encode()
        size_mb = json_size(sim, count) / 2**20
        ours = run_ours(sim, needle)
        naive_first = naive_first_rows(sim, needle, NAIVE_PATIENCE)
        naive_rss = naive_store_rss(sim)
    shown = f"{naive_first:6.2f} s" if naive_first else f"> {NAIVE_PATIENCE:.0f} s (gave up)"
    print(f"{count:,} generations ({size_mb:.0f} MB of JSON as served), 120x40 pty")
    print(
        f"  first rows on screen   hedra-tui {ours['first_rows_s']:6.2f} s   "
        f"DataTable monitor (loads all first) {shown}"
    )
    print(
        f"  RSS, all {count:,} loaded  hedra-tui {ours['rss_all_mb']:6.0f} MB   "
        f"kept as parsed models {naive_rss:6.0f} MB   (JSON {size_mb:.0f} MB)"
    )
    print(
        f"  hedra-tui: RSS at first rows {ours['rss_first_mb']:.0f} MB, "
        f"L loaded the rest in {ours['load_all_s']:.0f} s"
    )
    return [
        (
            f"time to first rows, {count:,} in history",
            ours["first_rows_s"],
            naive_first or NAIVE_PATIENCE,
            "s" if naive_first else "s+",
        ),
        (f"RSS, {count:,} loaded ({size_mb:.0f} MB JSON)", ours["rss_all_mb"], naive_rss, "MB"),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)
