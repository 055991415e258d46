"""High-level bargaining workflows: build a two-party problem, solve concepts to packages, multilateral tables.

These are the library calls behind ``tradetalks war / frontier / bargain / negotiate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.bargain.frontier import Frontier, maximise
from tradetalks.bargain.objectives import ObjectiveSpec, resolve
from tradetalks.bargain.solutions import Solution
from tradetalks.bargain.space import (
    NoDealPoint,
    PackageSpace,
    escalation,
    free_trade,
    instruments_for,
    status_quo,
    trade_war_point,
)
from tradetalks.bargain.transfers import PLEDGE, PURCHASES, SideValuation, side_valuations
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import BargainingError, OptionError
from tradetalks.model.ossa import OssaBaseline
from tradetalks.model.political_source import ResolvedWeights
from tradetalks.vocabulary import NO_DEAL_KINDS, normalise_no_deal

FloatArray = npt.NDArray[np.float64]
NODEAL_KINDS: tuple[str, ...] = NO_DEAL_KINDS


def political_weights_name(which: str | bool) -> str:
    """Normalise a λ choice: ``True``/``"calibrated"`` → ``"calibrated"``, ``False``/``"one"`` → ``"one"``."""
    if isinstance(which, bool):
        return "calibrated" if which else "one"
    if which in ("one", "calibrated"):
        return which
    raise OptionError("--political-weights", ("one", "calibrated"), which)


def political_weights_resolved(data: TradeData, which: str | bool) -> ResolvedWeights | None:
    """λ with its provenance: ``"one"``/False → None (λ = 1), ``"calibrated"``/True → the one decision of
    :func:`tradetalks.model.political_source.political_weights_for` (Ossa's published weights when the dataset's σ is
    the one they were calibrated for, re-calibrated for its σ otherwise).

    Raises
    ------
    OptionError
        An unknown choice.
    PoliticalWeightsError
        Neither weights for the dataset's σ nor non-cooperative tariffs to calibrate them from.
    """
    if political_weights_name(which) == "one":
        return None
    from tradetalks.model.political_source import political_weights_for

    return political_weights_for(data)


def political_weights_array(data: TradeData, which: str | bool) -> FloatArray | None:
    """λ for every country (``None``: λ = 1); see :func:`political_weights_resolved`."""
    res = political_weights_resolved(data, which)
    return None if res is None else res.weights


def political_weights_source(data: TradeData, which: str | bool) -> dict[str, object]:
    """Provenance of the λ for JSON payloads: ``{"source": "one"}`` or the resolved weights' ``as_dict``."""
    res = political_weights_resolved(data, which)
    return {"source": "one (lambda = 1)"} if res is None else res.as_dict(data.countries)


def political_weights_label(data: TradeData, which: str | bool) -> str:
    """One line naming the λ for table titles and footers."""
    res = political_weights_resolved(data, which)
    return "one (lambda = 1, ordinary welfare)" if res is None else res.describe(data.countries)


def build_space(
    data: TradeData,
    base: OssaBaseline,
    parties: tuple[str, str],
    specs: Mapping[str, ObjectiveSpec] | None = None,
    *,
    instruments: Sequence[str] | None = None,
    upper: float = 1.0,
    reference_tariff: FloatArray | None = None,
    side: Sequence[tuple[str, float, float]] = (),
    political_weights: str | bool = "one",
    transfers: bool = False,
    pledge_upper: float = 1000.0,
    purchases_upper: float = 50.0,
) -> PackageSpace:
    """Two-party package space; objectives default to 100 ln Ĝ with ``political_weights`` for both.

    ``transfers=True`` adds the side payments as instruments (:mod:`tradetalks.bargain.transfers`): the
    pledge (US$bn, 0–``pledge_upper``) and purchases (US$bn a year, 0–``purchases_upper``), valued through
    the pledge and purchase economics, so the frontier spans tariffs and transfers."""
    specs = dict(specs or {})
    objs = tuple(
        resolve(
            specs.get(p, ObjectiveSpec(p, political_weights=political_weights_name(political_weights))), data
        )
        for p in parties
    )
    vals: tuple[SideValuation, ...] = ()
    if transfers:
        vals = side_valuations(data, base.expenditure, parties)
        side = (*side, (PLEDGE, 0.0, pledge_upper), (PURCHASES, 0.0, purchases_upper))
    ins = instruments_for(data, parties[0], parties[1], instruments, upper, side)
    ref = base.tariff.copy() if reference_tariff is None else np.asarray(reference_tariff, dtype=float)
    return PackageSpace(
        base, ref, ins, (objs[0], objs[1]), tuple(data.countries), tuple(data.sectors), valuations=vals
    )


def nodeal_point(
    space: PackageSpace,
    kind: str,
    *,
    escalation_tariff: FloatArray | None = None,
    political_weights: FloatArray | None = None,
    starts: Sequence[str] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> NoDealPoint:
    """A no-deal point by kind (:data:`tradetalks.vocabulary.NO_DEAL_KINDS`; ``trade-war`` is accepted
    as the old name of ``bilateral-war``). This is the one place a no-deal point is built from its name.

    ``escalation`` uses ``escalation_tariff`` (see :func:`escalation_tariff`). The wars are kept per
    process (:func:`tradetalks.bargain.space.trade_war_point`); ``progress`` is their per-round hook.
    """
    k = normalise_no_deal(kind)
    if k == "status-quo":
        return status_quo(space)
    if k == "free-trade":
        return free_trade(space)
    if k in ("bilateral-war", "global-war"):
        return trade_war_point(
            space, political_weights, bilateral=k == "bilateral-war", starts=starts, progress=progress
        )
    if escalation_tariff is None:
        raise BargainingError(
            "no-deal 'escalation': expected announced duties (--escalate IMPORTER:EXPORTER:SECTOR|all:PCT); the "
            f"built-in escalation is the US's on Japan; found parties {space.parties}"
        )
    return escalation(space, escalation_tariff)


def escalation_tariff(
    data: TradeData, parties: Sequence[str], items: Sequence[str] | None, base_tariff: FloatArray
) -> FloatArray | None:
    """Tariffs of the ``escalation`` no-deal point: ``items`` added to the reference (:func:`escalate`)
    when given; otherwise, for the US and Japan, the one definition of the escalation
    (:func:`tradetalks.policy.scenarios.escalation_package`: the July 7 letter's 25 % on top of MFN and the
    all-origins Section 232 duties, third countries at their reference rates) through the one package
    path (:func:`tradetalks.policy.package.package_tariffs`); ``None`` for other parties."""
    if items:
        return escalate(data, base_tariff, items)
    if set(parties) != {"USA", "JPN"}:
        return None
    from tradetalks.policy.package import package_tariffs
    from tradetalks.policy.scenarios import escalation_package

    t = package_tariffs(escalation_package(data.name), data).matrix
    if t is None:  # pragma: no cover - package_tariffs always builds a matrix with data
        return None
    out = np.array(base_tariff, dtype=float)
    us, jp = data.countries.index("USA"), data.countries.index("JPN")
    out[jp, us, :] = t[jp, us, :]
    out[us, jp, :] = t[us, jp, :]
    return out


def escalate(data: TradeData, tariff: FloatArray, items: Sequence[str]) -> FloatArray:
    """Add announced duties to a tariff array; items ``"IMPORTER:EXPORTER:SECTOR|all:RATE"`` (RATE in
    percent, e.g. ``USA:JPN:all:24``)."""
    t = np.array(tariff, dtype=float)
    cs, ss = data.countries, data.sectors
    for it in items:
        parts = it.split(":")
        if len(parts) != 4:
            raise BargainingError(
                f"escalation item: expected IMPORTER:EXPORTER:SECTOR|all:RATE; found {it!r}"
            )
        imp, exp, sec, rate = parts
        for lab in (imp, exp):
            if lab not in cs:
                raise BargainingError(f"escalation item {it!r}: expected a country among {cs}; found {lab!r}")
        if sec != "all" and sec not in ss:
            raise BargainingError(
                f"escalation item {it!r}: expected a sector among {ss} or 'all'; found {sec!r}"
            )
        try:
            r = float(rate)
        except ValueError:
            raise BargainingError(
                f"escalation item {it!r}: expected a numeric rate; found {rate!r}"
            ) from None
        idx = slice(None) if sec == "all" else ss.index(sec)
        t[cs.index(exp), cs.index(imp), idx] += r / 100.0
    return np.asarray(np.clip(t, 0.0, 10.0))


@dataclass(frozen=True, eq=False)
class PackageSolution:
    """A bargaining solution mapped to a package.

    Attributes
    ----------
    solution
        The solution in objective space (interpolated frontier).
    x
        Package (instrument values).
    u
        (2,) objectives of the package evaluated exactly in the model.
    distance
        Euclidean distance of ``u`` from the traced frontier (objective units; ≥ 0 inside; ≈ 0 on it).
    """

    solution: Solution
    x: FloatArray
    u: FloatArray
    distance: float

    def as_dict(self, space: PackageSpace) -> dict[str, Any]:
        a, b = space.parties
        return {
            "solution": self.solution.name,
            "params": self.solution.params,
            f"u_{a}": float(self.u[0]),
            f"u_{b}": float(self.u[1]),
            "target_u": self.solution.u.tolist(),
            "distance_to_frontier": self.distance,
            "package": {ins.name: float(v) for ins, v in zip(space.instruments, self.x, strict=True)},
        }


def to_package(
    space: PackageSpace, frontier: Frontier, sol: Solution, polish: bool = True
) -> PackageSolution:
    """Find the package of a frontier solution: max U_A s.t. U_B ≥ the solution's U_B, warm-started from
    the package interpolated between the bracketing frontier points."""
    x0 = frontier.package_near(sol.u)
    if polish:
        r = maximise(space, 0, float(sol.u[1]), x0)
        x, u = r.x, r.u
        pe_u = space.evaluate(x0, gradient=False).u
        if not r.converged and pe_u[0] >= u[0] and pe_u[1] >= sol.u[1] - 1e-6:
            x, u = x0, pe_u
    else:
        x = x0
        u = space.evaluate(x0, gradient=False).u
    return PackageSolution(sol, x, u, frontier.curve().distance(u))


# --------------------------------------------------------------------------------------------
# multilateral (Ossa) tables
# --------------------------------------------------------------------------------------------


def region_rows(
    countries: Sequence[str],
    tariff: FloatArray,
    welfare_hat: FloatArray,
    gov_welfare_hat: FloatArray,
    players: Sequence[int],
) -> list[dict[str, Any]]:
    """Per region: median import tariff (%, pooled over partners and sectors, unweighted — Ossa's
    convention), welfare change (%), government welfare change (%), whether it is a player."""
    n = len(countries)
    rows = []
    for j, c in enumerate(countries):
        mask = np.arange(n) != j
        rows.append(
            {
                "region": c,
                "player": j in players,
                "median_tariff_pct": 100.0 * float(np.median(tariff[mask, j, :])),
                "welfare_pct": 100.0 * (float(welfare_hat[j]) - 1.0),
                "gov_welfare_pct": 100.0 * (float(gov_welfare_hat[j]) - 1.0),
            }
        )
    return rows


def players_from(data: TradeData, labels: Sequence[str] | None) -> list[int]:
    """Indices of player labels (None: everyone)."""
    if not labels:
        return list(range(data.n_countries))
    out = []
    for lab in labels:
        if lab not in data.countries:
            raise OptionError("--players", data.countries, lab)
        out.append(data.countries.index(lab))
    return out


ProgressFn = Callable[[str, int, int], None]


# --------------------------------------------------------------------------------------------
# multilateral cooperative tariffs (Ossa's equal-%-gain talks) as one workflow
# --------------------------------------------------------------------------------------------

IterationHook = Callable[[int, int, float], None]


@dataclass(frozen=True, eq=False)
class CooperativeTalks:
    """Ossa's cooperative (efficient, equal-%-gain) tariffs among players from a start point.

    Attributes
    ----------
    start
        Start point (:data:`tradetalks.model.strategic.START_POINTS`: ``nash``, ``factual``, ``free-trade``).
    players
        Player indices.
    start_tariff
        (N, N, S) tariffs of the start point.
    war
        The Nash trade war the start point was taken from (``start="nash"``), else ``None``.
    result
        :class:`tradetalks.model.strategic.CooperativeResult`.
    rows, start_rows
        :func:`region_rows` at the cooperative tariffs (with ``welfare_pct_vs_start`` and
        ``gov_welfare_pct_vs_start``) and at the start point, relative to the baseline.
    """

    start: str
    players: tuple[int, ...]
    start_tariff: FloatArray
    war: Any
    result: Any
    rows: list[dict[str, Any]]
    start_rows: list[dict[str, Any]]

    @property
    def common_gain_pct(self) -> float:
        """The players' common gain in government welfare from the start point, %."""
        return 100.0 * (float(np.exp(self.result.gain)) - 1.0)


def cooperative_talks(
    base: OssaBaseline,
    countries: Sequence[str],
    start: str,
    players: Sequence[int],
    political_weights: FloatArray | None = None,
    *,
    mfn: bool = False,
    br_starts: Sequence[str] | None = None,
    coop_starts: Sequence[str] | None = None,
    war_progress: IterationHook | None = None,
    progress: IterationHook | None = None,
) -> CooperativeTalks:
    """Cooperative tariffs among ``players`` from ``start``: the Nash trade war first when ``start="nash"``
    (:func:`tradetalks.model.strategic.trade_war`, ``war_progress`` per round), then
    :func:`tradetalks.model.strategic.cooperative` (``progress`` per outer iteration), and the region
    tables at both points. The one implementation behind ``tradetalks bargain --solution equal-gain``
    without parties and the web's cooperative job. A raising hook cancels (nothing is returned)."""
    from tradetalks.model.ossa import solve_equilibrium, welfare_hat
    from tradetalks.model.ossa_optimal import DEFAULT_STARTS
    from tradetalks.model.strategic import cooperative, start_tariffs, trade_war

    ps = list(players)
    war = (
        trade_war(
            base,
            ps,
            political_weights=political_weights,
            mfn=mfn,
            starts=tuple(br_starts) if br_starts is not None else DEFAULT_STARTS,
            progress=war_progress,
        )
        if start == "nash"
        else None
    )
    t0 = start_tariffs(base, start, ps, political_weights, war=war)
    coop_options: dict[str, Any] = {} if coop_starts is None else {"starts": tuple(coop_starts)}
    coop = cooperative(
        base,
        t0,
        ps,
        political_weights=political_weights,
        start=start,
        mfn=mfn,
        progress=progress,
        **coop_options,
    )
    rows = region_rows(countries, coop.tariff, coop.welfare_hat, coop.gov_welfare_hat, ps)
    w_start = welfare_hat(base, solve_equilibrium(base, t0))[0]
    start_rows = region_rows(countries, t0, w_start, coop.start_gov_welfare_hat, ps)
    for r, r0 in zip(rows, start_rows, strict=True):
        r["welfare_pct_vs_start"] = 100.0 * ((1 + r["welfare_pct"] / 100) / (1 + r0["welfare_pct"] / 100) - 1)
        r["gov_welfare_pct_vs_start"] = 100.0 * (
            (1 + r["gov_welfare_pct"] / 100) / (1 + r0["gov_welfare_pct"] / 100) - 1
        )
    return CooperativeTalks(start, tuple(ps), t0, war, coop, rows, start_rows)
