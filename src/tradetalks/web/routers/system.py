"""The browser UI, its local assets (no CDN) and ``/api/health``."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from tradetalks import errors as E
from tradetalks.web import assets
from tradetalks.web.deps import Read, context
from tradetalks.web.handlers import ERROR_RESPONSES

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(responses=ERROR_RESPONSES)


def _plotly_js() -> Path:
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise E.ServiceError("plotly is not installed: the browser UI needs its bundled plotly.min.js")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


@router.get("/", include_in_schema=False)
def index() -> HTMLResponse:
    # issue 14 (H14): assets versioned by content hash, the page itself revalidated
    return HTMLResponse(assets.index_html(), headers={"cache-control": "no-cache"})


@router.get("/docs", include_in_schema=False)
@router.get("/redoc", include_in_schema=False)
def api_docs() -> FileResponse:
    """The API reference rendered in the browser from ``/openapi.json`` by a local script (no CDN)."""
    return FileResponse(STATIC / "docs.html", media_type="text/html", headers={"cache-control": "no-cache"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml",
                        headers={"cache-control": "public, max-age=86400"})


@router.get("/vendor/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    return FileResponse(_plotly_js(), media_type="application/javascript")


@router.get("/api/health", dependencies=[Read])
def health(request: Request) -> JSONResponse:
    """Service state: ``ok``, ``degraded`` (store read-only) or ``unavailable`` (store down: 503)."""
    ctx = context(request)
    store = ctx.store_health()
    status = {"ok": "ok", "read-only": "degraded"}.get(str(store.get("state")), "unavailable")
    body: dict[str, Any] = {
        "status": status,
        "writes_enabled": ctx.token is not None and store.get("state") == "ok",
        "store": store,
        "jobs": len(ctx.jobs.list()),
        "worker": os.getpid(),  # which worker process answered (a load test waits for every worker)
    }
    return JSONResponse(body, status_code=503 if status == "unavailable" else 200)
