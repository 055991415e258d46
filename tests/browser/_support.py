"""Shared set-up of the browser tests: Debian's Chromium (never ``playwright install``) and the app served
by uvicorn in a thread on a free loopback port, with a throw-away SQLite record store."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def chromium_page(width: int = 1440, height: int = 900) -> Iterator[tuple[Any, list[str]]]:
    """A page of Debian's Chromium (headless) and the list its uncaught page errors are collected in."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            pg = b.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            yield pg, errors
        finally:
            b.close()


@contextmanager
def serve_app(token: str, prefix: str) -> Iterator[str]:
    """Serve ``create_app`` on loopback; yields the base URL and stops the server afterwards."""
    need_browser()
    from tradetalks.web.app import create_app
    from tradetalks.web.local import serve_in_thread

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    app = create_app(api_token=token, database_url=f"sqlite:///{tmp / 'record.sqlite3'}")
    try:
        with serve_in_thread(app) as url:
            yield url
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
