"""The list-vs-DataTable benchmark (slow: run with -m slow)."""

from __future__ import annotations

import pytest

from benchmarks.list_vs_datatable import run


@pytest.mark.slow
async def test_virtual_list_shows_10k_rows_faster_than_datatable():
    ours, table = await run(10_000)
    print(f"10k rows: list {ours:.2f}s, DataTable {table:.2f}s")
    assert ours < table
