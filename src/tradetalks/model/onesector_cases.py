r"""The 2025 "Liberation Day" paper's tariffs and cases on the one-sector model with employment.

The model is :mod:`tradetalks.model.onesector` (Ignatenko, Lashkaripour, Macedoni and Simonovska 2025, as
described in ``shared/data/raw/liberation_day_2025/MODEL.md``). This module holds the paper's closed-form
tariffs (MODEL.md §3.6): the optimal US tariff

.. math::

    t^* = \frac{1}{(1 + \varepsilon\,\delta_{US})\,\varphi_{US} - 1},\qquad
    \delta_{US} = \frac{\sum_{d\ne US}(1-\nu_d) X_{US,d}(1-\lambda_{US,d})}{(1-\nu_{US})(E_{US} - X_{US,US})}

and the rest of the world's common optimal retaliation rate (the same formula with the rest of the world
as one region), the USTR schedule ``t[o, USA] = max(0.10, a_o)`` (§1.4 step 6), :func:`run` (one scenario
tabulated with the paper's outputs, §4.1) and the paper's nine result slots (:data:`PAPER_CASES`,
:func:`paper_case`).

References
----------
Ignatenko, A., A. Lashkaripour, L. Macedoni and I. Simonovska (2025). Making America great again? The
economic impacts of Liberation Day tariffs. Journal of International Economics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.readers.liberation_day import EU25_CODES, LiberationData
from tradetalks.errors import OptionError
from tradetalks.model.common import SolverOptions
from tradetalks.model.onesector import (
    FloatArray,
    OSBaseline,
    OSEquilibrium,
    OSParams,
    baseline_from_liberation,
    outputs,
    solve_equilibrium,
)

DEFAULT_PARAMS = OSParams()
"""The paper's parameters (MODEL.md §2), the default of every function here."""


def optimal_us_tariff(
    base: OSBaseline,
    params: OSParams = DEFAULT_PARAMS,
    us: str = "USA",
    denominator: Literal["expenditure", "income"] = "expenditure",
) -> float:
    """Closed-form optimal US tariff ``t* = 1/((1 + ε δ_US) φ_US − 1)`` (MODEL.md §3.6, slot 4; ``denominator=
    "income"`` gives slot 7's variant with ``Y_US − X_US,US``)."""
    u = base.index(us)
    x, lam, nu = base.trade, base.lam, base.nu
    mask = np.arange(base.n) != u
    num = ((1.0 - nu[mask]) * x[u, mask] * (1.0 - lam[u, mask])).sum()
    tot = base.expenditure[u] if denominator == "expenditure" else base.income[u]
    delta = num / ((1.0 - nu[u]) * (tot - x[u, u]))
    return float(1.0 / ((1.0 + params.eps * delta) * base.phi(params)[u] - 1.0))


def optimal_retaliation_rate(base: OSBaseline, params: OSParams = DEFAULT_PARAMS, us: str = "USA") -> float:
    """Closed-form common retaliation rate of the rest of the world against the US (MODEL.md §3.6):
    ``t_ret = 1/((1 + ε δ_R) φ_R − 1)``, RoW treated as one region."""
    u = base.index(us)
    mask = np.arange(base.n) != u
    x = base.trade
    x11 = x[np.ix_(mask, mask)].sum()
    x12 = x[mask, u].sum()
    lam12 = x12 / x[:, u].sum()
    y1 = base.income[mask].sum()
    nu_r = float(base.nu[mask][0]) if mask.any() else 0.0
    delta = (1.0 - base.nu[u]) * x12 * (1.0 - lam12) / ((1.0 - nu_r) * (y1 - x11))
    phi_r = float(base.phi(params)[mask][0])
    return float(1.0 / ((1.0 + params.eps * delta) * phi_r - 1.0))


@dataclass(frozen=True, eq=False)
class OSResult:
    """One scenario of the one-sector model: equilibrium, per-country outputs and headline rows."""

    scenario: str
    base: OSBaseline
    eq: OSEquilibrium
    params: OSParams
    frame: pd.DataFrame = field(repr=False)

    def headline(self, us: str = "USA") -> pd.DataFrame:
        """Rows ``USA``, ``CHN`` (if present), ``EU`` (the paper's 25-id list, if the baseline is the 194
        economies) and ``non-US (average)`` (baseline-expenditure-weighted means, MODEL.md §4.2)."""
        f = self.frame
        e = pd.Series(self.base.expenditure, index=f.index)
        rows = {us: f.loc[us]}
        if "CHN" in f.index:
            rows["CHN"] = f.loc["CHN"]
        if self.base.n == 194:
            eu = [self.base.countries[c - 1] for c in EU25_CODES]
            rows["EU"] = (f.loc[eu].mul(e[eu], axis=0)).sum() / e[eu].sum()
        other = f.index != us
        rows["non-US (average)"] = f[other].mul(e[other], axis=0).sum() / e[other].sum()
        return pd.DataFrame(rows).T


def run(
    base: OSBaseline,
    tariff_new: npt.ArrayLike,
    scenario: str = "",
    params: OSParams = DEFAULT_PARAMS,
    options: SolverOptions = SolverOptions(),
) -> OSResult:
    """Solve one scenario and tabulate its outputs."""
    eq = solve_equilibrium(base, tariff_new, params, options=options)
    return OSResult(scenario, base, eq, params, outputs(base, eq))


# --------------------------------------------------------------------------------------------
# the paper's cases on the 194-economy data (MODEL.md §3.6)
# --------------------------------------------------------------------------------------------

PAPER_CASES: dict[int, str] = {
    1: "USTR tariffs, income-tax relief, no retaliation",
    8: "USTR tariffs, lump-sum rebate, no retaliation",
    4: "optimal US tariff, no retaliation",
    6: "USTR tariffs + reciprocal retaliation",
    5: "USTR tariffs + optimal retaliation",
    7: "optimal US tariff + optimal retaliation",
    2: "USTR tariffs, incomplete passthrough (phi_tilde 0.25)",
    9: "USTR tariffs, trade elasticity 8",
    3: "USTR tariffs, Eaton-Kortum-Krugman (nu 0, phi 1)",
}
"""The paper code's result slots (MODEL.md §3.6) and what each solves."""


def ustr_matrix(lb: LiberationData) -> FloatArray:
    """``t[o, USA] = max(0.10, a_o)``, zero elsewhere (MODEL.md §1.4 step 6)."""
    n = len(lb.countries)
    us = lb.index("USA")
    t = np.zeros((n, n))
    t[:, us] = np.maximum(0.10, lb.us_tariff)
    t[us, us] = 0.0
    return t


def paper_case(lb: LiberationData, slot: int, options: SolverOptions = SolverOptions()) -> OSResult:
    """Solve one of the paper's cases (slot numbers of MODEL.md §3.6) on the 194-economy data.

    Raises
    ------
    OptionError
        Unknown slot.
    """
    if slot not in PAPER_CASES:
        raise OptionError("case", tuple(sorted(PAPER_CASES)), slot)
    base = baseline_from_liberation(lb)
    n = base.n
    us = base.index("USA")
    params = OSParams()
    t = ustr_matrix(lb)
    if slot == 8:
        params = OSParams(rebate="lump_sum")
    elif slot == 2:
        params = OSParams(phi_tilde=0.25)
    elif slot == 9:
        params = OSParams(eps=8.0)
    elif slot == 3:
        y_ek = base.trade.sum(axis=1)
        base = OSBaseline(
            base.countries,
            base.trade,
            base.tariff,
            base.expenditure,
            y_ek,
            base.expenditure - y_ek,
            base.lam,
            np.zeros(n),
            base.gdp,
        )
        params = OSParams(theta=1.0, psi=0.67 / 4.0)  # φ = φ̃ + (1+θ)/θ − 1/θ − 1 = 1 with ν = 0
    elif slot in (4, 7):
        rate = optimal_us_tariff(base, params, denominator="expenditure" if slot == 4 else "income")
        t = np.zeros((n, n))
        t[:, us] = rate
        t[us, us] = 0.0
    if slot == 6:
        t[us, :] = t[:, us]
        t[us, us] = 0.0
    if slot in (5, 7):
        t[us, :] = optimal_retaliation_rate(base, params)
        t[us, us] = 0.0
    return run(base, t, PAPER_CASES[slot], params, options)


__all__ = [
    "DEFAULT_PARAMS",
    "PAPER_CASES",
    "OSResult",
    "optimal_retaliation_rate",
    "optimal_us_tariff",
    "paper_case",
    "run",
    "ustr_matrix",
]
