"""Browser test of the bands on the line charts (issue 13): with the desk's "Uncertainty bands" at 50 draws,
the timeline draws a shaded 5–95 % ribbon (a Plotly ``fill: "tonexty"`` trace labelled "5–95 % band, 50
draws, seed 0") around each welfare line, and the frontier's points carry asymmetric error bars on both axes.

Reference: the ribbon's edges equal the JSON API's bands for the same request (1e-9; the API's bands are
checked against the library in ``tests/test_web_line_bands.py``). Headless Debian Chromium, as the other
browser tests; waits on DOM states, no wall-clock limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser._support import chromium_page, serve_app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_app("line-bands-token", "tt-line-bands-") as url:
        yield url


def _api_timeline(server: str) -> list[dict[str, Any]]:
    """The API's timeline with bands (following the job when it answers 202)."""
    import time

    import httpx

    r = httpx.get(server + "/api/timeline", params={"uncertainty": 50}, timeout=None)
    if r.status_code == 200:
        out: list[dict[str, Any]] = r.json()
        return out
    assert r.status_code == 202, r.text
    while True:
        j = httpx.get(server + f"/api/jobs/{r.json()['id']}", timeout=None).json()
        if j["status"] not in ("queued", "running"):
            assert j["status"] == "done", j
            events: list[dict[str, Any]] = j["result"]["events"]
            return events
        time.sleep(0.3)


def test_timeline_ribbon_and_frontier_whiskers(server: str) -> None:
    with chromium_page() as (pg, errors):
        pg.goto(server + "/?tab=timeline&unc=50")
        pg.wait_for_selector("#t-events[data-state=bands]", timeout=0)
        traces = pg.evaluate("document.getElementById('c-timeline').data.map(t => ({name: t.name, fill: t.fill || null, y: t.y}))")
        filled = [t for t in traces if t["fill"] == "tonexty"]
        assert len(filled) == 2, [t["name"] for t in traces]
        assert all("5–95 % band, 50 draws, seed 0" in t["name"] for t in filled)
        api = _api_timeline(server)
        us = next(t for t in filled if t["name"].startswith("US"))
        for k in (0, len(api) - 1):
            assert math.isclose(us["y"][k], api[k]["in_force"]["us"]["welfare_pct_band"][1], rel_tol=1e-9, abs_tol=1e-12)
        assert "5–95 %" in pg.inner_html("#t-events")
        pg.goto(server + "/?tab=frontier&unc=50&nodeal=escalation&pts=4")
        pg.wait_for_selector("#f-info:has-text('Whiskers')", timeout=0)
        err = pg.evaluate("(() => { const t = document.getElementById('c-frontier').data[0]; return [t.error_x, t.error_y]; })()")
        assert err[0] is not None and err[1] is not None and err[0]["symmetric"] is False
        assert "5–95 %" in pg.inner_html("#a-frontier")
        assert not errors, errors

