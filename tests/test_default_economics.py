"""The default economics of every package evaluation (issues 9/10/12 together), on both bundled datasets.

References (analytic properties of the stated models, sourced facts; not earlier output):

* a purchase commitment is a purchase wedge financed by the buyer (policy.purchases): the buyer's welfare
  with it is never above its welfare without it (bound Delta W <= (p0 - pw) M <= 0), for several sizes,
  both meanings and two datasets;
* % of GDP on world2022 uses the World Bank WDI GDP table derived from liberation_day_2025/gdp.csv (source
  named in the assumptions); Taiwan's GDP is not in WDI and stays unknown (NaN), never invented;
* third countries face the partner-by-partner US wall by default: Canada's and Mexico's trade-weighted US
  rate is below China's (USMCA exemption vs the China measures; facts in policy/facts/wall.toml).
"""

from __future__ import annotations

import math

import pytest

from tradetalks.data import load
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.outcome import outcome
from tradetalks.policy.package import Package, Purchase
from tradetalks.policy.scenarios import resolve
from tradetalks.vocabulary import DEFAULT_PLEDGE_VALUATION, DEFAULT_PURCHASE_MODEL, DEFAULT_THIRD_COUNTRIES


def test_vocabulary_defaults_are_the_new_economics() -> None:
    assert (DEFAULT_THIRD_COUNTRIES, DEFAULT_PURCHASE_MODEL, DEFAULT_PLEDGE_VALUATION) == ("wall", "wedge", "terms")


@pytest.mark.parametrize("dataset", ["world2014", "world2022"])
def test_purchases_never_raise_the_buyers_welfare(dataset: str) -> None:
    data = load(dataset)
    base = Package.from_spec(resolve("jp-us-deal"))
    base = Package(base.name, base.base_date, dataset=dataset, tariffs=base.tariffs)
    w0 = outcome(evaluate(base, data, short_run=False)).country("JPN").welfare_ev_usd_bn
    for usd_bn in (0.5, 8.0, 40.0):
        for meaning in ("level", "increment"):
            buy = Purchase("p", "agriculture", "USA", "JPN", usd_bn, meaning)  # type: ignore[arg-type]
            o = outcome(evaluate(base.with_overrides(purchases={"p": buy}), data, short_run=False))
            assert o.country("JPN").welfare_ev_usd_bn <= w0 + 1e-12, (usd_bn, meaning)
            (c,) = o.commitments
            assert c.binding or c.buyer_welfare_usd_bn == 0.0


def test_gdp_on_world2022_is_sourced() -> None:
    data = load("world2022")
    pr = evaluate(resolve("jp-us-no-deal"), data, short_run=False)
    o = outcome(pr)
    assert math.isfinite(o.country("JPN").welfare_gdp_pct) and math.isfinite(o.country("USA").welfare_gdp_pct)
    assert math.isnan(o.country("TWN").welfare_gdp_pct)
    assert any("WDI" in a and "2023" in a for a in pr.assumptions)


def test_third_countries_face_the_wall_by_default() -> None:
    pr = evaluate(resolve("jp-us-deal"), load("world2022"), short_run=False)
    assert any("tariff wall" in a for a in pr.assumptions)
    r = pr.effective_rate("USA")
    assert r["CAN"] < r["CHN"] and r["MEX"] < r["CHN"]


def test_elasticities_option_names_the_set() -> None:
    """`--elasticities` on evaluate and solve loads the named set (data.elasticities) and results name it."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli.app import app

    runner = CliRunner()
    res = runner.invoke(app, ["evaluate", "jp-us-no-deal", "--elasticities", "CP", "--json"])
    assert res.exit_code == 0, res.output
    sc = json.loads(res.output)["scenarios"]["jp-us-no-deal"]
    assert sc["elasticities"] == "set CP" and any("elasticities: set CP" in a for a in sc["assumptions"])
    res = runner.invoke(app, ["solve", "--elasticities", "U4", "--json", "-t", "USA:JPN:motor_vehicles=25"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["elasticities"] == "set U4"
    bad = runner.invoke(app, ["evaluate", "jp-us-no-deal", "--elasticities", "XX"])
    assert bad.exit_code == 2
