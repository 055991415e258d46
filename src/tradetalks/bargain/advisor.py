r"""Counter-offer advisor: packages both sides prefer to the other side's offer.

Given the other side's offer :math:`x^o` with objectives :math:`u^o = (U_{us}(x^o), U_{them}(x^o))`, the
*improvement set* is :math:`I = \{x \in X : U_{us}(x) \ge u^o_{us},\ U_{them}(x) \ge u^o_{them}\}`.
The advisor reports

* the **best counter-offer for us** in I: :math:`\max_x U_{us}(x)` s.t. :math:`U_{them}(x) \ge u^o_{them}`
  (it is in I, since :math:`x^o` is feasible), a point of the Pareto frontier;
* the **smallest concession**: the package closest to our own position :math:`x^{us}` (our last offer,
  or by default our ideal package) in instrument space scaled by the bounds,
  :math:`\min_x \sum_k ((x_k - x^{us}_k)/(\bar x_k - \underline x_k))^2` s.t. :math:`x \in I`.

Both are solved by SLSQP on the exact gradients of the package space (:mod:`tradetalks.bargain.space`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.bargain.frontier import maximise
from tradetalks.bargain.space import PackageSpace
from tradetalks.errors import BargainingError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CounterOffer:
    """Advice against an offer; objectives are (party A, party B) as in the space.

    Attributes
    ----------
    us
        Index (0 or 1) of the advised party.
    offer_x, offer_u
        The other side's offer and its objectives.
    best_x, best_u
        Best package for us that leaves the other side at least as well off as its offer.
    concession_x, concession_u
        The package of I closest to ``position_x`` (our smallest concession).
    position_x
        Our position (last offer or ideal package).
    gain
        Our gain at the best counter-offer over the offer (objective units).
    converged
        Both optimisations converged.
    """

    parties: tuple[str, str]
    us: int
    offer_x: FloatArray
    offer_u: FloatArray
    best_x: FloatArray
    best_u: FloatArray
    concession_x: FloatArray
    concession_u: FloatArray
    position_x: FloatArray
    gain: float
    converged: bool

    def in_set(self, u: npt.ArrayLike, tol: float = 1e-7) -> bool:
        """Whether objectives u are weakly preferred by both sides to the offer."""
        return bool(np.all(np.asarray(u, dtype=float) >= self.offer_u - tol))

    def as_dict(self, space: PackageSpace) -> dict[str, Any]:
        def pkg(x: FloatArray) -> dict[str, float]:
            return {i.name: float(v) for i, v in zip(space.instruments, x, strict=True)}

        a, b = self.parties
        return {
            "advised_party": self.parties[self.us],
            "offer": {
                "u": {a: float(self.offer_u[0]), b: float(self.offer_u[1])},
                "package": pkg(self.offer_x),
            },
            "best_counter_offer": {
                "u": {a: float(self.best_u[0]), b: float(self.best_u[1])},
                "package": pkg(self.best_x),
            },
            "smallest_concession": {
                "u": {a: float(self.concession_u[0]), b: float(self.concession_u[1])},
                "package": pkg(self.concession_x),
                "from_position": pkg(self.position_x),
            },
            "gain_over_offer": self.gain,
            "converged": self.converged,
        }


def advise(
    space: PackageSpace,
    offer: npt.ArrayLike,
    us: int = 0,
    position: npt.ArrayLike | None = None,
) -> CounterOffer:
    """Counter-offer advice for party ``us`` (0 = A, 1 = B) against the other side's ``offer``.

    Parameters
    ----------
    space
        The package space.
    offer
        The other side's latest package (K,).
    us
        The party advised.
    position
        Our own position (K,) the concession is measured from; default our ideal package (max U_us
        without a floor).

    Raises
    ------
    BargainingError
        Bad shapes or party index.
    """
    if us not in (0, 1):
        raise BargainingError(f"us: expected 0 or 1 (party A or B); found {us}")
    xo = np.asarray(offer, dtype=float)
    if xo.shape != (space.k,):
        raise BargainingError(f"offer: expected {space.k} instrument values; found shape {xo.shape}")
    xo = np.clip(xo, space.lower, space.upper)
    them = 1 - us
    uo = space.evaluate(xo, gradient=False).u.copy()
    best = maximise(space, us, float(uo[them]), xo)
    if best.u[us] < uo[us]:  # numerical safety: the offer itself is in the set
        best_x, best_u, conv_best = xo, uo, best.converged
    else:
        best_x, best_u, conv_best = best.x, best.u, best.converged
    if position is None:
        ideal = maximise(space, us, None, best_x)
        xp = ideal.x
    else:
        xp = np.clip(np.asarray(position, dtype=float), space.lower, space.upper)
        if xp.shape != (space.k,):
            raise BargainingError(f"position: expected {space.k} instrument values; found shape {xp.shape}")
    width = np.maximum(space.upper - space.lower, 1e-12)
    cache: dict[bytes, tuple[FloatArray, FloatArray]] = {}

    def ev(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        key = x.tobytes()
        if key not in cache:
            pe = space.evaluate(np.clip(x, space.lower, space.upper))
            cache.clear()
            cache[key] = (pe.u, pe.grad)
        return cache[key]

    cons = [
        {
            "type": "ineq",
            "fun": (lambda x, m=m: float(ev(x)[0][m] - uo[m])),
            "jac": (lambda x, m=m: ev(x)[1][m]),
        }
        for m in (0, 1)
    ]
    res = optimize.minimize(
        lambda x: float((((x - xp) / width) ** 2).sum()),
        best_x,
        jac=lambda x: 2.0 * (x - xp) / width**2,
        method="SLSQP",
        bounds=list(zip(space.lower, space.upper, strict=True)),
        constraints=cons,
        options={"maxiter": 200, "ftol": 1e-12},
    )
    xc = np.clip(res.x, space.lower, space.upper)
    uc = space.evaluate(xc, gradient=False).u.copy()
    ok_c = bool(res.success) and bool(np.all(uc >= uo - 1e-7))
    if not np.all(uc >= uo - 1e-7):  # fall back to the best counter-offer, which is in the set
        xc, uc = best_x, best_u
    return CounterOffer(
        parties=space.parties,
        us=us,
        offer_x=xo,
        offer_u=uo,
        best_x=np.asarray(best_x),
        best_u=np.asarray(best_u),
        concession_x=xc,
        concession_u=uc,
        position_x=xp,
        gain=float(best_u[us] - uo[us]),
        converged=conv_best and ok_c,
    )
