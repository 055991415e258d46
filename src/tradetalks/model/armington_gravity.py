r"""Structural gravity with a constructed baseline: multilateral resistances from costs, output and expenditure.

The Armington model and its exact hat algebra are in :mod:`tradetalks.model.armington`.

Constructed baseline (gegravity; Yotov et al. GEPPML)
-----------------------------------------------------
With trade costs T_ij = t_ij^{1−σ} = exp(Σ_k β_k x^k_ij), output Y_i and expenditure E_j, the
multilateral resistances solve

* Π_i^{1−σ} = Σ_j T_ij (E_j/E) / P_j^{1−σ},   P_j^{1−σ} = Σ_i T_ij (Y_i/Y) / Π_i^{1−σ},

with P_ref = 1 for a reference importer (gegravity: DEU; Yotov et al.: Germany coded ZZZ). This is
a matrix-scaling problem; :func:`solve_resistances` solves it by Newton's method on its convex
potential (after a few Sinkhorn sweeps). Modelled flows X_ij = Y (Y_i/Y)(E_j/E) T_ij / (Π_i P_j)^{1−σ}
add up to Y_i and (E_j/E)·Y — exactly PPML's fitted flows with exporter and importer fixed effects.
"Conditional" GE re-solves the resistances with new costs at fixed Y, E; "full" GE
(:func:`gravity_counterfactual`) is the hat algebra of :mod:`tradetalks.model.armington` on the modelled
flows with multiplicative deficits (the textbook full-endowment solution, as in Yotov et al. 2016), or
gegravity's variant, which keeps output and expenditure shares at baseline inside the resistance
equations, so that its resistances equal the conditional ones and p_i = Π_i^{base} / Π_i^{cond}.

References
----------
Anderson, J. E. and E. van Wincoop (2003), "Gravity with Gravitas", AER 93(1).
Yotov, Y. V., R. Piermartini, J.-A. Monteiro and M. Larch (2016), An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model, WTO/UNCTAD, ch. 2.
Herman, P. (2021), "gegravity: General Equilibrium Gravity Modeling in Python", USITC WP 2021-04-B.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ElasticityError, ModelError, ShapeError
from tradetalks.model.armington import FULL_GE, _as_batch, _check_option, solve_hat
from tradetalks.model.common import FloatArray, SolveInfo, SolverOptions, finish


def trade_costs_from_covariates(
    covariates: Mapping[str, npt.ArrayLike], coefficients: Mapping[str, float]
) -> FloatArray:
    """Trade costs T_ij = t_ij^{1−σ} = exp(Σ_k β_k x^k_ij) from gravity coefficients.

    Parameters
    ----------
    covariates
        ``{name: array (N, N) or (B, N, N)}`` pair covariates (exporter, importer).
    coefficients
        ``{name: β}``; every coefficient needs a covariate.
    """
    missing = sorted(set(coefficients) - set(covariates))
    if missing:
        raise ModelError(
            f"coefficients without covariates: {missing}; covariates given: {sorted(covariates)}"
        )
    z: FloatArray | float = 0.0
    for k, beta in coefficients.items():
        z = z + float(beta) * np.asarray(covariates[k], dtype=float)
    return np.asarray(np.exp(z))


@dataclass(frozen=True)
class Resistances:
    """Multilateral resistances with P_ref = 1 (arrays carry the batch axis if given).

    Attributes
    ----------
    omr, imr
        Outward Π_i and inward P_j resistances (levels), (..., N).
    omr_ratio, imr_ratio
        gegravity's solver variables 1/Π_i^{1−σ} and 1/P_j^{1−σ}.
    info
        Diagnostics (residual: max relative error of the row and column sums).
    """

    omr: FloatArray
    imr: FloatArray
    omr_ratio: FloatArray
    imr_ratio: FloatArray
    info: SolveInfo


def solve_resistances(
    cost: npt.ArrayLike,
    output: npt.ArrayLike,
    expenditure: npt.ArrayLike,
    sigma: float,
    reference: int,
    *,
    options: SolverOptions | None = None,
) -> Resistances:
    r"""Solve the structural multilateral-resistance system (Anderson–van Wincoop; gegravity).

    Π_i^{1−σ} = Σ_j T_ij (E_j/ΣE) / P_j^{1−σ},  P_j^{1−σ} = Σ_i T_ij (Y_i/ΣY) / Π_i^{1−σ},
    P_reference = 1.

    Parameters
    ----------
    cost
        T_ij = t_ij^{1−σ}, shape (N, N) or (B, N, N).
    output, expenditure
        Y_i and E_j, shape (N,) or (B, N).
    sigma
        Elasticity of substitution (> 1).
    reference
        Index of the reference importer.
    options
        Tolerance on the max relative error of the row/column sums.

    Notes
    -----
    With x_i = 1/Π_i^{1−σ}, z_j = 1/P_j^{1−σ}, the matrix M_ij = r_i c_j T_ij x_i z_j (r = Y/ΣY,
    c = E/ΣE) must have row sums r and column sums c. Three Sinkhorn sweeps give a start; Newton's
    method on the convex potential Σ_ij M_ij − Σ r_i log x_i − Σ c_j log z_j (log z_ref = 0), with
    step halving, converges quadratically.
    """
    opts = options or SolverOptions()
    t0 = time.perf_counter()
    t3, y, e, batched = _resistance_inputs(cost, output, expenditure, sigma, reference)
    r = y / y.sum(axis=1, keepdims=True)
    c = e / e.sum(axis=1, keepdims=True)
    logk = np.log(r)[:, :, None] + np.log(c)[:, None, :] + np.log(t3)
    la, lg = _sinkhorn_start(logk, r, c, reference)
    la, lg, err, it = _newton_potential(logk, r, c, la, lg, reference, opts)
    info = SolveInfo(
        converged=bool(np.all(err <= opts.tol)),
        iterations=it,
        residual=float(np.max(err)),
        seconds=time.perf_counter() - t0,
        method="sinkhorn + newton",
    )
    finish(info, "multilateral resistances", opts)
    x, z = np.exp(la), np.exp(lg)
    inv = 1.0 / (1.0 - sigma)

    def out(arr: FloatArray) -> FloatArray:
        return arr if batched else arr[0]

    return Resistances(
        omr=out(x ** (-inv)), imr=out(z ** (-inv)), omr_ratio=out(x), imr_ratio=out(z), info=info
    )


def _resistance_inputs(
    cost: npt.ArrayLike, output: npt.ArrayLike, expenditure: npt.ArrayLike, sigma: float, reference: int
) -> tuple[FloatArray, FloatArray, FloatArray, bool]:
    """Checked inputs of :func:`solve_resistances` with a batch axis: costs (B, N, N), output and expenditure
    (B, N), and whether the caller passed a batch."""
    if not sigma > 1:
        raise ElasticityError("sigma", "an elasticity of substitution above 1", f"{sigma}")
    t = np.asarray(cost, dtype=float)
    batched = t.ndim == 3
    t3 = _as_batch(t, 2, "cost")
    b, n, n2 = t3.shape
    if n != n2:
        raise ShapeError("cost", "a square (N, N) array", f"shape {t.shape}")
    y = np.broadcast_to(_as_batch(np.asarray(output, dtype=float), 1, "output"), (b, n))
    e = np.broadcast_to(_as_batch(np.asarray(expenditure, dtype=float), 1, "expenditure"), (b, n))
    if np.any(~(y > 0)) or np.any(~(e > 0)):
        raise ModelError("output and expenditure: expected positive values for every country")
    if np.any(~(t3 > 0)) or not np.all(np.isfinite(t3)):
        raise ModelError("cost: expected positive, finite trade costs t^(1-sigma)")
    if not 0 <= reference < n:
        raise ModelError(f"reference: expected a country index in [0, {n}); found {reference}")
    return t3, y, e, batched


def _lse(z: FloatArray, axis: int) -> FloatArray:
    """Log-sum-exp along ``axis``."""
    mx = z.max(axis=axis, keepdims=True)
    return np.asarray(np.log(np.exp(z - mx).sum(axis=axis)) + np.squeeze(mx, axis=axis))


def _sinkhorn_start(
    logk: FloatArray, r: FloatArray, c: FloatArray, reference: int
) -> tuple[FloatArray, FloatArray]:
    """Three Sinkhorn sweeps in log space from ``log x = log z = 0``, then ``log z_ref = 0``; (B, N) each."""
    b, n = r.shape
    la = np.zeros((b, n))
    lg = np.zeros((b, n))
    for _ in range(3):  # Sinkhorn sweeps in log space
        la = np.log(r) - _lse(logk + lg[:, None, :], 2)
        lg = np.log(c) - _lse(logk + la[:, :, None], 1)
    shift = lg[:, reference].copy()
    la += shift[:, None]
    lg -= shift[:, None]
    return la, lg


def _potential(
    logk: FloatArray, r: FloatArray, c: FloatArray, la_: FloatArray, lg_: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``M_ij``, its row and column sums and the convex potential ``Σ M − Σ r log x − Σ c log z``."""
    mm = np.exp(logk + la_[:, :, None] + lg_[:, None, :])
    rs, cs = mm.sum(axis=2), mm.sum(axis=1)
    pot = mm.sum(axis=(1, 2)) - (r * la_).sum(axis=1) - (c * lg_).sum(axis=1)
    return mm, rs, cs, pot


def _newton_potential(
    logk: FloatArray,
    r: FloatArray,
    c: FloatArray,
    la: FloatArray,
    lg: FloatArray,
    reference: int,
    opts: SolverOptions,
) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """Newton's method on the potential of :func:`_potential` (``log z_ref`` fixed at 0) with step halving;
    returns ``(log x, log z, max relative error of the row/column sums per member, iterations)``."""
    b, n = r.shape
    keep = np.array([k for k in range(2 * n) if k != n + reference])
    mm, rs, cs, pot = _potential(logk, r, c, la, lg)
    err = np.maximum(np.max(np.abs(rs / r - 1), axis=1), np.max(np.abs(cs / c - 1), axis=1))
    it = 0
    while it < opts.max_iter and np.any(~(err <= opts.tol)):
        it += 1
        hess = np.zeros((b, 2 * n, 2 * n))
        idx = np.arange(n)
        hess[:, idx, idx] = rs
        hess[:, n + idx, n + idx] = cs
        hess[:, :n, n:] = mm
        hess[:, n:, :n] = np.transpose(mm, (0, 2, 1))
        grad = np.concatenate([rs - r, cs - c], axis=1)
        hk = hess[:, keep][:, :, keep]
        step_k = np.linalg.solve(hk, -grad[:, keep][:, :, None])[:, :, 0]
        step = np.zeros((b, 2 * n))
        step[:, keep] = step_k
        step[err <= opts.tol] = 0.0
        tstep = np.ones(b)
        for _ in range(40):
            la_t = la + tstep[:, None] * step[:, :n]
            lg_t = lg + tstep[:, None] * step[:, n:]
            mm_t, rs_t, cs_t, pot_t = _potential(logk, r, c, la_t, lg_t)
            bad = ~(pot_t <= pot + 1e-14 * np.abs(pot)) & (err > opts.tol)
            if not np.any(bad):
                break
            tstep = np.where(bad, 0.5 * tstep, tstep)
        la, lg, mm, rs, cs, pot = la_t, lg_t, mm_t, rs_t, cs_t, pot_t
        err = np.maximum(np.max(np.abs(rs / r - 1), axis=1), np.max(np.abs(cs / c - 1), axis=1))
    return la, lg, err, it


def modelled_flows(
    cost: npt.ArrayLike, output: npt.ArrayLike, expenditure: npt.ArrayLike, res: Resistances
) -> FloatArray:
    """Structural gravity flows X_ij = E_j (Y_i/ΣY) T_ij / (Π_i P_j)^{1−σ} (gegravity's "modeled trade").

    Columns add up to E_j; rows to Y_i·ΣE/ΣY (to Y_i when world output equals world spending).
    """
    t = np.asarray(cost, dtype=float)
    y = np.asarray(output, dtype=float)
    e = np.asarray(expenditure, dtype=float)
    r = y / y.sum(axis=-1, keepdims=True)
    flows = (r * res.omr_ratio)[..., :, None] * (e * res.imr_ratio)[..., None, :] * t
    return np.asarray(flows)


@dataclass(frozen=True)
class GravityCounterfactual:
    """Baseline, conditional and full-GE outcome of a trade-cost change with a constructed baseline.

    Resistances are levels with the reference importer's P = 1 in every stage (gegravity's and
    Yotov et al.'s normalisation), so the price changes are relative to the reference importer's
    inward resistance.

    Attributes
    ----------
    baseline, conditional, full
        :class:`Resistances` of each stage (conditional: new costs, baseline Y and E).
    price_hat
        Factory-gate price change p̂_i (relative to the reference's inward resistance), (..., N).
    output_new, expenditure_new
        Y'_i, E'_j, (..., N).
    real_gdp_hat
        (Y'_i / P'_i) / (Y_i / P_i), (..., N).
    trade_base, trade_conditional, trade_full
        Modelled flows in each stage, (..., N, N).
    full_ge
        ``"textbook"`` or ``"gegravity"``.
    info
        Diagnostics of the full-GE solve.
    """

    baseline: Resistances
    conditional: Resistances
    full: Resistances
    price_hat: FloatArray
    output_new: FloatArray
    expenditure_new: FloatArray
    real_gdp_hat: FloatArray
    trade_base: FloatArray
    trade_conditional: FloatArray
    trade_full: FloatArray
    full_ge: str
    info: SolveInfo


def gravity_counterfactual(
    cost_base: npt.ArrayLike,
    cost_new: npt.ArrayLike,
    output: npt.ArrayLike,
    expenditure: npt.ArrayLike,
    sigma: float,
    reference: int,
    *,
    full_ge: str = "textbook",
    options: SolverOptions | None = None,
) -> GravityCounterfactual:
    r"""Counterfactual with a baseline constructed from trade costs (gegravity; Yotov et al. GEPPML).

    Parameters
    ----------
    cost_base, cost_new
        T_ij = t_ij^{1−σ} before and after, (N, N) (``cost_new`` may carry a batch axis).
    output, expenditure
        Baseline Y_i, E_j (N,).
    sigma
        Elasticity of substitution.
    reference
        Index of the reference importer (P_ref = 1).
    full_ge
        ``"textbook"``: full-endowment GE — exact hat algebra on the modelled baseline flows with
        κ̂ = T_new/T_base, θ = σ − 1 and E_j/Y_j fixed (multiplicative closure), then resistances
        re-solved from the new costs, Y' and E'. ``"gegravity"``: gegravity 0.3's variant — output
        and expenditure shares stay at baseline in the resistance equations, so the resistances equal
        the conditional ones and p_i = Π_i^{base}/Π_i^{cond}; Y' = p Y, E' = (E/Y) Y'.
    options
        Solver options (shared by all stages).
    """
    opts = options or SolverOptions()
    _check_option("full_ge", full_ge, FULL_GE)
    t0 = time.perf_counter()
    tb = np.asarray(cost_base, dtype=float)
    tn = np.asarray(cost_new, dtype=float)
    y = np.asarray(output, dtype=float)
    e = np.asarray(expenditure, dtype=float)
    base = solve_resistances(tb, y, e, sigma, reference, options=opts)
    cond = solve_resistances(tn, y, e, sigma, reference, options=opts)
    x_base = modelled_flows(tb, y, e, base)
    x_cond = modelled_flows(tn, y, e, cond)
    if full_ge == "gegravity":
        full, p, y_new, e_new, x_full, rgdp = _full_gegravity(base, cond, y, e, tn)
        info = SolveInfo(True, 0, 0.0, time.perf_counter() - t0, "closed form (gegravity 0.3)")
    else:
        full, p, y_new, e_new, x_full, rgdp, info = _full_textbook(
            x_base, tb, tn, y, e, sigma, reference, opts, t0
        )
    return GravityCounterfactual(
        baseline=base,
        conditional=cond,
        full=full,
        price_hat=np.asarray(p),
        output_new=np.asarray(y_new),
        expenditure_new=np.asarray(e_new),
        real_gdp_hat=np.asarray(rgdp),
        trade_base=x_base,
        trade_conditional=x_cond,
        trade_full=np.asarray(x_full),
        full_ge=full_ge,
        info=info,
    )


_FullGE = tuple[Resistances, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
"""Full-GE stage: resistances, ``p̂``, ``Y'``, ``E'``, flows and real-GDP change."""


def _full_gegravity(
    base: Resistances, cond: Resistances, y: FloatArray, e: FloatArray, tn: FloatArray
) -> _FullGE:
    """gegravity 0.3's full GE in closed form: ``p_i = Π_i^{base} / Π_i^{cond}``, ``Y' = p Y``,
    ``E' = (E/Y) Y'``, resistances = the conditional ones."""
    p = base.omr / cond.omr
    y_new = p * y
    e_new = (e / y) * y_new
    ys = y_new.sum(axis=-1, keepdims=True)
    x_full = (
        e_new[..., None, :]
        * (y_new / ys)[..., :, None]
        * cond.omr_ratio[..., :, None]
        * cond.imr_ratio[..., None, :]
        * tn
    )
    rgdp = p * base.imr / cond.imr
    return cond, p, y_new, e_new, x_full, rgdp


def _full_textbook(
    x_base: FloatArray,
    tb: FloatArray,
    tn: FloatArray,
    y: FloatArray,
    e: FloatArray,
    sigma: float,
    reference: int,
    opts: SolverOptions,
    t0: float,
) -> tuple[Resistances, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, SolveInfo]:
    """The textbook full-endowment GE: exact hat algebra (:func:`~tradetalks.model.armington.solve_hat`) on
    the modelled flows with ``κ̂ = T_new / T_base``, ``θ = σ − 1`` and multiplicative deficits, prices
    relative to the reference importer's price index, then resistances re-solved at ``Y'``, ``E'``."""
    hat = solve_hat(
        x_base[:, :, None],
        sigma - 1.0,
        kappa_hat=(tn / tb)[..., None],
        deficits="multiplicative",
        options=opts,
    )
    p_ref = np.asarray(hat.price_index_hat[..., reference, 0])[..., None]
    p = hat.price_hat[..., 0] / p_ref
    y_new = y * p
    e_new = e * (hat.trade_new[..., 0].sum(axis=-2) / x_base.sum(axis=-2)) / p_ref
    full = solve_resistances(tn, y_new, e_new, sigma, reference, options=opts)
    x_full = hat.trade_new[..., 0] / p_ref[..., None]
    rgdp = hat.real_gdp_hat
    info = SolveInfo(
        hat.info.converged and full.info.converged,
        hat.info.iterations,
        max(hat.info.residual, full.info.residual),
        time.perf_counter() - t0,
        hat.info.method,
    )
    return full, p, y_new, e_new, x_full, rgdp, info


__all__ = [
    "GravityCounterfactual",
    "Resistances",
    "gravity_counterfactual",
    "modelled_flows",
    "solve_resistances",
    "trade_costs_from_covariates",
]
