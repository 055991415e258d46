"""Side-item cases of the bands (issue 13): the purchase commitments' cost as low / central / high cases.

References: analytic properties of the purchase-wedge model (:mod:`tradetalks.policy.purchases`): the
central case reproduces the evaluation's cost exactly; a rising seller price (ε = 2) only adds the
terms-of-trade loss, so the buyer loses more; a more elastic demand needs a smaller price cut, so the buyer
loses less. The cost cases change no equilibrium, so a case's EV differs from the central one by exactly its
side-item difference (1e-9 US$bn).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.policy.evaluate import PackageResult, evaluate
from tradetalks.policy.purchases import cost_case
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import bands_for_evaluation
from tradetalks.sweep.inputs import inputs_from_evaluation


@pytest.fixture(scope="module")
def world() -> TradeData:
    return load("world2014")


@pytest.fixture(scope="module")
def deal(world: TradeData) -> PackageResult:
    return evaluate(resolve("jp-us-deal"), world)


def test_cost_cases_order(deal: PackageResult) -> None:
    costs = [c.cost for c in deal.commitments if c.cost is not None and c.cost.binds]
    assert costs, "the deal has a binding purchase commitment"
    for c in costs:
        assert cost_case(c, "central") == c
        assert cost_case(c, "high").welfare_change_usd_bn < c.welfare_change_usd_bn <= 0.0
        assert c.welfare_change_usd_bn < cost_case(c, "low").welfare_change_usd_bn <= 0.0


def test_purchase_cases_shift_only_the_side_items(world: TradeData, deal: PackageResult) -> None:
    inputs = inputs_from_evaluation(deal, world)
    assert [k.label for k in inputs.cost_cases] == ["purchase-low", "purchase-high"]
    u = bands_for_evaluation({"deal": deal}, world, 4, seed=1)
    v = u.values.sel(scenario=deal.package.name)
    assert list(v["side"].values) == ["low", "central", "high", "purchase-low", "purchase-high"]
    for case in inputs.cost_cases:
        d = (case.side_ev - np.asarray(deal.side_ev_usd_m)) / 1000.0  # US$bn
        for c in ("USA", "JPN"):
            diff = (v.sel(side=case.label) - v.sel(side="central")).sel(metric=f"{c}.welfare_ev").values
            np.testing.assert_allclose(diff, d[world.index(c)], rtol=0, atol=1e-9)
    # no extra solves: the cost cases reuse the central case's convergence flags
    ok = u.converged.sel(scenario=deal.package.name)
    assert (ok.sel(side="purchase-low") == ok.sel(side="central")).all()


def test_threads_give_the_same_bands(world: TradeData, deal: PackageResult) -> None:
    """Blocks solved on two threads give bit-identical bands (every block starts from the same point)."""
    one = bands_for_evaluation({"deal": deal}, world, 60, seed=3).band_frame("all")
    two = bands_for_evaluation({"deal": deal}, world, 60, seed=3, threads=2).band_frame("all")
    assert one.equals(two)
