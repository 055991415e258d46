"""Bands on the web's line charts (issue 13): the timeline (``GET /api/timeline?uncertainty=N``), the frontier
job (``uncertainty`` in its request) and the simulated rounds.

References: the web is an adapter, so its bands must equal the library's bands of the same packages for the
same seed, to 1e-9 — the timeline's against :func:`tradetalks.sweep.uncertainty.bands_for_evaluation` of
each date's tariffs in force (the path behind ``evaluate --uncertainty``), the frontier's against
:func:`tradetalks.sweep.bargain_bands.package_bands` of each package alone (the path behind ``bargain
--uncertainty``; the web stacks all packages in one batched solve, which must not change a member's
solution). Without draws no band field is set. Bad draws are 422 naming the bound
(:data:`tradetalks.inputs.MAX_DRAWS`). Small: the bundled ``world2014`` (12 regions), a handful of draws;
jobs are awaited through their futures (no wall-clock limit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tradetalks.inputs import MAX_DRAWS
from tradetalks.sweep.bargain_bands import package_bands, packages_bands
from tradetalks.sweep.uncertainty import bands_for_evaluation
from tradetalks.web import schemas as S
from tradetalks.web import services as sv
from tradetalks.web import services_bands as sbands
from tradetalks.web.app import create_app
from tradetalks.web.desk import BAND_SOURCE

TOKEN = "line-bands-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = ("127.0.0.1", 50002)
BASE = "http://localhost"
DATASET = "world2014"
DRAWS, SEED = 6, 3
FRONTIER: dict[str, Any] = {"dataset": DATASET, "closure": "data", "nodeal": "escalation", "n_points": 4}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    db = Path(tmp_path_factory.mktemp("web-line-bands")) / "record.sqlite3"
    application = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}", warm=False, job_burst=20)
    with TestClient(application, client=LOCAL, base_url=BASE) as c:
        yield c, application


def _result(web: tuple[TestClient, Any], response: Any) -> Any:
    """The answer of a request that may have become a job: 200's body, or the finished job's result (awaited
    through its future: no time limit)."""
    client, application = web
    if response.status_code == 200:
        return response.json()
    assert response.status_code == 202, response.text
    jid = response.json()["id"]
    application.state.ctx.jobs.get(jid).future.result()
    view = client.get(f"/api/jobs/{jid}").json()
    assert view["status"] == "done", view
    return view["result"]


def _timeline(web: tuple[TestClient, Any], draws: int, seed: int) -> list[dict[str, Any]]:
    client, _ = web
    out = _result(web, client.get("/api/timeline", params={"dataset": DATASET, "uncertainty": draws,
                                                          "uncertainty_seed": seed}))
    events: list[dict[str, Any]] = out["events"] if isinstance(out, dict) else out
    return events


def test_timeline_bands_equal_library_bands(web: tuple[TestClient, Any]) -> None:
    plain = _timeline(web, 0, 0)
    assert plain and all(e["in_force"]["uncertainty"] is None and e["in_force"]["us"]["welfare_pct_band"] is None
                         for e in plain)
    events = _timeline(web, DRAWS, SEED)
    assert [e["date"] for e in events] == [e["date"] for e in plain]
    for e in events:
        info = e["in_force"]["uncertainty"]
        assert info["n_draws"] == DRAWS and info["seed"] == SEED and info["percentiles"] == [5.0, 95.0]
        assert info["n_solves"] == DRAWS + 1 and 0.0 <= info["share_converged"] <= 1.0
        # the central values are the plain timeline's (bands are added, nothing else changes)
        assert e["in_force"]["us"]["welfare_pct"] == next(
            p["in_force"]["us"]["welfare_pct"] for p in plain if p["date"] == e["date"])
    data = sv.dataset(DATASET)
    for e in (events[0], events[len(events) // 2], events[-1]):
        day = dt.date.fromisoformat(e["date"])
        pr = sv.evaluate_spec(sv.in_force_package(day, DATASET))
        ref = bands_for_evaluation({"x": pr}, data, DRAWS, seed=SEED).band_frame(BAND_SOURCE).droplevel("scenario")
        for side, c in (("us", "USA"), ("jp", "JPN")):
            for field, key in (("welfare_pct", "welfare_pct"), ("welfare_ev_usd_bn", "welfare_ev")):
                want = [ref.loc[f"{c}.{key}", "p5"], ref.loc[f"{c}.{key}", "p95"]]
                assert e["in_force"][side][f"{field}_band"] == pytest.approx(want, rel=1e-9, abs=1e-12)
        want = [ref.loc["balance.USA-JPN.after", "p5"], ref.loc["balance.USA-JPN.after", "p95"]]
        assert e["in_force"]["balance_after_usd_bn_band"] == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_timeline_same_seed_same_bands(web: tuple[TestClient, Any]) -> None:
    """Recomputed from scratch (cache dropped), the same seed gives the same bands; another seed others."""
    first = _timeline(web, DRAWS, SEED)
    sbands._cache.clear()
    again = _timeline(web, DRAWS, SEED)
    other = _timeline(web, DRAWS, SEED + 1)
    band = [e["in_force"]["jp"]["welfare_pct_band"] for e in first]
    assert [e["in_force"]["jp"]["welfare_pct_band"] for e in again] == band
    assert [e["in_force"]["jp"]["welfare_pct_band"] for e in other] != band


@pytest.mark.parametrize("params, bound", [({"uncertainty": MAX_DRAWS + 1}, str(MAX_DRAWS)),
                                           ({"uncertainty": -1}, "0"), ({"uncertainty_seed": -1}, "0")])
def test_timeline_bad_draws_are_422(web: tuple[TestClient, Any], params: dict[str, int], bound: str) -> None:
    client, _ = web
    r = client.get("/api/timeline", params={"dataset": DATASET, **params})
    assert r.status_code == 422, r.text
    msg = " ".join(d["msg"] for d in r.json()["detail"])
    assert bound in msg and next(iter(params)) in str(r.json()["detail"][0]["loc"])


def test_frontier_bands_equal_bargain_bands(web: tuple[TestClient, Any]) -> None:
    client, _ = web
    plain = _result(web, client.post("/api/jobs/frontier", json=FRONTIER))
    assert plain["uncertainty"] is None and all(p["u_us_band"] is None for p in plain["points"])
    assert plain["nodeal"]["u_jp_band"] is None
    fr = _result(web, client.post("/api/jobs/frontier",
                                  json={**FRONTIER, "uncertainty": DRAWS, "uncertainty_seed": SEED}))
    info = fr["uncertainty"]
    assert info["n_draws"] == DRAWS and info["seed"] == SEED
    assert info["packages"] == len(fr["points"]) + len(fr["solutions"])
    assert info["n_solves"] == (info["packages"] + 1) * (DRAWS + 1) and 0.0 <= info["share_converged"] <= 1.0
    assert [p["u_us"] for p in fr["points"]] == [p["u_us"] for p in plain["points"]]
    tr = sv.trace(S.FrontierSpec(**FRONTIER))
    a, b = tr.space.parties
    for p, x in zip(fr["points"], tr.frontier.x, strict=True):
        ref = package_bands(tr.space, x, tr.nodeal.tariff, DRAWS, seed=SEED).frame
        assert p["u_us_band"] == pytest.approx([ref.loc[f"{a}.objective", "p5"], ref.loc[f"{a}.objective", "p95"]],
                                               rel=1e-9, abs=1e-12)
        assert p["u_jp_band"] == pytest.approx([ref.loc[f"{b}.objective", "p5"], ref.loc[f"{b}.objective", "p95"]],
                                               rel=1e-9, abs=1e-12)
    assert fr["solutions"] and all(s["u_us_band"] is not None and s["u_jp_band"] is not None
                                   for s in fr["solutions"])
    s = fr["solutions"][0]
    x = tr.frontier.package_near(np.array([s["u_us"], s["u_jp"]]))
    ref = package_bands(tr.space, x, tr.nodeal.tariff, DRAWS, seed=SEED).frame
    assert s["u_jp_band"] == pytest.approx([ref.loc[f"{b}.objective", "p5"], ref.loc[f"{b}.objective", "p95"]],
                                           rel=1e-9, abs=1e-12)
    # the no-deal point: its objectives over the same draws; the central member is the point itself
    nd = packages_bands(tr.space, tr.frontier.x[:1], tr.nodeal.tariff, DRAWS, seed=SEED).nodeal.frame
    assert fr["nodeal"]["u_us_band"] == pytest.approx(
        [nd.loc[f"{a}.objective", "p5"], nd.loc[f"{a}.objective", "p95"]], rel=1e-9, abs=1e-12)
    assert nd.loc[f"{a}.objective", "central"] == pytest.approx(tr.nodeal.u[0], abs=1e-7)


@pytest.mark.parametrize("body", [{"uncertainty": MAX_DRAWS + 1}, {"uncertainty": -1}, {"uncertainty": 2.5},
                                  {"uncertainty_seed": -1}])
def test_frontier_bad_draws_are_422(web: tuple[TestClient, Any], body: dict[str, Any]) -> None:
    client, _ = web
    for path in ("/api/jobs/frontier", "/api/frontier"):
        r = client.post(path, json={**FRONTIER, **body})
        assert r.status_code == 422, r.text
        assert next(iter(body)) in str(r.json()["detail"][0]["loc"])
    r = client.post("/api/jobs/frontier", json={**FRONTIER, "uncertainty": MAX_DRAWS + 1})
    assert str(MAX_DRAWS) in r.json()["detail"][0]["msg"]


def test_simulated_rounds_bands(web: tuple[TestClient, Any]) -> None:
    """Every round's offer gets the band of its frontier package; without draws no row has one."""
    client, _ = web
    spec = {**FRONTIER, "rounds_per_deadline": 2, "uncertainty": 4, "uncertainty_seed": SEED}
    res = _result(web, client.post("/api/jobs/simulate", json=spec, headers=AUTH))
    a, b = res["parties"]
    assert res["log"] and all(r[f"u_{a}_band"] is not None and r[f"u_{b}_band"] is not None for r in res["log"])
    assert res["uncertainty"]["n_draws"] == 4 and res["frontier"]["points"][0]["u_us_band"] is not None
    tr = sv.trace(S.FrontierSpec(**FRONTIER))
    row = res["log"][-1]
    x = tr.frontier.package_near(np.array([row[f"u_{a}"], row[f"u_{b}"]]))
    ref = package_bands(tr.space, x, tr.nodeal.tariff, 4, seed=SEED).frame
    assert row[f"u_{a}_band"] == pytest.approx([ref.loc[f"{a}.objective", "p5"], ref.loc[f"{a}.objective", "p95"]],
                                               rel=1e-9, abs=1e-12)
    plain = _result(web, client.post("/api/jobs/simulate", json={**spec, "uncertainty": 0}, headers=AUTH))
    assert all(f"u_{a}_band" not in r for r in plain["log"]) and "uncertainty" not in plain


def test_timeline_bands_become_a_job(web: tuple[TestClient, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """When the bands are not ready at once the request answers 202 with the job (never holds the request
    open); the job's result carries the events with their bands and the draws' summary over all dates."""
    from tradetalks.web.routers import heavy

    client, application = web
    monkeypatch.setattr(heavy, "SYNC_WAIT_S", 0.0)
    r = client.get("/api/timeline", params={"dataset": DATASET, "uncertainty": 2, "uncertainty_seed": 11})
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/api/jobs/{r.json()['id']}" and r.json()["kind"] == "timeline-bands"
    application.state.ctx.jobs.get(r.json()["id"]).future.result()
    job = client.get(r.headers["Location"]).json()
    assert job["status"] == "done" and job["progress"] == 1.0
    res = job["result"]
    assert res["uncertainty"]["n_draws"] == 2 and res["uncertainty"]["seed"] == 11
    assert res["uncertainty"]["dates"] == len({e["date"] for e in res["events"]})
    assert all(e["in_force"]["us"]["welfare_pct_band"] is not None for e in res["events"])
