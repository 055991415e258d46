"""Property-based API tests: schemathesis generates requests from the OpenAPI schema; none may get a 5xx, and
every status the service answers must be one the schema documents (``status_code_conformance``).

Bounded: a few examples per operation (a few hundred requests in all). Writes carry the bearer token so
their validation is exercised, not only the auth check. Heavy requests (frontier, bargaining, war) answer
with their job (202) after at most two seconds and never hold a request open; the jobs they start are
cancelled when the module ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import status_code_conformance  # noqa: E402

from tradetalks.web.app import create_app  # noqa: E402

TOKEN = "schema-token"
_DB = Path(__import__("tempfile").mkdtemp(prefix="tt-schema-")) / "record.sqlite3"
APP = create_app(
    api_token=TOKEN, database_url=f"sqlite:///{_DB}", job_workers=1, allowed_hosts=["testserver", "localhost"]
)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _cancel_jobs() -> Iterator[None]:
    yield
    APP.state.ctx.jobs.shutdown()


@SCHEMA.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    """No generated request, valid or not, gets a 5xx or an undocumented status."""
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, (
        f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
    )
    case.validate_response(response, checks=[status_code_conformance])
