"""Web service and browser UI: a FastAPI app (``create_app``) of thin adapters over the library.

Start it with ``tradetalks serve`` (default ``127.0.0.1:8000``). The OpenAPI schema is at ``/openapi.json``,
the browser UI at ``/``.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from tradetalks.web.app import create_app

        return create_app
    raise AttributeError(name)
