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
    """The July 2025 deal vs no deal on the bundled data, through the one evaluation and outcome report:
    step increments add up to the headline EV (identity); the buyer's purchases cost it (<= 0); the investor
    pays the pledge, the host receives it; the break-even transfer equals EV(deal up to purchases) - EV(no
    deal) (identity); channel components (GE + purchases) add up to the reported welfare to 1e-8 pp."""
    from tradetalks.data import load
    from tradetalks.policy.decompose import breakeven_usd_bn
    from tradetalks.policy.evaluate import evaluate
    from tradetalks.policy.outcome import outcome
    from tradetalks.policy.scenarios import resolve

    data = load("world2014")
    deal, nd = (evaluate(resolve(n), data, short_run=False) for n in ("jp-us-deal", "jp-us-no-deal"))
    o, ond = outcome(deal), outcome(nd)
    assert o.steps is not None and ond.steps is not None
    for c in ("USA", "JPN"):
        rows = [r for r in o.steps if r.country == c]
        assert sum(r.increment_usd_bn for r in rows) == pytest.approx(rows[-1].ev_usd_bn, abs=1e-9)
        assert rows[-1].ev_usd_bn == pytest.approx(o.country(c).welfare_ev_usd_bn, abs=1e-9)
        assert o.channels.row(c)["total"] == pytest.approx(o.country(c).welfare_pct, abs=1e-9)
    jp = {r.step: r for r in o.steps if r.country == "JPN"}
    us = {r.step: r for r in o.steps if r.country == "USA"}
    assert jp["+ purchases"].increment_usd_bn <= 0.0
    assert jp["+ pledge"].increment_usd_bn < 0.0 < us["+ pledge"].increment_usd_bn
    assert o.pledge is not None and ond.pledge is None
    nd_jp = [r for r in ond.steps if r.country == "JPN"][-1].ev_usd_bn
    assert breakeven_usd_bn(deal, nd, "JPN") == pytest.approx(jp["+ purchases"].ev_usd_bn - nd_jp, abs=1e-9)
    assert o.channels.residual() < 1e-8
