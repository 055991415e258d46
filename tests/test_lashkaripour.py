"""Reference tests of the Lashkaripour (2021) model (tradetalks.model.lashkaripour).

Sources of the checks: analytic identities of the model (zero shock, market clearing, budgets, the
Arkolakis–Costinot–Rodríguez-Clare formula), the project's Caliendo–Parro model as a peer (it nests this
model with value-added shares of one), and the first-order condition of Lashkaripour (2021, eq. 14).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.data.registry import load
from tradetalks.errors import ElasticityError, ShapeError
from tradetalks.model import caliendo_parro as cp
from tradetalks.model import caliendo_parro_equilibrium as cpe
from tradetalks.model import lashkaripour as lk
from tradetalks.model import lashkaripour_data as lkd
from tradetalks.model import lashkaripour_equilibrium as lke
from tradetalks.model import lashkaripour_tariffs as lkt


@pytest.fixture(scope="module")
def base() -> lk.LBaseline:
    data = load("world2014")
    b, info = lke.purge_deficits(lk.calibrate_data(data))
    assert info.converged
    return b


def _shock(b: lk.LBaseline, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    off = (1.0 - np.eye(b.n))[:, :, None]
    return np.asarray(b.tariff + 0.25 * rng.random(b.tariff.shape) * off)


def test_purge_balances_trade(base: lk.LBaseline) -> None:
    """Identity: after the purge every deficit is zero (1e-10 of world wages) and income = wages + revenue."""
    scale = base.wage_bill.sum()
    assert np.abs(base.deficit).max() / scale < 1e-10
    assert np.abs(base.income - base.wage_bill - base.revenue).max() / scale < 1e-10


def test_zero_shock_returns_baseline(base: lk.LBaseline) -> None:
    """Identity: factual tariffs reproduce the baseline (ŵ = Ŷ = P̂ = 1, flows unchanged; 1e-12)."""
    eq = lke.solve_equilibrium(base, base.tariff)
    assert np.abs(eq.w_hat - 1).max() < 1e-12
    assert np.abs(eq.y_hat - 1).max() < 1e-12
    assert np.abs(eq.p_hat - 1).max() < 1e-12
    assert np.abs(eq.trade_new - base.trade).max() / base.trade.max() < 1e-12


def test_markets_clear_and_budgets_balance(base: lk.LBaseline) -> None:
    """Identities at a counterfactual: wages = sales net of tariffs for every country (including the one
    replaced by the numeraire, i.e. Walras' law), income = wages + revenue = expenditure, trade balanced,
    shares sum to one; all to 1e-10 of the world wage bill."""
    eq = lke.solve_equilibrium(base, _shock(base))
    assert eq.info.converged
    res = lk.market_residuals(base, eq)
    assert max(res.values()) < 1e-10, res


def test_acr_formula(base: lk.LBaseline) -> None:
    """Arkolakis–Costinot–Rodríguez-Clare (2012) / Costinot–Rodríguez-Clare (2014, eq. 10 with revenue):
    Ŵ_i = (Ŷ_i/ŵ_i) Π_k λ̂_iik^{−e_ik/ε_k} exactly; in one sector Ŵ = (Ŷ/ŵ) λ̂_ii^{−1/ε}. Tolerance 1e-10."""
    eq = lke.solve_equilibrium(base, _shock(base, 2))
    i = np.arange(base.n)
    lam_hat = eq.lam_new[i, i, :] / base.lam[i, i, :]
    acr = eq.y_hat / eq.w_hat * np.exp((-base.e / base.eps * np.log(lam_hat)).sum(axis=1))
    assert np.abs(lk.welfare_hat(base, eq) - acr).max() < 1e-10
    # one sector: aggregate the data
    x1 = base.trade.sum(axis=2, keepdims=True)
    t1 = np.zeros_like(x1)
    b1, _ = lke.purge_deficits(lk.calibrate(x1, t1, np.array([4.0])))
    t_new = 0.2 * (1.0 - np.eye(b1.n))[:, :, None]
    e1 = lke.solve_equilibrium(b1, t_new)
    lh = e1.lam_new[i, i, 0] / b1.lam[i, i, 0]
    assert np.abs(lk.welfare_hat(b1, e1) - e1.y_hat / e1.w_hat * lh ** (-1 / 4.0)).max() < 1e-10


def test_equals_caliendo_parro_without_io(base: lk.LBaseline) -> None:
    """Peer: the project's Caliendo–Parro model with value-added shares 1 (no input–output links), final
    shares = the Cobb–Douglas shares and θ = ε gives the same wages and welfare, to 1e-8."""
    n, s = base.n, base.s
    io = np.broadcast_to(np.eye(s), (n, s, s))
    cb = cp.calibrate(base.trade, base.tariff, base.eps, io, np.ones((n, s)), base.e)
    t_new = _shock(base, 3)
    ce = cpe.solve_equilibrium(cb, t_new)
    le = lke.solve_equilibrium(base, t_new)
    assert np.abs(ce.w_hat - le.w_hat).max() < 1e-8
    assert np.abs(cp.welfare_hat(cb, ce) - lk.welfare_hat(base, le)).max() < 1e-8
    assert np.abs(ce.trade_new - le.trade_new).max() / base.trade.max() < 1e-8


def test_purge_equals_caliendo_parro_balanced() -> None:
    """Peer: the deficit purge equals Caliendo–Parro's "no S" equilibrium with value-added shares 1 (1e-8)."""
    data = load("world2014")
    raw = lk.calibrate_data(data)
    n, s = raw.n, raw.s
    io = np.broadcast_to(np.eye(s), (n, s, s))
    cb = cp.calibrate(raw.trade, raw.tariff, raw.eps, io, np.ones((n, s)), raw.e)
    cbal, _ = cpe.equilibrate(cb, "balanced")
    lbal, _ = lke.purge_deficits(raw)
    assert np.abs(cbal.trade - lbal.trade).max() / raw.trade.max() < 1e-8


def test_nash_satisfies_first_order_conditions(base: lk.LBaseline) -> None:
    """Lashkaripour (2021, eq. 14): every Nash tariff equals 1/Σ_k ε_k ω_ik at the war's equilibrium (1e-10),
    and the war equilibrium clears markets (1e-10)."""
    sol = lkt.nash_war(base)
    assert sol.eq.info.converged
    foc = lke.foc_tariff(base, sol.eq.trade_new, sol.eq.lam_new)
    assert np.abs(foc - sol.tariffs).max() < 1e-10
    assert max(lk.market_residuals(base, sol.eq).values()) < 1e-10
    assert np.all(lk.welfare_hat(base, sol.eq) < 1.0 + 1e-3)  # a war: nobody gains much


def test_no_gain_from_small_unilateral_deviation(base: lk.LBaseline) -> None:
    """No country gains from a ±1 pp unilateral change of its uniform Nash tariff. The formula of eq. 14 is
    the paper's sufficient statistic (inverse export-supply elasticity holding foreign wages fixed), so the
    exact welfare optimum differs from it at second order: tolerance 0.002 % of real income (the deviation
    gains are ≤ 1e-5 here, the war's losses about 1 %)."""
    sol = lkt.nash_war(base)
    w0 = lk.welfare_hat(base, sol.eq)
    off = 1.0 - np.eye(base.n)
    for i in range(base.n):
        for dt in (-0.01, 0.01):
            tn = sol.eq.tariff_new.copy()
            tn[:, i, :] = (sol.tariffs[i] + dt) * off[:, i, None]
            w = lk.welfare_hat(base, lke.solve_equilibrium(base, tn))
            assert w[i] - w0[i] < 2e-5, (i, dt, w[i] - w0[i])


def test_optimal_uniform_tariff_foc(base: lk.LBaseline) -> None:
    """One country's optimum, others fixed: its tariff satisfies eq. 14; the others' tariffs are untouched."""
    sol = lkt.optimal_uniform_tariff(base, 0)
    foc = lke.foc_tariff(base, sol.eq.trade_new, sol.eq.lam_new)
    assert abs(foc[0] - sol.tariffs[0]) < 1e-10
    assert np.array_equal(sol.eq.tariff_new[:, 1:, :], base.tariff[:, 1:, :])


def test_batch_equals_single(base: lk.LBaseline) -> None:
    """Solving a batch gives each member's single solve (1e-10)."""
    shocks = np.stack([_shock(base, k) for k in range(4)])
    batch = lke.solve_batch(base, shocks)
    for k in range(4):
        one = lke.solve_equilibrium(base, shocks[k])
        assert np.abs(batch[k].w_hat - one.w_hat).max() < 1e-10


def test_bad_input() -> None:
    """Named errors for bad shapes and non-positive elasticities."""
    x = np.ones((3, 3, 2))
    with pytest.raises(ShapeError):
        lk.calibrate(x, np.zeros((3, 3, 1)), [4.0, 4.0])
    with pytest.raises(ElasticityError):
        lk.calibrate(x, np.zeros_like(x), [4.0, 0.0])


def test_result_frame() -> None:
    """The TradeData wrapper returns a labelled result naming model, closure and elasticity source."""
    data = load("world2014")
    war = lkd.war_from_data(data)
    assert war.result.model == "lashkaripour"
    assert list(war.frame.index) == data.countries
    assert war.summary()["welfare_mean_pct"] < 0


def test_api_dispatch_and_data_closure() -> None:
    """model.api dispatches "lashkaripour"; under closure "data" (deficits held) factual tariffs return the
    data (welfare 0, flows unchanged; 1e-10) and budgets hold with the data's deficits."""
    from tradetalks.model.api import solve

    data = load("world2014")
    res = solve("lashkaripour", data, data.tariff, closure="data")
    assert res.model == "lashkaripour" and res.closure == "data"
    assert np.abs(res.ds["welfare_pct"].values).max() < 1e-10
    assert np.abs(res.ds["trade_new"].values - data.trade).max() / data.trade.max() < 1e-10
    raw = lk.calibrate_data(data)
    t = _shock(raw, 5)
    eq = lke.solve_equilibrium(raw, t, deficit_new=raw.deficit)
    assert max(lk.market_residuals(raw, eq).values()) < 1e-10
    bal = solve("lashkaripour", data, data.tariff, closure="balanced")
    assert bal.closure == "balanced"


def test_exact_best_response_close_to_formula(base: lk.LBaseline) -> None:
    """The exact welfare-maximising uniform tariff (Brent search) does at least as well as the eq.-14 tariff
    and lies within 2 pp of it (the formula holds foreign wages fixed; a second-order difference)."""
    sol = lkt.optimal_uniform_tariff(base, 1)
    t_exact, w_exact = lkt.best_uniform_response(base, 1)
    assert w_exact >= lk.welfare_hat(base, sol.eq)[1] - 1e-12
    assert abs(t_exact - sol.tariffs[0]) < 0.02
