"""`tradetalks tariffs` with the US wall and Japan's schedule (CliRunner; figures from the statutory
texts, see tests/test_tariff_wall.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from tradetalks.cli.app import app

runner = CliRunner()


def test_tariffs_json_every_partner(reference_folder: Callable[[str], Path]) -> None:
    reference_folder("us-imports-hs2-2024")
    res = runner.invoke(app, ["tariffs", "--on", "2025-10-01", "--importer", "USA", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    parts = {p["partner"]: p for p in doc["wall"]["partners"]}
    assert {"JPN", "CHN", "CAN", "MEX", "EU", "KOR", "GBR"} <= set(parts)
    assert len(parts) > 100
    for p in parts.values():
        assert p["effective_pct"] <= p["statutory_pct"] + 1e-9
    assert doc["warnings"] == []


def test_tariffs_after_last_fact_warns(reference_folder: Callable[[str], Path]) -> None:
    reference_folder("us-imports-hs2-2024")
    res = runner.invoke(app, ["tariffs", "--on", "2026-11-30", "--importer", "USA", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["warnings"] and "2026-07-24" in doc["warnings"][0]
    # Section 122 has lapsed (statutory 150-day term): "other" goods from Japan pay MFN only
    assert doc["groups"]["other"]["measures"] == []
    res = runner.invoke(app, ["tariffs", "--on", "2026-11-30"])
    assert res.exit_code == 0 and "LaterChangesUnknownWarning" in res.stdout


def test_tariffs_japan_importer_shows_its_schedule() -> None:
    res = runner.invoke(app, ["tariffs", "--importer", "JPN", "--exporter", "USA", "--on", "2025-10-01", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ids = {t["id"]: t for t in doc["japan_schedule"]}
    assert ids["rice"]["specific"] == "341 JPY/kg" and ids["cars"]["rate_pct"] == 0.0
    assert doc["groups"] == {}
