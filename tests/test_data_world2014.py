"""The bundled default ``world2014`` against the raw WIOD 2014 file it was derived from.

The reference totals are computed here directly from the raw CSV with pandas (not through our reader
or TradeData aggregation), using the region map stated in PROVENANCE.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradetalks.data import load
from tradetalks.data.readers import world2014

RTOL = 1e-9
"""Sums of the same numbers in a different order: agreement to 1e-9 relative."""


@pytest.fixture(scope="module")
def raw_regions(request: pytest.FixtureRequest) -> pd.DataFrame:
    folder_fn: Callable[[str], Path] = request.getfixturevalue("reference_folder")
    df = pd.read_csv(folder_fn("wiod2014") / "wiod2014_44x44x16_trade_tariff.csv")
    df["exp_r"] = df["exporter"].map(world2014.REGIONS)
    df["imp_r"] = df["importer"].map(world2014.REGIONS)
    assert df["exp_r"].notna().all() and df["imp_r"].notna().all()
    return df


@pytest.fixture(scope="module")
def reference_folder() -> Callable[[str], Path]:  # module-scoped twin of the conftest fixture
    from tradetalks.data.registry import available, dataset_folder, reference_required

    def _folder(name: str) -> Path:
        if not available(name):
            msg = f"reference dataset '{name}' not found; set TRADETALKS_DATA_DIR"
            if reference_required():
                pytest.fail(msg)
            pytest.skip(msg)
        return dataset_folder(name)

    return _folder


def test_world2014_loads_without_reference_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """world2014 ships inside the package: it loads with TRADETALKS_DATA_DIR pointing to an empty
    folder; 12 economies × 16 sectors; file well under 2 MB; provenance and WIOD citation present."""
    monkeypatch.setenv("TRADETALKS_DATA_DIR", str(tmp_path))
    td = load("world2014")
    assert td.countries == list(world2014.ORDER)
    assert td.n_sectors == 16 and td.sectors[13] == "motor_vehicles"
    assert "sector_name" in td.ds.coords
    assert world2014.BUNDLED_FILE.stat().st_size < 2_000_000
    assert "Timmer" in td.attrs["citation"] and td.attrs["year"] == 2014
    prov = (world2014.BUNDLED_FILE.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Timmer" in prov and "derive_world2014.py" in prov
    assert set(world2014.REGIONS.values()) == set(world2014.ORDER)


def test_world2014_reproduces_wiod_totals(raw_regions: pd.DataFrame) -> None:
    """Total flows, each region's exports and imports (international, i.e. between regions) and the
    US–Japan flows by sector equal the raw WIOD 2014 file's sums (tolerance 1e-9 relative)."""
    td = load("world2014")
    df = raw_regions
    assert td.trade.sum() == pytest.approx(df["trade_raw_wiod2014"].sum(), rel=RTOL)
    inter = df[df["exp_r"] != df["imp_r"]]
    n = td.n_countries
    off = td.trade * (1.0 - np.eye(n))[:, :, None]
    exports = inter.groupby("exp_r")["trade_raw_wiod2014"].sum()
    imports = inter.groupby("imp_r")["trade_raw_wiod2014"].sum()
    for k, c in enumerate(td.countries):
        assert off[k].sum() == pytest.approx(exports[c], rel=RTOL), c
        assert off[:, k].sum() == pytest.approx(imports[c], rel=RTOL), c
    for a, b in (("JPN", "USA"), ("USA", "JPN")):
        pair = df[(df["exporter"] == a) & (df["importer"] == b)].sort_values("sector16")
        np.testing.assert_allclose(
            td.trade[td.index(a), td.index(b)], pair["trade_raw_wiod2014"].to_numpy(), rtol=RTOL
        )
        np.testing.assert_allclose(
            td.tariff[td.index(a), td.index(b)], pair["tariff_imposed_by_importer"].to_numpy(), rtol=RTOL
        )


def test_world2014_tariffs_trade_weighted(raw_regions: pd.DataFrame) -> None:
    """EU's tariff on Japanese motor vehicles = Σ t X / Σ X over the EU-27 importers in the raw file
    (trade-weighted mean; 1e-9 relative)."""
    td = load("world2014")
    df = raw_regions
    sel = df[(df["exporter"] == "JPN") & (df["imp_r"] == "EU") & (df["sector16"] == 14)]
    expected = (sel["tariff_imposed_by_importer"] * sel["trade_raw_wiod2014"]).sum() / sel[
        "trade_raw_wiod2014"
    ].sum()
    got = td.tariff[td.index("JPN"), td.index("EU"), td.sector_index("motor_vehicles")]
    assert got == pytest.approx(expected, rel=RTOL)
    assert 0.05 < got < 0.11  # the EU's 10 % car tariff, diluted by other transport equipment
