r"""What a deal reveals: the bargaining weight under which a package is the (weighted) Nash solution.

The weighted Nash solution with weights (β, 1 − β) against the disagreement point d maximises
:math:`\beta \ln(u_A - d_A) + (1-\beta)\ln(f(u_A) - d_B)` on the frontier :math:`u_B = f(u_A)`; as β runs
from 0 to 1 its solution runs along the whole frontier inside the zone of agreement. The *implied* β of an
observed package with objectives :math:`u^r` minimises the distance between the Nash solution and
:math:`u^r`:

.. math:: \hat\beta = \arg\min_{\beta \in (0,1)} \lVert u^N(\beta) - u^r \rVert .

The fit is exact when :math:`u^r` lies on the frontier inside the zone of agreement (distance 0); otherwise
:math:`\hat\beta` is the closest fit and the distance is reported. Identification: the interval of β whose
Nash solution lies within the *tolerance* (twice the fit distance, at least 0.1 % of the frontier's span)
of :math:`u^r` — a narrow interval means β is well identified; an interval reaching 0 or 1 means the data
only bound it (e.g. a package outside the zone of agreement, where one side would rather have no deal).

Reference: Kalai, E. (1977). Nonsymmetric Nash solutions and replications of 2-person bargaining.
International Journal of Game Theory 6(3), 129–133.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.bargain.solutions import UtilityFrontier, nash

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ImpliedWeight:
    """The implied bargaining weight of party A (B's is 1 − β).

    Attributes
    ----------
    beta
        Best-fitting β of party A.
    u_real, u_nash
        The package's objectives and the Nash solution at β.
    distance
        ‖u_nash − u_real‖ (objective units): 0 for an exact fit.
    distance_to_frontier
        Distance of u_real from the frontier (≥ 0 inside).
    exact
        The fit is exact (distance below ``tol``).
    beta_interval
        (lo, hi): the β whose Nash solution is within the tolerance of u_real.
    in_zone
        u_real is at least the disagreement point for both parties.
    grid
        (β, distance) pairs of the search grid.
    """

    beta: float
    u_real: FloatArray
    u_nash: FloatArray
    distance: float
    distance_to_frontier: float
    exact: bool
    beta_interval: tuple[float, float]
    in_zone: bool
    tolerance: float
    grid: FloatArray

    @property
    def identified(self) -> str:
        lo, hi = self.beta_interval
        if lo <= 0.011 or hi >= 0.989:
            return "bounded only (interval reaches the end of (0, 1))"
        return "well identified" if hi - lo < 0.1 else "weakly identified"

    def as_dict(self, parties: tuple[str, str]) -> dict[str, Any]:
        return {
            f"beta_{parties[0]}": self.beta,
            f"beta_{parties[1]}": 1.0 - self.beta,
            "u_real": self.u_real.tolist(),
            "u_nash_at_beta": self.u_nash.tolist(),
            "fit_distance": self.distance,
            "distance_to_frontier": self.distance_to_frontier,
            "exact": self.exact,
            "beta_interval": list(self.beta_interval),
            "tolerance": self.tolerance,
            "identification": self.identified,
            "in_zone_of_agreement": self.in_zone,
        }


def implied_beta(
    curve: UtilityFrontier, d: npt.ArrayLike, u_real: npt.ArrayLike, n_grid: int = 99, tol: float = 1e-6
) -> ImpliedWeight:
    """The β of party A under which the weighted Nash solution is closest to ``u_real`` (module docstring)."""
    dd = np.asarray(d, dtype=float)
    ur = np.asarray(u_real, dtype=float)

    def sol(b: float) -> FloatArray:
        return nash(curve, dd, beta=(b, 1.0 - b)).u

    def dist(b: float) -> float:
        return float(np.linalg.norm(sol(b) - ur))

    betas = np.linspace(0.01, 0.99, n_grid)
    ds = np.array([dist(b) for b in betas])
    k = int(np.argmin(ds))
    lo_b, hi_b = betas[max(k - 1, 0)], betas[min(k + 1, n_grid - 1)]
    r = optimize.minimize_scalar(dist, bounds=(lo_b, hi_b), method="bounded", options={"xatol": 1e-8})
    beta = float(r.x) if float(r.fun) <= ds[k] else float(betas[k])
    best = min(float(r.fun), float(ds[k]))
    span = float(abs(curve.hi - curve.lo) + abs(curve(curve.lo) - curve(curve.hi)))
    tolerance = max(2.0 * best, 1e-3 * span, tol)
    inside = betas[ds <= tolerance]
    interval = (float(inside.min()), float(inside.max())) if inside.size else (beta, beta)
    return ImpliedWeight(
        beta=beta,
        u_real=ur,
        u_nash=sol(beta),
        distance=best,
        distance_to_frontier=float(curve.distance(ur)),
        exact=best < tol,
        beta_interval=(min(interval[0], beta), max(interval[1], beta)),
        in_zone=bool(np.all(ur >= dd)),
        tolerance=tolerance,
        grid=np.column_stack([betas, ds]),
    )


@dataclass(frozen=True, eq=False)
class ImpliedObjective:
    """Implied β over a grid of weights on one extra objective term of party A (e.g. the US weight on the
    bilateral balance with Japan): each weight gives its own frontier, no-deal objectives and real-deal
    objectives; the best weight is the one whose implied β fits best.

    Attributes
    ----------
    term
        Description of the term (e.g. ``"balance with JPN (per US$bn)"``).
    weights
        The grid.
    fits
        The implied β per weight.
    best
        Index of the best-fitting weight.
    """

    term: str
    weights: tuple[float, ...]
    fits: tuple[ImpliedWeight, ...]
    best: int

    def as_dict(self, parties: tuple[str, str]) -> dict[str, Any]:
        return {
            "term": self.term,
            "best_weight": self.weights[self.best],
            "best": self.fits[self.best].as_dict(parties),
            "grid": [
                {"weight": w, f"beta_{parties[0]}": f.beta, "fit_distance": f.distance, "exact": f.exact}
                for w, f in zip(self.weights, self.fits, strict=True)
            ],
            "identification": "the weight is identified only as well as the fit distance varies over the grid",
        }


def implied_objective_weight(
    space_for: Any,
    weights: tuple[float, ...],
    nodeal_tariff: FloatArray,
    real_x: Any,
    points: int = 15,
    term: str = "",
) -> ImpliedObjective:
    """For each weight w, ``space_for(w)`` builds the package space whose party-A objective carries that
    weight; its frontier is traced against the no-deal tariffs (evaluated in that objective), the real
    package ``real_x(space)`` evaluated, and its implied β found (:func:`implied_beta`)."""
    from tradetalks.bargain.frontier import trace_frontier

    fits = []
    for w in weights:
        space = space_for(w)
        d = space.values_of_tariff(nodeal_tariff)
        fr = trace_frontier(space, points, nodeal=d)
        u_real = space.evaluate(real_x(space), gradient=False).u
        fits.append(implied_beta(fr.curve(), d, u_real))
    best = int(np.argmin([f.distance for f in fits]))
    return ImpliedObjective(term, tuple(float(w) for w in weights), tuple(fits), best)
