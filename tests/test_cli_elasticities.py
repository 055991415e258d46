"""``--elasticities`` on the strategic and bargaining commands (one option, ``cli.common.ElasticitiesOpt``,
read by ``load_with_elasticities`` as in ``evaluate`` and ``optimal-tariff``): the results name the set and
equal the library on the dataset loaded with that set (entry points held together; 1e-9)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.model import ossa, strategic

runner = CliRunner()


def _json(args: list[str]) -> dict[str, object]:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out: dict[str, object] = json.loads(res.stdout)
    return out


def test_war_with_a_named_set() -> None:
    """One round of best responses (kept short: a full war on world2022 takes 10-25 s; the result is then not
    converged, so the command runs with ``--allow-nonconverged``)."""
    args = ["--allow-nonconverged", "war", "--dataset", "world2022", "--players", "USA,JPN", "--max-rounds", "1"]
    out = _json([*args, "--elasticities", "CP", "--json"])
    assert out["elasticities"] == "set CP"
    data = load_with_elasticities("world2022", "CP")
    war = strategic.trade_war(ossa.baseline_from_data(data, "data"), players=[data.index("USA"), data.index("JPN")],
                              max_rounds=1)
    rows = {r["region"]: r for r in out["regions"]}  # type: ignore[attr-defined]
    for c in ("USA", "JPN", "CHN"):
        assert rows[c]["welfare_pct"] == pytest.approx(100 * (war.welfare_hat[data.index(c)] - 1), abs=1e-9)


def test_frontier_names_the_set() -> None:
    out = _json(["frontier", "--dataset", "world2022", "--parties", "USA,JPN", "--points", "4", "--elasticities", "LL",
                 "--json"])
    assert out["elasticities"] == "set LL" and "political_weights_source" in out
