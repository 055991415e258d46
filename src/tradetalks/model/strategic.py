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

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.errors import ModelError, OptionError
from tradetalks.model.common import SolverOptions
from tradetalks.model.ossa import (
    TARIFF_UPPER,
    Equilibrium,
    OssaBaseline,
    gov_welfare_hat,
    solve_equilibrium,
    solve_warm,
    welfare_hat,
)
from tradetalks.model.ossa_optimal import DEFAULT_STARTS, gov_welfare_gradient, optimal_tariff, parse_starts

FloatArray = npt.NDArray[np.float64]
StartPoint = Literal["nash", "factual", "free-trade"]
START_POINTS: tuple[str, ...] = ("nash", "factual", "free-trade")
COOP_STARTS: tuple[str, ...] = ("current", "zero", "random")
COOP_DEFAULT_STARTS: tuple[str, ...] = ("current", "zero", "random")
"""Optimiser starting points of :func:`cooperative` by default."""

IterationHook = Callable[[int, int, float], None]
"""Progress hook ``(iteration, max_iterations, change)`` called after each best-response round of
:func:`trade_war` or each outer iteration of :func:`cooperative` (the core never prints). A caller that wants
to cancel makes the hook raise: the exception propagates unchanged out of the solver, which writes nothing
(it is a pure function; no partial result exists)."""

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
    ps = _players(base, players)
    full_starts = parse_starts(list(starts))
    t = np.array(base.tariff if start_tariff is None else start_tariff, dtype=float)
    w_flow = base.trade.copy()
    w_flow[np.arange(base.n), np.arange(base.n)] = 0.0
    history: list[tuple[float, ...]] = []
    converged = False
    change = np.inf
    rounds = 0
    all_conv = True
    checking = False
    improvement = np.inf
    spread = 0.0
    for rounds in range(1, max_rounds + 1):
        t_old = t.copy()
        ghat: list[float] = []
        first = rounds == 1 and not checking
        improvement = 0.0
        round_conv = True
        for j in ps:
            g_before = 0.0
            if checking:
                eq_b = solve_equilibrium(base, t, options=options)
                g_before = float(gov_welfare_hat(base, eq_b, political_weights)[0, j])
            r = optimal_tariff(
                base,
                j,
                tariff=t,
                mfn=mfn,
                political_weights=political_weights,
                starts=full_starts if checking else (("uniform",) if first else ("current",)),
                partners=[p for p in ps if p != j] if bilateral else None,
                options=options,
            )
            round_conv &= r.converged
            g_after = float(r.gov_welfare_hat[j])
            if checking:
                improvement = max(improvement, g_after / g_before - 1.0)
                spread = max(spread, r.spread)
            if not checking or g_after > g_before:
                t = r.tariff
            ghat.append(g_after)
        history.append(tuple(ghat))
        diff = np.abs(t - t_old)[:, ps, :]
        wts = w_flow[:, ps, :]
        change = float((diff * wts).sum() / wts.sum())
        all_conv = round_conv
        if progress is not None:
            progress(rounds, max_rounds, improvement if checking else change)
        if checking and improvement <= gain_tol:
            converged = True
            break
        checking = change < tol
    eq = solve_equilibrium(base, t, options=options)
    return TradeWarResult(
        players=tuple(ps),
        tariff=t,
        gov_welfare_hat=gov_welfare_hat(base, eq, political_weights)[0],
        welfare_hat=welfare_hat(base, eq)[0],
        equilibrium=eq,
        rounds=rounds,
        converged=converged and all_conv and eq.info.converged,
        max_change=change,
        mfn=mfn,
        seconds=time.perf_counter() - start,
        history=tuple(history),
        bilateral=bilateral,
        improvement=float(improvement),
        spread=spread,
    )


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
        Constraint violation and dual residual below tolerance (of the kept run).
    mfn
        One tariff per player and sector for all partners (Ossa's MFN-restricted cooperative tariffs).
    starts
        Common log gain reached from each starting point of the optimiser.
    spread
        Range of the common gain over starting points.
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
        ``"current"`` (the start tariffs), ``"zero"`` (free trade among players), ``"random"`` (uniform on
        [0, 1], from ``seed``); the best run whose gains are equal to ``tol`` is kept.
    max_outer
        Augmented-Lagrangian iterations (per start).
    progress
        Optional hook ``(iteration, max_iterations, violation)`` called after each augmented-Lagrangian
        iteration, counted over all starts (``max_iterations = len(starts) * max_outer``), with the
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
    t_start = time.perf_counter()
    tol = check_tolerance("tol", tol)
    max_outer = check_count("max_outer", max_outer)
    ps = _players(base, players)
    n, s = base.n, base.s
    t0 = np.array(start_tariff, dtype=float)
    if t0.shape != (n, n, s):
        raise ModelError(f"start_tariff: expected shape {(n, n, s)}; found {t0.shape}")
    eq0 = solve_equilibrium(base, t0, options=options)
    g_start = np.log(gov_welfare_hat(base, eq0, political_weights)[0])
    # variables: off-diagonal import tariffs of players (MFN: one per player and sector), scaled by
    # sqrt(flow); vidx maps each moving tariff to its variable
    mask = np.zeros((n, n, s), dtype=bool)
    mask[:, ps, :] = True
    mask[np.arange(n), np.arange(n), :] = False
    if mfn:
        _, jj, ss_ = np.nonzero(mask)
        vidx = np.unique(jj * s + ss_, return_inverse=True)[1].ravel()
    else:
        vidx = np.arange(int(mask.sum()))
    nv = int(vidx.max()) + 1
    flows = np.bincount(vidx, weights=base.trade[mask], minlength=nv)
    scale = np.maximum(np.sqrt(np.maximum(flows, 1e-12) / flows.max()), 1e-4)
    warm: dict[str, tuple[FloatArray, FloatArray]] = {}

    def tariffs(y: FloatArray) -> FloatArray:
        t = t0.copy()
        t[mask] = np.clip(y / scale, 0.0, TARIFF_UPPER)[vidx]
        return t

    def evaluate(y: FloatArray) -> tuple[FloatArray, FloatArray, Equilibrium]:
        eq = solve_warm(base, tariffs(y), warm.get("x"), options=options)
        warm["x"] = (np.log(eq.w_hat), np.log(eq.e_hat))
        g = np.log(gov_welfare_hat(base, eq, political_weights)[0, ps]) - g_start[ps]
        gm = gov_welfare_gradient(base, eq, ps, political_weights)[:, mask]  # (P, moving tariffs)
        grad = np.stack([np.bincount(vidx, weights=row, minlength=nv) for row in gm]) / scale
        return g, grad, eq

    def run(y: FloatArray, done: int) -> tuple[FloatArray, float, int, float, bool]:
        """Augmented Lagrangian from y: unknowns z = (y, x); minimise −x + penalty for c_j = g_j − x ≥ 0."""
        mu = np.full(len(ps), 1.0 / len(ps))
        rho = 100.0
        g, _, _ = evaluate(y)
        x = float(g.min())
        it = 0
        viol = np.inf
        for it in range(1, max_outer + 1):

            def fg(z: FloatArray, mu: FloatArray = mu, rho: float = rho) -> tuple[float, FloatArray]:
                gz, gradz, _ = evaluate(z[:-1])
                c = gz - z[-1]
                m = np.maximum(0.0, mu - rho * c)
                f = -z[-1] + float(((m**2) - mu**2).sum()) / (2 * rho)
                dy = -(m[:, None] * gradz).sum(axis=0)
                dx = -1.0 + m.sum()
                return f, np.concatenate([dy, [dx]])

            res = optimize.minimize(
                fg,
                np.concatenate([y, [x]]),
                jac=True,
                method="L-BFGS-B",
                bounds=[(0.0, TARIFF_UPPER * sc) for sc in scale] + [(None, None)],
                options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 30},
            )
            y, x = res.x[:-1], float(res.x[-1])
            g, _, _ = evaluate(y)
            c = g - x
            mu_new = np.maximum(0.0, mu - rho * c)
            viol = float(np.abs(np.minimum(c, 0.0)).max())
            dmu = float(np.abs(mu_new - mu).max())
            mu = mu_new
            if progress is not None:
                progress(done + it, len(names) * max_outer, viol)
            if viol < tol and float(g.max() - g.min()) < 10 * tol and dmu < 1e-4:
                return y, float(g.min()), it, viol, True
            if viol > tol:
                rho = min(rho * 5.0, 1e7)
        return y, float(g.min()), it, viol, False

    names = tuple(starts)
    bad = [p for p in names if p not in COOP_STARTS]
    if not names or bad:
        raise ModelError(f"starts: expected names among {COOP_STARTS}; found {list(names)}")
    rng = np.random.default_rng(seed)
    y0_start = np.bincount(vidx, weights=t0[mask], minlength=nv) / np.bincount(vidx, minlength=nv) * scale
    runs: list[tuple[FloatArray, float, int, float, bool]] = []
    for k, name in enumerate(names):
        if name == "current":
            y_init = y0_start
        elif name == "zero":
            y_init = np.zeros(nv)
        else:
            y_init = rng.uniform(0.0, 1.0, nv) * scale
        warm.pop("x", None)
        runs.append(run(np.asarray(y_init), k * max_outer))
    # keep the best feasible run (equal gains held to tolerance); if none converged, the best value
    ok = [r for r in runs if r[4]] or runs
    y, _, _, viol, converged = max(ok, key=lambda r: r[1])
    it = sum(r[2] for r in runs)
    reached = tuple((nm, r[1]) for nm, r in zip(names, runs, strict=True))
    t_final = tariffs(y)
    eq = solve_equilibrium(base, t_final, options=options)
    ghat = gov_welfare_hat(base, eq, political_weights)[0]
    gains = np.log(ghat[ps]) - g_start[ps]
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
        converged=converged and eq.info.converged,
        iterations=it,
        max_violation=viol,
        seconds=time.perf_counter() - t_start,
        mfn=mfn,
        starts=reached,
        spread=float(max(r[1] for r in runs) - min(r[1] for r in runs)),
    )
