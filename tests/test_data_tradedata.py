"""TradeData operations: immutability, select, aggregation (hand-computed example and hypothesis
properties of conservation), save/load round trip, tidy frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.data import TradeData
from tradetalks.errors import FileFormatError, LabelError


def small() -> TradeData:
    """3 countries × 2 sectors with round numbers (hand-checkable)."""
    trade = np.zeros((3, 3, 2))
    trade[:, :, 0] = [[100, 10, 20], [30, 200, 40], [50, 60, 300]]
    trade[:, :, 1] = [[10, 1, 2], [3, 20, 4], [5, 6, 30]]
    tariff = np.zeros((3, 3, 2))
    tariff[:, :, 0] = [[0, 0.10, 0.20], [0.05, 0, 0.30], [0.15, 0.25, 0]]
    tariff[:, :, 1] = [[0, 0.01, 0.02], [0.03, 0, 0.04], [0.05, 0.06, 0]]
    return TradeData.from_arrays(
        trade,
        ["A", "B", "C"],
        ["x", "y"],
        tariff,
        sigma=[3.0, 5.0],
        country_sector={"lambda_pol": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]},
        sector_coords={"sector_name": ["good x", "good y"]},
        attrs={"name": "small", "units": "US$ millions"},
    )


def test_immutable() -> None:
    """Arrays are read-only, the dataclass is frozen, and operations return new objects."""
    td = small()
    with pytest.raises(ValueError):
        td.trade[0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        td.ds = td.ds  # type: ignore[misc]
    new = td.with_tariffs(np.zeros((3, 3, 2)))
    assert new.tariff.sum() == 0 and td.tariff.sum() > 0
    assert td.with_attrs(year=2014).attrs["year"] == 2014 and "year" not in td.attrs


def test_select() -> None:
    td = small().select(countries=["C", "A"], sectors=["y"])
    assert td.countries == ["C", "A"] and td.sectors == ["y"]
    assert td.trade[0, 1, 0] == 5.0  # C -> A in y
    assert td.tariff[1, 0, 0] == 0.02  # C's tariff on A in y
    assert td.param("lambda_pol").tolist() == [[6.0], [2.0]]
    with pytest.raises(LabelError, match="'Z'"):
        small().select(countries=["Z"])


def test_aggregate_countries_hand_computed() -> None:
    """Merging A and B into R (sector x), by hand:
    R->R = 100+10+30+200 = 340 (domestic, no tariff); R->C = 20+40 = 60 with tariff
    (0.20·20 + 0.30·40)/60 = 16/60; C->R = 50+60 = 110 with tariff (0.15·50 + 0.25·60)/110 = 22.5/110.
    lambda_pol of R in x is the output-weighted mean (1·130 + 3·270)/400 = 2.35."""
    td = small().aggregate_countries({"A": "R", "B": "R"})
    assert td.countries == ["R", "C"]
    x = td.trade[:, :, 0]
    assert x.tolist() == [[340.0, 60.0], [110.0, 300.0]]
    t = td.tariff[:, :, 0]
    assert t[0, 0] == 0.0
    assert t[0, 1] == pytest.approx(16 / 60, rel=1e-12)
    assert t[1, 0] == pytest.approx(22.5 / 110, rel=1e-12)
    assert td.param("lambda_pol")[0, 0] == pytest.approx((1 * 130 + 3 * 270) / 400, rel=1e-12)
    assert td.trade.sum() == small().trade.sum()
    assert td.ds["sector_name"].values.tolist() == ["good x", "good y"]


def test_aggregate_sectors_hand_computed() -> None:
    """Merging x and y: A->B = 10+1 = 11, tariff (0.10·10 + 0.01·1)/11 = 1.01/11; sigma weighted by
    world international trade: x 210, y 21 -> (3·210 + 5·21)/231."""
    td = small().aggregate_sectors({"x": "all", "y": "all"})
    assert td.sectors == ["all"]
    assert td.trade[0, 1, 0] == 11.0
    assert td.tariff[0, 1, 0] == pytest.approx(1.01 / 11, rel=1e-12)
    assert td.param("sigma")[0] == pytest.approx((3 * 210 + 5 * 21) / 231, rel=1e-12)


def test_save_load_round_trip(tmp_path: Path) -> None:
    td = small()
    path = td.save(tmp_path / "small.nc")
    back = TradeData.load(path)
    assert back.countries == td.countries and back.sectors == td.sectors
    np.testing.assert_array_equal(back.trade, td.trade)
    np.testing.assert_array_equal(back.tariff, td.tariff)
    np.testing.assert_array_equal(back.param("lambda_pol"), td.param("lambda_pol"))
    assert back.attrs["units"] == "US$ millions"
    with pytest.raises(FileFormatError):
        td.save(tmp_path / "small.csv")


def test_to_frame() -> None:
    df = small().to_frame()
    assert list(df.columns) == ["exporter", "importer", "sector", "trade", "tariff"]
    assert len(df) == 18
    row = df[(df.exporter == "B") & (df.importer == "C") & (df.sector == "x")].iloc[0]
    assert row.trade == 40.0 and row.tariff == 0.30


@st.composite
def _data_and_map(draw: st.DrawFn) -> tuple[TradeData, dict[str, str], dict[str, str]]:
    n = draw(st.integers(2, 6))
    s = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    trade = rng.uniform(0, 100, (n, n, s)) * (rng.uniform(size=(n, n, s)) > 0.2)
    trade[np.arange(n), np.arange(n), :] += 50.0
    tariff = rng.uniform(0, 0.5, (n, n, s))
    tariff[np.arange(n), np.arange(n), :] = 0.0
    countries = [f"C{k}" for k in range(n)]
    sectors = [f"s{k}" for k in range(s)]
    cmap = {c: f"R{draw(st.integers(0, n - 1))}" for c in countries}
    smap = {x: f"G{draw(st.integers(0, s - 1))}" for x in sectors}
    return TradeData.from_arrays(trade, countries, sectors, tariff, sigma=rng.uniform(2, 8, s)), cmap, smap


@settings(max_examples=60, deadline=None)
@given(_data_and_map())
def test_aggregation_conserves_totals(case: tuple[TradeData, dict[str, str], dict[str, str]]) -> None:
    """Property: for any mapping, aggregation conserves total flows and total tariff revenue on
    flows between different regions (tariffs are trade-weighted), and each region's output."""
    td, cmap, smap = case
    agg = td.aggregate_countries(cmap).aggregate_sectors(smap)
    assert agg.trade.sum() == pytest.approx(td.trade.sum(), rel=1e-9)
    regions = [cmap[c] for c in td.countries]
    for r in agg.countries:
        members = [k for k, x in enumerate(regions) if x == r]
        assert agg.output()[agg.index(r)].sum() == pytest.approx(td.output()[members].sum(), rel=1e-9)
    same = np.array([[a == b for b in regions] for a in regions])
    revenue_between = (td.tariff * td.trade)[~same].sum()
    assert agg.tariff_revenue().sum() == pytest.approx(revenue_between, rel=1e-9, abs=1e-9)
    sig = agg.param("sigma")
    assert sig.min() >= td.param("sigma").min() - 1e-12 and sig.max() <= td.param("sigma").max() + 1e-12
