r"""Strategic tariff setting in the Ossa (2014) model: trade wars (Nash) and trade talks (cooperative).

Trade war
    Each player j sets its import tariffs to maximise its government welfare Ĝ_j given everybody else's
    tariffs (:func:`tradetalks.model.ossa_optimal.optimal_tariff`); best responses are iterated (Gauss–Seidel, in
    player order) until no tariff moves: the Nash equilibrium of the tariff game (Ossa 2014, section IV.B).

Trade talks
    Ossa's cooperative tariffs: efficient tariffs that give every player the same percentage gain in
    government welfare relative to a starting point (Nash, factual or free trade):

    .. math::  \max_{t, x}\; x \quad \text{s.t.}\quad \ln \hat G_j(t) - \ln \hat G_j(t^0) \ge x
               \;\;\forall j \in \text{players},\qquad 0 \le t \le 10.

    At the solution all constraints bind (equal gains) and no player can gain without another losing
    (efficiency). Solved by an augmented Lagrangian whose inner problems are bound-constrained L-BFGS-B
    runs on the exact implicit-function gradients of all players' welfare (one factorisation per point);
    tariffs are scaled by the square root of their flows.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
Nocedal & Wright (2006), Numerical Optimization, ch. 17 (augmented Lagrangian with bounds).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ModelError, OptionError
from tradetalks.model.common import SolverOptions
from tradetalks.model.equal_gain import COOP_DEFAULT_STARTS as COOP_DEFAULT_STARTS
from tradetalks.model.equal_gain import COOP_STARTS as COOP_STARTS
from tradetalks.model.equal_gain import EqualGainProblem, multi_start
from tradetalks.model.ossa import (
    Equilibrium,
    OssaBaseline,
    gov_welfare_hat,
    solve_equilibrium,
    welfare_hat,
)
from tradetalks.model.ossa_optimal import DEFAULT_STARTS, optimal_tariff, parse_starts
from tradetalks.model.threads import single_blas_thread

FloatArray = npt.NDArray[np.float64]
StartPoint = Literal["nash", "factual", "free-trade"]
START_POINTS: tuple[str, ...] = ("nash", "factual", "free-trade")

IterationHook = Callable[[int, int, float], None]
"""Progress hook ``(iteration, max_iterations, change)`` called after each best-response round of
:func:`trade_war` or each outer iteration of :func:`cooperative` (the core never prints). A caller that wants
to cancel makes the hook raise: the exception propagates unchanged out of the solver, which writes nothing
(it is a pure function; no partial result exists)."""


@dataclass
class WarProgress:
    r"""Estimated share of a :func:`trade_war` done, from its round hook's ``(round, max_rounds, change)``.

    The rounds' tariff changes fall about geometrically to the tolerance, so after round r with change
    :math:`c_r` (first round :math:`c_1`) the estimate is the larger of :math:`r/R_{max}` and the log-distance
    covered, :math:`\ln(c_1/c_r) / \ln(c_1/\text{tol})`; it stays below 1 (the final check, whose ``change``
    is a gain, not a tariff change, reads as 0.95) until the war returns. Call it as the hook's first step.
    """

    tol: float = 1e-4
    first: float | None = None
    checking: bool = False

    def __call__(self, rnd: int, max_rounds: int, change: float) -> float:
        frac = rnd / max(max_rounds, 1)
        if self.checking or (self.first is not None and change < self.tol):
            self.checking = True
            return 0.95
        if self.first is None:
            self.first = change
        if self.first > self.tol and np.isfinite(change) and change > 0:
            frac = max(frac, math.log(self.first / max(change, self.tol)) / math.log(self.first / self.tol))
        return float(min(frac, 0.9))

MAX_ITERATIONS = 100_000
"""Upper bound of every iteration count (as :class:`~tradetalks.model.common.SolverOptions`)."""


def check_tolerance(name: str, value: float) -> float:
    """A solver tolerance: finite, in (0, 1] (the rule of :class:`SolverOptions`); else :class:`OptionError`."""
    v = float(value)
    if not 0.0 < v <= 1.0:  # also refuses NaN and inf
        raise OptionError(name, "a finite number in (0, 1]", value)
    return v


def check_count(name: str, value: int) -> int:
    """An iteration count in [1, :data:`MAX_ITERATIONS`]; else :class:`OptionError`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not 1 <= value <= MAX_ITERATIONS
    ):
        raise OptionError(name, f"an integer in [1, {MAX_ITERATIONS}]", value)
    return int(value)


def _players(base: OssaBaseline, players: Sequence[int] | None) -> list[int]:
    ps = list(range(base.n)) if players is None else [int(p) for p in players]
    if not ps or len(set(ps)) != len(ps) or any(not 0 <= p < base.n for p in ps):
        raise ModelError(f"players: expected distinct indices in [0, {base.n}); found {players}")
    return ps


@dataclass(frozen=True, eq=False)
class TradeWarResult:
    """Nash equilibrium of the tariff game.

    Attributes
    ----------
    players
        Indices of the players (others keep their tariffs: passive).
    tariff
        (N, N, S) tariffs at the Nash equilibrium.
    gov_welfare_hat, welfare_hat
        (N,) changes relative to the baseline.
    equilibrium
        The GE equilibrium at the Nash tariffs.
    rounds
        Rounds of best responses.
    converged
        Tariffs stopped moving (and each best response converged).
    max_change
        Trade-weighted mean absolute tariff change in the last round.
    history
        Per round: each player's Ĝ.
    bilateral
        Players tariffed only each other (third-country tariffs fixed).
    improvement
        Largest relative gain in Ĝ any player found in the final check, where each player best-responds
        from every starting point against the others' war tariffs (≤ ``gain_tol`` when converged).
    spread
        Largest range of Ĝ over starting points in the final check.
    why
        Why the war did not converge (empty when it did): rounds exhausted, a best response of the final
        check that did not converge (``unconverged_players``), or the equilibrium at the war tariffs.
    unconverged_players
        Players whose best response in the last round did not converge.
    """

    players: tuple[int, ...]
    tariff: FloatArray
    gov_welfare_hat: FloatArray
    welfare_hat: FloatArray
    equilibrium: Equilibrium
    rounds: int
    converged: bool
    max_change: float
    mfn: bool
    seconds: float
    history: tuple[tuple[float, ...], ...]
    bilateral: bool = False
    improvement: float = 0.0
    spread: float = 0.0
    why: str = ""
    unconverged_players: tuple[int, ...] = ()

    def reason(self, countries: Sequence[str]) -> str:
        """:attr:`why` with the names of :attr:`unconverged_players` (empty when the war converged)."""
        stuck = ", ".join(countries[p] for p in self.unconverged_players)
        return self.why + (f"; players: {stuck}" if stuck else "")

    def median_tariff(self, country: int) -> float:
        """Median of a country's bilateral import tariffs pooled over partners and sectors."""
        n = self.tariff.shape[0]
        mask = np.arange(n) != country
        return float(np.median(self.tariff[mask, country, :]))


def trade_war(
    base: OssaBaseline,
    players: Sequence[int] | None = None,
    *,
    mfn: bool = False,
    political_weights: npt.ArrayLike | None = None,
    start_tariff: npt.ArrayLike | None = None,
    tol: float = 1e-4,
    max_rounds: int = 50,
    bilateral: bool = False,
    starts: Sequence[str] = DEFAULT_STARTS,
    gain_tol: float = 1e-8,
    progress: IterationHook | None = None,
    options: SolverOptions = SolverOptions(tol=1e-11),
) -> TradeWarResult:
    """Iterate best responses among ``players`` until tariffs stop moving (Nash trade war).

    Parameters
    ----------
    base
        Calibrated baseline (welfare is reported relative to it; Ossa uses the purged factual one).
    players
        Indices of the players; default all. Others keep ``start_tariff``.
    mfn
        Players set one tariff per sector for all partners.
    political_weights
        λ (N, S); default 1.
    start_tariff
        Tariffs to start from; default the baseline's.
    tol
        Stop when the trade-weighted mean absolute change of the players' tariffs in a round is below
        ``tol`` (0.01 percentage point by default) — tariffs on negligible flows barely matter for
        welfare and move slowly, hence the trade weights.
    max_rounds
        Limit on rounds.
    bilateral
        Each player sets tariffs only on the other players' goods; its tariffs on third countries, and
        third countries' tariffs, stay at ``start_tariff`` (the bilateral tariff war of a two-party
        negotiation, DESIGN.md §6).
    starts
        Starting points of the best responses in the final check (see
        :func:`tradetalks.model.ossa_optimal.optimal_tariff`); the first round starts from each player's optimal
        uniform tariff (Ossa's choice), later rounds from the current tariffs.
        When tariffs stop moving, every player best-responds once more from all ``starts``; if one gains
        more than ``gain_tol`` (relative Ĝ), the rounds go on from there. ``converged`` requires this check.
    progress
        Optional hook ``(round, max_rounds, change)`` called after each round of best responses with the
        round's trade-weighted mean tariff change (in a final-check round: the largest relative gain in Ĝ
        found). To cancel, make it raise: the exception propagates and nothing is half-written.

    Raises
    ------
    OptionError
        ``tol`` or ``gain_tol`` not a finite number in (0, 1], ``max_rounds`` not in [1, 100000].
    """
    start = time.perf_counter()
    tol = check_tolerance("tol", tol)
    gain_tol = check_tolerance("gain_tol", gain_tol)
    max_rounds = check_count("max_rounds", max_rounds)
    game = _Game(base, _players(base, players), mfn, political_weights, bilateral, parse_starts(list(starts)),
                 options)
    t = np.array(base.tariff if start_tariff is None else start_tariff, dtype=float)
    history: list[tuple[float, ...]] = []
    converged = checking = False
    rnd, spread, change, rounds = _Round(t, (), True, np.inf, 0.0), 0.0, np.inf, 0
    with single_blas_thread():
        for rounds in range(1, max_rounds + 1):
            rnd = _best_response_round(
                game, t, "check" if checking else ("uniform" if rounds == 1 else "current")
            )
            change = game.change(t, rnd.tariff)
            t = rnd.tariff
            history.append(rnd.ghat)
            spread = max(spread, rnd.spread)
            if progress is not None:
                progress(rounds, max_rounds, rnd.improvement if checking else change)
            if checking and rnd.improvement <= gain_tol:
                converged = True
                break
            checking = change < tol
    why = _why_not(converged, checking, rnd, change, (tol, gain_tol, max_rounds))
    return game.result(t, rounds, converged and rnd.converged, change, start, tuple(history), rnd.improvement,
                       spread, why, rnd.failed)


def _why_not(converged: bool, checking: bool, rnd: _Round, change: float, limits: tuple[float, float, int]) -> str:
    """Why :func:`trade_war` did not converge (empty when it did); ``limits`` = (tol, gain_tol, max_rounds)."""
    tol, gain_tol, max_rounds = limits
    if not converged:
        return (f"no fixed point in {max_rounds} rounds (last change {change:.2e}, tolerance {tol:g})" if not checking
                else f"no gain below {gain_tol:g} in {max_rounds} rounds (last check's gain {rnd.improvement:.2e})")
    if not rnd.converged:
        return ("a best response of the final check did not converge (none gained, but a best response that "
                "stops early, e.g. at a saddle point, proves nothing; more starts usually help)")
    return ""


@dataclass(frozen=True)
class _Game:
    """The tariff game of :func:`trade_war`: players, their instruments and the best-response settings."""

    base: OssaBaseline
    ps: list[int]
    mfn: bool
    political_weights: npt.ArrayLike | None
    bilateral: bool
    starts: tuple[str, ...]
    options: SolverOptions

    def change(self, t_old: FloatArray, t_new: FloatArray) -> float:
        """Trade-weighted mean absolute change of the players' import tariffs."""
        w = self.base.trade.copy()
        w[np.arange(self.base.n), np.arange(self.base.n)] = 0.0
        wts = w[:, self.ps, :]
        return float((np.abs(t_new - t_old)[:, self.ps, :] * wts).sum() / wts.sum())

    def gov_welfare(self, t: FloatArray, j: int) -> float:
        eq = solve_equilibrium(self.base, t, options=self.options)
        return float(gov_welfare_hat(self.base, eq, self.political_weights)[0, j])

    def result(
        self,
        t: FloatArray,
        rounds: int,
        converged: bool,
        change: float,
        started: float,
        history: tuple[tuple[float, ...], ...],
        improvement: float,
        spread: float,
        why: str = "",
        unconverged: tuple[int, ...] = (),
    ) -> TradeWarResult:
        """The war's result at tariffs ``t`` (its equilibrium solved once more; ``started`` a perf_counter)."""
        eq = solve_equilibrium(self.base, t, options=self.options)
        if not eq.info.converged and not why:
            why = f"the equilibrium at the war tariffs did not converge (residual {eq.info.residual:.2e})"
        return TradeWarResult(
            players=tuple(self.ps),
            tariff=t,
            gov_welfare_hat=gov_welfare_hat(self.base, eq, self.political_weights)[0],
            welfare_hat=welfare_hat(self.base, eq)[0],
            equilibrium=eq,
            rounds=rounds,
            converged=converged and eq.info.converged,
            max_change=change,
            mfn=self.mfn,
            seconds=time.perf_counter() - started,
            history=history,
            bilateral=self.bilateral,
            improvement=float(improvement),
            spread=spread,
            why=why,
            unconverged_players=unconverged,
        )


@dataclass(frozen=True)
class _Round:
    """One round of best responses: tariffs after it, each player's Ĝ, whether every best response
    converged, and (check rounds) the largest relative gain found and the largest spread over starts."""

    tariff: FloatArray
    ghat: tuple[float, ...]
    converged: bool
    improvement: float
    spread: float
    failed: tuple[int, ...] = ()


def _best_response_round(game: _Game, t: FloatArray, mode: str) -> _Round:
    """Gauss–Seidel round: each player in turn best-responds to the current tariffs.

    ``mode``: ``"uniform"`` (first round, from the optimal uniform tariff), ``"current"`` (from the current
    tariffs) or ``"check"`` (from every start; a player's tariffs move only if it gains).
    """
    checking = mode == "check"
    ghat: list[float] = []
    failed: list[int] = []
    improvement = spread = 0.0
    for j in game.ps:
        g_before = game.gov_welfare(t, j) if checking else 0.0
        r = optimal_tariff(
            game.base,
            j,
            tariff=t,
            mfn=game.mfn,
            political_weights=game.political_weights,
            starts=game.starts if checking else (mode,),
            partners=[p for p in game.ps if p != j] if game.bilateral else None,
            options=game.options,
        )
        if not r.converged:
            failed.append(j)
        g_after = float(r.gov_welfare_hat[j])
        if checking:
            improvement = max(improvement, g_after / g_before - 1.0)
            spread = max(spread, r.spread)
        if not checking or g_after > g_before:
            t = r.tariff
        ghat.append(g_after)
    return _Round(t, tuple(ghat), not failed, improvement, spread, tuple(failed))


@dataclass(frozen=True, eq=False)
class CooperativeResult:
    """Ossa's cooperative (equal-%-gain, efficient) tariffs.

    Attributes
    ----------
    start
        ``"nash"``, ``"factual"`` or ``"free-trade"``: the point gains are measured from.
    start_tariff
        (N, N, S) tariffs of the starting point.
    tariff
        (N, N, S) cooperative tariffs.
    gain
        Common log gain in government welfare relative to the start (equal for all players at the
        solution; ``gains`` holds each player's).
    gov_welfare_hat, welfare_hat
        (N,) changes relative to the baseline.
    start_gov_welfare_hat
        (N,) government welfare at the starting point relative to the baseline.
    converged
        The kept run's own test held: constraint violation below ``tol``, gains equal to 10·``tol``,
        multipliers settled; and its equilibrium converged.
    mfn
        One tariff per player and sector for all partners (Ossa's MFN-restricted cooperative tariffs).
    starts
        Common log gain reached from each starting point of the optimiser (a start dropped after the
        screening iterations: its screened gain).
    spread
        Range of the common gain over starting points.
    dropped
        Starts dropped after screening as clearly worse (see :func:`tradetalks.model.equal_gain.multi_start`).
    """

    start: str
    players: tuple[int, ...]
    start_tariff: FloatArray
    tariff: FloatArray
    gain: float
    gains: FloatArray
    gov_welfare_hat: FloatArray
    welfare_hat: FloatArray
    start_gov_welfare_hat: FloatArray
    equilibrium: Equilibrium
    converged: bool
    iterations: int
    max_violation: float
    seconds: float
    mfn: bool = False
    starts: tuple[tuple[str, float], ...] = ()
    spread: float = 0.0
    dropped: int = 0

    def median_tariff(self, country: int) -> float:
        """Median of a country's bilateral import tariffs pooled over partners and sectors."""
        n = self.tariff.shape[0]
        mask = np.arange(n) != country
        return float(np.median(self.tariff[mask, country, :]))


def start_tariffs(
    base: OssaBaseline,
    start: str,
    players: Sequence[int] | None = None,
    political_weights: npt.ArrayLike | None = None,
    war: TradeWarResult | None = None,
) -> FloatArray:
    """Tariffs of a starting point: the Nash trade war, the factual tariffs, or free trade among players."""
    if start not in START_POINTS:
        raise OptionError("start", START_POINTS, start)
    ps = _players(base, players)
    if start == "factual":
        return base.tariff.copy()
    if start == "free-trade":
        t = base.tariff.copy()
        t[:, ps, :] = 0.0
        return t
    w = war if war is not None else trade_war(base, ps, political_weights=political_weights)
    return w.tariff.copy()


def cooperative(
    base: OssaBaseline,
    start_tariff: npt.ArrayLike,
    players: Sequence[int] | None = None,
    *,
    political_weights: npt.ArrayLike | None = None,
    start: str = "custom",
    mfn: bool = False,
    starts: Sequence[str] = COOP_DEFAULT_STARTS,
    seed: int = 0,
    tol: float = 1e-7,
    max_outer: int = 30,
    progress: IterationHook | None = None,
    options: SolverOptions = SolverOptions(tol=1e-11),
) -> CooperativeResult:
    """Efficient tariffs giving every player the same % gain in government welfare from a start point.

    Parameters
    ----------
    base
        Calibrated baseline.
    start_tariff
        (N, N, S) tariffs at the starting point (see :func:`start_tariffs`).
    players
        Negotiating governments (their import tariffs move; their gains are equalised); default all.
    political_weights
        λ (N, S); default 1.
    tol
        Tolerance on the constraint violation (log points) and on the change of the multipliers.
    mfn
        Players set one import tariff per sector for all partners (MFN-restricted cooperative tariffs).
    starts
        Starting points of the optimiser (the gains are always measured from ``start_tariff``):
        ``"uniform"`` (the common uniform tariff maximising the smallest gain), ``"current"`` (the start
        tariffs), ``"zero"`` (free trade among players), ``"random"`` (uniform on [0, 1], from ``seed``);
        default :data:`~tradetalks.model.equal_gain.COOP_DEFAULT_STARTS`. Every start is screened with a few
        loose outer iterations; those within ``SCREEN_MARGIN`` of the best are run to convergence and the
        best converged run is kept (:func:`tradetalks.model.equal_gain.multi_start`). ``starts`` in the
        result holds each start's common gain, ``spread`` their range.
    max_outer
        Augmented-Lagrangian iterations (per start, screening included).
    progress
        Optional hook ``(iteration, max_iterations, violation)`` called after each augmented-Lagrangian
        iteration, counted over all starts (at most ``max_iterations = len(starts) * max_outer``), with the
        current constraint violation. To cancel, make it raise: the exception propagates and nothing is
        half-written.

    Returns
    -------
    CooperativeResult

    Raises
    ------
    OptionError
        ``tol`` not a finite number in (0, 1], ``max_outer`` not in [1, 100000].
    """
    tol = check_tolerance("tol", tol)
    max_outer = check_count("max_outer", max_outer)
    with single_blas_thread():
        return _cooperative(
            base,
            start_tariff,
            _players(base, players),
            political_weights,
            start,
            mfn,
            tuple(starts),
            seed,
            tol,
            max_outer,
            progress,
            options,
        )


def _cooperative(
    base: OssaBaseline,
    start_tariff: npt.ArrayLike,
    ps: list[int],
    political_weights: npt.ArrayLike | None,
    start: str,
    mfn: bool,
    starts: tuple[str, ...],
    seed: int,
    tol: float,
    max_outer: int,
    progress: IterationHook | None,
    options: SolverOptions,
) -> CooperativeResult:
    t_start = time.perf_counter()
    n, s = base.n, base.s
    t0 = np.array(start_tariff, dtype=float)
    if t0.shape != (n, n, s):
        raise ModelError(f"start_tariff: expected shape {(n, n, s)}; found {t0.shape}")
    prob = EqualGainProblem(base, t0, ps, political_weights, mfn, options)
    done = [0]

    def hook(viol: float) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], len(starts) * max_outer, viol)

    kept, reached, it, dropped = multi_start(prob, starts, seed, tol, max_outer, hook)
    t_final = prob.tariffs(kept.y)
    eq = solve_equilibrium(base, t_final, options=options)
    ghat = gov_welfare_hat(base, eq, political_weights)[0]
    g_start = prob.g_start
    gains = np.log(ghat[ps]) - g_start[ps]
    values = [v for _, v in reached]
    return CooperativeResult(
        start=start,
        players=tuple(ps),
        start_tariff=t0,
        tariff=t_final,
        gain=float(gains.min()),
        gains=gains,
        gov_welfare_hat=ghat,
        welfare_hat=welfare_hat(base, eq)[0],
        start_gov_welfare_hat=np.exp(g_start),
        equilibrium=eq,
        converged=kept.converged and eq.info.converged,
        iterations=it,
        max_violation=kept.violation,
        seconds=time.perf_counter() - t_start,
        mfn=mfn,
        starts=tuple(reached),
        spread=float(max(values) - min(values)),
        dropped=dropped,
    )
