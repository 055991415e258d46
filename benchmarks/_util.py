"""Timing and memory helpers shared by the benchmark modules (not part of the package)."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def measure(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> tuple[float, float]:
    """Median wall time (s) over ``repeat`` runs after ``warmup`` runs, and peak traced memory (MB)
    of one extra run (tracemalloc: Python and numpy allocations)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def row(
    name: str,
    ours: tuple[float, float],
    peer: tuple[float, float] | None = None,
    goal: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """One result row: medians, peaks and the ratio peer/ours (how many times faster we are)."""
    return {
        "name": name,
        "ours_median_s": ours[0],
        "ours_peak_mb": ours[1],
        "peer_median_s": None if peer is None else peer[0],
        "peer_peak_mb": None if peer is None else peer[1],
        "ratio": None if peer is None else peer[0] / ours[0],
        "goal": goal,
        **extra,
    }
