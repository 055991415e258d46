"""Step rows (policy/decompose.py): increments add up to the total exactly (identity)."""

from __future__ import annotations

import pytest

from tradetalks.errors import InputError
from tradetalks.policy.decompose import STEPS, step_rows


def test_increments_sum_to_total() -> None:
    rows = step_rows("JPN", -5.0, -4.2, -0.3, -4.3, gdp_usd_bn=4000.0)
    assert [r.step for r in rows] == list(STEPS)
    assert sum(r.increment_usd_bn for r in rows) == pytest.approx(rows[-1].ev_usd_bn, abs=1e-12)
    assert rows[-1].pct_gdp == pytest.approx(100 * (-5.0 + 0.8 - 0.3 - 4.3) / 4000.0 + 100 * 5.0 / 4000.0 - 100 * 5.0 / 4000.0)


def test_bad_inputs() -> None:
    with pytest.raises(InputError):
        step_rows("JPN", float("nan"), 0.0, 0.0, 0.0)
    with pytest.raises(InputError):
        step_rows("JPN", 0.0, 0.0, 0.0, 0.0, gdp_usd_bn=0.0)


def test_deal_decomposition_identities() -> None:
    """The July 2025 deal vs no deal on the bundled data: step increments add up; the buyer's purchases
    cost it (<= 0); the investor pays the pledge, the host receives it; the break-even transfer equals
    EV(deal without pledge) - EV(no deal) (identity); GE channels add up to the GE total to 1e-8."""
    from tradetalks.data import load
    from tradetalks.policy.decompose import decompose_deal
    from tradetalks.policy.scenarios import resolve

    data = load("world2014")
    dd = decompose_deal(resolve("jp-us-deal"), data, vs=resolve("jp-us-no-deal"), horizons=False)
    nd = decompose_deal(resolve("jp-us-no-deal"), data, horizons=False)
    for c in ("USA", "JPN"):
        rows = [r for r in dd.steps if r.country == c]
        assert sum(r.increment_usd_bn for r in rows) == pytest.approx(rows[-1].ev_usd_bn, abs=1e-9)
    jp = {r.step: r for r in dd.steps if r.country == "JPN"}
    us = {r.step: r for r in dd.steps if r.country == "USA"}
    assert jp["+ purchases"].increment_usd_bn <= 0.0
    assert jp["+ pledge"].increment_usd_bn < 0.0 < us["+ pledge"].increment_usd_bn
    assert dd.pledge.breakeven_usd_bn_per_year == pytest.approx(
        jp["+ purchases"].ev_usd_bn - nd.total_ev("JPN"), abs=1e-9)
    assert dd.channels.residual() < 1e-8
