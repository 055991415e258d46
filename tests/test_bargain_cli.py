"""CLI wiring of ``tradetalks war | frontier | bargain | negotiate`` (typer CliRunner, small saved economy).

These are adapter tests: the JSON printed must be what the library functions return for the same
inputs (the model itself is tested in test_strategic.py / test_bargain.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.model import ossa, strategic

from .test_ossa import random_economy

runner = CliRunner()


@pytest.fixture(scope="module")
def economy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = random_economy(21, n=3, s=2)
    path = tmp_path_factory.mktemp("bargain") / "econ.nc"
    data.save(path)
    return path


def _json(args: list[str]) -> dict[str, object]:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out: dict[str, object] = json.loads(res.stdout)
    return out


def test_war_json_matches_library(economy: Path) -> None:
    """`tradetalks war --json` reports, per region, the median tariff %, welfare % and government
    welfare % of :func:`strategic.trade_war` on the same baseline (to 1e-9)."""
    out = _json(["war", "--dataset", str(economy), "--closure", "balanced", "--json"])
    from tradetalks.data import load

    data = load(economy)
    base = ossa.baseline_from_data(data, "balanced")
    war = strategic.trade_war(base)
    rows = {r["region"]: r for r in out["regions"]}  # type: ignore[attr-defined]
    for j, c in enumerate(data.countries):
        assert rows[c]["median_tariff_pct"] == pytest.approx(100 * war.median_tariff(j), abs=1e-9)
        assert rows[c]["welfare_pct"] == pytest.approx(100 * (war.welfare_hat[j] - 1), abs=1e-9)
        assert rows[c]["gov_welfare_pct"] == pytest.approx(100 * (war.gov_welfare_hat[j] - 1), abs=1e-9)
    assert out["converged"] is True and out["political_weights"] == "one"


def test_bargain_equal_gain_multilateral(economy: Path) -> None:
    """`tradetalks bargain --solution equal-gain --from factual --json`: Ossa's cooperative tariffs;
    government-welfare gains from the start point are equal across regions (1e-5 %)."""
    args = ["bargain", "--dataset", str(economy), "--solution", "equal-gain", "--from", "factual"]
    out = _json([*args, "--closure", "balanced", "--json"])
    start = {r["region"]: r["gov_welfare_pct"] for r in out["start_point"]}  # type: ignore[attr-defined]
    gains = [
        (1 + r["gov_welfare_pct"] / 100) / (1 + start[r["region"]] / 100)  # type: ignore[index]
        for r in out["regions"]  # type: ignore[attr-defined]
    ]
    assert np.ptp(gains) < 1e-7
    assert out["converged"] is True
    assert {"median_tariff_pct", "welfare_pct", "gov_welfare_pct"} <= set(out["regions"][0])  # type: ignore[index]


def test_bilateral_commands(economy: Path, tmp_path: Path) -> None:
    """`frontier`, `bargain --parties` and `negotiate` run end to end, print objectives and no-deal
    points, and write the HTML (Plotly embedded, no CDN) and PNG charts."""
    fr = _json(["frontier", "--dataset", str(economy), "--parties", "C0,C1", "--points", "6", "--json"])
    assert len(fr["points"]) == 6  # type: ignore[arg-type]
    assert fr["objectives"][0]["formula"].startswith("U[C0]")  # type: ignore[index]
    b = _json(["bargain", "--dataset", str(economy), "--parties", "C0,C1", "--solution", "nash",
               "--from", "factual", "--points", "6", "--json"])  # fmt: skip
    assert abs(b["result"]["distance_to_frontier"]) < 1e-3  # type: ignore[index]
    html, png = tmp_path / "n.html", tmp_path / "n.png"
    n = _json(["negotiate", "--dataset", str(economy), "--parties", "C0,C1", "--points", "6", "--rounds", "6",
               "--rounds", "3", "--html", str(html), "--png", str(png), "--json"])  # fmt: skip
    assert n["agreement"] is True
    assert len(n["log"]) == n["round"] + 1  # type: ignore[arg-type, operator]
    text = html.read_text()
    assert 'src="https://cdn' not in text and len(text) > 1_000_000  # plotly.js embedded
    assert png.stat().st_size > 1000
    res = runner.invoke(app, ["bargain", "--dataset", str(economy), "--solution", "nash"])
    assert res.exit_code == 2 and "--parties" in res.output
    res = runner.invoke(app, ["war", "--dataset", str(economy), "--political-weights"])
    assert res.exit_code == 2 and "lambda_pol" in res.output
