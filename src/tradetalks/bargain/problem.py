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
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import BargainingError, OptionError
from tradetalks.model.ossa import OssaBaseline
from tradetalks.vocabulary import NO_DEAL_KINDS, normalise_no_deal

FloatArray = npt.NDArray[np.float64]
NODEAL_KINDS: tuple[str, ...] = NO_DEAL_KINDS

ESCALATION_SOURCE = (
    "announced escalation on Japan: IEEPA reciprocal rate 24 % on top of MFN (EO 14257, announced "
    "2025-04-02, suspended 2025-04-09; policy/facts/measures.toml id ieepa-jp-24) on every sector but motor "
    "vehicles, which carry the Section 232 auto duty of 25 % instead (Proclamation 10908, id s232-autos; "
    "232 goods are exempt from the reciprocal rate)"
)
"""What the default ``escalation`` no-deal point is, with its sources."""


def political_weights_name(which: str | bool) -> str:
    """Normalise a λ choice: ``True``/``"calibrated"`` → ``"calibrated"``, ``False``/``"one"`` → ``"one"``."""
    if isinstance(which, bool):
        return "calibrated" if which else "one"
    if which in ("one", "calibrated"):
        return which
    raise OptionError("--political-weights", ("one", "calibrated"), which)


def political_weights_array(data: TradeData, which: str | bool) -> FloatArray | None:
    """λ for every country: ``"one"``/False → None (λ = 1), ``"calibrated"``/True → the dataset's ``lambda_pol``."""
    if political_weights_name(which) == "one":
        return None
    if not data.has("lambda_pol"):
        raise OptionError(
            "--political-weights", ("one",), f"calibrated (dataset {data.name} has no lambda_pol)"
        )
    return np.asarray(data.param("lambda_pol"), dtype=float)


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
) -> PackageSpace:
    """Two-party package space; objectives default to 100 ln Ĝ with ``political_weights`` for both."""
    specs = dict(specs or {})
    objs = tuple(
        resolve(
            specs.get(p, ObjectiveSpec(p, political_weights=political_weights_name(political_weights))), data
        )
        for p in parties
    )
    ins = instruments_for(data, parties[0], parties[1], instruments, upper, side)
    ref = base.tariff.copy() if reference_tariff is None else np.asarray(reference_tariff, dtype=float)
    return PackageSpace(base, ref, ins, (objs[0], objs[1]), tuple(data.countries), tuple(data.sectors))


def nodeal_point(
    space: PackageSpace,
    kind: str,
    *,
    escalation_tariff: FloatArray | None = None,
    political_weights: FloatArray | None = None,
    starts: Sequence[str] | None = None,
) -> NoDealPoint:
    """A no-deal point by kind (:data:`tradetalks.vocabulary.NO_DEAL_KINDS`; ``trade-war`` is accepted
    as the old name of ``bilateral-war``). This is the one place a no-deal point is built from its name.

    ``escalation`` uses ``escalation_tariff`` when given, otherwise the announced US escalation on Japan
    (:func:`default_escalation`) when the parties are the US and Japan.
    """
    k = normalise_no_deal(kind)
    if k == "status-quo":
        return status_quo(space)
    if k == "free-trade":
        return free_trade(space)
    if k in ("bilateral-war", "global-war"):
        return trade_war_point(space, political_weights, bilateral=k == "bilateral-war", starts=starts)
    if escalation_tariff is None:
        escalation_tariff = default_escalation(space)
    return escalation(space, escalation_tariff)


def default_escalation(space: PackageSpace) -> FloatArray:
    """The announced escalation of the US on Japan (:data:`ESCALATION_SOURCE`) added to the reference
    tariffs: +24 percentage points on every sector, +25 on a sector named like motor vehicles.

    Raises
    ------
    BargainingError
        When the parties are not the US and Japan (then give ``--escalate`` items).
    """
    if set(space.parties) != {"USA", "JPN"}:
        raise BargainingError(
            "no-deal 'escalation': expected --escalate items (the built-in escalation is the US's on Japan); "
            f"found parties {space.parties}"
        )
    us, jp = space.countries.index("USA"), space.countries.index("JPN")
    t = space.reference_tariff.copy()
    autos = [k for k, name in enumerate(space.sectors) if "motor" in name.lower() or name.lower() == "mvh"]
    add = np.full(len(space.sectors), 0.24)
    add[autos] = 0.25
    t[jp, us, :] += add
    return t


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
