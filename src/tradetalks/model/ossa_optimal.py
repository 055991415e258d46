r"""Ossa (2014): optimal (best-response) tariffs.

Split out of :mod:`tradetalks.model.ossa` (the equilibrium). Gradients of government welfare with respect to
all tariffs come from the implicit-function theorem (:mod:`tradetalks.model.ossa_gradient`: one adjoint solve
per objective with the equilibrium's small 2N × 2N Jacobian). Optimal tariffs maximise Ĝ_j over j's import tariffs with L-BFGS-B on these exact
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
    gov_welfare_hat,
    solve_equilibrium,
    solve_warm,
    welfare_hat,
)
from tradetalks.model.ossa_gradient import gov_gradient_members, gov_welfare_gradient
from tradetalks.model.threads import single_blas_thread

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
        g = gov_gradient_members(self.base, eqb, ms, self.lam)[:, self.movers, self.country, :]
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


MAX_CONTINUATIONS = 3
"""How many times :func:`optimal_tariff` continues the kept run when the iteration limit stopped it."""


def _continue(prob: _BestResponse, best: Any, max_iter: int, gtol: float) -> tuple[Any, int]:
    """Continue the kept run from where the iteration limit stopped it (L-BFGS-B restarted there, its curvature
    memory reset), up to :data:`MAX_CONTINUATIONS` times, while the limit stops it; the run's own stopping test
    then decides ``converged`` as before. Returns the run and the extra iterations. (On world2022 with the CP
    elasticities, Japan's best response in a USA–JPN war ran into the limit of 500 with a projected gradient of
    5e-8, still moving.)"""
    extra = 0
    bounds = list(zip(np.zeros_like(prob.scale), TARIFF_UPPER * prob.scale, strict=True))
    for _ in range(MAX_CONTINUATIONS):
        if int(best.status) != 1:
            break
        res = minimize_lockstep(prob.fg_batch, [best.x], bounds,
                                {"maxiter": max_iter, "ftol": 1e-15, "gtol": gtol, "maxcor": 30})[0]
        extra += int(res.nit)
        if res.fun > best.fun:  # cannot happen for a descent method from best.x; kept for safety
            break
        best = res
    return best, extra


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
    kept = 0
    for k, (name, res) in enumerate(zip(starts, runs, strict=True)):
        total_it += int(res.nit)
        reached.append((name, float(np.exp(-res.fun))))
        if best is None or res.fun < best.fun:
            best, kept = res, k
    best, extra_it = _continue(prob, best, max_iter, gtol)
    total_it += extra_it
    reached[kept] = (reached[kept][0], float(np.exp(-best.fun)))
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
