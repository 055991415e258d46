"""What every router needs: the service context (token, jobs, record store, limits) and the access
dependencies (``Read``, ``Write``, ``HeavyStart``).

The context lives on ``app.state.ctx``; routers get it with :func:`context`. The record store is opened
lazily on first use and its state (``ok``, ``read-only``, ``unavailable``) is kept for ``/api/health``;
a store that cannot be opened answers 503 with the reason, and is retried on the next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request

from tradetalks.errors import DuplicateError, StoreError
from tradetalks.web.handlers import HttpProblem
from tradetalks.web.jobs import JobRegistry
from tradetalks.web.security import ClientPolicy, RateLimiter, token_matches


@dataclass
class Context:
    """Per-app state shared by the routers."""

    token: str | None
    jobs: JobRegistry
    clients: ClientPolicy
    limiter: RateLimiter
    database_url: str | None = None
    seed: bool = True
    state: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> Any:
        """The record store (opened, migrated and seeded on first use); raises a named StoreError (503)."""
        with self.lock:
            if "store" in self.state:
                return self.state["store"]
            from tradetalks.store import open_store, seed_japan_us

            try:
                st = open_store(self.database_url)
                if self.seed and not st.read_only:
                    try:
                        self.state["seed_id"] = seed_japan_us(st).id
                    except DuplicateError:  # another worker process seeded it at the same moment
                        self.state["seed_id"] = seed_japan_us(st).id
                elif self.seed:
                    self.state["seed_id"] = _find_seed(st)
            except StoreError as exc:
                self.state["store_error"] = f"{type(exc).__name__}: {exc}"
                raise
            self.state.pop("store_error", None)
            self.state["store"] = st
            return st

    def store_health(self) -> dict[str, Any]:
        """State of the record store for ``/api/health`` (opens it if needed; never raises)."""
        try:
            st = self.store()
        except StoreError:
            return {"state": "unavailable", "detail": self.state.get("store_error", "")}
        try:
            return dict(st.health())
        except StoreError as exc:
            return {"state": "unavailable", "detail": f"{type(exc).__name__}: {exc}"}

    def close(self) -> None:
        self.jobs.shutdown()
        st = self.state.pop("store", None)
        if st is not None:
            st.close()


def _find_seed(st: Any) -> int | None:
    from tradetalks.errors import NotFoundError
    from tradetalks.store import JAPAN_US_KEY

    try:
        return int(st.get_record_by_key(JAPAN_US_KEY).id)
    except NotFoundError:
        return None


def context(request: Request) -> Context:
    """The service context of the app serving ``request``."""
    ctx = request.app.state.ctx
    assert isinstance(ctx, Context)
    return ctx


def client_of(request: Request) -> tuple[str, bool]:
    """``(address, local)`` of the requesting client (see :class:`ClientPolicy`)."""
    ctx = context(request)
    return ctx.clients.client(request.client.host if request.client else None, request.headers)


def _bearer(request: Request) -> str | None:
    h = request.headers.get("authorization", "")
    return h[7:].strip() if h[:7].lower() == "bearer " else None


def _check_token(request: Request) -> None:
    token = context(request).token
    if token is None:
        raise HttpProblem(403, "writes are disabled: the operator has not set TRADETALKS_API_TOKEN")
    given = _bearer(request)
    if given is None:
        raise HttpProblem(401, "expected an 'Authorization: Bearer <token>' header; found none")
    if not token_matches(given, token):
        raise HttpProblem(401, "the bearer token does not match TRADETALKS_API_TOKEN")


def write_access(request: Request) -> None:
    """Writes need the token."""
    _check_token(request)


def read_access(request: Request) -> None:
    """Reads are open to local clients; remote ones need the token."""
    _, local = client_of(request)
    if not local:
        _check_token(request)


def heavy_start(request: Request) -> str:
    """The client's address, owner of the heavy job it starts (the rate limit is taken when the validated
    request starts its job: :func:`tradetalks.web.routers.heavy._start`)."""
    client, _ = client_of(request)
    return client


Read = Depends(read_access)
Write = Depends(write_access)
HeavyStart = Depends(heavy_start)
