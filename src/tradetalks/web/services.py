r"""Adapters between the web layer and the library (no HTTP here): datasets, packages, bargaining.

Everything numerical is done by library functions: the Ossa (2014) equilibrium
(:func:`tradetalks.model.ossa.solve_equilibrium`, :func:`~tradetalks.model.ossa.result_from_equilibrium`),
tariff rules (:mod:`tradetalks.data.edits`), the package space, frontier and solutions
(:mod:`tradetalks.bargain`), the tariff measures in force on a date (:mod:`tradetalks.policy.measures`).
This module only maps a Japan-US package (sliders) onto those calls and converts units (data in US$
millions, output in US$ billions).

Package mapping (stated with every result):

* US tariff on Japanese motor vehicles: set to the all-in rate;
* US "reciprocal" rate on every other Japanese goods sector (services excluded): ``additional``
  t' = t + r, or ``all-in`` t' = max(t, r) (the 2025 deal's rule);
* Japan's tariffs on US goods: t' = max(0, t + Δ);
* purchase commitment of C US$/yr in sector s: an import-demand shifter b̂ on Japan's imports from the US
  in s, solved (fixed point b̂ ← b̂ · X*/X'(b̂)) so that X'_{US,JP,s} = X'^0_{US,JP,s} + C, with X'^0 the
  flow under the package without the commitment;
* investment pledge P over H years (``capital-flow``): Japan's net exports rise and the US's fall by
  P/H a year (a transfer financing US imports, DESIGN.md §5); ``objective-only``: no effect in the model.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.bargain import frontier as bfrontier
from tradetalks.bargain import objectives as bobj
from tradetalks.bargain import solutions as bsol
from tradetalks.bargain import space as bspace
from tradetalks.data import registry
from tradetalks.data.edits import TariffEdit, apply_edits
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import (
    BargainingError,
    DatasetNotFoundError,
    LabelError,
    ModelError,
    ReferenceDataMissingError,
)
from tradetalks.model import ossa
from tradetalks.model.common import SolverOptions
from tradetalks.web import schemas as S

FloatArray = npt.NDArray[np.float64]

US, JP = "USA", "JPN"
AUTO = "motor_vehicles"
NONGOODS = ("services",)
PURCHASE_SECTORS = {"agriculture": "agriculture", "energy": "mining"}
MN_PER_BN = 1000.0
OPTIONS = SolverOptions(tol=1e-11)
UNITS = "100 ln Ĝ (≈ % change of government welfare, Ossa 2014)"

_lock = threading.Lock()
_datasets: dict[str, TradeData] = {}
_baselines: dict[tuple[str, str], ossa.OssaBaseline] = {}


# --------------------------------------------------------------------------------------------
# datasets (registry names only: no request reaches the file system any other way)
# --------------------------------------------------------------------------------------------


def dataset(name: str) -> TradeData:
    """A registered dataset, loaded once and cached in memory."""
    if name not in registry.DATASETS:
        raise DatasetNotFoundError(f"unknown dataset '{name}': expected one of {sorted(registry.DATASETS)}")
    with _lock:
        if name in _datasets:
            return _datasets[name]
    if not registry.available(name):
        raise ReferenceDataMissingError(
            f"dataset '{name}' is registered but its reference files are not on this server"
        )
    d = registry.load(name)
    with _lock:
        return _datasets.setdefault(name, d)


def baseline(name: str, closure: str) -> ossa.OssaBaseline:
    """The calibrated Ossa baseline of a dataset under a closure, cached."""
    key = (name, closure)
    with _lock:
        if key in _baselines:
            return _baselines[key]
    d = dataset(name)
    if not d.has("sigma"):
        raise ModelError(f"dataset '{name}': expected elasticities 'sigma' for the Ossa model; found none")
    b = ossa.baseline_from_data(d, closure, OPTIONS)
    with _lock:
        return _baselines.setdefault(key, b)


def japan_us(d: TradeData) -> tuple[int, int, int]:
    """Indices of the US, Japan and the auto sector; a dataset without them cannot price a package."""
    cs, ss = d.countries, d.sectors
    if US not in cs or JP not in cs or AUTO not in ss:
        raise LabelError(
            "dataset", f"countries {US} and {JP} and sector '{AUTO}' (a Japan-US package)",
            f"countries {cs[:6]}..., sectors {ss[:4]}... in '{d.name}'",
        )
    return cs.index(US), cs.index(JP), ss.index(AUTO)


def list_datasets() -> list[S.DatasetOut]:
    return [
        S.DatasetOut(name=i.name, summary=i.summary, dims=i.dims, year=i.year, available=registry.available(i.name))
        for i in registry.DATASETS.values()
    ]


def _goods(d: TradeData) -> list[int]:
    return [k for k, s in enumerate(d.sectors) if s not in NONGOODS]


def _weighted(t: FloatArray, x: FloatArray) -> float:
    tot = float(x.sum())
    return float(100.0 * (t * x).sum() / tot) if tot > 0 else 0.0


def package_defaults(name: str) -> S.PackageDefaults:
    """The dataset's applied rates on the package's instruments (slider start values)."""
    d = dataset(name)
    u, j, a = japan_us(d)
    g = [k for k in _goods(d) if k != a]
    x, t = d.trade, d.tariff
    return S.PackageDefaults(
        dataset=name,
        us_auto_tariff_pct=100.0 * float(t[j, u, a]),
        us_other_tariff_pct=_weighted(t[j, u, g], x[j, u, g]),
        jp_tariff_pct=_weighted(t[u, j, _goods(d)], x[u, j, _goods(d)]),
        us_agri_exports_to_jp_bn=float(x[u, j, d.sector_index("agriculture")].sum()) / 1e3
        if "agriculture" in d.sectors
        else 0.0,
        sectors=d.sectors,
        countries=d.countries,
    )


# --------------------------------------------------------------------------------------------
# packages
# --------------------------------------------------------------------------------------------


def package_tariff(d: TradeData, p: S.PackageSpec) -> FloatArray:
    """Tariff array (fractions) of a package (see the module docstring for the mapping)."""
    u, j, a = japan_us(d)
    t = np.array(d.tariff, dtype=float)
    if p.us_auto_tariff_pct is not None:
        t[j, u, a] = p.us_auto_tariff_pct / 100.0
    other = [k for k in _goods(d) if k != a]
    r = p.us_reciprocal_pct / 100.0
    if p.reciprocal_stacking == "additional":
        t[j, u, other] = t[j, u, other] + r
    else:
        t[j, u, other] = np.maximum(t[j, u, other], r)
    goods = _goods(d)
    t[u, j, goods] = np.maximum(0.0, t[u, j, goods] + p.jp_tariff_change_pp / 100.0)
    if p.extra_rules:
        t = apply_edits(d, [TariffEdit.parse(r) for r in p.extra_rules], base=t)
    return t


def _changes(d: TradeData, t: FloatArray) -> list[dict[str, Any]]:
    """Cells where a tariff array differs from the dataset's, as the policy layer's sector 'set' changes."""
    cs, ss = d.countries, d.sectors
    out = []
    for i, j, k in np.argwhere(np.abs(t - d.tariff) > 1e-12):
        out.append({"importer": cs[j], "exporter": cs[i], "sector": ss[k],
                    "rate_pct": float(100.0 * t[i, j, k]), "mode": "set"})
    return out


def package_scenario(p: S.PackageSpec) -> Any:
    """The package as a policy-layer scenario (:func:`tradetalks.policy.spec.parse_spec`): tariffs of the
    pre-2025 baseline date plus the package's tariff changes, purchase commitments (incremental) and the
    investment pledge."""
    from tradetalks.policy.scenarios import builtin_spec
    from tradetalks.policy.spec import parse_spec

    d = dataset(p.dataset)
    t = package_tariff(d, p)
    doc: dict[str, Any] = {
        "name": "web-package",
        "date": builtin_spec(BASELINE_SCENARIO).date,
        "title": "package from the web package builder",
        "dataset": p.dataset,
        "options": {"closure": p.closure,
                    "investment_pledges": "ignore" if p.investment_mode == "objective-only" else "transfer"},
        "tariff_change": _changes(d, t),
        "purchase_commitment": [
            {"name": name, "sector": PURCHASE_SECTORS[name], "exporter": US, "importer": JP,
             "usd_bn_per_year": v, "kind": "incremental"}
            for name, v in (("agriculture", p.purchases_agriculture_usd_bn), ("energy", p.purchases_energy_usd_bn))
            if v > 0
        ],
    }
    if p.investment_usd_bn > 0:
        doc["investment_pledge"] = [{
            "name": "investment-pledge", "investor": JP, "host": US, "usd_bn": p.investment_usd_bn,
            "horizon_years": p.investment_years, "profit_share_host": p.investment_us_profit_share,
            "expected_return_pct": p.investment_return_pct,
            "mode": "returns_transfer" if p.investment_mode == "returns-transfer" else "capital_flow",
        }]
    return parse_spec(doc, "web package")


BASELINE_SCENARIO = "jp-us-2024-baseline"


def evaluate_spec(spec: Any) -> Any:
    """:func:`tradetalks.policy.evaluate.evaluate` on the spec's dataset (cached in memory)."""
    from tradetalks.policy.evaluate import evaluate

    if spec.dataset not in registry.DATASETS:
        raise DatasetNotFoundError(f"unknown dataset '{spec.dataset}': expected one of {sorted(registry.DATASETS)}")
    return evaluate(spec, dataset(spec.dataset), options=OPTIONS)


def objective_point(res: Any, us_balance_weight: float = 0.0, jp_auto_weight: float = 0.0) -> tuple[float, float]:
    """Both parties' objectives (:mod:`tradetalks.bargain.objectives` with λ = 1) from a result:
    U_US = 100 ln Ĝ_US + b (B'−B)/1000, U_JP = 100 ln Ĝ_JP + o · 100 ln(R'_auto/R_auto)."""
    ds = res.ds
    cs = res.countries
    u, j = cs.index(US), cs.index(JP)
    g = ds["gov_welfare_pct"].values
    uu = 100.0 * float(np.log1p(g[u] / 100.0))
    uj = 100.0 * float(np.log1p(g[j] / 100.0))
    if us_balance_weight:
        b0, b1 = res.bilateral_balance(US, JP)
        uu += us_balance_weight * (b1 - b0) / MN_PER_BN
    if jp_auto_weight:
        a = res.sectors.index(AUTO)
        uj += jp_auto_weight * 100.0 * float(np.log(ds["output_new"].values[j, a] / ds["output_base"].values[j, a]))
    return uu, uj


def impact_of(pr: Any, source: str) -> S.Impact:
    """The web summary of a policy-layer :class:`~tradetalks.policy.evaluate.PackageResult`."""
    res = pr.result
    cs = res.countries
    if US not in cs or JP not in cs or AUTO not in res.sectors:
        raise LabelError("dataset", f"countries {US}, {JP} and sector '{AUTO}'", f"{cs} in '{res.dataset}'")
    u, j, a = cs.index(US), cs.index(JP), res.sectors.index(AUTO)
    cf = res.to_frame("country")
    sec = res.to_frame("sector")
    ds = res.ds
    gw = ds["gov_welfare_pct"].values
    ou, oj = objective_point(res)

    def side(c: str, k: int, obj: float) -> S.SideImpact:
        row = cf.loc[c]
        ob, on = float(ds["output_base"].values[k, a]), float(ds["output_new"].values[k, a])
        return S.SideImpact(
            country=c, welfare_pct=float(row["welfare_pct"]), gov_welfare_pct=float(gw[k]),
            wage_pct=float(row["wage_pct"]), objective=obj,
            exports_base_usd_bn=float(row["exports_base"]) / MN_PER_BN,
            exports_new_usd_bn=float(row["exports_new"]) / MN_PER_BN,
            imports_base_usd_bn=float(row["imports_base"]) / MN_PER_BN,
            imports_new_usd_bn=float(row["imports_new"]) / MN_PER_BN,
            revenue_base_usd_bn=float(row["revenue_base"]) / MN_PER_BN,
            revenue_new_usd_bn=float(row["revenue_new"]) / MN_PER_BN,
            auto_output_base_usd_bn=ob / MN_PER_BN, auto_output_new_usd_bn=on / MN_PER_BN,
            auto_output_pct=100.0 * (on / ob - 1.0) if ob > 0 else 0.0,
        )

    before, after = res.bilateral_balance(US, JP)
    xb = ds["trade_base"].values
    tb, tn = ds["tariff_base"].values, ds["tariff_new"].values
    return S.Impact(
        dataset=res.dataset, closure=res.closure, converged=bool(res.converged), residual=float(res.info.residual),
        us=side(US, u, ou), jp=side(JP, j, oj),
        balance_before_usd_bn=before / MN_PER_BN, balance_after_usd_bn=after / MN_PER_BN,
        us_tariff_on_jp_before_pct=_weighted(tb[j, u], xb[j, u]),
        us_tariff_on_jp_after_pct=_weighted(tn[j, u], xb[j, u]),
        jp_tariff_on_us_before_pct=_weighted(tb[u, j], xb[u, j]),
        jp_tariff_on_us_after_pct=_weighted(tn[u, j], xb[u, j]),
        sectors=[
            S.SectorRow(sector=s, usa_output_pct=_finite(sec.loc[(US, s), "output_pct"]),
                        jpn_output_pct=_finite(sec.loc[(JP, s), "output_pct"]))
            for s in res.sectors
        ],
        others=[S.CountryWelfare(country=c, welfare_pct=float(cf.loc[c, "welfare_pct"]))
                for c in cs if c not in (US, JP)],
        purchases=[
            S.PurchaseCheck(sector=c.sector, target_usd_bn=c.amount / MN_PER_BN,
                            met_usd_bn=(c.flow_achieved - c.flow_without) / MN_PER_BN, demand_shift=c.shifter)
            for c in pr.commitments
        ],
        assumptions=list(pr.assumptions),
        source=source,
    )


def impact(p: S.PackageSpec) -> S.Impact:
    """Evaluate a package: both sides' welfare, the bilateral balance, auto output, revenue, by sector."""
    d = dataset(p.dataset)
    japan_us(d)
    pr = evaluate_spec(package_scenario(p))
    out = impact_of(pr, "tradetalks.policy.evaluate.evaluate (package mapped by tradetalks.web.services)")
    out.assumptions[:0] = _assumptions(p)
    return out


def scenario_impact(name: str, dataset_name: str | None = None) -> S.ScenarioResult:
    """A built-in scenario of the policy layer, evaluated."""
    from tradetalks.policy.scenarios import builtin_spec

    spec = builtin_spec(name)
    if dataset_name is not None and dataset_name != spec.dataset:
        from dataclasses import replace

        spec = replace(spec, dataset=dataset_name)
    pr = evaluate_spec(spec)
    return S.ScenarioResult(name=name, impact=impact_of(pr, "tradetalks.policy.evaluate.evaluate"),
                            details=_plain_dict(pr.as_dict()))


def list_scenarios() -> list[S.ScenarioOut]:
    from tradetalks.policy.scenarios import list_scenarios as ls

    return [S.ScenarioOut(name=s.name, summary=s.title) for s in ls()]


def _plain_dict(d: dict[str, Any]) -> dict[str, object]:
    return {str(k): _plain(v) for k, v in d.items()}


def _assumptions(p: S.PackageSpec) -> list[str]:
    return [
        f"package builder: US tariff on Japanese '{AUTO}' set to the all-in rate (the sector includes "
        "other transport equipment); US reciprocal rate on other Japanese goods "
        f"{p.reciprocal_stacking} to the 2014 applied rate, services untouched; Japan's tariffs on US goods "
        "= applied rate + change, floored at 0; purchases are incremental (energy = WIOD 'mining')",
        "package builder: only the Japan-US tariffs move; third countries keep their 2014 rates (unlike "
        "`tradetalks evaluate`, whose dated scenarios also apply the all-origins US duties to them, "
        "which changes the bilateral balance through trade diversion)",
    ]


def _finite(v: Any) -> float:
    f = float(v)
    return f if np.isfinite(f) else 0.0


# --------------------------------------------------------------------------------------------
# bargaining: package space, no-deal points, frontier, solutions
# --------------------------------------------------------------------------------------------

INSTRUMENTS = (f"{US}:{AUTO}", f"{US}:rest", f"{JP}:all")


def _objectives(d: TradeData, us_balance_weight: float = 0.0,
                jp_auto_weight: float = 0.0) -> tuple[bobj.Objective, bobj.Objective]:
    """The two governments' objectives: 100 ln Ĝ (λ = 1) plus the optional weighted terms."""
    us = bobj.ObjectiveSpec(US, balance=(bobj.WeightedTerm(JP, us_balance_weight),) if us_balance_weight else ())
    jp = bobj.ObjectiveSpec(JP, output=(bobj.WeightedTerm(AUTO, jp_auto_weight),) if jp_auto_weight else ())
    return bobj.resolve(us, d), bobj.resolve(jp, d)


def _space(spec: S.FrontierSpec) -> bspace.PackageSpace:
    d = dataset(spec.dataset)
    japan_us(d)
    base = baseline(spec.dataset, spec.closure)
    ins = bspace.instruments_for(d, US, JP, list(INSTRUMENTS), upper=spec.upper_pct / 100.0)
    objs = _objectives(d, spec.us_balance_weight, spec.jp_auto_weight)
    return bspace.PackageSpace(base, np.array(d.tariff, dtype=float), ins, objs, tuple(d.countries), tuple(d.sectors))


ESCALATION = S.PackageSpec.model_validate({"us_auto_tariff_pct": 27.5, "us_reciprocal_pct": 24.0})
"""No deal carried out: Section 232 autos 25 % on 2.5 % MFN, the announced 24 % reciprocal rate."""


def _nodeal(space: bspace.PackageSpace, spec: S.FrontierSpec) -> bspace.NoDealPoint:
    if spec.nodeal == "status-quo":
        return bspace.status_quo(space)
    if spec.nodeal == "escalation":
        d = dataset(spec.dataset)
        t = package_tariff(d, ESCALATION.model_copy(update={"dataset": spec.dataset, "closure": spec.closure}))
        return bspace.escalation(space, t, "escalation (27.5 % autos, +24 % reciprocal)")
    return bspace.trade_war_point(space)


def _px(x: FloatArray) -> S.PackageX:
    return S.PackageX(us_auto_pct=100.0 * float(x[0]), us_rest_pct=100.0 * float(x[1]), jp_all_pct=100.0 * float(x[2]))


ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class Traced:
    frontier: bfrontier.Frontier
    nodeal: bspace.NoDealPoint
    status_quo: bspace.NoDealPoint
    space: bspace.PackageSpace


def _key(spec: S.FrontierSpec) -> tuple[Any, ...]:
    return tuple(getattr(spec, f) for f in S.FrontierSpec.model_fields)


_traced: dict[tuple[Any, ...], Traced] = {}
_trace_lock = threading.Lock()


def trace(spec: S.FrontierSpec, progress: ProgressFn | None = None) -> Traced:
    """Frontier of the Japan-US package space against a no-deal point (cached by specification)."""
    key = _key(spec)
    with _trace_lock:
        if key in _traced:
            return _traced[key]
    space = _space(spec)
    nd = _nodeal(space, spec)
    sq = bspace.status_quo(space) if spec.nodeal != "status-quo" else nd
    fr = bfrontier.trace_frontier(space, n_points=spec.n_points, nodeal=nd.u, progress=progress)
    out = Traced(fr, nd, sq, space)
    with _trace_lock:
        if len(_traced) > 64:
            _traced.clear()
        _traced[key] = out
    return out


def _solution(tr: Traced, name: str, beta: tuple[float, float] = (1.0, 1.0),
              delta: tuple[float, float] = (0.95, 0.95)) -> S.SolutionOut:
    curve = tr.frontier.curve()
    try:
        sol = bsol.solve(name, curve, tr.nodeal.u, beta=beta, delta=delta)
    except (ValueError, ArithmeticError) as exc:  # a numerical failure inside the solution concept
        raise BargainingError(f"solution '{name}' could not be computed on this frontier: {exc}") from exc
    x = tr.frontier.package_near(sol.u)
    return S.SolutionOut(name=name, u_us=float(sol.u[0]), u_jp=float(sol.u[1]), package=_px(x),
                         params={k: _plain(v) for k, v in sol.params.items()})


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _nd(p: bspace.NoDealPoint) -> S.NoDealOut:
    return S.NoDealOut(name=p.name, u_us=float(p.u[0]), u_jp=float(p.u[1]), note=p.note)


def frontier(spec: S.FrontierSpec) -> S.FrontierOut:
    """Frontier points, the no-deal point and the standard solutions."""
    tr = trace(spec)
    sols = []
    for name in ("nash", "ks", "egalitarian", "rubinstein"):
        try:
            sols.append(_solution(tr, name))
        except BargainingError:
            continue
    f = tr.frontier
    return S.FrontierOut(
        parties=list(f.parties), units=UNITS,
        points=[S.FrontierPoint(u_us=float(u[0]), u_jp=float(u[1]), package=_px(x), converged=bool(c))
                for u, x, c in zip(f.u, f.x, f.converged, strict=True)],
        nodeal=_nd(tr.nodeal), status_quo=_nd(tr.status_quo), solutions=sols,
        seconds=float(f.seconds), evaluations=int(f.evaluations),
        objectives=[o.spec.describe() for o in tr.space.objectives],
    )


def bargain(spec: S.BargainSpec) -> S.SolutionOut:
    """One bargaining solution on the (cached) frontier."""
    tr = trace(spec)
    return _solution(tr, spec.solution, spec.beta, spec.delta)


def war(spec: S.WarSpec) -> S.WarOut:
    """Nash trade war among the players (others passive), :func:`tradetalks.model.strategic.trade_war`."""
    return _war_cached(spec.dataset, spec.closure, tuple(spec.players), spec.mfn)


@lru_cache(maxsize=16)
def _war_cached(name: str, closure: str, players: tuple[str, ...], mfn: bool) -> S.WarOut:
    from tradetalks.model.strategic import trade_war

    d = dataset(name)
    for p in players:
        if p not in d.countries:
            raise LabelError("players", f"countries of '{name}': {d.countries}", repr(p))
    if len(set(players)) != len(players):
        raise LabelError("players", "distinct countries", repr(list(players)))
    base = baseline(name, closure)
    idx = [d.countries.index(p) for p in players]
    w = trade_war(base, players=idx, mfn=mfn)
    return S.WarOut(
        rounds=int(w.rounds), converged=bool(w.converged), seconds=float(w.seconds),
        countries=[
            S.WarCountry(country=c, player=k in idx, median_tariff_pct=100.0 * w.median_tariff(k),
                         welfare_pct=100.0 * (float(w.welfare_hat[k]) - 1.0),
                         gov_welfare_pct=100.0 * (float(w.gov_welfare_hat[k]) - 1.0))
            for k, c in enumerate(d.countries)
        ],
    )


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def check_simulation(spec: S.SimulationSpec) -> None:
    """Validate strategies and the schedule before a job is queued (bad ones raise BargainingError)."""
    from tradetalks.bargain import negotiate as neg

    neg.parse_strategy(spec.strategy_us)
    neg.parse_strategy(spec.strategy_jp)
    neg.schedule(spec.start, [(d, n) for d, n in spec.deadlines], spec.rounds_per_deadline)


def simulate(spec: S.SimulationSpec, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Alternating offers on the frontier toward the deadlines (:func:`tradetalks.bargain.negotiate.simulate`)."""
    from tradetalks.bargain import negotiate as neg

    strategies = (neg.parse_strategy(spec.strategy_us), neg.parse_strategy(spec.strategy_jp))
    dates, deadlines = neg.schedule(spec.start, [(d, n) for d, n in spec.deadlines], spec.rounds_per_deadline)
    fspec = S.FrontierSpec(**{f: getattr(spec, f) for f in S.FrontierSpec.model_fields})
    tr = trace(fspec, progress)
    res = neg.simulate(
        tr.frontier.curve(), tr.nodeal.u, strategies, deadlines, impasse=tr.status_quo.u,
        delta=spec.delta, dates=dates, parties=(US, JP), package_of=tr.frontier.package_near,
    )
    log = res.log.copy()
    rows = [{str(k): _plain(v) if not isinstance(v, (dt.date, dt.datetime)) else v.isoformat()
             for k, v in r.items()} for r in log.to_dict(orient="records")]
    return {
        "parties": list(res.parties), "strategies": list(res.strategies), "agreement": bool(res.agreement),
        "round": int(res.round), "u": _plain(res.u), "u_discounted": _plain(res.u_discounted),
        "package": None if res.package is None else _px(res.package).model_dump(),
        "reason": res.reason, "log": rows, "frontier": frontier(fspec).model_dump(),
    }


# --------------------------------------------------------------------------------------------
# timeline of the real talks, each event's package (tariffs in force) evaluated
# --------------------------------------------------------------------------------------------


def in_force(date: dt.date, dataset_name: str = "world2014") -> S.Impact:
    """The US measures on Japan in force on a date (policy layer, no side items), evaluated."""
    return _in_force(date, dataset_name)


@lru_cache(maxsize=128)
def _in_force(date: dt.date, dataset_name: str) -> S.Impact:
    from tradetalks.policy.spec import parse_spec

    spec = parse_spec({"name": f"in-force-{date.isoformat()}", "date": date, "dataset": dataset_name,
                       "title": f"tariffs in force on {date.isoformat()}"}, "web timeline")
    return impact_of(evaluate_spec(spec), "tradetalks.policy.evaluate.evaluate (tariffs in force on the date)")


def evaluate_offer(package: dict[str, Any]) -> S.Impact:
    """Evaluate a stored offer's package: ``{"scenario": NAME, ...}`` (a built-in scenario),
    ``{"spec": {...}}`` (a scenario document) or ``{"web_package": {...}}`` (a package-builder spec)."""
    from tradetalks.policy.scenarios import BUILTIN, builtin_spec
    from tradetalks.policy.spec import parse_spec

    if "web_package" in package:
        return impact(S.PackageSpec.model_validate(package["web_package"]))
    name = package.get("scenario")
    if isinstance(name, str) and name in BUILTIN:
        return impact_of(evaluate_spec(builtin_spec(name)), "tradetalks.policy.evaluate.evaluate")
    if isinstance(package.get("spec"), dict):
        spec = dict(package["spec"])
        spec.pop("source_file", None)
        return impact_of(evaluate_spec(parse_spec(spec, "stored offer")), "tradetalks.policy.evaluate.evaluate")
    raise ModelError("offer package: expected {'scenario': NAME}, {'spec': {...}} or {'web_package': {...}}")


def timeline_events(rounds: list[Any], dataset_name: str = "world2014") -> list[S.TimelineEvent]:
    """Every event of the talks (policy timeline) with the tariffs in force evaluated, and the stored
    rounds' offers evaluated."""
    from tradetalks.policy.timeline import events

    by_key = {(r.date, r.title): r for r in rounds}
    out = []
    for ev in events():
        r = by_key.get((ev.date, ev.title))
        offers = []
        for o in (r.offers if r is not None else ()):
            offers.append(S.OfferOut(party=o.party, label=o.label, impact=evaluate_offer(dict(o.package))))
        out.append(S.TimelineEvent(
            date=ev.date, kind=ev.kind, title=ev.title, place=ev.place, counterparts=ev.counterparts,
            source_title=ev.source.title, source_address=ev.source.address,
            round_number=None if r is None else r.number,
            in_force=in_force(ev.date, dataset_name), offers=offers,
        ))
    return out
