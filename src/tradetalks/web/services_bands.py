r"""Bands on the web's line charts (issue 13): the timeline, the frontier and the simulated rounds.

Adapters only, no band arithmetic of their own; every band is the one 5–95 % band of
:func:`tradetalks.sweep.uncertainty.band_stats`:

* **timeline**: each date's tariffs in force (:func:`tradetalks.web.services.in_force_package`) is evaluated
  by the one evaluation and all dates are banded by ONE call of
  :func:`tradetalks.web.desk.band_tables` (:func:`tradetalks.sweep.uncertainty.bands_for_evaluation`, the path
  behind ``evaluate --uncertainty`` and the desk's bands; the same draws for every date, one batched solve
  per date). Each date's ``in_force`` result gets the desk's band fields and summary
  (:func:`tradetalks.web.desk.apply_bands`).
* **frontier** and **simulated rounds**: the frontier's points, the bargaining solutions' packages, every
  round's offer (the frontier package at its objectives) and the no-deal point are re-evaluated over the
  draws by ONE call of :func:`tradetalks.sweep.bargain_bands.packages_bands` (the function behind ``bargain
  --uncertainty``; each package one batched solve of its members): each gets the [p5, p95] of both parties'
  objectives. As in the CLI, a package is held fixed over the draws (it is not re-negotiated per draw).

These are heavy (about 1 s of CPU at 50 draws): they run as jobs (:mod:`tradetalks.web.routers.heavy`),
never in a request handler; results are kept in memory per process (:data:`MAX_CACHED` of each kind), so a
repeated request answers at once.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.web import schemas as S
from tradetalks.web import services as sv
from tradetalks.web.desk import apply_bands, band_pair, band_tables

FloatArray = npt.NDArray[np.float64]
Report = Callable[[float, str], None]

MAX_CACHED = 16
"""Band results kept in memory per process, per kind (timeline, frontier)."""

_lock = threading.Lock()
_cache: OrderedDict[Hashable, Any] = OrderedDict()


def _cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    out = compute()
    with _lock:
        _cache[key] = out
        while len(_cache) > 2 * MAX_CACHED:
            _cache.popitem(last=False)
    return out


def _quiet(_: float, __: str) -> None:
    return None


# --------------------------------------------------------------------------------------------
# timeline
# --------------------------------------------------------------------------------------------


def in_force_tables(dates: Sequence[dt.date], dataset_name: str, n_draws: int, seed: int,
                    report: Report = _quiet) -> dict[dt.date, tuple[pd.DataFrame, dict[str, object]]]:
    """Band table and summary (:func:`tradetalks.web.desk.band_tables`) of the tariffs in force on each date,
    all dates from one set of draws (cached per dates, dataset, draws and seed)."""
    days = tuple(sorted(set(dates)))

    def compute() -> dict[dt.date, tuple[pd.DataFrame, dict[str, object]]]:
        results: dict[str, Any] = {}
        for k, day in enumerate(days):
            report(0.6 * k / max(len(days), 1), f"evaluating the tariffs in force on {day.isoformat()}")
            results[day.isoformat()] = sv.evaluate_spec(sv.in_force_package(day, dataset_name))
        report(0.6, f"{n_draws} draws of the elasticities for {len(days)} dates")
        tables = band_tables(results, sv.dataset(dataset_name), n_draws, seed)
        return {day: tables[day.isoformat()] for day in days}

    out: dict[dt.date, tuple[pd.DataFrame, dict[str, object]]] = _cached(
        ("timeline", days, dataset_name, n_draws, seed), compute)
    return out


def timeline_bands(events: Sequence[S.TimelineEvent], dataset_name: str, n_draws: int, seed: int,
                   report: Report = _quiet) -> S.TimelineBands:
    """The timeline's events with the 5–95 % bands of each date's tariffs in force (module docstring) and
    the draws' summary over all dates."""
    tables = in_force_tables([e.date for e in events], dataset_name, n_draws, seed, report)
    out = [e.model_copy(update={"in_force": apply_bands(e.in_force, *tables[e.date])}) for e in events]
    infos = [info for _, info in tables.values()]
    solves = sum(int(str(i["n_solves"])) for i in infos)
    conv = sum(int(str(i["n_converged"])) for i in infos)
    first = infos[0] if infos else {}
    summary: dict[str, object] = {
        "n_draws": n_draws, "seed": seed, "dispersion": first.get("dispersion", ""),
        "percentiles": first.get("percentiles", []), "source": first.get("source", ""), "dates": len(tables),
        "n_solves": solves, "n_converged": conv, "share_converged": conv / solves if solves else None,
        "function": "tradetalks.sweep.uncertainty.bands_for_evaluation (one call for every date)",
    }
    return S.TimelineBands(events=out, uncertainty=summary)


# --------------------------------------------------------------------------------------------
# frontier and simulated rounds
# --------------------------------------------------------------------------------------------


def _solution_x(tr: sv.Traced, s: S.SolutionOut) -> FloatArray:
    """The package of a solution: the frontier package at its objectives (as :func:`services._solution`)."""
    return tr.frontier.package_near(np.array([s.u_us, s.u_jp]))


def _bands_of(tr: sv.Traced, xs: FloatArray, n_draws: int, seed: int, report: Report,
              dataset_name: str) -> tuple[list[tuple[list[float] | None, list[float] | None]],
                                       tuple[list[float] | None, list[float] | None], dict[str, object]]:
    """[p5, p95] of both objectives for each package of ``xs`` and for the no-deal point, and the summary,
    from one :func:`tradetalks.sweep.bargain_bands.packages_bands` call."""
    from tradetalks.sweep.bargain_bands import packages_bands
    from tradetalks.sweep.uncertainty import PERCENTILES

    a, b = tr.space.parties
    mb = packages_bands(tr.space, xs, tr.nodeal.tariff, n_draws, seed=seed, data=sv.dataset(dataset_name),
                        progress=lambda done, total: report(done / max(total, 1), f"draws: {done}/{total} solves"))

    def both(df: pd.DataFrame) -> tuple[list[float] | None, list[float] | None]:
        return band_pair(df, f"{a}.objective"), band_pair(df, f"{b}.objective")

    n, ok = int(mb.converged.size), int(mb.converged.sum())
    info: dict[str, object] = {
        "n_draws": n_draws, "seed": seed, "dispersion": mb.nodeal.dispersion, "sets": list(mb.nodeal.sets),
        "percentiles": list(PERCENTILES),
        "packages": len(mb.packages), "n_solves": n, "n_converged": ok, "share_converged": ok / n if n else None,
        "note": "each package held fixed and re-evaluated over the draws (not re-negotiated per draw); "
                "a package's band counts the draws where it and the no-deal point converged",
        "function": "tradetalks.sweep.bargain_bands.packages_bands (one call; each package one batched solve)",
    }
    return [both(p.frame) for p in mb.packages], both(mb.nodeal.frame), info


def _with_bands(out: S.FrontierOut, tr: sv.Traced, extra: FloatArray, n_draws: int, seed: int,
                report: Report, dataset_name: str) -> tuple[S.FrontierOut, list[tuple[list[float] | None, list[float] | None]]]:
    """``out`` with bands on its points, solutions and no-deal point, and the bands of the ``extra``
    packages, from one call."""
    k = int(np.asarray(tr.frontier.x).shape[1])
    xs = np.concatenate([np.asarray(tr.frontier.x, dtype=float).reshape(-1, k),
                         np.array([_solution_x(tr, s) for s in out.solutions], dtype=float).reshape(-1, k),
                         np.asarray(extra, dtype=float).reshape(-1, k)])
    bands, nd, info = _bands_of(tr, xs, n_draws, seed, report, dataset_name)
    p, q = len(out.points), len(out.solutions)
    points = [pt.model_copy(update={"u_us_band": bu, "u_jp_band": bj})
              for pt, (bu, bj) in zip(out.points, bands[:p], strict=True)]
    sols = [s.model_copy(update={"u_us_band": bu, "u_jp_band": bj})
            for s, (bu, bj) in zip(out.solutions, bands[p:p + q], strict=True)]
    res = out.model_copy(update={"points": points, "solutions": sols, "uncertainty": info,
                                 "nodeal": out.nodeal.model_copy(update={"u_us_band": nd[0], "u_jp_band": nd[1]})})
    return res, bands[p + q:]


def frontier_bands(spec: S.FrontierSpec, n_draws: int, seed: int, report: Report = _quiet) -> S.FrontierOut:
    """:func:`tradetalks.web.services.frontier` with, when ``n_draws`` > 0, the 5–95 % bands of both
    objectives at every point, solution and the no-deal point (module docstring; cached)."""
    base = S.FrontierSpec(**{f: getattr(spec, f) for f in S.FrontierSpec.model_fields})
    out = sv.frontier(base)
    if not n_draws:
        return out
    tr = sv.trace(base)
    key = tuple(getattr(base, f) for f in S.FrontierSpec.model_fields)
    res: S.FrontierOut = _cached(("frontier", key, n_draws, seed),
                                 lambda: _with_bands(out, tr, np.empty((0, 0)), n_draws, seed,
                                                     report, base.dataset)[0])
    return res


def simulation_bands(spec: S.SimulationSpec, result: dict[str, Any], report: Report = _quiet) -> dict[str, Any]:
    """A simulation's result (:func:`tradetalks.web.services.simulate`) with bands on its frontier and on
    every round's offer (``u_<party>_band`` in each log row), from one call; unchanged when the spec asks
    for no draws."""
    if not spec.uncertainty:
        return result
    base = S.FrontierSpec(**{f: getattr(spec, f) for f in S.FrontierSpec.model_fields})
    tr = sv.trace(base)
    a, b = result["parties"]
    rows = list(result["log"])
    offers = np.array([tr.frontier.package_near(np.array([float(r[f"u_{a}"]), float(r[f"u_{b}"])])) for r in rows],
                      dtype=float).reshape(len(rows), -1)
    fr, bands = _with_bands(sv.frontier(base), tr, offers, spec.uncertainty,
                            spec.uncertainty_seed, report, base.dataset)
    log = [{**r, f"u_{a}_band": ba, f"u_{b}_band": bb} for r, (ba, bb) in zip(rows, bands, strict=True)]
    return {**result, "log": log, "frontier": fr.model_dump(), "uncertainty": fr.uncertainty}


__all__ = ["MAX_CACHED", "frontier_bands", "in_force_tables", "simulation_bands", "timeline_bands"]
