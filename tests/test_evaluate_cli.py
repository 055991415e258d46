"""`tradetalks evaluate` and `tradetalks demo`: the headline table, JSON/CSV/chart outputs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data import load
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.report import comparison_frame, headline
from tradetalks.policy.scenarios import resolve

runner = CliRunner()


def test_demo_runs_without_reference_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The main job needs only the bundled data: deal, no deal and the pre-2025 baseline side by side."""
    monkeypatch.setenv("TRADETALKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "140")
    res = runner.invoke(app, ["demo"])
    assert res.exit_code == 0, res.output
    for text in ("no deal", "deal - no deal", "USA balance with JPN", "JPN auto output", "converged=True",
                 "world2022", "% of GDP", "Bands (5-95 %)", "200 Monte Carlo draws", "sets IS, U4"):
        assert text in res.output


def test_evaluate_prints_decompositions_and_horizons() -> None:
    """`evaluate jp-us-deal --vs jp-us-no-deal` prints the steps, the channels, welfare in % of GDP and
    US$bn, the pledge band and its break-even value, and both horizons with their elasticities/closure."""
    res = runner.invoke(app, ["evaluate", "jp-us-deal", "--vs", "jp-us-no-deal"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for text in ("Step decomposition", "+ partner's tariff changes", "+ purchases", "+ pledge",
                 "Welfare by channel", "terms_of_trade", "% of GDP", "US$bn a year", "central",
                 "break-even annual transfer", "long run", "short run", "BLP 2023", "closure data"):
        assert text in res.output, text


def test_headline_balance_is_the_results_bilateral_balance() -> None:
    """Identity: the headline's bilateral balance equals exports minus imports of the solved flows, and the
    baseline scenario reproduces the data (no change, to 1e-9)."""
    data = load("world2014")
    pr = evaluate(resolve("jp-us-2024-baseline"), data)
    h = headline(pr)
    u, j = data.index("USA"), data.index("JPN")
    x = data.trade
    assert h["balance.USA-JPN.before"] == pytest.approx((x[u, j].sum() - x[j, u].sum()) / 1e3, rel=1e-12)
    assert h["balance.USA-JPN.after"] == pytest.approx(h["balance.USA-JPN.before"], rel=1e-9)
    assert abs(h["USA.welfare_pct"]) < 1e-9 and abs(h["JPN.welfare_pct"]) < 1e-9
    df = comparison_frame({"base": pr})
    assert set(df.columns) == {"unit", "before", "base"}


def test_evaluate_outputs(tmp_path: Path) -> None:
    """--json, --csv and --chart (HTML with plotly.js embedded, no CDN; PNG) for a comparison."""
    csv, html, png = tmp_path / "t.csv", tmp_path / "c.html", tmp_path / "c.png"
    res = runner.invoke(app, ["evaluate", "jp-us-deal", "--vs", "jp-us-no-deal", "--json", "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out["scenarios"]) == {"jp-us-deal", "jp-us-no-deal"}
    deal = out["scenarios"]["jp-us-deal"]
    assert deal["converged"] is True and deal["assumptions"]
    assert all(abs(c["rel_error"]) < 1e-6 for c in deal["commitments"])
    table = pd.read_csv(csv, index_col=0)
    assert {"unit", "jp-us-deal", "jp-us-no-deal"} <= set(table.columns)
    # the outcome report carries the decompositions; JSON and CSV render them
    o = deal["outcome"]
    assert [r["step"] for r in o["steps"] if r["country"] == "JPN"][-1] == "+ pledge"
    for c in ("USA", "JPN"):
        row = o["channels"]["by_country"][c]
        assert sum(v for k, v in row.items() if k != "total") == pytest.approx(row["total"], abs=1e-8)
    assert {h["horizon"] for h in o["horizons"]} == {"long run", "short run"}
    assert [v["case"] for v in o["pledge"]["cases"]] == ["low", "central", "high"]
    assert out["breakeven_usd_bn_per_year"] is not None
    assert any(str(m).startswith("step + pledge") for m in table.index)
    assert any(str(m).startswith("channel terms_of_trade") for m in table.index)
    res = runner.invoke(app, ["evaluate", "jp-us-2025-04", "--chart", str(html)])
    assert res.exit_code == 0, res.output
    text = html.read_text()
    assert 'src="https://cdn' not in text and "output change, %" in text
    res = runner.invoke(app, ["evaluate", "jp-us-2025-04", "--chart", str(png)])
    assert res.exit_code == 0 and png.stat().st_size > 5_000


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "no-such-scenario"],
        ["evaluate", "jp-us-deal", "--chart", "x.svg"],
        ["evaluate", "jp-us-deal", "--vs", "nope"],
    ],
)
def test_evaluate_bad_input(args: list[str]) -> None:
    """Unknown scenarios and chart formats: exit code 2 with a message, no traceback."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "error" in res.output
