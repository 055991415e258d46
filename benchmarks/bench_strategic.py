"""Strategic-tariff benchmarks (issues 5 and 11): Nash trade wars and Ossa's cooperative tariffs.

- the 7-region war on ``ossa2014`` (its default closure, default starting points: the final multi-start
  best-response check included) — what ``tradetalks war --dataset ossa2014`` computes;
- the bilateral war USA–JPN on the default dataset (each party tariffs only the other, third-country
  tariffs fixed; default closure and starts) — the default no-deal point of ``tradetalks bargain
  --parties USA,JPN``; goal < 10 s on 2 cores (issue 11);
- Ossa's cooperative tariffs from the factual point on ``ossa2014`` with the default optimiser starts
  (uniform, zero, current and seeded random ones).

No Python peer computes Nash or cooperative tariffs in this model; figures are absolute. Each row carries
the 1-minute load average when it was measured (the machine is shared).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from _util import measure, row

from tradetalks.data import available, load
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.model import ossa, strategic
from tradetalks.vocabulary import default_closure


def _load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def _cpu(fn: Callable[[], None], cpu: list[float]) -> Callable[[], None]:
    """``fn`` that also records its process CPU seconds (less load-dependent than wall time here)."""

    def timed() -> None:
        t0 = time.process_time()
        fn()
        cpu.append(time.process_time() - t0)

    return timed


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data = load(DEFAULT_DATASET)
    base = ossa.baseline_from_data(data, default_closure(DEFAULT_DATASET))
    players = [data.index("USA"), data.index("JPN")]
    out: dict[str, Any] = {}

    def bilateral() -> None:
        out["bw"] = strategic.trade_war(base, players, bilateral=True)

    load0 = _load_avg()
    cpu: list[float] = []
    stats = measure(_cpu(bilateral, cpu), repeat=3, warmup=0)
    rows.append(
        row(
            f"bilateral trade war USA-JPN {DEFAULT_DATASET} (default starts + final check)",
            stats,
            goal="< 10 s",
            converged=bool(out["bw"].converged),
            rounds=int(out["bw"].rounds),
            load_avg=[load0, _load_avg()],
            cpu_median_s=round(statistics.median(cpu[:-1]), 3),
        )
    )
    if available("ossa2014"):
        d7 = load("ossa2014")
        b7 = ossa.baseline_from_data(d7, default_closure("ossa2014"))

        def war7() -> None:
            out["w7"] = strategic.trade_war(b7)

        load0 = _load_avg()
        cpu = []
        stats = measure(_cpu(war7, cpu), repeat=3, warmup=0)
        rows.append(
            row(
                "trade war 7 regions ossa2014 (1,386 tariffs, default starts + final check)",
                stats,
                goal="< 10 s",
                converged=bool(out["w7"].converged),
                rounds=int(out["w7"].rounds),
                load_avg=[load0, _load_avg()],
                cpu_median_s=round(statistics.median(cpu[:-1]), 3),
            )
        )
        lam = d7.param("lambda_pol")

        def coop() -> None:
            out["c"] = strategic.cooperative(b7, b7.tariff, political_weights=lam, start="factual")

        load0 = _load_avg()
        cpu = []
        stats = measure(_cpu(coop, cpu), repeat=1, warmup=0)
        c = out["c"]
        rows.append(
            row(
                f"cooperative tariffs from factual, ossa2014, political weights ({len(c.starts)} default starts)",
                stats,
                goal="-",
                converged=bool(c.converged),
                outer_iterations=int(c.iterations),
                dropped_after_screening=int(c.dropped),
                mean_gain_pct=round(100 * float(np_mean_exp(c.gains) - 1), 4),
                spread=float(c.spread),
                load_avg=[load0, _load_avg()],
                cpu_median_s=round(statistics.median(cpu[:-1]), 3),
            )
        )
    return rows


def np_mean_exp(g: Any) -> float:
    import numpy as np

    return float(np.exp(g).mean())


if __name__ == "__main__":
    for r in run():
        print(r)
