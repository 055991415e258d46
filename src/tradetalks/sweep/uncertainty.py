r"""Bands on headline figures: evaluated scenarios re-solved over elasticity draws and side-item cases.

Members are solved in batches (:mod:`tradetalks.sweep.members`; inputs from
:mod:`tradetalks.sweep.inputs`) and their headline figures computed by the outcome report's own formulas
(:mod:`tradetalks.sweep.headline`), so a band is a band of exactly the figure the CLI prints.

Bands
-----
A band is the 5–95 % range (linear interpolation between order statistics) of a figure over the members
of a source: ``mc`` (Monte Carlo draws at the central side items), ``sets`` (named sets at the central
side items), ``side`` (central σ, each side-item case) or ``all`` (every member and case, equal weights).
Members whose solve (or commitment fit) did not converge are counted (``n``, ``n_converged``,
``share_converged``) and left out of the percentiles — never dropped silently. Bands of a difference
between two scenarios are taken member by member (common random numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import SweepSpecError
from tradetalks.model.common import SolverOptions
from tradetalks.sweep.draws import DrawOptions, ElasticityDraws, available_sets, make_draws
from tradetalks.sweep.headline import (
    CaseTable,
    batch_headline,
    case_table,
    member_side_ev,
    policy_headline,
    template_headline,
    unit_of,
)
from tradetalks.sweep.inputs import (
    PLEDGE_FACTORS,
    Commitment,
    ScenarioInputs,
    SideCase,
    inputs_from_evaluation,
)
from tradetalks.sweep.members import MemberSolution, member_result, solve_blocks, solve_members

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

BandSource = Literal["mc", "sets", "side", "all"]
BAND_SOURCES: tuple[str, ...] = ("mc", "sets", "side", "all")
PERCENTILES: tuple[float, float] = (5.0, 95.0)

# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


def band_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A band table as JSON-ready records (index as columns; NaN and infinities as null)."""
    return [{str(k): (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
            for r in frame.reset_index().to_dict(orient="records")]


def band_stats(values: FloatArray, converged: BoolArray) -> dict[str, float | int]:
    """The one band of a figure over members: ``p5``, ``p95`` (:data:`PERCENTILES`, linear interpolation),
    ``min``, ``max``, ``mean``, ``sd`` of the converged members' finite values, and ``n``, ``n_converged``,
    ``share_converged`` (non-converged members are counted, never dropped silently)."""
    ok = np.asarray(converged, dtype=bool)
    col = np.asarray(values, dtype=float)[ok]
    col = col[np.isfinite(col)]
    have = col.size > 0
    p5, p95 = np.percentile(col, PERCENTILES) if have else (np.nan, np.nan)
    return {"p5": float(p5), "p95": float(p95),
            "min": float(col.min()) if have else np.nan, "max": float(col.max()) if have else np.nan,
            "mean": float(col.mean()) if have else np.nan, "sd": float(col.std(ddof=1)) if col.size > 1 else np.nan,
            "n": int(ok.size), "n_converged": int(ok.sum()), "share_converged": float(ok.mean()) if ok.size else np.nan}


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Headline figures of scenarios over elasticity members and side-item cases.

    Attributes
    ----------
    values
        ``DataArray`` with dims ``scenario`` × ``member`` × ``side`` × ``metric`` (coordinate ``kind`` on
        ``member``: central / mc / set; attribute ``units`` per metric in ``units``).
    converged
        ``DataArray`` scenario × member × side: whether that member's solve and commitments converged.
    draws
        The elasticity members.
    dataset
        Name of the dataset.
    side_notes
        What each side-item case assumes.
    """

    values: xr.DataArray
    converged: xr.DataArray
    draws: ElasticityDraws
    dataset: str
    side_notes: Mapping[str, str]

    @property
    def n_draws(self) -> int:
        return int(sum(k == "mc" for k in self.draws.kind))

    @property
    def seed(self) -> int:
        return self.draws.seed

    @property
    def units(self) -> dict[str, str]:
        return {str(m): unit_of(str(m)) for m in self.values["metric"].values}

    @property
    def solve_flags(self) -> BoolArray:
        """Convergence of the equilibria solved (the purchase-cost cases reuse the central case's)."""
        sides = [s for s in self.values["side"].values if not str(s).startswith("purchase-")]
        return np.asarray(self.converged.sel(side=sides).values, dtype=bool)

    def _select(self, over: str) -> tuple[xr.DataArray, xr.DataArray]:
        if over not in BAND_SOURCES:
            raise SweepSpecError("band source", f"one of {BAND_SOURCES}", repr(over))
        v, ok = self.values, self.converged
        kind = v["kind"]
        if over == "mc":
            sel = {"member": kind == "mc", "side": v["side"] == "central"}
        elif over == "sets":
            sel = {"member": kind == "set", "side": v["side"] == "central"}
        elif over == "side":
            sel = {"member": kind == "central"}
        else:
            sel = {}
        return v.isel({k: np.flatnonzero(np.asarray(x)) for k, x in sel.items()}), \
            ok.isel({k: np.flatnonzero(np.asarray(x)) for k, x in sel.items()})

    def band_frame(self, over: str = "all", diff: tuple[str, str] | None = None) -> pd.DataFrame:
        """Bands as a table: index (scenario, metric) — or metric alone for a difference — and columns
        ``central``, ``p5``, ``p95``, ``min``, ``max``, ``mean``, ``sd``, ``n``, ``n_converged``,
        ``share_converged``, ``unit``, ``source``.

        Parameters
        ----------
        over
            ``"mc"``, ``"sets"``, ``"side"`` or ``"all"`` (see the module docstring).
        diff
            ``(a, b)``: bands of scenario a minus scenario b, member by member.
        """
        central = self.values.sel(member="central", side="central")
        v, ok = self._select(over)
        if diff is not None:
            a, b = diff
            v = v.sel(scenario=a) - v.sel(scenario=b)
            ok = ok.sel(scenario=a) & ok.sel(scenario=b)
            central = central.sel(scenario=a) - central.sel(scenario=b)
            v, ok, central = v.expand_dims(scenario=[f"{a} - {b}"]), ok.expand_dims(scenario=[f"{a} - {b}"]), \
                central.expand_dims(scenario=[f"{a} - {b}"])
        rows = []
        for scen in v["scenario"].values:
            vv = v.sel(scenario=scen).transpose("member", "side", "metric").values.reshape(-1, v.sizes["metric"])
            oo = ok.sel(scenario=scen).transpose("member", "side").values.reshape(-1)
            for q, metric in enumerate(v["metric"].values):
                rows.append({"scenario": str(scen), "metric": str(metric),
                             "central": float(central.sel(scenario=scen, metric=metric)),
                             **band_stats(vv[:, q], oo), "unit": unit_of(str(metric)), "source": over})
        return pd.DataFrame(rows).set_index(["scenario", "metric"])

    @property
    def set_names(self) -> list[str]:
        """Names of the published elasticity sets among the members."""
        return [str(lab)[4:] for lab, k in zip(self.draws.label, self.draws.kind, strict=True) if k == "set"]

    def describe(self) -> str:
        """One line: members, seed, dispersion, sets, side cases, converged share."""
        ok = self.solve_flags
        sets = self.set_names
        return (f"{self.n_draws} Monte Carlo draws (seed {self.seed}; {self.draws.dispersion_source})"
                + (f", sets {', '.join(sets)}" if sets else "")
                + f", side items {'/'.join(str(s) for s in self.values['side'].values)}"
                + f"; {int(ok.sum())} of {ok.size} solves converged ({100.0 * ok.mean():.1f} %)")

    def summary_dict(self, diff: tuple[str, str] | None = None) -> dict[str, Any]:
        """JSON-ready summary: the draws' set-up and the bands of every source."""
        out: dict[str, Any] = {
            "dataset": self.dataset, "n_draws": self.n_draws, "seed": self.seed,
            "dispersion": self.draws.dispersion_source,
            "sets": self.set_names,
            "side_cases": dict(self.side_notes),
            "n_solves": int(self.solve_flags.size), "n_converged": int(self.solve_flags.sum()),
            "share_converged": float(self.solve_flags.mean()),
            "percentiles": list(PERCENTILES),
            "bands": {},
        }
        for src in BAND_SOURCES:
            frames = [self.band_frame(src)] + ([self.band_frame(src, diff)] if diff else [])
            out["bands"][src] = band_records(pd.concat(frames))
        return out

    def to_dataset(self) -> xr.Dataset:
        """Values, convergence flags and σ of the members as one ``xarray.Dataset``."""
        return xr.Dataset({"value": self.values, "converged": self.converged,
                           "sigma": self.draws.to_dataarray()},
                          attrs={"dataset": self.dataset, "seed": self.seed, "dispersion": self.draws.dispersion_source})


SIDE_ORDER = {"low": 0, "central": 1, "high": 2, "purchase-low": 3, "purchase-high": 4}
"""Order of the side-item cases in results."""


def _scenario_table(sc: ScenarioInputs, data: TradeData, draws: ElasticityDraws, report: str,
                    parties: tuple[str, str], options: SolverOptions, threads: int = 1) -> CaseTable:
    if report == "batched":
        return case_table(solve_blocks(data, sc, draws.sigma, options, threads=threads), data, sc, parties)
    return _outcome_table(solve_members(data, sc, draws.sigma, options, threads=threads), data, sc, parties)


def _outcome_table(sol: MemberSolution, data: TradeData, sc: ScenarioInputs, parties: tuple[str, str]) -> CaseTable:
    """:func:`~tradetalks.sweep.headline.case_table` by the full outcome report, member by member (slow; the
    reference the fast path is tested against)."""
    b, c, m = sol.eq.w_hat.shape[0], sol.n_cases, sol.n_members
    results = [member_result(data, sol, k, sc.closure) for k in range(b)]
    side = member_side_ev(sol, sc)

    def tpl(side_ev: FloatArray | None, k: int) -> Any:
        return sc.template if side_ev is None else dataclasses.replace(sc.template, side_ev_usd_m=side_ev[k])

    rows = [policy_headline(tpl(side, k), r, parties) for k, r in enumerate(results)]
    labels = [k.label for k in sc.side_cases]
    central = labels.index("central")
    for case in sc.cost_cases:
        side_c = member_side_ev(sol, sc, case)
        rows += [policy_headline(tpl(side_c, i * c + central), results[i * c + central], parties) for i in range(m)]
        labels.append(case.label)
    metrics = tuple(rows[0])
    flat = np.array([[r[k] for k in metrics] for r in rows])
    ge = flat[:b].reshape(m, c, len(metrics))
    extra = flat[b:].reshape(len(sc.cost_cases), m, len(metrics)).transpose(1, 0, 2)
    ok = sol.converged.reshape(m, c)
    ok_all = np.concatenate([ok] + [ok[:, central:central + 1]] * len(sc.cost_cases), axis=1)
    notes = {k.label: k.note for k in sc.side_cases} | {k.label: k.note for k in sc.cost_cases}
    return CaseTable(tuple(labels), metrics, np.concatenate([ge, extra], axis=1), ok_all, notes)


def uncertainty(
    data: TradeData,
    scenarios: Sequence[ScenarioInputs],
    draws: ElasticityDraws,
    *,
    report: Literal["batched", "outcome"] = "batched",
    parties: tuple[str, str] = ("USA", "JPN"),
    options: SolverOptions = SolverOptions(),
    threads: int = 1,
) -> UncertaintyResult:
    """Headline figures of each scenario for every elasticity member and side-item case.

    Parameters
    ----------
    data
        The dataset the scenarios were evaluated on.
    scenarios
        From :func:`inputs_from_evaluation`.
    draws
        From :func:`tradetalks.sweep.draws.make_draws` on ``data``.
    report
        ``"batched"``: :func:`batch_headline` on the batch arrays (fast); ``"outcome"``: the policy layer's
        outcome report built member by member (:func:`policy_headline`; slow, the reference).
    parties
        The two parties of the headline figures.
    options
        Solver options (non-converged members are recorded, never raised).
    threads
        Threads for the blocks of batched solves (:func:`~tradetalks.sweep.members.solve_members`).
    """
    tables = [_scenario_table(sc, data, draws, report, parties, options, threads) for sc in scenarios]
    side_labels: list[str] = []
    for t in tables:
        side_labels += [lab for lab in t.labels if lab not in side_labels]
    side_labels.sort(key=lambda x: SIDE_ORDER.get(x, len(SIDE_ORDER)))
    notes: dict[str, str] = {}
    per_scen: list[FloatArray] = []
    conv: list[BoolArray] = []
    for t in tables:
        for lab, note in t.notes.items():
            if len(t.labels) > 1 or lab not in notes:
                notes[lab] = note
        # a scenario without a side band does not depend on the side items: its central case fills every case
        idx = [t.labels.index(lab) if lab in t.labels else t.labels.index("central") for lab in side_labels]
        per_scen.append(t.values[:, idx, :])
        conv.append(t.converged[:, idx])
    metrics = list(tables[0].metrics)
    coords = {"scenario": [sc.name for sc in scenarios], "member": list(draws.label),
              "kind": ("member", list(draws.kind)), "side": side_labels, "metric": metrics}
    values = xr.DataArray(np.stack(per_scen), dims=("scenario", "member", "side", "metric"), coords=coords,
                          name="value")
    converged = xr.DataArray(np.stack(conv), dims=("scenario", "member", "side"),
                             coords={k: v for k, v in coords.items() if k != "metric"}, name="converged")
    return UncertaintyResult(values, converged, draws, str(data.name), notes)


def bands_for_evaluation(
    results: Mapping[str, Any],
    data: TradeData,
    n_draws: int,
    *,
    seed: int = 0,
    sets: Sequence[str] | None = None,
    dispersion: float | None = None,
    correlation: float | None = None,
    options: SolverOptions = SolverOptions(),
    threads: int = 1,
) -> UncertaintyResult:
    """Bands for the scenarios of an evaluation (what ``tradetalks evaluate --uncertainty N`` prints).

    Parameters
    ----------
    results
        Scenario name → evaluated scenario (:class:`tradetalks.policy.evaluate.PackageResult`), all on
        ``data``.
    data
        The dataset.
    n_draws
        Monte Carlo draws of the elasticities (≥ 0).
    seed
        Seed of the draws.
    sets
        Named published elasticity sets the bands also span (the dataset must carry them); ``None``
        (default): every set the dataset carries (:func:`~tradetalks.sweep.draws.available_sets`; none for
        most datasets); ``()``: none.
    dispersion, correlation
        Stated dispersion of the draws (defaults of :class:`~tradetalks.sweep.draws.DrawOptions`).
    threads
        Threads for the batched solves (1 where the caller already runs one task per core).

    Raises
    ------
    SweepSpecError, ElasticitySetError
        Negative draws, bad dispersion, a set the dataset lacks — before any solve.
    """
    kw: dict[str, Any] = {}
    if dispersion is not None:
        kw["dispersion"] = dispersion
    if correlation is not None:
        kw["correlation"] = correlation
    chosen = available_sets(str(data.name)) if sets is None else tuple(sets)
    opts = DrawOptions(n_draws=n_draws, seed=seed, sets=chosen, **kw)
    draws = make_draws(data, opts)
    inputs = [inputs_from_evaluation(pr, data) for pr in results.values()]
    return uncertainty(data, inputs, draws, options=options, threads=threads)


__all__ = ["BAND_SOURCES", "PLEDGE_FACTORS", "Commitment", "MemberSolution", "ScenarioInputs", "SideCase",
           "UncertaintyResult", "band_stats", "bands_for_evaluation", "batch_headline", "inputs_from_evaluation", "member_result",
           "policy_headline", "solve_members", "template_headline", "uncertainty", "unit_of"]
