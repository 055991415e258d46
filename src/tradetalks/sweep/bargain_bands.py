r"""Bands on a bargaining solution's package (issue 13): the solved package re-evaluated over elasticity draws.

A bargaining solution (:mod:`tradetalks.bargain`) is a package x in instrument space, found at the
space's calibrated σ. :func:`package_bands` holds x (and the no-deal point's tariffs) fixed and re-evaluates
both for M members — the central σ and Monte Carlo draws around it
(:func:`tradetalks.sweep.draws.mc_sigma`: mean-preserving log-normal, stated dispersion) — in **one batched
solve** each (:func:`tradetalks.model.ossa_batch.solve_equilibrium_batch`). Per member it reports both
parties' objectives :math:`U_m(x)` (the space's own objectives, side-item valuations included), their gains
over the no-deal point :math:`U_m(x) - U_m(d)`, their welfare :math:`100(\hat W - 1)` and the balance of A
with B after the package (:mod:`tradetalks.policy.outcome_arrays`), and the 5–95 % band of each
(:func:`tradetalks.sweep.uncertainty.band_stats`; non-converged members counted, not dropped).

It answers "does this package still beat no deal for both if the elasticities are off?", not "would the
parties have agreed on another package": the solution is not re-solved per draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.errors import SweepSpecError
from tradetalks.model import ossa_batch
from tradetalks.model.common import SolverOptions
from tradetalks.policy.outcome_arrays import OutcomeArrays, country_figures, pair_figures
from tradetalks.sweep.draws import DEFAULT_CORRELATION, DEFAULT_DISPERSION, mc_sigma
from tradetalks.sweep.members import member_eq
from tradetalks.sweep.uncertainty import PERCENTILES, band_stats

FloatArray = npt.NDArray[np.float64]
MAX_DRAWS = 100_000


@dataclass(frozen=True, eq=False)
class PackageBands:
    """Bands of one package: ``frame`` (index metric; columns central, p5, p95, min, max, mean, sd, n,
    n_converged, share_converged, unit) and how they were made."""

    frame: pd.DataFrame
    n_draws: int
    seed: int
    dispersion: str
    parties: tuple[str, str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN as null)."""
        rows = self.frame.reset_index().to_dict(orient="records")
        clean = [{str(k): (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
                 for r in rows]
        return {"n_draws": self.n_draws, "seed": self.seed, "dispersion": self.dispersion,
                "percentiles": list(PERCENTILES), "parties": list(self.parties), "bands": clean}


def _solve(space: Any, sigma: FloatArray, tariff: FloatArray, options: SolverOptions) -> tuple[Any, Any]:
    base = space.base
    pb = ossa_batch.calibrate_batch(base.trade, base.tariff, sigma)
    eq = ossa_batch.solve_equilibrium_batch(pb, tariff, options=options)
    return pb, eq


def _objectives(space: Any, pb: Any, eq: Any, x: FloatArray | None) -> FloatArray:
    """(M, 2) objectives of the space's parties for every member (the space's own objective functions)."""
    from tradetalks.bargain.objectives import objective_values

    side = space.side(x) if x is not None else None
    extra = space.side_value(x) if x is not None else np.zeros(2)
    return np.array([objective_values(space.objectives, pb.member(k), member_eq(eq, k), side)[0] + extra
                     for k in range(pb.size)])


def package_bands(
    space: Any, x: npt.ArrayLike, nodeal_tariff: npt.ArrayLike, n_draws: int, *, seed: int = 0,
    dispersion: float = DEFAULT_DISPERSION, correlation: float = DEFAULT_CORRELATION,
    options: SolverOptions = SolverOptions(strict=False),
) -> PackageBands:
    """Bands of a solved package's objectives, gains, welfare and balance over elasticity draws (module
    docstring).

    Parameters
    ----------
    space
        The :class:`tradetalks.bargain.space.PackageSpace` the package was solved in.
    x
        (K,) the package (e.g. ``to_package(...).x``).
    nodeal_tariff
        (N, N, S) tariffs of the no-deal point (``NoDealPoint.tariff``).
    n_draws
        Monte Carlo draws (≥ 0; the central member is always added).
    seed, dispersion, correlation
        Of the draws (:mod:`tradetalks.sweep.draws`).

    Raises
    ------
    SweepSpecError
        Negative or too many draws, negative dispersion, correlation outside [0, 1].
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or not 0 <= n_draws <= MAX_DRAWS:
        raise SweepSpecError("draws", f"a whole number in [0, {MAX_DRAWS}]", repr(n_draws))
    if not dispersion >= 0 or not 0.0 <= correlation <= 1.0:
        raise SweepSpecError("dispersion/correlation", "dispersion >= 0 and correlation in [0, 1]",
                             f"{dispersion}, {correlation}")
    xa = np.asarray(x, dtype=float)
    central = np.asarray(space.base.sigma, dtype=float)
    sigma = np.concatenate([central[None], mc_sigma(central, np.full(central.size, dispersion), n_draws, seed,
                                                    correlation)])
    pb, eq = _solve(space, sigma, space.tariffs(xa), options)
    _, eq_d = _solve(space, sigma, np.asarray(nodeal_tariff, dtype=float), options)
    u, d = _objectives(space, pb, eq, xa), _objectives(space, pb, eq_d, None)
    ok = eq.converged_each & eq_d.converged_each
    a, b = space.parties
    ia, ib = space.countries.index(a), space.countries.index(b)
    m, n = eq.w_hat.shape
    arrays = OutcomeArrays(np.broadcast_to(pb.trade, eq.trade_new.shape), eq.trade_new, pb.tariff, eq.tariff_new,
                           eq.w_hat, eq.e_hat, ossa_batch.welfare_hat_batch(pb, eq),
                           np.broadcast_to(pb.expenditure, (m, n)))
    figs = country_figures(arrays, 0)
    pair = pair_figures(arrays, (ia, ib), (a, b), 0)
    series: dict[str, tuple[FloatArray, str]] = {
        f"{a}.objective": (u[:, 0], "100 ln G"), f"{b}.objective": (u[:, 1], "100 ln G"),
        f"{a}.gain_over_no_deal": (u[:, 0] - d[:, 0], "100 ln G"),
        f"{b}.gain_over_no_deal": (u[:, 1] - d[:, 1], "100 ln G"),
        f"{a}.welfare_pct": (figs["welfare_pct"][:, ia], "%"), f"{b}.welfare_pct": (figs["welfare_pct"][:, ib], "%"),
        f"balance.{a}-{b}.after": (np.asarray(pair.balance_after), "US$bn"),
    }
    rows = [{"metric": k, "central": float(v[0]), **band_stats(v, ok), "unit": unit}
            for k, (v, unit) in series.items()]
    note = f"stated dispersion: cv of ln(sigma-1) {dispersion:g}, common share rho {correlation:g}, around the space's sigma"
    return PackageBands(pd.DataFrame(rows).set_index("metric"), n_draws, seed, note, (a, b))


__all__ = ["PackageBands", "package_bands"]
