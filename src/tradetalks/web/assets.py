"""The browser UI's static assets (issue 14): versioned URLs, cache headers, the favicon.

* ``index.html`` is served with every ``/static/...`` reference rewritten to ``/static/...?v=<hash>`` (the
  first 12 hex digits of the file's SHA-256), so a changed asset gets a new URL and an unchanged one is
  cached by the browser for a year (``Cache-Control: public, max-age=31536000, immutable``). The page itself
  is ``no-cache`` (revalidated), so a new release is picked up at once.
* Plotly is the vendored ``plotly.js-basic-dist-min`` bundle (scatter and bar traces only, MIT licence in
  ``static/vendor/``), about 1.2 MB raw and 0.4 MB compressed instead of the full 4.8 MB bundle.
* Compression is :class:`starlette.middleware.gzip.GZipMiddleware` in the app factory.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent / "static"
#: Cache lifetime of a versioned asset (a year; its URL changes with its content).
IMMUTABLE = "public, max-age=31536000, immutable"
_REF = re.compile(r'(/static/[A-Za-z0-9_./-]+\.(?:js|css|svg|png))(?=")')


@lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version_of(rel: str) -> str:
    """Content hash of a static file (``rel`` below ``static/``)."""
    p = STATIC / rel
    return _digest(p, p.stat().st_mtime_ns)


def index_html() -> str:
    """``index.html`` with every ``/static/...`` reference versioned by content."""
    text = (STATIC / "index.html").read_text(encoding="utf-8")
    return _REF.sub(lambda m: f"{m.group(1)}?v={version_of(m.group(1)[len('/static/'):])}", text)


class VersionedStatic(StaticFiles):
    """Static files with cache headers: immutable for a versioned URL (``?v=``), revalidated otherwise."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        resp = super().file_response(*args, **kwargs)
        scope: Scope = kwargs.get("scope", args[2] if len(args) > 2 else {})
        qs = scope.get("query_string", b"") if isinstance(scope, dict) else b""
        resp.headers["cache-control"] = IMMUTABLE if b"v=" in qs else "no-cache"
        return resp


__all__ = ["IMMUTABLE", "STATIC", "VersionedStatic", "index_html", "version_of"]
