"""Tariff edit rules and the model CLI (solve, optimal-tariff): parsing, bad input, JSON fields."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data import TradeData
from tradetalks.data.edits import TariffEdit, apply_edits, read_edits
from tradetalks.errors import FileFormatError, LabelError, TariffRangeError

from .test_ossa import random_economy

runner = CliRunner()


def test_rules_parse_and_apply() -> None:
    """'set' writes the rate (percent -> fraction), 'add' adds percentage points, '*' never hits the diagonal."""
    data = random_economy(0, n=3, s=2)
    t = apply_edits(data, [TariffEdit.parse("C1:C0:s1=27.5"), TariffEdit.parse("C2:*:*+=10")])
    assert t[0, 1, 1] == pytest.approx(0.275)
    np.testing.assert_allclose(t[[0, 1], 2, :], data.tariff[[0, 1], 2, :] + 0.10)
    assert np.all(t[np.arange(3), np.arange(3)] == 0)


@pytest.mark.parametrize("text", ["USA-JPN=3", "USA:JPN:autos", "USA:JPN:autos=abc", ":JPN:autos=3"])
def test_bad_rule_text(text: str) -> None:
    """Malformed rules get FileFormatError with the expected form."""
    with pytest.raises(FileFormatError, match="IMPORTER:EXPORTER:SECTOR"):
        TariffEdit.parse(text)


def test_bad_labels_and_range() -> None:
    """Unknown labels and out-of-range results are named errors."""
    data = random_economy(0, n=3, s=2)
    with pytest.raises(LabelError, match="XX"):
        apply_edits(data, [TariffEdit.parse("XX:C0:s1=5")])
    with pytest.raises(TariffRangeError, match="C0 -> C1"):
        apply_edits(data, [TariffEdit.parse("C1:C0:s1=-5")])


def test_rules_file(tmp_path: Path) -> None:
    """A CSV of rules is read; missing columns are named."""
    f = tmp_path / "r.csv"
    f.write_text("importer,exporter,sector,tariff_pct,op\nC1,C0,s0,12,set\nC1,C0,s0,3,add\n")
    edits = read_edits(f)
    t = apply_edits(random_economy(0, n=3, s=2), edits)
    assert t[0, 1, 0] == pytest.approx(0.15)
    bad = tmp_path / "bad.csv"
    bad.write_text("importer,exporter\nC1,C0\n")
    with pytest.raises(FileFormatError, match="tariff_pct"):
        read_edits(bad)


def test_cli_solve_json(tmp_path: Path) -> None:
    """`tradetalks solve --json` on a saved dataset reports convergence, solve_seconds and per-country results."""
    data: TradeData = random_economy(1, n=3, s=2)
    path = data.save(tmp_path / "toy.nc")
    res = runner.invoke(app, ["solve", "--dataset", str(path), "-t", "C0:*:*+=20", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["converged"] is True and out["solve_seconds"] > 0
    assert set(out["countries"]) == {"C0", "C1", "C2"}
    assert out["countries"]["C1"]["exports_new"] < out["countries"]["C1"]["exports_base"]


def test_cli_solve_bad_input_no_traceback(tmp_path: Path) -> None:
    """Bad model, label or dataset: exit code 2 and a message, never a traceback."""
    for args in (
        ["solve", "--dataset", "nope"],
        ["solve", "--model", "gravityX"],
        ["solve", "--dataset", str(random_economy(1).save(tmp_path / "t.nc")), "-t", "ZZ:*:*=3"],
        ["solve", "--closure", "open"],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
        assert "error" in res.output


def test_cli_optimal_tariff_json(reference: Callable[..., TradeData]) -> None:
    """`tradetalks optimal-tariff --dataset ossa2014 --country JPN --json`: Table 3a's Japan row (Ossa 2014):
    welfare +4.0 % (±0.1 pp), median optimal tariff 59.6 % (±1 pp); JSON carries converged, iterations and
    solve_seconds."""
    reference("ossa2014")
    res = runner.invoke(app, ["optimal-tariff", "--dataset", "ossa2014", "--country", "JPN", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["converged"] is True and out["iterations"] > 0 and out["solve_seconds"] > 0
    assert abs(out["countries"]["JPN"]["welfare_pct"] - 4.0) <= 0.1
    assert abs(out["median_tariff_pct"] - 59.6) < 1.0
