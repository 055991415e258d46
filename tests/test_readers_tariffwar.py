"""The ``tariffwar_cubes`` reader (ICIO 2011-2022, WIOD 2000-2014) and the elasticity sets.

Orientation facts come from ``shared/data/raw/tariffwar_cubes/SOURCE.md`` and
``shared/data/raw/us-japan-2025/trade_totals.csv`` (Census); each test states its tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py  # type: ignore[import-untyped]
import numpy as np
import pytest

from tradetalks.data import TradeData, load
from tradetalks.data import elasticities as elas
from tradetalks.data.readers import tariffwar
from tradetalks.data.registry import DATASETS
from tradetalks.errors import (
    ElasticitySetError,
    FileFormatError,
    MatFileError,
    OptionError,
    YearNotAvailableError,
)

Ref = Callable[..., TradeData]

# Census c5880, via us-japan-2025/trade_totals.csv: US goods imports from / exports to Japan, 2022, US$ m
CENSUS_2022_IMPORTS_FROM_JPN = 148_002.0
CENSUS_2022_EXPORTS_TO_JPN = 80_151.0


def test_registry_names() -> None:
    """Every ICIO year 2011-2022 and WIOD year 2000-2014 is registered with its fixed year."""
    for y in range(2011, 2023):
        assert dict(DATASETS[f"icio{y}"].options) == {"source": "icio", "year": y}
    for y in range(2000, 2015):
        assert dict(DATASETS[f"wiod16-{y}"].options) == {"source": "wiod", "year": y}


def test_icio2022_us_japan_orientation(reference: Ref) -> None:
    """US imports from Japan, 2022: ICIO goods sectors vs Census.

    Source: Census c5880 (trade_totals.csv): imports 148.0 bn, exports 80.2 bn. ICIO values are at basic
    prices and by producing country (gross flows), Census at customs value, so the two differ; we ask
    each ICIO goods total to be within 30 % of Census (ICIO gives 109.7 and 62.7). Swapping exporter
    and importer would give 62.7 vs 148.0 (-58 %) and 109.7 vs 80.2 (+37 %) and fail; the US balance
    with Japan must be a deficit.
    """
    td = reference("icio2022")
    assert td.countries[-1] == "ROW" and td.n_countries == 81 and td.n_sectors == 28
    u, j = td.index("USA"), td.index("JPN")
    goods = np.array([s != "services" for s in td.sectors])
    imp = td.trade[j, u, goods].sum()
    exp = td.trade[u, j, goods].sum()
    assert abs(imp / CENSUS_2022_IMPORTS_FROM_JPN - 1) < 0.30
    assert abs(exp / CENSUS_2022_EXPORTS_TO_JPN - 1) < 0.30
    assert exp - imp < 0
    # autos are the largest US import from Japan (the fact behind the talks)
    k = td.sector_index("motor_vehicles")
    assert int(np.argmax(td.trade[j, u, goods])) == int(np.flatnonzero(goods).tolist().index(k))


def test_icio2022_us_gap_and_units(reference: Ref) -> None:
    """SOURCE.md: the USA expenditure-minus-production gap is 962,008 (US$ m, ICIO 2022); it is positive
    only when the row index is the exporter. Tolerance 1 (US$ m, the figure is rounded)."""
    td = reference("icio2022")
    u = td.index("USA")
    gap = td.trade[:, u].sum() - td.trade[u].sum()
    assert gap == pytest.approx(962_008, abs=1.0)
    assert td.attrs["units"] == "US$ millions" and td.attrs["year"] == 2022


def test_wiod2014_totals_and_tariffs(reference: Ref) -> None:
    """SOURCE.md: WIOD 2014 world total 1.618e8, USA expenditure 3.16e7, gap 476,031 (US$ m; rounding
    tolerances 0.05 %, 0.2 %, 1); tariffs have a zero diagonal and the trade-weighted off-diagonal mean
    is 1.43 % (±0.01 pp); US tariffs on CAN and MEX are 0 (ICIO 2022); the US food tariff on Japan
    is 0.915 (WIOD 2014)."""
    td = reference("wiod16-2014")
    assert td.n_countries == 44 and td.n_sectors == 16 and td.name == "wiod16-2014"
    x, t = td.trade, td.tariff
    u = td.index("USA")
    assert x.sum() == pytest.approx(1.618e8, rel=5e-4)
    assert x[:, u].sum() == pytest.approx(3.16e7, rel=2e-3)
    assert x[:, u].sum() - x[u].sum() == pytest.approx(476_031, abs=1.0)
    off = 1.0 - np.eye(44)[:, :, None]
    assert 100 * (t * x * off).sum() / (x * off).sum() == pytest.approx(1.43, abs=0.01)
    icio = reference("icio2022")
    uu = icio.index("USA")
    assert icio.tariff[icio.index("CAN"), uu].max() == 0.0 and icio.tariff[icio.index("MEX"), uu].max() == 0.0
    # US food tariff on Japan is 0.915 (SOURCE.md, WIOD 2014; ±5e-4): the importer imposes it
    # (column = importer); Japan's food tariff on the US is far lower
    f = td.sector_index("food")
    assert td.tariff[td.index("JPN"), u, f] == pytest.approx(0.915, abs=5e-4)
    assert td.tariff[u, td.index("JPN"), f] < 0.2


def test_elasticity_sets(reference: Ref) -> None:
    """SOURCE.md tables: WIOD 2014 CP ε = 9.11 (agriculture), 64.85 (petroleum); LL ε = 0.636
    (petroleum); U4 = 4 everywhere; ICIO 2022 IS ε(food) = 1.2925 (exact to the 4 printed decimals).
    σ = ε + 1 and the set is named in the attributes."""
    cp = reference("wiod16-2014", elasticities="CP")
    assert cp.param("theta")[0] == pytest.approx(9.11) and cp.param("theta")[5] == pytest.approx(64.85)
    np.testing.assert_allclose(cp.param("sigma"), cp.param("theta") + 1.0, rtol=0, atol=1e-12)
    assert cp.attrs["elasticities"] == "CP" and "Caliendo and Parro" in cp.attrs["sigma_source"]
    ll = reference("wiod16-2014", elasticities="ll")  # case-insensitive
    assert ll.param("theta")[5] == pytest.approx(0.636) and ll.attrs["elasticities"] == "LL"
    u4 = reference("icio2022", elasticities="U4")
    assert np.all(u4.param("theta") == 4.0)
    isx = reference("icio2022")
    assert isx.attrs["elasticities"] == "IS"
    assert isx.param("theta")[isx.sector_index("food")] == pytest.approx(1.2925, abs=5e-5)


def test_elasticity_file(reference: Ref, tmp_path: Path) -> None:
    """A CSV of per-sector σ or ε replaces the set; the file name is recorded."""
    td = reference("wiod16-2014")
    p = tmp_path / "mine.csv"
    p.write_text("sector,sigma\n" + "\n".join(f"{s},{3 + k / 10}" for k, s in enumerate(td.sectors)))
    mine = load("wiod16-2014", elasticities=str(p))
    assert mine.param("sigma")[1] == pytest.approx(3.1) and mine.param("theta")[1] == pytest.approx(2.1)
    assert mine.attrs["elasticities"] == "file:mine.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("sector,epsilon\nagriculture,4\n")
    with pytest.raises(FileFormatError, match="missing"):
        load("wiod16-2014", elasticities=str(bad))


def test_bad_input(reference_folder: Callable[[str], Path], tmp_path: Path) -> None:
    """Named errors: unknown set, year not there, option clash, .mat without the expected variables."""
    folder = reference_folder("icio2022")
    with pytest.raises(ElasticitySetError, match="elasticities"):
        tariffwar.read(folder, source="icio", year=2022, elasticities="XYZ")
    with pytest.raises(YearNotAvailableError, match="2011"):
        tariffwar.read(folder, source="icio", year=2023)
    with pytest.raises(YearNotAvailableError):
        tariffwar.read(folder, source="wiod", year=2015)
    with pytest.raises(OptionError):
        load("icio2022", year=2015)
    with pytest.raises(OptionError):
        tariffwar.read(folder, source="icio", year=2022, flows="raw")
    not_hdf5 = tmp_path / "v5.mat"
    not_hdf5.write_bytes(b"MATLAB 5.0 MAT-file" + b"\0" * 200)
    with pytest.raises(MatFileError, match=r"v7\.3"):
        tariffwar.read_mat(not_hdf5)
    other = tmp_path / "other.mat"
    with h5py.File(other, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(MatFileError, match="struct 'data'"):
        tariffwar.read_mat(other)
    partial = tmp_path / "partial.mat"
    with h5py.File(partial, "w") as f:
        f.create_group("data").create_dataset("Xjik_3D", data=np.zeros((2, 3, 3)))
    with pytest.raises(MatFileError, match="tjik_3D"):
        tariffwar.read_mat(partial)


def test_set_name_errors() -> None:
    """Set names are checked without data: unknown names and sets on datasets that store none."""
    assert elas.set_name("shap") == "Shap"
    with pytest.raises(ElasticitySetError):
        elas.set_name("CP2015")
    with pytest.raises(ElasticitySetError, match="none"):
        elas.resolve("CP", ["a", "b"], None)


def test_domestic_floor(reference: Ref) -> None:
    """``domestic_floor=1`` adds US$ 1 m to each of the 81 × 28 domestic cells (the source pipeline's
    step), nothing else (exact up to float rounding)."""
    a = reference("icio2022")
    b = reference("icio2022", domestic_floor=1.0)
    assert b.trade.sum() - a.trade.sum() == pytest.approx(81 * 28, abs=1e-3)
    assert (np.einsum("iis->is", b.trade) >= 1.0).all()
