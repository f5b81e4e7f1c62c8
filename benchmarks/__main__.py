"""``uv run python -m benchmarks``: every benchmark, each a side-by-side comparison."""

from . import requests_per_cycle

requests_per_cycle.main()
