"""Parameter-batched solves on worker processes (issue 13): the same numbers as in one process.

Identity checked: each member's Newton solve depends only on its own inputs and the shared start (the
central σ's equilibrium and Jacobian, computed once in the calling process), so solving the blocks in two
worker processes must give bit-identical equilibria, convergence flags and baselines (exact equality, no
tolerance), for the ``data`` closure and for the ``balanced`` closure (per-member purged baselines), with
side-item cases and purchase commitments (``jp-us-deal``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.policy.evaluate import PackageResult, evaluate
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import DrawOptions, make_draws
from tradetalks.sweep.members import solve_blocks, solve_members
from tradetalks.sweep.uncertainty import inputs_from_evaluation


@pytest.fixture(scope="module")
def world() -> TradeData:
    return load("world2014")


@pytest.fixture(scope="module")
def deal(world: TradeData) -> PackageResult:
    return evaluate(resolve("jp-us-deal"), world)


@pytest.mark.parametrize("closure", ["data", "balanced"])
def test_two_workers_bit_identical_to_one(world: TradeData, deal: PackageResult, closure: str) -> None:
    """Blocks of 4 equilibria on 2 worker processes = the same blocks in this process, exactly."""
    inputs = dataclasses.replace(inputs_from_evaluation(deal, world), closure=closure)
    sigma = make_draws(world, DrawOptions(n_draws=4, seed=3)).sigma
    one = solve_blocks(world, inputs, sigma, block=4, workers=1)
    two = solve_blocks(world, inputs, sigma, block=4, workers=2)
    assert len(one) == len(two) > 1
    for a, b in zip(one, two, strict=True):
        for name in ("w_hat", "e_hat", "trade_new", "p_hat", "tariff_new", "nx_new", "converged_each"):
            np.testing.assert_array_equal(getattr(b.eq, name), getattr(a.eq, name))
        np.testing.assert_array_equal(b.eq.share, a.eq.share)  # NaN where not kept: equal_nan for arrays
        for f in dataclasses.fields(a.batch):
            np.testing.assert_array_equal(getattr(b.batch, f.name), getattr(a.batch, f.name))
        np.testing.assert_array_equal(b.converged, a.converged)
        assert (b.n_members, b.n_cases) == (a.n_members, a.n_cases)
    assert two[0].eq.trade_new.flags.writeable  # flows mapped from the shared file behave as ordinary arrays
    joined = solve_members(world, inputs, sigma, block=4, workers=2)
    np.testing.assert_array_equal(joined.eq.trade_new, np.concatenate([p.eq.trade_new for p in one]))
