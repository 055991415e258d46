"""Analytic identities of the Armington model (tradetalks.model.armington) — hypothesis property tests.

Every check here is an identity of the model, not a comparison with earlier output:
zero shock = baseline, homogeneity of degree zero, market clearing and budget balance, Walras' law,
and the ACR welfare formula (Arkolakis, Costinot & Rodríguez-Clare 2012) in one sector with balanced
trade. Tolerances are stated in each docstring.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradetalks.data import TradeData
from tradetalks.errors import ConvergenceError, OptionError, ShapeError
from tradetalks.model import armington as am
from tradetalks.model import armington_data as amd
from tradetalks.model import armington_gravity as amg
from tradetalks.model.common import SolverOptions

FloatArray = npt.NDArray[np.float64]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _economy(seed: int, n: int, s: int, tariffs: bool = True) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 1.0, (n, n, s))
    idx = np.arange(n)
    x[idx, idx, :] *= rng.uniform(5.0, 30.0, (n, s))  # home bias
    tar = rng.uniform(0.0, 0.4, (n, n, s)) if tariffs else np.zeros((n, n, s))
    tar[idx, idx, :] = 0.0
    return x, tar


def _shock(seed: int, n: int, s: int) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed + 1)
    tn = rng.uniform(0.0, 0.6, (n, n, s))
    tn[np.arange(n), np.arange(n), :] = 0.0
    kappa = np.exp(rng.normal(0.0, 0.5, (n, n, s)))
    kappa[np.arange(n), np.arange(n), :] = 1.0
    return tn, kappa


cases = st.tuples(
    st.integers(0, 10_000), st.integers(2, 6), st.integers(1, 3), st.sampled_from(am.DEFICITS)
)


@SETTINGS
@given(cases)
def test_zero_shock_returns_baseline(case: tuple[int, int, int, str]) -> None:
    """No shock: p̂ = 1, P̂ = 1, flows and income unchanged, welfare 1 — to 1e-12 (identity)."""
    seed, n, s, deficits = case
    x, tar = _economy(seed, n, s)
    theta = np.linspace(2.0, 8.0, s)
    sol = am.solve_hat(x, theta, tariff=tar, deficits=deficits)
    np.testing.assert_allclose(sol.price_hat, 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sol.price_index_hat, 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sol.trade_new, x, rtol=1e-12)
    np.testing.assert_allclose(sol.income_new, sol.income_base, rtol=1e-12)
    np.testing.assert_allclose(sol.welfare_hat, 1.0, rtol=0, atol=1e-12)
    assert sol.info.converged


@SETTINGS
@given(cases)
def test_markets_clear_and_budgets_balance(case: tuple[int, int, int, str]) -> None:
    """In the counterfactual: Σ_j X'_ijs = p̂_is Y_is; E'_j = Σ_is (1+t')X' = Y'_j + R'_j + D'_j;
    world imports = world exports. Relative tolerance 1e-9 (solver tolerance 1e-12)."""
    seed, n, s, deficits = case
    x, tar = _economy(seed, n, s)
    tn, kappa = _shock(seed, n, s)
    theta = np.linspace(3.0, 6.0, s)
    opts = SolverOptions(tol=1e-12, strict=True)
    sol = am.solve_hat(x, theta, tariff=tar, tariff_new=tn, kappa_hat=kappa, deficits=deficits, options=opts)
    xn = sol.trade_new
    y = x.sum(axis=1)
    np.testing.assert_allclose(xn.sum(axis=1), sol.price_hat * y, rtol=1e-9)
    gross = ((1.0 + tn) * xn).sum(axis=(0, 2))
    np.testing.assert_allclose(gross, sol.income_new, rtol=1e-9)
    revenue = (tn * xn).sum(axis=(0, 2))
    deficit_new = xn.sum(axis=(0, 2)) - xn.sum(axis=(1, 2))
    np.testing.assert_allclose(
        sol.output_new.sum(axis=1) + revenue + deficit_new, sol.income_new, rtol=1e-9
    )
    assert abs(deficit_new.sum()) <= 1e-9 * x.sum()
    if deficits == "additive":
        deficit = x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))
        np.testing.assert_allclose(deficit_new, deficit, rtol=1e-8, atol=1e-9 * x.sum())
    # numeraire: world output unchanged
    np.testing.assert_allclose(sol.output_new.sum(), y.sum(), rtol=1e-12)


@SETTINGS
@given(cases, st.floats(0.01, 100.0))
def test_homogeneity_of_degree_zero(case: tuple[int, int, int, str], scale: float) -> None:
    """Scaling every baseline value by c leaves all hats unchanged (degree zero in nominal values),
    and under multiplicative deficits the excess-supply function is homogeneous of degree zero in
    prices: residual(c·p̂) = residual(p̂). Tolerance 1e-9."""
    seed, n, s, deficits = case
    x, tar = _economy(seed, n, s)
    tn, kappa = _shock(seed, n, s)
    theta = np.full(s, 4.0)
    a = am.solve_hat(x, theta, tariff=tar, tariff_new=tn, kappa_hat=kappa, deficits=deficits)
    b = am.solve_hat(scale * x, theta, tariff=tar, tariff_new=tn, kappa_hat=kappa, deficits=deficits)
    np.testing.assert_allclose(a.price_hat, b.price_hat, rtol=1e-9)
    np.testing.assert_allclose(a.welfare_hat, b.welfare_hat, rtol=1e-9)
    np.testing.assert_allclose(b.trade_new, scale * a.trade_new, rtol=1e-9)
    p = np.random.default_rng(seed).uniform(0.8, 1.2, (n, s))
    r1 = am.residual(p, x, theta, tariff=tar, tariff_new=tn, kappa_hat=kappa, deficits="multiplicative")
    r2 = am.residual(scale * p, x, theta, tariff=tar, tariff_new=tn, kappa_hat=kappa, deficits="multiplicative")
    np.testing.assert_allclose(r1, r2, rtol=0, atol=1e-9)


@SETTINGS
@given(st.integers(0, 10_000), st.integers(2, 7), st.floats(1.5, 10.0))
def test_acr_formula_one_sector_balanced(seed: int, n: int, theta: float) -> None:
    """One sector, balanced trade, cost shocks only: Ŵ_j = λ̂_jj^{−1/θ} (Arkolakis, Costinot &
    Rodríguez-Clare 2012, eq. 1), λ_jj the domestic expenditure share. Tolerance 1e-9 relative."""
    rng = np.random.default_rng(seed)
    m = rng.lognormal(0.0, 1.0, (n, n))
    x = m + m.T  # symmetric flows: exports = imports for every country
    x[np.arange(n), np.arange(n)] *= 10.0
    kappa = np.exp(rng.normal(0.0, 0.7, (n, n)))
    kappa[np.arange(n), np.arange(n)] = 1.0
    sol = am.solve_hat(x[:, :, None], theta, kappa_hat=kappa[:, :, None])
    lam = np.diag(x) / x.sum(axis=0)
    xn = sol.trade_new[:, :, 0]
    lam_new = np.diag(xn) / xn.sum(axis=0)
    np.testing.assert_allclose(sol.welfare_hat, (lam_new / lam) ** (-1.0 / theta), rtol=1e-9)
    np.testing.assert_allclose(sol.real_gdp_hat, sol.welfare_hat, rtol=1e-9)


def test_batch_equals_single_solves() -> None:
    """A batch of scenarios along a leading axis gives the single solves' answers (1e-10)."""
    x, tar = _economy(3, 5, 2)
    tn, kappa = _shock(3, 5, 2)
    batch = np.stack([tn, 0.5 * tn, tar])
    sol = am.solve_hat(x, [3.0, 5.0], tariff=tar, tariff_new=batch, kappa_hat=kappa)
    assert sol.welfare_hat.shape == (3, 5)
    for k in range(3):
        one = am.solve_hat(x, [3.0, 5.0], tariff=tar, tariff_new=batch[k], kappa_hat=kappa)
        np.testing.assert_allclose(sol.welfare_hat[k], one.welfare_hat, rtol=1e-10)
        np.testing.assert_allclose(sol.trade_new[k], one.trade_new, rtol=1e-10)


def test_strict_mode_raises_on_non_convergence() -> None:
    """max_iter=1 on a large shock cannot meet tol=1e-14: strict mode raises ConvergenceError."""
    x, tar = _economy(5, 6, 2)
    tn, kappa = _shock(5, 6, 2)
    with pytest.raises(ConvergenceError):
        am.solve_hat(
            x, [2.0, 9.0], tariff=tar, tariff_new=5 * tn, kappa_hat=kappa**3,
            options=SolverOptions(tol=1e-14, max_iter=1, strict=True),
        )


def test_bad_input_raises_named_errors() -> None:
    """Wrong shapes and options raise ShapeError / OptionError naming the field."""
    x, _ = _economy(1, 3, 1)
    with pytest.raises(ShapeError, match="kappa_hat"):
        am.solve_hat(x, 4.0, kappa_hat=np.ones((2, 2, 1)))
    with pytest.raises(OptionError, match="deficits"):
        am.solve_hat(x, 4.0, deficits="zero")
    with pytest.raises(OptionError, match="full_ge"):
        amg.gravity_counterfactual(np.ones((2, 2)), np.ones((2, 2)), [1, 1], [1, 1], 5.0, 0, full_ge="x")


def test_resistances_reproduce_output_and_expenditure() -> None:
    """Structural resistances: modelled flows add up to E_j by column and Y_i by row (ΣY = ΣE),
    and the reference importer's P is 1 — identities of the system, to 1e-10."""
    rng = np.random.default_rng(0)
    n = 8
    cost = np.exp(rng.normal(-3.0, 1.0, (n, n)))
    cost[np.arange(n), np.arange(n)] = 1.0
    y = rng.uniform(1.0, 10.0, n)
    e = rng.uniform(1.0, 10.0, n)
    e *= y.sum() / e.sum()
    res = amg.solve_resistances(cost, y, e, 5.0, 3, options=SolverOptions(tol=1e-12, strict=True))
    x = amg.modelled_flows(cost, y, e, res)
    np.testing.assert_allclose(x.sum(axis=1), y, rtol=1e-10)
    np.testing.assert_allclose(x.sum(axis=0), e, rtol=1e-10)
    assert res.imr[3] == pytest.approx(1.0, abs=1e-14)


def test_tradedata_adapter_closures() -> None:
    """TradeData adapter: a converged CounterfactualResult; under the "balanced" closure the base
    flows have zero deficits (1e-8 of world trade) and the zero-shock welfare change is 0 (1e-10)."""
    x, tar = _economy(11, 4, 2)
    data = TradeData.from_arrays(
        x, ["AAA", "BBB", "CCC", "DDD"], ["s1", "s2"], tar, sigma=[4.0, 6.0], attrs={"name": "toy"}
    )
    tn = tar.copy()
    tn[0, 1, :] += 0.25
    res = amd.counterfactual(data, tariff_new=tn)
    assert res.model == "armington" and res.closure == "data" and res.converged
    df = res.to_frame()
    np.testing.assert_allclose(df["balance_new"].to_numpy(), df["balance_base"].to_numpy(), rtol=1e-8)
    bal = amd.counterfactual(data, closure="balanced")
    base = bal.ds["trade_base"].values
    d = base.sum(axis=(0, 2)) - base.sum(axis=(1, 2))
    assert np.max(np.abs(d)) <= 1e-8 * base.sum()
    np.testing.assert_allclose(bal.ds["welfare_pct"].values, 0.0, atol=1e-10)
    # the importer's tariff raises its own revenue
    assert res.ds["revenue_new"].values[1] > res.ds["revenue_base"].values[1]


@pytest.mark.parametrize("full_ge", am.FULL_GE)
def test_gravity_counterfactual_batch(full_ge: str) -> None:
    """Constructed-cost counterfactual: a batch of new costs equals the single solves (1e-10), and
    an unchanged cost returns the baseline resistances with p̂ = 1 and real GDP unchanged (1e-10)."""
    rng = np.random.default_rng(4)
    n = 6
    cost = np.exp(rng.normal(-3.0, 1.0, (n, n)))
    cost[np.arange(n), np.arange(n)] = 1.0
    y = rng.uniform(1.0, 10.0, n)
    e = y * rng.uniform(0.9, 1.1, n)
    e *= y.sum() / e.sum()
    new = cost.copy()
    new[0, 1] *= 2.0
    new[1, 0] *= 2.0
    batch = np.stack([new, cost])
    out = amg.gravity_counterfactual(cost, batch, y, e, 5.0, 2, full_ge=full_ge)
    one = amg.gravity_counterfactual(cost, new, y, e, 5.0, 2, full_ge=full_ge)
    np.testing.assert_allclose(out.real_gdp_hat[0], one.real_gdp_hat, rtol=1e-10)
    np.testing.assert_allclose(out.full.imr[0], one.full.imr, rtol=1e-10)
    np.testing.assert_allclose(out.trade_full[0], one.trade_full, rtol=1e-10)
    np.testing.assert_allclose(out.real_gdp_hat[1], 1.0, atol=1e-10)
    np.testing.assert_allclose(out.price_hat[1], 1.0, atol=1e-10)
    np.testing.assert_allclose(out.full.imr[1], out.baseline.imr, rtol=1e-10)
    np.testing.assert_allclose(out.trade_full[1], out.trade_base, rtol=1e-10)
