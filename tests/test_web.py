"""Web service: API behaviour with FastAPI's TestClient, and at least 20 bad requests each getting its 4xx.

The web layer is an adapter, so numbers are checked against direct library calls on the same inputs
(``tradetalks.policy.evaluate.evaluate``, the bundled ``world2014`` data) and against identities of the data
(the bilateral balance before a package is the data's exports minus imports); tolerance 1e-9 relative.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tradetalks.data import load
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.web.app import MAX_BODY, create_app

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = ("127.0.0.1", 50000)
BASE = "http://localhost"  # an allowed host (loopback names by default)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("web")) / "record.sqlite3"
    app = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}")
    with TestClient(app, client=LOCAL, base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def readonly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("web-ro")) / "record.sqlite3"
    app = create_app(api_token="", database_url=f"sqlite:///{db}")
    with TestClient(app, client=LOCAL, base_url=BASE) as c:
        yield c


def _follow(client: TestClient, r: Any) -> Any:
    """The result of a heavy request: its 200 body, or (202) the result of the job it started."""
    if r.status_code == 200:
        return r.json()
    assert r.status_code == 202 and r.headers["location"] == f"/api/jobs/{r.json()['id']}", r.text
    for _ in range(2400):
        j = client.get(r.headers["location"]).json()
        if j["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert j["status"] == "done", j
    return j["result"]


# --------------------------------------------------------------------------------------------
# good requests
# --------------------------------------------------------------------------------------------


def test_openapi_and_ui_are_served(client: TestClient) -> None:
    """The schema lists the main operations; the UI page and the local Plotly bundle are served."""
    spec = client.get("/openapi.json").json()
    for path in ("/api/package/evaluate", "/api/frontier", "/api/war", "/api/jobs/simulate", "/api/records"):
        assert path in spec["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "cdn" not in page.text.lower()
    import re

    src = next(s for s in re.findall(r'<script src="([^"]+)"', page.text) if "plotly" in s)
    assert src.startswith("/")  # a local bundle, served by the app
    js = client.get(src)
    assert js.status_code == 200 and len(js.content) > 500_000


def test_datasets_and_scenarios(client: TestClient) -> None:
    ds = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert ds["world2014"]["available"] is True
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert "jp-us-deal" in names and "jp-us-no-deal" in names


def test_package_matches_library_call(client: TestClient) -> None:
    """A package evaluated over HTTP equals ``policy.evaluate`` on the same scenario (1e-9 relative), and
    the balance before the package is the data's US exports to Japan minus its imports from Japan."""
    from tradetalks.policy.evaluate import evaluate
    from tradetalks.web import schemas, services

    body = {
        "us_auto_tariff_pct": 15,
        "us_reciprocal_pct": 15,
        "reciprocal_stacking": "all-in",
        "purchases_energy_usd_bn": 7,
        "investment_usd_bn": 550,
        "investment_mode": "returns-transfer",
    }
    r = client.post("/api/package/evaluate", json=body)
    assert r.status_code == 200, r.text
    im = r.json()
    d = load(DEFAULT_DATASET)
    pr = evaluate(services.package_scenario(schemas.PackageSpec(**body)), d, options=services.OPTIONS)
    from tradetalks.policy.outcome import outcome

    o = outcome(pr)  # welfare includes the purchases' wedge cost (policy.purchases)
    assert im["us"]["welfare_pct"] == pytest.approx(o.country("USA").welfare_pct, rel=1e-9)
    assert im["jp"]["welfare_pct"] == pytest.approx(o.country("JPN").welfare_pct, rel=1e-9)
    u, j = d.countries.index("USA"), d.countries.index("JPN")
    bal = (d.trade[u, j].sum() - d.trade[j, u].sum()) / 1000.0
    assert im["balance_before_usd_bn"] == pytest.approx(bal, rel=1e-9)
    (p,) = im["purchases"]
    assert p["met_usd_bn"] == pytest.approx(7.0, rel=1e-6)
    assert im["converged"] is True
    assert len(im["sectors"]) == len(d.sectors)


def test_package_moves_numbers(client: TestClient) -> None:
    """Raising the US auto tariff on Japan lowers Japan's auto output and raises US tariff revenue."""
    lo = client.post("/api/package/evaluate", json={"us_auto_tariff_pct": 2.5}).json()
    hi = client.post("/api/package/evaluate", json={"us_auto_tariff_pct": 27.5}).json()
    assert hi["jp"]["auto_output_pct"] < lo["jp"]["auto_output_pct"]
    assert hi["us"]["revenue_new_usd_bn"] > lo["us"]["revenue_new_usd_bn"]
    assert hi["us_tariff_on_jp_after_pct"] > lo["us_tariff_on_jp_after_pct"]


def test_frontier_bargain_and_solutions_lie_on_it(client: TestClient) -> None:
    """Frontier points are non-increasing in U_JP as U_US rises; each solution gives both parties at least
    the no-deal objectives (individual rationality)."""
    fr = _follow(client, client.post("/api/frontier", json={"n_points": 6}))
    us = [p["u_us"] for p in fr["points"]]
    jp = [p["u_jp"] for p in fr["points"]]
    assert us == sorted(us)
    assert all(b <= a + 1e-7 for a, b in itertools.pairwise(jp))
    nd = fr["nodeal"]
    for s in fr["solutions"]:
        assert s["u_us"] >= nd["u_us"] - 1e-7 and s["u_jp"] >= nd["u_jp"] - 1e-7
    nash = _follow(client, client.post("/api/bargain", json={"n_points": 6, "solution": "nash"}))
    assert nash["name"] == "nash"
    assert nash["u_us"] >= nd["u_us"] and nash["u_jp"] >= nd["u_jp"]


def test_war(client: TestClient) -> None:
    """A two-player war: only the players' tariffs move (others keep their data median)."""
    r = client.post("/api/war", json={"players": ["USA", "JPN"]})
    assert r.status_code in (200, 202), r.text
    rows = {c["country"]: c for c in _follow(client, r)["countries"]}
    assert rows["USA"]["player"] and rows["JPN"]["player"] and not rows["CHN"]["player"]
    d = load(DEFAULT_DATASET)
    k = d.countries.index("CHN")
    mask = np.arange(len(d.countries)) != k
    assert rows["CHN"]["median_tariff_pct"] == pytest.approx(
        100 * float(np.median(d.tariff[mask, k, :])), abs=1e-9
    )


def test_records_rounds_runs(client: TestClient) -> None:
    r = client.post("/api/records", json={"title": "test talks", "key": "web-test-1"}, headers=AUTH)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = client.post(
        f"/api/records/{rid}/rounds",
        headers=AUTH,
        json={
            "date": "2025-05-01",
            "title": "round",
            "offers": [{"party": "USA", "label": "ask", "package": {"us_auto_tariff_pct": 25}}],
        },
    )
    assert r.status_code == 201, r.text
    r = client.post("/api/runs", headers=AUTH, json={"package": {"us_auto_tariff_pct": 25}, "record_id": rid})
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["dataset_name"] == DEFAULT_DATASET and len(run["dataset_version"]) > 8
    assert run["inputs"]["package"]["us_auto_tariff_pct"] == 25
    got = client.get(f"/api/records/{rid}").json()
    assert got["rounds"][0]["offers"][0]["package"]["web_package"]["us_auto_tariff_pct"] == 25
    assert client.get(f"/api/runs/{run['id']}").json()["id"] == run["id"]
    assert (
        client.post("/api/records", json={"title": "dup", "key": "web-test-1"}, headers=AUTH).status_code
        == 409
    )


def test_timeline_has_rounds_and_evaluated_offers(client: TestClient) -> None:
    ev = client.get("/api/timeline").json()
    assert any(e["round_number"] is not None for e in ev)
    offers = [o for e in ev for o in e["offers"]]
    assert offers and all("welfare_pct" in o["impact"]["us"] for o in offers)
    # at the first event no measure on Japan is in force yet: US and Japanese tariffs on each other are the
    # data's (third countries already face the US wall's early-2025 measures, e.g. on China)
    first = ev[0]["in_force"]
    assert first["us_tariff_on_jp_after_pct"] == pytest.approx(first["us_tariff_on_jp_before_pct"], abs=1e-9)
    assert first["jp_tariff_on_us_after_pct"] == pytest.approx(first["jp_tariff_on_us_before_pct"], abs=1e-9)


def test_simulation_job_runs_and_cancels(client: TestClient) -> None:
    r = client.post("/api/jobs/simulate", json={"n_points": 6, "rounds_per_deadline": 3}, headers=AUTH)
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    for _ in range(300):
        j = client.get(f"/api/jobs/{jid}").json()
        if j["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert j["status"] == "done", j
    assert j["result"]["log"] and j["progress"] == 1.0
    r = client.post("/api/jobs/simulate", json={"n_points": 25, "upper_pct": 77}, headers=AUTH)
    jid = r.json()["id"]
    c = client.delete(f"/api/jobs/{jid}", headers=AUTH)
    assert c.status_code == 200
    for _ in range(600):
        j = client.get(f"/api/jobs/{jid}").json()
        if j["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert j["status"] == "cancelled", j


def test_writes_refused_without_configured_token(readonly: TestClient) -> None:
    r = readonly.post("/api/records", json={"title": "x"}, headers=AUTH)
    assert r.status_code == 403 and "TRADETALKS_API_TOKEN" in r.json()["detail"]


def test_remote_reads_need_the_token(tmp_path: Path) -> None:
    app = create_app(api_token=TOKEN, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with TestClient(app, client=("203.0.113.9", 4000), base_url=BASE) as c:
        assert c.get("/api/datasets").status_code == 401
        assert c.get("/api/datasets", headers=AUTH).status_code == 200


# --------------------------------------------------------------------------------------------
# bad requests: each gets the right 4xx with a message
# --------------------------------------------------------------------------------------------

BAD: list[tuple[str, str, object, dict[str, str], int]] = [
    ("POST", "/api/package/evaluate", {"us_auto_tariff_pct": -5}, {}, 422),
    ("POST", "/api/package/evaluate", {"us_auto_tariff_pct": 1e9}, {}, 422),
    ("POST", "/api/package/evaluate", {"us_auto_tariff_pct": "lots"}, {}, 422),
    ("POST", "/api/package/evaluate", {"unknown_field": 1}, {}, 422),
    ("POST", "/api/package/evaluate", {"dataset": "../../etc/passwd"}, {}, 422),
    ("POST", "/api/package/evaluate", {"dataset": "no-such-dataset"}, {}, 404),
    ("POST", "/api/package/evaluate", {"reciprocal_stacking": "sideways"}, {}, 422),
    ("POST", "/api/package/evaluate", {"extra_rules": ["USA:JPN:motor_vehicles"]}, {}, 422),
    ("POST", "/api/package/evaluate", {"extra_rules": ["USA:XXX:motor_vehicles=10"]}, {}, 422),
    ("POST", "/api/package/evaluate", {"extra_rules": ["USA:JPN:motor_vehicles=5"] * 51}, {}, 422),
    ("POST", "/api/package/evaluate", "not json at all", {"content-type": "application/json"}, 422),
    ("POST", "/api/package/evaluate", [1, 2, 3], {}, 422),
    ("POST", "/api/package/evaluate", {"investment_years": 0}, {}, 422),
    ("POST", "/api/scenarios/no-such-scenario/evaluate", None, {}, 404),
    ("POST", "/api/scenarios/..%2F..%2Fetc/evaluate", None, {}, 404),
    ("POST", "/api/frontier", {"n_points": 1000}, {}, 422),
    ("POST", "/api/bargain", {"solution": "dictator"}, {}, 422),
    ("POST", "/api/bargain", {"beta": [0, 1]}, {}, 422),
    ("POST", "/api/war", {"players": ["USA"]}, {}, 422),
    ("POST", "/api/war", {"players": ["USA", "ATL"]}, {}, 422),
    ("POST", "/api/war", {"players": ["USA", "USA"]}, {}, 422),
    ("GET", "/api/package/defaults?dataset=/etc/passwd", None, {}, 422),
    ("GET", "/api/jobs/not-a-job-id", None, {}, 422),
    ("GET", "/api/jobs/" + "0" * 32, None, {}, 404),
    ("DELETE", "/api/jobs/" + "0" * 32, None, {}, 401),
    ("POST", "/api/jobs/simulate", {}, {}, 401),
    ("POST", "/api/jobs/simulate", {}, {"Authorization": "Bearer wrong"}, 401),
    ("POST", "/api/jobs/simulate", {"strategy_us": "stubborn"}, AUTH, 422),
    ("POST", "/api/records", {"title": "x"}, {}, 401),
    ("POST", "/api/records", {"title": ""}, AUTH, 422),
    ("POST", "/api/records", {"title": "x", "parties": ["usa", "JPN"]}, AUTH, 422),
    ("POST", "/api/records", {"title": "x", "parties": ["USA", "USA"]}, AUTH, 422),
    ("GET", "/api/records/999999", None, {}, 404),
    ("GET", "/api/records/0", None, {}, 422),
    ("GET", "/api/records?limit=100000", None, {}, 422),
    ("POST", "/api/records/999999/rounds", {"date": "2025-05-01", "title": "x"}, AUTH, 404),
    ("POST", "/api/records/1/rounds", {"date": "not a date", "title": "x"}, AUTH, 422),
    ("POST", "/api/runs", {"package": {}, "record_id": 999999}, AUTH, 404),
    ("GET", "/api/runs/999999", None, {}, 404),
    ("PUT", "/api/records", {"title": "x"}, AUTH, 405),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"), BAD, ids=[f"{m} {p[:40]} {s}" for m, p, _, _, s in BAD]
)
def test_bad_request(
    client: TestClient, method: str, path: str, body: object, headers: dict[str, str], status: int
) -> None:
    """Each bad request gets the expected 4xx and a JSON message (never a 5xx)."""
    kw: dict[str, object] = {"headers": headers}
    if isinstance(body, str):
        kw["content"] = body
    elif body is not None:
        kw["json"] = body
    r = client.request(method, path, **kw)  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    payload = r.json()
    assert payload.get("detail") or payload.get("error")


def test_body_size_limit(client: TestClient) -> None:
    """Bodies above the limit get 413, by header and when streamed without a length."""
    big = b'{"title": "' + b"x" * (MAX_BODY + 10) + b'"}'
    r = client.post("/api/records", content=big, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 8192

    r = client.post("/api/package/evaluate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
