"""Web hardening (issue 15): allowed hosts, proxy headers, security headers, per-client job limits, the
error answers in the OpenAPI schema, heavy requests as background jobs with cancellation.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tradetalks.web.app import create_app
from tradetalks.web.security import ClientPolicy, RateLimiter

TOKEN = "sec-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{Path(tmp_path_factory.mktemp('sec')) / 'r.sqlite3'}"


def _client(db: str, peer: str = "127.0.0.1", base: str = "http://localhost", **kw: object) -> TestClient:
    return TestClient(create_app(api_token=TOKEN, database_url=db, **kw), client=(peer, 4321), base_url=base)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:8000", "127.0.0.1:8000"])
def test_loopback_hosts_allowed(app_db: str, host: str) -> None:
    with _client(app_db) as c:
        assert c.get("/api/datasets", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "", "10.0.0.1"]
)
def test_other_hosts_refused(app_db: str, host: str) -> None:
    """A DNS-rebinding page's requests carry its own host name: 400 before any route runs, with headers."""
    with _client(app_db) as c:
        r = c.get("/api/datasets", headers={"host": host})
        assert r.status_code == 400 and r.json()["error"] == "host not allowed"
        assert r.headers["x-content-type-options"] == "nosniff"


def test_configured_hosts(app_db: str) -> None:
    with _client(app_db, base="http://desk.example.org", allowed_hosts=["desk.example.org"]) as c:
        assert c.get("/api/datasets", headers=AUTH).status_code == 200
        assert c.get("/api/datasets", headers={"host": "localhost"}).status_code == 400


def test_security_headers_everywhere(app_db: str) -> None:
    """UI, assets, API answers and error answers carry the CSP (no inline scripts), nosniff,
    frame-ancestors 'none' and the referrer policy; the UI page itself has no inline script or handler."""
    with _client(app_db) as c:
        for path in ("/", "/static/app.js", "/api/datasets", "/api/records/999999", "/openapi.json"):
            h = c.get(path).headers
            csp = h["content-security-policy"]
            assert (
                "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            )
            assert "frame-ancestors 'none'" in csp
            assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
            assert h["x-frame-options"] == "DENY"
        page = c.get("/").text.lower()
        assert (
            "<script>" not in page.replace(" ", "") and " onclick=" not in page and "javascript:" not in page
        )
        docs = c.get("/docs")  # issue 14: a local reference page, no CDN script (Swagger UI would load one)
        assert docs.status_code == 200 and "http" not in docs.text.split("<body>")[0]


def test_proxy_headers_explicit(app_db: str) -> None:
    """Forwarded requests from a peer that is not a trusted proxy count as remote (need the token);
    through a trusted proxy, the forwarded client address decides."""
    with _client(app_db) as c:
        assert c.get("/api/datasets", headers={"x-forwarded-for": "127.0.0.1"}).status_code == 401
        assert c.get("/api/datasets", headers={"x-real-ip": "203.0.113.5"}).status_code == 401
        assert c.get("/api/datasets", headers={"x-forwarded-for": "203.0.113.5", **AUTH}).status_code == 200
    with _client(app_db, trusted_proxies=["127.0.0.1/32"]) as c:
        assert c.get("/api/datasets", headers={"x-forwarded-for": "127.0.0.1"}).status_code == 200
        assert c.get("/api/datasets", headers={"x-forwarded-for": "203.0.113.5"}).status_code == 401
        # a client cannot smuggle a loopback address in front of the proxy's own entry
        assert (
            c.get("/api/datasets", headers={"x-forwarded-for": "127.0.0.1, 203.0.113.5"}).status_code == 401
        )


def test_client_policy_unit() -> None:
    from starlette.datastructures import Headers

    p = ClientPolicy(["10.0.0.0/8"])
    assert p.client("127.0.0.1", Headers({})) == ("127.0.0.1", True)
    assert p.client("::1", Headers({})) == ("::1", True)
    assert p.client("127.0.0.1", Headers({"forwarded": "for=1.2.3.4"})) == ("127.0.0.1", False)
    assert p.client("10.1.2.3", Headers({"x-forwarded-for": "198.51.100.1, 10.9.9.9"})) == (
        "198.51.100.1",
        False,
    )
    assert p.client("10.1.2.3", Headers({"x-forwarded-for": "garbage"})) == ("unknown", False)
    assert p.client(None, Headers({})) == ("unknown", False)


def test_rate_limiter_unit() -> None:
    from tradetalks.errors import ServiceLimitError

    rl = RateLimiter(per_minute=60, burst=2)
    rl.take("a")
    rl.take("a")
    with pytest.raises(ServiceLimitError) as exc:
        rl.take("a")
    assert getattr(exc.value, "retry_after", 0) >= 1
    rl.take("b")  # another client has its own bucket


def test_job_starts_limited_per_client(app_db: str) -> None:
    """Beyond the burst, heavy job starts get 429 with Retry-After; another client is not affected."""
    with _client(app_db, job_burst=2, job_starts_per_minute=1) as c:
        codes = [
            c.post("/api/jobs/war", json={"players": ["USA", "JPN"], "dataset": "no-such-data"}).status_code
            for _ in range(3)
        ]
        assert codes[:2] == [202, 202] and codes[2] == 429
        r = c.post("/api/jobs/war", json={"players": ["USA", "JPN"], "dataset": "no-such-data"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        for j in c.get("/api/jobs").json():
            c.delete(f"/api/jobs/{j['id']}", headers=AUTH)


def test_openapi_documents_error_answers(app_db: str) -> None:
    """Every API operation documents the error answers the service gives."""
    with _client(app_db) as c:
        spec = c.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "404", "409", "413", "422", "429", "503"} <= codes, (method, path, sorted(codes))
    assert "202" in spec["paths"]["/api/frontier"]["post"]["responses"]


def test_heavy_request_is_a_job_with_progress_and_cancellation(app_db: str) -> None:
    """A frontier runs as a background job: 202 with the job, progress reported, cancellation honoured."""
    with _client(app_db, job_workers=1) as c:
        r = c.post("/api/jobs/frontier", json={"n_points": 25, "upper_pct": 71, "nodeal": "status-quo"})
        assert r.status_code == 202
        jid = r.json()["id"]
        assert c.delete(f"/api/jobs/{jid}", headers=AUTH).status_code == 200
        for _ in range(1200):
            j = c.get(f"/api/jobs/{jid}").json()
            if j["status"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        assert j["status"] == "cancelled", j


def test_jobs_shared_between_worker_processes(tmp_path: Path) -> None:
    """Two app instances on one record store (as two worker processes): a job started through one is
    listed, followed and cancelled through the other."""
    db = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    with _client(db, job_workers=1) as a, _client(db, job_workers=1) as b:
        r = a.post("/api/jobs/frontier", json={"n_points": 25, "upper_pct": 73, "nodeal": "status-quo"})
        assert r.status_code == 202
        jid = r.json()["id"]
        assert any(j["id"] == jid for j in b.get("/api/jobs").json())
        assert b.get(f"/api/jobs/{jid}").json()["kind"] == "frontier"
        assert b.delete(f"/api/jobs/{jid}", headers=AUTH).status_code == 200
        for _ in range(1200):
            j = b.get(f"/api/jobs/{jid}").json()
            if j["status"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        assert j["status"] == "cancelled", j
        assert b.get("/api/jobs/" + "f" * 32).status_code == 404
