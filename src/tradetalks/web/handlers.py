"""Exception handlers of the web service: every failure becomes a JSON answer ``{"error", "detail"}``.

Named errors map to 4xx (:func:`status_of`); an unavailable, corrupt, foreign or read-only record store
to 503; expected failures of the outside world (undecodable text, too deep nesting, overflow, OS errors)
to the named error they stand for (:func:`tradetalks.inputs.named_error`). Anything else is a bug: it is
logged with a reference and answered 500 with that reference only (no traceback, no internals).
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradetalks import errors as E
from tradetalks.inputs import named_error

log = logging.getLogger("tradetalks.web")

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (E.ResourceNotFoundError, 404),
    (E.NotFoundError, 404),
    (E.DatasetNotFoundError, 404),
    (E.ScenarioNotFoundError, 404),
    (E.DuplicateError, 409),
    (E.ReferenceDataMissingError, 409),
    (E.ServiceLimitError, 429),
    (E.DatabaseUnavailableError, 503),
    (E.ForeignDatabaseError, 503),
    (E.ReadOnlyStoreError, 503),
    (E.SchemaVersionError, 503),
    (E.StoreConfigError, 503),
    (E.TradeTalksError, 422),
)


class ErrorOut(BaseModel):
    """Body of every error answer."""

    error: str
    detail: object


#: Error answers documented on every operation (OpenAPI ``responses``).
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "Host not allowed or malformed request"},
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "Writes disabled (no token configured)"},
    404: {"model": ErrorOut, "description": "No such dataset, scenario, record, run or job"},
    409: {"model": ErrorOut, "description": "Duplicate key or reference data missing"},
    413: {"model": ErrorOut, "description": "Request body too large"},
    422: {"model": ErrorOut, "description": "Invalid input (named error or field validation)"},
    429: {"model": ErrorOut, "description": "Too many pending jobs or job starts from this client"},
    503: {"model": ErrorOut, "description": "Record store unavailable, corrupt, foreign or read-only"},
}


def status_of(exc: Exception) -> int:
    """HTTP status of a named error (the first matching class in :data:`_STATUS`)."""
    for cls, code in _STATUS:
        if isinstance(exc, cls):
            return code
    return 500


class HttpProblem(Exception):
    """An answer with a status and a message (authentication, authorisation)."""

    def __init__(self, status: int, detail: str, error: str = "") -> None:
        self.status = status
        self.detail = detail
        self.error = error or {401: "unauthorized", 403: "forbidden"}.get(status, "error")
        super().__init__(detail)


def _answer(exc: E.TradeTalksError) -> JSONResponse:
    code = status_of(exc)
    headers = None
    if code == 429:
        headers = {"Retry-After": str(getattr(exc, "retry_after", 5))}
    elif code == 503:
        headers = {"Retry-After": "30"}
    return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=code, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(E.TradeTalksError)
    async def named(_: Request, exc: E.TradeTalksError) -> JSONResponse:
        return _answer(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", ""))[:300],
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()[:20]
        ]
        return JSONResponse({"error": "invalid request", "detail": errs}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_exception(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own answers (a body that cannot be parsed: 400; unknown path: 404; method: 405)
        names = {400: "bad request", 404: "not found", 405: "method not allowed"}
        return JSONResponse(
            {"error": names.get(exc.status_code, "error"), "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(HttpProblem)
    async def problem(_: Request, exc: HttpProblem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            {"error": exc.error, "detail": exc.detail}, status_code=exc.status, headers=headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        known = named_error(exc)
        if known is not None:
            return _answer(known)
        if isinstance(exc, ValueError) and "JSON compliant" in str(exc):
            # a result holding NaN/inf reached the JSON encoder: flag it as not converged, never a 500
            return _answer(
                E.NotConvergedError(
                    f"{request.method} {request.url.path}: expected a converged, finite result; found NaN/inf "
                    "in it (the solver did not converge for these inputs)"
                )
            )
        ref = "E-" + secrets.token_hex(4)
        log.error("unexpected error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {
                "error": "internal error",
                "detail": f"unexpected {type(exc).__name__}; reference {ref} in the log",
            },
            status_code=500,
        )
