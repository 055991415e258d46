r"""Augmented-Lagrangian solver of Ossa's (2014) cooperative tariffs (equal % gains, efficient).

Split out of :mod:`tradetalks.model.strategic` (which keeps the public :func:`~tradetalks.model.strategic.
cooperative`). The problem, in the players' moving import tariffs t (scaled by the square root of their
flows, y = t·√(flow / max flow)) and the common gain x:

.. math::  \max_{y, x}\; x \quad \text{s.t.}\quad c_j(y, x) = \ln \hat G_j(t) - \ln \hat G_j(t^0) - x \ge 0,
           \qquad 0 \le t \le 10,

solved by the bound-constrained augmented Lagrangian (Nocedal & Wright 2006, ch. 17, eq. 17.65 with
inequality multipliers μ ≥ 0 and penalty ρ): each outer iteration minimises

.. math::  -x + \frac{1}{2\rho}\sum_j \big(\max(0, \mu_j - \rho c_j)^2 - \mu_j^2\big)

with L-BFGS-B on the exact implicit-function gradients of every player's welfare (one factorisation per
point), then updates μ ← max(0, μ − ρc) and raises ρ while the violation exceeds the tolerance.

Multi-start at an affordable cost (issue 11): every starting point first runs :data:`SCREEN_OUTER` outer
iterations with loose inner solves (:data:`INNER_LOOSE`: an inexact augmented Lagrangian, whose inner
tolerance is tightened only where it matters, as in Conn, Gould & Toint 1991); only the starts whose
screened common gain is within :data:`SCREEN_MARGIN` of the best screened one are continued from their
state with tight inner solves (:data:`INNER_TIGHT`) to the run's own convergence test.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
Nocedal, J. & Wright, S. (2006). Numerical Optimization, 2nd ed., ch. 17. Springer.
Conn, A. R., Gould, N. I. M. & Toint, P. L. (1991). A globally convergent augmented Lagrangian algorithm for
optimization with general constraints and simple bounds. SIAM J. Numer. Anal. 28(2), 545–572.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.errors import ModelError
from tradetalks.model.common import SolverOptions
from tradetalks.model.ossa import (
    TARIFF_UPPER,
    Equilibrium,
    FloatArray,
    OssaBaseline,
    gov_welfare_hat,
    solve_equilibrium,
    solve_warm,
)
from tradetalks.model.ossa_gradient import gov_welfare_gradient

COOP_STARTS: tuple[str, ...] = ("uniform", "current", "zero", "random")
"""Names of the optimiser's starting points (see :meth:`EqualGainProblem.start_point`)."""
COOP_DEFAULT_STARTS: tuple[str, ...] = ("uniform", "zero", "current", "random", "random")
"""Starting points of the cooperative tariffs by default: the best common uniform tariff, free trade among
the players, the start tariffs and two random points (seeded)."""

SCREEN_OUTER = 3
"""Outer iterations every start runs with loose inner solves before the best are continued."""
SCREEN_REL = 0.03
"""A start whose common gain after the screening iterations is below the best converged one by more than
this share of it is not continued (measured on ``ossa2014``: the screened gain is within 1.1 % of the
start's final one; dropped random starts ended 10 % below the best)."""
INNER_TIGHT: dict[str, Any] = {"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 30}
"""L-BFGS-B options of the continued (converging) phase."""

IterationHook = Callable[[int, int, float], None]


class EqualGainProblem:
    """Ossa's equal-gain problem for given players and start tariffs, in scaled variables.

    Attributes
    ----------
    g_start
        (N,) ln Ĝ at the start tariffs (gains are measured from it).
    mask
        (N, N, S) moving tariffs: the players' off-diagonal import tariffs.
    vidx, nv, scale
        Variable of each moving tariff (MFN: one per player and sector), their number and scales.
    """

    def __init__(
        self,
        base: OssaBaseline,
        t0: FloatArray,
        players: Sequence[int],
        lam: npt.ArrayLike | None,
        mfn: bool,
        options: SolverOptions,
    ) -> None:
        n, s = base.n, base.s
        self.base, self.t0, self.ps, self.lam, self.options = base, t0, list(players), lam, options
        eq0 = solve_equilibrium(base, t0, options=options)
        self.g_start = np.log(gov_welfare_hat(base, eq0, lam)[0])
        mask = np.zeros((n, n, s), dtype=bool)
        mask[:, self.ps, :] = True
        mask[np.arange(n), np.arange(n), :] = False
        if mfn:
            _, jj, ss_ = np.nonzero(mask)
            vidx = np.unique(jj * s + ss_, return_inverse=True)[1].ravel()
        else:
            vidx = np.arange(int(mask.sum()))
        self.mask, self.vidx = mask, vidx
        self.nv = int(vidx.max()) + 1
        flows = np.bincount(vidx, weights=base.trade[mask], minlength=self.nv)
        self.scale = np.maximum(np.sqrt(np.maximum(flows, 1e-12) / flows.max()), 1e-4)
        self.warm: tuple[FloatArray, FloatArray] | None = None

    def tariffs(self, y: FloatArray) -> FloatArray:
        t = self.t0.copy()
        t[self.mask] = np.clip(y / self.scale, 0.0, TARIFF_UPPER)[self.vidx]
        return t

    def _solve(self, y: FloatArray) -> Equilibrium:
        eq = solve_warm(self.base, self.tariffs(y), self.warm, options=self.options)
        self.warm = (np.log(eq.w_hat), np.log(eq.e_hat))
        return eq

    def gains(self, y: FloatArray) -> FloatArray:
        """(P,) players' log gains from the start at ``y``."""
        eq = self._solve(y)
        return np.asarray(
            np.log(gov_welfare_hat(self.base, eq, self.lam)[0, self.ps]) - self.g_start[self.ps]
        )

    def evaluate(self, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Gains (P,) and their gradients (P, nv) with respect to y."""
        eq = self._solve(y)
        g = np.log(gov_welfare_hat(self.base, eq, self.lam)[0, self.ps]) - self.g_start[self.ps]
        gm = gov_welfare_gradient(self.base, eq, self.ps, self.lam)[:, self.mask]  # (P, moving tariffs)
        grad = np.stack([np.bincount(self.vidx, weights=row, minlength=self.nv) for row in gm]) / self.scale
        return np.asarray(g), grad

    def start_point(self, name: str, rng: np.random.Generator) -> FloatArray:
        """Scaled starting point: ``"current"`` (the start tariffs), ``"zero"`` (free trade among the
        players), ``"uniform"`` (the common uniform tariff u ∈ [0, 1] on every moving tariff maximising the
        smallest gain), ``"random"`` (tariffs uniform on [0, 1])."""
        if name == "current":
            cur = np.bincount(self.vidx, weights=self.t0[self.mask], minlength=self.nv)
            return np.asarray(cur / np.bincount(self.vidx, minlength=self.nv) * self.scale)
        if name == "zero":
            return np.zeros(self.nv)
        if name == "uniform":
            res = optimize.minimize_scalar(
                lambda u: -float(self.gains(u * self.scale).min()),
                bounds=(0.0, 1.0),
                method="bounded",
                options={"xatol": 1e-4},
            )
            return np.asarray(float(res.x) * self.scale)
        return np.asarray(rng.uniform(0.0, 1.0, self.nv) * self.scale)


@dataclass(frozen=True)
class ALState:
    """State of one augmented-Lagrangian run (continuable)."""

    y: FloatArray
    x: float
    mu: FloatArray
    rho: float
    gain: float
    iterations: int = 0
    violation: float = np.inf
    converged: bool = False


def al_start(prob: EqualGainProblem, y: FloatArray) -> ALState:
    """Initial state at ``y``: multipliers 1/P, penalty 100, x the smallest gain."""
    prob.warm = None
    g = prob.gains(y)
    p = len(prob.ps)
    return ALState(y=y, x=float(g.min()), mu=np.full(p, 1.0 / p), rho=100.0, gain=float(g.min()))


def _inner(prob: EqualGainProblem, st: ALState, inner: dict[str, Any]) -> tuple[FloatArray, float]:
    """Minimise the augmented Lagrangian at (μ, ρ) over (y, x) with L-BFGS-B from the state's point."""
    mu, rho = st.mu, st.rho

    def fg(z: FloatArray) -> tuple[float, FloatArray]:
        gz, gradz = prob.evaluate(z[:-1])
        c = gz - z[-1]
        m = np.maximum(0.0, mu - rho * c)
        f = -z[-1] + float(((m**2) - mu**2).sum()) / (2 * rho)
        return f, np.concatenate([-(m[:, None] * gradz).sum(axis=0), [-1.0 + m.sum()]])

    res = optimize.minimize(
        fg,
        np.concatenate([st.y, [st.x]]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, TARIFF_UPPER * sc) for sc in prob.scale] + [(None, None)],
        options=inner,
    )
    return np.asarray(res.x[:-1]), float(res.x[-1])


def inner_options(k: int) -> dict[str, Any]:
    """L-BFGS-B options of outer iteration k (0-based): loose first, tight from :data:`SCREEN_OUTER` on
    (an inexact augmented Lagrangian: early subproblems, whose multipliers are still far off, need not be
    solved to full accuracy)."""
    if k >= SCREEN_OUTER:
        return INNER_TIGHT
    f = 10.0 ** (SCREEN_OUTER - k)  # 1000, 100, 10
    return {**INNER_TIGHT, "maxiter": 300, "gtol": 1e-10 * f * f, "ftol": 1e-15 * f**3}


def al_iterate(
    prob: EqualGainProblem,
    st: ALState,
    n_outer: int,
    tol: float,
    hook: Callable[[float], None] | None = None,
) -> ALState:
    """Up to ``n_outer`` outer iterations from ``st``; stops when the run's own test holds.

    Test (``converged``): constraint violation below ``tol``, gains equal to 10·``tol`` and multipliers
    settled (change below 1e-4) after a tight inner solve. The penalty grows fivefold when the violation
    is above ``tol`` and did not fall to a quarter of the previous one (Nocedal & Wright 2006, §17.4).
    ``hook(violation)`` is called after every outer iteration.
    """
    for _ in range(n_outer):
        k = st.iterations
        inner = inner_options(k)
        y, x = _inner(prob, st, inner)
        g = prob.gains(y)
        c = g - x
        mu_new = np.maximum(0.0, st.mu - st.rho * c)
        viol = float(np.abs(np.minimum(c, 0.0)).max())
        dmu = float(np.abs(mu_new - st.mu).max())
        ok = inner is INNER_TIGHT and viol < tol and float(g.max() - g.min()) < 10 * tol and dmu < 1e-4
        grow = viol > tol and viol > 0.25 * st.violation
        rho = min(st.rho * 5.0, 1e7) if grow else st.rho
        st = ALState(y, x, mu_new, rho, float(g.min()), k + 1, viol, ok)
        if hook is not None:
            hook(viol)
        if ok:
            break
    return st


def multi_start(
    prob: EqualGainProblem,
    names: Sequence[str],
    seed: int,
    tol: float,
    max_outer: int,
    hook: Callable[[float], None] | None = None,
) -> tuple[ALState, list[tuple[str, float]], int, int]:
    """Run every start (dropping those clearly worse after screening), keep the best converged run.

    Each start runs :data:`SCREEN_OUTER` loose outer iterations; unless its common gain is then below the
    best converged gain so far by more than :data:`SCREEN_REL` of it, it runs on to its own convergence.

    Returns the kept state, each start's common log gain (dropped starts: their screened value), the total
    number of outer iterations and the number of dropped starts.
    """
    bad = [p for p in names if p not in COOP_STARTS]
    if not names or bad:
        raise ModelError(f"starts: expected names among {COOP_STARTS}; found {list(names)}")
    rng = np.random.default_rng(seed)
    final: list[ALState] = []
    best = -np.inf
    dropped = 0
    for name in names:
        st = al_iterate(
            prob, al_start(prob, prob.start_point(name, rng)), min(SCREEN_OUTER, max_outer), tol, hook
        )
        if st.converged or st.gain >= best - SCREEN_REL * abs(best):
            st = al_iterate(prob, st, max_outer - st.iterations, tol, hook)
        else:
            dropped += 1
        if st.converged:
            best = max(best, st.gain)
        final.append(st)
    ok = [st for st in final if st.converged] or final
    kept = max(ok, key=lambda st: st.gain)
    reached = [(nm, st.gain) for nm, st in zip(names, final, strict=True)]
    return kept, reached, sum(st.iterations for st in final), dropped
