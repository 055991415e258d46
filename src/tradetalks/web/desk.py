"""The package desk's sliders as the one :class:`~tradetalks.policy.package.Package` (issue 9, item 1).

A desk request names a built-in scenario (``base``: its date's tariffs in force, measures and side items)
and the sliders the user moved; a slider left ``None`` keeps the base's value, so
``PackageSpec(base="jp-us-deal")`` is exactly the package ``tradetalks evaluate jp-us-deal`` evaluates.
Instruments (US = party A, Japan = party B):

* US tariff on Japanese cars and parts: the product groups ``cars`` and ``parts`` set all-in (mapped to the
  ``motor_vehicles`` sector with trade weights; light trucks and other transport keep their rates);
* US "reciprocal" rate on every other Japanese goods sector (services untouched): ``additional`` (mode
  ``add``) or ``all-in`` (mode ``all-in``: max of the rate in force and the rate);
* Japan's tariffs on US goods: rate in force + change, floored at zero (modes ``add`` / ``cut``);
* purchases of US farm goods and energy (WIOD ``mining``) with an explicit meaning (level or increment);
* an investment pledge with an explicit valuation;
* further tariff rules ``IMPORTER:EXPORTER:SECTOR=PCT`` / ``+=PCT`` as sector measures.

Only this module maps sliders to instruments; tariffs come from
:func:`tradetalks.policy.package.package_tariffs` like every other package.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.data.edits import TariffEdit
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ServiceError
from tradetalks.policy.package import Package, Pledge, Purchase, TariffMeasure, TariffMode
from tradetalks.vocabulary import PledgeValuation
from tradetalks.web import schemas as S

US, JP = "USA", "JPN"
AUTO = "motor_vehicles"
AUTO_GROUPS = ("cars", "parts")
NONGOODS = ("services",)
PURCHASE_SECTORS = {"agriculture": "agriculture", "energy": "mining"}


def _goods(d: TradeData) -> list[int]:
    return [k for k, s in enumerate(d.sectors) if s not in NONGOODS]


def desk_package(p: S.PackageSpec) -> Package:
    """The one :class:`~tradetalks.policy.package.Package` of a desk request (see the module docstring).

    The base scenario's package (its date's tariffs, measures and side items) with the sliders on top; a
    slider left ``None`` keeps the base's value, so ``PackageSpec(base="jp-us-deal")`` is exactly the
    package ``tradetalks evaluate jp-us-deal`` evaluates.
    """
    from tradetalks.policy.scenarios import builtin_spec
    from tradetalks.web.services import dataset, japan_us

    d = dataset(p.dataset)
    japan_us(d)
    base = Package.from_spec(builtin_spec(p.base))
    opts = replace(base.options, closure=p.closure)
    tariffs: list[TariffMeasure] = []
    if p.us_auto_tariff_pct is not None:
        tariffs += [TariffMeasure(US, JP, p.us_auto_tariff_pct, "set", group=g, note="desk: US auto tariff")
                    for g in AUTO_GROUPS]
    if p.us_reciprocal_pct is not None:
        mode: TariffMode = "add" if p.reciprocal_stacking == "additional" else "all-in"
        tariffs += [TariffMeasure(US, JP, p.us_reciprocal_pct, mode, sector=d.sectors[k], note="desk: reciprocal")
                    for k in _goods(d) if d.sectors[k] != AUTO]
    if p.jp_tariff_change_pp:
        dpp = p.jp_tariff_change_pp
        tariffs += [TariffMeasure(JP, US, abs(dpp), "add" if dpp > 0 else "cut", sector=d.sectors[k],
                                  note="desk: Japan's tariff change") for k in _goods(d)]
    tariffs += _rules(d, p.extra_rules)
    buys: dict[str, Purchase | None] = {}
    for name, v in (("agriculture", p.purchases_agriculture_usd_bn), ("energy", p.purchases_energy_usd_bn)):
        if v is not None:
            buys[name] = Purchase(name, PURCHASE_SECTORS[name], US, JP, v, p.purchase_meaning) if v > 0 else None
    pledges = None
    if p.investment_usd_bn is not None:
        valuation: PledgeValuation = "ignore" if p.investment_mode == "objective-only" else p.investment_mode
        pledges = [Pledge("investment-pledge", JP, US, p.investment_usd_bn, p.investment_years, valuation,
                          p.investment_us_profit_share, 1.0, p.investment_return_pct)] if p.investment_usd_bn > 0 else []
    return base.with_overrides(name=f"desk-{p.base}", tariffs=tariffs, purchases=buys, pledges=pledges, options=opts)


def _rules(d: TradeData, rules: list[str]) -> list[TariffMeasure]:
    """Desk tariff rules 'IMPORTER:EXPORTER:SECTOR=PCT' / '+=PCT' as sector measures ('*' expands)."""
    out: list[TariffMeasure] = []
    for text in rules:
        e = TariffEdit.parse(text)
        imps = d.countries if e.importer == "*" else [e.importer]
        secs = d.sectors if e.sector == "*" else [e.sector]
        mode: TariffMode = "set" if e.op == "set" else ("add" if e.pct >= 0 else "cut")
        for imp in imps:
            for sec in secs:
                out.append(TariffMeasure(imp, e.exporter, abs(e.pct) if e.op == "add" else e.pct, mode,
                                         sector=sec, note=f"rule {text.strip()}"))
    return out


def desk_assumptions(p: S.PackageSpec) -> list[str]:
    """How the desk built the package (printed with its result)."""
    return [
        f"package desk: the package of the built-in scenario '{p.base}' (its date's tariffs in force, measures "
        "and side items) with the sliders on top; a slider left empty keeps the base's value",
        f"package desk: US auto tariff on Japan = the product groups {', '.join(AUTO_GROUPS)} set all-in (mapped "
        f"to '{AUTO}' with trade weights); reciprocal rate on Japan's other goods sectors {p.reciprocal_stacking} "
        "(services untouched); Japan's tariffs on US goods = rate in force + change, floored at 0; purchases: "
        f"{p.purchase_meaning} (energy = WIOD 'mining')",
    ]




# --------------------------------------------------------------------------------------------
# issue 13: 5-95 % bands of the desk's headline figures
# --------------------------------------------------------------------------------------------

BAND_SOURCE = "all"
"""Bands over every elasticity member × side-item case (:mod:`tradetalks.sweep.uncertainty`)."""

SIDE_BANDS = {"welfare_pct": "welfare_pct", "welfare_ev_usd_bn": "welfare_ev", "welfare_gdp_pct": "welfare_gdp_pct",
              "wage_pct": "wage_pct", "real_wage_pct": "real_wage_pct", "auto_output_pct": "auto_output_pct"}
"""Impact field of a side → headline key suffix (``<country>.<key>``) of the outcome report."""


def band_pair(df: Any, metric: str) -> list[float] | None:
    """[p5, p95] of ``metric`` in a band table (``None`` when absent or not finite)."""
    if metric not in df.index:
        return None
    lo, hi = float(df.loc[metric, "p5"]), float(df.loc[metric, "p95"])
    return [lo, hi] if math.isfinite(lo) and math.isfinite(hi) else None


def _describe(u: Any, name: str) -> str:
    """:meth:`~tradetalks.sweep.uncertainty.UncertaintyResult.describe` of one scenario of ``u`` (its own
    solves' convergence)."""
    from tradetalks.sweep.uncertainty import UncertaintyResult

    one = UncertaintyResult(u.values.sel(scenario=[name]), u.converged.sel(scenario=[name]), u.draws, u.dataset,
                            u.side_notes)
    return one.describe()


def band_tables(results: Mapping[str, Any], data: TradeData, n_draws: int,
                seed: int) -> dict[str, tuple[pd.DataFrame, dict[str, object]]]:
    """The 5–95 % bands of evaluated packages over ``n_draws`` Monte Carlo draws of the elasticities × the
    side-item cases, from ONE :func:`tradetalks.sweep.uncertainty.bands_for_evaluation` call (the same
    draws for every package; one batched solve per package).

    Returns, per key of ``results``: the band table of its headline figures (index metric; columns p5, p95,
    ... of :meth:`~tradetalks.sweep.uncertainty.UncertaintyResult.band_frame` over :data:`BAND_SOURCE`)
    and its summary (draws, seed, dispersion, side cases, solves and the share that converged — those that
    did not are counted there and left out of the percentiles).

    Raises
    ------
    ServiceError
        Two packages of the same name (their bands could not be told apart).
    """
    from tradetalks.sweep.uncertainty import PERCENTILES, bands_for_evaluation

    u = bands_for_evaluation(results, data, n_draws, seed=seed)
    names = [str(x) for x in u.values["scenario"].values]
    if len(set(names)) != len(names):
        raise ServiceError(f"bands: expected packages of distinct names; found {names}")
    frame = u.band_frame(BAND_SOURCE)
    sides = [x for x in u.converged["side"].values if not str(x).startswith("purchase-")]
    out: dict[str, tuple[pd.DataFrame, dict[str, object]]] = {}
    for key, name in zip(results, names, strict=True):
        ok = np.asarray(u.converged.sel(scenario=name, side=sides).values, dtype=bool)
        info: dict[str, object] = {
            "n_draws": u.n_draws, "seed": u.seed, "dispersion": u.draws.dispersion_source,
            "sets": u.set_names,
            "side_cases": dict(u.side_notes), "n_solves": int(ok.size), "n_converged": int(ok.sum()),
            "share_converged": float(ok.mean()), "percentiles": list(PERCENTILES), "source": BAND_SOURCE,
            "description": _describe(u, name),
        }
        out[key] = (pd.DataFrame(frame.xs(name, level="scenario")), info)
    return out


def apply_bands(impact: S.Impact, df: pd.DataFrame, info: dict[str, object]) -> S.Impact:
    """``impact`` (copied) with the [p5, p95] bands of its headline figures from a table of
    :func:`band_tables` (welfare, wages, auto output, the balance, output by sector) and ``uncertainty`` =
    ``info``."""

    def side(x: S.SideImpact) -> S.SideImpact:
        return x.model_copy(update={f"{f}_band": band_pair(df, f"{x.country}.{k}") for f, k in SIDE_BANDS.items()})

    sectors = [r.model_copy(update={"usa_output_pct_band": band_pair(df, f"{US}.output_pct.{r.sector}"),
                                    "jpn_output_pct_band": band_pair(df, f"{JP}.output_pct.{r.sector}")})
               for r in impact.sectors]
    return impact.model_copy(update={
        "us": side(impact.us), "jp": side(impact.jp), "sectors": sectors,
        "balance_after_usd_bn_band": band_pair(df, f"balance.{US}-{JP}.after"), "uncertainty": dict(info)})


def with_bands(impact: S.Impact, pr: Any, data: TradeData, n_draws: int, seed: int) -> S.Impact:
    """The desk's result with the 5–95 % bands of its headline figures (welfare, wages, auto output, the
    balance, output by sector) over ``n_draws`` Monte Carlo draws of the elasticities × the side-item cases
    (:func:`band_tables`, :func:`tradetalks.sweep.uncertainty.bands_for_evaluation`, one batched solve), and
    ``uncertainty``: draws, seed, dispersion, side cases and the share of solves that converged
    (non-converged members are counted there and left out of the percentiles)."""
    df, info = band_tables({"desk": pr}, data, n_draws, seed)["desk"]
    return apply_bands(impact, df, info)


__all__ = ["AUTO_GROUPS", "BAND_SOURCE", "PURCHASE_SECTORS", "apply_bands", "band_pair", "band_tables", "desk_assumptions",
           "desk_package", "with_bands"]
