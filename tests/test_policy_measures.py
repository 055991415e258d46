"""Stacking and ``tariffs_on(date)`` date by date against the measures' texts.

Independent reference: every row of ``us-japan-2025/us_tariff_measures_on_japan.csv`` (the row's
``value`` is the rate stated by the measure's text or by the source reporting the total in force). Each
row is mapped to a check on the stacked rates; a row that is not a US measure on Japan is listed in
``NOT_A_MEASURE`` with the reason, and the test fails if a row is neither checked nor listed. Tolerance:
exact to 1e-9 percentage points (the rules are arithmetic on the stated rates).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tradetalks.data.registry import reference_dir, reference_required
from tradetalks.policy.measures import GroupRate, default_measures, rates_on
from tradetalks.policy.tariffs import tariffs_on

TOL = 1e-9
D = date.fromisoformat


def _csv_rows() -> list[dict[str, str]]:
    path = reference_dir() / "us-japan-2025" / "us_tariff_measures_on_japan.csv"
    if not path.is_file():
        msg = f"reference file {path} not found; set TRADETALKS_DATA_DIR"
        if reference_required():
            pytest.fail(msg + " (TRADETALKS_REQUIRE_REFERENCE_DATA=1)")
        pytest.skip(msg)
    with Path(path).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def r(day: str, group: str, **kw: object) -> GroupRate:
    return rates_on(D(day), **kw)[group]  # type: ignore[arg-type]


def slot_add(day: str, group: str, slot: str, mfn: float | None = None, **kw: object) -> float:
    c = r(day, group, **kw).component(slot)
    if c is None:
        return 0.0
    m = mfn if mfn is not None else (r(day, group, **kw).mfn_pct or 0.0)
    return c.rate_pct if c.kind == "additional" else max(0.0, c.rate_pct - m)


# --- one check per row: (item prefix, check(expected value)) -----------------------------------


def _mfn_cars(v: float) -> None:
    assert r("2024-12-31", "cars").total_pct() == pytest.approx(v, abs=TOL)


def _mfn_trucks(v: float) -> None:
    assert r("2024-12-31", "light_trucks").total_pct() == pytest.approx(v, abs=TOL)


def _s232_autos(v: float) -> None:
    assert slot_add("2025-04-02", "cars", "s232_autos") == 0.0
    for day in ("2025-04-03", "2025-06-01", "2025-09-15"):
        assert slot_add(day, "cars", "s232_autos") == pytest.approx(v, abs=TOL)
    # all origins: Korea gets it too, and keeps it after Japan's deal
    for day in ("2025-04-03", "2025-10-01"):
        assert slot_add(day, "cars", "s232_autos", exporter="KOR") == pytest.approx(v, abs=TOL)


def _cars_total_apr_sep(v: float) -> None:
    for day in ("2025-04-03", "2025-05-15", "2025-08-07", "2025-09-01", "2025-09-15"):
        assert r(day, "cars").total_pct() == pytest.approx(v, abs=TOL), day
    assert r("2025-04-02", "cars").total_pct() != pytest.approx(v)
    assert r("2025-09-16", "cars").total_pct() != pytest.approx(v)


def _s232_parts(v: float) -> None:
    assert slot_add("2025-05-02", "parts", "s232_autos") == 0.0
    for day in ("2025-05-03", "2025-09-15"):
        assert slot_add(day, "parts", "s232_autos") == pytest.approx(v, abs=TOL)


def _cars_parts_15(v: float) -> None:
    for day in ("2025-09-16", "2025-12-31", "2026-02-20", "2026-02-24", "2026-06-30"):
        for g in ("cars", "parts"):
            assert r(day, g).total_pct() == pytest.approx(v, abs=TOL), (day, g)
    # the rule is "inclusive of MFN": any column-1 rate below 15 gives 15
    for mfn in (0.0, 2.5, 10.0, 14.9):
        assert r("2025-09-16", "parts").total_pct(mfn) == pytest.approx(v, abs=TOL)


def _trucks_ge15(v: float) -> None:
    for day in ("2025-09-16", "2026-03-01"):
        assert slot_add(day, "light_trucks", "s232_autos") == pytest.approx(v, abs=TOL)
        assert r(day, "light_trucks").total_pct() == pytest.approx(25.0 + v, abs=TOL)


def _steel_25(v: float) -> None:
    for g in ("steel", "aluminium"):
        for day in ("2025-03-12", "2025-04-15", "2025-06-03"):
            assert r(day, g).total_pct() == pytest.approx(v, abs=TOL), (day, g)


def _steel_50(v: float) -> None:
    for g in ("steel", "aluminium"):
        for day in ("2025-06-04", "2025-09-16", "2026-03-01"):  # deal did not exempt Japan
            assert r(day, g).total_pct() == pytest.approx(v, abs=TOL), (day, g)
        assert r("2025-06-04", g, exporter="KOR").total_pct() == pytest.approx(v, abs=TOL)


def _ieepa_baseline(v: float) -> None:
    for mfn in (0.0, 3.0, 20.0):
        assert r("2025-04-04", "other").total_pct(mfn) == pytest.approx(mfn, abs=TOL)
        for day in ("2025-04-05", "2025-04-10", "2025-08-06"):
            assert r(day, "other").total_pct(mfn) == pytest.approx(mfn + v, abs=TOL), day
        # third countries keep the baseline after Japan's deal, until the court ruling
        assert r("2025-10-01", "other", exporter="KOR").total_pct(mfn) == pytest.approx(mfn + v, abs=TOL)
    # not charged on Section 232 goods
    assert r("2025-05-03", "cars").component("ieepa_reciprocal") is None


def _ieepa_24(v: float) -> None:
    # announced, suspended the day it was due: never in force on the dated timeline ...
    for day in ("2025-04-09", "2025-04-10"):
        assert r(day, "other").total_pct(3.0) == pytest.approx(3.0 + 10.0, abs=TOL)
    # ... and the liberation-day scenario switches it on: on top of MFN, not on 232 goods
    on = ("ieepa-jp-24",)
    assert r("2025-04-09", "other", switch_on=on).total_pct(3.0) == pytest.approx(3.0 + v, abs=TOL)
    assert r("2025-04-09", "cars", switch_on=on).total_pct() == pytest.approx(27.5, abs=TOL)


def _letter_25(v: float) -> None:
    on = ("ieepa-jp-25-letter",)
    assert r("2025-08-01", "other", switch_on=on).total_pct(3.0) == pytest.approx(3.0 + v, abs=TOL)
    # "separate from sectoral tariffs": cars keep 2.5 + 25, steel 50, without the letter's rate on top
    assert r("2025-08-01", "cars", switch_on=on).total_pct() == pytest.approx(27.5, abs=TOL)
    assert r("2025-08-01", "steel", switch_on=on).total_pct() == pytest.approx(50.0, abs=TOL)


def _eo14326_stacked(v: float) -> None:
    on = ("ieepa-jp-15-stacked",)
    for mfn in (2.0, 20.0):
        assert r("2025-08-07", "other", switch_on=on).total_pct(mfn) == pytest.approx(mfn + v, abs=TOL)


def _eo14345_all_in(v: float) -> None:
    for day in ("2025-08-07", "2025-09-16", "2026-02-19"):
        for mfn in (0.0, 2.0, 14.99):
            assert r(day, "other").total_pct(mfn) == pytest.approx(v, abs=TOL), (day, mfn)
        for mfn in (15.0, 20.0, 35.0):
            assert r(day, "other").total_pct(mfn) == pytest.approx(mfn, abs=TOL), (day, mfn)
    assert r("2025-10-01", "beef").total_pct() == pytest.approx(26.4, abs=TOL)


def _aircraft(v: float) -> None:
    day = "2025-09-16"
    assert slot_add(day, "aircraft", "ieepa_reciprocal") == pytest.approx(v, abs=TOL)
    assert slot_add(day, "aircraft", "s232_metals") == pytest.approx(v, abs=TOL)
    assert r(day, "aircraft").total_pct() == pytest.approx(r(day, "aircraft").mfn_pct or 0.0, abs=TOL)
    assert r("2025-09-15", "aircraft").total_pct() == pytest.approx(15.0, abs=TOL)


def _generic_pharma(v: float) -> None:
    assert slot_add("2025-09-16", "pharma", "ieepa_reciprocal") == pytest.approx(v, abs=TOL)


def _pharma_cap(v: float) -> None:
    m = default_measures().measure("jp-pharma-232-cap-15")
    assert m.kind == "cap" and m.rate_pct == pytest.approx(v)
    day = date(2025, 1, 1)
    while day <= date(2026, 6, 30):
        assert r(day.isoformat(), "pharma").total_pct() <= v + TOL
        day = date.fromordinal(day.toordinal() + 7)


def _beef(v: float) -> None:
    for day in ("2025-11-13", "2026-01-15", "2026-02-24", "2026-03-10"):
        assert r(day, "beef").total_pct() == pytest.approx(v, abs=TOL), day


def _s122(v: float) -> None:
    for mfn in (0.0, 2.0, 20.0):
        assert r("2026-02-23", "other").total_pct(mfn) == pytest.approx(mfn, abs=TOL)  # IEEPA ended Feb 20
        for day in ("2026-02-24", "2026-05-01"):
            # on top of MFN, without the 15 % all-in mitigation
            assert r(day, "other").total_pct(mfn) == pytest.approx(mfn + v, abs=TOL)
            assert r(day, "other", exporter="KOR").total_pct(mfn) == pytest.approx(mfn + v, abs=TOL)
    assert r("2026-02-24", "cars").total_pct() == pytest.approx(15.0, abs=TOL)


CHECKS: dict[str, Callable[[float], None]] = {
    "US MFN (column 1) tariff, passenger cars": _mfn_cars,
    "US MFN (column 1) tariff, light trucks": _mfn_trucks,
    "Section 232 autos additional duty (all origins)": _s232_autos,
    "Total tariff on Japanese passenger cars Apr 3 - Sep 15": _cars_total_apr_sep,
    "Section 232 auto parts additional duty": _s232_parts,
    "Total tariff on Japanese cars and parts from 2025-09-16": _cars_parts_15,
    "Japanese light trucks/parts with column-1 rate >=15%": _trucks_ge15,
    "Steel & aluminium Section 232 (from Mar 2025)": _steel_25,
    "Steel & aluminium Section 232 from 2025-06-04": _steel_50,
    "IEEPA baseline reciprocal tariff from 2025-04-05": _ieepa_baseline,
    "IEEPA reciprocal rate announced for Japan 2025-04-02": _ieepa_24,
    "Rate threatened in Jul 7 letter": _letter_25,
    "IEEPA reciprocal rate for Japan in EO 14326": _eo14326_stacked,
    "IEEPA rule from EO 14345": _eo14345_all_in,
    "Civil aircraft (WTO Aircraft Agreement) from Japan": _aircraft,
    "Generic pharma/ingredients": _generic_pharma,
    "Cap on future Section 232 pharma tariff for Japan": _pharma_cap,
    "US tariff on Japanese beef": _beef,
    "Section 122 global tariff from 2026-02-24": _s122,
}

NOT_A_MEASURE = {
    "IMF-assumed average US effective tariff rate": "a model assumption of the IMF across all partners, "
    "not a US measure on Japan (compared in the note, not here)",
}


def _check_for(item: str) -> Callable[[float], None] | None:
    hits = [f for k, f in CHECKS.items() if item.startswith(k)]
    assert len(hits) <= 1, item
    return hits[0] if hits else None


def test_every_row_is_checked_or_explained() -> None:
    """Each CSV row maps to exactly one check, or to a stated reason for not being a measure."""
    for row in _csv_rows():
        item = row["item"]
        assert _check_for(item) is not None or any(item.startswith(k) for k in NOT_A_MEASURE), item


@pytest.mark.parametrize("prefix", sorted(CHECKS))
def test_measure_row(prefix: str) -> None:
    """The stacked rates reproduce the row's stated rate on the dates the row names."""
    rows = [row for row in _csv_rows() if row["item"].startswith(prefix)]
    assert len(rows) == 1, prefix
    CHECKS[prefix](float(rows[0]["value"]))


def test_every_measure_has_a_source() -> None:
    """Each measure and product-group MFN keeps a source title (and an address unless an assumption)."""
    ms = default_measures()
    for m in ms.measures:
        assert m.source.title and m.source.address.startswith("http"), m.id
    for g in ms.groups:
        if g.mfn_pct is not None:
            assert g.mfn_source is not None and g.mfn_source.title, g.id
            assert g.mfn_source.address or g.mfn_source.title.startswith("ASSUMPTION"), g.id


def test_tariffs_on_without_data_lists_groups() -> None:
    """``tariffs_on(date)`` alone gives the product-group rates (no matrix)."""
    tf = tariffs_on(D("2025-09-16"))
    assert tf.matrix is None
    assert tf.groups["cars"].total_pct() == pytest.approx(15.0)
    assert tf.as_dict()["groups"]["other"]["total_pct"] is None  # MFN-dependent
