"""The FastAPI application: routes are thin adapters over :mod:`tradetalks.web.services` and the store.

Security model
--------------
* Writes (records, rounds, runs, jobs) need ``Authorization: Bearer <token>`` with the token the operator
  set in ``TRADETALKS_API_TOKEN``; when it is unset, writes are refused (403) with a message saying so.
* Reads are open to clients on the loopback interface; other clients need the token too.
* Request bodies are limited to :data:`MAX_BODY` bytes and validated by pydantic models with bounded
  lists and strings; no request reaches the file system except dataset names from the registry.
* Every :class:`~tradetalks.errors.TradeTalksError` becomes a 4xx JSON answer ``{"error", "detail"}``.
"""

from __future__ import annotations

import hmac
import importlib.util
import ipaddress
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradetalks import errors as E
from tradetalks.web import schemas as S
from tradetalks.web import services as sv
from tradetalks.web.jobs import JobRegistry, Report

log = logging.getLogger(__name__)

TOKEN_ENV = "TRADETALKS_API_TOKEN"
MAX_BODY = 64 * 1024
STATIC = Path(__file__).parent / "static"
MAX_ID = 2**31 - 1

DatasetQ = Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9\-]{0,39}$")]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]
RecId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
ScenarioName = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (E.ResourceNotFoundError, 404),
    (E.NotFoundError, 404),
    (E.DatasetNotFoundError, 404),
    (E.ScenarioNotFoundError, 404),
    (E.DuplicateError, 409),
    (E.ReferenceDataMissingError, 409),
    (E.ServiceLimitError, 429),
    (E.DatabaseUnavailableError, 503),
    (E.TradeTalksError, 422),
)


def status_of(exc: Exception) -> int:
    """HTTP status of a named error (the first matching class in :data:`_STATUS`)."""
    for cls, code in _STATUS:
        if isinstance(exc, cls):
            return code
    return 500


class BodyLimit:
    """ASGI middleware refusing request bodies above ``limit`` bytes with 413 (by header or by count)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = self.limit + 1
                if n > self.limit:
                    await _too_large(send, self.limit)
                    return
        # no (trusted) length: buffer the body up to the limit, then replay it
        chunks: list[bytes] = []
        seen = 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunk = msg.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(chunk)
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = (b'{"error":"request body too large","detail":"expected at most %d bytes"}' % limit)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _plotly_js() -> Path:
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise E.ServiceError("plotly is not installed: the browser UI needs its bundled plotly.min.js")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


def create_app(
    *,
    api_token: str | None = None,
    database_url: str | None = None,
    seed: bool = True,
    job_workers: int = 2,
) -> FastAPI:
    """Build the web service.

    Parameters
    ----------
    api_token
        Bearer token for writes; default ``$TRADETALKS_API_TOKEN`` (unset: writes refused).
    database_url
        Negotiation-record database (SQLAlchemy URL); default :func:`tradetalks.store.default_database_url`.
    seed
        Load the 2025-26 Japan-US rounds into the record on first start.
    job_workers
        Threads running background jobs.
    """
    token = (api_token if api_token is not None else os.environ.get(TOKEN_ENV)) or None
    jobs = JobRegistry(workers=job_workers)
    state: dict[str, Any] = {}
    store_lock = threading.Lock()

    def store() -> Any:
        with store_lock:
            if "store" not in state:
                from tradetalks.store import open_store, seed_japan_us

                st = open_store(database_url)
                if seed:
                    state["seed_id"] = seed_japan_us(st).id
                state["store"] = st
            return state["store"]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()
        if "store" in state:
            state["store"].close()

    app = FastAPI(
        title="tradetalks",
        version="0.1.0",
        summary="Tariff negotiations: evaluate packages, frontiers, bargaining solutions, the Japan-US talks",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY)

    # --- errors -------------------------------------------------------------------------------

    @app.exception_handler(E.TradeTalksError)
    async def named_error(_: Request, exc: E.TradeTalksError) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                for e in exc.errors()[:20]]
        return JSONResponse({"error": "invalid request", "detail": errs}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse({"error": "internal error", "detail": type(exc).__name__}, status_code=500)

    # --- security -----------------------------------------------------------------------------

    def _bearer(request: Request) -> str | None:
        h = request.headers.get("authorization", "")
        return h[7:].strip() if h[:7].lower() == "bearer " else None

    def _check(request: Request) -> None:
        if token is None:
            raise _Http(403, "writes are disabled: the operator has not set TRADETALKS_API_TOKEN")
        given = _bearer(request)
        if given is None:
            raise _Http(401, "expected an 'Authorization: Bearer <token>' header; found none")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise _Http(401, "the bearer token does not match TRADETALKS_API_TOKEN")

    def write_access(request: Request) -> None:
        _check(request)

    def read_access(request: Request) -> None:
        client = request.client.host if request.client else None
        if not _loopback(client):
            _check(request)

    Read = Depends(read_access)
    Write = Depends(write_access)

    @app.exception_handler(_Http)
    async def http_error(_: Request, exc: _Http) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"error": "forbidden" if exc.status == 403 else "unauthorized", "detail": exc.detail},
                            status_code=exc.status, headers=headers)

    # --- UI -----------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="application/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # --- reads --------------------------------------------------------------------------------

    @app.get("/api/health", dependencies=[Read])
    def health() -> dict[str, object]:
        return {"status": "ok", "writes_enabled": token is not None, "jobs": len(jobs.list())}

    @app.get("/api/datasets", dependencies=[Read])
    def datasets() -> list[S.DatasetOut]:
        return sv.list_datasets()

    @app.get("/api/package/defaults", dependencies=[Read])
    def package_defaults(dataset: DatasetQ = "world2014") -> S.PackageDefaults:
        return sv.package_defaults(dataset)

    @app.post("/api/package/evaluate", dependencies=[Read])
    def evaluate_package(spec: S.PackageSpec) -> S.Impact:
        return sv.impact(spec)

    @app.get("/api/scenarios", dependencies=[Read])
    def scenarios() -> list[S.ScenarioOut]:
        return sv.list_scenarios()

    @app.post("/api/scenarios/{name}/evaluate", dependencies=[Read])
    def evaluate_scenario(
        name: ScenarioName,
        req: S.ScenarioRequest | None = None,
    ) -> S.ScenarioResult:
        return sv.scenario_impact(name, None if req is None else req.dataset)

    @app.post("/api/frontier", dependencies=[Read])
    def frontier(spec: S.FrontierSpec) -> S.FrontierOut:
        return sv.frontier(spec)

    @app.post("/api/bargain", dependencies=[Read])
    def bargain(spec: S.BargainSpec) -> S.SolutionOut:
        return sv.bargain(spec)

    @app.post("/api/war", dependencies=[Read])
    def war(spec: S.WarSpec) -> S.WarOut:
        return sv.war(spec)

    @app.get("/api/timeline", dependencies=[Read])
    def timeline(dataset: DatasetQ = "world2014") -> list[S.TimelineEvent]:
        st = store()
        rounds = st.list_rounds(state["seed_id"]) if "seed_id" in state else []
        return sv.timeline_events(rounds, dataset)

    # --- jobs ---------------------------------------------------------------------------------

    @app.post("/api/jobs/simulate", dependencies=[Write], status_code=202)
    def start_simulation(spec: S.SimulationSpec) -> S.JobOut:
        sv.check_simulation(spec)
        def run(report: Report) -> dict[str, Any]:
            report(0.0, "tracing the frontier")

            def progress(what: str, done: int, total: int) -> None:
                report(0.9 * done / max(total, 1), f"{what}: {done}/{total}")

            out = sv.simulate(spec, progress)
            report(0.99, "rounds simulated")
            return out

        return S.JobOut(**jobs.submit("simulate", run).view())

    @app.get("/api/jobs", dependencies=[Read])
    def list_jobs() -> list[S.JobOut]:
        return [S.JobOut(**{**j.view(), "result": None}) for j in jobs.list()]

    @app.get("/api/jobs/{job_id}", dependencies=[Read])
    def get_job(job_id: JobId) -> S.JobOut:
        return S.JobOut(**jobs.get(job_id).view())

    @app.delete("/api/jobs/{job_id}", dependencies=[Write])
    def cancel_job(job_id: JobId) -> S.JobOut:
        return S.JobOut(**jobs.cancel(job_id).view())

    # --- negotiation records ------------------------------------------------------------------

    @app.get("/api/records", dependencies=[Read])
    def list_records(limit: Limit = 100, offset: Offset = 0) -> dict[str, object]:
        st = store()
        return {"total": st.count_records(), "records": [r.as_dict() for r in st.list_records(limit=limit, offset=offset)]}

    @app.post("/api/records", dependencies=[Write], status_code=201)
    def create_record(req: S.RecordIn) -> dict[str, object]:
        rec = store().create_record(req.title, list(req.parties), key=req.key, description=req.description)
        return dict(rec.as_dict())

    @app.get("/api/records/{record_id}", dependencies=[Read])
    def get_record(record_id: RecId) -> dict[str, object]:
        st = store()
        rec = st.get_record(record_id)
        return {**rec.as_dict(), "rounds": [r.as_dict() for r in st.list_rounds(record_id)]}

    @app.post("/api/records/{record_id}/rounds", dependencies=[Write], status_code=201)
    def add_round(record_id: RecId, req: S.RoundIn) -> dict[str, object]:
        from tradetalks.store import OfferSpec, RoundSpec

        spec = RoundSpec(
            date=req.date, title=req.title, kind=req.kind, place=req.place, counterparts=req.counterparts,
            notes=req.notes,
            offers=tuple(OfferSpec(o.party, o.label, {"web_package": o.package.model_dump(mode="json")})
                         for o in req.offers),
        )
        return dict(store().add_round(record_id, spec).as_dict())

    @app.post("/api/runs", dependencies=[Write], status_code=201)
    def add_run(req: S.RunIn) -> dict[str, object]:
        from tradetalks.store import RunSpec

        st = store()
        result = sv.impact(req.package)
        run = st.add_run(RunSpec(
            inputs={"package": req.package.model_dump(mode="json"), "label": req.label},
            dataset_name=req.package.dataset, dataset_version=_version(req.package.dataset),
            model="ossa", closure=req.package.closure, results=result.model_dump(mode="json"),
            record_id=req.record_id, offer_id=req.offer_id,
        ))
        return dict(run.as_dict())

    @app.get("/api/runs", dependencies=[Read])
    def list_runs(
        record_id: OptId = None,
        limit: Limit = 100, offset: Offset = 0,
    ) -> list[dict[str, object]]:
        return [r.as_dict() for r in store().list_runs(record_id=record_id, limit=limit, offset=offset)]

    @app.get("/api/runs/{run_id}", dependencies=[Read])
    def get_run(run_id: RecId) -> dict[str, object]:
        return dict(store().get_run(run_id).as_dict())

    app.state.jobs = jobs
    app.state.store = store
    return app


class _Http(Exception):
    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


@lru_cache(maxsize=16)
def _version(name: str) -> str:
    from tradetalks.store import dataset_version

    return dataset_version(sv.dataset(name))


