"""Product → sector mapping and the tariff matrix in force.

References: the mapping weights are recomputed from the raw rows of ``us-japan-2025/trade_by_product.csv``
and ``trade_totals.csv`` (independent of the transcription in ``policy/facts/mapping.toml``; tolerance
1e-12). The matrix is checked against analytic identities: no measure in force → the dataset's tariffs
exactly; a sector's rate = dataset rate + Σ weight × additional duty (1e-12).
"""

from __future__ import annotations

import csv
import re
from datetime import date

import numpy as np
import pytest

from tradetalks.data import TradeData
from tradetalks.data.registry import reference_dir, reference_required
from tradetalks.errors import OptionError, PolicyError
from tradetalks.policy.mapping import default_mapping
from tradetalks.policy.tariffs import TariffChange, effective_rates, tariffs_on

C = ["USA", "JPN", "KOR"]
S = ["agriculture", "mining", "metals", "motor_vehicles", "services"]


def small_data() -> TradeData:
    rng = np.random.default_rng(0)
    x = rng.uniform(50.0, 150.0, size=(3, 3, 5))
    for k in range(3):
        x[k, k, :] *= 20.0
    t = np.full((3, 3, 5), 0.02)
    t[:, :, 4] = 0.0
    for k in range(3):
        t[k, k, :] = 0.0
    return TradeData.from_arrays(x, C, S, t, sigma=[5.0, 6.0, 4.0, 4.5, 3.0], attrs={"name": "small", "year": 2014})


def _raw(name: str) -> dict[str, float]:
    path = reference_dir() / "us-japan-2025" / name
    if not path.is_file():
        if reference_required():
            pytest.fail(f"{path} not found (TRADETALKS_REQUIRE_REFERENCE_DATA=1)")
        pytest.skip(f"{path} not found")
    out = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                out[row["item"] + "|" + row["year"]] = float(row["value"])
            except ValueError:
                pass
    return out


def _notes(name: str) -> dict[str, str]:
    path = reference_dir() / "us-japan-2025" / name
    with path.open(encoding="utf-8") as fh:
        return {row["item"]: row["note"] for row in csv.DictReader(fh)}


def test_motor_vehicle_weights_from_raw_rows() -> None:
    """Cars and parts weights in motor vehicles equal the derivation from the raw CSV rows."""
    tp = _raw("trade_by_product.csv")
    hs87 = tp["US imports from Japan: vehicles and parts|2024"]
    bal8703 = tp["US-Japan balance HS 8703 passenger vehicles, Jan-Nov|2024"]
    parts = tp["US imports of auto parts (HS 8706-8708) from Japan, Jan-Nov|2024"]
    # US car exports to Japan: the note of the MONOist row, "imports of autos from US 1.8"
    note = _notes("trade_by_product.csv")["Japan exports to US: automobiles (Japan-reported, USD)"]
    us_cars_to_japan = float(re.search(r"imports of autos from US ([0-9.]+)", note).group(1))  # type: ignore[union-attr]
    mp = default_mapping()
    w = mp.sector_weights("motor_vehicles")
    assert w["cars"] == pytest.approx((-bal8703 * 12 / 11 + us_cars_to_japan) / hs87, abs=1e-12)
    assert w["parts"] == pytest.approx(parts * 12 / 11 / hs87, abs=1e-12)


def test_metals_weight_uses_dataset_share() -> None:
    """Steel weight = (steel+alu share of exports) / (metals share of the dataset's JPN→USA goods)."""
    tt = _raw("trade_totals.csv")
    census = tt["US goods imports from Japan (Census)|2024"] / 1000.0
    d = small_data()
    x = d.trade[1, 0, :4]
    share = x[2] / x.sum()
    mp = default_mapping(d)
    assert mp.weight("metals", "steel") == pytest.approx(0.01 * census / (share * census), abs=1e-12)


def test_weights_sum_to_one_and_are_shares() -> None:
    """Every mapped sector's weights (with 'other') lie in [0, 1] and sum to one."""
    mp = default_mapping(small_data())
    for s in mp.sectors:
        w = mp.sector_weights(s)
        assert all(0.0 <= v <= 1.0 for v in w.values()), (s, w)
        assert sum(w.values()) == pytest.approx(1.0, abs=1e-12)


def test_mapping_override() -> None:
    mp = default_mapping().with_weights({"motor_vehicles.cars": 0.5, "chemicals.pharma": 0.2})
    assert mp.weight("motor_vehicles", "cars") == 0.5
    assert mp.weight("chemicals", "other") == pytest.approx(0.8)
    with pytest.raises(PolicyError, match="at most 1"):
        default_mapping().with_weights({"motor_vehicles.cars": 0.95})
    with pytest.raises(PolicyError, match=r"sector\.group"):
        default_mapping().with_weights({"cars": 0.5})
    with pytest.raises(PolicyError, match=r"\[0, 1\]"):
        default_mapping().with_weights({"motor_vehicles.cars": 1.5})


def test_no_measure_reproduces_dataset() -> None:
    """On 2024-12-31 nothing is in force: the matrix is the dataset's tariffs exactly."""
    d = small_data()
    tf = tariffs_on(date(2024, 12, 31), d)
    assert tf.matrix is not None
    np.testing.assert_array_equal(tf.matrix, d.tariff)


def test_sector_rate_identity_on_deal_date() -> None:
    """JPN→USA motor vehicles on 2025-09-16 = t0 + w_cars (15 − 2.5) + w_parts (15 − 2.5) + w_other (15 − t0)."""
    d = small_data()
    tf = tariffs_on(date(2025, 9, 16), d)
    assert tf.matrix is not None
    w = tf.mapping.sector_weights("motor_vehicles") if tf.mapping else {}
    t0 = 2.0
    expected = t0 + w["cars"] * 12.5 + w["parts"] * 12.5 + w["other"] * (15.0 - t0)
    k = S.index("motor_vehicles")
    assert 100 * tf.matrix[1, 0, k] == pytest.approx(expected, abs=1e-12)
    # other goods sectors at exactly 15 (all-in over a 2 % dataset rate); services untaxed
    assert 100 * tf.matrix[1, 0, S.index("agriculture")] == pytest.approx(15.0, abs=1e-12)
    assert tf.matrix[1, 0, S.index("services")] == 0.0
    # Korea: all-origins measures only (232 autos + parts, 10 % baseline on other goods)
    assert 100 * tf.matrix[2, 0, S.index("agriculture")] == pytest.approx(12.0, abs=1e-12)
    # other importers untouched
    np.testing.assert_array_equal(tf.matrix[:, 1:, :], d.tariff[:, 1:, :])


def test_japan_only_and_changes() -> None:
    d = small_data()
    tf = tariffs_on(date(2025, 9, 16), d, third_countries="japan_only")
    assert tf.matrix is not None
    np.testing.assert_array_equal(tf.matrix[2, 0, :], d.tariff[2, 0, :])
    ch = (TariffChange("JPN", "USA", 0.0, "set", sector="agriculture"),
          TariffChange("USA", "JPN", 0.0, "set", group="cars"))
    tf2 = tariffs_on(date(2025, 9, 16), d, changes=ch)
    assert tf2.matrix is not None and tf.mapping is not None
    assert tf2.matrix[0, 1, 0] == 0.0
    k = S.index("motor_vehicles")
    w = tf.mapping.sector_weights("motor_vehicles")
    # cars set to 0 %: their additional duty is 0 - 2.5
    assert 100 * tf2.matrix[1, 0, k] == pytest.approx(2.0 + w["cars"] * -2.5 + w["parts"] * 12.5 + w["other"] * 13.0)
    with pytest.raises(OptionError):
        tariffs_on(date(2025, 9, 16), d, third_countries="everyone")
    with pytest.raises(PolicyError, match="unknown measure"):
        tariffs_on(date(2025, 9, 16), d, switch_on=("nope",))


def test_effective_rates_statutory_and_after() -> None:
    """Trade-weighted effective rate = Σ t X / Σ X by partner (hand computation)."""
    d = small_data()
    tf = tariffs_on(date(2025, 5, 3), d)
    assert tf.matrix is not None
    df = effective_rates(d, tf.matrix)
    row = df[(df.exporter == "JPN") & (df.sector == "ALL")].iloc[0]
    x, t = d.trade[1, 0, :], tf.matrix[1, 0, :]
    assert row.rate_pct == pytest.approx(100 * (t * x).sum() / x.sum(), rel=1e-12)
    x2 = d.trade * 1.5
    df2 = effective_rates(d, tf.matrix, trade=x2)
    assert df2[(df2.exporter == "ALL")].rate_pct.iloc[0] == pytest.approx(
        df[(df.exporter == "ALL")].rate_pct.iloc[0], rel=1e-12)
