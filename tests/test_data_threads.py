"""Loading a saved dataset from many threads at once (the web service's worker pool does this)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from tradetalks.data import TradeData, load


def test_concurrent_loads_are_safe(tmp_path: Path) -> None:
    """netCDF-4/HDF5 is not thread-safe; 16 threads loading the bundled and a saved file 64 times must
    neither crash nor return different arrays (a crash here kills the interpreter: a segfault)."""
    saved = load("world2014").save(tmp_path / "w.nc")
    ref = load("world2014").trade

    def job(k: int) -> np.ndarray:
        return (load("world2014") if k % 2 else TradeData.load(saved)).trade

    with ThreadPoolExecutor(max_workers=16) as pool:
        for arr in pool.map(job, range(64)):
            np.testing.assert_array_equal(arr, ref)
