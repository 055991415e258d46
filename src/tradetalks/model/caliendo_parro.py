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

References
----------
Caliendo, L. and F. Parro (2015). Estimates of the Trade and Welfare Effects of NAFTA. Review of Economic
Studies 82(1), 1–44.
Dekle, R., J. Eaton and S. Kortum (2008). Global Rebalancing with Gravity. IMF Staff Papers 55(3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import linalg as spla

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticityError, ModelError, ShapeError, ShareError
from tradetalks.model.common import SolveInfo, SolverOptions, check_closure, finish
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset

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
# equilibrium
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


@dataclass(frozen=True)
class _Ctx:
    """Constants of one counterfactual (internal). Levels are in units of world value added."""

    theta: FloatArray  # (J,)
    va: FloatArray  # (N, J)
    gin: FloatArray  # (N, J, J) [country, input k, sector j]
    alpha: FloatArray  # (N, J)
    pi0: FloatArray  # (N, N, J) baseline shares
    lkh: FloatArray  # (N, N, J) ln κ̂
    inv_kap: FloatArray  # (N, N, J) 1/κ'
    wl: FloatArray  # (N,) baseline value added / world value added
    nx: FloatArray  # (N,) imposed net exports / world value added
    wl_sh: FloatArray  # (N,) numeraire weights (= wl)


@dataclass
class _Point:
    """Everything evaluated at one iterate (internal)."""

    u: FloatArray  # (N,) ln ŵ
    p: FloatArray  # (N, J) ln P̂
    e: FloatArray  # (N, J) absorption / world value added
    pi: FloatArray  # (N, N, J) new shares
    f: FloatArray  # (N, N, J) π'/κ'
    y: FloatArray  # (N, J) output
    rho: FloatArray  # (N, J) tariff revenue per unit absorbed
    labour: FloatArray  # (N,) labour-market excess Σ_j γ Y − ŵ wL (all countries)
    r: FloatArray  # (N + 2NJ,) residual vector (numeraire in place of the last labour market)


def _point(cx: _Ctx, u: FloatArray, p: FloatArray, e: FloatArray) -> _Point:
    """Residuals of the explicit system in (ln ŵ, ln P̂, X') — no inner solve."""
    th = cx.theta
    q = cx.va * u[:, None] + np.einsum("ikj,ik->ij", cx.gin, p)  # ln ĉ
    a = cx.pi0 * np.exp(-th * (cx.lkh + q[:, None, :]))
    s = a.sum(axis=0)
    pi = a / s[None]
    r1 = p + np.log(s) / th
    f = pi * cx.inv_kap
    y = np.einsum("imk,mk->ik", f, e)
    rho = 1.0 - f.sum(axis=0)
    rev = (rho * e).sum(axis=1)
    eu = np.exp(u)
    inc = cx.wl * eu + rev - cx.nx
    r3 = e - np.einsum("njk,nk->nj", cx.gin, y) - cx.alpha * inc[:, None]
    labour = (cx.va * y).sum(axis=1) - cx.wl * eu
    r2 = labour.copy()
    r2[-1] = cx.wl_sh @ eu - 1.0
    return _Point(u, p, e, pi, f, y, rho, labour, np.concatenate([r2, r1.ravel(), r3.ravel()]))


def _jvp(cx: _Ctx, pt: _Point, v: FloatArray) -> FloatArray:
    """Jacobian of the residual times directions ``v`` (M, K) (analytic; M = N + 2NJ).

    With ``dq = γ du + Γ' dp``: ``dπ'_in = −θ π'_in (dq_i − Σ_m π'_mn dq_m)``, ``dr1 = dp − Σ_i π' dq``,
    ``dY = Σ_m (dπ'/κ' X' + π'/κ' dX')``, ``dρ = −Σ_i dπ'/κ'`` and the budgets and labour markets follow.
    """
    n, j = cx.va.shape
    k = v.shape[1]
    du = v[:n]
    dp = v[n : n + n * j].reshape(n, j, k)
    de = v[n + n * j :].reshape(n, j, k)
    dq = cx.va[:, :, None] * du[:, None, :] + np.einsum("ikj,ikz->ijz", cx.gin, dp)
    mean = np.einsum("inj,ijz->njz", pt.pi, dq)
    dr1 = dp - mean
    dpi = -cx.theta[None, None, :, None] * pt.pi[..., None] * (dq[:, None] - mean[None])
    df = dpi * cx.inv_kap[..., None]
    dy = np.einsum("imkz,mk->ikz", df, pt.e) + np.einsum("imk,mkz->ikz", pt.f, de)
    drho = -df.sum(axis=0)
    drev = (drho * pt.e[..., None] + pt.rho[..., None] * de).sum(axis=1)
    wl_eu = cx.wl * np.exp(pt.u)
    dinc = wl_eu[:, None] * du + drev
    dr3 = de - np.einsum("njk,nkz->njz", cx.gin, dy) - cx.alpha[..., None] * dinc[:, None, :]
    dr2 = np.einsum("nj,njz->nz", cx.va, dy) - wl_eu[:, None] * du
    dr2[-1] = (cx.wl_sh * np.exp(pt.u)) @ du
    return np.concatenate([dr2, dr1.reshape(n * j, k), dr3.reshape(n * j, k)])


def _block_preconditioner(cx: _Ctx, pt: _Point) -> FloatArray:
    """Inverses (N, 2J+1, 2J+1) of the Jacobian restricted to each country's own variables.

    Cross-country terms are dropped (``π'_in`` for ``i ≠ n`` held fixed except through ``π'_nn``), which
    keeps the dominant own-country input–output and budget links; GMRES corrects the rest.
    """
    n, j = cx.va.shape
    idx = np.arange(n)
    pnn = pt.pi[idx, idx]  # (N, J)
    ik = cx.inv_kap[idx, idx]
    g = cx.theta * pnn * (1.0 - pnn) * ik  # dρ = g dq ; dY_own = −g e dq + f_nn de
    fnn = pnn * ik
    qp = cx.gin.transpose(0, 2, 1)  # (N, J[sector j], J[input k]): dq_j / dp_k
    qu = cx.va  # dq / du
    eye = np.eye(j)
    dy_dq = -(g * pt.e)  # diagonal (N, J)
    wl_eu = cx.wl * np.exp(pt.u)
    m = 2 * j + 1
    blk = np.zeros((n, m, m))
    # rows/cols: 0 = u, 1..J = p, J+1..2J = e
    # dy = dy_dq*(qu du + qp dp) + fnn de
    dy_du = dy_dq * qu  # (N, J)
    dy_dp = dy_dq[:, :, None] * qp  # (N, J, J)
    # labour row
    blk[:, 0, 0] = (cx.va * dy_du).sum(axis=1) - wl_eu
    blk[:, 0, 1 : j + 1] = np.einsum("nj,njk->nk", cx.va, dy_dp)
    blk[:, 0, j + 1 :] = cx.va * fnn
    blk[-1, 0, :] = 0.0
    blk[-1, 0, 0] = cx.wl_sh[-1] * np.exp(pt.u[-1])
    # price rows: dr1 = dp − π_nn dq
    blk[:, 1 : j + 1, 0] = -pnn * qu
    blk[:, 1 : j + 1, 1 : j + 1] = eye - pnn[:, :, None] * qp
    # goods rows: dr3 = de − Γ dy − α (wl e^u du + drev), drev = Σ_k (g e dq + ρ de)_k
    gam = cx.gin  # [n, j, k]: demand for j per unit of output of k
    drev_du = (g * pt.e * qu).sum(axis=1)
    drev_dp = np.einsum("nk,nkl->nl", g * pt.e, qp)
    blk[:, j + 1 :, 0] = -np.einsum("njk,nk->nj", gam, dy_du) - cx.alpha * (wl_eu + drev_du)[:, None]
    blk[:, j + 1 :, 1 : j + 1] = (
        -np.einsum("njk,nkl->njl", gam, dy_dp) - cx.alpha[:, :, None] * drev_dp[:, None, :]
    )
    blk[:, j + 1 :, j + 1 :] = eye - gam * fnn[:, None, :] - cx.alpha[:, :, None] * pt.rho[:, None, :]
    return np.asarray(np.linalg.inv(blk))


def _apply_blocks(inv: FloatArray, x: FloatArray, n: int, j: int) -> FloatArray:
    """Apply the block preconditioner to a residual-ordered vector (or matrix of columns)."""
    one = x.ndim == 1
    xx = x[:, None] if one else x
    k = xx.shape[1]
    loc = np.concatenate(
        [xx[:n][:, None, :], xx[n : n + n * j].reshape(n, j, k), xx[n + n * j :].reshape(n, j, k)], axis=1
    )
    out = np.einsum("nab,nbz->naz", inv, loc)
    res = np.concatenate(
        [out[:, 0, :], out[:, 1 : j + 1, :].reshape(n * j, k), out[:, j + 1 :, :].reshape(n * j, k)]
    )
    return res[:, 0] if one else res


def _newton_step(cx: _Ctx, pt: _Point, eta: float, dense: bool) -> tuple[FloatArray, bool]:
    """Inexact Newton step: preconditioned GMRES (matrix-free) or, as a fallback, a dense solve."""
    n, j = cx.va.shape
    size = pt.r.size
    if dense:
        jac = _jvp(cx, pt, np.eye(size))
        return np.asarray(np.linalg.solve(jac, -pt.r)), True
    inv = _block_preconditioner(cx, pt)
    op = spla.LinearOperator((size, size), matvec=lambda v: _jvp(cx, pt, v[:, None])[:, 0], dtype=float)
    prec = spla.LinearOperator((size, size), matvec=lambda v: _apply_blocks(inv, v, n, j), dtype=float)
    step, flag = spla.gmres(op, -pt.r, rtol=eta, atol=0.0, restart=min(60, size), maxiter=20, M=prec)
    return np.asarray(step), flag == 0


def solve_equilibrium(
    base: CPBaseline,
    tariff_new: npt.ArrayLike,
    *,
    cost_hat: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    init: tuple[FloatArray, FloatArray] | None = None,
) -> CPEquilibrium:
    """Counterfactual equilibrium of new tariffs (and optional iceberg-cost changes and imbalances).

    Parameters
    ----------
    base
        Baseline (an equilibrium for exact results: see :func:`equilibrate`).
    tariff_new
        (N, N, J) new importer-imposed tariffs (fractions).
    cost_hat
        Optional (N, N, J) iceberg trade-cost changes ``d̂_in^j`` (κ̂ = d̂ (1 + t')/(1 + t)).
    nx_new
        (N,) net exports imposed, in the numeraire's units (world value added fixed); default the
        baseline's. Must sum to zero.
    options
        Tolerance on the max-norm of all residuals — log-price equations, and goods and labour markets
        in units of world value added —, Newton-iteration limit, strict mode.
    init
        Warm start ``(ŵ, P̂)``.

    Returns
    -------
    CPEquilibrium

    Raises
    ------
    ShapeError, ModelError
        Bad shapes, negative tariffs or costs, imbalances not summing to zero.
    ConvergenceError
        In strict mode, when Newton's method does not meet the tolerance.
    """
    t0 = time.perf_counter()
    n, j = base.n, base.j
    tn = np.asarray(tariff_new, dtype=float)
    if tn.shape != base.trade.shape:
        raise ShapeError("tariff_new", f"shape {base.trade.shape}", f"shape {tn.shape}")
    if np.any(~(tn >= 0)):
        raise ModelError("tariff_new: expected non-negative finite tariffs; found negative or NaN")
    kap_hat = (1.0 + tn) / (1.0 + base.tariff)
    if cost_hat is not None:
        d = np.asarray(cost_hat, dtype=float)
        if d.shape != base.trade.shape:
            raise ShapeError("cost_hat", f"shape {base.trade.shape}", f"shape {d.shape}")
        if np.any(~(d > 0)):
            raise ModelError("cost_hat: expected positive iceberg-cost changes; found values <= 0")
        kap_hat = kap_hat * d
    nxn = base.nx.copy() if nx_new is None else np.asarray(nx_new, dtype=float)
    if nxn.shape != (n,):
        raise ShapeError("nx_new", f"shape ({n},)", f"shape {nxn.shape}")
    scale = float(base.wl.sum())
    if abs(nxn.sum()) > 1e-8 * scale:
        raise ModelError(f"nx_new: expected net exports summing to zero; found sum {nxn.sum():.6g}")
    wl = base.wl / scale
    cx = _Ctx(
        theta=base.theta,
        va=base.va,
        gin=base.gin,
        alpha=base.alpha,
        pi0=base.pi,
        lkh=np.log(kap_hat),
        inv_kap=1.0 / (1.0 + tn),
        wl=wl,
        nx=nxn / scale,
        wl_sh=wl,
    )
    if init is not None:
        u = np.log(np.asarray(init[0], dtype=float)).copy()
        p = np.log(np.asarray(init[1], dtype=float)).copy()
    else:
        u = np.zeros(n)
        p = np.zeros((n, j))
    pt = _point(cx, u, p, base.absorption / scale)

    def norm(q: _Point) -> float:
        return float(max(np.abs(q.r).max(), np.abs(q.labour).max()))

    res = norm(pt)
    it = 0
    dense = False
    method = "Newton-GMRES (analytic Jacobian-vector products, country-block preconditioner)"
    polished = False
    while it < options.max_iter:
        if res <= options.tol:  # converged: one more (quadratic) step pushes aggregates well below tol
            if polished or res <= 1e-3 * options.tol:
                break
            polished = True
        it += 1
        r2 = float(np.linalg.norm(pt.r))
        step, ok = _newton_step(cx, pt, min(1e-3, max(r2, 1e-13)), dense)
        accepted = False
        if ok or dense:
            lam = 1.0
            while lam >= 1e-4:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    trial = _point(
                        cx,
                        pt.u + lam * step[:n],
                        pt.p + lam * step[n : n + n * j].reshape(n, j),
                        pt.e + lam * step[n + n * j :].reshape(n, j),
                    )
                    r_try = float(np.linalg.norm(trial.r))
                if np.isfinite(r_try) and r_try <= (1.0 - 1e-4 * lam) * r2:
                    accepted = True
                    break
                lam *= 0.5
        if not accepted:
            if res <= options.tol:  # the polishing step hit rounding: keep the converged point
                break
            if dense:  # no progress even with the exact dense Newton step: stop
                break
            dense = True  # fallback: exact Jacobian, dense solve
            method += "; dense Newton fallback"
            continue
        pt = trial
        res = norm(pt)
    info = SolveInfo(
        converged=bool(res <= options.tol),
        iterations=it,
        residual=res,
        seconds=time.perf_counter() - t0,
        method=method,
    )
    finish(info, "Caliendo-Parro equilibrium", options)
    return CPEquilibrium(
        w_hat=np.exp(pt.u),
        p_hat=np.exp(pt.p),
        pi_new=pt.pi,
        absorption_new=pt.e * scale,
        output_new=pt.y * scale,
        trade_new=pt.f * (pt.e * scale)[None],
        tariff_new=tn,
        nx_new=nxn,
        info=info,
    )


def solve_batch(
    base: CPBaseline,
    tariffs: npt.ArrayLike,
    *,
    options: SolverOptions = SolverOptions(),
) -> tuple[CPEquilibrium, ...]:
    """Solve many tariff scenarios given along a leading batch axis, (B, N, N, J).

    Unlike the Ossa and Armington solvers, which stack scenarios inside one vectorised Newton step, the
    Caliendo–Parro system (N + 2NJ unknowns, solved by Newton–GMRES) is solved scenario by scenario,
    each warm-started at the previous scenario's solution (neighbouring scenarios converge in few steps).

    Returns
    -------
    tuple of CPEquilibrium
        One per scenario, in order.
    """
    tb = np.asarray(tariffs, dtype=float)
    if tb.ndim != 4 or tb.shape[1:] != base.trade.shape:
        raise ShapeError(
            "tariffs", f"shape (B, {', '.join(map(str, base.trade.shape))})", f"shape {tb.shape}"
        )
    out: list[CPEquilibrium] = []
    init: tuple[FloatArray, FloatArray] | None = None
    for k in range(tb.shape[0]):
        eq = solve_equilibrium(base, tb[k], options=options, init=init)
        init = (eq.w_hat, eq.p_hat)
        out.append(eq)
    return tuple(out)


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


def equilibrate(
    base: CPBaseline, closure: str = "balanced", options: SolverOptions = SolverOptions()
) -> tuple[CPBaseline, SolveInfo]:
    """The model's equilibrium at the factual tariffs, used as the baseline of counterfactuals.

    ``"balanced"``: net exports purged to zero (CP's "no S" initial condition); ``"data"``: net exports
    held at their data values (returns the data when they are internally consistent).
    """
    c = check_closure(closure)
    nx = np.zeros(base.n) if c == "balanced" else base.nx
    eq = solve_equilibrium(base, base.tariff, nx_new=nx, options=options)
    return rebase(base, eq), eq.info


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


# --------------------------------------------------------------------------------------------
# TradeData-facing wrappers
# --------------------------------------------------------------------------------------------


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


def baseline_from_data(
    data: TradeData, closure: str = "balanced", options: SolverOptions = SolverOptions()
) -> CPBaseline:
    """The equilibrium baseline of a dataset under a closure (see :func:`equilibrate`)."""
    base, _ = equilibrate(calibrate_data(data), closure, options)
    return base


def result_from_equilibrium(
    data: TradeData,
    base: CPBaseline,
    eq: CPEquilibrium,
    closure: str,
    params: dict[str, Any] | None = None,
) -> CounterfactualResult:
    """Package a solved equilibrium as a :class:`CounterfactualResult` (model ``"caliendo_parro"``)."""
    w = welfare_hat(base, eq)
    dec = welfare_decomposition(base, eq)
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * dec.total,
        wage_hat=eq.w_hat,
        price_index_hat=eq.p_hat,
        trade_base=base.trade,
        trade_new=eq.trade_new,
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new,
        income_base=base.income,
        income_new=income_new(base, eq),
        extra={
            "welfare_exact_pct": (("country",), 100.0 * (w - 1.0)),
            "welfare_tot_pct": (("country",), 100.0 * dec.terms_of_trade),
            "welfare_vot_pct": (("country",), 100.0 * dec.volume_of_trade),
            "real_wage_pct": (("country",), 100.0 * dec.real_wage),
            "nx_base": (("country",), base.nx),
            "nx_new": (("country",), eq.nx_new),
            "value_added_base": (("country",), base.wl),
            "value_added_new": (("country",), base.wl * eq.w_hat),
            "absorption_base": (("country", "sector"), base.absorption),
            "absorption_new": (("country", "sector"), eq.absorption_new),
        },
    )
    p: dict[str, Any] = {
        "theta_source": str(data.attrs.get("theta_source", "")),
        "numeraire": "world value added fixed (sum_n w_n L_n w_hat_n = sum_n w_n L_n)",
        "welfare": "welfare_pct = CP (2015) terms-of-trade + volume-of-trade measure (the paper's "
        "figures); welfare_exact_pct = exact real-income change I'/I / prod_j P_hat^alpha",
        "baseline": "model equilibrium at factual tariffs, imbalances "
        + ("purged to zero" if closure == "balanced" else "as in the data"),
    }
    p.update(params or {})
    return CounterfactualResult("caliendo_parro", data.name, closure, ds, eq.info, p)


def solve_counterfactual(
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "data",
    cost_hat: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    baseline: CPBaseline | None = None,
) -> CounterfactualResult:
    """Caliendo–Parro counterfactual of new tariffs (and optional iceberg-cost changes) on a dataset.

    Parameters
    ----------
    data
        Dataset with ``theta``, ``io_share``, ``va_share``, ``final_share``.
    tariff_new
        (N, N, J) new importer-imposed tariffs (fractions).
    closure
        ``"data"`` (imbalances held at their data values) or ``"balanced"`` (purged to zero first, as
        CP do; changes are reported relative to the purged equilibrium).
    cost_hat
        Optional iceberg trade-cost changes (N, N, J).
    baseline
        A pre-computed :func:`baseline_from_data` for the same data and closure (saves one solve).

    Returns
    -------
    CounterfactualResult
        ``params['baseline_gap']``: the largest relative change of a flow between the data and the
        equilibrium baseline under the ``"data"`` closure (0 for consistent data); not computed when a
        baseline is passed.
    """
    c = check_closure(closure)
    extra: dict[str, Any] = {}
    if baseline is None:
        raw = calibrate_data(data)
        base, binfo = equilibrate(raw, c, options)
        extra["baseline_solve"] = binfo.as_dict()
        if c == "data":
            gap = np.abs(base.trade - raw.trade).max() / max(float(raw.trade.max()), 1e-300)
            extra["baseline_gap"] = float(gap)
    else:
        base = baseline
    eq = solve_equilibrium(base, tariff_new, cost_hat=cost_hat, options=options)
    return result_from_equilibrium(data, base, eq, c, extra)


__all__ = [
    "CPBaseline",
    "CPEquilibrium",
    "WelfareDecomposition",
    "baseline_from_data",
    "calibrate",
    "calibrate_data",
    "equilibrate",
    "income_new",
    "market_residuals",
    "rebase",
    "result_from_equilibrium",
    "solve_counterfactual",
    "solve_equilibrium",
    "unit_cost_hat",
    "welfare_decomposition",
    "welfare_hat",
]
