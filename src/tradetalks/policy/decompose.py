r"""Step decomposition of a deal's welfare effect: tariffs only → + partner's changes → + purchases → + pledge.

Each step adds one instrument to the previous one; the row gives the cumulative equivalent variation of
one country (US$bn a year at baseline prices) and the step's increment, so the increments add up to the
total exactly. The figures come from the one evaluation (:func:`tradetalks.policy.evaluate.evaluate`, see
its docstring for the steps); this module turns them into the rows of the outcome report: steps, the
channel split (with the purchases' component), the two horizons, the pledge band and its break-even
transfer. With a GDP figure, rows also give % of GDP.
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
from tradetalks.policy.evaluate import STEPS
from tradetalks.policy.pledge import PledgeBand, PledgeTerms, value_pledge


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
# a package, decomposed: rows of the outcome report built from one evaluation
# --------------------------------------------------------------------------------------------

SR_RATIO = 0.76 / 2.0
"""Short-run / long-run trade elasticity: Boehm, Levchenko and Pandalai-Nayar (2023, AER 113(4)): the
elasticity of tariff-exclusive flows one year after a tariff change is about 0.76; the long run 1.75-2.25
(midpoint 2.0), reached after 7-10 years (NBER w27064 abstract)."""
SR_SOURCE = ("Boehm, Levchenko & Pandalai-Nayar (2023), 'The Long and Short (Run) of Trade Elasticities', "
             "AER 113(4): one-year elasticity 0.76, long run 1.75-2.25 (https://www.nber.org/papers/w27064)")
SR_LABEL = f"sigma-1 x {SR_RATIO:.2f} (BLP 2023: 0.76 / 2.0)"


@dataclass(frozen=True)
class HorizonRow:
    """Welfare of one country at one horizon (EV US$bn a year incl. side items; % of GDP where known; GE
    part in % of gross absorption, labelled) and the parties' bilateral balance after (US$bn)."""

    horizon: str
    country: str
    ev_usd_bn: float
    pct_gross_absorption: float
    balance_after_usd_bn: float
    elasticities: str
    closure: str
    pct_gdp: float | None = None


def short_run_data(data: TradeData) -> TradeData:
    """The dataset with short-run elasticities: :math:`\\sigma^{SR}-1 = 0.38(\\sigma-1)` (:data:`SR_RATIO`)."""
    sg = np.asarray(data.param("sigma"), dtype=float)
    return data.replace(sigma=1.0 + SR_RATIO * (sg - 1.0))


def _gdp_bn(pr: Any, k: int) -> float | None:
    g = None if pr.gdp_usd_m is None else float(pr.gdp_usd_m[k])
    return g / 1000.0 if g is not None and np.isfinite(g) and g > 0 else None


def steps_of(pr: Any, parties: Sequence[str]) -> tuple[StepRow, ...]:
    """Step rows of an evaluation (:class:`~tradetalks.policy.evaluate.PackageResult`) for the parties."""
    cs = pr.result.countries
    steps = dict(pr.steps)
    notes = ("GE solve", "GE solve", "purchase wedge (policy.purchases)",
             "GE solve with the pledge's annual transfer (policy.pledge, central case)")
    out: list[StepRow] = []
    for c in parties:
        k = cs.index(c)
        v = [float(steps[s][k]) for s in STEPS]
        out.extend(step_rows(c, v[0], v[1], v[2] - v[1], v[3] - v[2], gdp_usd_bn=_gdp_bn(pr, k), notes=notes))
    return tuple(out)


def channels_of(pr: Any) -> ChannelSplit:
    """The GE channel split of the full package plus a ``purchases`` component (the wedge's welfare
    effect, % of gross absorption), so the components add up to the reported welfare change."""
    ch = split_result(pr.result)
    e0 = np.asarray(pr.result.ds["income_base"].values, dtype=float)
    side = np.zeros_like(e0) if pr.side_ev_usd_m is None else np.asarray(pr.side_ev_usd_m, dtype=float)
    pct = 100.0 * side / e0
    comps = (*ch.components_pct, ("purchases", pct))
    evs = (*ch.components_ev, ("purchases", side)) if ch.components_ev else ()
    return dataclasses.replace(ch, total_pct=ch.total_pct + pct, components_pct=comps, components_ev=evs,
                               note=ch.note + "; purchases: policy.purchases wedge (partial equilibrium); "
                               "deficit: includes the pledge's transfer")


def horizons_of(pr: Any, parties: Sequence[str]) -> tuple[HorizonRow, ...]:
    """Long- and short-run rows of an evaluation (short run only when it was solved)."""
    a, b = parties[0], parties[1]
    rows: list[HorizonRow] = []
    runs = [("long run", pr.result, pr.side_ev_usd_m, getattr(pr, "elasticities", "the dataset's sigma"))]
    if pr.short_run is not None:
        runs.append(("short run", pr.short_run, pr.short_run_side_ev_usd_m, SR_LABEL))
    for name, rr, side, el in runs:
        bal = rr.bilateral_balance(a, b)[1] / 1000.0
        e0 = np.asarray(rr.ds["income_base"].values, dtype=float)
        w = np.asarray(rr.ds["welfare_pct"].values, dtype=float)
        for c in parties:
            k = rr.countries.index(c)
            ev = (e0[k] * w[k] / 100.0 + (0.0 if side is None else float(side[k]))) / 1000.0
            g = _gdp_bn(pr, k)
            rows.append(HorizonRow(name, c, float(ev), float(w[k]), float(bal), str(el)[:120], rr.closure,
                                   None if g is None else float(100.0 * ev / g)))
    return tuple(rows)


def pledge_band(pr: Any) -> PledgeBand | None:
    """The vehicle valued from its terms (:func:`tradetalks.policy.pledge.value_pledge`) when the package
    has a pledge valued by its terms, else ``None``."""
    if not any(p.valuation == "terms" for p in pr.package.pledges):
        return None
    return value_pledge(PledgeTerms())


def breakeven_usd_bn(deal: Any, no_deal: Any, investor: str) -> float:
    """Break-even annual transfer (US$bn a year) at which ``investor`` is indifferent between the deal and
    no deal: EV(deal up to '+ purchases') − EV(no deal, all steps) (:mod:`tradetalks.policy.pledge`)."""
    k = deal.result.countries.index(investor)
    return float(dict(deal.steps)[STEPS[2]][k] - dict(no_deal.steps)[STEPS[3]][k])
