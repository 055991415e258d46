"""Browser test of the desk's counter-offer panel (issue 11): Debian's Chromium against the app on loopback.

Opening ``?tab=advisor`` lists the presets and the record's offers, picks the other side's latest offer
(the seeded record's agreed package), runs the advisor as a background job and shows the size of the set
both sides prefer, the best package and the smallest concession as a table with units; the numbers equal
``POST /api/counter-offer``'s for the same request (same job code) to the digits shown. No request leaves
the app's origin, no script error, and axe-core finds no serious or critical violation. No wall-clock
limit on waits (Playwright's timeout 0).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser._support import CHROMIUM, FLAGS, serve_app

TOKEN = "advisor-browser-token"
AXE = Path(__file__).with_name("axe.min.js")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_app(TOKEN, "tt-advisor-") as url:
        yield url


def test_advisor_panel_shows_the_advice(server: str) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        ctx.set_default_timeout(0)
        page = ctx.new_page()
        errors: list[str] = []
        foreign: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: None if str(r.url).startswith((server, "data:", "blob:")) else foreign.append(r.url),
        )
        page.goto(server + "/?tab=advisor")
        page.wait_for_selector("#view-advisor.active")
        page.wait_for_selector("#a-offer option[value^='offer:']", state="attached")
        chosen = page.eval_on_selector("#a-offer", "e => e.value")
        assert chosen.startswith("offer:"), chosen  # the other side's latest stored offer
        page.click("#a-run")
        page.wait_for_selector("#a-table tbody tr")
        rows = page.eval_on_selector_all(
            "#a-table tbody tr", "rs => rs.map(r => Array.from(r.children).map(c => c.textContent))"
        )
        info = page.inner_text("#a-info")
        _axe(page)
        ctx.close()
        browser.close()
    assert not errors and not foreign, (errors, foreign)
    assert "both sides prefer" in info and "US$ bn a year" in info
    assert [r[1] for r in rows] == ["%", "%", "%", "% of gov. welfare", "% of gov. welfare"], rows
    spec = {
        "us": "JPN",
        "upper_pct": 100,
        "samples": 256,
        "offer_id": int(chosen.split(":")[1]),
        "instruments": ["USA:motor_vehicles", "USA:rest", "JPN:all"],
    }
    r = httpx.post(server + "/api/counter-offer", json=spec, timeout=None)
    assert r.status_code == 200, r.text  # the panel's job is done, so the same advice is ready at once
    api = r.json()
    for row, ins in zip(rows, api["instruments"], strict=False):
        assert (
            row[0] == ins["name"] and row[3] == f"{ins['best']:.1f}" and row[4] == f"{ins['concession']:.1f}"
        )


def _axe(page: Any) -> None:
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))})))"
    )
    assert not found, json.dumps(found, indent=1)
