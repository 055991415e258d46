r"""Welfare changes split by channel, for the Ossa (2014) and Caliendo–Parro (2015) models.

Ossa (exact decomposition of :math:`\ln\hat W_j`)
-------------------------------------------------
In Ossa's model (fixed numbers of firms, constant mark-ups, one factor) the price of i's varieties moves
with its wage, so a flow's change splits exactly into price and quantity, :math:`\hat X_{ijs} = \hat w_i
\hat q_{ijs}`. Spending is :math:`E_j = R_j + T_j - NX_j` (sales, tariff revenue, net exports) and
:math:`\ln \hat W_j = \ln\hat E_j - \sum_s \mu_{js} \ln \hat P_{js}`. Two exact identities:

* logarithmic means, :math:`a' - a = \mathcal L(a', a)\ln(a'/a)` with
  :math:`\mathcal L(a', a) = (a'-a)/\ln(a'/a)`, give :math:`\ln \hat E_j = (\Delta R_j + \Delta T_j -
  \Delta NX_j)/\mathcal L(E'_j, E_j)` and :math:`\Delta R_j = \sum_{k,s}\mathcal L(X'_{jks}, X_{jks})
  (\ln\hat w_j + \ln \hat q_{jks})`;
* the Sato–Vartia index is exact for CES: :math:`\ln\hat P_{js} = \sum_i \omega_{ijs}(\ln\hat w_i +
  \ln\hat\tau_{ijs})`, :math:`\omega_{ijs} \propto \mathcal L(\gamma'_{ijs}, \gamma_{ijs})` (tariff-inclusive
  import shares, normalised to sum to one over i).

Hence, exactly (up to the equilibrium residual of the budget identity),

.. math:: \ln\hat W_j =
   \underbrace{\frac{\sum_{k,s}\mathcal L^X_{jks}\ln\hat w_j}{\mathcal L^E_j}
        - \sum_s\mu_{js}\sum_i\omega_{ijs}\ln\hat w_i}_{\text{terms of trade}}
 + \underbrace{\frac{\sum_{k,s}\mathcal L^X_{jks}\ln\hat q_{jks}}{\mathcal L^E_j}}_{\text{profit shifting}}
 + \underbrace{\frac{\Delta T_j}{\mathcal L^E_j}}_{\text{tariff revenue}}
 \underbrace{- \sum_s\mu_{js}\sum_i\omega_{ijs}\ln\hat\tau_{ijs}}_{\text{tariff wedge}}
 \underbrace{- \frac{\Delta NX_j}{\mathcal L^E_j}}_{\text{deficit}} .

To first order these are the textbook channels (Ossa 2016, Handbook of Commercial Policy, ch. 4;
Caliendo–Parro 2015, eq. 28): the terms of trade :math:`\sum_{k\ne j} X_{jk} d\ln w_j - \sum_{i\ne j}
X_{ij}d\ln w_i` (domestic terms cancel); profit shifting :math:`\sum_s R_{js}\,d\ln q_{js}`, which with a
fixed labour force is the reallocation of labour towards high-mark-up sectors; and the volume-of-trade
(efficiency) effect :math:`\sum t_{ijs}X_{ijs}d\ln q_{ijs}`, which is the sum of the *tariff revenue* and
*tariff wedge* terms (their :math:`X\,dt` parts cancel). The log decomposition is turned into percent of
baseline (gross, tariff-inclusive) absorption by the common factor :math:`100(\hat W_j-1)/\ln\hat W_j`, so
the components add up to the model's welfare change, and into an equivalent variation by :math:`E_j/100`.

Caliendo–Parro
--------------
The model's own first-order decomposition (CP 2015, eq. 28): :math:`\hat W = ToT + VoT`, the terms of trade
and the volume of trade (the latter holds the tariff-revenue/efficiency effect); no profits. The
components add up to CP's reported welfare by construction.
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


def _logmean(a: FloatArray, b: FloatArray) -> FloatArray:
    r"""Logarithmic mean :math:`(a-b)/\ln(a/b)` (``a`` where a = b; 0 where either is 0)."""
    pos = (a > 0) & (b > 0)
    sa, sb = np.where(pos, a, 1.0), np.where(pos, b, 1.0)
    d = np.log(sa) - np.log(sb)
    same = np.abs(d) < 1e-12
    out = np.where(same, 0.5 * (sa + sb), (sa - sb) / np.where(same, 1.0, d))
    return np.where(pos, out, 0.0)


def ossa_log_channels(
    *, trade_base: FloatArray, trade_new: FloatArray, tariff_base: FloatArray, tariff_new: FloatArray,
    w_hat: FloatArray, expenditure_base: FloatArray, expenditure_new: FloatArray,
    nx_base: FloatArray, nx_new: FloatArray,
) -> dict[str, FloatArray]:
    r"""The five Ossa channels of :math:`\ln\hat W_j` (module docstring), each of shape (N,).

    Arrays (N, N, S) in the orientation of DESIGN.md §3 (exporter, importer, sector); pre-tariff flows.
    """
    x0, x1 = np.asarray(trade_base, float), np.asarray(trade_new, float)
    t0, t1 = np.asarray(tariff_base, float), np.asarray(tariff_new, float)
    e0, e1 = np.asarray(expenditure_base, float), np.asarray(expenditure_new, float)
    lnw = np.log(np.asarray(w_hat, float))
    le = _logmean(e1, e0)
    lx = _logmean(x1, x0)
    pos = (x0 > 0) & (x1 > 0)
    lnq = np.where(pos, np.log(np.where(pos, x1, 1.0)) - np.log(np.where(pos, x0, 1.0)), 0.0) - lnw[:, None, None]
    s0, s1 = (1.0 + t0) * x0, (1.0 + t1) * x1
    g0 = np.divide(s0, s0.sum(axis=0, keepdims=True), out=np.zeros_like(s0), where=s0.sum(axis=0, keepdims=True) > 0)
    g1 = np.divide(s1, s1.sum(axis=0, keepdims=True), out=np.zeros_like(s1), where=s1.sum(axis=0, keepdims=True) > 0)
    om = _logmean(g1, g0)
    tot_om = om.sum(axis=0, keepdims=True)
    om = np.divide(om, tot_om, out=np.zeros_like(om), where=tot_om > 0)
    mu = s0.sum(axis=0) / e0[:, None]
    lntau = np.log((1.0 + t1) / (1.0 + t0))
    rev = (t1 * x1).sum(axis=(0, 2)) - (t0 * x0).sum(axis=(0, 2))
    return {
        "terms_of_trade": lx.sum(axis=(1, 2)) * lnw / le - (mu * (om * lnw[:, None, None]).sum(axis=0)).sum(axis=1),
        "profit_shifting": (lx * lnq).sum(axis=(1, 2)) / le,
        "tariff_revenue": rev / le,
        "tariff_wedge": -(mu * (om * lntau).sum(axis=0)).sum(axis=1),
        "deficit": -(np.asarray(nx_new, float) - np.asarray(nx_base, float)) / le,
    }


def split_result(result: Any) -> ChannelSplit:
    r"""Channel split of a :class:`~tradetalks.results.counterfactual.CounterfactualResult` (Ossa or CP).

    Raises
    ------
    ModelError
        A result of another model (neither CP's ToT/VoT terms nor Ossa's variables).
    """
    ds = result.ds
    countries = tuple(str(c) for c in ds["country"].values)
    total = np.asarray(ds["welfare_pct"].values, dtype=float)
    if "welfare_tot_pct" in ds:
        cp: tuple[tuple[str, FloatArray], ...] = (
            ("terms_of_trade", np.asarray(ds["welfare_tot_pct"].values, dtype=float)),
            ("volume_of_trade", np.asarray(ds["welfare_vot_pct"].values, dtype=float)))
        return ChannelSplit("caliendo_parro", countries, total, cp, (),
                            "CP (2015) first-order decomposition; revenue/efficiency inside the volume term")
    need = ("trade_base", "trade_new", "tariff_base", "tariff_new", "wage_hat", "income_base", "income_new",
            "nx_base", "nx_new")
    missing = [v for v in need if v not in ds]
    if missing:
        raise ModelError(f"channel split: expected an Ossa or Caliendo-Parro result; variables {missing} are missing")
    e0 = np.asarray(ds["income_base"].values, dtype=float)
    logs = ossa_log_channels(
        trade_base=ds["trade_base"].values, trade_new=ds["trade_new"].values,
        tariff_base=ds["tariff_base"].values, tariff_new=ds["tariff_new"].values,
        w_hat=ds["wage_hat"].values, expenditure_base=e0, expenditure_new=ds["income_new"].values,
        nx_base=ds["nx_base"].values, nx_new=ds["nx_new"].values,
    )
    w_hat = 1.0 + total / 100.0
    ln_w = np.log(w_hat)
    factor = np.where(np.abs(ln_w) > 1e-15, 100.0 * (w_hat - 1.0) / np.where(np.abs(ln_w) > 1e-15, ln_w, 1.0), 100.0)
    comps = tuple((k, factor * v) for k, v in logs.items())
    evs = tuple((k, v * e0 / 100.0) for k, v in comps)
    return ChannelSplit("ossa", countries, total, comps, evs,
                        "exact log decomposition (Sato-Vartia); volume of trade (efficiency) = tariff_revenue + "
                        "tariff_wedge")
