"""A 100,000-generation workspace: time to first rows and resident memory, side by side.

The simulator runs in its own process with ``--count 100000`` (nothing in flight, so the
history stands still). Each app runs in a 120x40 pty:

* hedra-tui starts, shows the newest page, then ``L`` loads the whole history;
* the naive DataTable monitor (``benchmarks/naive_monitor.py --load-all``) reads every page
  before it shows anything, as a monitor without paging on demand does.

Measured: seconds from process start until the newest generation's prompt is on the
terminal, and resident memory (RSS, from /proc) once all 100,000 are loaded; the size of
the history's JSON as the API serves it is read too, for scale.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

COUNT = 100_000


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


def run_app(name: str, sim: SimProcess, needle: bytes) -> dict[str, float]:
    if name == "hedra-tui":
        cmd, env = monitor_cmd(sim.base_url, "--interval", "5")
    else:
        _, env = monitor_cmd(sim.base_url)
        cmd = [sys.executable, "-m", "benchmarks.naive_monitor", "--load-all"]
    start = time.monotonic()
    app = PtyProcess(cmd, cols=120, rows=40, env=env)
    try:
        first = _first_rows(app, needle, start)
        rss_first = app.usage()[1] / 2**20
        loaded_in = 0.0
        if name == "hedra-tui":
            app.wait_idle(quiet=2.0)
            t0 = time.monotonic()
            app.send("L")
            time.sleep(2)
            app.wait_idle(quiet=3.0, timeout=1800)
            loaded_in = time.monotonic() - t0
        else:
            app.wait_idle(quiet=3.0, timeout=1800)
        return {
            "first_rows_s": first,
            "rss_first_mb": rss_first,
            "rss_all_mb": app.usage()[1] / 2**20,
            "load_all_s": loaded_in,
        }
    finally:
        app.close()


def main(count: int = COUNT) -> list[tuple[str, float, float, str]]:
    with SimProcess("--count", str(count), "--inflight", "0", "--seed", "7") as sim:
        from hedra_tui.api.models import parse_generation
        from hedra_tui.state.derive import prompt_of

        newest = json.loads(_api_get(sim, "/generations?limit=1"))["data"][0]
        needle = prompt_of(parse_generation(newest))[:14].encode()
        size_mb = json_size(sim, count) / 2**20
        ours = run_app("hedra-tui", sim, needle)
        naive = run_app("DataTable", sim, needle)
    print(f"{count:,} generations ({size_mb:.0f} MB of JSON as served), 120x40 pty")
    print(
        f"  first rows on screen   hedra-tui {ours['first_rows_s']:6.2f} s   "
        f"DataTable (loads all first) {naive['first_rows_s']:6.2f} s"
    )
    print(
        f"  RSS, all {count:,} loaded  hedra-tui {ours['rss_all_mb']:6.0f} MB   "
        f"DataTable {naive['rss_all_mb']:6.0f} MB   (JSON {size_mb:.0f} MB)"
    )
    print(
        f"  hedra-tui: RSS at first rows {ours['rss_first_mb']:.0f} MB, L took "
        f"{ours['load_all_s']:.0f} s"
    )
    return [
        (
            f"time to first rows, {count:,} in history",
            ours["first_rows_s"],
            naive["first_rows_s"],
            "s",
        ),
        (
            f"RSS with {count:,} loaded (JSON {size_mb:.0f} MB)",
            ours["rss_all_mb"],
            naive["rss_all_mb"],
            "MB",
        ),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)
