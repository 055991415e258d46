"""The bands span the dataset's published elasticity sets by default (issue 13: "the band spans the named
elasticity sets, where the dataset has them"): every set of world2022, none of world2014 (it has none), and
``sets=()`` / ``--elasticity-sets none`` leave them out. The band over the sets alone spans the members
solved at each set (min/max equal the smallest and largest set value, an identity of the band's definition).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data import load
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import bands_for_evaluation
from tradetalks.sweep.draws import available_sets


def test_default_sets_are_the_datasets() -> None:
    data = load("world2022")
    res = {"no-deal": evaluate(resolve("jp-us-no-deal"), data)}
    u = bands_for_evaluation(res, data, 0)
    assert u.set_names == list(available_sets("world2022")) and len(u.set_names) == 8
    assert bands_for_evaluation(res, data, 0, sets=()).set_names == []
    sets = u.band_frame("sets").loc[("jp-us-no-deal", "balance.USA-JPN.after")]
    vals = u.values.sel(scenario="jp-us-no-deal", side="central", metric="balance.USA-JPN.after")
    at_sets = vals.values[np.asarray(u.values["kind"] == "set")]
    assert sets["min"] == pytest.approx(at_sets.min(), abs=1e-12) and sets["max"] == pytest.approx(at_sets.max())
    old = load("world2014")
    assert available_sets("world2014") == ()
    assert bands_for_evaluation({"x": evaluate(resolve("jp-us-no-deal"), old)}, old, 2).set_names == []


def test_cli_sets_default_and_none() -> None:
    runner = CliRunner()
    base = ["evaluate", "jp-us-no-deal", "--uncertainty", "2", "--json"]
    with_sets = json.loads(runner.invoke(app, base).stdout)
    without = json.loads(runner.invoke(app, [*base, "--elasticity-sets", "none"]).stdout)
    assert len(with_sets["uncertainty"]["sets"]) == 8 and without["uncertainty"]["sets"] == []
