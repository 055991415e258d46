r"""Caliendo–Parro (2015) multi-sector Eaton–Kortum model with input–output links, in exact hat algebra.

Model (Caliendo and Parro 2015, REStud 82(1), sections 2–3 and their "equilibrium in relative changes"; DESIGN.md §4). Indices:
``i`` exporter, ``n`` importer, ``j, k`` sectors; arrays are ordered ``[exporter, importer, sector]`` as in
:class:`~tradetalks.data.tradedata.TradeData`. ``κ = 1 + t`` (times an optional iceberg cost), ``x̂ = x'/x``.

.. math::

    \hat c_i^j = \hat w_i^{\gamma_i^j} \prod_k (\hat P_i^k)^{\gamma_i^{k,j}},
    \qquad \gamma_i^{k,j} = (1-\gamma_i^j)\,\mathrm{io}_i^{k,j}                        (unit costs)

    (\hat P_n^j)^{-\theta^j} = \sum_i \pi_{in}^j (\hat\kappa_{in}^j \hat c_i^j)^{-\theta^j}   (prices)

    \pi_{in}^{j\prime} = \pi_{in}^j \left(\hat\kappa_{in}^j \hat c_i^j / \hat P_n^j\right)^{-\theta^j}
                                                                                       (trade shares)

    X_n^{j\prime} = \sum_k \gamma_n^{j,k} Y_n^{k\prime} + \alpha_n^j I_n',\qquad
    Y_i^{k\prime} = \sum_n \pi_{in}^{k\prime} X_n^{k\prime} / \kappa_{in}^{k\prime}           (goods markets)

    I_n' = \hat w_n w_nL_n + \sum_j X_n^{j\prime}\bigl(1 - \sum_i \pi_{in}^{j\prime}/\kappa_{in}^{j\prime}\bigr)
           - NX_n'                                                                     (budget)

    \hat w_n w_nL_n = \sum_j \gamma_n^j Y_n^{j\prime}                                   (labour market)

with ``π`` tariff-inclusive expenditure shares (``Σ_i π_in^j = 1``), ``X_n^j`` tariff-inclusive absorption,
``Y_i^j`` gross output at pre-tariff prices, ``γ_n^j`` value-added shares, ``io`` the input–output shares
(``io_share[n, k, j]``, sums to one over inputs ``k``), ``α_n^j`` final-demand shares and ``NX_n`` net
exports (goods surplus at pre-tariff prices; CP's ``S_n``; a deficit is ``NX_n < 0``). Given the goods
markets, the labour-market condition is equivalent to the trade balance ``exports − imports = NX_n``, which
is the form CP iterate on. Exact welfare is real income ``Ŵ_n = Î_n / Π_j (P̂_n^j)^{α_n^j}`` (CP 2015,
section 3); see *Welfare* below for the measure CP report.
Non-tradable sectors have ``π_nn = 1``: they stay untraded.

Numeraire (:mod:`tradetalks.model.common`): world value added is fixed, ``Σ_n w_nL_n ŵ_n = Σ_n w_nL_n``
(one labour-market equation is dropped by Walras' law). Imbalances ``NX'`` are held in these units.

Baseline. The counterfactual needs the shares ``π``, value added ``w_nL_n = Σ_j γ_n^j Y_n^j`` and ``NX``
from the flows, and ``γ, io, α, θ`` from the data; it does not use the levels of absorption. A baseline
is an *equilibrium* only if the data are internally consistent (absorption = intermediate + final demand);
published data rarely are (CP's 1993 data are not). So the baseline of every counterfactual is the model's
own equilibrium at the factual tariffs: with the data's imbalances (closure ``"data"``) or with imbalances
purged to zero (closure ``"balanced"``, CP's "no S" initial condition, their section 4). For consistent data
the ``"data"`` step returns the data unchanged.

Numerics. CP solve prices by fixed-point iteration given wages (inner loop) and update wages with a damped
excess-trade-balance step (outer loop), which needs hundreds of outer iterations. Here wages, prices *and*
absorption are unknowns of one explicit system (``N + 2NJ`` equations: labour markets with the numeraire in
place of one of them, the price equations in logs, and the goods markets in units of world value added), so
no equation needs an inner solve. It is solved by an inexact Newton method: each step by GMRES on
analytic Jacobian-vector products (no dense Jacobian), preconditioned by the exact inverse of each
country's own block (its ``2J + 1`` own variables, cross-country terms dropped), with a backtracking line
search on the residual norm; should a step fail, a dense Newton step from the same analytic
Jacobian-vector products is the fallback. Tolerance: max-norm of all residuals (log prices; goods and
labour markets relative to world value added). On CP's 1993 data (31 × 40) a counterfactual takes 4–5
Newton steps and about 0.1 s. Input–output and final-demand shares are renormalised to sum to one exactly
in :func:`calibrate`: Walras' law (the dropped labour market) holds only then, and shares rounded at
1e-8 otherwise leave a residual of that order that no solver can remove.

Welfare. CP's reported welfare figures are their first-order decomposition (terms of trade + volume of
trade, section 4.1) evaluated with the solved changes: :func:`welfare_decomposition`, the headline
``welfare_pct`` of results. The exact real-income change :func:`welfare_hat` is reported beside it
(``welfare_exact_pct``); the two differ markedly when tariff revenue changes a lot (NAFTA: Mexico +1.31 %
against +0.01 %).

Modules. This one holds the baseline (:class:`CPBaseline`, :func:`calibrate`, :func:`calibrate_data`),
the solved equilibrium (:class:`CPEquilibrium`, :func:`rebase`) and welfare (:func:`welfare_hat`,
:func:`welfare_decomposition`, :func:`market_residuals`); :mod:`tradetalks.model.caliendo_parro_equilibrium`
the explicit system, its Jacobian-vector products and the Newton–GMRES solver (``solve_equilibrium``,
``solve_batch``, ``equilibrate``); :mod:`tradetalks.model.caliendo_parro_data` the TradeData-facing
wrappers (``baseline_from_data``, ``result_from_equilibrium``, ``solve_counterfactual``).

References
----------
Caliendo, L. and F. Parro (2015). Estimates of the Trade and Welfare Effects of NAFTA. Review of Economic
Studies 82(1), 1–44.
Dekle, R., J. Eaton and S. Kortum (2008). Global Rebalancing with Gravity. IMF Staff Papers 55(3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticityError, ModelError, ShapeError, ShareError
from tradetalks.model.common import SolveInfo

FloatArray = npt.NDArray[np.float64]

SHARE_ATOL = 1e-6
"""Tolerance on shares summing to one (io over inputs, α over sectors)."""


# --------------------------------------------------------------------------------------------
# baseline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CPBaseline:
    """Baseline arrays of the Caliendo–Parro model (build with :func:`calibrate`).

    Attributes
    ----------
    trade, tariff
        (N, N, J) pre-tariff flows ``[exporter, importer, sector]`` and importer-imposed tariffs.
    theta
        (J,) trade elasticities θ^j.
    va
        (N, J) value-added shares γ_n^j.
    io
        (N, J, J) input–output shares ``io[n, k, j]`` of input ``k`` in sector ``j``'s intermediates.
    alpha
        (N, J) final-demand shares α_n^j.
    pi
        (N, N, J) tariff-inclusive expenditure shares ``π[i, n, j]`` (sum to one over exporters ``i``;
        1 on the diagonal where a country absorbs nothing of a sector).
    wl
        (N,) value added ``w_nL_n = Σ_j γ_n^j Y_n^j``.
    nx
        (N,) net exports (pre-tariff exports − imports), CP's ``S_n``.
    """

    trade: FloatArray
    tariff: FloatArray
    theta: FloatArray
    va: FloatArray
    io: FloatArray
    alpha: FloatArray
    pi: FloatArray
    wl: FloatArray
    nx: FloatArray

    @property
    def n(self) -> int:
        return int(self.trade.shape[0])

    @property
    def j(self) -> int:
        return int(self.trade.shape[2])

    @property
    def gin(self) -> FloatArray:
        """γ_n^{k,j} = (1 − γ_n^j) io_n^{k,j}, (N, J, J) [country, input, sector]."""
        return np.asarray((1.0 - self.va)[:, None, :] * self.io)

    @property
    def output(self) -> FloatArray:
        """Gross output Y_i^j = Σ_n X_in^j (pre-tariff), (N, J)."""
        return np.asarray(self.trade.sum(axis=1))

    @property
    def absorption(self) -> FloatArray:
        """Tariff-inclusive absorption X_n^j = Σ_i (1 + t_in^j) X_in^j, (N, J)."""
        return np.asarray(((1.0 + self.tariff) * self.trade).sum(axis=0))

    @property
    def revenue(self) -> FloatArray:
        """Tariff revenue R_n = Σ_{i,j} t_in^j X_in^j, (N,)."""
        return np.asarray((self.tariff * self.trade).sum(axis=(0, 2)))

    @property
    def income(self) -> FloatArray:
        """Final expenditure I_n = w_nL_n + R_n − NX_n, (N,)."""
        return np.asarray(self.wl + self.revenue - self.nx)


def calibrate(
    trade: npt.ArrayLike,
    tariff: npt.ArrayLike,
    theta: npt.ArrayLike,
    io_share: npt.ArrayLike,
    va_share: npt.ArrayLike,
    final_share: npt.ArrayLike,
) -> CPBaseline:
    """Shares, value added and imbalances of a dataset (no equilibrium is imposed).

    Parameters
    ----------
    trade, tariff
        (N, N, J) pre-tariff flows and tariffs (fractions), ``[exporter, importer, sector]``.
    theta
        (J,) trade elasticities, each > 0.
    io_share
        (N, J, J) ``[country, input_sector, sector]``, sums to one over inputs.
    va_share
        (N, J) value-added shares in [0, 1].
    final_share
        (N, J) final-demand shares, sum to one over sectors.

    Raises
    ------
    ShapeError, ElasticityError, ShareError
        Mismatched shapes, θ ≤ 0, shares out of range or not summing to one.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    th = np.asarray(theta, dtype=float)
    io = np.asarray(io_share, dtype=float)
    va = np.asarray(va_share, dtype=float)
    al = np.asarray(final_share, dtype=float)
    if x.ndim != 3 or x.shape[0] != x.shape[1] or t.shape != x.shape:
        raise ShapeError("trade/tariff", "two (N, N, J) arrays of one shape", f"{x.shape} and {t.shape}")
    n, _, j = x.shape
    for name, arr, shape in (
        ("theta", th, (j,)),
        ("io_share", io, (n, j, j)),
        ("va_share", va, (n, j)),
        ("final_share", al, (n, j)),
    ):
        if arr.shape != shape:
            raise ShapeError(name, f"shape {shape}", f"shape {arr.shape}")
    if np.any(~(th > 0)):
        raise ElasticityError("theta", "values > 0", f"min {np.nanmin(th):.4g}")
    if np.any(x < 0) or np.any(t < 0):
        raise ModelError("trade/tariff: expected non-negative values; found negative entries")
    if np.any(va < 0) or np.any(va > 1):
        raise ShareError("va_share", "values in [0, 1]", f"range [{va.min():.4g}, {va.max():.4g}]")
    if np.any(io < 0) or np.any(al < 0):
        raise ShareError("io_share/final_share", "non-negative shares", "negative entries")
    dev_io = np.abs(io.sum(axis=1) - 1.0).max()
    if dev_io > SHARE_ATOL:
        raise ShareError("io_share", "sums of one over input sectors", f"max deviation {dev_io:.3g}")
    dev_al = np.abs(al.sum(axis=1) - 1.0).max()
    if dev_al > SHARE_ATOL:
        raise ShareError("final_share", "sums of one over sectors", f"max deviation {dev_al:.3g}")
    # exact renormalisation: Walras' law (one labour market implied by the others) needs shares that
    # sum to one to machine precision; data rounded at 1e-8 otherwise leave an irreducible residual
    io = io / io.sum(axis=1, keepdims=True)
    al = al / al.sum(axis=1, keepdims=True)
    spend = (1.0 + t) * x
    absorb = spend.sum(axis=0)  # (N, J)
    pi = np.divide(spend, absorb[None], out=np.zeros_like(spend), where=absorb[None] > 0)
    idx = np.arange(n)
    empty = absorb <= 0
    pi[idx[:, None], idx[:, None], np.arange(j)[None, :]] += np.where(empty, 1.0, 0.0)
    y = x.sum(axis=1)
    wl = (va * y).sum(axis=1)
    if np.any(wl <= 0):
        raise ModelError(f"value added: expected > 0 for every country; found {wl.min():.4g}")
    nx = y.sum(axis=1) - x.sum(axis=(0, 2))
    return CPBaseline(x, t, th, va, io, al, pi, wl, nx)


# --------------------------------------------------------------------------------------------
# equilibrium and welfare
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CPEquilibrium:
    """Solved counterfactual equilibrium.

    Attributes
    ----------
    w_hat
        (N,) changes of value added per unit (wages), ``ŵ``.
    p_hat
        (N, J) sectoral price-index changes ``P̂``.
    pi_new
        (N, N, J) new tariff-inclusive expenditure shares.
    absorption_new, output_new
        (N, J) new absorption ``X'`` (tariff-inclusive) and gross output ``Y'`` (pre-tariff).
    trade_new, tariff_new
        (N, N, J) new pre-tariff flows ``π' X' / κ'`` and the tariffs of the counterfactual.
    nx_new
        (N,) net exports imposed.
    info
        Convergence diagnostics.
    """

    w_hat: FloatArray
    p_hat: FloatArray
    pi_new: FloatArray
    absorption_new: FloatArray
    output_new: FloatArray
    trade_new: FloatArray
    tariff_new: FloatArray
    nx_new: FloatArray
    info: SolveInfo

    @property
    def revenue_new(self) -> FloatArray:
        """New tariff revenue R_n', (N,)."""
        return np.asarray((self.tariff_new * self.trade_new).sum(axis=(0, 2)))


def rebase(base: CPBaseline, eq: CPEquilibrium) -> CPBaseline:
    """The equilibrium ``eq`` as a new baseline (same γ, io, α, θ)."""
    return CPBaseline(
        trade=eq.trade_new,
        tariff=eq.tariff_new,
        theta=base.theta,
        va=base.va,
        io=base.io,
        alpha=base.alpha,
        pi=eq.pi_new,
        wl=base.wl * eq.w_hat,
        nx=eq.nx_new,
    )


def income_new(base: CPBaseline, eq: CPEquilibrium) -> FloatArray:
    """New final expenditure ``I_n' = ŵ_n w_nL_n + R_n' − NX_n'``, (N,)."""
    return np.asarray(base.wl * eq.w_hat + eq.revenue_new - eq.nx_new)


def welfare_hat(base: CPBaseline, eq: CPEquilibrium) -> FloatArray:
    """Exact real-income change ``Ŵ_n = Î_n / Π_j (P̂_n^j)^{α_n^j}`` (CP 2015, section 3), (N,).

    Not the figure CP report: see :func:`welfare_decomposition`.
    """
    i_hat = income_new(base, eq) / base.income
    return np.asarray(i_hat / np.exp((base.alpha * np.log(eq.p_hat)).sum(axis=1)))


def unit_cost_hat(base: CPBaseline, eq: CPEquilibrium) -> FloatArray:
    """Input-bundle cost changes ``ĉ_i^j = ŵ_i^{γ_i^j} Π_k (P̂_i^k)^{γ_i^{k,j}}``, (N, J)."""
    q = base.va * np.log(eq.w_hat)[:, None] + np.einsum("ikj,ik->ij", base.gin, np.log(eq.p_hat))
    return np.asarray(np.exp(q))


@dataclass(frozen=True)
class WelfareDecomposition:
    """Caliendo & Parro's (2015) welfare measure and its two parts, as fractions of baseline income.

    Attributes
    ----------
    terms_of_trade
        (N,) ``ToT_n = (1/I_n) Σ_j Σ_i [E_ni^j (ĉ_n^j − 1) − M_ni^j (ĉ_i^j − 1)]``.
    volume_of_trade
        (N,) ``VoT_n = (1/I_n) Σ_j Σ_i t_ni^j M_ni^j (M̂_ni^j − ĉ_i^j)``.
    total
        (N,) ``ToT + VoT``: the welfare change CP report (Table 2 and abstract: NAFTA's tariff cuts,
        Mexico +1.31 %, Canada −0.06 %, U.S. +0.08 %).
    real_wage
        (N,) ``ŵ_n / Π_j (P̂_n^j)^{α_n^j} − 1``.
    """

    terms_of_trade: FloatArray
    volume_of_trade: FloatArray
    total: FloatArray
    real_wage: FloatArray


def welfare_decomposition(base: CPBaseline, eq: CPEquilibrium) -> WelfareDecomposition:
    r"""CP's (2015, section 4.1, their equation for :math:`d\ln W_n`) welfare measure from a solve.

    CP decompose the welfare change of country ``n`` to first order as

    .. math::

        d\ln W_n = \frac{1}{I_n}\sum_j\sum_i \bigl(E_{ni}^j\,d\ln c_n^j - M_{ni}^j\,d\ln c_i^j\bigr)
            + \frac{1}{I_n}\sum_j\sum_i t_{ni}^j M_{ni}^j\bigl(d\ln M_{ni}^j - d\ln c_i^j\bigr)

    (terms of trade + volume of trade; ``E_ni`` exports of ``n`` to ``i``, ``M_ni`` imports of ``n`` from
    ``i``, both at pre-tariff prices, ``t`` the baseline tariff, ``I_n`` baseline income). The figures
    the paper reports for NAFTA are this sum evaluated with the solved changes — ``d ln c`` as
    ``ĉ − 1`` and ``d ln M − d ln c`` as ``M̂ − ĉ``, baseline levels as weights — which the R package
    ``cp2015`` (P. Felipe) reproduces: Mexico 1.31 %, Canada −0.06 %, U.S. +0.08 %. It differs from
    the exact real-income change :func:`welfare_hat` (second-order terms are large for Mexico, whose
    tariff revenue falls by most of its volume-of-trade gain).
    """
    c_hat = unit_cost_hat(base, eq)
    x0, x1 = base.trade, eq.trade_new
    inc = base.income
    tot = (
        (x0 * (c_hat[:, None, :] - 1.0)).sum(axis=(1, 2))  # Σ_i,j E_ni (ĉ_n − 1), E_ni = x0[n, i]
        - (x0 * (c_hat[:, None, :] - 1.0)).sum(axis=(0, 2))  # Σ_i,j M_ni (ĉ_i − 1), M_ni = x0[i, n]
    ) / inc
    m_hat = np.divide(x1, x0, out=np.zeros_like(x1), where=x0 > 0)
    vot = (base.tariff * x0 * (m_hat - c_hat[:, None, :])).sum(axis=(0, 2)) / inc
    p_index = np.exp((base.alpha * np.log(eq.p_hat)).sum(axis=1))
    return WelfareDecomposition(
        terms_of_trade=np.asarray(tot),
        volume_of_trade=np.asarray(vot),
        total=np.asarray(tot + vot),
        real_wage=np.asarray(eq.w_hat / p_index - 1.0),
    )


def market_residuals(base: CPBaseline, eq: CPEquilibrium) -> dict[str, float]:
    """Largest violations of the equilibrium conditions, relative to world value added.

    Keys: ``goods`` (absorption = intermediate + final demand), ``labour`` (value added = Σ γ Y),
    ``balance`` (exports − imports = NX'), ``shares`` (shares sum to one), ``numeraire``.
    """
    scale = float(base.wl.sum())
    wl_new = base.wl * eq.w_hat
    x = eq.trade_new
    y = x.sum(axis=1)
    absorb = ((1.0 + eq.tariff_new) * x).sum(axis=0)
    inc = income_new(base, eq)
    demand = np.einsum("njk,nk->nj", base.gin, y) + base.alpha * inc[:, None]
    goods = np.abs(absorb - demand).max() / scale
    labour = np.abs((base.va * y).sum(axis=1) - wl_new).max() / scale
    bal = np.abs(y.sum(axis=1) - x.sum(axis=(0, 2)) - eq.nx_new).max() / scale
    shares = np.abs(eq.pi_new.sum(axis=0) - 1.0).max()
    num = abs(wl_new.sum() / scale - 1.0)
    return {
        "goods": float(goods),
        "labour": float(labour),
        "balance": float(bal),
        "shares": float(shares),
        "numeraire": float(num),
    }


def calibrate_data(data: TradeData) -> CPBaseline:
    """:func:`calibrate` on a dataset with ``theta``, ``io_share``, ``va_share`` and ``final_share``.

    Raises
    ------
    DataError
        A required variable is missing.
    """
    return calibrate(
        data.trade,
        data.tariff,
        data.param("theta"),
        data.param("io_share"),
        data.param("va_share"),
        data.param("final_share"),
    )


__all__ = [
    "SHARE_ATOL",
    "CPBaseline",
    "CPEquilibrium",
    "WelfareDecomposition",
    "calibrate",
    "calibrate_data",
    "income_new",
    "market_residuals",
    "rebase",
    "unit_cost_hat",
    "welfare_decomposition",
    "welfare_hat",
]
