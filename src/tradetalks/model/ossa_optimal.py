r"""Ossa (2014): gradients of government welfare and optimal (best-response) tariffs.

Split out of :mod:`tradetalks.model.ossa` (the equilibrium). Gradients of government welfare with respect to
all tariffs come from the implicit-function theorem (one adjoint solve per objective with the equilibrium's
small 2N × 2N Jacobian). Optimal tariffs maximise Ĝ_j over j's import tariffs with L-BFGS-B on these exact
gradients, each tariff scaled by the square root of its flow, from several starting points
(:data:`DEFAULT_STARTS`); the best optimum is kept and the spread over starts reported.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.errors import ConvergenceError, ModelError
from tradetalks.model.common import SolverOptions
from tradetalks.model.lockstep import minimize_lockstep
from tradetalks.model.ossa import (
    PG_TOL,
    TARIFF_UPPER,
    Equilibrium,
    FloatArray,
    OssaBaseline,
    _lam,
    _residual_jacobian,
    gov_welfare_hat,
    solve_equilibrium,
    solve_warm,
    welfare_hat,
)
from tradetalks.model.threads import single_blas_thread


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


def _gov_gradient_members(
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


class _BestResponse:
    """The best-response problem of one importer in scaled variables y = t · √(flow / max flow).

    Holds the fixed data (others' tariffs, moving partners, scales) and the warm start of the equilibrium
    solver (the last solved point); ``fg`` is the objective −ln Ĝ_j and its exact gradient.
    """

    def __init__(
        self,
        base: OssaBaseline,
        country: int,
        t0: FloatArray,
        movers: npt.NDArray[np.int64],
        mfn: bool,
        lam: FloatArray,
        options: SolverOptions,
    ) -> None:
        self.base, self.country, self.t0, self.movers, self.mfn = base, country, t0, movers, mfn
        self.lam, self.options = lam, options
        flows = base.trade[movers, country, :]  # (M, S)
        wts = flows.sum(axis=0) if mfn else flows.ravel()
        self.scale = np.maximum(np.sqrt(np.maximum(wts, 1e-12) / max(wts.max(), 1e-300)), 1e-4)
        self.own0 = np.array(t0[:, country, :], dtype=float)
        self.own0[country] = 0.0
        self.warm: tuple[FloatArray, FloatArray] | None = None
        self.warm_of: dict[int, tuple[FloatArray, FloatArray]] = {}  # per lock-step run (fg_batch)

    def own_from(self, y: FloatArray) -> FloatArray:
        tt = np.clip(y / self.scale, 0.0, TARIFF_UPPER)
        own = self.own0.copy()
        own[self.movers] = tt[None, :] if self.mfn else tt.reshape(len(self.movers), self.base.s)
        return own

    def solve(self, y: FloatArray) -> Equilibrium:
        eq = solve_warm(
            self.base, _embed(self.t0, self.country, self.own_from(y)), self.warm, options=self.options
        )
        self.warm = (np.log(eq.w_hat), np.log(eq.e_hat))
        return eq

    def grad_y(self, eq: Equilibrium) -> FloatArray:
        gi = gov_welfare_gradient(self.base, eq, [self.country], self.lam)[0][self.movers, self.country, :]
        return np.asarray(gi.sum(axis=0) / self.scale if self.mfn else gi.ravel() / self.scale)

    def f(self, y: FloatArray) -> float:
        """−ln Ĝ_j at ``y`` (no gradient)."""
        return -float(np.log(gov_welfare_hat(self.base, self.solve(y), self.lam)[0, self.country]))

    def fg(self, y: FloatArray) -> tuple[float, FloatArray]:
        eq = self.solve(y)
        return -float(np.log(gov_welfare_hat(self.base, eq, self.lam)[0, self.country])), -self.grad_y(eq)

    def fg_batch(self, ks: list[int], ys: list[FloatArray]) -> list[tuple[float, FloatArray]]:
        """:meth:`fg` of several runs' points, their equilibria solved and differentiated as one batch
        (warm-started per run, a run's first point cold as alone); a batch that fails is solved point by
        point (with the cold fallback of :func:`solve_warm`)."""
        tar = np.stack([_embed(self.t0, self.country, self.own_from(y)) for y in ys])
        zero = (np.zeros(self.base.n), np.zeros(self.base.n))
        x0 = [self.warm_of.get(k, zero) for k in ks]
        try:
            eqb = solve_equilibrium(
                self.base,
                tar,
                x0=(np.stack([a for a, _ in x0]), np.stack([b for _, b in x0])),
                options=replace(self.options, strict=True),
            )
        except ConvergenceError:
            eqs = [
                solve_warm(self.base, tar[i], self.warm_of.get(k), options=self.options)
                for i, k in enumerate(ks)
            ]
            for k, eq in zip(ks, eqs, strict=True):
                self.warm_of[k] = (np.log(eq.w_hat[0]), np.log(eq.e_hat[0]))
            return [(self._value(eq), -self.grad_y(eq)) for eq in eqs]
        for i, k in enumerate(ks):
            self.warm_of[k] = (np.log(eqb.w_hat[i]), np.log(eqb.e_hat[i]))
        ms = np.full(len(ks), self.country, dtype=np.intp)
        g = _gov_gradient_members(self.base, eqb, ms, self.lam)[:, self.movers, self.country, :]
        g = g.sum(axis=1) if self.mfn else g.reshape(len(ks), -1)
        vals = -np.log(gov_welfare_hat(self.base, eqb, self.lam)[:, self.country])
        return [(float(vals[i]), -g[i] / self.scale) for i in range(len(ks))]

    def _value(self, eq: Equilibrium) -> float:
        return -float(np.log(gov_welfare_hat(self.base, eq, self.lam)[0, self.country]))

    def start_point(self, name: str, rng: np.random.Generator) -> FloatArray:
        """Scaled starting point ``name`` (see :func:`optimal_tariff`)."""
        if name == "uniform":  # the optimal uniform tariff (Ossa's start)
            res = optimize.minimize_scalar(
                lambda tu: self.f(np.full(self.scale.shape, tu) * self.scale),
                bounds=(0.0, 3.0),
                method="bounded",
                options={"xatol": 1e-6},
            )
            return np.asarray(np.full(self.scale.shape, float(res.x)) * self.scale)
        if name == "zero":
            return np.zeros(self.scale.shape)
        if name == "random":
            return np.asarray(rng.uniform(0.0, 1.0, self.scale.shape) * self.scale)
        cur = self.t0[self.movers, self.country, :]
        return np.asarray((cur.mean(axis=0) if self.mfn else cur.ravel()) * self.scale)

    def projected_gradient(self, eq: Equilibrium, y: FloatArray) -> float:
        """Max-norm of the projected gradient of ln Ĝ_j at ``y`` (in tariff units)."""
        gvec = self.grad_y(eq) * self.scale
        tvec = np.clip(y / self.scale, 0.0, TARIFF_UPPER)
        pg = np.where((tvec <= 1e-10) & (gvec < 0), 0.0, gvec)
        pg = np.where((tvec >= TARIFF_UPPER - 1e-10) & (pg > 0), 0.0, pg)
        return float(np.abs(pg).max())


def _movers(n: int, country: int, partners: Sequence[int] | None) -> npt.NDArray[np.int64]:
    if partners is None:
        return np.array([i for i in range(n) if i != country], dtype=np.int64)
    movers = np.array(sorted({int(i) for i in partners}), dtype=np.int64)
    if movers.size == 0 or any(not 0 <= i < n or i == country for i in movers):
        raise ModelError(
            f"partners: expected distinct indices in [0, {n}) other than {country}; found {list(partners)}"
        )
    return movers


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
    of several starting points; the best optimum is kept and every start's value is reported. (Every start
    runs to its own convergence: stopping a start that looks dominated is unsafe here — on ``ossa2014``
    a run can stall for 100 iterations 1e-4 below the best and then climb past it.)

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
        Exporters whose tariffs apply (default: every other country); tariffs on the others stay at
        ``tariff`` (a bilateral best response: ``partners=[other]``).
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
    with single_blas_thread():
        return _optimal_tariff(
            base,
            country,
            tariff,
            mfn,
            political_weights,
            parse_starts(list(starts)),
            partners,
            seed,
            gtol,
            max_iter,
            options,
        )


def _optimal_tariff(
    base: OssaBaseline,
    country: int,
    tariff: npt.ArrayLike | None,
    mfn: bool,
    political_weights: npt.ArrayLike | None,
    starts: tuple[str, ...],
    partners: Sequence[int] | None,
    seed: int,
    gtol: float,
    max_iter: int,
    options: SolverOptions,
) -> OptimalTariffResult:
    start_time = time.perf_counter()
    if not 0 <= country < base.n:
        raise ModelError(f"country: expected an index in [0, {base.n}); found {country}")
    t0 = base.tariff if tariff is None else np.asarray(tariff, dtype=float)
    prob = _BestResponse(
        base, country, t0, _movers(base.n, country, partners), mfn, _lam(base, political_weights), options
    )
    rng = np.random.default_rng(seed)
    best: Any = None
    reached: list[tuple[str, float]] = []
    total_it = 0
    y0s = [prob.start_point(name, rng) for name in starts]
    runs = minimize_lockstep(
        prob.fg_batch,
        y0s,
        list(zip(np.zeros_like(prob.scale), TARIFF_UPPER * prob.scale, strict=True)),
        {"maxiter": max_iter, "ftol": 1e-15, "gtol": gtol, "maxcor": 30},
    )
    for name, res in zip(starts, runs, strict=True):
        total_it += int(res.nit)
        reached.append((name, float(np.exp(-res.fun))))
        if best is None or res.fun < best.fun:
            best = res
    own = prob.own_from(best.x)
    eq = prob.solve(best.x)
    pg = prob.projected_gradient(eq, best.x)
    values = [v for _, v in reached]
    return OptimalTariffResult(
        country=country,
        tariff=_embed(t0, country, own),
        own=own,
        gov_welfare_hat=gov_welfare_hat(base, eq, prob.lam)[0],
        welfare_hat=welfare_hat(base, eq)[0],
        equilibrium=eq,
        converged=int(best.status) != 1  # not stopped by the iteration limit
        and (bool(best.success) or pg < PG_TOL)
        and bool(eq.info.converged),
        iterations=total_it,
        seconds=time.perf_counter() - start_time,
        projected_gradient=pg,
        mfn=mfn,
        starts=tuple(reached),
        message=str(best.message),
        spread=float(max(values) - min(values)),
        partners=tuple(int(i) for i in prob.movers),
    )
