r"""Ossa (2014) multi-sector Krugman model with profits, in exact hat algebra.

Model (Ossa 2014, "Trade Wars and Trade Talks with Data", AER 104(12); DESIGN.md §4). Indices: i exporter,
j importer, s sector; X pre-tariff values; τ = 1 + t; x̂ = x'/x. A fixed number of firms per country and
sector earns profits Π_is = R_is / σ_s on sales R_is = Σ_j X_ijs; one factor (labour) earns the rest.

.. math::

    \hat P_{js}^{1-\sigma_s} = \sum_i \gamma_{ijs} \hat b_{ijs} (\hat w_i \hat\tau_{ijs})^{1-\sigma_s},
    \qquad \gamma_{ijs} = \frac{\tau_{ijs} X_{ijs}}{\sum_k \tau_{kjs} X_{kjs}}

    \hat X_{ijs} = \hat b_{ijs}\,\hat w_i^{1-\sigma_s} \hat\tau_{ijs}^{-\sigma_s} \hat P_{js}^{\sigma_s-1} \hat E_j

    w_iL_i\,\hat w_i = \sum_s \tfrac{\sigma_s-1}{\sigma_s} \sum_j X_{ijs}\hat X_{ijs}       (labour market)

    E_j \hat E_j = w_jL_j\hat w_j + \sum_s \tfrac{1}{\sigma_s}\sum_i X_{jis}\hat X_{jis}
                 + \sum_{i,s} t'_{ijs} X_{ijs}\hat X_{ijs} - NX'_j                          (budget)

with :math:`\hat b` an optional preference (import-demand) shifter, Cobb–Douglas upper tier with fixed
tariff-inclusive expenditure shares μ_js, and the numeraire :math:`\sum_i w_iL_i \hat w_i = \sum_i w_iL_i`
(one labour-market equation is dropped by Walras' law). Labour income is the residual
:math:`w_jL_j = E_j + NX_j - T_j - \sum_s \Pi_{js}` (= Σ_s (σ_s−1)/σ_s R_js). Welfare is real income
:math:`\hat W_j = \hat E_j / \prod_s \hat P_{js}^{\mu_{js}}`; government welfare with political-economy
weights λ is

.. math::  G_j = \frac{\sum_s \lambda_{js} (R_{js} + \delta_{js} (T_j - NX_j))}{P_j},
           \qquad \delta_{js} = L_{js}/L_j,

which equals real income when λ ≡ 1.

Numerics: the equilibrium has 2N unknowns (ln ŵ, ln Ê) whatever the number of tariffs; it is solved by
Newton's method with the analytic Jacobian, batched along a leading axis. Gradients of government welfare
with respect to all tariffs come from the implicit-function theorem (one adjoint solve per objective with
the same small Jacobian). Optimal tariffs maximise Ĝ_j over j's import tariffs with L-BFGS-B on these exact
gradients, each tariff scaled by the square root of its flow, started from j's optimal uniform tariff.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
Dekle, Eaton and Kortum (2007) for exact hat algebra.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ConvergenceError, ModelError, ShapeError
from tradetalks.model.common import SolveInfo, SolverOptions, check_closure, finish
from tradetalks.model.solver import newton
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset

FloatArray = npt.NDArray[np.float64]

TARIFF_UPPER = 10.0
"""Upper bound of optimal tariffs (Ossa 2014: 0 ≤ t ≤ 10)."""

PG_TOL = 1e-6
"""A best response counts as converged when L-BFGS-B says so or when the projected gradient of ln Ĝ
per unit of tariff is below this (line searches can stop on the flat optimum)."""


# --------------------------------------------------------------------------------------------
# baseline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OssaBaseline:
    """Calibrated baseline arrays (pure data; build with :func:`calibrate`).

    Attributes
    ----------
    trade, tariff
        (N, N, S) pre-tariff flows and importer-imposed tariffs.
    sigma
        (S,) elasticities of substitution.
    nx
        (N,) net exports Σ_s R_js − Σ_{i,s} X_ijs.
    expenditure
        (N,) tariff-inclusive expenditure E_j.
    labour_income
        (N,) w_j L_j = Σ_s (σ_s − 1)/σ_s R_js.
    gamma
        (N, N, S) tariff-inclusive import shares γ_ijs.
    mu
        (N, S) tariff-inclusive expenditure shares μ_js.
    """

    trade: FloatArray
    tariff: FloatArray
    sigma: FloatArray
    nx: FloatArray
    expenditure: FloatArray
    labour_income: FloatArray
    gamma: FloatArray
    mu: FloatArray

    @property
    def n(self) -> int:
        return int(self.trade.shape[0])

    @property
    def s(self) -> int:
        return int(self.trade.shape[2])

    @property
    def sales(self) -> FloatArray:
        """R_is = Σ_j X_ijs, (N, S)."""
        return np.asarray(self.trade.sum(axis=1))

    @property
    def profits(self) -> FloatArray:
        """Π_is = R_is / σ_s, (N, S)."""
        return np.asarray(self.sales / self.sigma)

    @property
    def revenue(self) -> FloatArray:
        """T_j = Σ_{i,s} t_ijs X_ijs, (N,)."""
        return np.asarray((self.tariff * self.trade).sum(axis=(0, 2)))


def calibrate(trade: FloatArray, tariff: FloatArray, sigma: FloatArray) -> OssaBaseline:
    """Compute the baseline shares and incomes from flows, tariffs and elasticities.

    Parameters
    ----------
    trade, tariff
        (N, N, S) arrays in the orientation of DESIGN.md §3.
    sigma
        (S,) elasticities of substitution, each > 1.

    Raises
    ------
    ShapeError, ModelError
        Mismatched shapes; σ ≤ 1.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    sg = np.asarray(sigma, dtype=float)
    if x.ndim != 3 or x.shape[0] != x.shape[1] or t.shape != x.shape:
        raise ShapeError("trade/tariff", "two (N, N, S) arrays of one shape", f"{x.shape} and {t.shape}")
    if sg.shape != (x.shape[2],):
        raise ShapeError("sigma", f"shape ({x.shape[2]},)", f"shape {sg.shape}")
    if np.any(sg <= 1.0):
        raise ModelError(f"sigma: expected values > 1 in the Ossa model; found min {sg.min():.4g}")
    spend = (1.0 + t) * x
    e_js = spend.sum(axis=0)  # (N, S)
    gamma = np.divide(spend, e_js[None], out=np.zeros_like(spend), where=e_js[None] > 0)
    e = e_js.sum(axis=1)
    mu = e_js / e[:, None]
    sales = x.sum(axis=1)
    nx = sales.sum(axis=1) - x.sum(axis=(0, 2))
    wl = (sales * (sg - 1.0) / sg).sum(axis=1)
    return OssaBaseline(x, t, sg, nx, e, wl, gamma, mu)


# --------------------------------------------------------------------------------------------
# equilibrium
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """Solved counterfactual equilibrium (arrays carry a leading batch axis B).

    Attributes
    ----------
    w_hat, e_hat
        (B, N) wage and expenditure changes.
    trade_new
        (B, N, N, S) new pre-tariff flows X' = X X̂.
    share
        (B, N, N, S) new tariff-inclusive import shares.
    p_hat
        (B, N, S) sectoral price-index changes.
    tariff_new
        (B, N, N, S) the tariffs of the counterfactual.
    nx_new
        (B, N) net exports imposed.
    info
        Worst-case diagnostics over the batch; ``converged_each`` per scenario.
    """

    w_hat: FloatArray
    e_hat: FloatArray
    trade_new: FloatArray
    share: FloatArray
    p_hat: FloatArray
    tariff_new: FloatArray
    nx_new: FloatArray
    info: SolveInfo
    converged_each: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _flows(
    base: OssaBaseline, u: FloatArray, v: FloatArray, tau_hat: FloatArray, shift: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """New flows, shares and CES aggregators Q = P̂^{1−σ} for log wages u and log expenditures v."""
    one_m_sigma = 1.0 - base.sigma
    a = (np.exp(u)[:, :, None, None] * tau_hat) ** one_m_sigma
    if shift is not None:
        a = a * shift
    ga = base.gamma * a
    q = ga.sum(axis=1)  # (B, N_importer, S)
    q_safe = np.where(q > 0, q, 1.0)
    share = ga / q_safe[:, None]
    xn = base.trade * (a / tau_hat) * (np.exp(v)[:, None, :, None] / q_safe[:, None])
    return xn, share, q_safe


def _residual_jacobian(
    base: OssaBaseline,
    u: FloatArray,
    v: FloatArray,
    tau_hat: FloatArray,
    t_new: FloatArray,
    nx_new: FloatArray,
    shift: FloatArray | None,
    jac: bool = True,
) -> tuple[FloatArray, FloatArray | None]:
    """Scaled residuals (B, 2N) and their Jacobian (B, 2N, 2N) in (ln ŵ, ln Ê)."""
    sg = base.sigma
    kappa = (sg - 1.0) / sg
    wl = base.labour_income
    e0 = base.expenditure
    scale = 1.0 / e0.sum()
    xn, share, _ = _flows(base, u, v, tau_hat, shift)
    w = np.exp(u)
    ev = np.exp(v)
    sales = xn.sum(axis=2)  # (B, N, S)
    labour = (sales * kappa).sum(-1) - wl * w
    profit = (sales / sg).sum(-1)
    rev_x = t_new * xn
    rev = rev_x.sum(axis=(1, 3))
    budget = wl * w + profit + rev - nx_new - e0 * ev
    numeraire = (wl * w).sum(-1) - wl.sum()
    f = np.concatenate([labour[:, :-1], numeraire[:, None], budget], axis=1) * scale
    if not jac:
        return f, None
    b, n = u.shape
    eye = np.eye(n)
    om = 1.0 - sg
    # labour rows
    xk = xn * (om * kappa)  # (B, N, N, S) weights (1-σ)κ X'
    d_lab_u = eye * xk.sum(axis=(2, 3))[:, :, None] - np.einsum("bmjs,bkjs->bmk", xk, share)
    d_lab_u -= eye * (wl * w)[:, :, None]
    d_lab_v = np.einsum("bmks,s->bmk", xn, kappa)
    # budget rows: profits
    xp = xn * (om / sg)
    d_bud_u = eye * xp.sum(axis=(2, 3))[:, :, None] - np.einsum("bmjs,bkjs->bmk", xp, share)
    # revenue: Σ_s (1-σ_s)[t'_kms X'_kms − s'_kms Σ_i t'_ims X'_ims]
    rv_ms = rev_x.sum(axis=1)  # (B, N_importer m, S)
    d_bud_u += np.einsum("bkms,s->bmk", rev_x, om) - np.einsum("bkms,bms,s->bmk", share, rv_ms, om)
    d_bud_u += eye * (wl * w)[:, :, None]
    d_bud_v = np.einsum("bmks,s->bmk", xn, 1.0 / sg) + eye * (rev - e0 * ev)[:, :, None]
    d_num_u = (wl * w)[:, None, :]
    d_num_v = np.zeros((b, 1, n))
    top = np.concatenate([d_lab_u[:, :-1], d_num_u, d_bud_u], axis=1)
    bottom = np.concatenate([d_lab_v[:, :-1], d_num_v, d_bud_v], axis=1)
    j = np.concatenate([top, bottom], axis=2) * scale
    return f, j


def _batch(
    base: OssaBaseline, arr: npt.ArrayLike | None, default: FloatArray, name: str, shape: tuple[int, ...]
) -> FloatArray:
    a = default if arr is None else np.asarray(arr, dtype=float)
    if a.shape == shape:
        a = a[None]
    if a.shape[1:] != shape:
        raise ShapeError(name, f"shape {shape} or (B, *{shape})", f"shape {a.shape}")
    return a


def solve_equilibrium(
    base: OssaBaseline,
    tariff_new: npt.ArrayLike,
    *,
    demand_shift: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    x0: tuple[FloatArray, FloatArray] | None = None,
    options: SolverOptions = SolverOptions(),
) -> Equilibrium:
    """Solve the counterfactual equilibrium for new tariffs (one scenario or a batch).

    Parameters
    ----------
    base
        Calibrated baseline.
    tariff_new
        New tariffs, (N, N, S) or a batch (B, N, N, S).
    demand_shift
        Optional preference shifter b̂_ijs (same shapes), 1 = none.
    nx_new
        New net exports (N,) or (B, N) in data units; default: the baseline's (imbalances held fixed).
        Must sum to zero.
    x0
        Warm start (ln ŵ, ln Ê), each (B, N).
    options
        Tolerance on the max-norm of residuals scaled by world expenditure, iteration limit, strictness.

    Returns
    -------
    Equilibrium
    """
    start = time.perf_counter()
    n, s = base.n, base.s
    t_new = _batch(base, tariff_new, base.tariff, "tariff_new", (n, n, s))
    if np.any(t_new < 0) or np.any(t_new > TARIFF_UPPER) or not np.all(np.isfinite(t_new)):
        raise ModelError(
            f"tariff_new: expected finite fractions in [0, {TARIFF_UPPER}]; found min "
            f"{np.nanmin(t_new):.4g}, max {np.nanmax(t_new):.4g}"
        )
    bsz = t_new.shape[0]
    shift = None
    if demand_shift is not None:
        shift = _batch(base, demand_shift, np.ones((n, n, s)), "demand_shift", (n, n, s))
        if np.any(shift <= 0) or not np.all(np.isfinite(shift)):
            raise ModelError("demand_shift: expected positive finite multipliers")
        shift = np.broadcast_to(shift, (bsz, n, n, s))
    nx = _batch(base, nx_new, base.nx, "nx_new", (n,))
    nx = np.broadcast_to(nx, (bsz, n)).copy()
    if np.any(np.abs(nx.sum(axis=1)) > 1e-8 * base.expenditure.sum()):
        raise ModelError(f"nx_new: expected net exports summing to zero; found sums {nx.sum(axis=1)}")
    tau_hat = (1.0 + t_new) / (1.0 + base.tariff)
    if x0 is None:
        z0 = np.zeros((bsz, 2 * n))
    else:
        z0 = np.concatenate(
            [
                np.broadcast_to(np.asarray(x0[0], dtype=float), (bsz, n)),
                np.broadcast_to(np.asarray(x0[1], dtype=float), (bsz, n)),
            ],
            axis=1,
        )

    def fun(z: FloatArray, idx: npt.NDArray[np.intp], want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        sub = None if shift is None else shift[idx]
        return _residual_jacobian(base, z[:, :n], z[:, n:], tau_hat[idx], t_new[idx], nx[idx], sub, want_jac)

    res = newton(fun, z0, options)
    u, v = res.x[:, :n], res.x[:, n:]
    xn, share, q = _flows(base, u, v, tau_hat, shift)
    p_hat = q ** (1.0 / (1.0 - base.sigma))
    conv = res.converged
    info = SolveInfo(
        converged=bool(conv.all()),
        iterations=res.iterations,
        residual=float(res.residual.max()),
        seconds=time.perf_counter() - start,
        method="newton (analytic Jacobian)",
    )
    finish(info, "Ossa equilibrium", options)
    return Equilibrium(np.exp(u), np.exp(v), xn, share, p_hat, t_new, nx, info, conv)


def solve_warm(
    base: OssaBaseline,
    tariff_new: npt.ArrayLike,
    x0: tuple[FloatArray, FloatArray] | None,
    *,
    demand_shift: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
) -> Equilibrium:
    """:func:`solve_equilibrium` warm-started at ``x0`` (e.g. the previous point of an optimiser or a
    root-finder), falling back to a cold start if the warm start does not converge."""
    if x0 is not None:
        try:
            return solve_equilibrium(
                base,
                tariff_new,
                demand_shift=demand_shift,
                nx_new=nx_new,
                x0=x0,
                options=replace(options, strict=True),
            )
        except ConvergenceError:
            pass
    return solve_equilibrium(base, tariff_new, demand_shift=demand_shift, nx_new=nx_new, options=options)


def purge_deficits(base: OssaBaseline, options: SolverOptions = SolverOptions()) -> OssaBaseline:
    """Ossa's zero-imbalance baseline: factual tariffs, NX' = 0, then recalibrate on the new flows.

    Returns
    -------
    OssaBaseline
        Calibrated on X⁰ = X X̂ solved with NX' = 0 and the factual tariffs.
    """
    eq = solve_equilibrium(base, base.tariff, nx_new=np.zeros(base.n), options=options)
    return calibrate(eq.trade_new[0], base.tariff, base.sigma)


# --------------------------------------------------------------------------------------------
# welfare, government welfare and their gradients
# --------------------------------------------------------------------------------------------


def welfare_hat(base: OssaBaseline, eq: Equilibrium) -> FloatArray:
    """Real-income change Ŵ_j = Ê_j / Π_s P̂_js^{μ_js}, (B, N)."""
    return np.asarray(eq.e_hat / np.exp((base.mu * np.log(eq.p_hat)).sum(-1)))


def _lam(base: OssaBaseline, lam: npt.ArrayLike | None) -> FloatArray:
    if lam is None:
        return np.ones((base.n, base.s))
    a = np.asarray(lam, dtype=float)
    if a.shape != (base.n, base.s):
        raise ShapeError("political_weights", f"shape ({base.n}, {base.s})", f"shape {a.shape}")
    return a


def _gov_level(
    base: OssaBaseline, x: FloatArray, t: FloatArray, nx: FloatArray, lam: FloatArray
) -> FloatArray:
    """Numerator of G: Σ_s λ_js (R_js + δ_js (T_j − NX_j)), for flows x (..., N, N, S)."""
    kappa = (base.sigma - 1.0) / base.sigma
    sales = x.sum(axis=-2)  # (..., N, S)
    rev = (t * x).sum(axis=(-3, -1))
    lab = sales * kappa
    delta = lab / lab.sum(-1, keepdims=True)
    return np.asarray((lam * (sales + delta * (rev - nx)[..., None])).sum(-1))


def gov_welfare_hat(
    base: OssaBaseline, eq: Equilibrium, political_weights: npt.ArrayLike | None = None
) -> FloatArray:
    """Government-welfare change Ĝ_j (B, N); equals Ŵ_j when λ ≡ 1."""
    lam = _lam(base, political_weights)
    g0 = _gov_level(base, base.trade, base.tariff, base.nx, lam)
    g1 = _gov_level(base, eq.trade_new, eq.tariff_new, eq.nx_new, lam)
    log_p = (base.mu * np.log(eq.p_hat)).sum(-1)
    return np.asarray(g1 / g0 / np.exp(log_p))


def _functional_grads(
    c: FloatArray, xn: FloatArray, share: FloatArray, sigma: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of linear functionals F_r = Σ c_r,ijs X'_ijs at a solved point (no batch axis).

    Returns derivatives with respect to ln ŵ (R, N), ln Ê (R, N) and ln τ̂ (R, N, N, S):

    ∂F/∂ln ŵ_k = Σ_{j,s} (1−σ_s)[V_kjs − s'_kjs Σ_i V_ijs],  ∂F/∂ln Ê_k = Σ_{i,s} V_iks,
    ∂F/∂ln τ̂_ijs = −σ_s V_ijs − (1−σ_s) s'_ijs Σ_i' V_i'js,  with V = c X'.
    """
    om = 1.0 - sigma
    vv = c * xn
    col = vv.sum(axis=1)  # (R, N_j, S)
    du = np.einsum("rkjs,s->rk", vv, om) - np.einsum("kjs,rjs,s->rk", share, col, om)
    dv = vv.sum(axis=(1, 3))
    dlt = -sigma * vv - om * share[None] * col[:, None]
    return du, dv, dlt


def implicit_tariff_gradient(
    base: OssaBaseline,
    eq: Equilibrium,
    d_u: FloatArray,
    d_v: FloatArray,
    d_lt: FloatArray,
    d_t: FloatArray | None = None,
) -> FloatArray:
    """Total derivatives of R objectives with respect to every tariff t'_ijs at a solved equilibrium.

    Implicit-function theorem (DESIGN.md §4): with H(z, t) = 0 the equilibrium residuals and
    z = (ln ŵ, ln Ê),

    .. math:: \\frac{dF}{dt'} = \\frac{\\partial F}{\\partial t'} - a^\\top \\frac{\\partial H}{\\partial t'},
              \\qquad J^\\top a = \\frac{\\partial F}{\\partial z},

    one factorisation of the 2N × 2N Jacobian for all R objectives (one adjoint solve each).

    Parameters
    ----------
    d_u, d_v
        (R, N) partial derivatives of the objectives with respect to ln ŵ and ln Ê.
    d_lt
        (R, N, N, S) partial derivatives with respect to ln τ̂_ijs (through flows and prices).
    d_t
        Optional (R, N, N, S) direct partial derivatives with respect to t'_ijs (e.g. revenue terms).

    Returns
    -------
    ndarray
        (R, N, N, S). Only for a single (B = 1) equilibrium without demand shifts.
    """
    if eq.w_hat.shape[0] != 1:
        raise ModelError("implicit_tariff_gradient: expected a single equilibrium (batch size 1)")
    n = base.n
    sg = base.sigma
    kappa = (sg - 1.0) / sg
    u, v = np.log(eq.w_hat), np.log(eq.e_hat)
    t_new = eq.tariff_new
    tau_hat = (1.0 + t_new) / (1.0 + base.tariff)
    _, jm = _residual_jacobian(base, u, v, tau_hat, t_new, eq.nx_new, None)
    assert jm is not None
    xn, share, tn = eq.trade_new[0], eq.share[0], t_new[0]
    r = d_u.shape[0]
    adj = np.linalg.solve(jm[0].T, np.concatenate([d_u, d_v], axis=1).T).T  # (R, 2N)
    # aᵀ ∂H/∂τ: H rows are (labour 0..N-2, numeraire, budget 0..N-1), scaled by 1/ΣE
    scale = 1.0 / base.expenditure.sum()
    lab_w = np.zeros((r, n))
    lab_w[:, : n - 1] = adj[:, : n - 1]
    bud_w = adj[:, n:]
    cf = (
        lab_w[:, :, None, None] * kappa + bud_w[:, :, None, None] / sg + bud_w[:, None, :, None] * tn[None]
    ) * scale
    _, _, dlt_h = _functional_grads(cf, xn, share, sg)
    dh_direct = bud_w[:, None, :, None] * xn[None] * scale  # ∂ budget_j / ∂ t'_ijs (revenue), direct
    grad = (d_lt - dlt_h) / (1.0 + tn)[None] - dh_direct
    if d_t is not None:
        grad = grad + d_t
    return np.asarray(grad)


def functional_gradient(
    base: OssaBaseline, eq: Equilibrium, c: FloatArray, direct: FloatArray | None = None
) -> FloatArray:
    """Total derivative of linear functionals F_r = Σ c_r,ijs X'_ijs of the new flows with respect to
    every tariff (weights ``c`` (R, N, N, S) held constant; ``direct`` optional ∂F/∂t'), via
    :func:`implicit_tariff_gradient`."""
    du, dv, dlt = _functional_grads(c, eq.trade_new[0], eq.share[0], base.sigma)
    return implicit_tariff_gradient(base, eq, du, dv, dlt, direct)


def gov_welfare_gradient(
    base: OssaBaseline,
    eq: Equilibrium,
    countries: Sequence[int],
    political_weights: npt.ArrayLike | None = None,
) -> FloatArray:
    """Exact gradient of ln Ĝ_m for each m in ``countries`` with respect to every tariff t'_ijs.

    ln Ĝ_m = ln N_m − ln P̂_m with N_m = Σ_s λ_ms (R'_ms + δ'_ms (T'_m − NX'_m)); the partial derivatives
    of N_m (a ratio of linear functionals of the new flows) and of the price index are combined by
    :func:`implicit_tariff_gradient` (one factorisation serves every government).

    Returns
    -------
    ndarray
        (len(countries), N, N, S).
    """
    if eq.w_hat.shape[0] != 1:
        raise ModelError("gov_welfare_gradient: expected a single equilibrium (batch size 1)")
    lam = _lam(base, political_weights)
    n, s = base.n, base.s
    sg = base.sigma
    kappa = (sg - 1.0) / sg
    xn, share, tn = eq.trade_new[0], eq.share[0], eq.tariff_new[0]
    nx = eq.nx_new[0]
    ms = list(countries)
    r = len(ms)
    # pieces of N_m = A + D B / C
    sales = xn.sum(axis=1)
    a_ = (lam * sales).sum(-1)
    b_ = (lam * kappa * sales).sum(-1)
    c_ = (kappa * sales).sum(-1)
    d_ = (tn * xn).sum(axis=(0, 2)) - nx
    cw = np.zeros((r, n, n, s))
    for k, m in enumerate(ms):
        cw[k, m] += (lam[m] + (d_[m] / c_[m]) * lam[m] * kappa - (d_[m] * b_[m] / c_[m] ** 2) * kappa)[None]
        cw[k, :, m, :] += (b_[m] / c_[m]) * tn[:, m, :]
    num = a_ + d_ * b_ / c_
    du_n, dv_n, dlt_n = _functional_grads(cw, xn, share, sg)
    # ∂ln P̂_m/∂ln ŵ_k = Σ_s μ_ms s'_kms ; ∂ln P̂_m/∂ln τ̂_kms = μ_ms s'_kms
    d_u = np.zeros((r, n))
    d_v = np.zeros((r, n))
    d_lt = np.zeros((r, n, n, s))
    d_t = np.zeros((r, n, n, s))
    for k, m in enumerate(ms):
        d_u[k] = du_n[k] / num[m] - share[:, m, :] @ base.mu[m]
        d_v[k] = dv_n[k] / num[m]
        d_lt[k] = dlt_n[k] / num[m]
        d_lt[k, :, m, :] -= base.mu[m] * share[:, m, :]
        d_t[k, :, m, :] = (b_[m] / c_[m]) * xn[:, m, :] / num[m]
    return implicit_tariff_gradient(base, eq, d_u, d_v, d_lt, d_t)


# --------------------------------------------------------------------------------------------
# optimal tariffs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OptimalTariffResult:
    """Best-response tariffs of one country.

    Attributes
    ----------
    country
        Index of the optimising country.
    tariff
        (N, N, S) full tariff array at the optimum (others' tariffs unchanged).
    own
        Its import tariffs t'_{i,country,s}, (N, S) (zero on the diagonal).
    gov_welfare_hat, welfare_hat
        (N,) changes relative to the baseline.
    equilibrium
        The equilibrium at the optimum.
    converged, iterations, seconds
        Optimiser diagnostics (``converged``: the optimiser's own test and the equilibrium's).
    projected_gradient
        Max-norm of the projected gradient at the optimum (first-order optimality residual).
    starts
        Objective values reached from each starting point.
    spread
        Range (max − min) of Ĝ over the starting points (0: every start found the same optimum).
    partners
        Exporters whose tariffs moved.
    """

    country: int
    tariff: FloatArray
    own: FloatArray
    gov_welfare_hat: FloatArray
    welfare_hat: FloatArray
    equilibrium: Equilibrium
    converged: bool
    iterations: int
    seconds: float
    projected_gradient: float
    mfn: bool
    starts: tuple[tuple[str, float], ...] = ()
    message: str = ""
    spread: float = 0.0
    partners: tuple[int, ...] = ()

    def median_tariff(self) -> float:
        """Median of the country's bilateral import tariffs pooled over partners and sectors (Ossa's
        Table 3 convention), as a fraction."""
        n = self.own.shape[0]
        mask = np.arange(n) != self.country
        return float(np.median(self.own[mask]))


def _embed(base_tariff: FloatArray, j: int, own: FloatArray) -> FloatArray:
    t = base_tariff.copy()
    t[:, j, :] = own
    t[j, j, :] = 0.0
    return t


DEFAULT_STARTS: tuple[str, ...] = ("uniform", "zero", "current", "random", "random", "random")
"""Starting points of a best response by default: the optimal uniform tariff (Ossa's choice), zero, the
current tariffs and three random points (tariffs uniform on [0, 1], fixed seed); the best optimum is kept."""

START_NAMES: tuple[str, ...] = ("uniform", "zero", "current", "random")


def parse_starts(spec: str | int | Sequence[str] | None) -> tuple[str, ...]:
    """Starting points from a user option: ``None`` → :data:`DEFAULT_STARTS`; an integer k → the
    first k defaults followed by further random points (k ≥ 1); or names (``"uniform,zero,random"``).

    Raises
    ------
    ModelError
        Unknown names or a count below 1.
    """
    if spec is None:
        return DEFAULT_STARTS
    if isinstance(spec, str):
        spec = spec.strip()
        if spec.isdigit():
            spec = int(spec)
        else:
            spec = [p.strip() for p in spec.split(",") if p.strip()]
    if isinstance(spec, int):
        if spec < 1:
            raise ModelError(f"starts: expected at least 1 starting point; found {spec}")
        return DEFAULT_STARTS[:spec] + ("random",) * max(0, spec - len(DEFAULT_STARTS))
    names = tuple(str(p) for p in spec)
    bad = [p for p in names if p not in START_NAMES]
    if not names or bad:
        raise ModelError(f"starts: expected names among {START_NAMES} or a count; found {list(names)}")
    return names


def optimal_tariff(
    base: OssaBaseline,
    country: int,
    *,
    tariff: npt.ArrayLike | None = None,
    mfn: bool = False,
    political_weights: npt.ArrayLike | None = None,
    starts: Sequence[str] = DEFAULT_STARTS,
    partners: Sequence[int] | None = None,
    seed: int = 0,
    gtol: float = 1e-9,
    max_iter: int = 500,
    options: SolverOptions = SolverOptions(tol=1e-11),
) -> OptimalTariffResult:
    r"""Best response of ``country``: maximise Ĝ over its import tariffs, others' tariffs fixed.

    .. math:: \max_{0 \le t_{i,j,s} \le 10,\; i \in \text{partners}} \ln \hat G_j(t)

    solved by L-BFGS-B on the implicit-function gradient, tariffs scaled by √(flow / max flow), from each
    of several starting points; the best optimum is kept and every start's value is reported.

    Parameters
    ----------
    base
        Calibrated baseline (changes are reported relative to it).
    country
        Index of the optimising importer.
    tariff
        Tariffs of everyone before the best response (default: the baseline's).
    mfn
        One tariff per sector for all moving partners (MFN) instead of bilateral tariffs by sector.
    political_weights
        λ (N, S); default 1 (ordinary welfare).
    starts
        Starting points: ``"uniform"`` (the country's optimal uniform tariff — Ossa's choice),
        ``"zero"``, ``"current"``, ``"random"`` (tariffs uniform on [0, 1], from ``seed``); default
        :data:`DEFAULT_STARTS`. Welfare is not concave in tariffs, so one start can stop at a worse local
        optimum (e.g. Japan with political weights on ``ossa2014``).
    partners
        Exporters whose goods the tariffs apply to (default: every other country); tariffs on the others
        stay at ``tariff`` (a bilateral best response: ``partners=[other]``).
    seed
        Seed of the random starting points.
    gtol, max_iter
        L-BFGS-B projected-gradient tolerance and iteration limit.

    Returns
    -------
    OptimalTariffResult
        ``converged`` holds only when the kept run was not stopped by the iteration limit and either the
        optimiser's own stopping test held (L-BFGS-B: projected gradient below ``gtol`` or no relative
        reduction of the objective beyond machine precision) or the first-order residual is below
        ``PG_TOL`` (a line search that cannot improve at an optimum), and its equilibrium converged; the
        residual is reported as ``projected_gradient``; ``spread`` is the range of Ĝ reached from the starts.
    """
    start_time = time.perf_counter()
    n, s = base.n, base.s
    if not 0 <= country < n:
        raise ModelError(f"country: expected an index in [0, {n}); found {country}")
    starts = parse_starts(list(starts))
    t0 = base.tariff if tariff is None else np.asarray(tariff, dtype=float)
    lam = _lam(base, political_weights)
    if partners is None:
        movers = np.array([i for i in range(n) if i != country])
    else:
        movers = np.array(sorted({int(i) for i in partners}))
        if movers.size == 0 or any(not 0 <= i < n or i == country for i in movers):
            raise ModelError(
                f"partners: expected distinct indices in [0, {n}) other than {country}; found {list(partners)}"
            )
    flows = base.trade[movers, country, :]  # (M, S)
    if mfn:
        wts = flows.sum(axis=0)
        scale = np.sqrt(np.maximum(wts, 1e-12) / max(wts.max(), 1e-300))
    else:
        scale = np.sqrt(np.maximum(flows, 1e-12) / max(flows.max(), 1e-300)).ravel()
    scale = np.maximum(scale, 1e-4)
    own0 = np.array(t0[:, country, :], dtype=float)
    own0[country] = 0.0
    warm: dict[str, tuple[FloatArray, FloatArray]] = {}
    rng = np.random.default_rng(seed)

    def own_from(y: FloatArray) -> FloatArray:
        tt = np.clip(y / scale, 0.0, TARIFF_UPPER)
        own = own0.copy()
        own[movers] = tt[None, :] if mfn else tt.reshape(len(movers), s)
        return own

    def solve(own: FloatArray) -> Equilibrium:
        eq = solve_warm(base, _embed(t0, country, own), warm.get("x"), options=options)
        warm["x"] = (np.log(eq.w_hat), np.log(eq.e_hat))
        return eq

    def grad_y(eq: Equilibrium) -> FloatArray:
        gi = gov_welfare_gradient(base, eq, [country], lam)[0][movers, country, :]
        return np.asarray(gi.sum(axis=0) / scale if mfn else gi.ravel() / scale)

    def fg(y: FloatArray) -> tuple[float, FloatArray]:
        eq = solve(own_from(y))
        return -float(np.log(gov_welfare_hat(base, eq, lam)[0, country])), -grad_y(eq)

    def uniform_start() -> FloatArray:
        def obj(tu: float) -> float:
            return fg(np.full(scale.shape, tu) * scale)[0]

        res = optimize.minimize_scalar(obj, bounds=(0.0, 3.0), method="bounded", options={"xatol": 1e-6})
        return np.asarray(np.full(scale.shape, float(res.x)) * scale)

    def start_point(name: str) -> FloatArray:
        if name == "uniform":
            return uniform_start()
        if name == "zero":
            return np.zeros(scale.shape)
        if name == "random":
            return np.asarray(rng.uniform(0.0, 1.0, scale.shape) * scale)
        cur = t0[movers, country, :]
        return np.asarray((cur.mean(axis=0) if mfn else cur.ravel()) * scale)

    best: Any = None
    reached: list[tuple[str, float]] = []
    total_it = 0
    for name in starts:
        y0 = start_point(name)
        warm.pop("x", None)
        res = optimize.minimize(
            fg,
            y0,
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(np.zeros_like(scale), TARIFF_UPPER * scale, strict=True)),
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": gtol, "maxcor": 30},
        )
        total_it += int(res.nit)
        reached.append((name, float(np.exp(-res.fun))))
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    own = own_from(best.x)
    eq = solve(own)
    ghat = gov_welfare_hat(base, eq, lam)[0]
    # projected gradient (in tariff units)
    gvec = grad_y(eq) * scale
    tvec = np.clip(best.x / scale, 0.0, TARIFF_UPPER)
    pg = np.where((tvec <= 1e-10) & (gvec < 0), 0.0, gvec)
    pg = np.where((tvec >= TARIFF_UPPER - 1e-10) & (pg > 0), 0.0, pg)
    values = [v for _, v in reached]
    return OptimalTariffResult(
        country=country,
        tariff=_embed(t0, country, own),
        own=own,
        gov_welfare_hat=ghat,
        welfare_hat=welfare_hat(base, eq)[0],
        equilibrium=eq,
        converged=int(best.status) != 1  # not stopped by the iteration limit
        and (bool(best.success) or float(np.abs(pg).max()) < PG_TOL)
        and bool(eq.info.converged),
        iterations=total_it,
        seconds=time.perf_counter() - start_time,
        projected_gradient=float(np.abs(pg).max()),
        mfn=mfn,
        starts=tuple(reached),
        message=str(best.message),
        spread=float(max(values) - min(values)),
        partners=tuple(int(i) for i in movers),
    )


# --------------------------------------------------------------------------------------------
# TradeData-facing wrappers
# --------------------------------------------------------------------------------------------


def baseline_from_data(
    data: TradeData, closure: str = "balanced", options: SolverOptions = SolverOptions()
) -> OssaBaseline:
    """Calibrate the Ossa baseline of a dataset under a closure.

    ``"balanced"`` purges imbalances first (Ossa's procedure); ``"data"`` keeps them.

    Raises
    ------
    DataError
        The dataset has neither ``sigma`` nor ``theta`` (σ = θ + 1 when only θ is given).
    OptionError
        Unknown closure.
    """
    check_closure(closure)
    # Krugman/CES: the trade elasticity is σ − 1, so a dataset with only θ gives σ = θ + 1
    sigma = data.param("sigma") if data.has("sigma") or not data.has("theta") else data.param("theta") + 1.0
    base = calibrate(data.trade, data.tariff, sigma)
    return purge_deficits(base, options) if closure == "balanced" else base


def result_from_equilibrium(
    data: TradeData,
    base: OssaBaseline,
    eq: Equilibrium,
    closure: str,
    political_weights: npt.ArrayLike | None = None,
    k: int = 0,
    params: dict[str, Any] | None = None,
) -> CounterfactualResult:
    """Package scenario ``k`` of a solved equilibrium as a :class:`CounterfactualResult`."""
    sg = base.sigma
    w = welfare_hat(base, eq)[k]
    g = gov_welfare_hat(base, eq, political_weights)[k]
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * (w - 1.0),
        gov_welfare_pct=100.0 * (g - 1.0),
        wage_hat=eq.w_hat[k],
        price_index_hat=eq.p_hat[k],
        trade_base=base.trade,
        trade_new=eq.trade_new[k],
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new[k],
        income_base=base.expenditure,
        income_new=base.expenditure * eq.e_hat[k],
        profits_base=(base.trade.sum(axis=1) / sg).sum(-1),
        profits_new=(eq.trade_new[k].sum(axis=1) / sg).sum(-1),
        extra={
            "nx_base": (("country",), base.nx),
            "nx_new": (("country",), eq.nx_new[k]),
        },
    )
    info = SolveInfo(
        bool(eq.converged_each[k]) if eq.converged_each.size else eq.info.converged,
        eq.info.iterations,
        eq.info.residual,
        eq.info.seconds,
        eq.info.method,
    )
    p: dict[str, Any] = {
        "sigma_source": str(data.attrs.get("sigma_source", "")),
        "political_weights": "none (lambda = 1)" if political_weights is None else "given",
        "numeraire": "labour-income-weighted mean wage change = 1",
    }
    p.update(params or {})
    return CounterfactualResult("ossa", data.name, closure, ds, info, p)


def solve_counterfactual(
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "data",
    demand_shift: npt.ArrayLike | None = None,
    nx_change: npt.ArrayLike | None = None,
    political_weights: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    baseline: OssaBaseline | None = None,
) -> CounterfactualResult:
    """Ossa counterfactual of new tariffs (and optional demand shifts / imbalance changes) on a dataset.

    Parameters
    ----------
    data
        Baseline dataset with ``sigma``.
    tariff_new
        (N, N, S) new importer-imposed tariffs (fractions).
    closure
        ``"data"`` (imbalances held at their data values) or ``"balanced"`` (purged to zero first;
        changes reported relative to the purged equilibrium).
    demand_shift
        Optional multiplicative preference shifter b̂_ijs on importer j's demand for i's goods in s.
    nx_change
        Optional change of net exports by country (data units, sums to zero), e.g. transfers.
    political_weights
        λ (N, S) for government welfare; default 1.
    baseline
        A pre-computed :func:`baseline_from_data` for the same data and closure (saves the purge).

    Returns
    -------
    CounterfactualResult
    """
    base = baseline if baseline is not None else baseline_from_data(data, closure, options)
    nx_new = None
    if nx_change is not None:
        d = np.asarray(nx_change, dtype=float)
        if d.shape != (base.n,):
            raise ShapeError("nx_change", f"shape ({base.n},)", f"shape {d.shape}")
        nx_new = base.nx + d
    eq = solve_equilibrium(base, tariff_new, demand_shift=demand_shift, nx_new=nx_new, options=options)
    return result_from_equilibrium(data, base, eq, closure, political_weights)


# --------------------------------------------------------------------------------------------
# batched parameters (issue 13, H13): one Newton solve over members that differ in sigma (and baseline)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OssaParamBatch:
    r"""Baselines of B members that differ in their elasticities (and, after a purge, in their flows).

    The same quantities as :class:`OssaBaseline` with a leading member axis; arrays that do not depend on
    the member keep a leading axis of length 1 (broadcast). Build with :func:`calibrate_batch`.

    Attributes
    ----------
    trade, tariff, gamma
        (B or 1, N, N, S).
    sigma
        (B, S) elasticities of substitution of each member.
    nx, expenditure
        (B or 1, N).
    labour_income
        (B, N) :math:`w_jL_j = \sum_s (\sigma_s - 1)/\sigma_s R_{js}` of each member.
    mu
        (B or 1, N, S).
    """

    trade: FloatArray
    tariff: FloatArray
    sigma: FloatArray
    nx: FloatArray
    expenditure: FloatArray
    labour_income: FloatArray
    gamma: FloatArray
    mu: FloatArray

    @property
    def size(self) -> int:
        """Number of members B."""
        return int(self.sigma.shape[0])

    def member(self, k: int) -> OssaBaseline:
        """Member ``k`` as an ordinary :class:`OssaBaseline` (e.g. for :func:`result_from_equilibrium`)."""

        def pick(a: FloatArray) -> FloatArray:
            return np.asarray(a[0 if a.shape[0] == 1 else k])

        return OssaBaseline(pick(self.trade), pick(self.tariff), pick(self.sigma), pick(self.nx),
                            pick(self.expenditure), pick(self.labour_income), pick(self.gamma), pick(self.mu))


def calibrate_batch(trade: npt.ArrayLike, tariff: npt.ArrayLike, sigma: npt.ArrayLike) -> OssaParamBatch:
    """:func:`calibrate` for B elasticity vectors at once.

    Parameters
    ----------
    trade, tariff
        (N, N, S) shared by every member, or (B, N, N, S).
    sigma
        (B, S) elasticities of substitution, each > 1.

    Raises
    ------
    ShapeError, ModelError
        Mismatched shapes; σ ≤ 1.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    sg = np.asarray(sigma, dtype=float)
    x = x[None] if x.ndim == 3 else x
    t = t[None] if t.ndim == 3 else t
    if x.ndim != 4 or x.shape[1] != x.shape[2] or t.shape[1:] != x.shape[1:]:
        raise ShapeError("trade/tariff", "(N, N, S) or (B, N, N, S) arrays of one shape", f"{x.shape} and {t.shape}")
    if sg.ndim != 2 or sg.shape[1] != x.shape[3] or (x.shape[0] not in (1, sg.shape[0])):
        raise ShapeError("sigma", f"shape (B, {x.shape[3]}) with B matching the flows", f"shape {sg.shape}")
    if not np.all(sg > 1.0):
        raise ModelError(f"sigma: expected values > 1 in the Ossa model; found min {np.nanmin(sg):.4g}")
    spend = (1.0 + t) * x
    e_js = spend.sum(axis=1)  # (B|1, N, S)
    gamma = np.divide(spend, e_js[:, None], out=np.zeros_like(spend), where=e_js[:, None] > 0)
    e = e_js.sum(axis=2)
    mu = e_js / e[:, :, None]
    sales = x.sum(axis=2)  # (B|1, N, S)
    nx = sales.sum(axis=2) - x.sum(axis=(1, 3))
    wl = (sales * ((sg - 1.0) / sg)[:, None, :]).sum(axis=2)
    return OssaParamBatch(x, t, sg, nx, e, np.broadcast_to(wl, (sg.shape[0], x.shape[1])).copy(), gamma, mu)


def _pb_residual_jacobian(
    pb: OssaParamBatch,
    idx: npt.NDArray[np.intp],
    g_t: FloatArray,
    x_t: FloatArray,
    t_new: FloatArray,
    nx_new: FloatArray,
    u: FloatArray,
    v: FloatArray,
    jac: bool,
    shares: bool = False,
) -> tuple[FloatArray, FloatArray | None, FloatArray, FloatArray, FloatArray]:
    """Scaled residuals, Jacobian, new flows, shares (when ``jac`` or ``shares``; else an empty array) and Q
    for members ``idx`` of a parameter batch.

    ``g_t`` = γ b̂ τ̂^{1−σ} and ``x_t`` = X b̂ τ̂^{−σ} are precomputed for the members (they do not change
    between Newton iterations), so an evaluation needs no power function on the (N, N, S) arrays.
    """

    everyone = idx.size == pb.size

    def take(a: FloatArray) -> FloatArray:
        return a if a.shape[0] == 1 or everyone else a[idx]

    sg = take(pb.sigma)
    om = 1.0 - sg
    kappa = (sg - 1.0) / sg
    wl = take(pb.labour_income)
    e0 = take(pb.expenditure)
    scale = 1.0 / e0.sum(axis=1, keepdims=True)
    a_i = np.exp(om[:, None, :] * u[:, :, None])  # (b, N exporter, S)
    ga = g_t * a_i[:, :, None, :]
    q = ga.sum(axis=1)
    q_safe = np.where(q > 0, q, 1.0)
    share = ga / q_safe[:, None] if (jac or shares) else np.empty(0)
    ev = np.exp(v)
    xn = x_t * a_i[:, :, None, :] * (ev[:, None, :, None] / q_safe[:, None])
    w = np.exp(u)
    sales = xn.sum(axis=2)
    labour = (sales * kappa[:, None, :]).sum(-1) - wl * w
    profit = (sales / sg[:, None, :]).sum(-1)
    rev_x = t_new * xn
    rev = rev_x.sum(axis=(1, 3))
    budget = wl * w + profit + rev - nx_new - e0 * ev
    numeraire = (wl * w).sum(-1) - wl.sum(-1)
    f = np.concatenate([labour[:, :-1], numeraire[:, None], budget], axis=1) * scale
    if not jac:
        return f, None, xn, share, q_safe
    b, n = u.shape
    eye = np.eye(n)
    ns = xn.shape[2] * xn.shape[3]
    share_f = share.reshape(b, n, ns)
    xk = xn * (om * kappa)[:, None, None, :]
    d_lab_u = eye * xk.sum(axis=(2, 3))[:, :, None] - xk.reshape(b, n, ns) @ share_f.transpose(0, 2, 1)
    d_lab_u -= eye * (wl * w)[:, :, None]
    d_lab_v = (xn * kappa[:, None, None, :]).sum(-1)
    xp = xn * (om / sg)[:, None, None, :]
    d_bud_u = eye * xp.sum(axis=(2, 3))[:, :, None] - xp.reshape(b, n, ns) @ share_f.transpose(0, 2, 1)
    rv_ms = rev_x.sum(axis=1)  # (b, N importer m, S)
    d_bud_u += (rev_x * om[:, None, None, :]).sum(-1).transpose(0, 2, 1)
    d_bud_u -= ((share * (rv_ms * om[:, None, :])[:, None, :, :]).sum(-1)).transpose(0, 2, 1)
    d_bud_u += eye * (wl * w)[:, :, None]
    d_bud_v = (xn / sg[:, None, None, :]).sum(-1) + eye * (rev - e0 * ev)[:, :, None]
    d_num_u = (wl * w)[:, None, :]
    d_num_v = np.zeros((b, 1, n))
    top = np.concatenate([d_lab_u[:, :-1], d_num_u, d_bud_u], axis=1)
    bottom = np.concatenate([d_lab_v[:, :-1], d_num_v, d_bud_v], axis=1)
    j = np.concatenate([top, bottom], axis=2) * scale[:, :, None]
    return f, j, xn, share, q_safe


def solve_equilibrium_batch(
    pb: OssaParamBatch,
    tariff_new: npt.ArrayLike,
    *,
    demand_shift: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    x0: tuple[FloatArray, FloatArray] | None = None,
    options: SolverOptions = SolverOptions(),
) -> Equilibrium:
    """:func:`solve_equilibrium` for members that differ in σ (and baseline), in one batched Newton solve.

    Member b solves the equations of the module docstring with its own σ_b, flows and incomes; the
    scenario arrays (new tariffs, demand shifts, net exports) are shared, (N, N, S) / (N,), or given per
    member, (B, N, N, S) / (B, N).

    Returns
    -------
    Equilibrium
        With a leading axis of B members; ``converged_each`` says which members converged (a member
        that did not is reported, not dropped).
    """
    start = time.perf_counter()
    bsz = pb.size
    n, s = pb.trade.shape[1], pb.trade.shape[3]
    t_new = np.asarray(tariff_new, dtype=float)
    t_new = t_new[None] if t_new.ndim == 3 else t_new
    if t_new.shape[1:] != (n, n, s) or t_new.shape[0] not in (1, bsz):
        raise ShapeError("tariff_new", f"shape ({n}, {n}, {s}) or ({bsz}, {n}, {n}, {s})", f"shape {t_new.shape}")
    if np.any(t_new < 0) or np.any(t_new > TARIFF_UPPER) or not np.all(np.isfinite(t_new)):
        raise ModelError(
            f"tariff_new: expected finite fractions in [0, {TARIFF_UPPER}]; found min "
            f"{np.nanmin(t_new):.4g}, max {np.nanmax(t_new):.4g}"
        )
    t_new = np.broadcast_to(t_new, (bsz, n, n, s))
    sg = pb.sigma[:, None, None, :]
    log_tau = np.log1p(t_new) - np.log1p(pb.tariff)
    g_t = pb.gamma * np.exp((1.0 - sg) * log_tau)
    x_t = pb.trade * np.exp(-sg * log_tau)
    if demand_shift is not None:
        shift = np.asarray(demand_shift, dtype=float)
        shift = shift[None] if shift.ndim == 3 else shift
        if shift.shape[1:] != (n, n, s) or shift.shape[0] not in (1, bsz):
            raise ShapeError("demand_shift", f"shape ({n}, {n}, {s}) or ({bsz}, ...)", f"shape {shift.shape}")
        if np.any(shift <= 0) or not np.all(np.isfinite(shift)):
            raise ModelError("demand_shift: expected positive finite multipliers")
        g_t = g_t * shift
        x_t = x_t * shift
    nx = np.asarray(pb.nx if nx_new is None else nx_new, dtype=float)
    nx = np.broadcast_to(nx[None] if nx.ndim == 1 else nx, (bsz, n)).copy()
    if np.any(np.abs(nx.sum(axis=1)) > 1e-8 * np.broadcast_to(pb.expenditure, (bsz, n)).sum(axis=1)):
        raise ModelError(f"nx_new: expected net exports summing to zero; found sums {nx.sum(axis=1)}")
    if x0 is None:
        z0 = np.zeros((bsz, 2 * n))
    else:
        z0 = np.concatenate([np.broadcast_to(np.asarray(x0[0], dtype=float), (bsz, n)),
                             np.broadcast_to(np.asarray(x0[1], dtype=float), (bsz, n))], axis=1)

    def fun(z: FloatArray, idx: npt.NDArray[np.intp], want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        if idx.size == bsz:  # every member active: no copies of the (B, N, N, S) arrays
            f, j, *_ = _pb_residual_jacobian(pb, idx, g_t, x_t, t_new, nx, z[:, :n], z[:, n:], want_jac)
        else:
            f, j, *_ = _pb_residual_jacobian(pb, idx, g_t[idx], x_t[idx], t_new[idx], nx[idx],
                                             z[:, :n], z[:, n:], want_jac)
        return f, j

    res = newton(fun, z0, options)
    u, v = res.x[:, :n], res.x[:, n:]
    _, _, xn, share, q = _pb_residual_jacobian(pb, np.arange(bsz), g_t, x_t, t_new, nx, u, v, False, shares=True)
    p_hat = q ** (1.0 / (1.0 - pb.sigma[:, None, :]))
    conv = res.converged
    info = SolveInfo(
        converged=bool(conv.all()),
        iterations=res.iterations,
        residual=float(res.residual.max()),
        seconds=time.perf_counter() - start,
        method="newton (analytic Jacobian, batched parameters)",
    )
    finish(info, "Ossa equilibrium (parameter batch)", options)
    return Equilibrium(np.exp(u), np.exp(v), xn, share, p_hat, np.asarray(t_new), nx, info, conv)


def purge_deficits_batch(pb: OssaParamBatch, options: SolverOptions = SolverOptions()) -> OssaParamBatch:
    """:func:`purge_deficits` for every member: factual tariffs, NX' = 0, recalibrated on the new flows."""
    eq = solve_equilibrium_batch(pb, np.broadcast_to(pb.tariff, (pb.size, *pb.tariff.shape[1:])),
                                 nx_new=np.zeros(pb.trade.shape[1]), options=options)
    return calibrate_batch(eq.trade_new, np.broadcast_to(pb.tariff, eq.trade_new.shape), pb.sigma)


def welfare_hat_batch(pb: OssaParamBatch, eq: Equilibrium) -> FloatArray:
    """Real-income change Ŵ_j = Ê_j / Π_s P̂_js^{μ_js} of each member, (B, N)."""
    return np.asarray(eq.e_hat / np.exp((pb.mu * np.log(eq.p_hat)).sum(-1)))
