"""Bands on the web's line charts (issue 13): what a request with ``uncertainty`` costs.

- the timeline with 50 and 200 draws (``GET /api/timeline?uncertainty=N`` through the app, a heavy job
  followed to its end; the bands' cache dropped before each run, the plain timeline warm as after the
  server's start-up warming): wall and CPU seconds of the request (the job runs in a thread of this process,
  so the process's CPU time is the request's);
- the frontier job's bands at 50 draws (12 points + the solutions + the no-deal point in one
  :func:`tradetalks.sweep.bargain_bands.packages_bands` call; the frontier itself traced and cached first).

No goal of the issue applies directly; the web's rule is that a request never waits on heavy work (the job
design) and the figures say how long the user waits for the bands. The load average is recorded with each
row. Run: ``python benchmarks/run.py web_bands``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _util import row

REPEAT = 3


def _load() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"load_1min": one, "load_5min": five, "load_15min": fifteen}


def _timed(fn: Any) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def _timeline_rows() -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from tradetalks.web import services_bands as sbands
    from tradetalks.web.app import create_app

    db = Path(tempfile.mkdtemp(prefix="bench-web-bands-")) / "record.sqlite3"
    app = create_app(database_url=f"sqlite:///{db}", warm=False, job_burst=100)
    out = []
    with TestClient(app, client=("127.0.0.1", 50010), base_url="http://localhost") as client:
        assert client.get("/api/timeline").status_code == 200  # the plain timeline, warm

        def request(n: int) -> None:
            sbands._cache.clear()
            r = client.get("/api/timeline", params={"uncertainty": n})
            if r.status_code == 202:
                app.state.ctx.jobs.get(r.json()["id"]).future.result()
                assert client.get(f"/api/jobs/{r.json()['id']}").json()["status"] == "done"
            else:
                assert r.status_code == 200, r.text

        for n in (50, 200):
            runs = [(_timed(lambda n=n: request(n)), _load()["load_1min"]) for _ in range(REPEAT)]
            wall = statistics.median(w for (w, _), _ in runs)
            cpu = statistics.median(c for (_, c), _ in runs)
            out.append(row(f"web timeline with bands, {n} draws (37 events, 36 dates, world2022)", (wall, 0.0),
                           goal="no request waits on it: a job (200 within 2 s, else 202)", cpu_s=cpu,
                           walls=[w for (w, _), _ in runs], load_1min_each=[ld for _, ld in runs], **_load()))
    return out


def _frontier_row() -> dict[str, Any]:
    from tradetalks.web import schemas as S
    from tradetalks.web import services as sv
    from tradetalks.web import services_bands as sbands

    spec = S.FrontierSpec(nodeal="escalation")
    sv.trace(spec)

    def bands() -> None:
        sbands._cache.clear()
        sbands.frontier_bands(spec, 50, 0)

    runs = [(_timed(bands), _load()["load_1min"]) for _ in range(REPEAT)]
    return row("web frontier bands, 50 draws (12 points + solutions + no deal, one packages_bands call)",
               (statistics.median(w for (w, _), _ in runs), 0.0), goal="", cpu_s=statistics.median(c for (_, c), _ in runs),
               load_1min_each=[ld for _, ld in runs], **_load())


def run() -> list[dict[str, Any]]:
    return [*_timeline_rows(), _frontier_row()]
