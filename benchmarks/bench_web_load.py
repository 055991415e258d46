"""Time to numbers on a cold page load of the desk, with the server warm (issue 14).

The app runs in uvicorn on a loopback port (one process, as ``tradetalks serve``). The server is warmed
first (the page loaded once, so the dataset, the solver and the package cache for the default request are
hot). Then each repetition opens a NEW browser context (empty cache, no cookies) in headless Debian Chromium
(Playwright, ``executable_path=/usr/bin/chromium``) and measures, in the page's own clock
(``performance.now()`` since navigation start), when the first numbers are shown (``#results`` in state
``ok``), plus the bytes transferred for the load (navigation + every resource, ``transferSize``: headers and
compressed bodies). Reported: median and all repetitions; the goal is < 1 s and < 2 MB.

Usage::

    python benchmarks/bench_web_load.py [--reps 7]

merges ``web_load`` into ``benchmarks/results.json`` (other keys kept); ``benchmarks/run.py`` also picks up
``run()``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
RESULTS = Path(__file__).resolve().parent / "results.json"


def measure(reps: int = 7) -> dict[str, Any]:
    """Cold page loads against a warm server: time to numbers (ms) and bytes transferred."""
    from playwright.sync_api import sync_playwright

    from tradetalks.web.app import create_app
    from tradetalks.web.local import serve_in_thread

    tmp = Path(tempfile.mkdtemp(prefix="tt-bench-web-"))
    app = create_app(database_url=f"sqlite:///{tmp / 'record.sqlite3'}")
    times: list[float] = []
    sizes: list[int] = []
    with serve_in_thread(app) as base, sync_playwright() as p:
        url = base + "/"
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for k in range(reps + 1):  # the first load warms the server and is not counted
            ctx = browser.new_context(viewport={"width": 1440, "height": 900})
            page = ctx.new_page()
            page.set_default_timeout(600_000)
            page.goto(url)
            page.wait_for_selector("#results[data-state=ok]")
            t_ms = float(page.evaluate("performance.now()"))
            page.wait_for_load_state("load")
            size = int(page.evaluate(
                "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                ".reduce((s, e) => s + (e.transferSize || 0), 0)"))
            ctx.close()
            if k:
                times.append(t_ms)
                sizes.append(size)
        browser.close()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": os.getloadavg()[0],
        "reps": reps,
        "time_to_numbers_ms_median": statistics.median(times),
        "time_to_numbers_ms": [round(t, 1) for t in times],
        "transferred_bytes_median": int(statistics.median(sizes)),
        "goal": "numbers < 1000 ms after a cold page load (warm server); first load < 2 MB",
    }


def merge(entry: dict[str, Any]) -> None:
    """Merge ``entry`` into benchmarks/results.json under ``web_load`` (other keys are kept)."""
    doc = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    doc["web_load"] = entry
    tmp = RESULTS.with_suffix(".json.webload.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(RESULTS)


def run() -> list[dict[str, Any]]:
    """Rows for ``benchmarks/run.py``."""
    from _util import row

    m = measure()
    return [row("desk: cold page load to numbers (warm server)", (m["time_to_numbers_ms_median"] / 1e3, 0.0),
                goal=m["goal"], transferred_bytes=m["transferred_bytes_median"])]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    out = measure(ap.parse_args().reps)
    merge(out)
    print(json.dumps(out, indent=2))
