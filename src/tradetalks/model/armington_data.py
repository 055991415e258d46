r"""Armington counterfactuals on a :class:`~tradetalks.data.tradedata.TradeData` baseline.

The observed flows (pre-tariff values) and tariffs of a dataset are the baseline of the exact hat algebra
of :mod:`tradetalks.model.armington` (:func:`~tradetalks.model.armington.solve_hat`): new tariffs (revenue
rebated to the importer), iceberg trade-cost changes ``κ̂ = t̂^{−θ}`` or GE_gravity's partial effects
``κ̂ = exp β``; the closure either keeps the data's deficits or purges them first (the model's own
equilibrium with ``D = 0`` at the data's tariffs). Welfare is real income ``Ê_j / Π_s P̂_js^{α_js}``.

References
----------
Yotov, Y. V., R. Piermartini, J.-A. Monteiro and M. Larch (2016), An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model, WTO/UNCTAD, ch. 2.
Baier, S. L., Y. V. Yotov and T. Zylkin (2019), "On the widely differing effects of free trade
agreements", JIE 116 (GE_gravity).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticityError, ModelError, ShapeError
from tradetalks.model.armington import DEFICITS, HatSolution, _check_option, solve_hat
from tradetalks.model.common import FloatArray, SolveInfo, SolverOptions, check_closure
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset


def armington_theta(data: TradeData) -> FloatArray:
    """Trade elasticity by sector: ``theta`` if the dataset has it, else ``sigma − 1``."""
    if data.has("theta"):
        return np.asarray(data.param("theta"), dtype=float)
    if data.has("sigma"):
        return np.asarray(data.param("sigma"), dtype=float) - 1.0
    raise ElasticityError("theta", "a dataset with 'theta' or 'sigma' (or pass theta=)", "neither")


def counterfactual(
    data: TradeData,
    *,
    tariff_new: npt.ArrayLike | None = None,
    cost_hat: npt.ArrayLike | None = None,
    partial_effect: npt.ArrayLike | None = None,
    theta: npt.ArrayLike | None = None,
    closure: str = "data",
    deficits: str = "additive",
    options: SolverOptions | None = None,
) -> CounterfactualResult:
    r"""Armington counterfactual on a :class:`TradeData` baseline (observed flows, exact hat algebra).

    Parameters
    ----------
    data
        Baseline flows (pre-tariff), tariffs and ``theta`` or ``sigma`` (θ = σ − 1).
    tariff_new
        New tariffs (N, N, S); default unchanged. Revenue is rebated to the importer.
    cost_hat
        Iceberg trade-cost changes t̂_ijs (N, N, S); κ̂ = t̂^{−θ}.
    partial_effect
        Alternatively the log direct effect on flows, β_ijs (κ̂ = exp β; GE_gravity's input).
        Multiplies with ``cost_hat`` if both are given.
    theta
        Overrides the dataset's elasticities.
    closure
        ``"data"``: deficits kept as in the data; ``"balanced"``: deficits purged to zero first (the
        model's own equilibrium with D = 0 and the data's tariffs), and results are relative to it.
    deficits
        ``"additive"`` or ``"multiplicative"`` (with ``closure="data"``); see the module docstring.
    options
        Solver options.

    Returns
    -------
    CounterfactualResult
        ``welfare_pct`` = real income change, ``wage_hat`` = factory-gate price change (output-weighted
        over sectors), ``price_index_hat`` by sector, flows, income; extra ``real_gdp_pct``.
    """
    opts = options or SolverOptions()
    cl = check_closure(closure)
    _check_option("deficits", deficits, DEFICITS)
    th = armington_theta(data) if theta is None else _theta_of(theta, data.n_sectors)
    x = np.asarray(data.trade, dtype=float)
    tar = np.asarray(data.tariff, dtype=float)
    shape = x.shape
    kappa = _cost_shock(shape, th, cost_hat, partial_effect)
    tn = tar if tariff_new is None else np.asarray(tariff_new, dtype=float)
    if tn.shape != shape:
        raise ShapeError("tariff_new", f"shape {shape}", f"shape {tn.shape}")
    seconds = 0.0
    if cl == "balanced":
        purge = solve_hat(x, th, tariff=tar, deficit_new=np.zeros(shape[0]), options=opts)
        seconds += purge.info.seconds
        x = purge.trade_new
        deficits = "additive"
    sol = solve_hat(x, th, tariff=tar, tariff_new=tn, kappa_hat=kappa, deficits=deficits, options=opts)
    info = SolveInfo(
        sol.info.converged,
        sol.info.iterations,
        sol.info.residual,
        sol.info.seconds + seconds,
        sol.info.method,
    )
    return CounterfactualResult(
        model="armington",
        dataset=data.name,
        closure=cl,
        ds=_result_dataset(data, x, tar, tn, sol),
        info=info,
        params={
            "theta": th.tolist(),
            "deficits": deficits,
            "numeraire": "world output fixed (sum_i Y_i p_hat_i = sum_i Y_i)",
            "tariff_revenue": "rebated lump-sum to the importer",
        },
    )


def _theta_of(theta: npt.ArrayLike, n_sectors: int) -> FloatArray:
    """Given elasticities broadcast to one per sector, (S,)."""
    return np.broadcast_to(np.asarray(theta, dtype=float), (n_sectors,)).copy()


def _cost_shock(
    shape: tuple[int, ...],
    th: FloatArray,
    cost_hat: npt.ArrayLike | None,
    partial_effect: npt.ArrayLike | None,
) -> FloatArray:
    """Direct effect of trade-cost changes on flows, ``κ̂ = t̂^{−θ} · exp(β)`` (ones when neither is given)."""
    kappa = np.ones(shape)
    if cost_hat is not None:
        ch = np.asarray(cost_hat, dtype=float)
        if ch.shape != shape:
            raise ShapeError("cost_hat", f"shape {shape}", f"shape {ch.shape}")
        if np.any(~(ch > 0)):
            raise ModelError("cost_hat: expected positive trade-cost changes t'/t")
        kappa = kappa * ch ** (-th)
    if partial_effect is not None:
        pe = np.asarray(partial_effect, dtype=float)
        if pe.shape != shape:
            raise ShapeError("partial_effect", f"shape {shape}", f"shape {pe.shape}")
        kappa = kappa * np.exp(pe)
    return kappa


def _result_dataset(
    data: TradeData, x: FloatArray, tar: FloatArray, tn: FloatArray, sol: HatSolution
) -> xr.Dataset:
    """The labelled result: welfare (real income), output-weighted factory-gate price change as
    ``wage_hat``, sector price indices, flows, income; extra ``real_gdp_pct`` and ``price_hat``."""
    y = x.sum(axis=1)
    w_hat = (sol.output_new.sum(axis=1)) / y.sum(axis=1)
    return build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * (sol.welfare_hat - 1.0),
        wage_hat=w_hat,
        price_index_hat=sol.price_index_hat,
        trade_base=x,
        trade_new=sol.trade_new,
        tariff_base=tar,
        tariff_new=tn,
        income_base=sol.income_base,
        income_new=sol.income_new,
        extra={
            "real_gdp_pct": (("country",), 100.0 * (sol.real_gdp_hat - 1.0)),
            "price_hat": (("country", "sector"), sol.price_hat),
        },
    )


__all__ = ["armington_theta", "counterfactual"]
