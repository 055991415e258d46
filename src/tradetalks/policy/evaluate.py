r"""Evaluate a package deal with the Ossa (2014) GE model — the one evaluation behind every interface.

:func:`evaluate` takes a :class:`~tradetalks.policy.package.Package` (or a scenario spec) to its tariff matrix
with :func:`~tradetalks.policy.package.package_tariffs` (the one package -> tariffs path; US tariffs on third
countries from the partner-by-partner wall by default), books investment pledges as annual transfers
(net-export changes) and solves the counterfactual with :func:`tradetalks.model.ossa.solve_warm`.

Steps (every evaluation; cumulative equivalent variation, US$bn a year, for every country)
------------------------------------------------------------------------------------------
1. *tariffs only*: the package without the partner's (Japan's, ``DEFAULT_PARTIES[1]``) own tariff measures
   and without side items (GE solve);
2. *+ partner's tariff changes*: all tariff measures (GE solve; the same as 1 when the partner has none);
3. *+ purchases*: step 2 plus each commitment's welfare effect :math:`\Delta W` of
   :mod:`tradetalks.policy.purchases` (a purchase wedge financed by the buyer's government: never a gain
   for the buyer, zero when the target does not bind; the seller gains the terms-of-trade part), valued at
   the flows of the full package;
4. *+ pledge*: the full package, pledges as annual transfers (GE solve with :math:`\Delta NX`), plus the
   purchases of step 3. This is the headline.

Purchase commitments
--------------------
A commitment's target is its amount (``level``: binds only above the market's flow in the package) or
the package's flow plus the amount (``increment``). Its welfare effect is partial equilibrium (one sector,
CES with the sector's :math:`\sigma`, constant seller price) and is added to the GE welfare of buyer and
seller; trade flows, wages and balances are the GE solve's.

Investment pledges
------------------
A pledge becomes :math:`\Delta NX_{investor} = +D`, :math:`\Delta NX_{host} = -D`, D its annual transfer
(:func:`~tradetalks.policy.package.pledge_transfer_usd_m`: by default the central case of
:func:`tradetalks.policy.pledge.value_pledge`). Under the ``"data"`` closure net exports in the new
equilibrium are :math:`NX + \Delta NX`; under ``"balanced"``, :math:`0 + \Delta NX`.

Short run
---------
With ``short_run=True`` the full package is solved again with short-run elasticities
(:func:`tradetalks.policy.decompose.short_run_data`: :math:`\sigma^{SR}-1 = 0.38(\sigma-1)`, Boehm,
Levchenko and Pandalai-Nayar 2023), same closure.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
Boehm, C., Levchenko, A., Pandalai-Nayar, N. (2023). The Long and Short (Run) of Trade Elasticities. AER 113(4).
"""

from __future__ import annotations

import csv
import dataclasses
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.model.common import SolverOptions
from tradetalks.policy.package import Package, package_tariffs, pledge_nx_change
from tradetalks.policy.purchases import MODEL as PURCHASE_MODEL_TEXT
from tradetalks.policy.purchases import PurchaseCommitment, PurchaseCost, purchase_cost
from tradetalks.policy.spec import ScenarioSpec
from tradetalks.policy.tariffs import TariffsInForce, effective_rates
from tradetalks.results.counterfactual import CounterfactualResult
from tradetalks.vocabulary import DEFAULT_PARTIES

FloatArray = npt.NDArray[np.float64]

EVALUATE_OPTIONS = SolverOptions(tol=1e-11)
"""Solver options of every package evaluation (CLI, web, Python): one tolerance, so every surface gives
the same figures to the last digits."""

STEPS: tuple[str, ...] = ("tariffs only", "+ partner's tariff changes", "+ purchases", "+ pledge")
"""Labels of the step decomposition (cumulative), in order."""

SR_NOTE = "sigma-1 scaled by 0.38 (Boehm, Levchenko & Pandalai-Nayar 2023, AER 113(4): 0.76 / 2.0), same closure"
GDP_FILES: dict[str, str] = {"world2022": "gdp_world2022.csv"}
"""Sourced GDP tables (``policy/facts``) of datasets without a ``gdp`` variable."""


@dataclass(frozen=True)
class CommitmentOutcome:
    """A purchase commitment as modelled (values in the dataset's units, US$ millions a year).

    ``kind`` in the file spelling (``"incremental"`` | ``"level"``); ``flow_without`` is the GE flow of the
    package, ``flow_achieved`` the flow bought (the target when it binds); ``shifter`` is 1 (no demand
    shift: the commitment is a purchase wedge, ``cost`` holds its valuation)."""

    name: str
    exporter: str
    importer: str
    sector: str
    kind: str
    amount: float
    target: float
    flow_base: float
    flow_without: float
    flow_achieved: float
    shifter: float
    binding: bool
    cost: PurchaseCost | None = None

    @property
    def rel_error(self) -> float:
        """``achieved / target − 1`` (0: a wedge meets its target exactly)."""
        return 0.0

    @property
    def buyer_welfare_usd_bn(self) -> float:
        """The buyer's welfare change (US$bn a year, <= 0)."""
        return 0.0 if self.cost is None else self.cost.welfare_change_usd_bn


@dataclass(frozen=True)
class PledgeOutcome:
    """An investment pledge as a net-export change (US$ millions per year)."""

    name: str
    investor: str
    host: str
    mode: str
    nx_change: float
    description: str


@dataclass(frozen=True, eq=False)
class PackageResult:
    """Outcome of :func:`evaluate`.

    Attributes
    ----------
    package
        The evaluated :class:`~tradetalks.policy.package.Package`.
    tariffs
        Tariffs of the package (matrix, groups, sectors, notes): :func:`package_tariffs`.
    result
        The GE counterfactual of the full package (tariffs and pledge transfers).
    result_tariffs_only
        The GE counterfactual of the package's tariffs without side items (step 2).
    commitments, pledges
        How each side item was modelled.
    demand_shift
        Always ``None`` (kept for callers of the former demand-shift path).
    nx_change
        The pledges' net-export changes passed to the solver (US$ m), or ``None``.
    assumptions
        Every modelling choice and scope note, to print with the results.
    gdp_usd_m
        GDP by country (US$ millions) when known (dataset variable ``gdp`` or a sourced facts table), else
        ``None``.
    side_ev_usd_m
        Welfare effect of the purchase commitments by country (US$ m a year; added to the GE welfare).
    steps
        ``(label, EV by country in US$bn a year)`` cumulative, in the order of :data:`STEPS`.
    short_run
        The full package solved with short-run elasticities (``None`` when not asked for).
    short_run_side_ev_usd_m
        The purchases' welfare effect at the short-run flows and elasticities.
    """

    package: Package
    tariffs: TariffsInForce
    result: CounterfactualResult
    result_tariffs_only: CounterfactualResult
    commitments: tuple[CommitmentOutcome, ...]
    pledges: tuple[PledgeOutcome, ...]
    demand_shift: FloatArray | None
    nx_change: FloatArray | None
    assumptions: tuple[str, ...]
    gdp_usd_m: FloatArray | None = None
    side_ev_usd_m: FloatArray | None = None
    steps: tuple[tuple[str, FloatArray], ...] = ()
    short_run: CounterfactualResult | None = None
    short_run_side_ev_usd_m: FloatArray | None = None
    elasticities: str = "the dataset's sigma"
    """The elasticity set used (the dataset's ``elasticities`` attribute, else its ``sigma_source``)."""

    def effective_rate(self, importer: str = "USA", after: bool = False) -> dict[str, float]:
        """Trade-weighted tariff (percent) of an importer by partner, at baseline or new flows."""
        data_like = self.result
        x = data_like.ds["trade_new" if after else "trade_base"].values
        t = data_like.ds["tariff_new"].values
        countries = data_like.countries
        j = countries.index(importer)
        out: dict[str, float] = {}
        for i, c in enumerate(countries):
            if i == j:
                continue
            tot = float(x[i, j].sum())
            out[c] = 100.0 * float((t[i, j] * x[i, j]).sum()) / tot if tot > 0 else 0.0
        mask = np.arange(len(countries)) != j
        tot_all = float(x[mask, j].sum())
        out["ALL"] = 100.0 * float((t[mask, j] * x[mask, j]).sum()) / tot_all if tot_all > 0 else 0.0
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the side items and assumptions (the GE result has its own tables)."""
        return {
            "scenario": self.package.name,
            "date": self.package.base_date.isoformat(),
            "dataset": self.result.dataset,
            "closure": self.result.closure,
            "converged": self.result.converged,
            "commitments": [
                {**{k: v for k, v in c.__dict__.items() if k != "cost"}, "rel_error": c.rel_error,
                 "buyer_welfare_usd_bn": c.buyer_welfare_usd_bn, "binds": c.binding}
                for c in self.commitments
            ],
            "pledges": [p.__dict__ for p in self.pledges],
            "assumptions": list(self.assumptions),
            "elasticities": self.elasticities,
            "decomposition": self._decomposition(),
        }

    def _decomposition(self) -> dict[str, Any] | None:
        """Steps, channels, horizons and the pledge band of the outcome report (JSON-ready), for the
        default parties when the dataset has them."""
        from tradetalks.policy.outcome import outcome

        if not all(c in self.result.countries for c in DEFAULT_PARTIES) or "motor_vehicles" not in self.result.sectors:
            return None
        d = outcome(self).as_dict()
        return {k: d[k] for k in ("steps", "channels", "horizons", "pledge")}


def as_package(spec_or_package: ScenarioSpec | Package) -> Package:
    """A :class:`Package` from a validated scenario spec (or the package itself)."""
    return spec_or_package if isinstance(spec_or_package, Package) else Package.from_spec(spec_or_package)


def scenario_tariffs(spec: ScenarioSpec | Package, data: TradeData) -> TariffsInForce:
    """The tariffs of a scenario or package on a dataset (:func:`~tradetalks.policy.package.package_tariffs`)."""
    return package_tariffs(as_package(spec), data)


def _pledges(package: Package, countries: Sequence[str]) -> tuple[FloatArray | None, tuple[PledgeOutcome, ...]]:
    d = pledge_nx_change(package, countries)
    if d is None:
        return None, ()
    outs = tuple(PledgeOutcome(p.name, p.investor, p.host, p.valuation, p.nx_change_usd_m(), p.describe())
                 for p in package.pledges if p.valuation != "ignore")
    return d, outs


def evaluate(
    package: Package | ScenarioSpec,
    data: TradeData,
    *,
    options: SolverOptions = EVALUATE_OPTIONS,
    short_run: bool = True,
) -> PackageResult:
    """Evaluate a package (or a validated scenario spec) with the Ossa model (see the module docstring).

    Parameters
    ----------
    package
        The package; a :class:`~tradetalks.policy.spec.ScenarioSpec` is converted with
        :meth:`Package.from_spec`.
    data
        Dataset with ``sigma`` (the package's ``dataset`` field names the default; the caller loads it).
    options
        Solver options of every GE solve.
    short_run
        Also solve the package with short-run elasticities (the second horizon).

    Returns
    -------
    PackageResult

    Raises
    ------
    SpecError
        Labels the dataset lacks.
    ConvergenceError
        A GE solve that does not converge under strict options.
    """
    pkg = as_package(package)
    tf = package_tariffs(pkg, data)
    assert tf.matrix is not None
    partner = DEFAULT_PARTIES[1]
    own = [t for t in pkg.tariffs if t.importer != partner]
    nx_change, pledges = _pledges(pkg, data.countries)
    closure = pkg.options.closure
    base = _baseline(data, closure, options)
    # the long-run solves share the baseline: one batched solve (members: all tariffs [, own tariffs]
    # [, all tariffs with the pledges' transfers])
    members: list[tuple[FloatArray, FloatArray | None]] = [(tf.matrix, None)]
    if len(own) != len(pkg.tariffs):
        m_own = package_tariffs(dataclasses.replace(pkg, tariffs=tuple(own)), data).matrix
        assert m_own is not None
        members.append((m_own, None))
    if nx_change is not None:
        members.append((tf.matrix, nx_change))
    solved = _solve_members(data, base, closure, members, options)
    r_all = solved[0]
    r_own = solved[1] if len(own) != len(pkg.tariffs) else r_all
    r_full = r_all if nx_change is None else solved[-1]
    commitments, side = _purchases(pkg, data, r_full)
    steps = (
        (STEPS[0], _ev_bn(r_own)),
        (STEPS[1], _ev_bn(r_all)),
        (STEPS[2], _ev_bn(r_all) + side / 1000.0),
        (STEPS[3], _ev_bn(r_full) + side / 1000.0),
    )
    r_sr = None
    side_sr = None
    if short_run:
        d_sr = _memo(data, ("short-run data",), lambda: _short_run_data(data))
        r_sr = _solve_members(d_sr, _baseline(d_sr, closure, options), closure, [(tf.matrix, nx_change)],
                              options)[0]
        side_sr = _purchases(pkg, d_sr, r_sr)[1]
    gdp, gdp_note = _gdp(data)
    return PackageResult(pkg, tf, r_full, r_all, commitments, pledges, None, nx_change,
                         _assumptions(pkg, tf, data, pledges, gdp_note), gdp, side, steps, r_sr, side_sr,
                         elasticities_of(data))


_derived: weakref.WeakKeyDictionary[TradeData, dict[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()
_derived_lock = threading.Lock()


def _memo(data: TradeData, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """A value derived from an (immutable) dataset, built once per dataset object and dropped with it:
    every evaluation on a dataset shares its calibrated baselines and short-run variant."""
    with _derived_lock:
        slot = _derived.setdefault(data, {})
        if key in slot:
            return slot[key]
    value = build()
    with _derived_lock:
        return _derived.setdefault(data, {}).setdefault(key, value)


def _baseline(data: TradeData, closure: str, options: SolverOptions) -> Any:
    """:func:`tradetalks.model.ossa.baseline_from_data`, once per dataset, closure and options."""
    from tradetalks.model import ossa

    return _memo(data, ("baseline", closure, options), lambda: ossa.baseline_from_data(data, closure, options))


def _short_run_data(data: TradeData) -> TradeData:
    from tradetalks.policy.decompose import short_run_data

    return short_run_data(data)


def _solve_members(data: TradeData, base: Any, closure: str,
                   members: Sequence[tuple[FloatArray, FloatArray | None]],
                   options: SolverOptions) -> list[CounterfactualResult]:
    """Counterfactuals of several ``(tariff matrix, pledge NX change or None)`` on one baseline, solved
    together on the batch axis of :func:`tradetalks.model.ossa.solve_equilibrium` (each member is its own
    system of equations; the batch shares the Newton iterations' overhead)."""
    from tradetalks.model import ossa

    tariffs = np.stack([m for m, _ in members])
    nx = np.stack([base.nx if d is None else base.nx + d for _, d in members])
    eq = ossa.solve_equilibrium(base, tariffs, nx_new=nx, options=options)
    return [ossa.result_from_equilibrium(data, base, eq, closure, k=k) for k in range(len(members))]


def elasticities_of(data: TradeData) -> str:
    """The name of the elasticity set of a dataset (``elasticities`` attribute, else ``sigma_source``)."""
    name = data.attrs.get("elasticities")
    if name:
        return f"set {name}"
    src = data.attrs.get("sigma_source")
    return f"the dataset's sigma ({src})" if src else "the dataset's sigma"


def _ev_bn(res: CounterfactualResult) -> FloatArray:
    """Equivalent variation by country, US$bn a year: (Ŵ − 1) E (E baseline gross absorption)."""
    e0 = np.asarray(res.ds["income_base"].values, dtype=np.float64)
    return np.asarray(e0 * np.asarray(res.ds["welfare_pct"].values, dtype=np.float64) / 1e5, dtype=np.float64)


def _purchases(pkg: Package, data: TradeData, res: CounterfactualResult
               ) -> tuple[tuple[CommitmentOutcome, ...], FloatArray]:
    """Each commitment valued by :func:`tradetalks.policy.purchases.purchase_cost` at the package's flows;
    the welfare effect by country (US$ m a year; buyer <= 0, seller the terms-of-trade transfer)."""
    side = np.zeros(data.n_countries)
    if pkg.options.purchase_commitments == "ignore":
        return (), side
    sg = np.asarray(data.param("sigma"), dtype=float)
    xn, xb = res.ds["trade_new"].values, res.ds["trade_base"].values
    outs = []
    for p in pkg.purchases:
        i, j, k = data.index(p.exporter), data.index(p.importer), data.sector_index(p.sector)
        flow = float(xn[i, j, k])
        c = purchase_cost(PurchaseCommitment(p.importer, p.exporter, p.sector, p.usd_bn_per_year, p.meaning),
                          flow / 1000.0, float(sg[k]))
        side[j] += 1000.0 * c.welfare_change_usd_bn
        side[i] += 1000.0 * c.tot_transfer_usd_bn
        target = 1000.0 * c.target_usd_bn
        outs.append(CommitmentOutcome(
            p.name, p.exporter, p.importer, p.sector, "incremental" if p.meaning == "increment" else "level",
            p.usd_bn_per_year * 1000.0, target, float(xb[i, j, k]), flow, target if c.binds else flow, 1.0,
            c.binds, c))
    return tuple(outs), side


@cache
def _gdp_table(file: str) -> tuple[dict[str, float], str]:
    path = Path(__file__).parent / "facts" / file
    with open(path, newline="") as f:
        first = f.readline().lstrip("# ").strip()
        rows = {r["country"]: float(r["gdp_usd_m"]) for r in csv.DictReader(f) if r["gdp_usd_m"]}
    return rows, first


def _gdp(data: TradeData) -> tuple[FloatArray | None, str]:
    """GDP by country (US$ m): the dataset's ``gdp`` variable, else a sourced table of ``policy/facts``
    (:data:`GDP_FILES`; unknown economies NaN); ``None`` when neither exists. Returns the source note."""
    for name in ("gdp", "gdp_usd_m"):
        if name in data.ds.data_vars:
            v = np.asarray(data.ds[name].values, dtype=float)
            if v.shape == (data.n_countries,):
                return v, f"GDP: the dataset's '{name}' variable"
    file = GDP_FILES.get(str(data.name))
    if file is None:
        return None, (f"% of GDP: n/a on {data.name} (no sourced GDP for it; the model's income is gross "
                      "output, not GDP)")
    rows, note = _gdp_table(file)
    v = np.array([rows.get(c, np.nan) for c in data.countries], dtype=float)
    missing = [c for c in data.countries if c not in rows]
    return v, (f"% of GDP with {note}" + (f"; unknown: {', '.join(missing)}" if missing else "")
               + f"; the GDP year differs from the flows' ({data.attrs.get('year', '?')})")


def _assumptions(spec: Package, tf: TariffsInForce, data: TradeData,
                 pledges: tuple[PledgeOutcome, ...], gdp_note: str) -> tuple[str, ...]:
    out = [f"Tariffs in force on {spec.base_date.isoformat()}"
           + (f"; measures switched on: {', '.join(spec.measures_on)}" if spec.measures_on else "")
           + (f"; switched off: {', '.join(spec.measures_off)}" if spec.measures_off else "")]
    out += list(tf.notes)
    out += [f"Tariff measure: {t.importer} on {t.exporter}, {t.group or t.sector}: {t.mode} {t.rate_pct:g} %"
            + (f" ({t.note})" if t.note else "") for t in spec.tariffs]
    out += spec.options.describe()
    out.append(f"Dataset {data.name} ({data.attrs.get('year', '?')}, {data.attrs.get('units', 'US$ millions')}); "
               f"elasticities: {elasticities_of(data)}; long run = these, short run = {SR_NOTE}")
    out.append(gdp_note)
    if spec.mapping:
        out.append(f"Mapping overrides: {dict(spec.mapping)}")
    if spec.purchases:
        out.append(f"Purchase commitments: {PURCHASE_MODEL_TEXT}; US$ amounts applied as stated to the dataset "
                   "without deflation; valued at the package's flows and added to the GE welfare of buyer and "
                   "seller; increment = over the package's flow, level = the flow to reach (no cost when the "
                   "flow already exceeds it)")
    out += [f"Pledge {p.name}: {p.description}" for p in pledges]
    out += [f"Not modelled: {u.description} ({u.value}): {u.reason}" for u in spec.unmodelled]
    return tuple(out)


__all__ = [
    "EVALUATE_OPTIONS",
    "STEPS",
    "CommitmentOutcome",
    "PackageResult",
    "PledgeOutcome",
    "as_package",
    "effective_rates",
    "elasticities_of",
    "evaluate",
    "scenario_tariffs",
]
