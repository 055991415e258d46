"""Caliendo–Parro (2015) on a :class:`~tradetalks.data.tradedata.TradeData`: equilibrium baselines and counterfactuals.

Thin wrappers around :mod:`tradetalks.model.caliendo_parro` (baseline, welfare) and
:mod:`tradetalks.model.caliendo_parro_equilibrium` (solver): the baseline of every counterfactual is the
model's own equilibrium at the factual tariffs (imbalances as in the data or purged to zero, CP's "no S"
initial condition), and a solution is packaged as a :class:`~tradetalks.results.counterfactual.
CounterfactualResult` whose ``welfare_pct`` is CP's terms-of-trade + volume-of-trade measure (the paper's
figures) and ``welfare_exact_pct`` the exact real-income change.

References
----------
Caliendo, L. and F. Parro (2015). Estimates of the Trade and Welfare Effects of NAFTA. Review of Economic
Studies 82(1), 1–44.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.model.caliendo_parro import (
    CPBaseline,
    CPEquilibrium,
    calibrate_data,
    income_new,
    welfare_decomposition,
    welfare_hat,
)
from tradetalks.model.caliendo_parro_equilibrium import equilibrate, solve_equilibrium
from tradetalks.model.common import SolverOptions, check_closure
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset


def baseline_from_data(
    data: TradeData, closure: str = "balanced", options: SolverOptions = SolverOptions()
) -> CPBaseline:
    """The equilibrium baseline of a dataset under a closure (see
    :func:`~tradetalks.model.caliendo_parro_equilibrium.equilibrate`)."""
    base, _ = equilibrate(calibrate_data(data), closure, options)
    return base


def result_from_equilibrium(
    data: TradeData,
    base: CPBaseline,
    eq: CPEquilibrium,
    closure: str,
    params: dict[str, Any] | None = None,
) -> CounterfactualResult:
    """Package a solved equilibrium as a :class:`CounterfactualResult` (model ``"caliendo_parro"``)."""
    w = welfare_hat(base, eq)
    dec = welfare_decomposition(base, eq)
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * dec.total,
        wage_hat=eq.w_hat,
        price_index_hat=eq.p_hat,
        trade_base=base.trade,
        trade_new=eq.trade_new,
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new,
        income_base=base.income,
        income_new=income_new(base, eq),
        extra={
            "welfare_exact_pct": (("country",), 100.0 * (w - 1.0)),
            "welfare_tot_pct": (("country",), 100.0 * dec.terms_of_trade),
            "welfare_vot_pct": (("country",), 100.0 * dec.volume_of_trade),
            "real_wage_pct": (("country",), 100.0 * dec.real_wage),
            "nx_base": (("country",), base.nx),
            "nx_new": (("country",), eq.nx_new),
            "value_added_base": (("country",), base.wl),
            "value_added_new": (("country",), base.wl * eq.w_hat),
            "absorption_base": (("country", "sector"), base.absorption),
            "absorption_new": (("country", "sector"), eq.absorption_new),
        },
    )
    p: dict[str, Any] = {
        "theta_source": str(data.attrs.get("theta_source", "")),
        "numeraire": "world value added fixed (sum_n w_n L_n w_hat_n = sum_n w_n L_n)",
        "welfare": "welfare_pct = CP (2015) terms-of-trade + volume-of-trade measure (the paper's "
        "figures); welfare_exact_pct = exact real-income change I'/I / prod_j P_hat^alpha",
        "baseline": "model equilibrium at factual tariffs, imbalances "
        + ("purged to zero" if closure == "balanced" else "as in the data"),
    }
    p.update(params or {})
    return CounterfactualResult("caliendo_parro", data.name, closure, ds, eq.info, p)


def solve_counterfactual(
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "data",
    cost_hat: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    baseline: CPBaseline | None = None,
) -> CounterfactualResult:
    """Caliendo–Parro counterfactual of new tariffs (and optional iceberg-cost changes) on a dataset.

    Parameters
    ----------
    data
        Dataset with ``theta``, ``io_share``, ``va_share``, ``final_share``.
    tariff_new
        (N, N, J) new importer-imposed tariffs (fractions).
    closure
        ``"data"`` (imbalances held at their data values) or ``"balanced"`` (purged to zero first, as
        CP do; changes are reported relative to the purged equilibrium).
    cost_hat
        Optional iceberg trade-cost changes (N, N, J).
    baseline
        A pre-computed :func:`baseline_from_data` for the same data and closure (saves one solve).

    Returns
    -------
    CounterfactualResult
        ``params['baseline_gap']``: the largest relative change of a flow between the data and the
        equilibrium baseline under the ``"data"`` closure (0 for consistent data); not computed when a
        baseline is passed.
    """
    c = check_closure(closure)
    extra: dict[str, Any] = {}
    if baseline is None:
        raw = calibrate_data(data)
        base, binfo = equilibrate(raw, c, options)
        extra["baseline_solve"] = binfo.as_dict()
        if c == "data":
            gap = np.abs(base.trade - raw.trade).max() / max(float(raw.trade.max()), 1e-300)
            extra["baseline_gap"] = float(gap)
    else:
        base = baseline
    eq = solve_equilibrium(base, tariff_new, cost_hat=cost_hat, options=options)
    return result_from_equilibrium(data, base, eq, c, extra)


__all__ = ["baseline_from_data", "result_from_equilibrium", "solve_counterfactual"]
