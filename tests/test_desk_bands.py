"""Bands on the desk (issue 13): ``POST /api/package/evaluate`` with ``uncertainty`` > 0 carries the 5-95 %
bands of its headline figures.

References: the bands must equal the library's bands of the same package
(:func:`tradetalks.sweep.uncertainty.bands_for_evaluation`, the path behind ``evaluate --uncertainty``):
the same draws (same seed) and the same percentiles, to 1e-12 relative (JSON round trip).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tradetalks.sweep import bands_for_evaluation
from tradetalks.sweep.draws import available_sets
from tradetalks.web import schemas as S
from tradetalks.web.app import create_app
from tradetalks.web.desk import BAND_SOURCE, desk_package
from tradetalks.web.services import dataset, evaluate_spec

LOCAL = ("127.0.0.1", 50000)
BASE = "http://localhost"
DRAWS = 12


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("web")) / "record.sqlite3"
    with TestClient(create_app(api_token="t", database_url=f"sqlite:///{db}"), client=LOCAL, base_url=BASE) as c:
        yield c


def test_desk_bands_equal_library_bands(client: TestClient) -> None:
    body = {"base": "jp-us-deal", "uncertainty": DRAWS, "uncertainty_seed": 4}
    r = client.post("/api/package/evaluate", json=body)
    assert r.status_code == 200, r.text
    im = r.json()
    info = im["uncertainty"]
    assert info["n_draws"] == DRAWS and info["seed"] == 4 and info["percentiles"] == [5.0, 95.0]
    ge_cases = [k for k in info["side_cases"] if not k.startswith("purchase-")]  # purchase costs: no solves
    # the central member, the draws and every published set the dataset carries (the bands' default)
    assert info["sets"] == list(available_sets("world2022")) and len(info["sets"]) == 8
    assert info["n_solves"] == (DRAWS + 1 + len(info["sets"])) * len(ge_cases)
    assert 0.0 <= info["share_converged"] <= 1.0
    spec = S.PackageSpec(**body)
    ref = bands_for_evaluation({"desk": evaluate_spec(desk_package(spec))}, dataset(spec.dataset), DRAWS,
                               seed=4).band_frame(BAND_SOURCE).droplevel("scenario")
    for side, c in (("us", "USA"), ("jp", "JPN")):
        for field, key in (("welfare_pct", "welfare_pct"), ("welfare_ev_usd_bn", "welfare_ev"),
                           ("real_wage_pct", "real_wage_pct"), ("auto_output_pct", "auto_output_pct")):
            band = im[side][f"{field}_band"]
            assert band == pytest.approx([ref.loc[f"{c}.{key}", "p5"], ref.loc[f"{c}.{key}", "p95"]], rel=1e-12)
    assert im["balance_after_usd_bn_band"] == pytest.approx(
        [ref.loc["balance.USA-JPN.after", "p5"], ref.loc["balance.USA-JPN.after", "p95"]], rel=1e-12)
    row = im["sectors"][0]
    assert row["usa_output_pct_band"] == pytest.approx(
        [ref.loc[f"USA.output_pct.{row['sector']}", "p5"], ref.loc[f"USA.output_pct.{row['sector']}", "p95"]],
        rel=1e-12)


def test_no_bands_unless_asked_and_bounds(client: TestClient) -> None:
    im = client.post("/api/package/evaluate", json={"base": "jp-us-deal"}).json()
    assert im["uncertainty"] is None and im["us"]["welfare_pct_band"] is None
    assert client.post("/api/package/evaluate", json={"base": "jp-us-deal", "uncertainty": 201}).status_code == 422
    assert client.post("/api/package/evaluate", json={"base": "jp-us-deal", "uncertainty": -1}).status_code == 422
