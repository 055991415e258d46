"""One entry point for the three GE models: ``solve(model, data, tariff_new, ...)``.

Callers that do not care which model runs (CLI, web, policy evaluation) use this; each model module
keeps its own richer API.
"""

from __future__ import annotations

from typing import Any

import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError
from tradetalks.model.common import SolverOptions
from tradetalks.results.counterfactual import CounterfactualResult

MODELS: tuple[str, ...] = ("ossa", "armington", "caliendo_parro", "lashkaripour")


def solve(
    model: str,
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "data",
    options: SolverOptions | None = None,
    **kwargs: Any,
) -> CounterfactualResult:
    """Solve a tariff counterfactual with the named model.

    Parameters
    ----------
    model
        ``"ossa"`` (Ossa 2014; needs ``sigma``), ``"armington"`` (structural gravity; ``theta`` or
        ``sigma``), ``"caliendo_parro"`` (needs ``theta``, ``io_share``, ``va_share``, ``final_share``),
        ``"lashkaripour"`` (Lashkaripour 2021; ``sigma`` or ``theta``; issue 12).
    data
        Baseline dataset.
    tariff_new
        (N, N, S) new tariffs (fractions).
    closure
        ``"data"`` or ``"balanced"``.
    options
        Solver options.
    **kwargs
        Model-specific options passed through (e.g. ``demand_shift`` for Ossa).
    """
    opts = options or SolverOptions()
    if model == "ossa":
        from tradetalks.model import ossa

        return ossa.solve_counterfactual(data, tariff_new, closure=closure, options=opts, **kwargs)
    if model == "caliendo_parro":
        from tradetalks.model import caliendo_parro_data

        return caliendo_parro_data.solve_counterfactual(data, tariff_new, closure=closure, options=opts, **kwargs)
    if model == "armington":
        from tradetalks.model import armington_data

        return armington_data.counterfactual(data, tariff_new=tariff_new, closure=closure, options=opts, **kwargs)
    if model == "lashkaripour":
        from tradetalks.model import lashkaripour_data

        return lashkaripour_data.solve_counterfactual(data, tariff_new, closure=closure, options=opts, **kwargs)
    raise OptionError("model", MODELS, model)
