"""Uncertainty engine (issue 13): elasticity draws, the batched-parameter Ossa solve, bands.

References: the batched solve is checked against the single-σ solver on the same equations (analytic
identity: the same system, solved member by member); the Monte Carlo draws against the moments of the
log-normal they are drawn from (E[ε] = ε exactly, sd = ε sqrt(exp(c²) − 1)); the fast headline figures
against the policy layer's outcome report (the same definitions, member by member).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.errors import ElasticitySetError, SweepSpecError
from tradetalks.model import ossa, ossa_batch
from tradetalks.model.common import SolverOptions
from tradetalks.policy.evaluate import PackageResult, evaluate
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import DrawOptions, bands_for_evaluation, make_draws
from tradetalks.sweep.draws import central_sigma, mc_sigma
from tradetalks.sweep.uncertainty import inputs_from_evaluation, policy_headline, solve_members, uncertainty

SCENARIOS = ("jp-us-deal", "jp-us-no-deal")


@pytest.fixture(scope="module")
def world() -> TradeData:
    return load("world2014")


@pytest.fixture(scope="module")
def evaluated(world: TradeData) -> dict[str, PackageResult]:
    return {n: evaluate(resolve(n), world) for n in SCENARIOS}


def test_batched_parameters_equal_single_solves(world: TradeData) -> None:
    """Each member of the parameter batch solves the single-σ system: same equilibrium to 1e-10."""
    base = ossa.baseline_from_data(world, "data")
    rng = np.random.default_rng(7)
    sigma = mc_sigma(base.sigma, np.full(base.s, 0.3), 3, seed=7, correlation=0.5)
    t_new = base.tariff + rng.uniform(0.0, 0.3, (3, *base.tariff.shape))
    pb = ossa_batch.calibrate_batch(base.trade, base.tariff, sigma)
    eq = ossa_batch.solve_equilibrium_batch(pb, t_new)
    assert eq.converged_each.all()
    for k in range(3):
        bk = ossa.calibrate(base.trade, base.tariff, sigma[k])
        e1 = ossa.solve_equilibrium(bk, t_new[k])
        np.testing.assert_allclose(eq.w_hat[k], e1.w_hat[0], rtol=1e-10)
        np.testing.assert_allclose(eq.e_hat[k], e1.e_hat[0], rtol=1e-10)
        np.testing.assert_allclose(ossa_batch.welfare_hat_batch(pb, eq)[k], ossa.welfare_hat(bk, e1)[0], rtol=1e-10)


def test_batched_purge_equals_single_purge(world: TradeData) -> None:
    """The balanced closure's purged baseline, per member, equals :func:`ossa.purge_deficits` (1e-9 rel.)."""
    base = ossa.calibrate(world.trade, world.tariff, central_sigma(world))
    pb = ossa_batch.purge_deficits_batch(ossa_batch.calibrate_batch(base.trade, base.tariff, base.sigma[None]))
    ref = ossa.purge_deficits(base)
    np.testing.assert_allclose(pb.trade[0], ref.trade, rtol=1e-9, atol=1e-6)


def test_zero_dispersion_collapses_band_to_point_estimate(
    world: TradeData, evaluated: dict[str, PackageResult]
) -> None:
    """With zero dispersion every draw is the central σ, so the 5-95 % band is the point estimate exactly;
    and the point estimate is the policy evaluation's figure (to its commitment tolerance 1e-6)."""
    u = bands_for_evaluation(evaluated, world, 20, seed=3, dispersion=0.0)
    df = u.band_frame("mc")
    finite = np.isfinite(df["central"])  # welfare in % of GDP is n/a on a dataset without GDP
    assert finite.sum() > 20
    assert (df["p5"][finite] == df["central"][finite]).all() and (df["p95"][finite] == df["central"][finite]).all()
    assert (df["share_converged"] == 1.0).all()
    for name, pr in evaluated.items():
        head = policy_headline(pr, pr.result)
        for key, v in head.items():
            assert df.loc[(name, key), "central"] == pytest.approx(v, rel=1e-6, abs=1e-6, nan_ok=True), key


def test_mc_mean_converges_to_central_for_linear_functional(world: TradeData) -> None:
    """The draws are a mean-preserving log-normal: the Monte Carlo mean of a linear functional of ε
    (the expenditure-weighted mean elasticity) is within 4 standard errors of its central value, and the
    standard error shrinks like 1/sqrt(n) (drawn sd within 10 % of the stated one)."""
    eps = central_sigma(world) - 1.0
    weights = world.trade.sum(axis=(0, 1))
    weights = weights / weights.sum()
    cv = 0.25
    for n in (400, 4000):
        draws = mc_sigma(eps + 1.0, np.full(eps.size, cv), n, seed=11, correlation=0.5) - 1.0
        f = draws @ weights
        central = float(eps @ weights)
        se = f.std(ddof=1) / np.sqrt(n)
        assert abs(f.mean() - central) < 4.0 * se
    sd_stated = eps * np.sqrt(np.expm1(cv**2))
    np.testing.assert_allclose(draws.std(axis=0, ddof=1), sd_stated, rtol=0.1)


def test_same_seed_same_bands(world: TradeData, evaluated: dict[str, PackageResult]) -> None:
    """The same seed gives identical bands; another seed gives other draws."""
    a = bands_for_evaluation(evaluated, world, 12, seed=5).band_frame("all")
    b = bands_for_evaluation(evaluated, world, 12, seed=5).band_frame("all")
    c = make_draws(world, DrawOptions(n_draws=12, seed=6)).sigma
    assert a.equals(b)
    assert not np.array_equal(c, make_draws(world, DrawOptions(n_draws=12, seed=5)).sigma)
    # draw d does not depend on how many draws follow it
    np.testing.assert_array_equal(make_draws(world, DrawOptions(n_draws=3, seed=5)).sigma,
                                  make_draws(world, DrawOptions(n_draws=12, seed=5)).sigma[:4])


def test_batched_headline_equals_outcome_report(world: TradeData, evaluated: dict[str, PackageResult]) -> None:
    """The fast headline figures equal the policy layer's outcome report member by member (1e-9)."""
    draws = make_draws(world, DrawOptions(n_draws=3, seed=2))
    inputs = [inputs_from_evaluation(pr, world) for pr in evaluated.values()]
    fast = uncertainty(world, inputs, draws)
    slow = uncertainty(world, inputs, draws, report="outcome")
    assert list(fast.values["metric"].values) == list(slow.values["metric"].values)
    np.testing.assert_allclose(fast.values.values, slow.values.values, rtol=1e-9, atol=1e-9)


def test_non_converged_members_are_counted_not_dropped(
    world: TradeData, evaluated: dict[str, PackageResult]
) -> None:
    """A solve cut off after one iteration converges nowhere: every member is counted, none enters a band."""
    u = bands_for_evaluation({"jp-us-no-deal": evaluated["jp-us-no-deal"]}, world, 4, seed=1,
                             options=SolverOptions(max_iter=1))
    df = u.band_frame("mc")
    assert (df["n"] == 4).all() and (df["n_converged"] == 0).all() and (df["share_converged"] == 0.0).all()
    assert df["p5"].isna().all()
    assert u.values.sizes["member"] == 5
    assert "0 of 5 solves converged" in u.describe()


def test_bad_options_fail_before_work(world: TradeData, evaluated: dict[str, PackageResult]) -> None:
    """Negative draws, a bad dispersion, an unknown set or a set the dataset lacks get named errors."""
    with pytest.raises(SweepSpecError, match="draws"):
        bands_for_evaluation(evaluated, world, -1)
    with pytest.raises(SweepSpecError, match="dispersion"):
        bands_for_evaluation(evaluated, world, 5, dispersion=-0.1)
    with pytest.raises(ElasticitySetError):
        bands_for_evaluation(evaluated, world, 5, sets=["XX"])
    with pytest.raises(ElasticitySetError, match="world2014"):
        bands_for_evaluation(evaluated, world, 5, sets=["CP"])


def test_blocks_do_not_change_results(world: TradeData, evaluated: dict[str, PackageResult]) -> None:
    """Solving members in blocks of 4 equilibria or all at once gives the same equilibria (1e-12)."""
    inputs = inputs_from_evaluation(evaluated["jp-us-deal"], world)
    sigma = make_draws(world, DrawOptions(n_draws=5, seed=9)).sigma
    one = solve_members(world, inputs, sigma, block=1000)
    blocks = solve_members(world, inputs, sigma, block=4)
    assert one.eq.w_hat.shape == blocks.eq.w_hat.shape == (18, world.n_countries)
    np.testing.assert_allclose(blocks.eq.trade_new, one.eq.trade_new, rtol=1e-12)
    np.testing.assert_array_equal(blocks.converged, one.converged)
