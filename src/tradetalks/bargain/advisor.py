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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.bargain.frontier import maximise
from tradetalks.bargain.space import PackageSpace
from tradetalks.errors import BargainingError, OptionError
from tradetalks.inputs import parse_float
from tradetalks.model.threads import single_blas_thread

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
    *,
    progress: Callable[[str, int, int], None] | None = None,
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
    progress
        Optional callback ``("advice", done, 4)`` after each of the four steps (offer, best counter-offer,
        position, concession); a raising callback stops the advice.

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

    def step(done: int) -> None:
        if progress is not None:
            progress("advice", done, 4)

    uo = space.evaluate(xo, gradient=False).u.copy()
    step(1)
    best = maximise(space, us, float(uo[them]), xo)
    step(2)
    if best.u[us] < uo[us]:  # numerical safety: the offer itself is in the set
        best_x, best_u, conv_best = xo, uo, best.converged
    else:
        best_x, best_u, conv_best = best.x, best.u, best.converged
    if position is None:
        xp = maximise(space, us, None, best_x).x
    else:
        xp = np.clip(np.asarray(position, dtype=float), space.lower, space.upper)
        if xp.shape != (space.k,):
            raise BargainingError(f"position: expected {space.k} instrument values; found shape {xp.shape}")
    step(3)
    xc, uc, ok_c = smallest_concession(space, uo, xp, best_x)
    step(4)
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


def smallest_concession(
    space: PackageSpace, floors: FloatArray, position: FloatArray, x0: FloatArray
) -> tuple[FloatArray, FloatArray, bool]:
    r"""The package closest to ``position`` (instrument space scaled by the bounds) that gives both parties
    at least ``floors``: :math:`\min_x \sum_k ((x_k - p_k)/(\bar x_k - \underline x_k))^2` s.t.
    :math:`U(x) \ge` floors, SLSQP from ``x0`` (a package of the set). Returns (x, U(x), success), where
    success means the optimiser's own test held and x is in the set (to 1e-7)."""
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
            "fun": (lambda x, m=m: float(ev(x)[0][m] - floors[m])),
            "jac": (lambda x, m=m: ev(x)[1][m]),
        }
        for m in (0, 1)
    ]
    with single_blas_thread():
        res = optimize.minimize(
            lambda x: float((((x - position) / width) ** 2).sum()),
            x0,
            jac=lambda x: 2.0 * (x - position) / width**2,
            method="SLSQP",
            bounds=list(zip(space.lower, space.upper, strict=True)),
            constraints=cons,
            options={"maxiter": 200, "ftol": 1e-12},
        )
    xc = np.clip(res.x, space.lower, space.upper)
    uc = space.evaluate(xc, gradient=False).u.copy()
    in_set = bool(np.all(uc >= floors - 1e-7))
    return xc, uc, bool(res.success) and in_set


# --------------------------------------------------------------------------------------------
# the size of the improvement set, and offers typed as text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ImprovementSet:
    """How large the set of packages both sides prefer to the offer is.

    Attributes
    ----------
    max_gain
        (2,) each party's largest gain over the offer within the set (party A, B; objective units ≈ % of
        government welfare): party m's best package with the other held at its offer value, minus the
        offer's value. For the advised party it is the gain of the best counter-offer.
    max_gain_usd_bn
        The same in US$bn a year at each party's gross expenditure.
    sampled_share
        Share of ``samples`` packages drawn uniformly over the instrument bounds (seeded) that are in the
        set: the set's share of the package space.
    samples, seed
        The draw.
    """

    max_gain: FloatArray
    max_gain_usd_bn: FloatArray
    sampled_share: float
    samples: int
    seed: int

    def as_dict(self, parties: tuple[str, str]) -> dict[str, Any]:
        return {
            "max_gain_pct": {p: float(v) for p, v in zip(parties, self.max_gain, strict=True)},
            "max_gain_usd_bn_per_year": {
                p: float(v) for p, v in zip(parties, self.max_gain_usd_bn, strict=True)
            },
            "sampled_share": self.sampled_share,
            "samples": self.samples,
            "seed": self.seed,
        }


def improvement_set(
    space: PackageSpace, advice: CounterOffer, samples: int = 256, seed: int = 0
) -> ImprovementSet:
    """Size of the improvement set of an advice: each side's largest gain in it (the advised party's is
    its best counter-offer; the other side's is one more constrained maximisation from the offer) and the
    share of uniformly sampled packages that lie in it (one batched solve per 64 packages)."""
    from tradetalks.bargain.transfers import usd_bn_per_unit

    us, them = advice.us, 1 - advice.us
    gain = np.zeros(2)
    gain[us] = advice.best_u[us] - advice.offer_u[us]
    theirs = maximise(space, them, float(advice.offer_u[us]), advice.offer_x)
    gain[them] = max(float(theirs.u[them] - advice.offer_u[them]), 0.0)
    rng = np.random.default_rng(seed)
    xs = space.lower + (space.upper - space.lower) * rng.random((samples, space.k))
    share = float(np.mean(np.all(space.values(xs) >= advice.offer_u - 1e-12, axis=1))) if samples else 0.0
    per = usd_bn_per_unit(space.base.expenditure, [o.country for o in space.objectives])
    return ImprovementSet(gain, gain * per, share, samples, seed)


def parse_offer(space: PackageSpace, items: Sequence[str] | None, option: str = "--offer") -> FloatArray:
    """A package from items ``IMPORTER:SECTOR|all=PCT`` (tariff instruments whose importer matches and
    whose sectors include SECTOR, or all) or ``NAME=VALUE`` (an instrument by its full name; tariffs in
    percent, side items in US$ bn); instruments not named stay at the reference, values are clipped to the
    instruments' bounds.

    Raises
    ------
    OptionError
        A malformed item or a name that matches no instrument.
    NumberFormatError, NonFiniteError, BoundsError
        A value that is not a finite number ≥ 0 (:func:`tradetalks.inputs.parse_float`).
    """
    x = space.reference_x()
    names = [i.name for i in space.instruments]
    for it in items or []:
        key, sep, val = it.rpartition("=")
        if not sep:
            raise OptionError(option, "IMPORTER:SECTOR|all=PCT or NAME=VALUE", it)
        v = parse_float(val, f"{option} {key}", lo=0.0, hi=1e6)
        if key in names:
            k = names.index(key)
            x[k] = v / 100.0 if space.instruments[k].kind == "tariff" else v
            continue
        imp, _, sec = key.partition(":")
        hit = False
        for k, ins in enumerate(space.instruments):
            if ins.kind != "tariff" or space.countries[ins.importer] != imp:
                continue
            if sec == "all" or (sec in space.sectors and space.sectors.index(sec) in ins.sectors):
                x[k] = v / 100.0
                hit = True
        if not hit:
            raise OptionError(option, "an instrument name or IMPORTER:SECTOR|all of a party", key)
    return np.asarray(np.clip(x, space.lower, space.upper))
