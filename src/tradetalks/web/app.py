"""The FastAPI application factory: middleware, error handlers and the routers (see
:mod:`tradetalks.web.routers`); no route lives here.

Security model: :mod:`tradetalks.web.security` (allowed hosts, proxies, headers, tokens, limits).
Error answers: :mod:`tradetalks.web.handlers` (every named error a 4xx, an unavailable store 503).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from tradetalks.web import caching, handlers
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
CACHE_ENV = "TRADETALKS_CACHE_DIR"
WARM_ENV = "TRADETALKS_WARM"
CACHE_FOLDER = "tradetalks-results-cache"
SWITCH_INTERVAL_S = 0.001
EVAL_PROCESSES_ENV = "TRADETALKS_EVAL_PROCESSES"

__all__ = ["MAX_BODY", "TOKEN_ENV", "create_app", "status_of"]


def _env_list(name: str) -> list[str]:
    return [p.strip() for p in os.environ.get(name, "").split(",") if p.strip()]


def _cache_folder(cache_dir: str | os.PathLike[str] | None, database_url: str | None) -> Path | None:
    """The result cache's shared folder: ``cache_dir``, else ``$TRADETALKS_CACHE_DIR``, else a folder next
    to a SQLite record (every worker process of a deployment shares the record, so the cache too); none
    for a PostgreSQL record without a setting."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env)
    from tradetalks.errors import StoreError
    from tradetalks.store.engine import _normalise_url, default_database_url, sqlite_path

    try:
        u = _normalise_url(database_url or default_database_url())
    except StoreError:
        return None  # the store reports a bad URL itself
    path = sqlite_path(u) if u.get_backend_name() == "sqlite" else None
    return None if path is None else path.parent / CACHE_FOLDER


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
    cache_dir: str | os.PathLike[str] | None = None,
    warm: bool | None = None,
    eval_processes: int | None = None,
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
    cache_dir
        Folder of the package-result cache shared by the worker processes (:mod:`tradetalks.web.caching`);
        default ``$TRADETALKS_CACHE_DIR``, else ``tradetalks-results-cache`` next to a SQLite record.
    warm
        Before serving, load the default dataset and evaluate the desk's default package and the
        timeline's tariffs in force (about 1-3 s once per worker process; later requests find them
        ready). Default ``$TRADETALKS_WARM`` (``0`` turns it off), on.
    eval_processes
        Evaluate desk packages in this many separate processes per worker (:func:`caching.use_processes`;
        ``tradetalks serve --workers N`` with N > 1 uses 1); default ``$TRADETALKS_EVAL_PROCESSES`` or 0
        (a thread of the worker).
    """
    token = (api_token if api_token is not None else os.environ.get(TOKEN_ENV)) or None
    hosts = (
        list(allowed_hosts) if allowed_hosts is not None else (_env_list(HOSTS_ENV) or list(LOOPBACK_HOSTS))
    )
    proxies = list(trusted_proxies) if trusted_proxies is not None else _env_list(PROXIES_ENV)
    ctx = _context(token, proxies, database_url, seed, job_workers, share_jobs,
                   RateLimiter(per_minute=job_starts_per_minute, burst=job_burst))
    caching.configure(_cache_folder(cache_dir, database_url))
    warm_up = warm if warm is not None else os.environ.get(WARM_ENV, "1").strip() != "0"  # once a worker
    eval_procs = int(os.environ.get(EVAL_PROCESSES_ENV, "0").strip() or 0) if eval_processes is None else eval_processes

    lifespan = _lifespan(ctx, warm_up, eval_procs)
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
    _install(app, hosts)
    return app


def _lifespan(ctx: Context, warm_up: bool, eval_procs: int) -> Any:
    """Start-up (GIL switch interval, warming, evaluation processes) and shut-down of a serving process."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # a serving process: quick requests (record writes holding the SQLite write lock) get the GIL back
        # from the evaluation thread within 1 ms instead of 5 ms
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        if warm_up:  # a worker accepts requests only once warm (the others keep serving meanwhile)
            await asyncio.to_thread(caching.warm)
        if eval_procs:
            await asyncio.to_thread(caching.use_processes, eval_procs)
        yield
        caching.use_processes(0)
        ctx.close()

    return lifespan


def _context(token: str | None, proxies: list[str], database_url: str | None, seed: bool, job_workers: int,
             share_jobs: bool, limiter: RateLimiter) -> Context:
    """The service context; with ``share_jobs`` the job registry keeps its state in the context's store."""
    holder: list[Context] = []
    ctx = Context(
        token=token,
        jobs=JobRegistry(workers=job_workers, shared=(lambda: holder[0].store()) if share_jobs else None),
        clients=ClientPolicy(proxies),
        limiter=limiter,
        database_url=database_url,
        seed=seed,
    )
    holder.append(ctx)
    return ctx


def _install(app: FastAPI, hosts: list[str]) -> None:
    """Error handlers, middleware (body limit, allowed hosts and headers, compression), routers, static files."""
    handlers.install(app)
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(HostAndHeaders, allowed_hosts=hosts)
    for r in (system.router, analysis.router, heavy.router, records.router):
        app.include_router(r)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # issue 14 (H14): compressed static assets and JSON
    app.mount("/static", VersionedStatic(directory=STATIC), name="static")
