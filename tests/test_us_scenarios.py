"""Tests of the US scenario constructors (tradetalks.policy.us_scenarios).

Sources: the 2025 schedule in ``liberation_day_2025/tariffs.csv`` (SOURCE.md: China 0.54, Japan 0.24,
EU members 0.20, Canada 0.10; the 10 % floor of MODEL.md §1.4), the replace-not-add convention of the
peer packages (tariffwar_cubes/SOURCE.md), and model identities (a scenario equal to the factual tariffs
changes nothing).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.data.registry import load, reference_dir, reference_required
from tradetalks.errors import OptionError
from tradetalks.policy import us_scenarios as us


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return load("world2014")


def _need_liberation() -> None:
    if not (reference_dir() / "liberation_day_2025").is_dir():
        if reference_required():
            pytest.fail("liberation_day_2025 reference folder absent")
        pytest.skip("liberation_day_2025 reference folder absent")


def test_parse() -> None:
    """Scenario strings parse; bad ones raise OptionError."""
    assert us.parse_scenario("uniform:0.1").rate == pytest.approx(0.1)
    sc = us.parse_scenario("targeted:JPN:0.25", "reciprocal", "add")
    assert (sc.partner, sc.retaliation, sc.combine) == ("JPN", "reciprocal", "add")
    for bad in ("uniform", "targeted:JPN", "nash", "uniform:x"):
        with pytest.raises(OptionError):
            us.parse_scenario(bad)
    with pytest.raises(OptionError):
        us.USScenario("schedule2025", "tit-for-tat")


def test_schedule_2025_rates(world) -> None:  # type: ignore[no-untyped-def]
    """SOURCE.md facts: CHN 54 %, JPN 24 %, EU 20 %, CAN 10 % (floor), TWN 32 % (EO 14257 Annex I)."""
    _need_liberation()
    r = us.schedule_2025(world.countries)
    assert r["CHN"] == pytest.approx(0.54) and r["JPN"] == pytest.approx(0.24)
    assert r["EU"] == pytest.approx(0.20) and r["CAN"] == pytest.approx(0.10)
    assert r["TWN"] == pytest.approx(0.32)
    assert "USA" not in r
    assert 0.10 <= r["ROW"] <= 0.54


def test_replace_and_add(world) -> None:  # type: ignore[no-untyped-def]
    """A scenario rate replaces the factual US tariff on the partner in every sector (or adds to it);
    other importers' tariffs are untouched; reciprocal retaliation mirrors the rate on US goods."""
    u, j = world.index("USA"), world.index("JPN")
    t = us.us_tariffs(world, {"JPN": 0.15})
    assert np.allclose(t[j, u, :], 0.15)
    mask = np.ones_like(t, dtype=bool)
    mask[j, u, :] = False
    assert np.array_equal(t[mask], world.tariff[mask])
    ta = us.us_tariffs(world, {"JPN": 0.15}, combine="add")
    assert np.allclose(ta[j, u, :], world.tariff[j, u, :] + 0.15)
    tr = us.reciprocal(world, t, {"JPN": 0.15})
    assert np.allclose(tr[u, j, :], 0.15)


def test_factual_rates_change_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """Identity: adding a zero uniform rate with no retaliation reproduces the baseline (welfare 0, 1e-10)."""
    out = us.run_lashkaripour(world, us.USScenario("uniform", rate=0.0, combine="add"))
    assert out.converged
    assert np.abs(out.frame["welfare_pct"].to_numpy()).max() < 1e-10


def test_table_rows_and_files(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One row per country × scenario × set × dataset, with convergence; CSV and Parquet round-trip."""
    scs = us.all_scenarios([us.USScenario("uniform", rate=0.1), us.USScenario("optimal")])
    df = us.run_scenarios([("world2014", None, world)], scs, "lashkaripour")
    assert len(df) == world.n_countries * len(scs)
    assert df["converged"].all()
    assert set(df["retaliation"]) == {"none", "reciprocal", "optimal"}
    for suffix in (".csv", ".parquet"):
        p = us.write_table(df, tmp_path / f"t{suffix}")
        assert p.exists()
    with pytest.raises(OptionError):
        us.write_table(df, tmp_path / "t.xlsx")
    one = us.run_scenarios([("world2014", None, world)], scs[:2], "onesector")
    assert len(one) == world.n_countries * 2 and one["converged"].all()


def test_cli_global_commands() -> None:
    """`tradetalks global war|optimal|us` run, print tables or JSON, and bad input exits 2 with a message."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli import global_cmd

    runner = CliRunner()
    r = runner.invoke(global_cmd.app, ["war", "world2014", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["converged"] and "USA" in doc["countries"]
    r = runner.invoke(global_cmd.app, ["optimal", "JPN", "--dataset", "world2014"])
    assert r.exit_code == 0 and "Optimal uniform tariff of JPN" in r.output
    r = runner.invoke(global_cmd.app, ["us", "-d", "world2014", "-s", "uniform:0.1", "-r", "none"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(global_cmd.app, ["us", "-d", "world2014", "-s", "bogus"])
    assert r.exit_code == 2 and "scenario" in r.output
