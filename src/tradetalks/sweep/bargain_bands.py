r"""Bands on a bargaining solution's package (issue 13): the solved package re-evaluated over elasticity draws.

A bargaining solution (:mod:`tradetalks.bargain`) is a package x in instrument space, found at the
space's calibrated σ. :func:`package_bands` holds x (and the no-deal point's tariffs) fixed and re-evaluates
both for M members — the central σ, Monte Carlo draws around it (:func:`tradetalks.sweep.draws.mc_sigma`:
mean-preserving log-normal, stated dispersion) and, when the space is at the dataset's own σ, the dataset's
published elasticity sets (:func:`dataset_sets`). Each package is **one batched solve** of its M members
(:func:`tradetalks.model.ossa_batch.solve_equilibrium_batch`: they share the space's flows and the package's
tariffs, so the shared-columns layout applies, and they start from the package's chord model). With transfers
as instruments, the objectives also span the side-item cases (:func:`side_cases`: the pledge's low / high
valuation and the purchases' low / high cost, at the central σ: the space's side items are lump sums outside
the GE solve). :func:`packages_bands` does the same for many packages of one space at once (the frontier's
points and the solutions on the web), over the same draws. Per member it reports both
parties' objectives :math:`U_m(x)` (the space's own objectives, side-item valuations included), their gains
over the no-deal point :math:`U_m(x) - U_m(d)`, their welfare :math:`100(\hat W - 1)` and the balance of A
with B after the package (:mod:`tradetalks.policy.outcome_arrays`), and the 5–95 % band of each
(:func:`tradetalks.sweep.uncertainty.band_stats`; non-converged members counted, not dropped).

It answers "does this package still beat no deal for both if the elasticities are off?", not "would the
parties have agreed on another package": the solution is not re-solved per draw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.errors import SweepSpecError
from tradetalks.model import ossa, ossa_batch
from tradetalks.model.common import SolverOptions
from tradetalks.model.ossa_chord import ChordModel, chord_model
from tradetalks.policy.outcome_arrays import OutcomeArrays, country_figures, pair_figures
from tradetalks.sweep.draws import (
    DEFAULT_CORRELATION,
    DEFAULT_DISPERSION,
    available_sets,
    central_sigma,
    mc_sigma,
    set_sigmas,
)
from tradetalks.sweep.members import member_eq
from tradetalks.sweep.uncertainty import PERCENTILES, band_records, band_stats

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
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
    sets: tuple[str, ...] = ()
    side_cases: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN as null)."""
        return {"n_draws": self.n_draws, "seed": self.seed, "dispersion": self.dispersion, "sets": list(self.sets),
                "side_cases": list(self.side_cases),
                "percentiles": list(PERCENTILES), "parties": list(self.parties), "bands": band_records(self.frame)}


MAX_BLOCK_MEMBERS = 1024
"""Most members (packages × draws) tabulated together by :func:`packages_bands`: whole packages are grouped
until the next would pass it (at least one per group), so memory is bounded by the group, not by the number of
packages (about 60 kB per member and per (N, N, S) array at 21 × 21 × 17)."""

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class ManyBands:
    """Bands of several packages of one space and of their no-deal point, from one set of draws.

    Attributes
    ----------
    packages
        One :class:`PackageBands` per package, in the order given.
    nodeal
        :class:`PackageBands` of the no-deal point itself (its objectives, welfare and balance; no gains).
    converged
        (P + 1, M) whether each package's (rows 0..P-1) and the no-deal point's (last row) solve converged for
        each member (central first, then the draws).
    """

    packages: tuple[PackageBands, ...]
    nodeal: PackageBands
    converged: BoolArray


def _check(n_draws: int, dispersion: float, correlation: float) -> None:
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or not 0 <= n_draws <= MAX_DRAWS:
        raise SweepSpecError("draws", f"a whole number in [0, {MAX_DRAWS}]", repr(n_draws))
    if not dispersion >= 0 or not 0.0 <= correlation <= 1.0:
        raise SweepSpecError("dispersion/correlation", "dispersion >= 0 and correlation in [0, 1]",
                             f"{dispersion}, {correlation}")


def _blocks(n_scenarios: int, m: int) -> list[range]:
    """Consecutive scenarios grouped so that a block holds at most :data:`MAX_BLOCK_MEMBERS` members."""
    per = max(1, MAX_BLOCK_MEMBERS // max(m, 1))
    return [range(i, min(i + per, n_scenarios)) for i in range(0, n_scenarios, per)]


def _solve_block(space: Any, sigma: FloatArray, tariffs: Sequence[FloatArray], sides: Sequence[FloatArray | None],
                 options: SolverOptions) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """len(tariffs) scenarios × M members (one batched solve per scenario, :func:`_solve_package`):
    objectives (k, M, 2), welfare % of both parties (k, M, 2), balance of A with B after (k, M), converged
    (k, M)."""
    from tradetalks.bargain.objectives import objective_values

    k, m = len(tariffs), sigma.shape[0]
    base = space.base
    pb = ossa_batch.calibrate_batch(base.trade, base.tariff, np.tile(sigma, (k, 1)))
    eqs = [_solve_package(base, sigma, np.asarray(t, dtype=float), options) for t in tariffs]
    def cat(name: str) -> FloatArray:
        return np.concatenate([getattr(e, name) for e in eqs])

    eq = ossa.Equilibrium(cat("w_hat"), cat("e_hat"), cat("trade_new"), cat("share"), cat("p_hat"),
                          cat("tariff_new"), cat("nx_new"),
                          dataclasses.replace(eqs[0].info, converged=all(e.info.converged for e in eqs)),
                          np.concatenate([e.converged_each for e in eqs]))
    obj = np.empty((k * m, 2))
    for j in range(k * m):
        x = sides[j // m]
        side = space.side(x) if x is not None else None
        extra = space.side_value(x) if x is not None else np.zeros(2)
        obj[j] = objective_values(space.objectives, pb.member(j), member_eq(eq, j), side)[0] + extra
    a, b = space.parties
    ia, ib = space.countries.index(a), space.countries.index(b)
    n = eq.w_hat.shape[1]
    arrays = OutcomeArrays(np.broadcast_to(pb.trade, eq.trade_new.shape), eq.trade_new, pb.tariff, eq.tariff_new,
                           eq.w_hat, eq.e_hat, ossa_batch.welfare_hat_batch(pb, eq),
                           np.broadcast_to(pb.expenditure, (k * m, n)))
    wel = country_figures(arrays, 0)["welfare_pct"][:, [ia, ib]]
    bal = np.asarray(pair_figures(arrays, (ia, ib), (a, b), 0).balance_after)
    ok = np.asarray(eq.converged_each, dtype=bool)
    return obj.reshape(k, m, 2), wel.reshape(k, m, 2), bal.reshape(k, m), ok.reshape(k, m)


def _solve_package(base: Any, sigma: FloatArray, tariff: FloatArray, options: SolverOptions) -> ossa.Equilibrium:
    """One package's tariffs for M members in one batched solve: the members share the space's flows and the
    package's tariffs (the shared-columns layout) and start from the package's chord model at ``sigma[0]``
    (:func:`tradetalks.model.ossa_chord.chord_model`)."""
    def solve(sig: FloatArray, chord: ChordModel | None) -> tuple[FloatArray, FloatArray, BoolArray]:
        pb = ossa_batch.calibrate_batch(base.trade, base.tariff, sig)
        eq = ossa_batch.solve_equilibrium_batch(pb, tariff, options=options, chord=chord, want_shares=False)
        return *ossa_batch.solved_state(pb, tariff, eq), np.asarray(eq.converged_each, bool)

    model = chord_model(solve, np.asarray(sigma[0], dtype=float))
    pb = ossa_batch.calibrate_batch(base.trade, base.tariff, sigma)
    return ossa_batch.solve_equilibrium_batch(pb, tariff, options=options, chord=model)


def _solve_all(space: Any, sigma: FloatArray, tariffs: Sequence[FloatArray], sides: Sequence[FloatArray | None],
               options: SolverOptions, progress: ProgressFn | None
               ) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """:func:`_solve_block` over blocks of at most :data:`MAX_BLOCK_MEMBERS` members: objectives (q, M, 2),
    welfare (q, M, 2), balance (q, M) and converged (q, M) of q scenarios × M members."""
    q, m = len(tariffs), sigma.shape[0]
    obj, wel, bal = np.empty((q, m, 2)), np.empty((q, m, 2)), np.empty((q, m))
    ok = np.zeros((q, m), dtype=bool)
    for blk in _blocks(q, m):
        o, w, b_, c = _solve_block(space, sigma, [tariffs[i] for i in blk], [sides[i] for i in blk], options)
        obj[blk.start:blk.stop], wel[blk.start:blk.stop], bal[blk.start:blk.stop], ok[blk.start:blk.stop] = o, w, b_, c
        if progress is not None:
            progress(blk.stop * m, q * m)
    return obj, wel, bal, ok


def packages_bands(
    space: Any, xs: npt.ArrayLike, nodeal_tariff: npt.ArrayLike, n_draws: int, *, seed: int = 0,
    dispersion: float = DEFAULT_DISPERSION, correlation: float = DEFAULT_CORRELATION,
    options: SolverOptions = SolverOptions(strict=False), progress: ProgressFn | None = None,
    data: Any = None,
) -> ManyBands:
    """Bands of P packages of one space (and of their no-deal point) over the same elasticity draws, each
    package one batched solve of its members, tabulated in groups of at most :data:`MAX_BLOCK_MEMBERS` members
    (the module docstring says what is banded).

    Parameters
    ----------
    space
        The :class:`tradetalks.bargain.space.PackageSpace` the packages were solved in.
    xs
        (P, K) the packages (frontier points, bargaining solutions).
    nodeal_tariff
        (N, N, S) tariffs of the no-deal point (``NoDealPoint.tariff``).
    n_draws
        Monte Carlo draws (≥ 0; the central member is always added).
    seed, dispersion, correlation
        Of the draws (:mod:`tradetalks.sweep.draws`).
    progress
        ``progress(done, total)`` after each batched solve (members solved so far, all members).
    data
        The dataset the space was built from: when the space's σ is the dataset's own, the members also
        include every published elasticity set the dataset carries (:func:`dataset_sets`), as the
        evaluation's bands do.

    Raises
    ------
    SweepSpecError
        Negative or too many draws, negative dispersion, correlation outside [0, 1], packages not (P, K).
    """
    _check(n_draws, dispersion, correlation)
    xa = np.asarray(xs, dtype=float)
    if xa.ndim != 2:
        raise SweepSpecError("packages", "a (P, K) array of instrument vectors", f"shape {xa.shape}")
    central = np.asarray(space.base.sigma, dtype=float)
    named = dataset_sets(space, data)
    sigma = np.concatenate([central[None], mc_sigma(central, np.full(central.size, dispersion), n_draws, seed,
                                                    correlation), *[v[None] for v in named.values()]])
    tariffs = [np.asarray(space.tariffs(x), dtype=float) for x in xa] + [np.asarray(nodeal_tariff, dtype=float)]
    obj, wel, bal, ok = _solve_all(space, sigma, tariffs, [*xa, None], options, progress)
    q = len(tariffs)
    a, b = space.parties
    note = f"stated dispersion: cv of ln(sigma-1) {dispersion:g}, common share rho {correlation:g}, around the space's sigma"
    d = q - 1
    cases = side_cases(space)
    # side-item cases at the central sigma: the space's side items are lump sums outside the GE solve, so a
    # case changes the objectives by its side value only (no re-solve); GE figures are unchanged
    extra = np.array([[obj[p, 0] - space.side_value(xa[p]) + space.side_value(xa[p], c) for c in cases]
                      for p in range(d)]).reshape(d, len(cases), 2)
    Series = dict[str, tuple[FloatArray, str, BoolArray]]

    def bands(series: Series) -> PackageBands:
        rows = [{"metric": key, "central": float(v[0]), **band_stats(v, conv), "unit": unit}
                for key, (v, unit, conv) in series.items()]
        return PackageBands(pd.DataFrame(rows).set_index("metric"), n_draws, seed, note, (a, b), tuple(named),
                            cases)

    def package(p: int) -> Series:
        conv = ok[p] & ok[d]
        with_cases = np.concatenate([conv, np.repeat(conv[0], len(cases))])
        out: Series = {}
        for i, party in enumerate((a, b)):
            u = np.concatenate([obj[p, :, i], extra[p, :, i]])
            out[f"{party}.objective"] = (u, "100 ln G", with_cases)
        for i, party in enumerate((a, b)):
            gain = np.concatenate([obj[p, :, i] - obj[d, :, i], extra[p, :, i] - obj[d, 0, i]])
            out[f"{party}.gain_over_no_deal"] = (gain, "100 ln G", with_cases)
        return out | ge(p, conv)

    def ge(p: int, conv: BoolArray) -> Series:
        return {f"{a}.welfare_pct": (wel[p, :, 0], "%", conv), f"{b}.welfare_pct": (wel[p, :, 1], "%", conv),
                f"balance.{a}-{b}.after": (bal[p], "US$bn", conv)}

    packs = tuple(bands(package(p)) for p in range(d))
    nd = bands({f"{p}.objective": (obj[d, :, i], "100 ln G", ok[d]) for i, p in enumerate((a, b))} | ge(d, ok[d]))
    return ManyBands(packs, nd, ok)


def package_bands(
    space: Any, x: npt.ArrayLike, nodeal_tariff: npt.ArrayLike, n_draws: int, *, seed: int = 0,
    dispersion: float = DEFAULT_DISPERSION, correlation: float = DEFAULT_CORRELATION,
    options: SolverOptions = SolverOptions(strict=False), data: Any = None,
) -> PackageBands:
    """Bands of a solved package's objectives, gains, welfare and balance over elasticity draws (module
    docstring): :func:`packages_bands` (same parameters and errors) of the one package ``x`` (K,), e.g.
    ``to_package(...).x``."""
    _check(n_draws, dispersion, correlation)
    xa = np.asarray(x, dtype=float)
    return packages_bands(space, xa[None], nodeal_tariff, n_draws, seed=seed, dispersion=dispersion,
                          correlation=correlation, options=options, data=data).packages[0]


def side_cases(space: Any) -> tuple[str, ...]:
    """The side-item cases (:data:`tradetalks.bargain.transfers.SIDE_CASES`) of the space's valued side
    instruments: the pledge's low / high valuation, the purchases' low / high cost; none without transfers."""
    from tradetalks.bargain.transfers import SIDE_CASES

    kinds = {v.kind for v in getattr(space, "valuations", ())}
    return tuple(c for c in SIDE_CASES if c.split("-")[0] in kinds)


def dataset_sets(space: Any, data: Any) -> dict[str, FloatArray]:
    """σ of every published elasticity set of ``data`` (:func:`tradetalks.sweep.draws.available_sets`) when
    the space was calibrated at the dataset's own σ (else, e.g. a re-scaled σ of ``--sigma``, none: the sets
    are not variations around the space's σ); ``{}`` without ``data``."""
    if data is None:
        return {}
    names = available_sets(str(data.name))
    if not names or not np.allclose(np.asarray(space.base.sigma, dtype=float), central_sigma(data), rtol=1e-12):
        return {}
    return dict(zip(names, set_sigmas(data, names), strict=True))


__all__ = ["MAX_BLOCK_MEMBERS", "ManyBands", "PackageBands", "dataset_sets", "package_bands", "packages_bands",
           "side_cases"]
