r"""Political-economy weights of Ossa (2014), calibrated from measured non-cooperative tariffs.

Government welfare with political-economy weights λ_js (:mod:`tradetalks.model.ossa`) is

.. math::  G_j(t) = \frac{\sum_s \lambda_{js} A_{js}(t)}{P_j(t)}, \qquad
           A_{js} = R_{js} + \delta_{js}\,(T_j - NX_j).

Ossa (2014, Section IV.B) chooses λ_j so that country j's optimal **MFN** tariffs — one tariff per sector on
all partners, every other country's tariffs at their factual values — reproduce the cross-sector pattern of
the measured non-cooperative tariffs :math:`\bar t_{js}` (``tariff_noncoop.csv``). Read from his replication
code (``mylambdaj.m``, ``mymfnoptimaltariffj.m``; the method only), the targets are:

* only the pattern is targeted: the model's tariff of sector s must equal :math:`\bar t_{js} + c_j` with one
  common shift c_j per country (the measured tariffs demeaned and re-centred on the model's mean);
* "prohibitive" targets :math:`\bar t_{js} > 2.25` are matched in level (:math:`t_{js} = \bar t_{js}`), the
  tariff's upper bound being :math:`\bar t_{js} + 0.03` there (max(t̄ + 0.03, 2.25) elsewhere); the shifted
  targets are clipped to [0, bound − 0.03];
* λ_j ≥ 0 with mean one over sectors; a sector whose weight reaches 0 keeps λ_js = 0 and its target is
  dropped (its tariff is then free);
* Brazil, India and the rest of the world have no measures (zero columns): their targets are the
  trade-weighted mean applied tariffs of the (deficit-purged) baseline, :func:`mean_applied_tariffs`;
* everything is computed on the deficit-purged baseline (``closure="balanced"``), others' λ irrelevant.

Ossa solves this with a sign-step iteration on λ around a nested ``fmincon`` optimum, stopping when every
sector is within 0.3125 percentage points of its target (or at the best of 250 iterations). We solve the same
conditions exactly. Because G_j is linear in λ_j, the first-order conditions of the MFN best response are
**linear in λ** at given tariffs:

.. math::  \frac{\partial \ln G_j}{\partial t_r} = 0 \;\; \forall r
           \iff \sum_s \lambda_{js} A_{js}\, g_{s r}(t) = 0, \qquad
           g_{s r} = \frac{\partial \ln A_{js}}{\partial t_r} - \frac{\partial \ln P_j}{\partial t_r},

where g_s is the exact implicit-function gradient of ln Ĝ_j with unit weight on sector s
(:func:`tradetalks.model.ossa_gradient.gov_welfare_gradient`). At the target tariffs t(c) the matrix
H_rs = A_js g_sr / Σ A must therefore be singular with a non-negative null vector λ_j. We solve the square
system

.. math::  H(t(c, t_Z))\,\lambda_j = 0 \;(\text{rows of tariffs not at a bound}), \qquad
           \tfrac{1}{S}\sum_s \lambda_{js} = 1, \qquad \lambda_{jZ} = 0

for (c_j, λ_j, the free tariffs t_Z of zero-weight sectors) by Newton's method (exact H, finite differences
in c and t_Z only), started from the root of sign(det H)·σ_min(H) in c. A sector whose weight turns negative
joins Z (Ossa's λ ≥ 0), and the system is solved again. Where a shifted target is clipped at zero (c < 0,
e.g. China with the rescaled σ), we require the first-order condition with equality at the zero tariff (the
boundary of the interval of weights for which zero is optimal); Ossa's iteration stops anywhere in that
interval, and his re-centring, which includes clipped sectors in the mean, has no exact solution there.
The solution satisfies Ossa's conditions to solver precision; his published weights satisfy them to within his 0.3 pp stopping rule, which bounds how
closely they can be reproduced (see ``tests/test_political_weights.py``).

A stationary point of G_j need not be its maximum; :func:`check_second_order` re-optimises from the fitted
tariffs with :func:`tradetalks.model.ossa_optimal.optimal_tariff` (MFN) and reports the distance.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46
(Section IV.B and Table 1; replication package "Data_MS_AER_2012_0527", files ``mylambdaj.m`` and
``mymfnoptimaltariffj.m``, read for the method only).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tradetalks.data.readers.ossa2014 import mean_applied_tariffs
from tradetalks.errors import ModelError, ShapeError
from tradetalks.model.common import SolverOptions
from tradetalks.model.ossa import Equilibrium, FloatArray, OssaBaseline, _gov_level, solve_warm
from tradetalks.model.ossa_gradient import gov_welfare_gradient

PROHIBITIVE = 2.25
"""Ossa's threshold: measured tariffs above it are 'prohibitive' and matched in level."""

BOUND_MARGIN = 0.03
"""Upper bound of the calibration tariff above a prohibitive target (Ossa: t̄ + 0.03)."""

SHIFT_GRID = tuple(float(x) for x in np.round(np.arange(-0.5, 3.01, 0.1), 10))
"""Shifts c scanned for the first sign change of sign(det H)·σ_min(H) (the Newton start)."""


@dataclass(frozen=True, eq=False)
class CountryFit:
    """Calibration of one country's weights.

    Attributes
    ----------
    country
        Index of the country.
    weights
        (S,) λ_j, non-negative, mean 1.
    tariffs
        (S,) MFN tariffs at which the first-order conditions hold (Ossa's "should be" tariffs).
    shift
        c_j: common shift of the measured tariffs (non-prohibitive sectors).
    foc_residual
        Max |∂ ln G_j/∂t_s| at the fitted tariffs over sectors not at a bound (per unit of tariff).
    target_residual
        (S,) fitted tariffs minus Ossa's targets (zero except for zero-weight sectors, whose target is dropped).
    zero_weight
        (S,) sectors held at λ = 0.
    converged, iterations
        Newton diagnostics.
    curvature
        Largest eigenvalue of the Hessian of ln G_j in the MFN tariffs at the fit (:func:`check_second_order`;
        negative: a strict local maximum; NaN when not computed).
    """

    country: int
    weights: FloatArray
    tariffs: FloatArray
    shift: float
    foc_residual: float
    target_residual: FloatArray
    zero_weight: npt.NDArray[np.bool_]
    converged: bool
    iterations: int
    curvature: float = float("nan")


@dataclass(frozen=True, eq=False)
class PoliticalWeights:
    """Calibrated political-economy weights λ (N, S).

    Attributes
    ----------
    weights
        (N, S) λ; rows of countries not calibrated are ones.
    targets
        (N, S) the measured non-cooperative tariffs used (zero columns replaced), fractions.
    fits
        Per calibrated country, its :class:`CountryFit`.
    converged
        Every calibrated country converged.
    iterations
        Newton iterations summed over countries.
    seconds
        Wall time.
    """

    weights: FloatArray
    targets: FloatArray
    fits: tuple[CountryFit, ...]
    converged: bool
    iterations: int
    seconds: float
    method: str = field(default="Ossa (2014) MFN first-order conditions, Newton on (shift, lambda)")

    @property
    def foc_residual(self) -> float:
        """Worst first-order residual over the calibrated countries."""
        return max((f.foc_residual for f in self.fits), default=0.0)


def ossa_targets(
    noncoop: npt.ArrayLike, base: OssaBaseline, measured: npt.ArrayLike | None = None
) -> FloatArray:
    """Targets of the calibration: the measured tariffs, with unmeasured countries' rows replaced by their
    mean applied tariffs on ``base`` (:func:`mean_applied_tariffs`), as Ossa does for Brazil, India, ROW.

    Parameters
    ----------
    noncoop
        (N, S) measured non-cooperative tariffs [country, sector], fractions.
    base
        The (deficit-purged) baseline whose flows weight the mean applied tariffs.
    measured
        (N,) booleans: countries with measures. Default: rows that are not all zero.
    """
    tgt = np.array(noncoop, dtype=float)
    if tgt.shape != (base.n, base.s):
        raise ShapeError("noncoop_tariffs", f"shape ({base.n}, {base.s})", f"shape {tgt.shape}")
    if not np.all(np.isfinite(tgt)) or np.any(tgt < 0):
        raise ModelError("noncoop_tariffs: expected finite non-negative fractions")
    has = np.any(tgt != 0, axis=1) if measured is None else np.asarray(measured, dtype=bool)
    if has.shape != (base.n,):
        raise ShapeError("measured", f"shape ({base.n},)", f"shape {has.shape}")
    fill = mean_applied_tariffs(base.trade, base.tariff)
    tgt[~has] = fill[~has]
    return tgt


def _mfn_tariffs(base: OssaBaseline, j: int, t: FloatArray) -> FloatArray:
    """Full tariff array: j's MFN tariffs t (S,) on every partner, everyone else's as in the baseline."""
    tt = base.tariff.copy()
    partners = np.arange(base.n) != j
    tt[partners, j, :] = t[None, :]
    tt[j, j, :] = 0.0
    return tt


class _Country:
    """Evaluator of H(t) for one country (warm-started equilibria)."""

    def __init__(self, base: OssaBaseline, j: int, options: SolverOptions) -> None:
        self.base, self.j, self.options = base, j, options
        self.warm: tuple[FloatArray, FloatArray] | None = None
        self.evaluations = 0

    def solve(self, t: FloatArray) -> Equilibrium:
        eq = solve_warm(self.base, _mfn_tariffs(self.base, self.j, t), self.warm, options=self.options)
        self.warm = (np.log(eq.w_hat), np.log(eq.e_hat))
        return eq

    def h_matrix(self, t: FloatArray) -> FloatArray:
        """H_rs = A_js g_sr / Σ_s A_js at MFN tariffs t: H λ = (Σλ A/ΣA) ∂ ln G_j/∂t."""
        base, j = self.base, self.j
        n, s = base.n, base.s
        eq = self.solve(t)
        self.evaluations += 1
        partners = np.arange(n) != j
        h = np.empty((s, s))
        lev = np.empty(s)
        lam = np.ones((n, s))
        for k in range(s):
            lam[j] = 0.0
            lam[j, k] = 1.0
            g = gov_welfare_gradient(base, eq, [j], lam)[0][:, j, :]
            h[:, k] = g[partners].sum(axis=0)
            lev[k] = _gov_level(base, eq.trade_new[0], eq.tariff_new[0], eq.nx_new[0], lam)[j]
        if np.any(lev <= 0):
            raise ModelError(f"political weights: sector income of country {j} is not positive")
        return np.asarray(h * (lev / lev.sum())[None, :])


def _targets_of(target: FloatArray, c: float) -> FloatArray:
    ub = np.maximum(target + BOUND_MARGIN, PROHIBITIVE)
    return np.asarray(np.where(target > PROHIBITIVE, target, np.clip(target + c, 0.0, ub - BOUND_MARGIN)))


def _null_vector(h: FloatArray) -> tuple[float, FloatArray]:
    """sign(det H)·σ_min(H) and the (sign-fixed, mean-one) right singular vector of σ_min."""
    sign, _ = np.linalg.slogdet(h)
    _, sv, vt = np.linalg.svd(h)
    v = vt[-1] * (1.0 if vt[-1].sum() >= 0 else -1.0)
    return float(sign * sv[-1]), v / v.mean()


def _start_shift(ev: _Country, target: FloatArray) -> tuple[float, FloatArray]:
    """First sign change of sign(det H)·σ_min(H) over :data:`SHIFT_GRID`, refined by bisection."""
    from scipy import optimize

    def f(c: float) -> float:
        return _null_vector(ev.h_matrix(_targets_of(target, c)))[0]

    prev_c, prev_f = SHIFT_GRID[0], f(SHIFT_GRID[0])
    best = (abs(prev_f), prev_c)
    for c in SHIFT_GRID[1:]:
        fc = f(c)
        best = min(best, (abs(fc), c))
        if np.sign(fc) != np.sign(prev_f):
            root = float(optimize.brentq(f, prev_c, c, xtol=1e-3))  # Newton polishes it
            return root, _null_vector(ev.h_matrix(_targets_of(target, root)))[1]
        prev_c, prev_f = c, fc
    c0 = best[1]
    return c0, _null_vector(ev.h_matrix(_targets_of(target, c0)))[1]


def calibrate_country(
    base: OssaBaseline,
    country: int,
    target: npt.ArrayLike,
    *,
    tol: float = 1e-10,
    max_iter: int = 60,
    options: SolverOptions = SolverOptions(tol=1e-12),
) -> CountryFit:
    """Weights λ_j of one country so that its MFN best response reproduces ``target`` (Ossa's conditions).

    Parameters
    ----------
    base
        The deficit-purged baseline (Ossa calibrates there).
    country
        Index j.
    target
        (S,) measured non-cooperative tariffs of j (fractions; zero columns already replaced).
    tol
        Newton tolerance on the max-norm of the scaled first-order residual H λ.
    max_iter
        Newton iterations per active set.

    Returns
    -------
    CountryFit
    """
    n, s = base.n, base.s
    if not 0 <= country < n:
        raise ModelError(f"country: expected an index in [0, {n}); found {country}")
    tgt = np.asarray(target, dtype=float)
    if tgt.shape != (s,):
        raise ShapeError("target", f"shape ({s},)", f"shape {tgt.shape}")
    ev = _Country(base, country, options)
    c, lam = _start_shift(ev, tgt)
    zero = np.zeros(s, dtype=bool)
    free_t = _targets_of(tgt, c)  # tariffs of zero-weight sectors (free)
    iterations = 0
    converged = False
    h = ev.h_matrix(_targets_of(tgt, c))
    for _ in range(s):  # active-set passes: a negative weight joins the zero set
        lam = np.where(zero, 0.0, lam)
        lam = lam / lam.mean()
        converged, it, c, lam, free_t, h = _newton(ev, tgt, zero, c, lam, free_t, tol, max_iter)
        iterations += it
        if not np.any(lam[~zero] < 0):
            break
        neg = np.where(zero, np.inf, lam)
        zero[int(np.argmin(neg))] = True
    t_fit = np.where(zero, free_t, _targets_of(tgt, c))
    at_bound = zero & (t_fit <= 0.0)
    resid = h @ lam
    foc = float(np.abs(resid[~at_bound]).max()) if np.any(~at_bound) else 0.0
    negative = bool(np.any(lam[~zero] < 0))
    lam = np.maximum(lam, 0.0)
    return CountryFit(
        country=country,
        weights=lam / lam.mean(),
        tariffs=t_fit,
        shift=float(c),
        foc_residual=foc,
        target_residual=t_fit - _targets_of(tgt, c),
        zero_weight=zero,
        converged=bool(converged and not negative),
        iterations=iterations,
    )


def _newton(
    ev: _Country,
    tgt: FloatArray,
    zero: npt.NDArray[np.bool_],
    c: float,
    lam: FloatArray,
    free_t: FloatArray,
    tol: float,
    max_iter: int,
) -> tuple[bool, int, float, FloatArray, FloatArray, FloatArray]:
    """Newton iterations on (c, t_Z, λ_F) for a given zero-weight set Z (F its complement)."""
    s = tgt.size
    fz = np.flatnonzero(zero)
    ff = np.flatnonzero(~zero)

    def tariffs(c_: float, tz: FloatArray) -> FloatArray:
        t = _targets_of(tgt, c_)
        t[fz] = tz
        return t

    def residual(c_: float, tz: FloatArray, lf: FloatArray) -> tuple[FloatArray, FloatArray]:
        t = tariffs(c_, tz)
        h = ev.h_matrix(t)
        lam_ = np.zeros(s)
        lam_[ff] = lf
        rows = ~(zero & (t <= 0.0))  # a zero-weight tariff at its lower bound: inequality, row dropped
        return np.concatenate([(h @ lam_)[rows], [lam_.mean() - 1.0]]), h

    tz = free_t[fz].copy()
    lf = lam[ff].copy()
    r, h = residual(c, tz, lf)
    step_h = 1e-6
    for it in range(1, max_iter + 1):
        if np.abs(r).max() < tol:
            return True, it - 1, c, _full(lf, ff, s), tariffs(c, tz), h
        t = tariffs(c, tz)
        rows = ~(zero & (t <= 0.0))
        # Jacobian: columns c, t_Z (finite differences), λ_F (exact: H)
        cols = []
        rc, _ = residual(c + step_h, tz, lf)
        cols.append((rc - r) / step_h)
        for m in range(fz.size):
            dz = tz.copy()
            dz[m] += step_h
            rz, _ = residual(c, dz, lf)
            cols.append((rz - r) / step_h)
        jl = np.vstack([h[rows][:, ff], np.full((1, ff.size), 1.0 / s)])
        jac = np.column_stack([*cols, jl])
        delta = np.linalg.lstsq(jac, -r, rcond=None)[0]
        norm0 = float(np.linalg.norm(r))
        alpha = 1.0
        while True:
            c_new = c + alpha * delta[0]
            tz_new = np.maximum(tz + alpha * delta[1 : 1 + fz.size], 0.0)
            lf_new = lf + alpha * delta[1 + fz.size :]
            r_new, h_new = residual(c_new, tz_new, lf_new)
            if np.linalg.norm(r_new) < norm0 or alpha < 1e-3:
                break
            alpha /= 2.0
        c, tz, lf, r, h = c_new, tz_new, lf_new, r_new, h_new
    ok = bool(np.abs(r).max() < tol)
    return ok, max_iter, c, _full(lf, ff, s), tariffs(c, tz), h


def _full(lf: FloatArray, ff: npt.NDArray[np.intp], s: int) -> FloatArray:
    lam = np.zeros(s)
    lam[ff] = lf
    return lam


def calibrate_political_weights(
    base: OssaBaseline,
    noncoop_tariffs: npt.ArrayLike,
    *,
    measured: npt.ArrayLike | None = None,
    countries: Sequence[int] | None = None,
    tol: float = 1e-10,
    max_iter: int = 60,
    options: SolverOptions = SolverOptions(tol=1e-12),
    fit_country: Callable[[int, FloatArray], CountryFit] | None = None,
) -> PoliticalWeights:
    """Calibrate Ossa's political-economy weights λ (N, S) from measured non-cooperative tariffs.

    For each country j (see the module docstring for the conditions): λ_j ≥ 0 with mean one such that j's MFN
    best response, all other tariffs factual, equals the measured tariffs up to one common shift
    (prohibitive ones > 2.25 in level).

    Parameters
    ----------
    base
        The deficit-purged baseline (``ossa.baseline_from_data(data, "balanced")``) with the σ to calibrate for.
    noncoop_tariffs
        (N, S) measured non-cooperative tariffs [country, sector], fractions (Ossa's ``tariff_noncoop.csv``
        transposed); rows of unmeasured countries are replaced by mean applied tariffs (:func:`ossa_targets`).
    measured
        (N,) countries with measures; default: rows not all zero.
    countries
        Countries to calibrate (default all); the others' rows are ones (a best response of j depends on
        λ_j only).
    tol, max_iter
        Newton tolerance (scaled first-order residual) and iteration limit per active set.
    fit_country
        ``(j, target_j) -> CountryFit`` replacing :func:`calibrate_country` (a cached fit,
        :func:`tradetalks.model.political_source.weights_for`); ``tol``, ``max_iter`` and ``options`` are then
        the hook's business.

    Returns
    -------
    PoliticalWeights

    Raises
    ------
    ShapeError, ModelError
        Bad shapes or tariffs; a non-positive sector income.
    """
    start = time.perf_counter()
    targets = ossa_targets(noncoop_tariffs, base, measured)
    which = range(base.n) if countries is None else sorted({int(c) for c in countries})
    lam = np.ones((base.n, base.s))
    fits = []
    for j in which:
        if fit_country is None:
            fit = calibrate_country(base, j, targets[j], tol=tol, max_iter=max_iter, options=options)
        else:
            fit = fit_country(j, targets[j])
        lam[j] = fit.weights
        fits.append(fit)
    return PoliticalWeights(
        weights=lam,
        targets=targets,
        fits=tuple(fits),
        converged=all(f.converged for f in fits),
        iterations=sum(f.iterations for f in fits),
        seconds=time.perf_counter() - start,
    )


def mfn_hessian(base: OssaBaseline, fit: CountryFit, step: float = 1e-5) -> FloatArray:
    """Hessian (S, S) of ln G_j in j's MFN tariffs at the fitted point, fitted weights: central differences
    of the exact implicit-function gradient (one-sided at a zero tariff), symmetrised."""
    j = fit.country
    lam = np.ones((base.n, base.s))
    lam[j] = fit.weights
    ev = _Country(base, j, SolverOptions(tol=1e-12))
    partners = np.arange(base.n) != j

    def grad(t: FloatArray) -> FloatArray:
        eq = ev.solve(t)
        return np.asarray(gov_welfare_gradient(base, eq, [j], lam)[0][partners, j, :].sum(axis=0))

    hess = np.empty((base.s, base.s))
    g0 = grad(fit.tariffs)
    for k in range(base.s):
        d = np.zeros(base.s)
        d[k] = step
        if fit.tariffs[k] >= step:
            hess[:, k] = (grad(fit.tariffs + d) - grad(fit.tariffs - d)) / (2.0 * step)
        else:  # at the lower bound: one-sided
            hess[:, k] = (grad(fit.tariffs + d) - g0) / step
    return np.asarray(0.5 * (hess + hess.T))


def check_second_order(base: OssaBaseline, fit: CountryFit) -> float:
    """Largest eigenvalue of the Hessian of ln G_j over the MFN tariffs not held at a bound, at the fitted
    point: negative when the fitted tariffs are a strict local maximum (the point Ossa's optimiser, started
    near the targets, finds). A global check is a best response from several starts
    (:func:`tradetalks.model.ossa_optimal.optimal_tariff`); with Ossa's per-sector calibration bounds lifted
    (0 ≤ t ≤ 10) a prohibitive sector can run to the bound (e.g. Japan's rice)."""
    hess = mfn_hessian(base, fit)
    keep = ~(fit.zero_weight & (fit.tariffs <= 0.0))
    return float(np.linalg.eigvalsh(hess[np.ix_(keep, keep)]).max())


__all__ = [
    "BOUND_MARGIN",
    "PROHIBITIVE",
    "CountryFit",
    "PoliticalWeights",
    "calibrate_country",
    "calibrate_political_weights",
    "check_second_order",
    "mean_applied_tariffs",
    "mfn_hessian",
    "ossa_targets",
]
