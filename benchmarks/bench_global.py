"""Global-scale benchmark (issue 12): Lashkaripour (2021) Nash tariff wars and counterfactuals, and the
one-sector model with employment on 194 economies.

Figures (median wall time, peak traced memory):

* global Nash tariff war on WIOD 2014 (``wiod16-2014``, 44 × 16), end to end — load excluded, deficit
  purge + joint solve of 3N unknowns included. Goal < 0.3 s.
* the same on ICIO 2022 (``icio2022``, 81 × 28). Goal < 2 s.
* one counterfactual on ICIO 2022 (US uniform 20 % on every partner) from the balanced baseline. Goal < 50 ms.
* 1,000 counterfactuals solved as one batch on the new default ``world2022`` (21 × 17; random tariffs).
  Goal ≥ 2,000 solves/s.
* the 2025 US schedule on the 194-economy one-sector model (liberation_day_2025), one solve.

No peer is run here: the peer package (``tariffwar``, MATLAB) needs MATLAB or GNU Octave, neither available
on this machine. The issue quotes its Octave timings on this kind of machine — about 5.6 s (WIOD 2014) and
45 s (ICIO 2022) for the two wars — which are reported as ``peer_quoted_s`` (not measured here).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _util import measure, row

from tradetalks.data import available, load
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.model import lashkaripour_data as lkd
from tradetalks.model import lashkaripour_equilibrium as lke

PEER_QUOTED = {"wiod16-2014": 5.6, "icio2022": 45.0}
"""Octave timings of the peer package quoted in issue 12 (not measured here)."""


def _war_row(name: str, goal: str) -> dict[str, Any]:
    data = load(name)
    war = lkd.war_from_data(data)
    summ = war.summary()
    return row(
        f"lashkaripour Nash tariff war {name} ({data.n_countries}x{data.n_sectors}): purge + 3N joint solve",
        measure(lambda: lkd.war_from_data(data), repeat=5),
        goal=goal,
        peer_quoted_s=PEER_QUOTED.get(name),
        iterations=war.info.iterations,
        residual=war.info.residual,
        welfare_mean_pct=summ["welfare_mean_pct"],
        welfare_income_weighted_pct=summ["welfare_income_weighted_pct"],
        tariff_mean_pct=summ["tariff_mean_pct"],
    )


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if available("wiod16-2014"):
        rows.append(_war_row("wiod16-2014", "< 0.3 s"))
    if available("icio2022"):
        rows.append(_war_row("icio2022", "< 2 s"))
        icio = load("icio2022")
        base = lkd.baseline_from_data(icio)
        us = icio.index("USA")
        t = base.tariff.copy()
        t[:, us, :] = 0.2
        t[us, us, :] = 0.0
        eq = lke.solve_equilibrium(base, t)
        rows.append(
            row(
                "lashkaripour one counterfactual icio2022 (81x28), US 20 % on all partners, balanced baseline given",
                measure(lambda: lke.solve_equilibrium(base, t), repeat=9),
                goal="< 50 ms",
                iterations=eq.info.iterations,
                residual=eq.info.residual,
            )
        )
    batch_name = "world2022" if available("world2022") else DEFAULT_DATASET  # the new default (issue 12)
    data = load(batch_name)
    dbase = lkd.baseline_from_data(data)
    rng = np.random.default_rng(0)
    n_batch = 1000
    off = (1.0 - np.eye(dbase.n))[None, :, :, None]
    shocks = dbase.tariff[None] + 0.3 * rng.random((n_batch, *dbase.tariff.shape)) * off
    res = lke.solve_batch(dbase, shocks)
    med, peak = measure(lambda: lke.solve_batch(dbase, shocks), repeat=3)
    rows.append(
        row(
            f"lashkaripour 1,000 batched counterfactuals on {batch_name} "
            f"({dbase.n}x{dbase.s}), random tariffs",
            (med, peak),
            goal=">= 2,000 solves/s",
            solves_per_s=n_batch / med,
            converged=all(r.info.converged for r in res),
        )
    )
    if available("liberation2025"):
        from tradetalks.data.readers.liberation_day import read_baseline
        from tradetalks.data.registry import dataset_folder
        from tradetalks.model import onesector as os1
        from tradetalks.model import onesector_cases as os1c

        lb = read_baseline(dataset_folder("liberation2025"))
        ob = os1.baseline_from_liberation(lb)
        tu = os1c.ustr_matrix(lb)
        oeq = os1.solve_equilibrium(ob, tu)
        rows.append(
            row(
                "onesector 194 economies, 2025 US schedule (income-tax relief), one solve (3N = 582 unknowns)",
                measure(lambda: os1.solve_equilibrium(ob, tu), repeat=3),
                goal="",
                iterations=oeq.info.iterations,
                residual=oeq.info.residual,
            )
        )
    return rows
