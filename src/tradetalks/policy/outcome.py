r"""The one outcome report of an evaluated package (issue 9, item 2; units per issue 10, item 3).

:func:`outcome` turns a :class:`~tradetalks.policy.evaluate.PackageResult` into a frozen :class:`Outcome`:
welfare, nominal and real wages, the bilateral balance in levels (with the closure that produced it),
effective tariff rates, auto output, tariff revenue, side items, assumptions and units. The CLI table
(``evaluate``, ``demo``), the web JSON, CSV export and stored runs only render it; every label and unit
is defined once, in :data:`METRICS`.

Definitions (Ossa 2014 model; levels in US$bn a year at baseline prices; the dataset is in US$ m):

* welfare, % of gross absorption: :math:`100(\hat W_j - 1)`, with :math:`\hat W_j = \hat E_j/\hat P_j`
  and :math:`E_j = \sum_i\sum_s (1+t_{ijs})X_{ijs}` tariff-inclusive spending (about twice GDP);
* equivalent variation: :math:`EV_j = (\hat W_j - 1)\,E_j` (homothetic preferences: the change of
  income at baseline prices worth the change of utility), US$bn a year;
* welfare, % of GDP: :math:`100\,EV_j / GDP_j` with GDP from the dataset's ``gdp`` variable or a sourced
  table in ``policy/facts`` (``world2022``: World Bank WDI, 2023, source and year printed in the
  assumptions). Datasets of gross flows (intermediate + final, e.g. WIOD's ``world2014``) do not identify
  value added, so without either the figure is NaN ("n/a"): the model's income (gross output) is not GDP;
* nominal wage :math:`100(\hat w_j - 1)`; real wage :math:`100(\hat w_j/\hat P_j - 1)`,
  :math:`\hat P_j = \hat E_j/\hat W_j` the consumer price index;
* bilateral balance of a with b: exports minus imports at pre-tariff values, goods and services
  (the dataset's sectors), before and after, under the closure stated;
* effective rate of i on j: trade-weighted mean tariff, weights the baseline flows ("statutory") or the
  flows after the change ("at new flows");
* others' welfare: the unweighted mean over third countries (Ossa's table convention), and their
  summed equivalent variation.

Welfare includes the side items: the GE solve carries the pledges' transfers, and the purchase
commitments' welfare effect (:mod:`tradetalks.policy.purchases`, never a gain for the buyer) is added to
the EV, the % of GDP and the % of gross absorption. Every outcome carries ``steps`` (tariffs only → +
partner's tariff changes → + purchases → + pledge, :func:`tradetalks.policy.decompose.steps_of`),
``channels`` (terms of trade, profit shifting, tariff revenue, tariff wedge, deficit/transfers and
purchases; they add up to the welfare change, :func:`tradetalks.policy.decompose.channels_of`),
``horizons`` (long run and short run) and ``pledge`` (the vehicle's low/central/high band).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.errors import LabelError
from tradetalks.policy.evaluate import PackageResult
from tradetalks.policy.outcome_arrays import (
    COUNTRY_FIELDS,
    MN_PER_BN,
    OutcomeArrays,
    PairFigures,
    country_figures,
    headline_figures,
    pair_figures,
    pct_change,
    sector_output_pct,
)
from tradetalks.results.counterfactual import CounterfactualResult
from tradetalks.vocabulary import DEFAULT_PARTIES, UNITS

AUTO_SECTOR = "motor_vehicles"


@dataclass(frozen=True)
class Metric:
    """One headline figure's definition: key template, label shown to readers, unit."""

    key: str
    label: str
    unit: str


METRICS: tuple[Metric, ...] = (
    Metric("{a}.welfare_ev", "{a} welfare (equivalent variation)", UNITS["welfare_ev"]),
    Metric("{b}.welfare_ev", "{b} welfare (equivalent variation)", UNITS["welfare_ev"]),
    Metric("{a}.welfare_gdp_pct", "{a} welfare", UNITS["welfare_gdp"]),
    Metric("{b}.welfare_gdp_pct", "{b} welfare", UNITS["welfare_gdp"]),
    Metric("{a}.welfare_pct", "{a} welfare, gross absorption", UNITS["welfare_absorption"]),
    Metric("{b}.welfare_pct", "{b} welfare, gross absorption", UNITS["welfare_absorption"]),
    Metric("others.welfare_pct", "others' welfare (unweighted mean), gross absorption", UNITS["welfare_absorption"]),
    Metric("others.welfare_ev", "others' welfare (sum, equivalent variation)", UNITS["welfare_ev"]),
    Metric("{a}.real_wage_pct", "{a} real wage", UNITS["wage"]),
    Metric("{b}.real_wage_pct", "{b} real wage", UNITS["wage"]),
    Metric("{a}.wage_pct", "{a} nominal wage", UNITS["wage"]),
    Metric("{b}.wage_pct", "{b} nominal wage", UNITS["wage"]),
    Metric("balance.{a}-{b}.after", "{a} balance with {b}", UNITS["balance"]),
    Metric("{a}.tariff_on_{b}_statutory_pct", "{a} tariff on {b}", UNITS["rate"]),
    Metric("{a}.tariff_on_{b}_after_response_pct", "  at new flows", UNITS["rate"]),
    Metric("{b}.tariff_on_{a}_statutory_pct", "{b} tariff on {a}", UNITS["rate"]),
    Metric("{b}.auto_output_pct", "{b} auto output", UNITS["output"]),
    Metric("{b}.auto_exports_to_{a}_pct", "{b} auto exports to {a}", UNITS["output"]),
    Metric("{a}.auto_output_pct", "{a} auto output", UNITS["output"]),
    Metric("{a}.exports_after", "{a} exports", UNITS["trade"]),
    Metric("{a}.imports_after", "{a} imports", UNITS["trade"]),
    Metric("{b}.exports_after", "{b} exports", UNITS["trade"]),
    Metric("{b}.imports_after", "{b} imports", UNITS["trade"]),
    Metric("{a}.revenue_after", "{a} tariff revenue", UNITS["revenue"]),
    Metric("{b}.revenue_after", "{b} tariff revenue", UNITS["revenue"]),
)
"""Rows of every headline table (CLI, demo, CSV): % changes, rates, or US$bn levels after the change
(the ``before`` column of a comparison holds the levels before)."""


@dataclass(frozen=True)
class CountryOutcome:
    """One country's figures (see the module docstring for definitions and units)."""

    country: str
    welfare_pct: float
    welfare_gdp_pct: float
    welfare_ev_usd_bn: float
    gdp_usd_bn: float
    gov_welfare_pct: float
    wage_pct: float
    real_wage_pct: float
    exports_before: float
    exports_after: float
    imports_before: float
    imports_after: float
    revenue_before: float
    revenue_after: float
    auto_output_before: float
    auto_output_after: float

    @property
    def auto_output_pct(self) -> float:
        return float(pct_change(np.asarray(self.auto_output_after), np.asarray(self.auto_output_before), 0.0))


@dataclass(frozen=True)
class Outcome:
    """The outcome report of one evaluated package (build with :func:`outcome`)."""

    name: str
    dataset: str
    closure: str
    converged: bool
    residual: float
    parties: tuple[str, str]
    auto_sector: str
    countries: tuple[CountryOutcome, ...]
    balance_before: float
    balance_after: float
    rates: Mapping[str, float]
    auto_exports_pct: Mapping[str, float]
    sector_output_pct: pd.DataFrame = field(repr=False)
    commitments: tuple[Any, ...] = ()
    pledges: tuple[Any, ...] = ()
    unmodelled: tuple[Any, ...] = ()
    assumptions: tuple[str, ...] = ()
    steps: Any | None = None
    channels: Any | None = None
    horizons: tuple[Any, ...] = ()
    pledge: Any | None = None
    units: Mapping[str, str] = field(default_factory=lambda: dict(UNITS))

    def country(self, c: str) -> CountryOutcome:
        """The figures of one country (raises :class:`LabelError`)."""
        for x in self.countries:
            if x.country == c:
                return x
        raise LabelError("country", f"one of {[x.country for x in self.countries]}", repr(c))

    @property
    def others(self) -> tuple[CountryOutcome, ...]:
        return tuple(x for x in self.countries if x.country not in self.parties)

    def headline(self) -> dict[str, float]:
        """Flat ``<country>.<metric>`` figures (keys of :data:`METRICS` and their ``_before`` levels;
        assembled by :func:`tradetalks.policy.outcome_arrays.headline_figures`, as the bands are)."""
        figures = {f: np.array([float(getattr(c, f)) for c in self.countries]) for f in COUNTRY_FIELDS}
        pair = PairFigures(self.balance_before, self.balance_after, self.rates, self.auto_exports_pct)
        heads = headline_figures([c.country for c in self.countries], figures, pair, self.parties)
        return {k: float(v) for k, v in heads.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per country, the :class:`CountryOutcome` fields as columns (units in ``attrs``)."""
        df = pd.DataFrame([c.__dict__ for c in self.countries]).set_index("country")
        df["auto_output_pct"] = [c.auto_output_pct for c in self.countries]
        df.attrs["closure"] = self.closure
        return df

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: headline figures, per-country rows, side items, assumptions, units."""
        return {
            "name": self.name, "dataset": self.dataset, "closure": self.closure, "converged": self.converged,
            "residual": self.residual, "parties": list(self.parties), "headline": self.headline(),
            "countries": {c.country: {**c.__dict__, "auto_output_pct": c.auto_output_pct} for c in self.countries},
            "assumptions": list(self.assumptions), "units": dict(self.units),
            "steps": None if self.steps is None else [dict(r.__dict__) for r in self.steps],
            "channels": None if self.channels is None else {
                "model": self.channels.model, "note": self.channels.note, "unit": UNITS["welfare_absorption"],
                "by_country": {c: self.channels.row(c) for c in self.parties},
                "ev_usd_bn": {c: {k: float(v[self.channels.countries.index(c)]) / MN_PER_BN
                                  for k, v in self.channels.components_ev} for c in self.parties}},
            "horizons": [dict(h.__dict__) for h in self.horizons],
            "pledge": None if self.pledge is None else {
                "terms_source": self.pledge.terms.source, "unit": UNITS["pledge"],
                "cases": [dict(v.__dict__) for v in self.pledge.cases]},
            "commitments": [{k: v for k, v in c.__dict__.items() if k != "cost"} | {
                "buyer_welfare_usd_bn": c.buyer_welfare_usd_bn} for c in self.commitments],
        }


def _arrays(res: CounterfactualResult, pr: PackageResult, side: np.ndarray[Any, Any]) -> OutcomeArrays:
    ds = res.ds
    e0 = ds["income_base"].values
    return OutcomeArrays(
        trade_base=ds["trade_base"].values, trade_new=ds["trade_new"].values, tariff_base=ds["tariff_base"].values,
        tariff_new=ds["tariff_new"].values, wage_hat=ds["wage_hat"].values, income_hat=ds["income_new"].values / e0,
        welfare_hat=1.0 + ds["welfare_pct"].values / 100.0, expenditure=e0,
        gdp=None if pr.gdp_usd_m is None else np.asarray(pr.gdp_usd_m, dtype=float), side_ev=side)


def _countries(res: CounterfactualResult, arrays: OutcomeArrays, s: int) -> tuple[CountryOutcome, ...]:
    """Per-country figures (:func:`~tradetalks.policy.outcome_arrays.country_figures`) and Ossa's government
    welfare (plus the side items, % of gross absorption)."""
    figs = country_figures(arrays, s)
    ds = res.ds
    e0 = arrays.expenditure
    side = np.zeros(e0.shape) if arrays.side_ev is None else arrays.side_ev
    gw = ds["gov_welfare_pct"].values if "gov_welfare_pct" in ds else figs["welfare_pct"] - 100.0 * side / e0
    gov = gw + 100.0 * side / e0
    return tuple(CountryOutcome(country=c, gov_welfare_pct=float(gov[k]),
                                **{f: float(figs[f][k]) for f in COUNTRY_FIELDS})
                 for k, c in enumerate(res.countries))


def outcome(
    pr: PackageResult,
    parties: Sequence[str] = DEFAULT_PARTIES,
    sector: str = AUTO_SECTOR,
    *,
    steps: Any | None = None,
    channels: Any | None = None,
) -> Outcome:
    """The outcome report of an evaluated package (see the module docstring).

    Raises
    ------
    LabelError
        A party or the auto sector missing from the dataset.
    """
    res = pr.result
    cs = res.countries
    a, b = parties
    for x in (a, b):
        if x not in cs:
            raise LabelError("country", f"one of {cs}", repr(x))
    if sector not in res.sectors:
        raise LabelError("sector", f"one of {res.sectors}", repr(sector))
    s = res.sectors.index(sector)
    from tradetalks.policy.decompose import channels_of, horizons_of, pledge_band, steps_of

    side = np.zeros(len(cs)) if pr.side_ev_usd_m is None else np.asarray(pr.side_ev_usd_m, dtype=float)
    if steps is None and pr.steps:
        steps = steps_of(pr, (a, b))
    if channels is None:
        channels = channels_of(pr)
    arrays = _arrays(res, pr, side)
    pair = pair_figures(arrays, (cs.index(a), cs.index(b)), (a, b), s)
    sec = pd.DataFrame(sector_output_pct(arrays)[[cs.index(a), cs.index(b)]].T,
                       index=pd.Index(res.sectors, name="sector"), columns=pd.Index([a, b], name="country"))
    return Outcome(
        name=pr.package.name, dataset=res.dataset, closure=res.closure, converged=bool(res.converged),
        residual=float(res.info.residual), parties=(a, b), auto_sector=sector,
        countries=_countries(res, arrays, s), balance_before=float(pair.balance_before),
        balance_after=float(pair.balance_after), rates={k: float(v) for k, v in pair.rates.items()},
        auto_exports_pct={k: float(v) for k, v in pair.auto_exports_pct.items()},
        sector_output_pct=sec, commitments=pr.commitments, pledges=pr.pledges, unmodelled=pr.package.unmodelled,
        assumptions=pr.assumptions, steps=steps, channels=channels,
        horizons=horizons_of(pr, (a, b)) if pr.steps else (), pledge=pledge_band(pr),
    )


def comparison_frame(outcomes: Mapping[str, Outcome]) -> pd.DataFrame:
    """Rows = :data:`METRICS` (labelled, with units); columns ``unit``, ``before`` (baseline level of the
    US$bn rows, NaN for changes and rates) and one column per outcome, in the given order."""
    heads = {name: o.headline() for name, o in outcomes.items()}
    first_o = next(iter(outcomes.values()))
    first = heads[next(iter(heads))]
    a, b = first_o.parties
    rows = []
    for m in METRICS:
        k = m.key.format(a=a, b=b)
        before = float("nan")
        if k.endswith("_after"):
            before = first[k[: -len("_after")] + "_before"]
        elif k.startswith("balance.") and k.endswith(".after"):
            before = first[k[: -len(".after")] + ".before"]
        rows.append({"metric": m.label.format(a=a, b=b), "unit": m.unit, "before": before,
                     **{n: h[k] for n, h in heads.items()}})
    return pd.DataFrame(rows).set_index("metric")


def decomposition_frame(outcomes: Mapping[str, Outcome]) -> pd.DataFrame:
    """Rows of the step decomposition (cumulative EV, US$bn a year, and % of GDP), the channel split (% of
    gross absorption) and the horizons of each outcome, columns ``unit`` and one per outcome (CSV export
    beside :func:`comparison_frame`)."""
    rows: dict[tuple[str, str], dict[str, float]] = {}

    def put(label: str, unit: str, name: str, v: float | None) -> None:
        rows.setdefault((label, unit), {})[name] = float("nan") if v is None else float(v)

    for name, o in outcomes.items():
        for r in o.steps or ():
            put(f"step {r.step}: {r.country} welfare", UNITS["welfare_ev"], name, r.ev_usd_bn)
            put(f"step {r.step}: {r.country} welfare", UNITS["welfare_gdp"], name, r.pct_gdp)
        if o.channels is not None:
            for c in o.parties:
                for k, v in o.channels.row(c).items():
                    put(f"channel {k}: {c} welfare", UNITS["welfare_absorption"], name, v)
        for h in o.horizons:
            put(f"{h.horizon}: {h.country} welfare", UNITS["welfare_ev"], name, h.ev_usd_bn)
            put(f"{h.horizon}: {h.country} welfare", UNITS["welfare_gdp"], name, h.pct_gdp)
        if o.pledge is not None:
            for v in o.pledge.cases:
                put(f"pledge {v.case}: annual transfer", UNITS["welfare_ev"], name, v.annual_transfer_usd_bn)
                put(f"pledge {v.case}: present value of the cost", UNITS["pledge"], name, v.pv_cost_usd_bn)
    df = pd.DataFrame([{"metric": k[0], "unit": k[1], **v} for k, v in rows.items()])
    return df.set_index("metric") if len(df) else df


__all__ = ["AUTO_SECTOR", "METRICS", "CountryOutcome", "Metric", "Outcome", "comparison_frame",
           "decomposition_frame", "outcome"]
