r"""Welfare changes split by channel, for the Ossa (2014) and Caliendo–Parro (2015) models.

Ossa (exact, equivalent variation at baseline prices)
-----------------------------------------------------
Spending is :math:`E_j = wL_j + \Pi_j + T_j - NX_j` before and after the change (labour income, profits
:math:`\Pi_j = \sum_s R_{js}/\sigma_s`, tariff revenue, net exports). With :math:`\hat P_j = \hat E_j/\hat W_j`
the consumer price index, the equivalent variation :math:`EV_j = E_j(\hat W_j - 1) = E'_j/\hat P_j - E_j`
splits exactly into

.. math:: EV_j = \underbrace{wL_j(\hat w_j/\hat P_j - 1)}_{\text{real wage: terms of trade + volume}}
          + \underbrace{\Pi'_j/\hat P_j - \Pi_j}_{\text{profit shifting}}
          + \underbrace{T'_j/\hat P_j - T_j}_{\text{tariff revenue}}
          - \underbrace{(NX'_j/\hat P_j - NX_j)}_{\text{deficit revaluation}} .

The components add up to the total up to the equilibrium residual (labour-market clearing). In the
one-factor model the real-wage term carries both the terms-of-trade and the volume (variety, efficiency)
effects; this module does not separate them for Ossa.

Caliendo–Parro
--------------
The model's own first-order decomposition (CP 2015, eq. 28): :math:`\hat W = ToT + VoT`, the terms of trade
and the volume of trade (the latter includes the tariff-revenue/efficiency effect); no profits. The
components add up to CP's reported welfare by construction.

All components are returned in percent of the baseline (gross, tariff-inclusive) absorption
:math:`E_j` and, for Ossa, as US$ (the dataset's unit) equivalent variation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ModelError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ChannelSplit:
    """Welfare change by channel (percent of baseline absorption; EV in the dataset's unit, Ossa only)."""

    model: str
    countries: tuple[str, ...]
    total_pct: FloatArray
    components_pct: tuple[tuple[str, FloatArray], ...]
    components_ev: tuple[tuple[str, FloatArray], ...]
    note: str

    def component(self, name: str) -> FloatArray:
        return dict(self.components_pct)[name]

    def residual(self) -> float:
        """max |Σ components − total| (percentage points)."""
        s = sum((v for _, v in self.components_pct), start=np.zeros_like(self.total_pct))
        return float(np.max(np.abs(s - self.total_pct)))

    def row(self, country: str) -> dict[str, float]:
        k = self.countries.index(country)
        out = {name: float(v[k]) for name, v in self.components_pct}
        out["total"] = float(self.total_pct[k])
        return out


def ossa_channels(
    *, expenditure: FloatArray, e_hat: FloatArray, welfare_hat: FloatArray, w_hat: FloatArray,
    labour_income: FloatArray, profits_base: FloatArray, profits_new: FloatArray,
    revenue_base: FloatArray, revenue_new: FloatArray, nx_base: FloatArray, nx_new: FloatArray,
) -> tuple[dict[str, FloatArray], FloatArray]:
    """The four Ossa channels (EV, dataset units) and the total EV; arrays of shape (N,)."""
    p_hat = e_hat / welfare_hat
    ev = {
        "real_wage": labour_income * (w_hat / p_hat - 1.0),
        "profit_shifting": profits_new / p_hat - profits_base,
        "tariff_revenue": revenue_new / p_hat - revenue_base,
        "deficit": -(nx_new / p_hat - nx_base),
    }
    return ev, expenditure * (welfare_hat - 1.0)


def split_result(result: Any, sigma: npt.ArrayLike | None = None) -> ChannelSplit:
    r"""Channel split of a :class:`~tradetalks.results.counterfactual.CounterfactualResult`.

    Ossa results need the dataset's ``sigma`` (labour income is :math:`\sum_s R_s(\sigma_s-1)/\sigma_s`);
    Caliendo–Parro results carry their ToT/VoT terms.
    """
    ds = result.ds
    countries = tuple(str(c) for c in ds["country"].values)
    total = np.asarray(ds["welfare_pct"].values, dtype=float)
    if "welfare_tot_pct" in ds:
        cp: tuple[tuple[str, FloatArray], ...] = (("terms_of_trade", np.asarray(ds["welfare_tot_pct"].values, dtype=float)),
                 ("volume_of_trade", np.asarray(ds["welfare_vot_pct"].values, dtype=float)))
        return ChannelSplit("caliendo_parro", countries, total, cp, (),
                            "CP (2015) first-order decomposition; revenue/efficiency inside the volume term")
    if sigma is None:
        raise ModelError("sigma: expected the dataset's (S,) elasticities for an Ossa channel split; found None")
    sg = np.asarray(sigma, dtype=float)
    x0 = np.asarray(ds["trade_base"].values, dtype=float)
    e0 = np.asarray(ds["income_base"].values, dtype=float)
    e1 = np.asarray(ds["income_new"].values, dtype=float)
    sales = x0.sum(axis=1)
    ev, tot = ossa_channels(
        expenditure=e0, e_hat=e1 / e0, welfare_hat=1.0 + total / 100.0,
        w_hat=np.asarray(ds["wage_hat"].values, dtype=float),
        labour_income=(sales * (sg - 1.0) / sg).sum(axis=1),
        profits_base=np.asarray(ds["profits_base"].values, dtype=float),
        profits_new=np.asarray(ds["profits_new"].values, dtype=float),
        revenue_base=np.asarray(ds["revenue_base"].values, dtype=float),
        revenue_new=np.asarray(ds["revenue_new"].values, dtype=float),
        nx_base=np.asarray(ds["nx_base"].values, dtype=float),
        nx_new=np.asarray(ds["nx_new"].values, dtype=float),
    )
    comps = tuple((k, 100.0 * v / e0) for k, v in ev.items())
    return ChannelSplit("ossa", countries, 100.0 * tot / e0, comps, tuple(ev.items()),
                        "exact accounting split of EV (real wage carries terms of trade and volume)")
