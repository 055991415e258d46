r"""Bargaining solutions on a two-party utility frontier U_B = f(U_A) (f decreasing).

With disagreement point d and the individually rational part of the frontier (u ≥ d):

* **Nash** (Nash 1950; weighted/asymmetric: Kalai 1977): :math:`\max \beta_A \ln(u_A - d_A) + \beta_B \ln(u_B - d_B)`.
  Axioms: Pareto efficiency, symmetry, invariance to positive affine transformations of utilities,
  independence of irrelevant alternatives (Osborne & Rubinstein 1990, ch. 2).
  Known solutions: u_A + u_B = 1, d = 0 → (1/2, 1/2); u_B = 1 − u_A², d = 0 → u_A = 1/√3.
* **Kalai–Smorodinsky** (Kalai & Smorodinsky 1975): the frontier point on the segment from d to the ideal
  point a, :math:`(u_A - d_A)/(a_A - d_A) = (u_B - d_B)/(a_B - d_B)`, with a_i the best u_i on the
  individually rational frontier.
* **Egalitarian** (Kalai 1977): equal gains :math:`u_A - d_A = u_B - d_B`. With U = 100 ln Ĝ and d the
  starting point, equal gains are Ossa's (2014) equal-%-gain (cooperative) rule for two governments.
* **Rubinstein** alternating offers (Rubinstein 1982) with per-round discount factors δ_i on gains over the
  *impasse* payoff e (the payoff while talks drag on): the stationary subgame-perfect proposals x (A's)
  and y (B's) satisfy :math:`f(x) - e_B = \delta_B (f(y) - e_B)` and :math:`y - e_A = \delta_A (x - e_A)`;
  A proposes first and x is accepted. With δ_i = exp(−r_i Δ) and Δ → 0 the outcome converges to the
  asymmetric Nash solution with β_i ∝ 1/r_i relative to e (Binmore, Rubinstein & Wolinsky 1986).
  *Outside options* o (the payoff if talks collapse) act as constraints only (outside-option principle,
  Binmore, Shaked & Sutton 1989; Osborne & Rubinstein 1990, §3.12).

References
----------
Nash, J. (1950). The Bargaining Problem. Econometrica 18(2), 155–162.
Kalai, E. & Smorodinsky, M. (1975). Other Solutions to Nash's Bargaining Problem. Econometrica 43(3).
Kalai, E. (1977). Proportional Solutions to Bargaining Situations. Econometrica 45(7).
Rubinstein, A. (1982). Perfect Equilibrium in a Bargaining Model. Econometrica 50(1), 97–109.
Binmore, K., Rubinstein, A. & Wolinsky, A. (1986). The Nash Bargaining Solution in Economic Modelling.
RAND Journal of Economics 17(2), 176–188.
Osborne, M. J. & Rubinstein, A. (1990). Bargaining and Markets. Academic Press.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import interpolate, optimize

from tradetalks.errors import BargainingError

FloatArray = npt.NDArray[np.float64]

SolutionName = Literal["nash", "ks", "egalitarian", "equal-gain", "rubinstein"]
SOLUTIONS: tuple[str, ...] = ("nash", "ks", "egalitarian", "equal-gain", "rubinstein")


@dataclass(frozen=True, eq=False)
class UtilityFrontier:
    """A Pareto frontier U_B = f(U_A) on [lo, hi], f continuous and strictly decreasing.

    Build from a function (analytic test frontiers) or from points with :meth:`from_points`.
    """

    f: Callable[[float], float]
    lo: float
    hi: float
    points: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))

    @classmethod
    def from_points(cls, ua: npt.ArrayLike, ub: npt.ArrayLike) -> UtilityFrontier:
        """Monotone piecewise-cubic (PCHIP) interpolation of the non-dominated points."""
        a = np.asarray(ua, dtype=float)
        b = np.asarray(ub, dtype=float)
        order = np.argsort(a)
        a, b = a[order], b[order]
        keep = [len(a) - 1]
        for i in range(len(a) - 2, -1, -1):  # keep points with U_B above all points to their right
            if b[i] > b[keep[-1]] + 1e-12 and a[i] < a[keep[-1]] - 1e-12:
                keep.append(i)
        keep = keep[::-1]
        a, b = a[keep], b[keep]
        if len(a) < 2:
            raise BargainingError(f"frontier: expected at least two non-dominated points; found {len(a)}")
        pch = interpolate.PchipInterpolator(a, b, extrapolate=False)
        lo, hi = float(a[0]), float(a[-1])
        return cls(lambda x: float(pch(min(max(x, lo), hi))), lo, hi, np.column_stack([a, b]))

    def __call__(self, ua: float) -> float:
        return self.f(ua)

    def inverse(self, ub: float) -> float:
        """U_A at which the frontier gives U_B = ub (clipped to the domain)."""
        if ub >= self.f(self.lo):
            return self.lo
        if ub <= self.f(self.hi):
            return self.hi
        x, _ = _root(lambda x: self.f(x) - ub, self.lo, self.hi)  # end point if no sign change (flat ends)
        return x

    def rational(self, d: FloatArray) -> tuple[float, float]:
        """The U_A-interval of the individually rational frontier (U ≥ d)."""
        lo = max(self.lo, float(d[0]))
        hi = self.inverse(float(d[1])) if self.f(self.lo) > d[1] else self.lo
        hi = min(hi, self.hi)
        if not (hi > lo and self.f(lo) > d[1]):
            raise BargainingError(
                f"no zone of agreement: the frontier has no point strictly above the no-deal point {np.round(d, 6).tolist()}"
            )
        return lo, hi

    def distance(self, u: npt.ArrayLike) -> float:
        """Euclidean distance of a point from the frontier curve: positive inside (dominated), negative beyond."""
        p = np.asarray(u, dtype=float)
        grid = np.linspace(self.lo, self.hi, 401)
        vals = np.array([self.f(g) for g in grid])
        d2 = (grid - p[0]) ** 2 + (vals - p[1]) ** 2
        k = int(np.argmin(d2))
        a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
        r = optimize.minimize_scalar(
            lambda x: (x - p[0]) ** 2 + (self.f(x) - p[1]) ** 2,
            bounds=(a, b),
            method="bounded",
            options={"xatol": 1e-12},
        )
        dist = float(np.sqrt(min(float(r.fun), float(d2[k]))))
        inside = (
            p[1] < self.f(min(max(p[0], self.lo), self.hi)) if self.lo <= p[0] <= self.hi else p[0] < self.lo
        )
        return dist if inside else -dist


@dataclass(frozen=True)
class Solution:
    """A bargaining solution in utility space.

    Attributes
    ----------
    name
        Solution concept.
    u
        (2,) objectives of A and B.
    params
        Weights, discount factors, reference points used.
    """

    name: str
    u: FloatArray
    params: dict[str, Any] = field(default_factory=dict)


def _check_d(d: npt.ArrayLike) -> FloatArray:
    a = np.asarray(d, dtype=float)
    if a.shape != (2,) or not np.all(np.isfinite(a)):
        raise BargainingError(f"no-deal point: expected two finite numbers; found {d!r}")
    return a


def _root(g: Callable[[float], float], lo: float, hi: float) -> tuple[float, bool]:
    """Root of g on [lo, hi]; if g does not change sign (the frontier ends before the condition can hold),
    the end point with the smaller |g| and ``True`` (boundary solution)."""
    glo, ghi = g(lo), g(hi)
    if not (np.isfinite(glo) and np.isfinite(ghi)):
        raise BargainingError(f"frontier: expected finite values at its ends; found {glo!r}, {ghi!r}")
    if glo == 0.0:
        return lo, False
    if ghi == 0.0:
        return hi, False
    if glo * ghi > 0:
        return (lo if abs(glo) < abs(ghi) else hi), True
    return float(optimize.brentq(g, lo, hi, xtol=1e-14, rtol=1e-14)), False


def nash(fr: UtilityFrontier, d: npt.ArrayLike, beta: Sequence[float] = (1.0, 1.0)) -> Solution:
    """(Weighted) Nash bargaining solution: maximise β_A ln(u_A − d_A) + β_B ln(f(u_A) − d_B)."""
    dd = _check_d(d)
    b = np.asarray(beta, dtype=float)
    if b.shape != (2,) or np.any(b <= 0):
        raise BargainingError(f"beta: expected two positive weights; found {beta!r}")
    lo, hi = fr.rational(dd)

    def neg(x: float) -> float:
        ga, gb = x - dd[0], fr(x) - dd[1]
        if ga <= 0 or gb <= 0:
            return 1e300
        return float(-(b[0] * np.log(ga) + b[1] * np.log(gb)))

    grid = np.linspace(lo, hi, 201)[1:-1]
    k = int(np.argmin([neg(g) for g in grid]))
    a0 = grid[max(k - 1, 0)] if k > 0 else lo
    a1 = grid[min(k + 1, len(grid) - 1)] if k < len(grid) - 1 else hi
    r = optimize.minimize_scalar(neg, bounds=(a0, a1), method="bounded", options={"xatol": 1e-13})
    x = float(r.x)
    return Solution("nash", np.array([x, fr(x)]), {"beta": b.tolist(), "d": dd.tolist()})


def _ideal(fr: UtilityFrontier, dd: FloatArray) -> tuple[FloatArray, float, float]:
    lo, hi = fr.rational(dd)
    return np.array([hi, fr(lo)]), lo, hi


def kalai_smorodinsky(fr: UtilityFrontier, d: npt.ArrayLike) -> Solution:
    """Kalai–Smorodinsky: the frontier point on the line from d to the ideal point."""
    dd = _check_d(d)
    ideal, lo, hi = _ideal(fr, dd)

    def g(x: float) -> float:
        return float((x - dd[0]) / (ideal[0] - dd[0]) - (fr(x) - dd[1]) / (ideal[1] - dd[1]))

    x, edge = _root(g, lo, hi)
    return Solution("ks", np.array([x, fr(x)]), {"d": dd.tolist(), "ideal": ideal.tolist(), "boundary": edge})


def egalitarian(fr: UtilityFrontier, d: npt.ArrayLike, name: str = "egalitarian") -> Solution:
    """Egalitarian: equal gains u_A − d_A = u_B − d_B on the frontier."""
    dd = _check_d(d)
    lo, hi = fr.rational(dd)
    x, edge = _root(lambda x: float((x - dd[0]) - (fr(x) - dd[1])), lo, hi)
    return Solution(name, np.array([x, fr(x)]), {"d": dd.tolist(), "boundary": edge})


def rubinstein(
    fr: UtilityFrontier,
    impasse: npt.ArrayLike,
    delta: Sequence[float],
    outside: npt.ArrayLike | None = None,
    first: int = 0,
) -> Solution:
    """Stationary subgame-perfect outcome of Rubinstein's alternating-offers game.

    Parameters
    ----------
    fr
        Frontier.
    impasse
        (2,) payoff while talks drag on; discounting shrinks gains over it.
    delta
        Per-round discount factors (δ_A, δ_B), each in (0, 1).
    outside
        Optional (2,) outside options (payoff if talks collapse); binding only if a party's Rubinstein
        payoff falls below it.
    first
        0 if A proposes first, 1 if B does.
    """
    e = _check_d(impasse)
    da, db = (float(x) for x in delta)
    if not (0 < da < 1 and 0 < db < 1):
        raise BargainingError(f"delta: expected discount factors in (0, 1); found {tuple(delta)}")
    lo, hi = fr.rational(e)
    if first == 0:
        # x: A's proposal (u_A = x); B indifferent between x now and its own proposal y next round.
        def g(x: float) -> float:
            y = e[0] + da * (x - e[0])
            return float((fr(x) - e[1]) - db * (fr(y) - e[1]))

        x, edge = _root(g, lo, hi)
        u = np.array([x, fr(x)])
    else:

        def h(z: float) -> float:  # z: u_A of B's proposal; A's proposal x next round leaves B indifferent
            xa = fr.inverse(e[1] + db * (fr(z) - e[1]))
            return float((z - e[0]) - da * (xa - e[0]))

        z, edge = _root(h, lo, hi)
        u = np.array([z, fr(z)])
    binding = "none"
    if outside is not None:
        o = _check_d(outside)
        if u[1] < o[1]:
            u = np.array([fr.inverse(float(o[1])), float(o[1])])
            binding = "B"
        elif u[0] < o[0]:
            u = np.array([float(o[0]), fr(float(o[0]))])
            binding = "A"
    return Solution(
        "rubinstein",
        u,
        {
            "delta": [da, db],
            "impasse": e.tolist(),
            "first": "AB"[first],
            "outside_binding": binding,
            "boundary": edge,
        },
    )


def solve(
    name: str,
    fr: UtilityFrontier,
    d: npt.ArrayLike,
    *,
    beta: Sequence[float] = (1.0, 1.0),
    delta: Sequence[float] = (0.95, 0.95),
    impasse: npt.ArrayLike | None = None,
) -> Solution:
    """Dispatch by name (``nash``, ``ks``, ``egalitarian``, ``equal-gain``, ``rubinstein``)."""
    if name == "nash":
        return nash(fr, d, beta)
    if name == "ks":
        return kalai_smorodinsky(fr, d)
    if name == "egalitarian":
        return egalitarian(fr, d)
    if name == "equal-gain":
        return egalitarian(fr, d, name="equal-gain")
    if name == "rubinstein":
        return rubinstein(fr, d if impasse is None else impasse, delta, outside=d)
    raise BargainingError(f"solution: expected one of {SOLUTIONS}; found {name!r}")
