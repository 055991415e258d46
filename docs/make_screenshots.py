"""Refresh the README screenshots of the desk (issue 14): desktop 1440x900 and phone 390x844.

Usage: ``python docs/make_screenshots.py`` (Debian's Chromium at /usr/bin/chromium, Playwright). Writes
``docs/screenshot-desktop.png`` and ``docs/screenshot-phone.png``.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from tradetalks.web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="tt-shots-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(create_app(database_url=f"sqlite:///{tmp / 'r.sqlite3'}"),
                                        host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
            for name, vp, url, ready in (
                ("desktop", {"width": 1440, "height": 900}, "?base=jp-us-deal", "#results[data-state=ok]"),
                ("phone", {"width": 390, "height": 844}, "?base=jp-us-deal", "#results[data-state=ok]"),
            ):
                pg = b.new_page(viewport=vp)
                pg.set_default_timeout(90_000)
                pg.goto(base + url)
                pg.wait_for_selector("#results[data-state=ok]")
                if name == "frontier":
                    try:
                        pg.wait_for_selector("#c-frontier .main-svg")
                    except Exception:
                        print("frontier:", pg.inner_text("#f-info"), pg.inner_text("#status"))
                        raise
                    pg.wait_for_selector(ready, state="attached")
                pg.wait_for_timeout(800)
                pg.screenshot(path=str(HERE / f"screenshot-{name}.png"))
                pg.close()
            b.close()
    finally:
        srv.should_exit = True
        th.join(timeout=30)


if __name__ == "__main__":
    main()
