r"""Adapters between the web layer and the library (no HTTP here): datasets, packages, bargaining.

Everything numerical is done by library functions: the Ossa (2014) equilibrium
(:func:`tradetalks.model.ossa.solve_equilibrium`, :func:`~tradetalks.model.ossa.result_from_equilibrium`),
tariff rules (:mod:`tradetalks.data.edits`), the package space, frontier and solutions
(:mod:`tradetalks.bargain`), the tariff measures in force on a date (:mod:`tradetalks.policy.measures`).
This module only adapts: the desk's sliders become the one
:class:`~tradetalks.policy.package.Package` in :mod:`tradetalks.web.desk`, every package is evaluated by
:func:`tradetalks.policy.evaluate.evaluate` and rendered from the one outcome report
(:func:`tradetalks.policy.outcome.outcome`); units are converted at the edge (data in US$ millions, output
in US$ billions).
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
from tradetalks.bargain.problem import escalation_tariff, nodeal_point
from tradetalks.data import registry
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import (
    BargainingError,
    DatasetNotFoundError,
    LabelError,
    ModelError,
    ReferenceDataMissingError,
)
from tradetalks.model import ossa
from tradetalks.policy.evaluate import EVALUATE_OPTIONS
from tradetalks.policy.package import Package
from tradetalks.results.strategic import tariff_outcome
from tradetalks.vocabulary import DEFAULT_DATASET, normalise_no_deal
from tradetalks.web import schemas as S
from tradetalks.web.desk import desk_assumptions, desk_package, with_bands

FloatArray = npt.NDArray[np.float64]

US, JP = "USA", "JPN"
AUTO = "motor_vehicles"
NONGOODS = ("services",)
MN_PER_BN = 1000.0
OPTIONS = EVALUATE_OPTIONS
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
        **_desk_facts(name),
    )


@lru_cache(maxsize=8)
def _desk_facts(name: str) -> dict[str, Any]:
    """Data year, the facts' "as of" date and the measures with their sources (issue 14)."""
    from tradetalks.policy.measures import default_measures
    from tradetalks.policy.wall import default_wall

    info = registry.DATASETS.get(name)
    wall = default_wall()
    return {
        "data_year": info.year if info is not None else "",
        "facts_as_of": wall.known_through,
        "facts_as_of_source": S.SourceOut(title=wall.known_through_source.title,
                                          address=wall.known_through_source.address),
        "measures": [
            S.MeasureOut(id=m.id, title=m.title, rate_pct=m.rate_pct, start=m.start, end=m.end, status=m.status,
                         groups=list(m.groups), source=S.SourceOut(title=m.source.title, address=m.source.address))
            for m in default_measures().measures
        ],
    }


# --------------------------------------------------------------------------------------------
# packages
# --------------------------------------------------------------------------------------------


def package_scenario(p: S.PackageSpec) -> Package:
    """The desk request as the policy layer's package (alias of :func:`desk_package`)."""
    return desk_package(p)


BASELINE_SCENARIO = "jp-us-2024-baseline"


def evaluate_spec(spec: Any) -> Any:
    """:func:`tradetalks.policy.evaluate.evaluate` of a package (or scenario spec) on its dataset (the
    dataset cached in memory)."""
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
    """The web rendering of the one outcome report (:func:`tradetalks.policy.outcome.outcome`) of a
    policy-layer :class:`~tradetalks.policy.evaluate.PackageResult`."""
    from tradetalks.policy.outcome import outcome

    res = pr.result
    cs = res.countries
    if US not in cs or JP not in cs or AUTO not in res.sectors:
        raise LabelError("dataset", f"countries {US}, {JP} and sector '{AUTO}'", f"{cs} in '{res.dataset}'")
    o = outcome(pr, (US, JP), AUTO)
    ou, oj = objective_point(res)

    def side(c: str, obj: float) -> S.SideImpact:
        x = o.country(c)
        return S.SideImpact(
            country=c, welfare_pct=x.welfare_pct, welfare_ev_usd_bn=x.welfare_ev_usd_bn,
            welfare_gdp_pct=x.welfare_gdp_pct if np.isfinite(x.welfare_gdp_pct) else None,
            gov_welfare_pct=x.gov_welfare_pct, wage_pct=x.wage_pct, real_wage_pct=x.real_wage_pct, objective=obj,
            exports_base_usd_bn=x.exports_before, exports_new_usd_bn=x.exports_after,
            imports_base_usd_bn=x.imports_before, imports_new_usd_bn=x.imports_after,
            revenue_base_usd_bn=x.revenue_before, revenue_new_usd_bn=x.revenue_after,
            auto_output_base_usd_bn=x.auto_output_before, auto_output_new_usd_bn=x.auto_output_after,
            auto_output_pct=x.auto_output_pct,
        )

    sec = o.sector_output_pct
    return S.Impact(
        dataset=o.dataset, closure=o.closure, converged=o.converged, residual=o.residual,
        us=side(US, ou), jp=side(JP, oj),
        balance_before_usd_bn=o.balance_before, balance_after_usd_bn=o.balance_after,
        us_tariff_on_jp_before_pct=o.rates[f"{US}.before"], us_tariff_on_jp_after_pct=o.rates[f"{US}.statutory"],
        jp_tariff_on_us_before_pct=o.rates[f"{JP}.before"], jp_tariff_on_us_after_pct=o.rates[f"{JP}.statutory"],
        sectors=[S.SectorRow(sector=s, usa_output_pct=_finite(sec.loc[s, US]), jpn_output_pct=_finite(sec.loc[s, JP]))
                 for s in res.sectors],
        others=[S.CountryWelfare(country=c.country, welfare_pct=c.welfare_pct) for c in o.others],
        purchases=[
            S.PurchaseCheck(sector=c.sector, target_usd_bn=c.amount / MN_PER_BN,
                            met_usd_bn=(c.flow_achieved - c.flow_without) / MN_PER_BN, demand_shift=c.shifter)
            for c in o.commitments
        ],
        assumptions=list(o.assumptions),
        source=source,
        decomposition=_plain_dict({k: v for k, v in o.as_dict().items()
                                   if k in ("steps", "channels", "horizons", "pledge")}),
        balance_after_usd_bn_band=None, uncertainty=None,  # bands: web/desk.with_bands (issue 13)
    )


DESK_SOURCE = "tradetalks.policy.evaluate.evaluate (package built by tradetalks.web.services.desk_package)"


def package_impact(pkg: Any, source: str) -> S.Impact:
    """:func:`impact_of` of the evaluation of a package (or scenario spec), through the result cache
    (:func:`tradetalks.web.caching.package_impact`: memory, then the folder shared by the worker
    processes). The result is shared: copy it before changing it."""
    from tradetalks.policy.evaluate import as_package
    from tradetalks.web import caching

    package = as_package(pkg)
    return caching.package_impact(package, source, lambda: impact_of(evaluate_spec(package), source))


def impact(p: S.PackageSpec) -> S.Impact:
    """Evaluate a desk package: both sides' welfare, the bilateral balance, auto output, revenue, by sector."""
    if not getattr(p, "uncertainty", 0):  # the cached path (bands need the evaluation itself)
        hit = package_impact(desk_package(p), DESK_SOURCE)
        return hit.model_copy(update={"assumptions": [*desk_assumptions(p), *hit.assumptions]})
    pr = evaluate_spec(desk_package(p))
    out = impact_of(pr, DESK_SOURCE)
    out.assumptions[:0] = desk_assumptions(p)
    if p.uncertainty:  # issue 13: 5-95 % bands (tradetalks.web.desk.with_bands)
        out = with_bands(out, pr, dataset(p.dataset), p.uncertainty, p.uncertainty_seed)
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


def _nodeal(space: bspace.PackageSpace, spec: S.FrontierSpec) -> bspace.NoDealPoint:
    """The no-deal point of a frontier request, through the one builder (:func:`bargain.problem.nodeal_point`,
    the escalation's tariffs from :func:`bargain.problem.escalation_tariff`), as the CLI's ``--from``."""
    kind = normalise_no_deal(spec.nodeal)
    esc = None
    if kind == "escalation":
        esc = escalation_tariff(dataset(spec.dataset), space.parties, None, space.reference_tariff)
    return nodeal_point(space, kind, escalation_tariff=esc)


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
    sq = bspace.status_quo(space) if nd.name != "status-quo" else nd
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


def war(spec: S.WarSpec, progress: Callable[[int, int, float], None] | None = None) -> S.WarOut:
    """Nash trade war among the players (others passive), :func:`tradetalks.model.strategic.trade_war`;
    ``progress`` is its per-round hook (a raising hook cancels the war; nothing is cached then)."""
    key = (spec.dataset, spec.closure, tuple(spec.players), spec.mfn)
    with _lock:
        hit = _wars.get(key)
    if hit is None:
        hit = _war_result(*key, progress=progress)
        with _lock:
            if len(_wars) >= 16:
                _wars.clear()
            _wars[key] = hit
    return hit


_wars: dict[tuple[str, str, tuple[str, ...], bool], S.WarOut] = {}


def _war_result(name: str, closure: str, players: tuple[str, ...], mfn: bool,
                progress: Callable[[int, int, float], None] | None = None) -> S.WarOut:
    from tradetalks.model.strategic import trade_war

    d = dataset(name)
    for p in players:
        if p not in d.countries:
            raise LabelError("players", f"countries of '{name}': {d.countries}", repr(p))
    if len(set(players)) != len(players):
        raise LabelError("players", "distinct countries", repr(list(players)))
    base = baseline(name, closure)
    idx = [d.countries.index(p) for p in players]
    w = trade_war(base, players=idx, mfn=mfn, progress=progress)
    res = tariff_outcome("trade-war", base, w, d.countries, d.sectors, idx, closure=closure,
                         iterations=int(w.rounds), residual=float(w.max_change))
    df = res.to_frame("country")
    return S.WarOut(
        rounds=int(w.rounds), converged=bool(w.converged), seconds=float(w.seconds),
        why_not_converged=w.reason(d.countries),
        countries=[
            S.WarCountry(country=str(c), player=bool(r["player"]), median_tariff_pct=float(r["median_tariff_pct"]),
                         welfare_pct=float(r["welfare_pct"]), gov_welfare_pct=float(r["gov_welfare_pct"]),
                         wage_pct=float(r["wage_pct"]), profit_pct=float(r["profit_pct"]))
            for c, r in df.iterrows()
        ],
        tariffs_pct={p: res.tariffs_of(p) for p in players},
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


def in_force(date: dt.date, dataset_name: str = DEFAULT_DATASET) -> S.Impact:
    """The US measures on Japan in force on a date (policy layer, no side items), evaluated."""
    return _in_force(date, dataset_name)


def in_force_package(date: dt.date, dataset_name: str = DEFAULT_DATASET) -> Package:
    """The package of the US measures on Japan in force on a date (no side items)."""
    return Package(name=f"in-force-{date.isoformat()}", base_date=date, dataset=dataset_name,
                   title=f"tariffs in force on {date.isoformat()}", source="web timeline")


@lru_cache(maxsize=128)
def _in_force(date: dt.date, dataset_name: str) -> S.Impact:
    return package_impact(in_force_package(date, dataset_name),
                          "tradetalks.policy.evaluate.evaluate (tariffs in force on the date)")


def evaluate_offer(package: dict[str, Any]) -> S.Impact:
    """Evaluate a stored offer's package: ``{"scenario": NAME, ...}`` (a built-in scenario),
    ``{"spec": {...}}`` (a scenario document) or ``{"web_package": {...}}`` (a package-builder spec)."""
    from tradetalks.policy.scenarios import BUILTIN, builtin_spec

    if "web_package" in package:
        return impact(S.PackageSpec.model_validate(package["web_package"]))
    if isinstance(package.get("package"), dict):
        pkg = Package.from_payload(package["package"], "stored offer")
        return package_impact(pkg, "tradetalks.policy.evaluate.evaluate (stored package)")
    name = package.get("scenario")
    if isinstance(name, str) and name in BUILTIN:
        return package_impact(builtin_spec(name), "tradetalks.policy.evaluate.evaluate")
    if isinstance(package.get("spec"), dict):
        return package_impact(Package.from_payload(package["spec"], "stored offer"),
                              "tradetalks.policy.evaluate.evaluate")
    raise ModelError("offer package: expected {'scenario': NAME}, {'package': {...}}, {'spec': {...}} or "
                     "{'web_package': {...}}")


def timeline_events(rounds: list[Any], dataset_name: str = DEFAULT_DATASET) -> list[S.TimelineEvent]:
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
