"""``uv run python -m benchmarks``: every benchmark, each a side-by-side comparison, then a table.

Each line compares hedra-tui with a naive baseline measured in the same run, on the same
machine and data: a per-job status poller (v2 and v3), Textual's DataTable, and a DataTable
monitor (``benchmarks/naive_monitor.py``) run as a real process in a pty; Textual's own output
where that monitor cannot go (v3, slow links); the poller with and without its request budget
(``rate_budget.py``); start-up against the monitor's own code before the start-up work
(``benchmarks/startup.py``). Takes ~30 minutes.
``--quick`` skips the 100,000-generation runs (scale, ``L``).
"""

import sys

from . import (
    history_start,
    list_vs_datatable,
    load_all,
    rate_budget,
    requests_per_cycle,
    scale,
    slow_link,
    startup,
    terminal,
    v3_requests,
)

quick = "--quick" in sys.argv
rows: list[tuple[str, float, float, str]] = []
rows += requests_per_cycle.main()
print()
rows += v3_requests.main()
print()
rows += rate_budget.main(quick)
print()
rows += list_vs_datatable.main(5_000 if quick else 100_000)
print()
rows += terminal.main()
print()
rows += slow_link.table()
rows += startup.first_rows(runs=5, quick=quick, compiled=True)
if not quick:
    print()
    rows += scale.main()
    print()
    rows += load_all.main()
    print()
    rows += history_start.main()

print()
print(f"{'measure':58} {'hedra-tui':>11} {'naive':>11} {'naive / ours':>13}")
for name, ours, naive, unit in rows:
    ratio = f"{naive / ours:12.1f}x" if ours else "   (ours: 0)"
    print(f"{name:58} {ours:>9.4g}{unit:>2} {naive:>9.4g}{unit:>2} {ratio}")
