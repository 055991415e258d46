"""Issue 11 item 7: one decision of the political-economy weights λ, used by every entry point.

``tradetalks.model.political_source.political_weights_for`` decides the λ of a dataset: Ossa's (2014) published
``lambda_pol`` when the dataset's σ is the one they were calibrated for (``sigma_s.csv`` column 1, the
Feenstra-method estimates), re-calibrated from his non-cooperative tariffs (``tariff_noncoop.csv``) for any
other σ. These tests check that ``optimal-tariff``, ``war`` (two players, bilateral), the bargaining problem
builder (``_two_party`` / ``build_space``) and a TOML objective with ``political_weights = "calibrated"`` all
use the same array (to 1e-12, an identity: they must call the same function), equal to the re-calibration of
:func:`tradetalks.model.political_source.weights_for` and different from the published weights when σ is the
σ-5 column (``sigma_s.csv`` column 3, ``ossa2014-sigma5`` / ``--sigma 5``), and equal to the published
weights with the Feenstra σ, also when that σ is given again through ``--elasticities``.
The re-calibration is cached per process (about 5 s for the seven regions once).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradetalks.bargain.objectives import load_objectives, resolve
from tradetalks.bargain.problem import political_weights_array, political_weights_source
from tradetalks.cli._bargain_common import _two_party
from tradetalks.cli.app import app
from tradetalks.data import TradeData, load
from tradetalks.errors import PoliticalWeightsError, SpecError
from tradetalks.model import ossa, ossa_optimal, political_source

Ref = Callable[..., TradeData]
TOL = 1e-12


class _Stop(BaseException):
    """Raised by the spies to stop a command once it has handed over its λ (not an Exception, so the CLI's
    error boundary lets it through)."""


def _captured_optimal_tariff(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> np.ndarray:
    """The λ ``optimal-tariff ARGS`` hands to the optimiser (stopped right there)."""
    seen: dict[str, Any] = {}

    def spy(base: Any, j: int, **kw: Any) -> Any:
        seen["lam"] = np.asarray(kw["political_weights"], dtype=float)
        raise _Stop

    monkeypatch.setattr(ossa_optimal, "optimal_tariff", spy)
    with pytest.raises(_Stop):
        CliRunner().invoke(app, ["optimal-tariff", "--country", "USA", "--political-weights", *args])
    return np.asarray(seen["lam"])


def _captured_war(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> np.ndarray:
    """The λ ``war ARGS`` hands to the trade-war solver (stopped right there)."""
    import tradetalks.cli.war_cmd as war_cmd

    seen: dict[str, Any] = {}

    def spy(base: Any, ps: Any, **kw: Any) -> Any:
        seen["lam"] = np.asarray(kw["political_weights"], dtype=float)
        seen["players"] = list(ps)
        raise _Stop

    monkeypatch.setattr(war_cmd, "trade_war", spy)
    with pytest.raises(_Stop):
        CliRunner().invoke(app, ["war", "--players", "USA,JPN", "--political-weights", *args])
    assert len(seen["players"]) == 2
    return np.asarray(seen["lam"])


def _toml_rows(data: TradeData, tmp_path: Path) -> np.ndarray:
    """λ rows of USA and JPN from a TOML objectives file with ``political_weights = "calibrated"``."""
    f = tmp_path / "objectives.toml"
    f.write_text('[objective.USA]\npolitical_weights = "calibrated"\n\n'
                 '[objective.JPN]\npolitical_weights = "calibrated"\n')
    specs = load_objectives(f)
    rows = [resolve(specs[c], data) for c in ("USA", "JPN")]
    return np.array([o.lam[o.country] for o in rows])


@pytest.mark.reference
def test_every_entry_point_uses_the_recalibrated_weights_for_sigma5(
    reference: Ref, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """σ-5 column: optimal-tariff, war (2 players, bilateral), the bargain problem builder and a TOML
    objective use one λ (identical to 1e-12), the re-calibrated one, not Ossa's published one."""
    data = reference("ossa2014-sigma5")
    published = reference("ossa2014").param("lambda_pol")
    _, pw = political_source.weights_for(data, ossa.baseline_from_data(data, "balanced"), recalibrate=True,
                                  second_order=False)
    recal = pw.weights if pw is not None else None
    assert recal is not None and pw is not None and pw.converged
    assert np.max(np.abs(recal - published)) > 1e-3  # a different σ gives different weights

    lam_opt = _captured_optimal_tariff(monkeypatch, ["--sigma", "5"])
    lam_war = _captured_war(monkeypatch, ["--sigma", "5"])
    space, extra = _two_party("ossa2014-sigma5", "balanced", "USA,JPN", None, None, 100.0, True, None)
    lam_builder = extra[0]
    obj_rows = np.array([o.lam[o.country] for o in space.objectives])
    toml_rows = _toml_rows(data, tmp_path)
    usa_jpn = [data.index("USA"), data.index("JPN")]

    for lam in (lam_opt, lam_war, lam_builder):
        np.testing.assert_allclose(lam, recal, rtol=0.0, atol=TOL)
    np.testing.assert_allclose(obj_rows, recal[usa_jpn], rtol=0.0, atol=TOL)
    np.testing.assert_allclose(toml_rows, recal[usa_jpn], rtol=0.0, atol=TOL)
    src = political_weights_source(data, True)
    assert src["source"] == "re-calibrated" and "sigma_s.csv column 3" in str(src["note"])


@pytest.mark.reference
def test_elasticities_file_with_sigma5_recalibrates(
    reference: Ref, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ossa2014 with ``--elasticities`` = the σ-5 column (a CSV of ``sigma_s.csv`` column 3, read back via
    ε = σ − 1): optimal-tariff, the problem builder and a TOML objective re-calibrate (same array, 1e-12),
    equal to the ``ossa2014-sigma5`` re-calibration up to the file's float round trip (1e-8)."""
    from tradetalks.data.elasticities import with_elasticities

    s5 = reference("ossa2014-sigma5")
    main = reference("ossa2014")
    f = tmp_path / "sigma5.csv"
    pd.DataFrame({"sector": s5.sectors, "sigma": s5.param("sigma")}).to_csv(f, index=False)
    data = with_elasticities(main, str(f))
    res = political_source.political_weights_for(data)
    assert res.source == "re-calibrated"
    lam_opt = _captured_optimal_tariff(monkeypatch, ["--elasticities", str(f)])
    np.testing.assert_allclose(lam_opt, res.weights, rtol=0.0, atol=TOL)
    lam_pb = political_weights_array(data, "calibrated")
    assert lam_pb is not None
    np.testing.assert_allclose(lam_pb, res.weights, rtol=0.0, atol=TOL)
    usa_jpn = [data.index("USA"), data.index("JPN")]
    np.testing.assert_allclose(_toml_rows(data, tmp_path), res.weights[usa_jpn], rtol=0.0, atol=TOL)
    np.testing.assert_allclose(res.weights, political_source.political_weights_for(s5).weights, rtol=0.0, atol=1e-8)
    assert np.max(np.abs(res.weights - main.param("lambda_pol"))) > 1e-3


@pytest.mark.reference
def test_feenstra_sigma_keeps_the_published_weights(
    reference: Ref, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Feenstra σ (``ossa2014``, ``--sigma feenstra``, or the same σ through ``--elasticities``): every entry
    point uses Ossa's published ``lambda_pol`` exactly."""
    from tradetalks.data.elasticities import with_elasticities

    main = reference("ossa2014")
    published = main.param("lambda_pol")
    f = tmp_path / "feenstra.csv"
    pd.DataFrame({"sector": main.sectors, "sigma": main.param("sigma")}).to_csv(f, index=False)
    again = with_elasticities(main, str(f))
    for data in (main, again):
        res = political_source.political_weights_for(data)
        assert res.source == "published" and res.calibration is None
        np.testing.assert_array_equal(res.weights, published)
        np.testing.assert_array_equal(_toml_rows(data, tmp_path), published[[data.index("USA"),
                                                                              data.index("JPN")]])
    np.testing.assert_array_equal(_captured_optimal_tariff(monkeypatch, ["--sigma", "feenstra"]), published)
    np.testing.assert_array_equal(_captured_optimal_tariff(monkeypatch, ["--elasticities", str(f)]), published)
    np.testing.assert_array_equal(_captured_war(monkeypatch, []), published)
    _, extra = _two_party("ossa2014", "balanced", "USA,JPN", None, None, 100.0, True, None)
    np.testing.assert_array_equal(extra[0], published)


def test_no_weights_and_no_measures_is_a_named_error(tmp_path: Path) -> None:
    """A dataset with neither λ nor measures: PoliticalWeightsError from the decision, SpecError naming the
    field from a TOML objective, exit 2 with a message from war --political-weights."""
    data = load("world2014")
    with pytest.raises(PoliticalWeightsError, match="tariff_noncoop"):
        political_source.political_weights_for(data)
    f = tmp_path / "o.toml"
    f.write_text('[objective.USA]\npolitical_weights = "calibrated"\n')
    with pytest.raises(SpecError, match="political_weights"):
        resolve(load_objectives(f)["USA"], data)
    res = CliRunner().invoke(app, ["war", "--dataset", "world2014", "--players", "USA,JPN",
                                   "--political-weights"])
    assert res.exit_code == 2 and "tariff_noncoop" in res.output
