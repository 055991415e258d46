"""A stored offer re-evaluated over HTTP gives the Python API's figures (issue 9, "re-evaluation of a stored
offer" as an entry point of its own).

Identity test (no published figure is involved), extending ``tests/test_package_paths.py``: the deal, the
no-deal scenario and three hand-built packages (its ``DESK`` requests) are stored as offers of a round of the
Japan-US record through the records API (``POST /api/records/{id}/rounds``), then read back re-evaluated
through the route the desk's timeline uses (``GET /api/timeline``); every headline figure equals
:func:`tradetalks.policy.evaluate.evaluate` of the same package through the Python API to 1e-9 (relative,
absolute floor 1e-9). The stored offers are evaluated again from the record (the result cache is emptied
first), not copied from the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.test_package_paths import DESK, assert_same, figures_from_impact, figures_from_outcome
from tradetalks.data import load
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.outcome import outcome
from tradetalks.store import JAPAN_US_KEY
from tradetalks.vocabulary import DEFAULT_DATASET
from tradetalks.web import caching, schemas
from tradetalks.web.app import create_app
from tradetalks.web.desk import desk_package

TOKEN = "test-token-h9-offer-http"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("offer-http")) / "record.sqlite3"
    app = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}", warm=False)
    with TestClient(app, base_url="http://localhost", client=("127.0.0.1", 50002)) as c:
        yield c


def _seed_record(c: TestClient) -> int:
    page = c.get("/api/records", params={"limit": 100}).json()
    return next(int(r["id"]) for r in page["records"] if r.get("key") == JAPAN_US_KEY)


def test_stored_offers_reevaluated_over_http_match_the_python_api(client: TestClient) -> None:
    d = load(DEFAULT_DATASET)
    want = {k: figures_from_outcome(outcome(evaluate(desk_package(schemas.PackageSpec.model_validate(v)), d))
                                    .as_dict()) for k, v in DESK.items()}
    events = client.get("/api/timeline").json()
    free = next(e for e in events if e["round_number"] is None and not e["offers"])  # no seeded round
    offers = [{"party": "USA" if i % 2 else "JPN", "label": key, "package": DESK[key]}
              for i, key in enumerate(DESK)]
    assert len(offers) == len(DESK) >= 5
    r = client.post(f"/api/records/{_seed_record(client)}/rounds", headers=AUTH,
                    json={"date": free["date"], "title": free["title"], "kind": "round", "offers": offers})
    assert r.status_code == 201, r.text
    caching.clear()  # re-evaluated from the stored record, not remembered from a request
    events = client.get("/api/timeline").json()
    ev = next(e for e in events if (e["date"], e["title"]) == (free["date"], free["title"]))
    got: dict[str, Any] = {o["label"]: o["impact"] for o in ev["offers"]}
    assert set(got) == set(DESK), ev["offers"]
    for key in DESK:
        assert_same(figures_from_impact(got[key]), want[key], f"{key}: stored offer over HTTP")
