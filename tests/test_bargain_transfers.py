"""Issue 11: side payments as instruments, the real July 2025 package in the space, the inverse problem."""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.bargain.frontier import maximise
from tradetalks.bargain.inverse import implied_beta
from tradetalks.bargain.problem import build_space
from tradetalks.bargain.solutions import UtilityFrontier
from tradetalks.bargain.transfers import PLEDGE, PURCHASES, efficiency_loss, pledge_per_unit, real_deal_x
from tradetalks.model import ossa

from .test_ossa import random_economy

LINEAR = UtilityFrontier(lambda x: 1.0 - x, 0.0, 1.0)


def test_implied_beta_on_linear_frontier() -> None:
    """On u_B = 1 − u_A with d = 0 the weighted Nash solution with weights (β, 1 − β) is u_A = β (Kalai
    1977): a package at (0.3, 0.7) implies β = 0.3 exactly (1e-6); a package inside the frontier at
    (0.2, 0.6) is fitted by the Nash point nearest to it, (0.3, 0.7), at distance √0.02 (1e-6)."""
    r = implied_beta(LINEAR, [0.0, 0.0], [0.3, 0.7])
    assert r.exact and abs(r.beta - 0.3) < 1e-6 and r.in_zone
    assert r.beta_interval[0] <= 0.3 <= r.beta_interval[1]
    inside = implied_beta(LINEAR, [0.0, 0.0], [0.2, 0.6])
    assert not inside.exact
    assert abs(inside.beta - 0.3) < 1e-6 and abs(inside.distance - np.sqrt(0.02)) < 1e-6


def test_transfer_instruments_valued_and_differentiated() -> None:
    """Side payments as instruments: the pledge moves the issue-10 central annual transfer per US$ from
    payer to receiver (100·T/E each, so E-weighted changes sum to zero: a pure transfer); purchases never
    raise the buyer's objective (issue-10 property); the package-space gradient of each side instrument
    equals a central finite difference of the objectives (1e-5 relative)."""
    data = random_economy(12, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    space = build_space(data, base, ("C0", "C1"), transfers=True, pledge_upper=100.0, purchases_upper=5.0)
    names = [i.name for i in space.instruments]
    kp, kq = names.index(PLEDGE), names.index(PURCHASES)
    x = space.reference_x()
    x[kp], x[kq] = 40.0, 2.0
    pledge, purchase = space.valuations
    per, _ = pledge_per_unit()
    e = np.asarray(pledge.expenditure_bn)
    np.testing.assert_allclose(pledge.value(40.0) * e / 100, [40 * per, -40 * per], rtol=1e-12)  # C1 pays
    assert all(purchase.value(v)[purchase.payer] <= 0 for v in (0.0, 0.5, 2.0, 5.0))
    pe = space.evaluate(x)
    for k in (kp, kq):
        h = 1e-3
        up, dn = x.copy(), x.copy()
        up[k] += h
        dn[k] -= h
        fd = (space.evaluate(up, gradient=False).u - space.evaluate(dn, gradient=False).u) / (2 * h)
        np.testing.assert_allclose(pe.grad[:, k], fd, rtol=1e-5, atol=1e-12)


def test_real_deal_point_and_efficiency_loss(reference) -> None:  # type: ignore[no-untyped-def]
    """The real July 2025 package in the US–Japan space (world2014): the US tariff on Japanese goods is the
    15 % all-in rate where the MFN rate is below 15 % (sectors with Section 232 duties or MFN above 15 %
    higher; services untouched; the mixed motor-vehicle sector not checked), the pledge is the US$550bn, purchases US$15bn a year (the sourced
    scenario); its efficiency loss is non-negative and the frontier point that defines it holds the other
    party at least at its real-deal objective (1e-6)."""
    data = reference("world2014")
    base = ossa.baseline_from_data(data, "data")
    space = build_space(data, base, ("USA", "JPN"), transfers=True, instruments=["USA:all", "JPN:all"])
    x, notes = real_deal_x(space, data)
    names = [i.name for i in space.instruments]
    assert x[names.index(PLEDGE)] == 550.0 and x[names.index(PURCHASES)] == 15.0
    us, jp = data.countries.index("USA"), data.countries.index("JPN")
    from tradetalks.policy.package import Package, package_tariffs
    from tradetalks.policy.scenarios import builtin_spec

    t = package_tariffs(Package.from_spec(builtin_spec("jp-us-deal")), data).matrix
    assert t is not None
    assert x[0] == pytest.approx(float(np.mean(t[jp, us, :])), abs=1e-12)
    # motor vehicles and other transport mixes cars (15 % all-in) with the aircraft carve-out (0 %)
    goods = [k for k, s in enumerate(data.sectors) if s not in ("services", "motor_vehicles")]
    assert np.all(t[jp, us, goods] >= 0.15 - 1e-12)
    real = efficiency_loss(space, x, base.expenditure, notes)
    assert np.all(real.loss_units >= -1e-9)
    for who in (0, 1):
        assert real.frontier_u[who][1 - who] >= real.u[1 - who] - 1e-6
    r = maximise(space, 0, float(real.u[1]), x)
    assert real.u[0] + real.loss_units[0] >= r.u[0] - 1e-6


def test_cli_bargain_implied_on_default_dataset(reference) -> None:  # type: ignore[no-untyped-def]
    """`tradetalks bargain --parties USA,JPN --implied --json` on the default dataset reports the
    bilateral war as the breakdown point, the real deal with its efficiency loss (% and US$bn a year, both
    ≥ 0) and an implied β in (0, 1) with its interval and fit."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli.app import app
    from tradetalks.data.registry import DEFAULT_DATASET

    reference(DEFAULT_DATASET)
    res = CliRunner().invoke(
        app,
        ["bargain", "--parties", "USA,JPN", "--implied", "-i", "USA:all", "-i", "JPN:all", "--points", "8",
         "--starts", "3", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["dataset"] == DEFAULT_DATASET
    assert out["no_deal"]["breakdown (if talks collapse)"]["name"] == "bilateral-war"
    real = out["real_deal"]
    assert all(v >= -1e-9 for v in real["efficiency_loss_pct"].values())
    assert all(v >= -1e-9 for v in real["efficiency_loss_usd_bn_per_year"].values())
    imp = out["implied"]
    assert 0 < imp["beta_USA"] < 1 and imp["beta_interval"][0] <= imp["beta_USA"] <= imp["beta_interval"][1]
    assert imp["fit_distance"] >= 0


def test_instrument_vector_builds_a_package_through_the_one_path() -> None:
    """Issue 9's one package path: the Package built from an instrument vector gives, through
    policy.package.package_tariffs, exactly the tariff matrix the package space evaluates (1e-12), and
    carries the pledge and the purchases."""
    from tradetalks.bargain.transfers import package_of
    from tradetalks.policy.package import package_tariffs

    data = random_economy(12, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    space = build_space(data, base, ("C0", "C1"), transfers=True, pledge_upper=100.0, purchases_upper=5.0)
    x = np.array([0.1, 0.25, 0.0, 0.4, 30.0, 2.0])
    pkg = package_of(space, x)
    t = package_tariffs(pkg, data).matrix
    np.testing.assert_allclose(t, space.tariffs(x), atol=1e-12)
    assert pkg.pledges[0].usd_bn == 30.0 and pkg.purchases[0].usd_bn_per_year == 2.0
