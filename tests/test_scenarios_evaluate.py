"""Package evaluation with the Ossa model: commitments met, pledges move the balance, identities.

References (analytic identities of the model, not earlier output):

* a purchase commitment (a buyer-financed wedge, policy.purchases) never raises the buyer's welfare
  (analytic bound of that model) and leaves the GE solve unchanged;
* an investment pledge enters as ΔNX; the "data" closure fixes net exports at NX + ΔNX, so each
  country's trade balance moves by exactly ΔNX (1e-6 of ΔNX); under "balanced" it ends at ΔNX;
* with no measure in force and no side item the counterfactual is the baseline (welfare change 0 to 1e-9).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.pledge import value_pledge
from tradetalks.policy.scenarios import builtin_spec
from tradetalks.policy.spec import parse_text

C = ["USA", "JPN", "KOR", "ROW"]
S = ["agriculture", "mining", "metals", "motor_vehicles", "services"]


def small_data() -> TradeData:
    rng = np.random.default_rng(1)
    x = rng.uniform(50.0, 150.0, size=(4, 4, 5))
    for k in range(4):
        x[k, k, :] *= 20.0
    t = np.full((4, 4, 5), 0.03)
    t[:, :, 4] = 0.0
    for k in range(4):
        t[k, k, :] = 0.0
    return TradeData.from_arrays(x, C, S, t, sigma=[5.0, 6.0, 4.0, 4.5, 3.0], attrs={"name": "small"})


def spec_text(body: str, day: str = "2025-09-16") -> str:
    return f'name = "t"\ndate = {day}\n' + body


def balance(res: object, which: str) -> np.ndarray:
    x = res.ds[f"trade_{which}"].values  # type: ignore[attr-defined]
    return np.asarray(x.sum(axis=(1, 2)) - x.sum(axis=(0, 2)))


def test_no_measure_is_the_baseline() -> None:
    d = small_data()
    pr = evaluate(parse_text(spec_text("", "2024-12-31"), "s"), d)
    np.testing.assert_array_equal(pr.result.ds["tariff_new"].values, d.tariff)
    np.testing.assert_allclose(pr.result.ds["welfare_pct"].values, 0.0, atol=1e-9)


@pytest.mark.parametrize("kind", ["incremental", "level"])
@pytest.mark.parametrize("amount", [0.03, 0.2, 5.0])
def test_purchase_commitment_never_raises_buyer_welfare(kind: str, amount: float) -> None:
    """A commitment is a buyer-financed purchase wedge (policy.purchases): the buyer's welfare with it is
    never above its welfare without it (analytic bound Delta W <= (p0 - pw) M <= 0), it is valued at the
    package's GE flows, and the GE solve itself is unchanged (identity)."""
    d = small_data()
    body = ('[[purchase_commitment]]\nname = "energy"\nsector = "mining"\nexporter = "USA"\nimporter = "JPN"\n'
            f'usd_bn_per_year = {amount}\nkind = "{kind}"\n')
    pr = evaluate(parse_text(spec_text(body), "s"), d, short_run=False)
    none = evaluate(parse_text(spec_text(""), "s"), d, short_run=False)
    from tradetalks.policy.outcome import outcome

    buyer = outcome(pr).country("JPN").welfare_ev_usd_bn
    assert buyer <= outcome(none).country("JPN").welfare_ev_usd_bn + 1e-12
    (c,) = pr.commitments
    flow = float(pr.result.ds["trade_new"].values[0, 1, 1])
    assert c.flow_without == pytest.approx(flow)
    assert c.binding == (kind == "incremental" or amount * 1000 > flow)
    assert c.buyer_welfare_usd_bn <= 0.0 and (c.binding or c.buyer_welfare_usd_bn == 0.0)
    np.testing.assert_allclose(pr.result.ds["trade_new"].values, none.result.ds["trade_new"].values, rtol=1e-10)


def test_level_commitment_already_met_does_not_bind() -> None:
    d = small_data()
    body = ('[[purchase_commitment]]\nname = "farm"\nsector = "agriculture"\nexporter = "USA"\nimporter = "JPN"\n'
            'usd_bn_per_year = 0.001\nkind = "level"\n')
    pr = evaluate(parse_text(spec_text(body), "s"), d)
    (c,) = pr.commitments
    assert not c.binding and c.shifter == 1.0 and c.buyer_welfare_usd_bn == 0.0


@pytest.mark.parametrize("closure", ["data", "balanced"])
@pytest.mark.parametrize("mode", ["terms", "capital_flow", "returns_transfer"])
def test_investment_pledge_moves_balance(closure: str, mode: str) -> None:
    """ΔNX = +D for the investor, −D for the host, 0 elsewhere, as the closure implies."""
    d = small_data()
    body = (f'[options]\nclosure = "{closure}"\n'
            '[[investment_pledge]]\nname = "fund"\ninvestor = "JPN"\nhost = "USA"\nusd_bn = 0.4\n'
            f'horizon_years = 4\nprofit_share_host = 0.9\nexpected_return_pct = 5\nmode = "{mode}"\n')
    pr = evaluate(parse_text(spec_text(body), "s"), d)
    central = value_pledge().case("central").annual_transfer_usd_bn / value_pledge().terms.total_usd_bn
    dd = {"capital_flow": 400.0 / 4, "returns_transfer": 400.0 * 0.05 * 0.9, "terms": 400.0 * central}[mode]
    want = np.array([-dd, dd, 0.0, 0.0])
    assert pr.nx_change is not None
    np.testing.assert_allclose(pr.nx_change, want)
    new = balance(pr.result, "new")
    if closure == "data":
        np.testing.assert_allclose(new - d.trade_balance(), want, atol=1e-6 * dd)
    else:
        np.testing.assert_allclose(new, want, atol=1e-6 * dd)


def test_builtin_deal_on_world2014() -> None:
    """The built-in deal on world2014: converges, purchases cost the buyer, the pledge is the central annual
    transfer of policy.pledge (valued from its terms)."""
    d = load("world2014")
    pr = evaluate(builtin_spec("jp-us-deal"), d, short_run=False)
    assert pr.result.converged
    for c in pr.commitments:
        assert c.buyer_welfare_usd_bn <= 0.0, c
    (p,) = pr.pledges
    assert p.nx_change == pytest.approx(1000 * value_pledge().case("central").annual_transfer_usd_bn)
    assert any("Not modelled" in a and "Boeing" in a for a in pr.assumptions)
    eff = pr.effective_rate("USA")
    assert 14.0 < eff["JPN"] < 15.5  # the 15 % all-in deal, statutory on 2014 flows
    assert pr.tariffs.on == date(2025, 9, 16)
