"""Ossa (2014) engine benchmarks: single counterfactuals, a 1,000-scenario batch, a best response.

Goals (issue #3): one counterfactual on world2014 and on ossa2014 under 20 ms each; ≥ 1,000 solves per
second for a batch of random tariff scenarios on world2014 (2 cores); one optimal-tariff computation on
ossa2014 under 5 s. No Python peer implements this model, so the figures are absolute.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _util import measure, row

from tradetalks.data import available, load
from tradetalks.model import ossa, ossa_optimal


def _random_tariffs(base: ossa.OssaBaseline, b: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = base.tariff[None] + rng.uniform(0.0, 0.3, (b, *base.tariff.shape))
    n = base.n
    t[:, np.arange(n), np.arange(n)] = 0.0
    return t


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in ("world2014", "ossa2014"):
        if not available(name):
            continue
        data = load(name)
        base = ossa.baseline_from_data(data, "balanced")
        t1 = _random_tariffs(base, 1)[0]
        rows.append(
            row(
                f"ossa counterfactual {name} ({data.n_countries}x{data.n_sectors})",
                measure(lambda base=base, t1=t1: ossa.solve_equilibrium(base, t1), repeat=20),
                goal="< 0.020 s",
            )
        )
        if name == "world2014":
            batch = _random_tariffs(base, 1000)
            med, peak = measure(lambda base=base, batch=batch: ossa.solve_equilibrium(base, batch), repeat=3)
            rows.append(
                row(
                    "ossa batch 1,000 scenarios world2014",
                    (med, peak),
                    goal=">= 1,000 solves/s",
                    solves_per_second=1000 / med,
                )
            )
        if name == "ossa2014":
            med, peak = measure(lambda base=base: ossa_optimal.optimal_tariff(base, 4), repeat=3)
            rows.append(row("ossa optimal tariff JPN ossa2014 (198 tariffs)", (med, peak), goal="< 5 s"))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
