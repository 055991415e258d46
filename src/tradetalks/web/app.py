"""The FastAPI application factory: middleware, error handlers and the routers (see
:mod:`tradetalks.web.routers`); no route lives here.

Security model: :mod:`tradetalks.web.security` (allowed hosts, proxies, headers, tokens, limits).
Error answers: :mod:`tradetalks.web.handlers` (every named error a 4xx, an unavailable store 503).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from tradetalks.web import handlers
from tradetalks.web.assets import VersionedStatic
from tradetalks.web.deps import Context
from tradetalks.web.handlers import status_of
from tradetalks.web.jobs import JobRegistry
from tradetalks.web.routers import analysis, heavy, records, system
from tradetalks.web.routers.system import STATIC
from tradetalks.web.security import (
    LOOPBACK_HOSTS,
    MAX_BODY,
    BodyLimit,
    ClientPolicy,
    HostAndHeaders,
    RateLimiter,
)

TOKEN_ENV = "TRADETALKS_API_TOKEN"
HOSTS_ENV = "TRADETALKS_ALLOWED_HOSTS"
PROXIES_ENV = "TRADETALKS_TRUSTED_PROXIES"

__all__ = ["MAX_BODY", "TOKEN_ENV", "create_app", "status_of"]


def _env_list(name: str) -> list[str]:
    return [p.strip() for p in os.environ.get(name, "").split(",") if p.strip()]


def create_app(
    *,
    api_token: str | None = None,
    database_url: str | None = None,
    seed: bool = True,
    job_workers: int = 2,
    allowed_hosts: Sequence[str] | None = None,
    trusted_proxies: Sequence[str] | None = None,
    job_starts_per_minute: float = 30.0,
    job_burst: int = 6,
    share_jobs: bool = True,
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
    allowed_hosts
        ``Host`` names served (default ``$TRADETALKS_ALLOWED_HOSTS`` or the loopback names); ``"*"`` any.
    trusted_proxies
        Addresses/networks of reverse proxies whose ``X-Forwarded-For`` is believed (default
        ``$TRADETALKS_TRUSTED_PROXIES`` or none).
    job_starts_per_minute, job_burst
        Per-client limit on heavy job starts.
    share_jobs
        Keep the jobs' state in the record store, so every worker process sees every job (default); off,
        or while the store is unavailable or read-only, jobs live in the process that runs them.
    """
    token = (api_token if api_token is not None else os.environ.get(TOKEN_ENV)) or None
    hosts = (
        list(allowed_hosts) if allowed_hosts is not None else (_env_list(HOSTS_ENV) or list(LOOPBACK_HOSTS))
    )
    proxies = list(trusted_proxies) if trusted_proxies is not None else _env_list(PROXIES_ENV)
    holder: list[Context] = []
    ctx = Context(
        token=token,
        jobs=JobRegistry(workers=job_workers, shared=(lambda: holder[0].store()) if share_jobs else None),
        clients=ClientPolicy(proxies),
        limiter=RateLimiter(per_minute=job_starts_per_minute, burst=job_burst),
        database_url=database_url,
        seed=seed,
    )
    holder.append(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPI(
        title="tradetalks",
        version="0.1.0",
        summary="Tariff negotiations: evaluate packages, frontiers, bargaining solutions, the Japan-US talks",
        lifespan=lifespan,
        docs_url=None,  # Swagger/ReDoc load CDN scripts: /docs is our local page (routers/system.py)
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.jobs = ctx.jobs
    app.state.store = ctx.store
    handlers.install(app)
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(HostAndHeaders, allowed_hosts=hosts)
    for r in (system.router, analysis.router, heavy.router, records.router):
        app.include_router(r)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # issue 14 (H14): compressed static assets and JSON
    app.mount("/static", VersionedStatic(directory=STATIC), name="static")
    return app
