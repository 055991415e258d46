r"""The outcome report's formulas as pure array functions (issue 13: one implementation).

Every headline figure of :mod:`tradetalks.policy.outcome` is computed here, once, on arrays that may
carry any number of leading member axes (``...``): the outcome report of one evaluated package calls these
functions on the (N, N, S) arrays of its GE result, and the uncertainty bands
(:func:`tradetalks.sweep.headline.batch_headline`) call the same functions on the (B, N, N, S) arrays of a
parameter batch. Definitions (dims: exporter i × importer j × sector s; flows at pre-tariff values,
US$ millions; levels returned in US$bn):

* exports / imports of a country: its flows to / from every other country, summed over sectors;
* tariff revenue of importer j: :math:`\sum_{i,s} t_{ijs} X_{ijs}`;
* gross output by sector: :math:`\sum_j X_{ijs}`;
* equivalent variation :math:`EV_j = (\hat W_j - 1) E_j + \text{side}_j` (side items: purchase
  commitments' welfare, US$ m), welfare % of gross absorption :math:`100\,EV_j / E_j`, % of GDP
  :math:`100\,EV_j/GDP_j` (NaN without a GDP);
* nominal wage :math:`100(\hat w_j - 1)`, real wage :math:`100(\hat w_j/\hat P_j - 1)` with the consumer
  price index :math:`\hat P_j = \hat E_j/\hat W_j` (GE welfare, before side items);
* bilateral balance of a with b: :math:`\sum_s X_{abs} - X_{bas}`;
* effective rate of importer x on exporter y: :math:`100\sum_s t_{yxs} w_s / \sum_s w_s` with weights the
  baseline flows (``before``: baseline tariffs; ``statutory``: new tariffs) or the new flows
  (``after_response``); 0 without trade;
* auto output change :math:`100(O'/O - 1)` (0 when O = 0); auto exports to the partner (NaN when 0).

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
MN_PER_BN = 1000.0

COUNTRY_FIELDS: tuple[str, ...] = (
    "welfare_pct", "welfare_gdp_pct", "welfare_ev_usd_bn", "gdp_usd_bn", "wage_pct", "real_wage_pct",
    "exports_before", "exports_after", "imports_before", "imports_after", "revenue_before", "revenue_after",
    "auto_output_before", "auto_output_after",
)
"""Per-country figures of :func:`country_figures` (the fields of
:class:`tradetalks.policy.outcome.CountryOutcome`, ``gov_welfare_pct`` aside)."""


@dataclass(frozen=True, eq=False)
class OutcomeArrays:
    """What the outcome formulas need of a GE solution, with optional leading member axes ``...``.

    Attributes
    ----------
    trade_base, trade_new, tariff_base, tariff_new
        (..., N, N, S) flows (US$ m, pre-tariff) and importer-imposed tariffs (fractions), before and after.
    wage_hat, income_hat, welfare_hat
        (..., N) changes ŵ, Ê and Ŵ (GE real income, before side items).
    expenditure
        (..., N) baseline gross absorption E (US$ m).
    gdp
        (..., N) GDP (US$ m) or ``None`` (welfare in % of GDP is then NaN).
    side_ev
        (..., N) welfare of side items added to the EV (US$ m) or ``None``.
    """

    trade_base: FloatArray
    trade_new: FloatArray
    tariff_base: FloatArray
    tariff_new: FloatArray
    wage_hat: FloatArray
    income_hat: FloatArray
    welfare_hat: FloatArray
    expenditure: FloatArray
    gdp: FloatArray | None = None
    side_ev: FloatArray | None = None


def exports(x: FloatArray) -> FloatArray:
    """Exports of each country (excluding domestic sales), summed over sectors: (..., N)."""
    n = x.shape[-2]
    d = np.arange(n)
    return np.asarray(x.sum(axis=(-2, -1)) - x[..., d, d, :].sum(axis=-1))


def imports(x: FloatArray) -> FloatArray:
    """Imports of each country (excluding domestic purchases), pre-tariff, summed over sectors: (..., N)."""
    n = x.shape[-2]
    d = np.arange(n)
    return np.asarray(x.sum(axis=(-3, -1)) - x[..., d, d, :].sum(axis=-1))


def revenue(t: FloatArray, x: FloatArray) -> FloatArray:
    """Tariff revenue of each importer, :math:`\\sum_{i,s} t_{ijs}X_{ijs}`: (..., N)."""
    return np.asarray(np.einsum("...ijs,...ijs->...j", np.broadcast_to(t, x.shape), x))


def output(x: FloatArray) -> FloatArray:
    """Gross output (sales) by country and sector: (..., N, S)."""
    return np.asarray(x.sum(axis=-2))


def pct_change(new: FloatArray, old: FloatArray, if_zero: float) -> FloatArray:
    """:math:`100(new/old - 1)`, ``if_zero`` where ``old`` ≤ 0."""
    pos = old > 0
    return np.where(pos, 100.0 * (new / np.where(pos, old, 1.0) - 1.0), if_zero)


def effective_rate(t: FloatArray, w: FloatArray) -> FloatArray:
    """Trade-weighted mean tariff over the last (sector) axis, %: 0 where the weights sum to 0."""
    tot = w.sum(axis=-1)
    pos = tot > 0
    return np.where(pos, 100.0 * (t * w).sum(axis=-1) / np.where(pos, tot, 1.0), 0.0)


def country_figures(a: OutcomeArrays, auto: int) -> dict[str, FloatArray]:
    """Per-country figures (:data:`COUNTRY_FIELDS`), each (..., N); levels in US$bn. ``auto`` is the index
    of the auto sector."""
    e0 = a.expenditure
    ev = (a.welfare_hat - 1.0) * e0 + (0.0 if a.side_ev is None else a.side_ev)
    gdp = np.full(ev.shape, np.nan) if a.gdp is None else np.broadcast_to(np.asarray(a.gdp, dtype=float), ev.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        gdp_pct = np.where(gdp > 0, 100.0 * ev / gdp, np.nan)
    p_hat = a.income_hat / a.welfare_hat
    tb = np.broadcast_to(a.tariff_base, a.trade_base.shape)
    tn = np.broadcast_to(a.tariff_new, a.trade_new.shape)
    return {
        "welfare_pct": 100.0 * ev / e0, "welfare_gdp_pct": gdp_pct, "welfare_ev_usd_bn": ev / MN_PER_BN,
        "gdp_usd_bn": gdp / MN_PER_BN, "wage_pct": 100.0 * (a.wage_hat - 1.0),
        "real_wage_pct": 100.0 * (a.wage_hat / p_hat - 1.0),
        "exports_before": exports(a.trade_base) / MN_PER_BN, "exports_after": exports(a.trade_new) / MN_PER_BN,
        "imports_before": imports(a.trade_base) / MN_PER_BN, "imports_after": imports(a.trade_new) / MN_PER_BN,
        "revenue_before": revenue(tb, a.trade_base) / MN_PER_BN, "revenue_after": revenue(tn, a.trade_new) / MN_PER_BN,
        "auto_output_before": output(a.trade_base)[..., auto] / MN_PER_BN,
        "auto_output_after": output(a.trade_new)[..., auto] / MN_PER_BN,
    }


@dataclass(frozen=True, eq=False)
class PairFigures:
    """Figures of the two parties a, b: balance of a with b (US$bn), effective rates ``'<x>.before'``,
    ``'<x>.statutory'``, ``'<x>.after_response'`` of x on the other party (%), x's auto exports to the
    other party (% change). Values are arrays (...,) or floats."""

    balance_before: FloatArray | float
    balance_after: FloatArray | float
    rates: Mapping[str, FloatArray | float]
    auto_exports_pct: Mapping[str, FloatArray | float]


def pair_figures(a: OutcomeArrays, parties: tuple[int, int], labels: tuple[str, str], auto: int) -> PairFigures:
    """:class:`PairFigures` of parties at indices ``parties`` (labelled ``labels``)."""
    xb, xn = a.trade_base, a.trade_new
    tb = np.broadcast_to(a.tariff_base, xb.shape)
    tn = np.broadcast_to(a.tariff_new, xn.shape)
    ia, ib = parties
    rates: dict[str, FloatArray | float] = {}
    autos: dict[str, FloatArray | float] = {}
    for (x, lx), (y, _) in (((ia, labels[0]), (ib, labels[1])), ((ib, labels[1]), (ia, labels[0]))):
        rates[f"{lx}.before"] = effective_rate(tb[..., y, x, :], xb[..., y, x, :])
        rates[f"{lx}.statutory"] = effective_rate(tn[..., y, x, :], xb[..., y, x, :])
        rates[f"{lx}.after_response"] = effective_rate(tn[..., y, x, :], xn[..., y, x, :])
        autos[lx] = pct_change(xn[..., x, y, auto], xb[..., x, y, auto], np.nan)
    bal = [(x[..., ia, ib, :].sum(-1) - x[..., ib, ia, :].sum(-1)) / MN_PER_BN for x in (xb, xn)]
    return PairFigures(bal[0], bal[1], rates, autos)


def headline_figures(
    countries: Sequence[str], figures: Mapping[str, FloatArray], pair: PairFigures, parties: tuple[str, str]
) -> dict[str, FloatArray]:
    """The flat headline keys of the outcome report (``<country>.<metric>``, ``balance.<a>-<b>.*``,
    ``others.*``) from :func:`country_figures` (or the same fields gathered from a report) and
    :func:`pair_figures`. Each value is (...,)."""
    a, b = parties
    cs = list(countries)
    out: dict[str, FloatArray] = {f"balance.{a}-{b}.before": np.asarray(pair.balance_before),
                                  f"balance.{a}-{b}.after": np.asarray(pair.balance_after)}
    for x, y in ((a, b), (b, a)):
        k = cs.index(x)
        for f in ("welfare_pct", "welfare_gdp_pct", "wage_pct", "real_wage_pct", "exports_before", "exports_after",
                  "imports_before", "imports_after", "revenue_before", "revenue_after"):
            out[f"{x}.{f}"] = figures[f][..., k]
        out[f"{x}.welfare_ev"] = figures["welfare_ev_usd_bn"][..., k]
        out[f"{x}.auto_output_pct"] = pct_change(figures["auto_output_after"][..., k],
                                                 figures["auto_output_before"][..., k], 0.0)
        out[f"{x}.auto_exports_to_{y}_pct"] = np.asarray(pair.auto_exports_pct[x])
        for r in ("statutory", "after_response"):
            out[f"{x}.tariff_on_{y}_{r}_pct"] = np.asarray(pair.rates[f"{x}.{r}"])
        out[f"{x}.tariff_on_{y}_before_pct"] = np.asarray(pair.rates[f"{x}.before"])
    third = [k for k, c in enumerate(cs) if c not in parties]
    w = figures["welfare_pct"]
    nan = np.full(w.shape[:-1], np.nan)
    out["others.welfare_pct"] = w[..., third].mean(axis=-1) if third else nan
    out["others.welfare_ev"] = figures["welfare_ev_usd_bn"][..., third].sum(axis=-1) if third else nan
    return out


def sector_output_pct(a: OutcomeArrays) -> FloatArray:
    """Gross output change by country and sector, % (..., N, S): :math:`100(O'/O - 1)` (inf/NaN where the
    baseline output is 0, as the result's sector table)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(100.0 * (output(a.trade_new) / output(a.trade_base) - 1.0))


__all__ = ["COUNTRY_FIELDS", "MN_PER_BN", "OutcomeArrays", "PairFigures", "country_figures", "effective_rate",
           "exports", "headline_figures", "imports", "output", "pair_figures", "pct_change", "revenue",
           "sector_output_pct"]
