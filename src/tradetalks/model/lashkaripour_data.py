"""Lashkaripour (2021) on a :class:`~tradetalks.data.tradedata.TradeData`: baselines, counterfactuals, wars.

Thin wrappers around :mod:`tradetalks.model.lashkaripour` (baseline), :mod:`~tradetalks.model.
lashkaripour_equilibrium` (solvers) and :mod:`~tradetalks.model.lashkaripour_tariffs` (Nash and optimal
tariffs) that take a dataset, purge its deficits first as in the paper (Dekle–Eaton–Kortum), and package the
solution as a :class:`~tradetalks.results.counterfactual.CounterfactualResult` (``welfare_pct`` = real income
``Ŷ / Π_k P̂_k^{e_k}``) or a :class:`WarResult` (one row per country).

References
----------
Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. Journal of
International Economics 131, 103489.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.tradedata import TradeData
from tradetalks.model.common import SolveInfo, SolverOptions
from tradetalks.model.lashkaripour import (
    MODEL_NAME,
    FloatArray,
    LBaseline,
    LEquilibrium,
    calibrate_data,
    elasticities_of,
    welfare_hat,
)
from tradetalks.model.lashkaripour_equilibrium import purge_deficits, solve_equilibrium
from tradetalks.model.lashkaripour_tariffs import nash_war, optimal_uniform_tariff
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset


def baseline_from_data(
    data: TradeData, options: SolverOptions = SolverOptions(), flows: str = "data"
) -> LBaseline:
    """The balanced-trade baseline of a dataset (deficits purged at factual tariffs; ``flows`` as in
    :func:`calibrate_data`)."""
    base, _ = purge_deficits(calibrate_data(data, flows), options)
    return base


def result_from_equilibrium(
    data: TradeData, base: LBaseline, eq: LEquilibrium, params: dict[str, Any] | None = None
) -> CounterfactualResult:
    """Package a solved equilibrium as a :class:`CounterfactualResult` (model ``"lashkaripour"``)."""
    w = welfare_hat(base, eq)
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * (w - 1.0),
        wage_hat=eq.w_hat,
        price_index_hat=eq.p_hat,
        trade_base=base.trade,
        trade_new=eq.trade_new,
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new,
        income_base=base.income,
        income_new=base.income * eq.y_hat,
        extra={
            "income_hat": (("country",), eq.y_hat),
            "deficit_base": (("country",), base.deficit),
            "deficit_new": (("country",), eq.deficit_new),
        },
    )
    _, src = elasticities_of(data)
    p: dict[str, Any] = {
        "elasticities": src,
        "numeraire": "world wage bill fixed (sum_i R_i w_hat_i = sum_i R_i)",
        "welfare": "real income Y_hat / prod_k P_hat^e",
        "baseline": "balanced trade: deficits purged at factual tariffs (Dekle-Eaton-Kortum), as in Lashkaripour (2021)",
    }
    p.update(params or {})
    return CounterfactualResult(MODEL_NAME, data.name, "balanced", ds, eq.info, p)


def solve_counterfactual(
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "balanced",
    options: SolverOptions = SolverOptions(),
    baseline: LBaseline | None = None,
    flows: str = "data",
) -> CounterfactualResult:
    """Counterfactual of new tariffs on a dataset.

    Parameters
    ----------
    data
        Dataset with ``sigma`` (ε = σ − 1) or ``theta``.
    tariff_new
        (N, N, S) new tariffs (fractions).
    closure
        ``"balanced"`` (the paper's: deficits purged first, changes measured from the balanced world) or
        ``"data"`` (the data's deficits held fixed in units of the world wage bill; no purge).
    baseline
        A pre-computed baseline for the same closure (saves the purge).
    """
    from tradetalks.model.common import check_closure

    c = check_closure(closure)
    if baseline is not None:
        base = baseline
    elif c == "balanced":
        base = baseline_from_data(data, options, flows)
    else:
        base = calibrate_data(data, flows)
    deficit = None if c == "balanced" else base.deficit
    eq = solve_equilibrium(base, tariff_new, deficit_new=deficit, options=options)
    res = result_from_equilibrium(data, base, eq, {"flows": flows})
    if c == "data":
        res = CounterfactualResult(
            MODEL_NAME,
            data.name,
            "data",
            res.ds,
            res.info,
            {**res.params, "baseline": "the data, deficits held fixed (units of the world wage bill)"},
        )
    return res


@dataclass(frozen=True, eq=False)
class WarResult:
    """A global Nash tariff war (or one country's optimal tariff) on a dataset.

    Attributes
    ----------
    kind
        ``"nash"`` or ``"optimal"``.
    dataset, elasticities
        Names of the data and the elasticity set.
    countries
        Labels of all economies.
    tariffs
        (N,) uniform tariff of each country in the outcome (Nash: solved; optimal: the chooser's solved
        rate, others' trade-weighted factual rate).
    result
        The counterfactual (from the balanced baseline), with ``welfare_pct`` etc.
    frame
        One row per country: ``tariff_pct``, ``welfare_pct``, ``wage_pct``, ``income_pct``.
    """

    kind: str
    dataset: str
    elasticities: str
    countries: tuple[str, ...]
    tariffs: FloatArray
    result: CounterfactualResult
    info: SolveInfo
    frame: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, float]:
        """Average welfare change (unweighted and income-weighted, %) and mean tariff (%)."""
        f = self.frame
        inc = self.result.ds["income_base"].values
        return {
            "welfare_mean_pct": float(f["welfare_pct"].mean()),
            "welfare_income_weighted_pct": float(np.average(f["welfare_pct"], weights=inc)),
            "tariff_mean_pct": float(f["tariff_pct"].mean()),
        }


def _war_frame(countries: list[str], tariffs: FloatArray, res: CounterfactualResult) -> pd.DataFrame:
    df = pd.DataFrame(index=pd.Index(countries, name="country"))
    df["tariff_pct"] = 100.0 * tariffs
    df["welfare_pct"] = res.ds["welfare_pct"].values
    df["wage_pct"] = 100.0 * (res.ds["wage_hat"].values - 1.0)
    df["income_pct"] = 100.0 * (res.ds["income_hat"].values - 1.0)
    return df


def war_from_data(
    data: TradeData,
    *,
    options: SolverOptions = SolverOptions(),
    baseline: LBaseline | None = None,
    flows: str = "data",
) -> WarResult:
    """Global Nash tariff war on a dataset (balanced baseline first; ``flows`` as in :func:`calibrate_data`)."""
    base = baseline if baseline is not None else baseline_from_data(data, options, flows)
    sol = nash_war(base, options)
    res = result_from_equilibrium(data, base, sol.eq, {"scenario": "global Nash tariff war"})
    _, src = elasticities_of(data)
    return WarResult(
        "nash",
        data.name,
        src,
        tuple(data.countries),
        sol.tariffs,
        res,
        sol.eq.info,
        _war_frame(data.countries, sol.tariffs, res),
    )


def optimal_from_data(
    data: TradeData,
    country: str,
    *,
    options: SolverOptions = SolverOptions(),
    baseline: LBaseline | None = None,
    flows: str = "data",
) -> WarResult:
    """Unilaterally optimal uniform tariff of ``country`` on a dataset, others at factual tariffs."""
    base = baseline if baseline is not None else baseline_from_data(data, options, flows)
    i = data.index(country)
    sol = optimal_uniform_tariff(base, i, options=options)
    res = result_from_equilibrium(data, base, sol.eq, {"scenario": f"optimal uniform tariff of {country}"})
    x = base.trade
    tw = (base.tariff * x).sum(axis=(0, 2)) / np.maximum(
        (x * (1.0 - np.eye(base.n))[:, :, None]).sum(axis=(0, 2)), 1e-300
    )
    tw[i] = sol.tariffs[0]
    _, src = elasticities_of(data)
    return WarResult(
        "optimal",
        data.name,
        src,
        tuple(data.countries),
        tw,
        res,
        sol.eq.info,
        _war_frame(data.countries, tw, res),
    )


__all__ = [
    "WarResult",
    "baseline_from_data",
    "optimal_from_data",
    "result_from_equilibrium",
    "solve_counterfactual",
    "war_from_data",
]
