r"""Pareto frontier of a two-party package space, traced by the ε-constraint method.

Each frontier point solves

.. math:: \max_{x \in [\ell, h]} U_A(x) \quad \text{s.t.}\quad U_B(x) \ge \underline u_B

for a grid of floors :math:`\underline u_B`, with SLSQP on the exact implicit-function gradients, each point
warm-started from the previous one along the floor (Haimes, Lasdon & Wismer 1971; Miettinen 1999, ch. 3.2).
The end points ("anchors") are A's best package (with, if a no-deal point d is given, U_B ≥ d_B) and B's best
package (with U_A ≥ d_A); the part of the frontier between them is the zone of agreement. Objectives are
not concave in tariffs in general, so a repair pass re-solves any point dominated by another, starting
from that point's package.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.bargain.solutions import UtilityFrontier
from tradetalks.bargain.space import PackageSpace
from tradetalks.errors import BargainingError
from tradetalks.model.threads import single_blas_thread

FloatArray = npt.NDArray[np.float64]
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class Frontier:
    """Traced Pareto frontier.

    Attributes
    ----------
    parties
        Labels of A and B.
    u
        (P, 2) objectives of the frontier packages, sorted by increasing U_A.
    x
        (P, K) packages.
    converged
        (P,) whether each constrained maximisation converged.
    floors
        (P,) floors on U_B used.
    nodeal
        (2,) no-deal point the zone was restricted to (NaN if none).
    seconds, evaluations
        Cost of tracing.
    """

    parties: tuple[str, str]
    u: FloatArray
    x: FloatArray
    converged: npt.NDArray[np.bool_]
    floors: FloatArray
    nodeal: FloatArray
    seconds: float
    evaluations: int

    def curve(self) -> UtilityFrontier:
        """The frontier as a decreasing function U_B = f(U_A) (monotone piecewise-cubic interpolation of
        the non-dominated points)."""
        return UtilityFrontier.from_points(self.u[:, 0], self.u[:, 1])

    def package_near(self, u: FloatArray) -> FloatArray:
        """Package interpolated linearly between the two frontier points bracketing U_A = u[0]."""
        ua = self.u[:, 0]
        if u[0] <= ua[0]:
            return np.asarray(self.x[0].copy())
        if u[0] >= ua[-1]:
            return np.asarray(self.x[-1].copy())
        k = int(np.searchsorted(ua, u[0]))
        w = (u[0] - ua[k - 1]) / max(ua[k] - ua[k - 1], 1e-300)
        return np.asarray((1 - w) * self.x[k - 1] + w * self.x[k])

    def to_records(self) -> list[dict[str, object]]:
        return [
            {
                "u_" + self.parties[0]: float(p[0]),
                "u_" + self.parties[1]: float(p[1]),
                "package": x.tolist(),
                "converged": bool(c),
            }
            for p, x, c in zip(self.u, self.x, self.converged, strict=True)
        ]


@dataclass(frozen=True)
class ConstrainedMax:
    x: FloatArray
    u: FloatArray
    converged: bool
    iterations: int


def maximise(
    space: PackageSpace,
    who: int,
    floor: float | None,
    x0: FloatArray,
    counter: list[int] | None = None,
    maxiter: int = 200,
) -> ConstrainedMax:
    r"""Maximise party ``who``'s objective subject to the other's ≥ ``floor`` (None: no floor), SLSQP.

    The optimiser works on the instruments scaled to the unit box, :math:`z_k = (x_k - \ell_k)/(h_k -
    \ell_k)`, so a tariff (a fraction) and a pledge (US$bn, up to 1000) move on one scale (unscaled, SLSQP's
    quasi-Newton steps hardly moved the transfers and stopped at points below the frontier), with BLAS on
    one thread (its small dense systems are slower multi-threaded on a shared machine).
    """
    other = 1 - who
    lo, hi = space.lower, space.upper
    width = np.where(hi > lo, hi - lo, 1.0)
    cache: dict[bytes, tuple[FloatArray, FloatArray]] = {}

    def ev(z: FloatArray) -> tuple[FloatArray, FloatArray]:
        key = np.asarray(z, dtype=float).tobytes()
        if key not in cache:
            if counter is not None:
                counter[0] += 1
            pe = space.evaluate(np.clip(lo + width * z, lo, hi))
            cache.clear()
            cache[key] = (pe.u, pe.grad * width)
        return cache[key]

    cons = []
    if floor is not None:
        fl = float(floor)
        cons.append(
            {
                "type": "ineq",
                "fun": lambda z: float(ev(z)[0][other] - fl),
                "jac": lambda z: ev(z)[1][other],
            }
        )
    with single_blas_thread():
        res = optimize.minimize(
            lambda z: -float(ev(z)[0][who]),
            np.clip((np.asarray(x0, dtype=float) - lo) / width, 0.0, 1.0),
            jac=lambda z: -ev(z)[1][who],
            method="SLSQP",
            bounds=[(0.0, 1.0)] * len(lo),
            constraints=cons,
            options={"maxiter": maxiter, "ftol": 1e-10},
        )
        z = np.clip(res.x, 0.0, 1.0)
        u = ev(z)[0]
    x = np.clip(lo + width * z, lo, hi)
    ok = bool(res.success) and (floor is None or u[other] >= floor - 1e-6)
    return ConstrainedMax(x, u.copy(), ok, int(res.nit))


def trace_frontier(
    space: PackageSpace,
    n_points: int = 30,
    nodeal: FloatArray | None = None,
    x0: FloatArray | None = None,
    progress: ProgressFn | None = None,
) -> Frontier:
    """Trace the Pareto frontier of a package space.

    Parameters
    ----------
    space
        Package space with the two objectives.
    n_points
        Number of frontier points (≥ 2, anchors included).
    nodeal
        Optional no-deal point (2,): restrict the frontier to the zone of agreement U ≥ d.
    x0
        Starting package (default: the reference package).
    progress
        Optional callback ``(what, done, total)``.

    Raises
    ------
    BargainingError
        ``n_points < 2`` or no package gives both parties at least their no-deal objectives.
    """
    if n_points < 2:
        raise BargainingError(f"n_points: expected at least 2; found {n_points}")
    start = time.perf_counter()
    counter = [0]
    xs = space.reference_x() if x0 is None else np.asarray(x0, dtype=float)
    d = None if nodeal is None else np.asarray(nodeal, dtype=float)
    anchors = []
    for who in (0, 1):
        anchors.append(_anchor(space, who, d, [xs, space.lower.copy()], counter))
        if progress is not None:
            progress("frontier", who + 1, n_points)
    a_anchor, b_anchor = anchors
    lo, hi = sorted((float(a_anchor.u[1]), float(b_anchor.u[1])))
    floors = np.linspace(lo, hi, n_points)
    points = [
        a_anchor,
        *_sweep_floors(space, floors[1:-1], a_anchor.x, counter, progress, n_points),
        b_anchor,
    ]
    points = _repair(space, points, floors, counter)
    u_arr = np.array([p.u for p in points])
    order = np.argsort(u_arr[:, 0], kind="stable")
    return Frontier(
        parties=space.parties,
        u=u_arr[order],
        x=np.array([p.x for p in points])[order],
        converged=np.array([p.converged for p in points], dtype=bool)[order],
        floors=floors[order],
        nodeal=np.full(2, np.nan) if d is None else d,
        seconds=time.perf_counter() - start,
        evaluations=counter[0],
    )


def _anchor(
    space: PackageSpace, who: int, d: FloatArray | None, starts: list[FloatArray], counter: list[int]
) -> ConstrainedMax:
    """End point of the frontier: party ``who``'s best package (with the other at least at its no-deal
    value), the best converged run over ``starts``.

    Raises
    ------
    BargainingError
        The best package leaves a party below the no-deal point (no zone of agreement).
    """
    best: ConstrainedMax | None = None
    for s0 in starts:
        r = maximise(space, who, None if d is None else float(d[1 - who]), s0, counter)
        if (r.converged or best is None or not best.converged) and (best is None or r.u[who] > best.u[who]):
            best = r
    assert best is not None
    if d is not None and (best.u[1 - who] < d[1 - who] - 1e-6 or best.u[who] < d[who] - 1e-6):
        raise BargainingError(
            f"no zone of agreement: party {space.parties[who]}'s best package gives "
            f"{best.u.round(4).tolist()}, below the no-deal point {d.round(4).tolist()}"
        )
    return best


def _sweep_floors(
    space: PackageSpace,
    floors: FloatArray,
    x_start: FloatArray,
    counter: list[int],
    progress: ProgressFn | None,
    n_points: int,
) -> list[ConstrainedMax]:
    """A's best package at each floor on U_B, in order, each started from the secant predictor of the two
    previous packages (from ``x_start`` at the first floor)."""
    out = []
    xw, xprev = x_start, None
    for k, fl in enumerate(floors, start=1):
        xg = xw if xprev is None else np.clip(2.0 * xw - xprev, space.lower, space.upper)
        r = maximise(space, 0, float(fl), xg, counter)
        out.append(r)
        xprev, xw = xw, r.x
        if progress is not None:
            progress("frontier", k + 2, n_points)
    return out


def _repair(
    space: PackageSpace, points: list[ConstrainedMax], floors: FloatArray, counter: list[int]
) -> list[ConstrainedMax]:
    """Re-solve interior points dominated (in U_A at a weakly higher U_B) by another point, started from
    the dominating point's package; keep the re-solve when it is better and meets the floor."""
    points = list(points)
    u_arr = np.array([p.u for p in points])
    for i in range(1, len(points) - 1):
        better = (u_arr[:, 1] >= floors[i] - 1e-9) & (u_arr[:, 0] > u_arr[i, 0] + 1e-7)
        if better.any():
            j = int(np.flatnonzero(better)[np.argmax(u_arr[better, 0])])
            r = maximise(space, 0, float(floors[i]), points[j].x, counter)
            if r.u[0] > u_arr[i, 0] and r.u[1] >= floors[i] - 1e-6:
                points[i] = r
                u_arr[i] = r.u
    return points
