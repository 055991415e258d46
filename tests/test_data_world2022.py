"""The bundled dataset ``world2022`` (OECD ICIO 2022 → 21 economies × 17 sectors).

The bundled tests need no reference data. The conservation tests compare with the raw ICIO2022.mat read
directly with h5py (not through our reader), an accounting identity: aggregation sums flows, so totals
and tariff revenue are conserved (relative tolerance 1e-9).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py  # type: ignore[import-untyped]
import numpy as np
import pytest

from tradetalks.data import load
from tradetalks.data.elasticities import ELASTICITY_SETS
from tradetalks.data.readers import world2022
from tradetalks.data.registry import BUNDLED_DIR, available
from tradetalks.errors import ElasticitySetError, OptionError


def test_bundled_shape_and_labels() -> None:
    """21 economies with the required ones, 17 sectors with motor vehicles alone, compact file."""
    assert available("world2022")
    w = load("world2022")
    assert w.countries == list(world2022.ORDER)
    for c in ("USA", "JPN", "CHN", "KOR", "TWN", "CAN", "MEX", "EU", "GBR", "IND", "VNM", "BRA", "ROW"):
        assert c in w.countries
    assert w.n_sectors == 17 and "motor_vehicles" in w.sectors and "services" in w.sectors
    k = w.sector_index("motor_vehicles")
    assert "C29" in str(w.ds["sector_name"].values[k]) and "C30" not in str(w.ds["sector_name"].values[k])
    assert w.attrs["year"] == 2022 and w.attrs["units"] == "US$ millions"
    assert w.attrs["elasticities"] == "IS"
    assert (BUNDLED_DIR / "world2022.nc").stat().st_size < 1_000_000
    assert "world2022" in (BUNDLED_DIR / "PROVENANCE.md").read_text(encoding="utf-8")


def test_bundled_elasticity_sets(tmp_path: Path) -> None:
    """Every published set loads; σ = ε + 1; the set is named; U4 is 4 everywhere; file choice works."""
    for name in ELASTICITY_SETS:
        w = load("world2022", elasticities=name)
        assert w.attrs["elasticities"] == name
        np.testing.assert_allclose(w.param("sigma"), w.param("theta") + 1.0, rtol=0, atol=1e-12)
    assert np.all(load("world2022", elasticities="U4").param("theta") == 4.0)
    w = load("world2022")
    p = tmp_path / "e.csv"
    p.write_text("sector,epsilon\n" + "\n".join(f"{s},5" for s in w.sectors))
    assert np.all(load("world2022", elasticities=p).param("sigma") == 6.0)
    with pytest.raises(ElasticitySetError):
        load("world2022", elasticities="nope")
    with pytest.raises(OptionError):
        load("world2022", year=2021)


def test_us_japan_2022_balance_sign() -> None:
    """US goods balance with Japan in world2022 is a deficit, as in Census 2022 (-67.9 bn,
    us-japan-2025/trade_totals.csv); the ICIO figure (basic prices, by producing country) is
    -47 bn, so the tolerance is a factor in [0.5, 1.5] of the Census figure."""
    w = load("world2022")
    u, j = w.index("USA"), w.index("JPN")
    goods = np.array([s != "services" for s in w.sectors])
    bal = w.trade[u, j, goods].sum() - w.trade[j, u, goods].sum()
    census = 80_151.0 - 148_002.0
    assert 0.5 < bal / census < 1.5


def _raw(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    with h5py.File(path, "r") as f:
        x = f["data/Xjik_3D"][()].T
        t = f["data/tjik_3D"][()].T
        cs = ["".join(map(chr, f[r][()].ravel())) for r in f["data/countries"][()].ravel()]
    return cs, x, t


def test_conserved_against_raw(reference_folder: Callable[[str], Path]) -> None:
    """Against the raw file read with h5py: world total, each kept economy's total exports and imports
    to/from the world, tariff revenue of each kept economy, and the US-Japan motor-vehicle flow
    (ICIO C29, sector 24) are conserved (rtol 1e-9)."""
    cs, x, t = _raw(reference_folder("icio2022") / "mat" / "ICIO2022.mat")
    w = load("world2022")
    assert w.trade.sum() == pytest.approx(x.sum(), rel=1e-9)
    for c in ("USA", "JPN", "CHN", "GBR", "VNM", "MYS"):
        i, k = cs.index(c), w.index(c)
        assert w.trade[k].sum() == pytest.approx(x[i].sum(), rel=1e-9)
        assert w.trade[:, k].sum() == pytest.approx(x[:, i].sum(), rel=1e-9)
        assert w.tariff_revenue()[k] == pytest.approx((t[:, i] * x[:, i]).sum(), rel=1e-9)
    eu = [cs.index(c) for c in world2022.EU27]
    assert w.trade[w.index("EU")].sum() == pytest.approx(x[eu].sum(), rel=1e-9)
    u, j = cs.index("USA"), cs.index("JPN")
    m = w.sector_index("motor_vehicles")
    assert w.trade[w.index("JPN"), w.index("USA"), m] == pytest.approx(x[j, u, 23], rel=1e-9)


def test_cli_list_and_show() -> None:
    """`data list` lists world2022 and the tariffwar names; `data show --elasticities` names the set;
    a bad set is a message with exit code 2, not a traceback."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli.app import app

    runner = CliRunner()
    out = runner.invoke(app, ["data", "list", "--json"])
    assert out.exit_code == 0, out.output
    names = {d["name"]: d for d in json.loads(out.output)["datasets"]}
    assert names["world2022"]["available"] and names["world2022"]["dims"] == "21x17"
    assert "icio2022" in names and "wiod16-2000" in names
    out = runner.invoke(app, ["data", "show", "world2022", "--elasticities", "CP", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["elasticities"]["set"] == "CP" and doc["dims"] == "21x17"
    out = runner.invoke(app, ["data", "show", "world2022", "--elasticities", "XX"])
    assert out.exit_code == 2 and "elasticities" in out.output
