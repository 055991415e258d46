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
is the form CP iterate on. Welfare is real income ``Ŵ_n = Î_n / Π_j (P̂_n^j)^{α_n^j}`` (CP 2015, section 3).
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
excess-trade-balance step (outer loop), which needs hundreds of outer iterations. Here the N wage changes
and the N·J price changes are solved *jointly* by Newton's method with the analytic Jacobian, the
goods-market system (linear in absorption given prices) being solved exactly inside by an LU factorisation.
The Jacobian rows of the labour-market equations come from one adjoint solve with the same factorisation.
Convergence is quadratic: 4–6 iterations from ŵ = P̂ = 1 for tariff changes of the size of NAFTA.

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
from scipy import linalg

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


@dataclass
class _State:
    """Everything evaluated at one iterate (internal)."""

    pi: FloatArray  # (N, N, J) new shares
    lsum: FloatArray  # (N, J) log Σ_i a
    e: FloatArray  # (N, J) absorption
    y: FloatArray  # (N, J) output
    w: FloatArray  # (N, N, J) pre-tariff flows
    inv_kap: FloatArray  # (N, N, J) 1/κ'
    lu: tuple[FloatArray, npt.NDArray[np.int32]]
    g1: FloatArray  # (N, J)
    g2: FloatArray  # (N,) labour-market residual (all N)


def _evaluate(
    base: CPBaseline,
    u: FloatArray,
    p: FloatArray,
    lkh: FloatArray,
    inv_kap: FloatArray,
    nx_new: FloatArray,
    gin: FloatArray,
) -> _State:
    """Residuals at (ln ŵ, ln P̂): prices, shares, absorption (exact linear solve), labour market."""
    n, j = base.n, base.j
    th = base.theta
    q = base.va * u[:, None] + np.einsum("ikj,ik->ij", gin, p)  # ln ĉ
    a = base.pi * np.exp(-th * (lkh + q[:, None, :]))
    s = a.sum(axis=0)
    lsum = np.log(s)
    pi = a / s[None]
    g1 = p + lsum / th
    # goods markets: E = A E + b
    f = pi * inv_kap  # (i, n, j)
    rho = 1.0 - f.sum(axis=0)  # (n, j) tariff revenue per unit absorbed
    a_mat = np.einsum("njk,nmk->njmk", gin, f).reshape(n * j, n * j)
    blk = (base.alpha[:, :, None] * rho[:, None, :]).reshape(n, j * j)
    a_mat = a_mat.reshape(n, j, n, j)
    idx = np.arange(n)
    a_mat[idx, :, idx, :] += blk.reshape(n, j, j)
    m = np.eye(n * j) - a_mat.reshape(n * j, n * j)
    b = (base.alpha * (base.wl * np.exp(u) - nx_new)[:, None]).ravel()
    lu = linalg.lu_factor(m, check_finite=False)
    e = linalg.lu_solve(lu, b, check_finite=False).reshape(n, j)
    w = f * e[None]
    y = w.sum(axis=1)
    g2 = (base.va * y).sum(axis=1) / base.wl - np.exp(u)
    return _State(pi, lsum, e, y, w, inv_kap, lu, g1, g2)


def _jacobian(base: CPBaseline, st: _State, u: FloatArray, gin: FloatArray) -> FloatArray:
    """Analytic Jacobian of (G1, G2) with respect to (ln P̂, ln ŵ), shape (NJ + N, NJ + N).

    Rows: price equations (n, j) then labour markets c; columns: ln P̂ (i, k) then ln ŵ i.
    Uses dq = Qu du + Qp dp (q = ln ĉ), ∂π'_{in}^j/∂q_m^j = −θ^j π'_{in}^j (δ_im − π'_{mn}^j), and an
    adjoint solve of the goods-market system for the labour-market rows.
    """
    n, j = base.n, base.j
    th = base.theta
    pi, w, y, e = st.pi, st.w, st.y, st.e
    nj = n * j
    jac = np.zeros((nj + n, nj + n))
    # price rows: dG1[n,j] = dp[n,j] - Σ_i π'[i,n,j] dq[i,j]
    j1p = -np.einsum("inj,ikj->njik", pi, gin).reshape(nj, nj)
    j1p[np.diag_indices(nj)] += 1.0
    jac[:nj, :nj] = j1p
    jac[:nj, nj:] = -np.einsum("inj,ij->nji", pi, base.va).reshape(nj, n)
    # labour rows
    eye_n = np.eye(n)
    dy = -th * (eye_n[:, :, None] * y[:, None, :] - np.einsum("inj,mnj->imj", w, pi))  # (i, m, j)
    fsum = (pi * st.inv_kap).sum(axis=0)  # (n, k)
    drho = th * pi.transpose(1, 0, 2) * (st.inv_kap.transpose(1, 0, 2) - fsum[:, None, :])  # (n, m, k)
    # adjoint: M^T Λ_c = g_c, g_c[n, j] = va[c, j] π'[c, n, j] / κ'[c, n, j] / wl[c]
    g = (base.va[:, None, :] * pi * st.inv_kap / base.wl[:, None, None]).reshape(n, nj)
    lam = linalg.lu_solve(st.lu, g.T, trans=1, check_finite=False).T.reshape(n, n, j)  # (c, n, j)
    phi = np.einsum("cnj,njk->cnk", lam, gin)
    psi = np.einsum("cnj,nj->cn", lam, base.alpha)
    h = (
        (base.va / base.wl[:, None])[:, None, :] * dy
        + np.einsum("cnk,nmk->cmk", phi, dy)
        + np.einsum("cn,nk,nmk->cmk", psi, e, drho)
    )  # (c, m, k): dG2_c / dq[m, k]
    jac[nj:, :nj] = np.einsum("cij,ikj->cik", h, gin).reshape(n, nj)
    eu = np.exp(u)
    jac[nj:, nj:] = np.einsum("cnk,nk->cn", h, base.va) + psi * (base.wl * eu)[None, :] - np.diag(eu)
    return jac


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
        Tolerance (max-norm of all residuals: log-price equations and labour markets relative to value
        added), iteration limit, strict mode.
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
    kap_new = 1.0 + tn
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
    lkh = np.log(kap_hat)
    inv_kap = 1.0 / kap_new
    gin = base.gin
    if init is not None:
        u = np.log(np.asarray(init[0], dtype=float)).copy()
        p = np.log(np.asarray(init[1], dtype=float)).copy()
    else:
        u = np.zeros(n)
        p = np.zeros((n, j))
    wl_sh = base.wl / scale
    nj = n * j

    def resid(st: _State, uu: FloatArray) -> FloatArray:
        r2 = st.g2.copy()
        r2[-1] = np.log(wl_sh @ np.exp(uu))  # numeraire replaces the last labour market
        return np.concatenate([st.g1.ravel(), r2])

    def norm(st: _State, uu: FloatArray) -> float:
        return float(max(np.abs(resid(st, uu)).max(), np.abs(st.g2).max()))

    st = _evaluate(base, u, p, lkh, inv_kap, nxn, gin)
    res = norm(st, u)
    it = 0
    while res > options.tol and it < options.max_iter:
        it += 1
        jac = _jacobian(base, st, u, gin)
        jac[-1, :] = 0.0
        jac[-1, nj:] = wl_sh * np.exp(u) / (wl_sh @ np.exp(u))
        step = np.linalg.solve(jac, -resid(st, u))
        lam = 1.0
        for _ in range(30):  # backtracking on the max-norm
            u_try = u + lam * step[nj:]
            p_try = p + lam * step[:nj].reshape(n, j)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                st_try = _evaluate(base, u_try, p_try, lkh, inv_kap, nxn, gin)
                r_try = norm(st_try, u_try)
            if np.isfinite(r_try) and (r_try < res or lam < 1e-6):
                break
            lam *= 0.5
        u, p, st, res = u_try, p_try, st_try, r_try
    info = SolveInfo(
        converged=bool(res <= options.tol),
        iterations=it,
        residual=res,
        seconds=time.perf_counter() - t0,
        method="joint Newton (analytic Jacobian) on ln w, ln P",
    )
    finish(info, "Caliendo-Parro equilibrium", options)
    return CPEquilibrium(
        w_hat=np.exp(u),
        p_hat=np.exp(p),
        pi_new=st.pi,
        absorption_new=st.e,
        output_new=st.y,
        trade_new=st.w,
        tariff_new=tn,
        nx_new=nxn,
        info=info,
    )


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
    """Real-income change ``Ŵ_n = Î_n / Π_j (P̂_n^j)^{α_n^j}`` (CP 2015, section 3), (N,)."""
    i_hat = income_new(base, eq) / base.income
    return np.asarray(i_hat / np.exp((base.alpha * np.log(eq.p_hat)).sum(axis=1)))


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
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * (w - 1.0),
        wage_hat=eq.w_hat,
        price_index_hat=eq.p_hat,
        trade_base=base.trade,
        trade_new=eq.trade_new,
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new,
        income_base=base.income,
        income_new=income_new(base, eq),
        extra={
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
    "welfare_hat",
]
