"""Trade wars and trade talks (Ossa 2014): equilibrium properties checked from their definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.errors import ModelError, OptionError
from tradetalks.model import ossa, ossa_optimal, strategic
from tradetalks.model.common import SolverOptions

from .test_ossa import random_economy


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 1000), mfn=st.booleans())
def test_trade_war_tariffs_are_mutual_best_responses(seed: int, mfn: bool) -> None:
    """Definition of a Nash equilibrium: no player gains ≥ 1e-6 (relative) by deviating to its best
    response against the others' war tariffs, searched from several starting points."""
    data = random_economy(seed, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    war = strategic.trade_war(base, mfn=mfn, tol=1e-7)
    assert war.converged
    for j in range(base.n):
        br = ossa_optimal.optimal_tariff(base, j, tariff=war.tariff, mfn=mfn, starts=("uniform", "zero", "current"))
        assert br.gov_welfare_hat[j] <= war.gov_welfare_hat[j] * (1 + 1e-6)


def test_trade_war_passive_players_keep_tariffs() -> None:
    """Players outside the war keep their tariffs; the war between two players leaves them unchanged."""
    data = random_economy(4, n=4, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    war = strategic.trade_war(base, players=[0, 1])
    np.testing.assert_array_equal(war.tariff[:, 2:, :], base.tariff[:, 2:, :])
    assert war.players == (0, 1)
    with pytest.raises(ModelError, match="players"):
        strategic.trade_war(base, players=[0, 0])


@pytest.mark.parametrize("start", ["factual", "free-trade", "nash"])
def test_cooperative_equal_gains_and_efficiency(start: str) -> None:
    """Ossa's cooperative tariffs: (i) every player gains the same % from the start (to 1e-6 log points);
    (ii) efficiency — no random small feasible change of the tariffs raises every player's welfare."""
    data = random_economy(9, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    t0 = strategic.start_tariffs(base, start)
    coop = strategic.cooperative(base, t0, start=start)
    assert coop.converged
    assert np.ptp(coop.gains) < 1e-6
    assert coop.gain >= -1e-9  # the start point itself is feasible
    rng = np.random.default_rng(0)
    g = np.log(coop.gov_welfare_hat)
    n = base.n
    for _ in range(200):
        t = np.clip(coop.tariff + rng.normal(0, 0.01, coop.tariff.shape), 0, 10)
        t[np.arange(n), np.arange(n)] = 0
        eq = ossa.solve_equilibrium(base, t, options=SolverOptions(tol=1e-12))
        gt = np.log(ossa.gov_welfare_hat(base, eq)[0])
        assert not np.all(gt > g + 1e-9)


def test_start_point_option_checked() -> None:
    """Unknown start points are rejected with the allowed values."""
    base = ossa.baseline_from_data(random_economy(1), "balanced")
    with pytest.raises(OptionError, match="free-trade"):
        strategic.start_tariffs(base, "autarky")
