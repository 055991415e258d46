"""Shared set-up of the browser tests: Debian's Chromium (never ``playwright install``) and the app served
by uvicorn in a thread on a free loopback port, with a throw-away SQLite record store."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def need_browser() -> None:
    """Skip without Chromium or Playwright; fail instead under CI (``CI`` set)."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if missing:
        msg = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI is set)")
        pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(token: str, prefix: str) -> Iterator[str]:
    """Serve ``create_app`` on loopback; yields the base URL and stops the server afterwards."""
    need_browser()
    import uvicorn

    from tradetalks.web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    app = create_app(api_token=token, database_url=f"sqlite:///{tmp / 'record.sqlite3'}")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started and th.is_alive():
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
