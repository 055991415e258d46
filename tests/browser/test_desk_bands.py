"""Browser test of the desk's uncertainty bands (issue 13): choosing "5–95 % over 50 draws" sends
``uncertainty: 50``, and the page draws the API's bands — error bars on the impact, balance and sector bars,
ranges in the KPIs and the charts' text tables, the compare view's bars — with a note naming the draws, seed and converged share.

Reference: the bands drawn equal the JSON API's answer for the same request (1e-9; the API's bands are
checked against the library in ``tests/test_desk_bands.py``). Headless Debian Chromium, as the other
browser tests; waits on DOM states; the CSP forbids ``eval`` (no string ``wait_for_function``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser._support import chromium_page, serve_app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_app("bands-token", "tt-bands-") as url:
        yield url


def test_bands_drawn_from_the_api(server: str) -> None:
    import httpx

    with chromium_page() as (pg, errors):
        pg.goto(server + "/?base=jp-us-deal&unc=50")
        pg.wait_for_selector("#band-note:not([hidden])")
        pg.wait_for_selector("#results[data-state=ok]")
        api: Any = httpx.post(server + "/api/package/evaluate", timeout=None, json={
            "base": "jp-us-deal", "reciprocal_stacking": "additional", "jp_tariff_change_pp": 0,
            "purchase_meaning": "increment", "investment_years": 3.5,
            "investment_mode": pg.eval_on_selector("#s-imode", "e => e.value"), "uncertainty": 50}).json()
        bars = pg.evaluate("document.getElementById('c-impact').data.map(t => t.error_y)")
        lo, hi = api["us"]["welfare_pct_band"]
        us = bars[0]
        assert math.isclose(api["us"]["welfare_pct"] + us["array"][0], hi, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(api["us"]["welfare_pct"] - us["arrayminus"][0], lo, rel_tol=1e-9, abs_tol=1e-12)
        bal = pg.evaluate("document.getElementById('c-balance').data[0].error_y")
        assert bal is not None and bal["array"][0] == 0
        sec = pg.evaluate("document.getElementById('c-sectors').data.map(t => t.error_y !== undefined)")
        assert all(sec)
        note = pg.inner_text("#band-note")
        assert "50 Monte Carlo draws" in note and "seed 0" in note and "converged" in note
        assert "5–95 %" in pg.inner_text("#k-us-welfare") and "5–95 %" in pg.inner_text("#k-balance-after")
        assert "5–95 %" in pg.inner_html("#a-impact")
        pg.click(".tab[data-tab=compare]")  # the compare view asks every package for bands too
        pg.wait_for_selector("#cmp-table[data-state=ok]")
        cmp = pg.evaluate("document.getElementById('c-compare').data.map(t => t.error_y !== undefined)")
        assert all(cmp)
        assert not errors, errors

