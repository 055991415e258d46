"""Bands on a bargaining solution's package (issue 13, :mod:`tradetalks.sweep.bargain_bands`).

References: analytic identities — the central member re-solved by the parameter batch equals the package
space's own single-σ evaluation (``space.evaluate``: same equations, 1e-9); with zero dispersion every draw is
the central σ, so the band collapses to the central value exactly; at the no-deal point itself the gain is 0
for every member.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.bargain.frontier import trace_frontier
from tradetalks.bargain.problem import build_space, to_package
from tradetalks.bargain.solutions import solve
from tradetalks.bargain.space import status_quo
from tradetalks.errors import SweepSpecError
from tradetalks.model import ossa
from tradetalks.sweep.bargain_bands import package_bands

from .test_ossa import random_economy


@pytest.fixture(scope="module")
def solved():  # type: ignore[no-untyped-def]
    data = random_economy(11, n=3, s=3)
    space = build_space(data, ossa.baseline_from_data(data, "balanced"), ("C0", "C1"), upper=1.0)
    d = status_quo(space)
    fr = trace_frontier(space, 8, nodeal=d.u)
    pkg = to_package(space, fr, solve("nash", fr.curve(), d.u))
    return space, d, pkg


def test_central_member_is_the_space_evaluation(solved) -> None:  # type: ignore[no-untyped-def]
    space, d, pkg = solved
    b = package_bands(space, pkg.x, d.tariff, 30, seed=2)
    u = space.evaluate(pkg.x, gradient=False).u
    a, c = space.parties
    assert b.frame.loc[f"{a}.objective", "central"] == pytest.approx(u[0], rel=1e-9, abs=1e-9)
    assert b.frame.loc[f"{c}.gain_over_no_deal", "central"] == pytest.approx(u[1] - d.u[1], rel=1e-9, abs=1e-9)
    assert (b.frame["n"] == 31).all() and (b.frame["share_converged"] == 1.0).all()
    assert (b.frame["p5"] <= b.frame["p95"]).all()
    assert b.as_dict()["n_draws"] == 30


def test_zero_dispersion_and_no_deal_identities(solved) -> None:  # type: ignore[no-untyped-def]
    space, d, pkg = solved
    z = package_bands(space, pkg.x, d.tariff, 10, seed=1, dispersion=0.0).frame
    assert (z["p5"] == z["central"]).all() and (z["p95"] == z["central"]).all()
    at_d = package_bands(space, space.reference_x(), d.tariff, 10, seed=1).frame
    a, _ = space.parties
    assert np.abs(at_d.loc[f"{a}.gain_over_no_deal", ["p5", "p95", "min", "max"]].to_numpy(float)).max() < 1e-9
    with pytest.raises(SweepSpecError):
        package_bands(space, pkg.x, d.tariff, -1)


def test_bands_span_the_datasets_sets() -> None:
    """On world2022 (the space at the dataset's own σ) the members include its eight published sets: with zero
    dispersion the band's range is exactly the range over the central σ and the sets, each set's value being
    the space rebuilt at that set's σ (``space.evaluate``; 1e-8); a space at another σ gets no sets."""
    from tradetalks.data import load
    from tradetalks.data.elasticities import load_with_elasticities
    from tradetalks.sweep.bargain_bands import dataset_sets
    from tradetalks.sweep.draws import available_sets

    data = load("world2022")
    parties = ("USA", "JPN")
    space = build_space(data, ossa.baseline_from_data(data, "data"), parties, upper=1.0)
    d = status_quo(space)
    x = space.reference_x() + 0.05
    b = package_bands(space, x, d.tariff, 0, dispersion=0.0, data=data)
    assert b.sets == available_sets("world2022") and len(b.sets) == 8
    values = [space.evaluate(x, gradient=False).u[0]]
    for name in b.sets:
        alt = load_with_elasticities("world2022", name)
        values.append(build_space(alt, ossa.baseline_from_data(alt, "data"), parties, upper=1.0)
                      .evaluate(x, gradient=False).u[0])
    row = b.frame.loc["USA.objective"]
    assert row["n"] == 9
    assert (row["min"], row["max"]) == pytest.approx((min(values), max(values)), rel=1e-8, abs=1e-8)
    rescaled = build_space(data, ossa.calibrate(data.trade, data.tariff, np.full(data.n_sectors, 5.0)), parties)
    assert dataset_sets(rescaled, data) == {}


def test_bands_span_the_side_item_cases() -> None:
    """A space with transfers: the objective bands also span the pledge's low / high valuation and the purchases'
    low / high cost (at the central σ; side items are lump sums outside the GE solve, so no re-solve). With
    zero dispersion and no draws, Japan's objective over the cases equals the central value plus the case's
    side-value difference; the pledge-high case costs the payer 100 · pledge · (k_high − k_central) / E more,
    with k the annual transfer per US$ pledged of ``policy.pledge.value_pledge`` (1e-9)."""
    from tradetalks.data import load
    from tradetalks.policy.pledge import value_pledge
    from tradetalks.sweep.bargain_bands import side_cases

    data = load("world2022")
    space = build_space(data, ossa.baseline_from_data(data, "data"), ("USA", "JPN"), upper=1.0, transfers=True)
    assert side_cases(space) == ("pledge-low", "pledge-high", "purchase-low", "purchase-high")
    x = space.reference_x()
    names = [ins.name for ins in space.instruments]
    x[names.index("pledge")], x[names.index("purchases")] = 100.0, 5.0
    d = status_quo(space)
    b = package_bands(space, x, d.tariff, 0, dispersion=0.0)
    assert b.side_cases == side_cases(space)
    u0 = space.evaluate(x, gradient=False).u
    values = [u0[1]] + [u0[1] - space.side_value(x)[1] + space.side_value(x, c)[1] for c in b.side_cases]
    row = b.frame.loc["JPN.objective"]
    assert row["n"] == 5 and row["central"] == pytest.approx(u0[1], abs=1e-9)
    assert (row["min"], row["max"]) == pytest.approx((min(values), max(values)), abs=1e-9)
    band = value_pledge()
    k = {c: band.case(c).annual_transfer_usd_bn / band.terms.total_usd_bn for c in ("central", "high")}
    e_jpn = next(v.expenditure_bn[1] for v in space.valuations if v.kind == "pledge")
    diff = space.side_value(x, "pledge-high")[1] - space.side_value(x)[1]
    assert diff == pytest.approx(-100.0 * 100.0 * (k["high"] - k["central"]) / e_jpn, abs=1e-9)
    assert b.frame.loc["JPN.welfare_pct", "n"] == 1  # GE figures: no side cases
