"""Channel decomposition of welfare (model/channels.py): components sum to the total to 1e-8.

Ossa: exact log decomposition (logarithmic means + the Sato-Vartia CES index, module docstring); the sum
differs from the model's welfare only by the equilibrium residual, so the solves here use tol = 1e-12.
CP: its ToT + VoT by construction (CP 2015, eq. 28).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tradetalks.data import TradeData
from tradetalks.model.api import solve
from tradetalks.model.channels import split_result
from tradetalks.model.common import SolverOptions


@pytest.mark.parametrize("name", ["world2014", "ossa2014"])
def test_ossa_channels_sum_to_total(reference: Callable[..., TradeData], name: str) -> None:
    td = reference(name)
    t = np.array(td.tariff, dtype=float)
    us, jp = td.countries.index("USA" if "USA" in td.countries else "US"), td.countries.index(
        "JPN" if "JPN" in td.countries else "Japan")
    t[jp, us, :] += 0.25
    t[us, jp, :] += 0.10
    res = solve("ossa", td, t, options=SolverOptions(tol=1e-12))
    sp = split_result(res)
    assert sp.residual() < 1e-8
    assert np.any(np.abs(sp.component("tariff_revenue")) > 1e-6)
    # Japan raises its own tariff on US goods: its volume-of-trade (efficiency) term is negative
    k = res.countries.index(td.countries[jp])
    assert sp.component("tariff_revenue")[k] + sp.component("tariff_wedge")[k] < 0.0


def test_cp_channels_sum_to_total(reference: Callable[..., TradeData]) -> None:
    td = reference("icio7-2017")
    t = np.array(td.tariff, dtype=float)
    t[td.countries.index("JPN") if "JPN" in td.countries else 0, td.countries.index("USA"), :] += 0.2
    res = solve("caliendo_parro", td, t)
    sp = split_result(res)
    assert sp.model == "caliendo_parro"
    assert sp.residual() < 1e-8
