r"""Ossa (2014): gradients of government welfare (and of other functionals) with respect to all tariffs.

Split out of :mod:`tradetalks.model.ossa_optimal`. The gradients come from the implicit-function theorem: one
adjoint solve per objective with the equilibrium's small 2N × 2N Jacobian, then the direct effects of the
tariffs (:func:`implicit_tariff_gradient`); :func:`gov_welfare_gradient` applies it to Ossa's government
welfare Ĝ with political-economy weights λ, :func:`functional_gradient` to a linear functional of the flows.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ModelError
from tradetalks.model.ossa import (
    Equilibrium,
    FloatArray,
    OssaBaseline,
    _lam,
    _residual_jacobian,
)


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


def _functional_grads_members(
    c: FloatArray, xn: FloatArray, share: FloatArray, sigma: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`_functional_grads` with one equilibrium per objective: ``c``, ``xn``, ``share`` all (B, N, N, S)."""
    om = 1.0 - sigma
    vv = c * xn
    col = vv.sum(axis=1)  # (B, N_j, S)
    du = np.einsum("bkjs,s->bk", vv, om) - np.einsum("bkjs,bjs,s->bk", share, col, om)
    dv = vv.sum(axis=(1, 3))
    dlt = -sigma * vv - om * share * col[:, None]
    return du, dv, dlt


def gov_gradient_members(
    base: OssaBaseline, eq: Equilibrium, ms: npt.NDArray[np.intp], lam: FloatArray
) -> FloatArray:
    """d ln Ĝ_{m_b} / d t' for each member b of a batched equilibrium (B, ...) and country ``ms[b]``.

    The formulas of :func:`gov_welfare_gradient` (one equilibrium, several governments, one factorisation)
    with a batch axis instead (each member its own equilibrium and adjoint system ``J_bᵀ a_b = ∂F_b/∂z``),
    for the lock-step best responses; tests/test_best_response_batch.py checks it against finite
    differences.
    """
    n = base.n
    sg, mu = base.sigma, base.mu
    kappa = (sg - 1.0) / sg
    xn, share, tn, nx = eq.trade_new, eq.share, eq.tariff_new, eq.nx_new
    bsz = xn.shape[0]
    bi = np.arange(bsz)
    sales = xn.sum(axis=2)  # (B, N_i, S)
    a_ = (lam * sales).sum(-1)
    b_ = (lam * kappa * sales).sum(-1)
    c_ = (kappa * sales).sum(-1)
    d_ = (tn * xn).sum(axis=(1, 3)) - nx
    am, bm, cm, dm = a_[bi, ms], b_[bi, ms], c_[bi, ms], d_[bi, ms]
    lam_m = lam[ms]  # (B, S)
    # pieces of N_m = A + D B / C (see gov_welfare_gradient)
    cw = np.zeros_like(xn)
    cw[bi, ms] = (lam_m + (dm / cm)[:, None] * lam_m * kappa - (dm * bm / cm**2)[:, None] * kappa)[:, None, :]
    cw[bi, :, ms, :] += (bm / cm)[:, None, None] * tn[bi, :, ms, :]
    num = am + dm * bm / cm
    du_n, dv_n, dlt_n = _functional_grads_members(cw, xn, share, sg)
    share_m = share[bi, :, ms, :]  # (B, N_k, S)
    d_u = du_n / num[:, None] - np.einsum("bks,bs->bk", share_m, mu[ms])
    d_v = dv_n / num[:, None]
    d_lt = dlt_n / num[:, None, None, None]
    d_lt[bi, :, ms, :] -= mu[ms][:, None, :] * share_m
    d_t = np.zeros_like(xn)
    d_t[bi, :, ms, :] = (bm / cm)[:, None, None] * xn[bi, :, ms, :] / num[:, None, None]
    # implicit-function step, one adjoint per member
    u, v = np.log(eq.w_hat), np.log(eq.e_hat)
    _, jm = _residual_jacobian(base, u, v, (1.0 + tn) / (1.0 + base.tariff), tn, nx, None)
    assert jm is not None
    adj = np.linalg.solve(np.swapaxes(jm, 1, 2), np.concatenate([d_u, d_v], axis=1)[..., None])[..., 0]
    scale = 1.0 / base.expenditure.sum()
    lab_w = np.zeros((bsz, n))
    lab_w[:, : n - 1] = adj[:, : n - 1]
    bud_w = adj[:, n:]
    cf = (
        lab_w[:, :, None, None] * kappa + bud_w[:, :, None, None] / sg + bud_w[:, None, :, None] * tn
    ) * scale
    _, _, dlt_h = _functional_grads_members(cf, xn, share, sg)
    dh_direct = bud_w[:, None, :, None] * xn * scale  # ∂ budget_j / ∂ t'_ijs (revenue), direct
    return np.asarray((d_lt - dlt_h) / (1.0 + tn) - dh_direct + d_t)


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
