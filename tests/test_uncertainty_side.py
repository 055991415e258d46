"""Side-item cases of the bands (issue 13): the purchase commitments' cost as low / central / high cases.

References: analytic properties of the purchase-wedge model (:mod:`tradetalks.policy.purchases`): the
central case reproduces the evaluation's cost exactly; a rising seller price (ε = 2) only adds the
terms-of-trade loss, so the buyer loses more; a more elastic demand needs a smaller price cut, so the buyer
loses less. The cost cases change no equilibrium, so a case's EV differs from the central one by exactly its
side-item difference (1e-9 US$bn). Each member's wedge cost is the scalar formula at its own flow and σ.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.policy.evaluate import PackageResult, evaluate
from tradetalks.policy.purchases import cost_case, purchase_cost
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import bands_for_evaluation
from tradetalks.sweep.headline import member_side_ev
from tradetalks.sweep.inputs import inputs_from_evaluation
from tradetalks.sweep.members import solve_members


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
    """A cost case's welfare differs from the central case's, member by member, by exactly the difference of
    its side items (the wedge re-costed with the case's σ factor and ε at the member's own flows; 1e-9)."""
    inputs = inputs_from_evaluation(deal, world)
    assert [k.label for k in inputs.cost_cases] == ["purchase-low", "purchase-high"]
    u = bands_for_evaluation({"deal": deal}, world, 4, seed=1)
    v = u.values.sel(scenario=deal.package.name)
    assert list(v["side"].values) == ["low", "central", "high", "purchase-low", "purchase-high"]
    sol = solve_members(world, inputs, u.draws.sigma)
    central = [k.label for k in inputs.side_cases].index("central")
    rows = np.arange(sol.n_members) * sol.n_cases + central
    base = member_side_ev(sol, inputs)
    assert base is not None
    for case in inputs.cost_cases:
        side = member_side_ev(sol, inputs, case)
        assert side is not None
        d = (side - base)[rows] / 1000.0  # US$bn
        for c in ("USA", "JPN"):
            diff = (v.sel(side=case.label) - v.sel(side="central")).sel(metric=f"{c}.welfare_ev").values
            np.testing.assert_allclose(diff, d[:, world.index(c)], rtol=0, atol=1e-9)
    # no extra solves: the cost cases reuse the central case's convergence flags
    ok = u.converged.sel(scenario=deal.package.name)
    assert (ok.sel(side="purchase-low") == ok.sel(side="central")).all()


def test_wedges_recosted_at_each_members_flows(world: TradeData, deal: PackageResult) -> None:
    """Each member's purchase cost is :func:`purchase_cost` at its own flow of the committed cell and its own
    σ of the sector (the scalar formula, member by member; 1e-9 US$m), so the purchase cost varies with the
    draws; at the evaluation's σ the side items are the evaluation's (1e-6 US$m, the solvers' tolerance)."""
    inputs = inputs_from_evaluation(deal, world)
    binding = [w for w in inputs.wedges if w.cost.binds]
    assert binding, "the deal has a binding wedge"
    u = bands_for_evaluation({"deal": deal}, world, 6, seed=2)
    sol = solve_members(world, inputs, u.draws.sigma)
    side = member_side_ev(sol, inputs)
    assert side is not None
    central = [k.label for k in inputs.side_cases].index("central")
    for k in range(sol.n_members):
        b = k * sol.n_cases + central
        ref = np.asarray(deal.side_ev_usd_m, dtype=float).copy()
        for w in inputs.wedges:
            flow = float(sol.eq.trade_new[b, w.exporter, w.importer, w.sector]) / 1000.0
            pc = purchase_cost(w.cost.commitment, flow, float(sol.batch.sigma[b, w.sector]), w.cost.epsilon)
            ref[w.importer] += 1000.0 * (pc.welfare_change_usd_bn - w.cost.welfare_change_usd_bn)
            ref[w.exporter] += 1000.0 * (pc.tot_transfer_usd_bn - w.cost.tot_transfer_usd_bn)
        np.testing.assert_allclose(side[b], ref, rtol=0, atol=1e-9)
        if k == 0:  # the first member is the central sigma
            np.testing.assert_allclose(side[b], deal.side_ev_usd_m, rtol=0, atol=1e-6)
    assert np.ptp(side[:, world.index("JPN")]) > 0.0  # the cost moves with the draws


def test_threads_give_the_same_bands(world: TradeData, deal: PackageResult) -> None:
    """Blocks solved on two threads give bit-identical bands (every block starts from the same point)."""
    one = bands_for_evaluation({"deal": deal}, world, 60, seed=3).band_frame("all")
    two = bands_for_evaluation({"deal": deal}, world, 60, seed=3, threads=2).band_frame("all")
    assert one.equals(two)
