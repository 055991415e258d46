r"""Caliendo–Parro (2015): the explicit equilibrium system and its Newton–GMRES solver.

The model, its notation and the baseline are in :mod:`tradetalks.model.caliendo_parro`. Wages, prices
*and* absorption are unknowns of one explicit system of ``N + 2NJ`` equations — labour markets (the
numeraire ``Σ_n w_nL_n ŵ_n = Σ_n w_nL_n`` in place of the last), the price equations in logs and the goods
markets in units of world value added:

.. math::

    r^1_{nj} = \ln\hat P_n^j + \tfrac{1}{\theta^j}\ln\sum_i \pi_{in}^j(\hat\kappa_{in}^j\hat c_i^j)^{-\theta^j}

    r^2_n = \sum_j \gamma_n^j Y_n^{j\prime} - \hat w_n w_nL_n,\qquad
    r^3_{nj} = X_n^{j\prime} - \sum_k \gamma_n^{j,k} Y_n^{k\prime} - \alpha_n^j I_n'

so no equation needs an inner solve (:func:`_point`). Each inexact Newton step is solved by GMRES on
analytic Jacobian-vector products (:func:`_jvp`, no dense Jacobian), preconditioned by the exact inverse of
each country's own block (:func:`_block_preconditioner`: its ``2J + 1`` own variables, cross-country terms
dropped), with a backtracking line search on the residual norm; should a step fail, a dense Newton step
from the same products is the fallback (:func:`_newton_gmres`). :func:`equilibrate` solves the model at the
factual tariffs (the baseline of every counterfactual).

References
----------
Caliendo, L. and F. Parro (2015). Estimates of the Trade and Welfare Effects of NAFTA. Review of Economic
Studies 82(1), 1–44.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import linalg as spla

from tradetalks.errors import ModelError, ShapeError
from tradetalks.model.caliendo_parro import CPBaseline, CPEquilibrium, FloatArray, rebase
from tradetalks.model.common import SolveInfo, SolverOptions, check_closure, finish


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
    cx, tn, nxn = _context(base, tariff_new, cost_hat, nx_new)
    scale = float(base.wl.sum())
    if init is not None:
        u = np.log(np.asarray(init[0], dtype=float)).copy()
        p = np.log(np.asarray(init[1], dtype=float)).copy()
    else:
        u = np.zeros(n)
        p = np.zeros((n, j))
    pt, res, it, method = _newton_gmres(cx, _point(cx, u, p, base.absorption / scale), options)
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


def _context(
    base: CPBaseline,
    tariff_new: npt.ArrayLike,
    cost_hat: npt.ArrayLike | None,
    nx_new: npt.ArrayLike | None,
) -> tuple[_Ctx, FloatArray, FloatArray]:
    """Checked inputs as the constants of the system (levels in units of world value added), the new
    tariffs and the imposed net exports (data units)."""
    n = base.n
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
    return cx, tn, nxn


def _norm(q: _Point) -> float:
    """Max-norm of all residuals, every labour market included."""
    return float(max(np.abs(q.r).max(), np.abs(q.labour).max()))


def _line_search(cx: _Ctx, pt: _Point, step: FloatArray, r2: float) -> _Point | None:
    """Backtracking on the residual's 2-norm (sufficient decrease ``1 − 10⁻⁴ λ``, ``λ ≥ 10⁻⁴``); ``None``
    when no step length decreases it."""
    n, j = cx.va.shape
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
            return trial
        lam *= 0.5
    return None


def _newton_gmres(cx: _Ctx, pt: _Point, options: SolverOptions) -> tuple[_Point, float, int, str]:
    """Inexact Newton iterations from ``pt`` (GMRES steps, dense fallback, one polishing step after
    convergence); returns the last point, its residual norm, the iterations and the method used."""
    res = _norm(pt)
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
        trial = _line_search(cx, pt, step, r2) if (ok or dense) else None
        if trial is None:
            if res <= options.tol:  # the polishing step hit rounding: keep the converged point
                break
            if dense:  # no progress even with the exact dense Newton step: stop
                break
            dense = True  # fallback: exact Jacobian, dense solve
            method += "; dense Newton fallback"
            continue
        pt = trial
        res = _norm(pt)
    return pt, res, it, method


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


__all__ = ["equilibrate", "solve_batch", "solve_equilibrium"]
