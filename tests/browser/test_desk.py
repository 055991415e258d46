"""Browser tests of the analyst's desk (issue 14): headless Debian Chromium (Playwright,
``executable_path=/usr/bin/chromium``, never ``playwright install``) against the app served by uvicorn on a
free loopback port, at 1440×900 (desktop) and 390×844 (phone).

They check the honest state (pending while a request is in flight; stale numbers greyed with a readable
error after a failure; a superseded request aborted), the URL round trip (reload, a second tab, the back
button), exports (CSV, JSON, PNG) against the JSON API, the compare view, no horizontal overflow at 390 px,
that no request leaves the app's own origin (every test fails on one), that the deal preset shows what
``tradetalks evaluate jp-us-deal`` prints, and an axe-core scan (vendored ``axe.min.js``, MPL-2.0, see
``LICENSE-axe-core.txt``) with no serious or critical violation on any view.

Waits are on DOM states (``wait_for_selector``); the time limit is only a safety cap far above real work.
The page's CSP forbids ``eval``, so no ``wait_for_function`` with a string.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser._support import CHROMIUM, FLAGS, serve_app

TOKEN = "desk-token"
AXE = Path(__file__).with_name("axe.min.js")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CAP_MS = int(os.environ.get("TT_BROWSER_CAP_MS", "600000"))  # safety cap only: a hung page fails instead of blocking CI forever


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_app(TOKEN, "tt-desk-") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


class Session:
    """A browser context at one viewport that records every request leaving the app's origin."""

    def __init__(self, browser: Any, server: str, viewport: dict[str, int]) -> None:
        self.server = server
        self.ctx = browser.new_context(viewport=viewport, accept_downloads=True)
        self.ctx.set_default_timeout(CAP_MS)
        self.foreign: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.page = self.ctx.new_page()
        self.page.on("request", self._request)
        self.page.on("requestfailed", lambda r: self.failed.append((r.url, str(r.failure))))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _request(self, r: Any) -> None:
        url = str(r.url)
        if not (url.startswith(self.server + "/") or url.startswith(("data:", "blob:"))):
            self.foreign.append(url)

    def close(self) -> None:
        self.ctx.close()
        assert not self.foreign, f"requests to other hosts than the app's own: {self.foreign}"
        assert not self.errors, f"page errors: {self.errors}"


@pytest.fixture()
def desktop(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server, DESKTOP)
    yield s
    s.close()


@pytest.fixture()
def phone(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server, PHONE)
    yield s
    s.close()


# --- helpers -----------------------------------------------------------------------------------


def _ready(pg: Any) -> None:
    pg.wait_for_selector("#results[data-state=ok]")


def _count(pg: Any) -> int:
    return int(pg.evaluate("window.ttStats.evaluations"))


def _next_result(pg: Any, before: int) -> None:
    """Wait for an evaluation newer than ``before`` (count of finished evaluations) to be shown."""
    while _count(pg) <= before:
        pg.wait_for_timeout(25)
    _ready(pg)


def _set_slider(pg: Any, sel: str, value: float, release: bool = True) -> None:
    pg.eval_on_selector(
        sel, "(el, [v, rel]) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));"
             " if (rel) el.dispatchEvent(new Event('change', {bubbles: true})); }", [value, release])


def _post(server: str, path: str, body: dict[str, Any]) -> Any:
    import httpx

    r = httpx.post(server + path, json=body, timeout=None)
    assert r.status_code == 200, r.text
    return r.json()


def _get(server: str, path: str) -> Any:
    import httpx

    r = httpx.get(server + path, timeout=None)
    assert r.status_code == 200, r.text
    return r.json()


def _kpis(pg: Any) -> dict[str, str]:
    ids = ["k-us-welfare", "k-jp-welfare", "k-us-welfare-pct", "k-jp-welfare-pct", "k-balance-before",
           "k-balance-after", "k-us-auto", "k-jp-auto"]
    return {i: str(pg.inner_text(f"#{i}")).strip() for i in ids}


def _axe(pg: Any, where: str) -> None:
    """axe-core on the current view: no serious or critical violation."""
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # CDP evaluation: not an inline script
    found = pg.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))})))")
    assert not found, f"{where}: axe-core: {json.dumps(found, indent=1)}"


def _no_overflow(pg: Any, width: int, where: str) -> None:
    sw = pg.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert sw <= width, f"{where}: the page is {sw} px wide in a {width} px window"
    wide = pg.evaluate(
        f"[...document.querySelectorAll('main *')].filter(e => {{ const r = e.getBoundingClientRect();"
        f" return r.width > 0 && r.right > {width} + 1 && !(e.ownerSVGElement) && !e.closest('.scroll') && !e.closest('details:not([open])'); }})"
        ".slice(0, 5).map(e => e.id || e.tagName)")
    assert not wide, f"{where}: elements beyond the {width} px window: {wide}"


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --- tests -------------------------------------------------------------------------------------


def test_deal_preset_is_the_cli_and_exports_match_the_api(desktop: Session, server: str, tmp_path: Path) -> None:
    """The "July 2025 deal" preset shows what ``tradetalks evaluate jp-us-deal --json`` prints; the CSV, JSON
    and PNG exports parse and carry the JSON API's numbers (identity: same request, same answer)."""
    from typer.testing import CliRunner

    from tradetalks.cli.app import app

    pg = desktop.page
    pg.goto(server + "/")
    _ready(pg)
    n = _count(pg)
    pg.click("#p-deal")
    _next_result(pg, n)
    assert "base=jp-us-deal" in pg.url
    res = CliRunner().invoke(app, ["evaluate", "jp-us-deal", "--json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout[res.stdout.index("{"):])["scenarios"]["jp-us-deal"]["outcome"]["headline"]
    shown = _kpis(pg)
    assert shown["k-us-welfare"] == f"{cli['USA.welfare_ev']:.1f}"
    assert shown["k-jp-welfare"] == f"{cli['JPN.welfare_ev']:.1f}"
    assert shown["k-us-welfare-pct"] == f"{cli['USA.welfare_pct']:.3f}"
    assert shown["k-jp-welfare-pct"] == f"{cli['JPN.welfare_pct']:.3f}"
    assert shown["k-balance-after"] == f"{cli['balance.USA-JPN.after']:.1f}"
    assert shown["k-jp-auto"] == f"{cli['JPN.auto_output_pct']:.2f}"
    # exports
    with pg.expect_download() as dl:
        pg.click("#x-json")
    doc = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert doc["request"]["base"] == "jp-us-deal"
    api = _post(server, "/api/package/evaluate", doc["request"])
    assert doc["result"] == api
    assert _close(api["us"]["welfare_ev_usd_bn"], cli["USA.welfare_ev"])
    assert _close(api["balance_after_usd_bn"], cli["balance.USA-JPN.after"])
    with pg.expect_download() as dl:
        pg.click("#x-csv")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    flat = {r["field"]: r for r in rows}
    assert flat["request.base"]["value"] == "jp-us-deal"
    assert flat["us.welfare_ev_usd_bn"]["unit"] == "US$ bn"
    checked = 0
    for side in ("us", "jp"):
        for k, v in api[side].items():
            if isinstance(v, float):
                assert _close(float(flat[f"{side}.{k}"]["value"]), v), (side, k)
                checked += 1
    for i, s in enumerate(api["sectors"]):
        assert _close(float(flat[f"sectors.{i}.usa_output_pct"]["value"]), s["usa_output_pct"])
    assert checked > 20
    with pg.expect_download() as dl:
        pg.click("#x-png")
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    assert img.width >= 600 and img.height >= 200
    # privacy: no cloud buttons, no chart toolbar in the tab order
    assert pg.locator(".modebar-btn").count() == 0
    assert pg.locator("[data-title*='Chart Studio'], [data-title*='Share']").count() == 0
    # data year, facts' "as of" date and source links
    note = pg.inner_text("#data-note")
    year = _get(server, "/api/package/defaults")["data_year"]
    assert year and year in note and "as of 20" in note
    hrefs = pg.eval_on_selector_all("#measures a", "els => els.map(a => a.href)")
    assert len(hrefs) >= 5 and all(h.startswith("https://") for h in hrefs)
    _axe(pg, "package builder (desktop)")


def test_pending_failure_and_aborted_requests(desktop: Session, server: str) -> None:
    """Pending while in flight; a superseded request is aborted; after a failure the old numbers are greyed
    with a readable error next to them, and the next good answer clears it."""
    pg = desktop.page
    pg.goto(server + "/")
    _ready(pg)
    held: list[Any] = []
    pg.route("**/api/package/evaluate", lambda route: held.append(route))
    _set_slider(pg, "#s-auto", 20)
    pg.wait_for_selector("#results[data-state=pending][aria-busy=true]", state="attached")
    while not held:
        pg.wait_for_timeout(20)
    assert pg.is_visible("#pending-badge")
    _set_slider(pg, "#s-auto", 22.5)  # supersedes the held request: the page aborts it
    while len(held) < 2:
        pg.wait_for_timeout(20)
    while pg.evaluate("window.ttStats.aborted") < 1:
        pg.wait_for_timeout(20)
    try:
        held[0].continue_()
    except Exception:  # the request was aborted by the page
        pass
    held[1].continue_()
    _ready(pg)
    assert any("/api/package/evaluate" in u for u, _ in desktop.failed), desktop.failed
    want = _post(server, "/api/package/evaluate", {"base": "jp-us-2024-baseline", "us_auto_tariff_pct": 22.5})
    assert pg.inner_text("#k-jp-welfare") == f"{want['jp']['welfare_ev_usd_bn']:.1f}"
    before = _kpis(pg)
    # failure: the server refuses the next request
    pg.unroute("**/api/package/evaluate")
    pg.route("**/api/package/evaluate", lambda route: route.fulfill(
        status=422, content_type="application/json",
        json={"detail": "us_auto_tariff_pct: expected at most 100 %; found 130"}))
    _set_slider(pg, "#s-auto", 30)
    pg.wait_for_selector("#results[data-state=error]")
    err = pg.locator("#error")
    assert err.is_visible() and "expected at most 100 %" in err.inner_text()
    assert "previous inputs" in err.inner_text()
    assert _kpis(pg) == before  # the old numbers stay, marked stale
    colour = pg.eval_on_selector("#k-us-welfare", "el => getComputedStyle(el).textDecorationLine")
    assert "line-through" in colour
    assert pg.eval_on_selector(".kpis", "el => getComputedStyle(el).filter").startswith("grayscale")
    box = err.bounding_box()
    kp = pg.locator("#kpis").bounding_box()
    assert box is not None and kp is not None and 0 <= kp["y"] - (box["y"] + box["height"]) < 80  # next to them
    assert pg.locator("#x-json").is_disabled()
    pg.unroute("**/api/package/evaluate")
    n = _count(pg)
    _set_slider(pg, "#s-auto", 25)
    _next_result(pg, n)
    assert not err.is_visible()


def test_url_round_trip(desktop: Session, server: str) -> None:
    """The state lives in the URL: a reload and a second tab show the same package and numbers; the back
    button returns to the previous inputs."""
    pg = desktop.page
    pg.goto(server + "/?base=jp-us-deal")
    _ready(pg)
    deal = _kpis(pg)
    n = _count(pg)
    _set_slider(pg, "#s-auto", 20)
    _next_result(pg, n)
    n = _count(pg)
    pg.select_option("#s-stack", "all-in")
    _next_result(pg, n)
    url = pg.url
    assert "base=jp-us-deal" in url and "auto=20" in url and "stack=all-in" in url
    mine = _kpis(pg)
    assert mine != deal
    pg.reload()
    _ready(pg)
    assert pg.input_value("#s-auto") == "20" and pg.input_value("#s-stack") == "all-in"
    assert "20 %" in pg.inner_text("#o-auto")
    assert _kpis(pg) == mine
    other = desktop.ctx.new_page()
    other.goto(url)
    _ready(other)
    assert _kpis(other) == mine
    other.close()
    pg.go_back()  # undo the stacking choice
    while "stack=all-in" in pg.url:
        pg.wait_for_timeout(20)
    _ready(pg)
    assert pg.input_value("#s-stack") == "additional"
    pg.go_back()  # undo the slider
    while "auto=" in pg.url:
        pg.wait_for_timeout(20)
    _ready(pg)
    assert "as in the base" in pg.inner_text("#o-auto")
    assert _kpis(pg) == deal


def test_compare_view(desktop: Session, server: str) -> None:
    """Deal, no deal and mine side by side, with the differences, equal to the JSON API's answers."""
    pg = desktop.page
    pg.goto(server + "/?base=jp-us-2025-04&auto=10")
    _ready(pg)
    pg.click("#tab-compare")
    pg.wait_for_selector("#cmp-table[data-state=ok]")
    assert "tab=compare" in pg.url
    head = pg.eval_on_selector_all("#cmp-table thead th", "els => els.map(e => e.textContent)")
    assert head[2:] == ["July 2025 deal", "No deal", "Mine", "Mine − deal", "Mine − no deal"]
    row = pg.eval_on_selector_all("#cmp-table tbody tr:first-child td", "els => els.map(e => e.textContent)")
    deal = _post(server, "/api/package/evaluate", {"base": "jp-us-deal"})["us"]["welfare_ev_usd_bn"]
    nodeal = _post(server, "/api/package/evaluate", {"base": "jp-us-no-deal"})["us"]["welfare_ev_usd_bn"]
    mine = _post(server, "/api/package/evaluate", {
        "base": "jp-us-2025-04", "us_auto_tariff_pct": 10, "reciprocal_stacking": "additional",
        "jp_tariff_change_pp": 0, "purchase_meaning": "increment", "investment_years": 3.5,
        "investment_mode": "returns-transfer"})["us"]["welfare_ev_usd_bn"]
    assert row[0] == "US$ bn a year"
    assert [float(x) for x in row[1:]] == pytest.approx(
        [round(deal, 1), round(nodeal, 1), round(mine, 1), round(mine - deal, 1), round(mine - nodeal, 1)], abs=0.051)
    assert pg.eval_on_selector("#c-compare", "el => el.data.length") == 2
    _axe(pg, "compare (desktop)")


def test_frontier_tab_from_the_url(desktop: Session, server: str) -> None:
    """Opening the desk directly at ``?tab=frontier`` traces and draws the frontier (as clicking the tab
    does): the chart's traces and its text table appear without any click."""
    pg = desktop.page
    pg.goto(server + "/?tab=frontier&base=jp-us-deal")
    pg.wait_for_selector("#view-frontier.active")
    # the chart's text table (inside a closed <details>: attached, not visible), written after the plot
    pg.wait_for_selector("#a-frontier table tbody tr", state="attached")
    names = pg.eval_on_selector("#c-frontier", "el => (el.data || []).map(t => t.name)")
    assert "efficient tariff packages (frontier)" in names and any(n.startswith("no deal") for n in names)
    assert pg.locator("#c-frontier .main-svg").count() >= 1
    assert "points" in pg.inner_text("#f-info")
    assert "tab=frontier" in pg.url
    pg.wait_for_selector("#results[data-state=ok]", state="attached")  # the package view is hidden on this tab


def test_phone_layout_and_accessibility(phone: Session, server: str) -> None:
    """At 390×844: no horizontal overflow, and no serious/critical axe-core violation, on every view."""
    pg = phone.page
    pg.goto(server + "/?base=jp-us-deal")
    _ready(pg)
    pg.wait_for_selector("#c-impact .main-svg")
    _no_overflow(pg, PHONE["width"], "package builder")
    for chart in ("#c-impact", "#c-balance", "#c-sectors"):
        box = pg.locator(chart).bounding_box()
        assert box is not None and box["width"] <= PHONE["width"] and box["width"] > 300, (chart, box)
    # every slider has an accessible name; the status is a live region
    names = pg.eval_on_selector_all("input[type=range]", "els => els.map(e => e.labels.length)")
    assert names and all(n >= 1 for n in names)
    assert pg.get_attribute("#status", "aria-live") == "polite"
    _axe(pg, "package builder (phone)")
    pg.click("#tab-compare")
    pg.wait_for_selector("#cmp-table[data-state=ok]")
    _no_overflow(pg, PHONE["width"], "compare")
    _axe(pg, "compare (phone)")
    for tab in ("frontier", "timeline", "simulation"):
        pg.click(f"#tab-{tab}")
        pg.wait_for_selector(f"#view-{tab}.active")
        _no_overflow(pg, PHONE["width"], tab)
        _axe(pg, f"{tab} (phone)")


def test_first_load_is_small_and_cached(server: str) -> None:
    """Compressed first load under 2 MB; versioned assets cached for a year; /docs without external scripts;
    a favicon."""
    import re

    import httpx

    with httpx.Client(base_url=server, headers={"accept-encoding": "gzip"}) as c:
        page = c.get("/")
        assert page.headers["cache-control"] == "no-cache"
        refs = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
        assert any("plotly" in r for r in refs) and all("?v=" in r for r in refs), refs
        assert not re.search(r'(?:src|href)="https?://', page.text)
        assert all(" defer" in tag for tag in re.findall(r"<script[^>]*>", page.text))
        total = page.num_bytes_downloaded
        for ref in refs:
            r = c.get(ref)
            assert r.status_code == 200
            assert "immutable" in r.headers["cache-control"]
            if ref.endswith((".js", ".css")):
                assert r.headers.get("content-encoding") == "gzip", ref
            total += r.num_bytes_downloaded
        assert total < 2_000_000, total
        docs = c.get("/docs")
        assert docs.status_code == 200 and not re.search(r'src="https?://', docs.text)
        assert c.get("/openapi.json").status_code == 200
        fav = c.get("/favicon.ico")
        assert fav.status_code == 200 and fav.headers["content-type"].startswith("image/")
