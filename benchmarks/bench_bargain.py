"""Bargaining-layer benchmarks: a 50-point Pareto frontier and a 100-round simulated negotiation.

Goals (issue #5): a 50-point frontier under 60 s; a 100-round simulation under 5 s once the frontier is
known. Problem: USA–JPN on the bundled ``world2014`` (12 regions × 16 sectors, balanced closure), each
side's import tariff on the other by sector (32 instruments, 0–100 %), objectives 100 ln Ĝ (λ = 1),
zone of agreement against the status quo. The simulation runs Boulware (USA) against a model-based
best responder (JPN) with deadlines after rounds 50 (soft, "July 9") and 100 (hard, "August 1"), then
evaluates the agreed package exactly in the model. No peer implements this, so figures are absolute.
Run alone with ``python benchmarks/bench_bargain.py``.
"""

from __future__ import annotations

import json
from typing import Any

from _util import measure, row

from tradetalks.bargain import negotiate as neg
from tradetalks.bargain.frontier import Frontier, trace_frontier
from tradetalks.bargain.problem import build_space
from tradetalks.bargain.space import PackageSpace, status_quo
from tradetalks.data import load
from tradetalks.model import ossa


def _space() -> PackageSpace:
    data = load("world2014")
    base = ossa.baseline_from_data(data, "balanced")
    return build_space(data, base, ("USA", "JPN"), upper=1.0)


def run() -> list[dict[str, Any]]:
    space = _space()
    d = status_quo(space)
    holder: dict[str, Frontier] = {}

    def frontier() -> None:
        holder["fr"] = trace_frontier(space, 50, nodeal=d.u)

    fr_stats = measure(frontier, repeat=1, warmup=0)
    fr = holder["fr"]
    curve = fr.curve()
    deadlines = [neg.Deadline(49, "July 9"), neg.Deadline(99, "August 1", hard=True)]
    strategies = (neg.parse_strategy("boulware"), neg.parse_strategy("model"))
    out: dict[str, Any] = {}

    def simulate() -> None:
        res = neg.simulate(
            curve, d.u, strategies, deadlines, parties=space.parties, package_of=fr.package_near
        )
        out["res"] = res
        if res.package is not None:
            out["exact"] = space.evaluate(res.package, gradient=False).u

    sim_stats = measure(simulate, repeat=5, warmup=1)
    # a 100-round run without agreement (hard-liners) to time all 100 rounds
    hard = neg.Strategy(neg.Offering("boulware"), neg.Acceptance("const", 1e9))

    def simulate_full() -> None:
        out["full"] = neg.simulate(curve, d.u, (hard, hard), deadlines, parties=space.parties)

    full_stats = measure(simulate_full, repeat=5, warmup=1)
    return [
        *run_issue11(),
        row(
            "bargain: 50-point frontier USA-JPN world2014 (32 instruments)",
            fr_stats,
            goal="< 60 s",
            evaluations=fr.evaluations,
            all_converged=bool(fr.converged.all()),
        ),
        row(
            "bargain: simulated rounds to agreement (boulware vs model) + exact package",
            sim_stats,
            goal="< 5 s after the frontier",
            rounds=int(out["res"].round) + 1,
        ),
        row(
            "bargain: 100-round simulation (no agreement)",
            full_stats,
            goal="< 5 s after the frontier",
            rounds=len(out["full"].log),
        ),
    ]



def run_issue11() -> list[dict[str, Any]]:
    """Issue 11 entries on the default dataset (closure ``data``, its default there): the bilateral tariff
    war USA–JPN (default starting points; the process's war cache cleared before each run), a 25-point
    frontier with transfers (34 tariff instruments, the pledge and purchases) against that war, with the
    real July 2025 package's efficiency loss, and the inverse problem (implied β) on that frontier. Goal
    < 10 s each on 2 cores. Each row carries the 1-minute load average before and after it (the machine
    is shared)."""
    import os

    from tradetalks.bargain import space as space_mod
    from tradetalks.bargain.inverse import implied_beta
    from tradetalks.bargain.problem import nodeal_point
    from tradetalks.bargain.transfers import efficiency_loss, real_deal_x
    from tradetalks.data.registry import DEFAULT_DATASET
    from tradetalks.vocabulary import default_closure

    data = load(DEFAULT_DATASET)
    base = ossa.baseline_from_data(data, default_closure(DEFAULT_DATASET))
    space = build_space(data, base, ("USA", "JPN"), transfers=True)
    out: dict[str, Any] = {}

    def load_avg() -> float:
        return round(os.getloadavg()[0], 2)

    def war() -> None:
        space_mod._WAR_CACHE.clear()
        out["d"] = nodeal_point(space, "bilateral-war")

    la0 = load_avg()
    war_stats = measure(war, repeat=3, warmup=0)
    la1 = load_avg()
    d = out["d"]

    def frontier() -> None:
        out["fr"] = trace_frontier(space, 25, nodeal=d.u)
        xr, notes = real_deal_x(space, data)
        out["real"] = efficiency_loss(space, xr, base.expenditure, notes)

    fr_stats = measure(frontier, repeat=3, warmup=0)
    la2 = load_avg()

    def inverse() -> None:
        out["inv"] = implied_beta(out["fr"].curve(), d.u, out["real"].u)

    inv_stats = measure(inverse, repeat=3, warmup=0)
    la3 = load_avg()
    real, inv = out["real"], out["inv"]
    return [
        row(
            f"bargain: bilateral war USA-JPN {DEFAULT_DATASET} (6 starts per best response)",
            war_stats,
            goal="< 10 s",
            note=d.note,
            load_average=[la0, la1],
        ),
        row(
            f"bargain: 25-point frontier with transfers USA-JPN {DEFAULT_DATASET} (36 instruments) + real deal",
            fr_stats,
            goal="< 10 s",
            all_converged=bool(out["fr"].converged.all()),
            evaluations=int(out["fr"].evaluations),
            efficiency_loss_usd_bn=[round(float(v), 2) for v in real.loss_usd_bn],
            load_average=[la1, la2],
        ),
        row(
            "bargain: inverse problem (implied beta of the real deal)",
            inv_stats,
            goal="< 10 s",
            beta_usa=round(inv.beta, 3),
            fit=round(inv.distance, 4),
            load_average=[la2, la3],
        ),
    ]


if __name__ == "__main__":
    import sys

    print(json.dumps(run_issue11() if "issue11" in sys.argv[1:] else run(), indent=2))
