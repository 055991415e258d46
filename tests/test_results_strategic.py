"""Labelled strategic results (issue 9, item 3): identities on a random economy.

* the full tariff vector of a best response equals the optimiser's own-tariff array (labels, not positions);
* Ossa's (2014) wage column is relative to the unweighted mean, so it sums to zero over countries;
* the profit column is total profits' change deflated by the own wage, with profits Π = Σ sales / σ —
  checked against ``ossa.result_from_equilibrium``'s profits (an independent code path), to 1e-12.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tradetalks.data.tradedata import TradeData
from tradetalks.model import ossa, ossa_optimal
from tradetalks.results.strategic import FrontierTable, negotiation_log, tariff_outcome


def economy(seed: int = 3, n: int = 4, s: int = 3) -> TradeData:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 1.0, (n, n, s))
    x[np.arange(n), np.arange(n), :] *= 20.0
    t = rng.uniform(0.0, 0.3, (n, n, s))
    t[np.arange(n), np.arange(n), :] = 0.0
    return TradeData.from_arrays(x, [f"C{i}" for i in range(n)], [f"s{k}" for k in range(s)], t,
                                 sigma=rng.uniform(2.0, 8.0, s))


@pytest.fixture(scope="module")
def best_response() -> tuple[TradeData, ossa.OssaBaseline, object]:
    d = economy()
    base = ossa.baseline_from_data(d, "balanced")
    return d, base, ossa_optimal.optimal_tariff(base, 1)


def test_optimal_tariff_outcome_is_labelled(best_response: tuple[TradeData, ossa.OssaBaseline, object]) -> None:
    d, base, r = best_response
    res = tariff_outcome("optimal-tariff", base, r, d.countries, d.sectors, [1], closure="balanced",
                         iterations=r.iterations, residual=r.projected_gradient)  # type: ignore[attr-defined]
    vec = res.tariffs_of("C1")
    assert set(vec) == {"C0", "C2", "C3"}
    for e in vec:
        for k, s in enumerate(d.sectors):
            assert vec[e][s] == pytest.approx(100.0 * r.own[d.index(e), k], abs=1e-12)  # type: ignore[attr-defined]
    ds = res.to_dataset()
    assert float(ds["tariff_pct"].sel(exporter="C2", importer="C1", sector="s0")) == pytest.approx(
        100.0 * r.tariff[2, 1, 0], abs=1e-12)  # type: ignore[attr-defined]
    tab = res.to_frame("country")
    assert list(tab.index) == d.countries and bool(tab.loc["C1", "player"])
    assert tab["wage_pct"].sum() == pytest.approx(0.0, abs=1e-10)
    assert tab.loc["C1", "median_tariff_pct"] == pytest.approx(100.0 * r.median_tariff(), abs=1e-12)  # type: ignore[attr-defined]
    long = res.to_frame("tariffs")
    assert len(long) == d.n_countries * (d.n_countries - 1) * d.n_sectors
    assert res.as_dict()["tariffs_pct"]["C1"] == vec


def test_profit_column_matches_the_model(best_response: tuple[TradeData, ossa.OssaBaseline, object]) -> None:
    d, base, r = best_response
    res = tariff_outcome("optimal-tariff", base, r, d.countries, d.sectors, [1], closure="balanced",
                         iterations=0, residual=0.0)
    cf = ossa.result_from_equilibrium(d, base, r.equilibrium, "balanced")  # type: ignore[attr-defined]
    ph = cf.ds["profits_new"].values / cf.ds["profits_base"].values
    np.testing.assert_allclose(res.profits_hat, ph, rtol=1e-12)
    w = np.asarray(r.equilibrium.w_hat)[0]  # type: ignore[attr-defined]
    np.testing.assert_allclose(res.to_frame()["profit_pct"].to_numpy(dtype=float), 100 * (ph / w - 1), rtol=1e-12)


def test_frontier_table_and_negotiation_log() -> None:
    fr = FrontierTable(("USA", "JPN"), ("USA:motor_vehicles", "JPN:all"), np.array([[0.1, -0.2], [0.0, 0.1]]),
                       np.array([[0.15, 0.02], [0.05, 0.0]]), np.array([True, True]))
    df = fr.to_frame()
    assert list(df.columns) == ["u_USA", "u_JPN", "USA:motor_vehicles", "JPN:all", "converged"]
    assert df.loc[0, "USA:motor_vehicles"] == pytest.approx(15.0)
    assert float(fr.to_dataset()["x"].sel(point=1, instrument="USA:motor_vehicles")) == pytest.approx(0.05)
    log = pd.DataFrame({"round": [1, 2], "proposer": ["USA", "JPN"], "u_USA": [0.1, 0.05], "accepted": [False, True]})
    nl = negotiation_log(SimpleNamespace(parties=("USA", "JPN"), strategies=("boulware", "conceder"), log=log,
                                         agreement=True, round=2, reason="accepted"))
    ds = nl.to_dataset()
    assert "round" in ds.dims and "u_USA" in ds and "proposer" not in ds
    assert nl.to_frame().loc[2, "proposer"] == "JPN"


def test_optimal_tariff_json_carries_the_full_vector(tmp_path: Path) -> None:
    """``optimal-tariff --json`` carries the country's full tariff vector (partner × sector, %) and Ossa's
    wage and profit columns; the vector's median equals the reported median (same numbers, by label)."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli.app import app

    path = economy().save(tmp_path / "e.nc")
    res = CliRunner().invoke(app, ["optimal-tariff", "--dataset", str(path), "--country", "C1", "--starts", "1",
                                   "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    vec = out["tariffs_pct"]
    assert set(vec) == {"C0", "C2", "C3"} and all(set(v) == {"s0", "s1", "s2"} for v in vec.values())
    pooled = [x for v in vec.values() for x in v.values()]
    assert float(np.median(pooled)) == pytest.approx(out["median_tariff_pct"], abs=1e-9)
    assert {"wage_pct", "profit_pct"} <= set(out["countries"]["C0"])


def test_war_json_carries_the_full_vectors(tmp_path: Path) -> None:
    """``war --json`` carries every player's full tariff vector (partner × sector, %), equal to the
    medians it reports per region (pooled, unweighted), and Ossa's wage/profit columns."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli.app import app

    path = economy().save(tmp_path / "e.nc")
    res = CliRunner().invoke(app, ["war", "--dataset", str(path), "--players", "C0,C1", "--starts", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out["tariffs_pct"]) == {"C0", "C1"}
    for p, vec in out["tariffs_pct"].items():
        assert set(vec) == {"C0", "C1", "C2", "C3"} - {p}
        pooled = [x for v in vec.values() for x in v.values()]
        row = next(r for r in out["regions"] if r.get("region", r.get("country")) == p)
        med = next(v for k, v in row.items() if "median" in k)
        assert float(np.median(pooled)) == pytest.approx(med, abs=1e-9)
    assert out["ossa_columns"]["C2"]["player"] is False
