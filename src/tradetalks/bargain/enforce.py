r"""Self-enforcement of a trade deal: one-shot deviation gain against the present value of the no-deal loss.

A deal gives party i the per-period payoff :math:`u^D_i`. Deviating for one period with its best
response against the deal (its tariffs on the other party re-optimised, everything else as agreed)
gives :math:`u^{dev}_i`; afterwards talks collapse and the no-deal point :math:`u^N_i` holds forever
(grim trigger). With discount factor δ per period, the deal is self-enforcing for i when

.. math::  \frac{u^D_i}{1-\delta} \ \ge\ u^{dev}_i + \frac{\delta}{1-\delta}\, u^N_i
           \iff \underbrace{u^{dev}_i - u^D_i}_{\text{one-shot gain } g_i}
           \ \le\ \frac{\delta}{1-\delta}\,\underbrace{(u^D_i - u^N_i)}_{\text{no-deal loss } \ell_i},

so the critical discount factor is :math:`\delta^*_i = g_i / (g_i + \ell_i)` (0 when :math:`g_i \le 0`;
never self-enforcing — reported as ``inf`` — when :math:`\ell_i \le 0 < g_i`). The deal is self-enforcing
at δ when δ ≥ max_i δ*_i.

References
----------
Bagwell, K. & Staiger, R. W. (1990). A Theory of Managed Trade. American Economic Review 80(4), 779–95.
Maggi, G. (1999). The Role of Multilateral Institutions in International Trade Cooperation. AER 89(1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.bargain.objectives import objective_values
from tradetalks.bargain.space import NoDealPoint, PackageSpace
from tradetalks.errors import BargainingError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Enforcement:
    """Self-enforcement check of a deal, per party (arrays of shape (2,), party A first).

    Attributes
    ----------
    u_deal, u_deviate, u_nodeal
        Per-period payoffs under the deal, after a one-shot best-response deviation, and at no deal.
    gain
        One-shot deviation gain u_deviate − u_deal (≥ 0 up to solver tolerance).
    loss
        Per-period no-deal loss u_deal − u_nodeal.
    pv_loss
        Present value of the no-deal loss from the next period on, δ/(1−δ)·loss.
    critical_delta
        δ* = gain / (gain + loss); ``inf`` when no δ < 1 sustains the deal for that party.
    delta
        The discount factor checked.
    self_enforcing
        gain ≤ pv_loss for both parties.
    deviation_tariff
        Each party's deviation tariffs, (2, N, N, S) (empty for an abstract game).
    """

    parties: tuple[str, str]
    u_deal: FloatArray
    u_deviate: FloatArray
    u_nodeal: FloatArray
    gain: FloatArray
    loss: FloatArray
    pv_loss: FloatArray
    critical_delta: FloatArray
    delta: float
    self_enforcing: bool
    deviation_tariff: FloatArray

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (objective units as the payoffs)."""
        out: dict[str, Any] = {"delta": self.delta, "self_enforcing": self.self_enforcing}
        for k, p in enumerate(self.parties):
            cd = float(self.critical_delta[k])
            out[p] = {
                "u_deal": float(self.u_deal[k]),
                "u_deviate": float(self.u_deviate[k]),
                "u_nodeal": float(self.u_nodeal[k]),
                "one_shot_gain": float(self.gain[k]),
                "no_deal_loss_per_period": float(self.loss[k]),
                "pv_no_deal_loss": float(self.pv_loss[k]),
                "critical_delta": cd if np.isfinite(cd) else None,
            }
        out["critical_delta"] = _finite_or_none(float(np.max(self.critical_delta)))
        return out


def _finite_or_none(v: float) -> float | None:
    return v if np.isfinite(v) else None


def critical_delta(gain: npt.ArrayLike, loss: npt.ArrayLike) -> FloatArray:
    """δ* = g / (g + ℓ) elementwise; 0 where g ≤ 0; ``inf`` where ℓ ≤ 0 < g (never sustainable)."""
    g = np.asarray(gain, dtype=float)
    ell = np.asarray(loss, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(g <= 0.0, 0.0, np.where(ell <= 0.0, np.inf, g / (g + ell)))
    return np.asarray(d, dtype=float)


def check_payoffs(
    parties: tuple[str, str],
    u_deal: npt.ArrayLike,
    u_deviate: npt.ArrayLike,
    u_nodeal: npt.ArrayLike,
    delta: float,
    deviation_tariff: FloatArray | None = None,
) -> Enforcement:
    """The check from per-period payoffs (the pure core; see the module docstring).

    Raises
    ------
    BargainingError
        δ outside [0, 1).
    """
    if not 0.0 <= delta < 1.0:
        raise BargainingError(f"delta: expected a discount factor in [0, 1); found {delta}")
    ud, uv, un = (np.asarray(v, dtype=float).reshape(2) for v in (u_deal, u_deviate, u_nodeal))
    gain = uv - ud
    loss = ud - un
    pv = delta / (1.0 - delta) * loss
    return Enforcement(
        parties=parties,
        u_deal=ud,
        u_deviate=uv,
        u_nodeal=un,
        gain=gain,
        loss=loss,
        pv_loss=pv,
        critical_delta=critical_delta(gain, loss),
        delta=float(delta),
        self_enforcing=bool(np.all(gain <= pv + 1e-12)),
        deviation_tariff=np.zeros(0) if deviation_tariff is None else deviation_tariff,
    )


def self_enforcement(
    parties: tuple[str, str],
    payoff: Callable[[Any], FloatArray],
    deviate: Callable[[int, Any], Any],
    deal: Any,
    u_nodeal: npt.ArrayLike,
    delta: float,
) -> Enforcement:
    """Generic check: ``payoff(point) -> (2,)``, ``deviate(i, deal) -> point`` (party i's best response
    against the deal). Used with the Ossa package space by :func:`check_package` and with analytic
    games in the tests."""
    u_deal = np.asarray(payoff(deal), dtype=float)
    u_dev = np.array([float(np.asarray(payoff(deviate(i, deal)))[i]) for i in (0, 1)])
    return check_payoffs(parties, u_deal, u_dev, u_nodeal, delta)


def check_package(
    space: PackageSpace,
    x: npt.ArrayLike,
    nodeal: NoDealPoint,
    delta: float,
    *,
    starts: Sequence[str] | None = None,
) -> Enforcement:
    """Self-enforcement of package ``x`` against the breakdown point ``nodeal``.

    Each party's deviation is its best response (:func:`tradetalks.model.ossa_optimal.optimal_tariff`, tariffs on
    the other party only, maximising Ossa's G with the party's political weights) against the package's
    tariffs; the side items of the package are kept during the deviation period (conservative: they are
    the other party's to withhold only from the next period on). Payoffs are the parties' objectives.
    """
    from tradetalks.model.ossa_optimal import DEFAULT_STARTS, optimal_tariff

    xa = np.asarray(x, dtype=float)
    t_deal = space.tariffs(xa)
    side = space.side(xa)
    u_deal = space.evaluate(xa, gradient=False).u
    a, b = space.objectives[0].country, space.objectives[1].country
    devs = []
    u_dev = np.zeros(2)
    for k, (me, other) in enumerate(((a, b), (b, a))):
        r = optimal_tariff(
            space.base,
            me,
            tariff=t_deal,
            political_weights=space.objectives[k].lam,
            partners=[other],
            starts=DEFAULT_STARTS if starts is None else tuple(starts),
        )
        devs.append(r.tariff)
        u_all = objective_values(space.objectives, space.base, r.equilibrium, side)[0] + space.side_value(xa)
        u_dev[k] = float(u_all[k])
    return check_payoffs(space.parties, u_deal, u_dev, nodeal.u, delta, np.stack(devs))
