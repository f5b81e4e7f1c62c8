"""``uv run python -m benchmarks``: every benchmark, each a side-by-side comparison."""

from . import list_vs_datatable, requests_per_cycle

requests_per_cycle.main()
print()
list_vs_datatable.main()
