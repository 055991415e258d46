"""CLI: ``tradetalks data list|show|validate|aggregate|summary`` (typer CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data import TradeData, load
from tradetalks.data.registry import DEFAULT_DATASET, available, reference_required

runner = CliRunner()


def _flat(text: str) -> str:
    """Output with rich's line wrapping undone (whitespace runs become one space)."""
    return " ".join(text.split())


def _need(name: str) -> None:
    if not available(name):
        if reference_required():
            pytest.fail(f"reference dataset '{name}' missing")
        pytest.skip(f"reference dataset '{name}' missing")


def test_data_summary_without_reference_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`tradetalks data summary` runs on the bundled default with an empty reference folder; the JSON
    figures equal the default dataset's own arrays (US$ bn and % conversions)."""
    monkeypatch.setenv("TRADETALKS_DATA_DIR", str(tmp_path))
    res = runner.invoke(app, ["data", "summary"])
    assert res.exit_code == 0, res.output
    assert "JPN" in _flat(res.output) and "motor_vehicles" in _flat(res.output)
    res = runner.invoke(app, ["data", "summary", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    td = load(DEFAULT_DATASET)
    j, u = td.index("JPN"), td.index("USA")
    mv = td.sector_index("motor_vehicles")
    row = d["by_sector"][mv]
    assert row["JPN_to_USA_bn"] == pytest.approx(td.trade[j, u, mv] / 1000)
    assert row["tariff_USA_on_JPN_pct"] == pytest.approx(100 * td.tariff[j, u, mv])
    assert d["total"]["JPN_to_USA_bn"] == pytest.approx(td.trade[j, u].sum() / 1000)


def test_data_list_json() -> None:
    res = runner.invoke(app, ["data", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.output)["datasets"]}
    assert rows["world2014"]["available"] is True and rows["world2014"]["dims"] == "12x16"
    assert "cp1993" in rows
    table = runner.invoke(app, ["data", "list"])
    assert table.exit_code == 0 and "world2014" in _flat(table.output)


def test_data_show_world2014() -> None:
    res = runner.invoke(app, ["data", "show", "world2014", "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    td = load("world2014")
    assert s["countries"] == td.countries
    assert s["total_flows"] == pytest.approx(float(td.trade.sum()))
    assert s["caveats"]
    res = runner.invoke(app, ["data", "show", "world2014"])
    assert res.exit_code == 0 and "caveats" in _flat(res.output) and "US$ millions" in _flat(res.output)


def test_data_show_panel_year() -> None:
    _need("yotov-rta-panel")
    res = runner.invoke(app, ["data", "show", "yotov-rta-panel", "--year", "1990", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["year"] == 1990
    bad = runner.invoke(app, ["data", "show", "yotov-rta-panel", "--year", "1991"])
    assert bad.exit_code == 2 and "OptionError" in _flat(bad.output) and "Traceback" not in _flat(bad.output)


def test_data_show_unknown_name() -> None:
    res = runner.invoke(app, ["data", "show", "nope"])
    assert res.exit_code == 2
    assert "unknown dataset 'nope'" in _flat(res.output) and "Traceback" not in _flat(res.output)


def test_data_validate(tmp_path: Path) -> None:
    good = load("world2014").save(tmp_path / "w.nc")
    res = runner.invoke(app, ["data", "validate", str(good)])
    assert res.exit_code == 0 and "OK" in _flat(res.output)
    ds = load("world2014").to_dataset()
    ds["tariff"].values[0, 1, 0] = -0.5
    bad = tmp_path / "bad.nc"
    ds.to_netcdf(bad)
    res = runner.invoke(app, ["data", "validate", str(bad)])
    assert res.exit_code == 2
    assert "TariffRangeError" in _flat(res.output) and "(USA, JPN, agriculture)=-0.5" in _flat(res.output)
    assert "Traceback" not in _flat(res.output)


def test_data_validate_bad_path(tmp_path: Path) -> None:
    """A missing file and a non-netCDF file both give exit code 2 and a message, no traceback."""
    res = runner.invoke(app, ["data", "validate", str(tmp_path / "missing.nc")])
    assert res.exit_code == 2 and "no file" in _flat(res.output) and "Traceback" not in _flat(res.output)
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    res = runner.invoke(app, ["data", "validate", str(junk)])
    assert res.exit_code == 2 and "FileFormatError" in _flat(res.output) and "Traceback" not in _flat(res.output)


def test_data_aggregate(tmp_path: Path) -> None:
    """Aggregating world2014's Asian economies and goods sectors conserves total flows."""
    cmap = tmp_path / "c.toml"
    cmap.write_text('ASIA = ["JPN", "CHN", "KOR", "TWN"]\nMEX = "NAM"\nCAN = "NAM"\n')
    smap = tmp_path / "s.toml"
    smap.write_text('goods = ["agriculture", "mining", "food"]\n')
    out = tmp_path / "agg.nc"
    res = runner.invoke(
        app, ["data", "aggregate", "world2014", "--countries", str(cmap), "--sectors", str(smap),
              "--out", str(out), "--json"],
    )
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    td = TradeData.load(out)
    assert "ASIA" in td.countries and "NAM" in td.countries and td.n_countries == 8
    assert td.n_sectors == 14
    assert info["total_after"] == pytest.approx(info["total_before"], rel=1e-12)
    assert np.isclose(td.trade.sum(), load("world2014").trade.sum())
    bad = tmp_path / "bad.toml"
    bad.write_text('X = ["ZZZ"]\n')
    res = runner.invoke(app, ["data", "aggregate", "world2014", "--countries", str(bad), "--out", str(out)])
    assert res.exit_code == 2 and "ZZZ" in _flat(res.output)


def test_help_explains_units_and_orientation() -> None:
    res = runner.invoke(app, ["data", "--help"])
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "exporter" in text and "importer" in text and "US$ millions" in text
