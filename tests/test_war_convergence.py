"""A trade war whose final check is inconclusive says so (a user found `war ... --starts uniform` ending with
``converged=false`` and exit 0, without a reason).

Checked: when a player's best response of the final check does not converge (simulated: the solver's own
flag forced off for that player), the war is not converged, names the player and the reason; ``tradetalks
war`` prints the reason and exits 3 (exit 0 with ``--allow-nonconverged``), its JSON carrying the reason.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.model import ossa, strategic

from .test_ossa import random_economy

runner = CliRunner()


@pytest.fixture(scope="module")
def economy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("war") / "econ.nc"
    random_economy(21, n=3, s=2).save(path)
    return path


def _fail_checks_of(player: int, monkeypatch: pytest.MonkeyPatch) -> None:
    real = strategic.optimal_tariff

    def fake(base: Any, j: int, **kw: Any) -> Any:
        r = real(base, j, **kw)
        checking = len(kw.get("starts", ())) > 1
        return dataclasses.replace(r, converged=False) if checking and j == player else r

    monkeypatch.setattr(strategic, "optimal_tariff", fake)


def test_unconverged_check_names_the_player(monkeypatch: pytest.MonkeyPatch) -> None:
    base = ossa.baseline_from_data(random_economy(21, n=3, s=2), "balanced")
    assert strategic.trade_war(base).converged
    _fail_checks_of(1, monkeypatch)
    war = strategic.trade_war(base)
    assert not war.converged
    assert war.unconverged_players == (1,)
    assert "best response of the final check did not converge" in war.why


def test_war_cli_exits_3_with_the_reason(economy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_checks_of(1, monkeypatch)
    args = ["war", "--dataset", str(economy), "--closure", "balanced", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 3, res.output
    out = json.loads(res.stdout)
    assert out["converged"] is False and "players: C1" in out["why_not_converged"]  # player 1 of countries C0, C1, C2
    assert runner.invoke(app, ["--allow-nonconverged", *args]).exit_code == 0


def test_web_war_carries_the_reason(economy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The web's war (the job behind POST /api/war) gives the same reason as the CLI."""
    from tradetalks.data import load
    from tradetalks.web import services

    monkeypatch.setattr(services, "dataset", lambda name: load(economy))
    _fail_checks_of(1, monkeypatch)
    out = services._war_result("econ", "balanced", ("C0", "C1"), False)
    assert not out.converged and out.why_not_converged.endswith("players: C1")


def test_war_progress_estimate() -> None:
    """The estimate rises with the log-distance from the first round's change to the tolerance, never reaches 1
    before the war returns, and reads 0.95 in the final check."""
    p = strategic.WarProgress(tol=1e-4)
    seq = [p(1, 50, 1e-1), p(2, 50, 1e-2), p(3, 50, 1e-3), p(4, 50, 1e-5), p(5, 50, 1e-12)]
    assert seq[0] == pytest.approx(1 / 50) and seq[1] == pytest.approx(1 / 3) and seq[2] == pytest.approx(2 / 3)
    assert seq[3:] == [0.95, 0.95] and all(a <= b for a, b in itertools.pairwise(seq))
