"""CLI of the policy layer (typer's CliRunner): timeline, scenarios, tariffs.

The figures checked are the measures' texts (cars 2.5 + 25 = 27.5 % from Apr 3 2025; 15 % all-in from
Sep 16 2025; Section 122 10 % on top of MFN), not earlier output.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tradetalks.cli.app import app

runner = CliRunner()


def test_timeline() -> None:
    res = runner.invoke(app, ["timeline", "--json"])
    assert res.exit_code == 0, res.output
    ev = json.loads(res.stdout)
    rounds = [e for e in ev if e["kind"] == "round"]
    assert len(rounds) >= 9
    assert all(e["source_address"].startswith("http") for e in ev)
    assert any(e["date"] == "2025-07-22" and e["kind"] == "deal" for e in ev)
    res = runner.invoke(app, ["timeline", "--kind", "court"])
    assert res.exit_code == 0 and "Supreme Court" in res.stdout
    res = runner.invoke(app, ["timeline", "--kind", "party"])
    assert res.exit_code == 2


def test_scenarios_list_and_show() -> None:
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 7 and lines[0].startswith("jp-us-2024-baseline")
    res = runner.invoke(app, ["scenarios", "--show", "jp-us-deal"])
    assert res.exit_code == 0 and "closure" in res.stdout and "Boeing" in res.stdout
    res = runner.invoke(app, ["scenarios", "--show", "jp-us-nope"])
    assert res.exit_code == 2 and "ScenarioNotFoundError" in res.output
    assert runner.invoke(app, ["scenarios", "--schema"]).exit_code == 0


def test_tariffs_json_by_date() -> None:
    res = runner.invoke(app, ["tariffs", "--on", "2025-05-01", "--exporter", "JPN", "--importer", "USA", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["groups"]["cars"]["total_pct"] == 27.5
    assert [m["id"] for m in doc["groups"]["cars"]["measures"]] == ["s232-autos"]
    assert any(s["sector"] == "motor_vehicles" for s in doc["sectors"])
    doc = json.loads(runner.invoke(app, ["tariffs", "--on", "2025-09-16", "--json"]).stdout)
    assert doc["groups"]["cars"]["total_pct"] == 15.0
    assert doc["groups"]["other"]["formula"] == "MFN + max(0, 15 - MFN)"
    doc = json.loads(runner.invoke(app, ["tariffs", "--on", "2026-03-01", "--json"]).stdout)
    assert doc["groups"]["other"]["formula"] == "MFN + 10"


def test_tariffs_tables_scenario_mapping_errors() -> None:
    res = runner.invoke(app, ["tariffs", "--scenario", "jp-us-no-deal"])
    assert res.exit_code == 0, res.output
    assert "jp-us-no-deal" in res.stdout
    doc = json.loads(runner.invoke(app, ["tariffs", "--scenario", "jp-us-no-deal", "--json"]).stdout)
    assert [m["id"] for m in doc["groups"]["other"]["measures"]] == ["ieepa-jp-25-letter"]
    assert doc["groups"]["cars"]["total_pct"] == 27.5
    res = runner.invoke(app, ["tariffs", "--mapping"])
    assert res.exit_code == 0 and "hs87_imports" in res.stdout
    assert runner.invoke(app, ["tariffs", "--measures", "--json"]).exit_code == 0
    res = runner.invoke(app, ["tariffs", "--on", "2025-02-30"])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
