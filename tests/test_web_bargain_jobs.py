"""Bargaining jobs on the web (issue 11): the counter-offer advisor and cooperative tariffs as background
jobs, and the trade-war job's progress and cancellation through the war's round hook.

The web layer is an adapter, so its numbers are held to the other surfaces: the advised packages equal
``tradetalks counter-offer --json``'s for the same input to 1e-9 (same library call); a stored offer's
instrument vector equals :func:`tradetalks.bargain.transfers.package_x` of the offer's package to 1e-12;
the cooperative tariffs give every player the same % gain from the start (the defining identity of Ossa's
equal-gain solution, to the solver's 1e-7 log-point tolerance, i.e. ~1e-5 %). Small and fast: the bundled
``world2014`` (12 regions), two or three instruments. Jobs are awaited through their futures (no
wall-clock limit).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tradetalks.cli.app import app as cli_app
from tradetalks.web import services as sv
from tradetalks.web.app import create_app

from .test_ossa import random_economy

TOKEN = "bargain-jobs-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = ("127.0.0.1", 50001)
BASE = "http://localhost"
DATASET = "world2014"
ADVICE = {
    "dataset": DATASET,
    "closure": "data",
    "parties": ["USA", "JPN"],
    "us": "JPN",
    "instruments": ["USA:all", "JPN:all"],
    "offer": ["USA:all=15", "JPN:all=0"],
    "samples": 64,
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    db = Path(tmp_path_factory.mktemp("web-bargain")) / "record.sqlite3"
    application = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}", warm=False, job_burst=20)
    with TestClient(application, client=LOCAL, base_url=BASE) as c:
        yield c, application


def _finish(web: tuple[TestClient, Any], response: Any) -> dict[str, Any]:
    """Wait for the job a 202 answer started (through its future: no time limit) and return its view."""
    client, application = web
    assert response.status_code == 202, response.text
    jid = response.json()["id"]
    application.state.ctx.jobs.get(jid).future.result()
    view: dict[str, Any] = client.get(f"/api/jobs/{jid}").json()
    return view


def test_counter_offer_job_equals_cli(web: tuple[TestClient, Any]) -> None:
    client, _ = web
    job = _finish(web, client.post("/api/jobs/counter-offer", json=ADVICE))
    assert job["status"] == "done" and job["progress"] == 1.0, job
    r = job["result"]
    assert r["advised_party"] == "JPN" and r["parties"] == ["USA", "JPN"]
    assert [i["unit"] for i in r["instruments"]] == ["%", "%"]
    assert {o["party"] for o in r["objectives"]} == {"USA", "JPN"}
    size = r["improvement_set"]
    assert size["samples"] == 64 and 0.0 <= size["sampled_share"] <= 1.0
    assert size["max_gain_pct"]["JPN"] == pytest.approx(r["gain_over_offer_pct"], abs=1e-12)
    # both sides weakly prefer the advised packages to the offer
    for o in r["objectives"]:
        assert o["best"] >= o["offer"] - 1e-7 and o["concession"] >= o["offer"] - 1e-7

    cli = CliRunner().invoke(
        cli_app,
        [
            "counter-offer",
            "--dataset",
            DATASET,
            "--closure",
            "data",
            "--parties",
            "USA,JPN",
            "--us",
            "JPN",
            "-i",
            "USA:all",
            "-i",
            "JPN:all",
            "--offer",
            "USA:all=15",
            "--offer",
            "JPN:all=0",
            "--json",
        ],
    )
    assert cli.exit_code == 0, cli.output
    out = json.loads(cli.stdout)
    for key, col in (
        ("best_counter_offer", "best"),
        ("smallest_concession", "concession"),
        ("offer", "offer"),
    ):
        pkg = out[key]["package"]
        for row in r["instruments"]:
            assert row[col] / 100.0 == pytest.approx(pkg[row["name"]], abs=1e-9), (key, row["name"])
        for o in r["objectives"]:
            assert o[col] == pytest.approx(out[key]["u"][o["party"]], abs=1e-9)
    assert r["gain_over_offer_pct"] == pytest.approx(out["gain_over_offer"], abs=1e-9)


def test_counter_offer_from_stored_offer_and_preset(web: tuple[TestClient, Any]) -> None:
    """An offer stored in the record, and a preset, reach the advisor as the one package path's vector."""
    from tradetalks.bargain.problem import build_space
    from tradetalks.bargain.transfers import package_x
    from tradetalks.data import load
    from tradetalks.model.ossa import baseline_from_data
    from tradetalks.web import schemas as S
    from tradetalks.web.desk import desk_package

    client, _ = web
    desk = {"dataset": DATASET, "base": "jp-us-deal", "us_auto_tariff_pct": 20.0}
    rec = client.post("/api/records", json={"title": "advisor test"}, headers=AUTH)
    assert rec.status_code == 201, rec.text
    rnd = client.post(
        f"/api/records/{rec.json()['id']}/rounds",
        json={
            "date": "2025-07-01",
            "title": "US offer",
            "offers": [{"party": "USA", "label": "20 % on cars", "package": desk}],
        },
        headers=AUTH,
    )
    assert rnd.status_code == 201, rnd.text
    offer_id = rnd.json()["offers"][0]["id"]
    groups = ["USA:motor_vehicles", "USA:rest", "JPN:all"]
    spec = {k: v for k, v in ADVICE.items() if k not in ("offer", "instruments")} | {"instruments": groups}
    job = _finish(web, client.post("/api/jobs/counter-offer", json=spec | {"offer_id": offer_id}))
    assert job["status"] == "done", job
    got = np.array([i["offer"] for i in job["result"]["instruments"]]) / 100.0
    data = load(DATASET)
    space = build_space(data, baseline_from_data(data, "data"), ("USA", "JPN"), instruments=groups)
    want, _ = package_x(space, data, desk_package(S.PackageSpec.model_validate(desk)))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert f"#{offer_id}" in job["result"]["offer_source"]

    sync = client.post("/api/counter-offer", json=spec | {"offer_scenario": "jp-us-deal"})
    result = sync.json() if sync.status_code == 200 else _finish(web, sync)["result"]
    assert "jp-us-deal" in result["offer_source"] and len(result["instruments"]) == 3


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/jobs/counter-offer", ADVICE | {"offer_scenario": "jp-us-deal"}, 422),  # two offers
        ("/api/jobs/counter-offer", {k: v for k, v in ADVICE.items() if k != "offer"}, 422),  # none
        ("/api/jobs/counter-offer", ADVICE | {"offer": ["USA:all=abc"]}, 422),
        ("/api/jobs/counter-offer", ADVICE | {"offer": ["USA:nosuch=5"]}, 422),
        ("/api/jobs/counter-offer", ADVICE | {"offer": ["USA:all=1e400"]}, 422),
        ("/api/jobs/counter-offer", ADVICE | {"us": "CHN"}, 422),
        ("/api/jobs/counter-offer", ADVICE | {"parties": ["USA", "XXX"]}, 422),
        ("/api/jobs/counter-offer", ADVICE | {"instruments": ["USA:nosuch"]}, 422),
        ("/api/counter-offer", ADVICE | {"instruments": []}, 422),  # found by schemathesis: was a 500
        ("/api/jobs/counter-offer", ADVICE | {"dataset": "no-such-dataset"}, 404),
        (
            "/api/counter-offer",
            {k: v for k, v in ADVICE.items() if k != "offer"} | {"offer_id": 2**31 - 1},
            404,
        ),
        ("/api/jobs/cooperative", {"dataset": DATASET, "players": ["USA", "XXX"]}, 422),
        ("/api/jobs/cooperative", {"dataset": DATASET, "players": ["USA", "USA"]}, 422),
        ("/api/jobs/cooperative", {"dataset": DATASET, "start": "somewhere"}, 422),
        ("/api/cooperative", {"dataset": "no-such-dataset"}, 404),
    ],
)
def test_bad_bargaining_requests_get_named_4xx(
    web: tuple[TestClient, Any], path: str, body: dict[str, Any], status: int
) -> None:
    client, _ = web
    r = client.post(path, json=body)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error", "detail"}


@pytest.fixture()
def econ3(monkeypatch: pytest.MonkeyPatch) -> str:
    """A three-country, two-sector random economy served under the dataset name ``econ3`` (the web takes
    registry names only; the test swaps the service's dataset lookup)."""
    econ = random_economy(31, n=3, s=2)
    real = sv.dataset
    monkeypatch.setattr(sv, "dataset", lambda name: econ if name == "econ3" else real(name))
    return "econ3"


def test_cooperative_job_equal_gains(web: tuple[TestClient, Any], econ3: str) -> None:
    """From the bilateral Nash war (progress from its rounds, then the cooperative iterations), both
    players gain the same % in government welfare."""
    client, _ = web
    spec = {"dataset": econ3, "players": ["C0", "C1"], "start": "nash"}
    job = _finish(web, client.post("/api/jobs/cooperative", json=spec))
    assert job["status"] == "done", job
    r = job["result"]
    assert r["converged"] and len(r["regions"]) == 3 and set(r["tariffs_pct"]) == {"C0", "C1"}
    gains = [g["gov_welfare_pct_vs_start"] for g in r["regions"] if g["player"]]
    assert gains == pytest.approx([r["common_gain_pct"]] * 2, abs=1e-4)


def test_war_job_reports_rounds_and_cancel_stops_it(
    web: tuple[TestClient, Any], econ3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The war job's progress comes from the war's round hook, and a DELETE stops the war at its next round
    (the job ends "cancelled by request", from inside the war, not after it). The war is held after its
    first round until the cancel is in, so the test does not depend on timing."""
    client, application = web
    real_war = sv.war
    gate = threading.Event()

    def gated(spec: Any, progress: Any = None) -> Any:
        def hook(rnd: int, total: int, change: float) -> None:
            progress(rnd, total, change)
            if rnd == 1:
                gate.wait()

        return real_war(spec, progress=hook)

    monkeypatch.setattr(sv, "war", gated)
    spec = {"dataset": econ3, "players": ["C0", "C1", "C2"]}
    r = client.post("/api/jobs/war", json=spec)
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    try:
        while True:
            j = client.get(f"/api/jobs/{jid}").json()
            if j["message"].startswith("round 1") or j["status"] not in ("queued", "running"):
                break
            time.sleep(0.02)
        assert j["status"] == "running" and 0.0 < j["progress"] < 1.0, j
        assert client.delete(f"/api/jobs/{jid}", headers=AUTH).status_code == 200
    finally:
        gate.set()
    application.state.ctx.jobs.get(jid).future.result()
    j = client.get(f"/api/jobs/{jid}").json()
    assert j["status"] == "cancelled" and j["message"] == "cancelled by request", j
    assert j["result"] is None


def test_cooperative_job_cancel_stops_the_war_inside(
    web: tuple[TestClient, Any], econ3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling a cooperative job stops it from inside the computation (the war's round hook raises):
    the job ends "cancelled by request". Held after the first round until the cancel is in (no timing)."""
    from tradetalks.web import services_bargain as sb

    client, application = web
    real = sb.cooperative_talks
    gate = threading.Event()

    def gated(*args: Any, war_progress: Any = None, **kw: Any) -> Any:
        def hook(rnd: int, total: int, change: float) -> None:
            war_progress(rnd, total, change)
            if rnd == 1:
                gate.wait()

        return real(*args, war_progress=hook, **kw)

    monkeypatch.setattr(sb, "cooperative_talks", gated)
    r = client.post(
        "/api/jobs/cooperative", json={"dataset": econ3, "players": ["C0", "C1"], "start": "nash"}
    )
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    try:
        while True:
            j = client.get(f"/api/jobs/{jid}").json()
            if j["message"].startswith("trade war: round 1") or j["status"] not in ("queued", "running"):
                break
            time.sleep(0.02)
        assert j["status"] == "running", j
        assert client.delete(f"/api/jobs/{jid}", headers=AUTH).status_code == 200
    finally:
        gate.set()
    application.state.ctx.jobs.get(jid).future.result()
    j = client.get(f"/api/jobs/{jid}").json()
    assert j["status"] == "cancelled" and j["message"] == "cancelled by request", j


def test_bargaining_schemas_take_their_bounds_from_inputs() -> None:
    """Like ``web/schemas.py`` (tests/test_web_bounds.py): no number of its own as a bound, and every
    bound of the two request models is an :mod:`tradetalks.inputs` constant (or 0/1 as a lower bound)."""
    from tests.test_web_bounds import LOWER, _bounds, _constants, _literal_bounds
    from tradetalks.web import schemas_bargain as SB

    assert not _literal_bounds(Path(SB.__file__))
    found = [
        b
        for m in (SB.CounterOfferSpec, SB.CooperativeSpec)
        for b in _bounds(m.model_json_schema(), m.__name__)
    ]
    assert found
    allowed = _constants()
    assert not [(w, k, v) for w, k, v in found if v not in allowed and not (k in LOWER and v in (0.0, 1.0))]
