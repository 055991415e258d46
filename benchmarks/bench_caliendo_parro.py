"""Caliendo–Parro (2015) engine benchmark: the NAFTA counterfactual on the CP 1993 data (31 x 40), and a
US +25 % tariff on China on the 7 x 44 ICIO data (``icio7-2017``).

Figures: the counterfactual from a pre-computed purged (NX = 0) baseline, and the whole run as CP do it
(purge the deficits, then the counterfactual). Goal: each well under 1 s. No peer: CP's replication code
is MATLAB (its damped wage iteration needs hundreds of outer steps), the R package cp2015 is not
available here, and no Python package on PyPI implements this model, so the figures are absolute.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _util import measure, row

from tradetalks.data import available, load
from tradetalks.model import caliendo_parro_data as cpd
from tradetalks.model import caliendo_parro_equilibrium as cpe

NAFTA = ("MEX", "CAN", "USA")


def nafta_tariffs() -> tuple[Any, np.ndarray]:
    """The cp1993 data and its tariffs with 2005 rates on the six NAFTA pairs."""
    d93 = load("cp1993")
    d05 = load("cp1993", tariffs="2005")
    idx = [d93.index(c) for c in NAFTA]
    t_new = d93.tariff.copy()
    for i in idx:
        for n in idx:
            if i != n:
                t_new[i, n] = d05.tariff[i, n]
    return d93, t_new


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if available("icio7-2017"):
        from tradetalks.data.edits import TariffEdit, apply_edits

        icio = load("icio7-2017")
        t_war = apply_edits(icio, [TariffEdit("USA", "CHN", "*", 25.0, "add")])
        ibase = cpd.baseline_from_data(icio, "balanced")
        ieq = cpe.solve_equilibrium(ibase, t_war)
        rows.append(
            row(
                "caliendo_parro icio7-2017 (7x44) USA:CHN:*+=25: purge + counterfactual",
                measure(lambda: cpd.solve_counterfactual(icio, t_war, closure="balanced"), repeat=3),
                goal="< 1 s",
                iterations=ieq.info.iterations,
                residual=ieq.info.residual,
            )
        )
    if not available("cp1993"):
        return rows
    data, t_new = nafta_tariffs()
    base = cpd.baseline_from_data(data, "balanced")
    eq = cpe.solve_equilibrium(base, t_new)
    rows += [
        row(
            "caliendo_parro NAFTA counterfactual cp1993 (31x40), purged baseline given",
            measure(lambda: cpe.solve_equilibrium(base, t_new), repeat=3),
            goal="< 1 s",
            iterations=eq.info.iterations,
            residual=eq.info.residual,
        ),
        row(
            "caliendo_parro NAFTA cp1993: purge deficits + counterfactual (TradeData in, result out)",
            measure(lambda: cpd.solve_counterfactual(data, t_new, closure="balanced"), repeat=3),
            goal="< 1 s",
        ),
    ]
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
