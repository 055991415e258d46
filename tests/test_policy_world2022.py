"""The Japan-US scenarios on the bundled ``world2022`` (ICIO 2022): they run and land where they should.

Facts used (with tolerances):

* the 2025 Section 232 auto tariff (25 %) is the largest US tariff increase on Japan in the scenarios of
  April 2025 and "Liberation Day" and falls in ``motor_vehicles`` (ICIO C29), which then bears at least
  20 % (the rate is the sector's 2021 applied rate, 2.9 %, plus 25 points on the cars and parts share of
  the sector — weights of policy/facts/mapping.toml);
* under the deal (15 % all-in on Japanese cars and parts) the motor-vehicle rate is 15 % ± 1.5 pp;
* the 2024 baseline leaves the US motor-vehicle tariff on Japan as in the data (no auto measure then);
* the US-Japan goods balance in 2022 is a US deficit: Census -67.9 bn (us-japan-2025/trade_totals.csv);
  ICIO is at basic prices by producing country (-47 bn), so the tolerance is a factor in [0.5, 1.5].
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.scenarios import builtin_spec, list_scenarios


@pytest.fixture(scope="module")
def world() -> TradeData:
    return load("world2022")


def test_every_jp_us_scenario_runs(world: TradeData) -> None:
    """Every built-in scenario solves on world2022 (converged) and names the elasticity set it used."""
    names = [s.name for s in list_scenarios() if s.name.startswith("jp-us")]
    assert names
    for name in names:
        pr = evaluate(builtin_spec(name), world)
        assert pr.result.converged, name
        assert pr.result.dataset == "world2022"
        assert "elasticity set IS" in str(pr.result.params.get("sigma_source", "")), name


@pytest.mark.parametrize("name", ["jp-us-2025-04", "jp-us-liberation-day"])
def test_auto_tariff_lands_in_motor_vehicles(world: TradeData, name: str) -> None:
    u, j, m = world.index("USA"), world.index("JPN"), world.sector_index("motor_vehicles")
    pr = evaluate(builtin_spec(name), world)
    t_new = pr.result.ds["tariff_new"].values
    rise = t_new[j, u] - world.tariff[j, u]
    goods = [k for k, s in enumerate(world.sectors) if s != "services"]
    # the 25 % auto tariff is the biggest rise and lands in motor vehicles (not other transport)
    assert int(np.argmax(rise[goods])) == goods.index(m)
    assert t_new[j, u, m] >= 0.20
    if name == "jp-us-2025-04":  # 10 % reciprocal baseline on other goods: ships/aircraft/rail are not autos
        assert rise[world.sector_index("other_transport")] < 0.2


def test_deal_and_baseline(world: TradeData) -> None:
    u, j, m = world.index("USA"), world.index("JPN"), world.sector_index("motor_vehicles")
    deal = evaluate(builtin_spec("jp-us-deal"), world)
    assert deal.result.ds["tariff_new"].values[j, u, m] == pytest.approx(0.15, abs=0.015)
    base = evaluate(builtin_spec("jp-us-2024-baseline"), world)
    # no auto measure was in force at the end of 2024 (steel's 2018 Section 232 duty was)
    assert base.result.ds["tariff_new"].values[j, u, m] == pytest.approx(world.tariff[j, u, m], abs=1e-12)


def test_us_japan_balance_2022(world: TradeData) -> None:
    """US goods balance with Japan at the baseline of the evaluation: sign and rough size of Census 2022."""
    pr = evaluate(builtin_spec("jp-us-2024-baseline"), world)
    x = pr.result.ds["trade_base"].values
    u, j = world.index("USA"), world.index("JPN")
    goods = np.array([s != "services" for s in world.sectors])
    bal = x[u, j, goods].sum() - x[j, u, goods].sum()
    census = 80_151.0 - 148_002.0
    assert 0.5 < bal / census < 1.5


def test_wall_concordance_splits_transport(world: TradeData, reference_folder: Callable[[str], Path]) -> None:
    """The partner-by-partner US wall (policy/wall.py, facts/wall.toml) on world2022: HS 87 alone feeds
    ``motor_vehicles`` (Section 232 autos, 25 points on Korea on 2025-09-16, before its deal took effect;
    ±0.5 pp), and ships/aircraft/rail (HS 86, 88, 89) feed ``other_transport`` at a lower rate."""
    import datetime as dt
    import warnings

    from tradetalks.policy.wall_sectors import sector_additional

    reference_folder("us-imports-hs2-2024")  # the wall weights by 2024 US imports (skips when absent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add = sector_additional(dt.date(2025, 9, 16), ["KOR", "CHN", "ROW"],
                                [s for s in world.sectors if s != "services"])
    assert add[("KOR", "motor_vehicles")] == pytest.approx(25.0, abs=0.5)
    assert add[("KOR", "other_transport")] < add[("KOR", "motor_vehicles")]
