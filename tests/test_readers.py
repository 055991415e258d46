"""Orientation and content tests of every reader: a known fact of each dataset, in our orientation.

Our orientation (DESIGN.md §3): ``trade[exporter, importer, sector]`` at pre-tariff values with
domestic sales on the diagonal; ``tariff[exporter, importer, sector]`` imposed by the importer (fraction).
Each test names the source of its fact and its tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradetalks.data import DATASETS, TradeData
from tradetalks.errors import OptionError

Ref = Callable[..., TradeData]


def _weighted_tariff(td: TradeData, exporter: str, importer: str) -> float:
    i, j = td.index(exporter), td.index(importer)
    x = td.trade[i, j]
    return float((td.tariff[i, j] * x).sum() / x.sum())


@pytest.mark.parametrize(
    ("name", "dims"),
    [
        ("ossa2014", (7, 33)),
        ("cp1993", (31, 40)),
        ("wiod2014", (44, 16)),
        ("wiod-agg-2000-2014", (44, 1)),
        ("yotov-borders-2006", (69, 1)),
        ("yotov-rta-panel", (69, 1)),
        ("gegravity-sample", (30, 1)),
        ("icio7-2017", (7, 44)),
        ("econ36-2001", (36, 1)),
        ("world2014", (12, 16)),
    ],
)
def test_dimensions_and_metadata(reference: Ref, name: str, dims: tuple[int, int]) -> None:
    """Dimensions as stated in each SOURCE.md; registry dims agree; metadata attributes present."""
    td = reference(name)
    assert (td.n_countries, td.n_sectors) == dims
    assert DATASETS[name].dims == f"{dims[0]}x{dims[1]}"
    for key in ("name", "source", "year", "units", "citation", "licence", "caveats"):
        assert key in td.attrs, key
    assert td.name == name


# --- ossa2014 ---------------------------------------------------------------------------------


def test_ossa2014_domestic_sales_and_labels(reference: Ref) -> None:
    """Ossa (2014) SOURCE.md: US domestic sales over the 33 sectors = 5.27e6 (±0.5 %); labels in the
    order of regions.csv (Brazil, China, EU, India, Japan, ROW, US)."""
    td = reference("ossa2014")
    assert td.countries == ["BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"]
    us = td.index("USA")
    assert td.trade[us, us].sum() == pytest.approx(5.27e6, rel=5e-3)
    assert td.sectors[0] == "ric"
    assert td.param("sigma").mean() == pytest.approx(3.42, abs=0.01)  # SOURCE.md: col 1 mean 3.42


def test_ossa2014_tariff_orientation_japan_rice(reference: Ref) -> None:
    """Japan protects rice with a very high tariff (its rice tariff-rate quota; Ossa's GTAP data give
    Japan's tariff on rice from China as 513 %), while nobody taxes Japanese rice that much: so the
    importer's tariff must be the column JPN (tariff[:, JPN, ric] > 100 % for every partner with a
    positive tariff), not the row."""
    td = reference("ossa2014")
    j, rice = td.index("JPN"), td.sector_index("ric")
    into_japan = np.delete(td.tariff[:, j, rice], j)
    from_japan = np.delete(td.tariff[j, :, rice], j)
    assert into_japan[into_japan > 0].min() > 1.0
    assert td.tariff[td.index("CHN"), j, rice] == pytest.approx(5.131616, rel=1e-6)
    assert from_japan.max() < 0.8


def test_ossa2014_lambda_matches_table1(reference: Ref, reference_folder: Callable[[str], Path]) -> None:
    """lambda_pol[country, sector] reproduces Ossa (2014) Table 1 (political-economy weights by
    region and sector, printed to 2 decimals; tolerance 0.006) and sigma its sigma column."""
    td = reference("ossa2014")
    t1 = pd.read_csv(reference_folder("ossa2014") / "table1_sigma_and_lambda.csv")
    lam = td.param("lambda_pol")
    regions = {"Brazil": "BRA", "China": "CHN", "EU": "EU", "India": "IND", "Japan": "JPN", "ROW": "ROW", "US": "USA"}
    for _, row in t1[t1["sector"] != "avg"].iterrows():
        s = td.sector_index(str(row["sector"]))
        assert td.param("sigma")[s] == pytest.approx(row["sigma"], abs=0.006)
        for long, short in regions.items():
            assert lam[td.index(short), s] == pytest.approx(row[f"lambda_{long}"], abs=0.006)


# --- cp1993 -----------------------------------------------------------------------------------


def test_cp1993_us_imports_from_japan(reference: Ref) -> None:
    """Caliendo–Parro (2015) SOURCE.md sanity check: US imports from Japan in 1993 = $108.4bn,
    autos $33.6bn (tolerance 0.1 %). In our orientation: trade[JPN, USA, :]; raw is thousands of
    US$, row = importer."""
    td = reference("cp1993")
    j, u = td.index("JPN"), td.index("USA")
    assert td.trade[j, u].sum() == pytest.approx(108_400, rel=1e-3)
    assert td.trade[j, u, td.sector_index("auto")] == pytest.approx(33_600, rel=1e-3)
    assert td.trade[u, j].sum() < 0.6 * td.trade[j, u].sum()  # the US ran a large deficit with Japan


def test_cp1993_tariff_orientation_nafta(reference: Ref) -> None:
    """Before NAFTA (1993) Mexico's tariffs on US goods (~10-13 %) were far above US tariffs on
    Mexican goods (~2-4 %); by 2005 NAFTA tariffs are ~0 (Caliendo–Parro 2015, Table 1 and §2)."""
    td = reference("cp1993")
    assert _weighted_tariff(td, "USA", "MEX") > 0.09
    assert _weighted_tariff(td, "MEX", "USA") < 0.05
    t05 = reference("cp1993", tariffs="2005")
    assert t05.attrs["tariff_year"] == 2005
    for a, b in (("USA", "MEX"), ("MEX", "USA"), ("CAN", "USA"), ("USA", "CAN")):
        assert _weighted_tariff(t05, a, b) < 0.005


def test_cp1993_construction(reference: Ref, reference_folder: Callable[[str], Path]) -> None:
    """Constructed parts (documented in the reader): domestic sales = max(GO − exports, 0);
    non-tradables only on the diagonal and equal to gross output; theta = T.txt then 8.22;
    IO shares sum to one (1e-9)."""
    td = reference("cp1993")
    folder = reference_folder("cp1993")
    go = np.loadtxt(folder / "GO.txt").T / 1e6
    n = td.n_countries
    diag = td.trade[np.arange(n), np.arange(n)]
    exports = td.trade.sum(axis=1) - diag
    np.testing.assert_allclose(diag[:, :20], np.maximum(go[:, :20] - exports[:, :20], 0.0), rtol=1e-12)
    np.testing.assert_allclose(diag[:, 20:], go[:, 20:], rtol=1e-12)
    assert exports[:, 20:].sum() == 0.0
    np.testing.assert_allclose(td.param("theta")[:20], np.loadtxt(folder / "T.txt"))
    assert np.all(td.param("theta")[20:] == 8.22)
    np.testing.assert_allclose(td.param("io_share").sum(axis=1), 1.0, atol=1e-9)
    assert td.param("io_share").min() >= 0.0
    with pytest.raises(OptionError):
        reference("cp1993", tariffs="1999")


# --- wiod2014 ---------------------------------------------------------------------------------


def test_wiod2014_tariff_orientation_cars(reference: Ref) -> None:
    """Lashkaripour–Lugovskyy WIOD 2014 SOURCE.md: Japan's tariff on cars is 0 % while the US tariff
    on Japan's sector 14 (motor vehicles) is 2.1 % (2.08 %; tolerance 0.05 pp)."""
    td = reference("wiod2014")
    j, u, mv = td.index("JPN"), td.index("USA"), td.sector_index("motor_vehicles")
    assert td.tariff[j, u, mv] == pytest.approx(0.021, abs=5e-4)
    assert td.tariff[u, j, mv] == 0.0
    # China and India tax US goods more than the US taxes theirs (SOURCE.md's evidence)
    for c in ("CHN", "IND"):
        assert _weighted_tariff(td, "USA", c) > _weighted_tariff(td, c, "USA")


def test_wiod2014_flows_options(reference: Ref) -> None:
    """SOURCE.md: the balanced flows are the authors' imbalance-purged arrays. Net exports relative to
    output: up to 9.5 % in the raw flows, under 1 % in the balanced ones (the purge is done in the
    authors' model, so it is not exact at pre-tariff values)."""
    raw = reference("wiod2014")
    bal = reference("wiod2014", flows="balanced_RE")
    rel = lambda td: np.abs(td.trade_balance() / td.output().sum(axis=1)).max()  # noqa: E731
    assert rel(raw) > 0.05
    assert rel(bal) < 0.01
    assert bal.attrs["flows"] == "balanced_RE"
    with pytest.raises(OptionError):
        reference("wiod2014", flows="nope")


# --- GE_gravity example -----------------------------------------------------------------------


def test_wiod_agg_canada_us_and_eu_effect(reference: Ref) -> None:
    """US Census: in 2000 US imports from Canada ($230.8bn goods) exceeded US exports to Canada
    ($178.9bn): trade[CAN, USA] > trade[USA, CAN]. GEGravity SOURCE.md: eu_effect = 0.224 on the
    pairs that became EU pairs 2000-14 (new_eu_pair), 0 elsewhere."""
    td = reference("wiod-agg-2000-2014")
    c, u = td.index("CAN"), td.index("USA")
    assert td.trade[c, u, 0] > 1.2 * td.trade[u, c, 0]
    new = td.param("pair_new_eu_pair")
    eff = td.param("pair_eu_effect")
    assert new.sum() > 0
    np.testing.assert_allclose(eff[new == 1], 0.224, atol=5e-4)  # printed to 3 decimals
    assert np.all(eff[new == 0] == 0)
    later = reference("wiod-agg-2000-2014", year=2014)
    assert later.attrs["year"] == 2014 and "new_eu_pair" not in later.pair_covariates
    assert later.trade.sum() > td.trade.sum()


# --- Yotov et al. (2016) ----------------------------------------------------------------------


def test_yotov_borders_output_is_sum_of_shipments(
    reference: Ref, reference_folder: Callable[[str], Path]
) -> None:
    """Yotov et al. (2016) SOURCE.md: Y (exporter output) = sum of its shipments and E (importer
    expenditure) = sum of its purchases: Y_i = Σ_j trade[i, j], E_j = Σ_i trade[i, j] (tol 1e-5);
    Germany (ZZZ in the file) is relabelled DEU."""
    td = reference("yotov-borders-2006")
    df = pd.read_csv(reference_folder("yotov-borders-2006") / "ch2_app1_trade_without_border_2006.csv")
    df = df.replace({"exporter": {"ZZZ": "DEU"}, "importer": {"ZZZ": "DEU"}})
    y = df.groupby("exporter")["Y"].first().reindex(td.countries).to_numpy()
    e = df.groupby("importer")["E"].first().reindex(td.countries).to_numpy()
    np.testing.assert_allclose(td.trade.sum(axis=(1, 2)), y, rtol=1e-6)
    np.testing.assert_allclose(td.trade.sum(axis=(0, 2)), e, rtol=1e-6)
    assert "DEU" in td.countries and "ZZZ" not in td.countries
    assert "ZZZ" in reference("yotov-borders-2006", relabel_germany=False).countries
    intl = td.param("pair_INTL_BRDR")
    assert np.all(np.diag(intl) == 0) and intl.sum() == 69 * 68


def test_yotov_rta_panel_matches_borders_2006(reference: Ref) -> None:
    """The 2006 year of the RTA panel holds the same flows as the borders file (both Yotov et al.
    2016 datasets, whose exporter orientation the Y column confirms): equal to 1e-9."""
    panel = reference("yotov-rta-panel")
    borders = reference("yotov-borders-2006")
    assert panel.countries == borders.countries
    np.testing.assert_allclose(panel.trade, borders.trade, rtol=1e-9)
    np.testing.assert_allclose(panel.param("pair_ln_dist"), borders.param("pair_ln_DIST"), atol=1e-5)
    early = reference("yotov-rta-panel", year=1986)
    assert early.trade.sum() < panel.trade.sum()
    with pytest.raises(OptionError):
        reference("yotov-rta-panel", year=1987)


def test_gegravity_sample_matches_yotov(reference: Ref) -> None:
    """gegravity SOURCE.md: trade derived from Yotov et al. (2016) 1_TradeWithoutBorder.dta: equal to
    the Yotov 2006 flows of the same pairs, rounded to whole numbers (tolerance 0.5)."""
    td = reference("gegravity-sample")
    y = reference("yotov-borders-2006")
    idx = [y.index(c) for c in td.countries]
    np.testing.assert_allclose(td.trade[:, :, 0], y.trade[np.ix_(idx, idx)][:, :, 0], atol=0.5)
    assert set(td.pair_covariates) == {"pta", "contiguity", "common_language", "lndist", "international"}


# --- econ7115 ---------------------------------------------------------------------------------


def test_icio7_japan_us_and_tariffs(reference: Ref) -> None:
    """econ7115 7x44 SOURCE.md: JPN->USA total $146.7bn, largest sector 20 ($51.1bn); USA domestic
    total 31.7e6; simple average goods tariffs CHN->USA 2.26 %, USA->CHN 8.89 %, JPN->USA 2.26 %,
    USA->JPN 2.13 % (tolerance 0.01 pp)."""
    td = reference("icio7-2017")
    j, u = td.index("JPN"), td.index("USA")
    assert td.trade[j, u].sum() == pytest.approx(146_700, rel=1e-3)
    assert td.sectors[int(td.trade[j, u].argmax())] == "s20"
    assert td.trade[j, u].max() == pytest.approx(51_100, rel=1e-3)
    assert td.trade[u, u].sum() == pytest.approx(31.7e6, rel=2e-3)
    for a, b, pct in (("CHN", "USA", 2.26), ("USA", "CHN", 8.89), ("JPN", "USA", 2.26), ("USA", "JPN", 2.13)):
        avg = 100 * td.tariff[td.index(a), td.index(b), :22].mean()
        assert avg == pytest.approx(pct, abs=0.01), (a, b)
    assert np.all(td.tariff[:, :, 22:] == 0)  # services are not tariffed
    assert td.param("theta")[22:].tolist() == [10.0] * 22


def test_icio7_io_shares(reference: Ref, reference_folder: Callable[[str], Path]) -> None:
    """IOshare.csv sums to one over input sectors for every (country, output sector) (to 1e-6) — so it
    is already a share of the intermediate bundle, not multiplied by (1 − va) as SOURCE.md/the PDF
    say; the reader's io_share equals it to 1e-6."""
    io = pd.read_csv(reference_folder("icio7-2017") / "IOshare.csv")
    sums = io.groupby(["iso_o", "output_ind"])["valueshare"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-6)
    td = reference("icio7-2017")
    row = io[(io.iso_o == "JPN") & (io.input_ind == 20) & (io.output_ind == 20)].iloc[0]
    assert td.param("io_share")[td.index("JPN"), 19, 19] == pytest.approx(row.valueshare, abs=1e-6)


def test_econ36_orientation(reference: Ref) -> None:
    """econ7115 36-country SOURCE.md: China index 9 and USA 36 (1-based); sigma 3.059. US Census 2001:
    US imports from China ($102.3bn) were about five times US exports to China ($19.2bn), so
    trade[CHN, USA] > 3 trade[USA, CHN]."""
    td = reference("econ36-2001")
    assert td.countries.index("CHN") == 8 and td.countries.index("USA") == 35
    assert td.param("sigma").tolist() == [3.059]
    assert td.trade[td.index("CHN"), td.index("USA"), 0] > 3 * td.trade[td.index("USA"), td.index("CHN"), 0]
