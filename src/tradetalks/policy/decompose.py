r"""Step decomposition of a deal's welfare effect: tariffs only → + partner's changes → + purchases → + pledge.

Each step adds one instrument to the previous one; the row gives the cumulative equivalent variation of
one country (US$bn a year at baseline prices) and the step's increment, so the increments add up to the
total exactly. The first two steps come from general-equilibrium solves (the caller's evaluation of the
package restricted to its tariffs, then with the partner's tariff changes); purchases enter as their cost
to the buyer (:mod:`tradetalks.policy.purchases`, never a gain for the buyer; the seller gains the
terms-of-trade part) and the pledge as the annual transfer of :mod:`tradetalks.policy.pledge` (a loss for
the investor, a gain for the host). With a GDP figure, rows also give % of GDP.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import InputError
from tradetalks.model.channels import ChannelSplit, split_result
from tradetalks.policy.evaluate import as_package, evaluate
from tradetalks.policy.package import Package
from tradetalks.policy.pledge import PledgeBand, PledgeTerms, value_pledge
from tradetalks.policy.purchases import PurchaseCommitment, PurchaseCost, purchase_cost
from tradetalks.policy.spec import ScenarioSpec
from tradetalks.results.counterfactual import CounterfactualResult

STEPS: tuple[str, ...] = ("tariffs only", "+ partner's tariff changes", "+ purchases", "+ pledge")


@dataclass(frozen=True)
class StepRow:
    """One step of the decomposition for one country (US$bn a year; % of GDP where GDP is known)."""

    step: str
    country: str
    ev_usd_bn: float
    increment_usd_bn: float
    pct_gdp: float | None
    increment_pct_gdp: float | None
    note: str


def step_rows(
    country: str,
    ev_tariffs_only: float,
    ev_with_partner: float,
    purchases_usd_bn: float,
    pledge_usd_bn: float,
    *,
    gdp_usd_bn: float | None = None,
    notes: Sequence[str] = ("GE solve", "GE solve", "purchase wedge cost (policy.purchases)",
                            "annual transfer (policy.pledge, central case)"),
) -> tuple[StepRow, ...]:
    """Rows of the step decomposition for one country.

    Parameters
    ----------
    country
        ISO3 label.
    ev_tariffs_only, ev_with_partner
        Equivalent variation (US$bn a year) of the package's own tariffs, then with the partner's changes.
    purchases_usd_bn
        Welfare effect of the purchase commitments on this country (<= 0 for the buyer).
    pledge_usd_bn
        Welfare effect of the pledge (minus the annual transfer for the investor, plus for the host).
    gdp_usd_bn
        GDP for the % of GDP columns (None: not shown).

    Raises
    ------
    InputError
        A non-finite figure or a non-positive GDP.
    """
    vals = (ev_tariffs_only, ev_with_partner, purchases_usd_bn, pledge_usd_bn)
    if any(v != v or v in (float("inf"), float("-inf")) for v in vals):
        raise InputError("step decomposition", "finite US$bn figures", repr(vals))
    if gdp_usd_bn is not None and not gdp_usd_bn > 0:
        raise InputError("gdp_usd_bn", "a positive GDP in US$bn", repr(gdp_usd_bn))
    cum = [ev_tariffs_only, ev_with_partner, ev_with_partner + purchases_usd_bn,
           ev_with_partner + purchases_usd_bn + pledge_usd_bn]
    rows = []
    prev = 0.0
    for step, c, note in zip(STEPS, cum, notes, strict=True):
        inc = c - prev
        pct = None if gdp_usd_bn is None else 100.0 * c / gdp_usd_bn
        ipct = None if gdp_usd_bn is None else 100.0 * inc / gdp_usd_bn
        rows.append(StepRow(step, country, c, inc, pct, ipct, note))
        prev = c
    return tuple(rows)


# --------------------------------------------------------------------------------------------
# a package, decomposed: steps, channels, pledge band, two horizons
# --------------------------------------------------------------------------------------------

JPN_GDP_USD_BN = 600.0e3 / (21.3e3 / 141.6)
"""Japan's nominal GDP, US$bn (about 3,990), derived from two sourced facts of ``us-japan-2025``: NRI puts the
deal's -0.55 % of GDP at -3.3 JPY tn (model_estimates.csv), i.e. GDP = 600 JPY tn; the yen per dollar is
the ratio of Japan's 2024 exports to the US in yen (21.3 tn, MOF via nippon.com) and in dollars (141.6 bn,
MONOist), i.e. about 150.4 (trade_totals.csv)."""
GDP_USD_BN: dict[str, float] = {"JPN": JPN_GDP_USD_BN}

SR_RATIO = 0.76 / 2.0
"""Short-run / long-run trade elasticity: Boehm, Levchenko and Pandalai-Nayar (2023, AER 113(4)): the
elasticity of tariff-exclusive flows one year after a tariff change is about 0.76; the long run 1.75-2.25
(midpoint 2.0), reached after 7-10 years (NBER w27064 abstract)."""
SR_SOURCE = ("Boehm, Levchenko & Pandalai-Nayar (2023), 'The Long and Short (Run) of Trade Elasticities', "
             "AER 113(4): one-year elasticity 0.76, long run 1.75-2.25 (https://www.nber.org/papers/w27064)")


@dataclass(frozen=True)
class HorizonRow:
    """Welfare of one country at one horizon (EV US$bn a year; % of gross absorption, labelled)."""

    horizon: str
    country: str
    ev_usd_bn: float
    pct_gross_absorption: float
    balance_after_usd_bn: float
    elasticities: str
    closure: str
    pct_gdp: float | None = None


@dataclass(frozen=True, eq=False)
class DealDecomposition:
    """Steps, channels, side-item valuations and horizons of one package (frozen)."""

    name: str
    parties: tuple[str, str]
    steps: tuple[StepRow, ...]
    channels: ChannelSplit
    channel_rows: tuple[tuple[str, dict[str, float]], ...]
    purchases: tuple[PurchaseCost, ...]
    pledge: PledgeBand | None
    horizons: tuple[HorizonRow, ...]
    notes: tuple[str, ...]

    def total_ev(self, country: str) -> float:
        return [r for r in self.steps if r.country == country][-1].ev_usd_bn

    def lines(self) -> tuple[str, ...]:
        """Plain-text rendering (CLI)."""
        out = [f"Step decomposition of {self.name} (EV, US$bn a year at baseline prices; cumulative, step):"]
        for r in self.steps:
            gdp = "" if r.pct_gdp is None else f"  = {r.pct_gdp:+.3f} % of GDP ({r.increment_pct_gdp:+.3f})"
            out.append(f"  {r.country} {r.step:<28} {r.ev_usd_bn:+9.2f}  ({r.increment_usd_bn:+.2f}){gdp}  [{r.note}]")
        out.append("Welfare by channel, GE part (tariffs incl. partner's changes), % of gross absorption:")
        for c, row in self.channel_rows:
            out.append("  " + c + ": " + ", ".join(f"{k} {v:+.4f}" for k, v in row.items()))
        for p in self.purchases:
            out.append("  purchase: " + p.line())
        if self.pledge is not None:
            out.extend(self.pledge.lines())
        out.append("Two horizons (same closure; EV US$bn a year, % of gross absorption, US-JPN balance after US$bn):")
        for h in self.horizons:
            gdp = "" if h.pct_gdp is None else f" = {h.pct_gdp:+.3f} % of GDP"
            out.append(f"  {h.horizon:<10} {h.country}: EV {h.ev_usd_bn:+.2f}{gdp} (all items); GE part "
                       f"{h.pct_gross_absorption:+.3f} % of gross absorption, balance {h.balance_after_usd_bn:+.1f} [{h.elasticities}; closure {h.closure}]")
        out.extend(f"  note: {n}" for n in self.notes)
        return tuple(out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "parties": list(self.parties),
            "steps": [r.__dict__ for r in self.steps],
            "channels": {c: row for c, row in self.channel_rows},
            "purchases": [{**{k: v for k, v in p.__dict__.items() if k != "commitment"},
                           "commitment": p.commitment.__dict__} for p in self.purchases],
            "pledge": None if self.pledge is None else {
                "cases": [v.__dict__ for v in self.pledge.cases],
                "breakeven_usd_bn_per_year": self.pledge.breakeven_usd_bn_per_year},
            "horizons": [h.__dict__ for h in self.horizons], "notes": list(self.notes),
        }


def _ev_bn(res: CounterfactualResult, country: str) -> float:
    k = res.countries.index(country)
    return float(res.ds["income_base"].values[k]) * float(res.ds["welfare_pct"].values[k]) / 100.0 / 1000.0


def short_run_data(data: TradeData) -> TradeData:
    """The dataset with short-run elasticities: :math:`\\sigma^{SR}-1 = 0.38(\\sigma-1)` (:data:`SR_RATIO`)."""
    sg = np.asarray(data.param("sigma"), dtype=float)
    return data.replace(sigma=1.0 + SR_RATIO * (sg - 1.0))


def decompose_deal(package: Package | ScenarioSpec, data: TradeData, *, vs: Package | ScenarioSpec | None = None,
                   parties: tuple[str, str] = ("USA", "JPN"), pledge_terms: PledgeTerms | None = None,
                   horizons: bool = True) -> DealDecomposition:
    """Decompose a package: GE steps, purchases at the buyer's cost, the pledge from its terms, horizons.

    Parameters
    ----------
    package
        A :class:`~tradetalks.policy.package.Package` or scenario spec.
    data
        The dataset (with ``sigma``).
    vs
        The no-deal package: gives the pledge's break-even transfer for the investor (``parties[1]``).
    parties
        (host, partner): ``parties[1]``'s own tariff changes form the second step.
    pledge_terms
        :class:`~tradetalks.policy.pledge.PledgeTerms` (default: the sourced terms and bands).
    horizons
        Also solve the short run (:func:`short_run_data`).
    """
    pkg = as_package(package)
    host, partner = parties
    opts = dataclasses.replace(pkg.options, purchase_commitments="ignore", investment_pledges="ignore")
    ge_all = dataclasses.replace(pkg, options=opts)
    ge_own = dataclasses.replace(ge_all, tariffs=tuple(t for t in pkg.tariffs if t.importer != partner))

    def run(d: TradeData) -> tuple[CounterfactualResult, CounterfactualResult, tuple[PurchaseCost, ...],
                                   dict[str, float]]:
        r1 = evaluate(ge_own, d).result
        r2 = evaluate(ge_all, d).result if ge_own.tariffs != ge_all.tariffs else r1
        sg = np.asarray(d.param("sigma"), dtype=float)
        costs = []
        eff = dict.fromkeys(parties, 0.0)
        for p in pkg.purchases:
            i, j, s = r2.countries.index(p.exporter), r2.countries.index(p.importer), d.sector_index(p.sector)
            flow = float(r2.ds["trade_new"].values[i, j, s]) / 1000.0
            c = purchase_cost(PurchaseCommitment(p.importer, p.exporter, p.sector, p.usd_bn_per_year, p.meaning),
                              flow, float(sg[s]))
            costs.append(c)
            if p.importer in eff:
                eff[p.importer] += c.welfare_change_usd_bn
            if p.exporter in eff:
                eff[p.exporter] += c.tot_transfer_usd_bn
        return r1, r2, tuple(costs), eff

    r1, r2, costs, pur = run(data)
    has_pledge = bool(pkg.pledges)
    ev_vs = None
    if vs is not None and has_pledge:
        ev_vs = decompose_deal(vs, data, parties=parties, horizons=False).total_ev(partner)
    band = None
    transfer = 0.0
    if has_pledge:
        ev_wo = _ev_bn(r2, partner) + pur[partner]
        band = value_pledge(pledge_terms or PledgeTerms(), ev_deal_without_pledge=None if ev_vs is None else ev_wo,
                            ev_no_deal=ev_vs)
        transfer = band.case("central").annual_transfer_usd_bn
    steps: list[StepRow] = []
    for c in parties:
        sign = -1.0 if any(p.investor == c for p in pkg.pledges) else (1.0 if any(p.host == c for p in pkg.pledges) else 0.0)
        steps.extend(step_rows(c, _ev_bn(r1, c), _ev_bn(r2, c), pur[c], sign * transfer,
                               gdp_usd_bn=GDP_USD_BN.get(c)))
    ch = split_result(r2)
    rows = tuple((c, ch.row(c)) for c in parties)
    hz: list[HorizonRow] = []
    if horizons:
        sr = run(short_run_data(data))
        for name, (_, rr, _, pp), el in (("long run", (r1, r2, costs, pur), "dataset sigma"),
                                         ("short run", sr, f"sigma-1 x {SR_RATIO:.2f} (BLP 2023: 0.76 / 2.0)")):
            bal = rr.bilateral_balance(host, partner)[1] / 1000.0
            for c in parties:
                sign = -1.0 if any(p.investor == c for p in pkg.pledges) else (
                    1.0 if any(p.host == c for p in pkg.pledges) else 0.0)
                k = rr.countries.index(c)
                ev = _ev_bn(rr, c) + pp[c] + sign * transfer
                gdp = GDP_USD_BN.get(c)
                hz.append(HorizonRow(name, c, ev, float(rr.ds["welfare_pct"].values[k]), bal, el, rr.closure,
                                     None if gdp is None else 100.0 * ev / gdp))
    notes = (
        "GE steps: Ossa (2014) on the dataset, side items switched off; purchases valued by policy.purchases "
        "(government-financed wedge, seller price constant: epsilon = inf), pledge by policy.pledge (central case)",
        f"EV = income_base x welfare % (gross absorption); % of GDP for JPN at GDP = {JPN_GDP_USD_BN:,.0f} US$bn "
        "(600 JPY tn at 150.4 JPY/US$, both derived from sourced facts); the US GDP is not in the facts",
        f"short run: {SR_SOURCE}; same closure as the long run",
    )
    return DealDecomposition(pkg.name, parties, tuple(steps), ch, rows, costs, band, tuple(hz), notes)


def decomposition_for(scenario: str, vs: str | None = None, dataset: str | None = None) -> DealDecomposition:
    """:func:`decompose_deal` of a built-in scenario (or .toml file) by name, on its dataset (CLI adapter)."""
    from tradetalks.data import load
    from tradetalks.policy.scenarios import resolve

    spec = resolve(scenario)
    data = load(dataset or spec.dataset)
    return decompose_deal(spec, data, vs=None if vs is None else resolve(vs))
