"""The US tariff wall by partner (policy/wall.py) and its reader (us-imports-hs2-2024).

Reference figures are derived here by hand from the statutory texts named in each test (the rates and dates
of the proclamations and executive orders), not from our own earlier output. Cell rates are pure
arithmetic on those rates: tolerance 1e-9 percentage points.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tradetalks.data.readers.us_imports_hs2 import FILE, UsImportsHS2, read_table
from tradetalks.errors import LaterChangesUnknownWarning, TableDatasetError
from tradetalks.policy.wall import cell_rate, default_wall, japan_schedule, us_wall

TOL = 1e-9
D = date.fromisoformat


@pytest.fixture
def table(reference_folder: Callable[[str], Path]) -> UsImportsHS2:
    return read_table(reference_folder("us-imports-hs2-2024"))


def test_reader_orientation_totals(table: UsImportsHS2, reference_folder: Callable[[str], Path]) -> None:
    """SOURCE.md of us_imports_hs2_2024: US imports 2024 from Japan 151.3, China 429.4, Canada 411.7,
    Mexico 503.4 US$bn (±0.05); the EU aggregate is kept and its members dropped (no double count)."""
    for p, v in (("JPN", 151.3), ("CHN", 429.4), ("CAN", 411.7), ("MEX", 503.4)):
        assert table.imports_usd(p) / 1e9 == pytest.approx(v, abs=0.05), p
    assert "GERMANY" not in set(table.frame["partner_name"])
    raw = pd.read_csv(reference_folder("us-imports-hs2-2024") / FILE, dtype={"census_cty_code": str})
    world = raw.loc[raw["census_cty_code"] != "0003", "imports_2024_usd"].sum()
    assert table.frame["imports_usd"].sum() == pytest.approx(world, rel=1e-12)


def test_registry_refuses_table_as_trade_data(reference_folder: Callable[[str], Path]) -> None:
    from tradetalks.data import load

    reference_folder("us-imports-hs2-2024")
    with pytest.raises(TableDatasetError):
        load("us-imports-hs2-2024")


def _c(partner: str, chapter: str, day: str, base: float) -> float:
    return cell_rate(default_wall(), partner, chapter, base, D(day)).effective_pct


def test_japan_cells_statutory() -> None:
    """Japan. EO 14257: 10 % baseline on top of MFN from 2025-04-05. Proclamation 10908: autos +25 % from
    2025-04-03 (2.5 + 25 = 27.5 on cars, Kyodo). EO 14345 / 90 FR 44638: 15 % all-in (max(MFN, 15)) on
    all goods from 2025-08-07 and on autos from 2025-09-16. Section 122 proclamation: +10 % from
    2026-02-24, no 15 % mitigation, not on Section 232 goods, 150-day term (ends 2026-07-24)."""
    b = 0.65
    assert _c("JPN", "84", "2025-05-01", b) == pytest.approx(b + 10, abs=TOL)
    assert _c("JPN", "84", "2025-10-01", b) == pytest.approx(15.0, abs=TOL)
    assert _c("JPN", "84", "2025-10-01", 20.0) == pytest.approx(20.0, abs=TOL)
    assert _c("JPN", "84", "2026-03-01", b) == pytest.approx(b + 10, abs=TOL)
    assert _c("JPN", "84", "2026-08-01", b) == pytest.approx(b, abs=TOL)
    assert _c("JPN", "87", "2025-05-01", 2.5) == pytest.approx(27.5, abs=TOL)
    for day in ("2025-10-01", "2026-03-01", "2026-11-30"):
        assert _c("JPN", "87", day, 2.5) == pytest.approx(15.0, abs=TOL)
    assert _c("JPN", "72", "2025-10-01", 0.9) == pytest.approx(50.9, abs=TOL)  # 232 metals, no reciprocal


def test_china_cells_statutory() -> None:
    """China. EO 14228: fentanyl 20 % from 2025-03-04; reciprocal 125 % from 2025-04-10, 10 % from
    2025-05-14 (Geneva); fentanyl 10 % from 2025-11-10 (EO of 2025-11-04); IEEPA ends with the
    2026-02-20 ruling; Section 122 +10 % 2026-02-24 .. 2026-07-23. Base = 2024 collected (incl. 301)."""
    b = 7.5
    assert _c("CHN", "95", "2025-02-10", b) == pytest.approx(b + 10, abs=TOL)
    assert _c("CHN", "95", "2025-04-15", b) == pytest.approx(b + 145, abs=TOL)
    assert _c("CHN", "95", "2025-06-01", b) == pytest.approx(b + 30, abs=TOL)
    assert _c("CHN", "95", "2025-12-01", b) == pytest.approx(b + 20, abs=TOL)
    assert _c("CHN", "95", "2026-03-01", b) == pytest.approx(b + 10, abs=TOL)
    assert _c("CHN", "95", "2026-08-01", b) == pytest.approx(b, abs=TOL)
    # China fentanyl stacks on the autos 232 duty (wood/auto stacking notices); reciprocal does not
    assert _c("CHN", "87", "2025-06-01", b) == pytest.approx(b + 25 + 20, abs=TOL)


def test_canada_mexico_cells_statutory() -> None:
    """Canada/Mexico. EOs of 2025-02-01 as amended: 25 % from 2025-03-04 (energy and potash 10 %),
    USMCA-qualifying goods exempt from 2025-03-07; Canada 35 % from 2025-08-01. USMCA shares: Canada 0.86
    (EDC, Sept 2025), Mexico 0.863 (Canada and Mexico together, Feb 2026). Steel: fentanyl goods pay no
    232 metals duty (Mondaq 2025-09-15), so qualifying steel pays 50 %."""
    b, uc, um = 1.0, 0.86, 0.863
    assert _c("CAN", "84", "2025-03-05", b) == pytest.approx(b + 25, abs=TOL)
    assert _c("CAN", "84", "2025-05-01", b) == pytest.approx(b + 25 * (1 - uc), abs=TOL)
    assert _c("CAN", "84", "2025-09-01", b) == pytest.approx(b + 35 * (1 - uc), abs=TOL)
    assert _c("CAN", "27", "2025-09-01", b) == pytest.approx(b + 10 * (1 - uc), abs=TOL)
    assert _c("CAN", "72", "2025-09-01", b) == pytest.approx(b + 35 * (1 - uc) + 50 * uc, abs=TOL)
    assert _c("MEX", "84", "2025-05-01", b) == pytest.approx(b + 25 * (1 - um), abs=TOL)
    assert _c("MEX", "84", "2026-03-01", b) == pytest.approx(b + 10 * (1 - um), abs=TOL)
    # qualifying vehicles pay on non-US content (0.5, an assumption stated in the facts)
    assert _c("MEX", "87", "2025-05-01", b) == pytest.approx(b + 25 * ((1 - um) + um * 0.5), abs=TOL)
    st = cell_rate(default_wall(), "CAN", "84", b, D("2025-09-01")).statutory_pct
    assert st == pytest.approx(b + 35, abs=TOL)


def test_japan_trade_weighted_by_hand(table: UsImportsHS2) -> None:
    """Japan on 2025-10-01, derived chapter by chapter from the texts: 232 metals (72, 73, 76) and copper
    (74): base + 50; everything else (autos 90 FR 44638, wood proclamation cap, EO 14345): max(base, 15).
    Weighted at 2024 imports; equal to the wall's figure to 1e-9."""
    f = table.chapter_table("JPN")
    base = 100 * f["duty_usd"] / f["imports_usd"]
    rate = [b + 50 if c in ("72", "73", "74", "76") else max(b, 15.0) for c, b in base.items()]
    expected = float((pd.Series(rate, index=f.index) * f["imports_usd"]).sum() / f["imports_usd"].sum())
    got = us_wall(D("2025-10-01"), table=table).partner("JPN").effective_pct
    assert got == pytest.approx(expected, abs=TOL)


def test_overall_rate_near_published_tracker(table: UsImportsHS2) -> None:
    """Yale Budget Lab (Sep 3 2025 update, model_estimates.csv): US average effective tariff 17.4 %
    (pre-substitution). Ours on 2025-10-01, nothing tuned: within ±3 pp (coverage differs: Annex II
    exemptions and most EO 14326 country rates are not in our facts)."""
    w = us_wall(D("2025-10-01"), table=table)
    assert w.overall_effective_pct == pytest.approx(17.4, abs=3.0)
    assert w.overall_collected_2024_pct == pytest.approx(2.34, abs=0.01)  # SOURCE.md totals: 76.2 / 3251


def test_later_changes_warning(table: UsImportsHS2) -> None:
    """After the last sourced fact the wall warns by name, and Section 122 has lapsed (statutory term)."""
    with pytest.warns(LaterChangesUnknownWarning):
        w = us_wall(D("2026-11-30"), table=table)
    assert w.warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", LaterChangesUnknownWarning)
        us_wall(D("2026-03-01"), table=table)


def test_japan_schedule_shows_rice_and_beef() -> None:
    rows = {t.id: t for t in japan_schedule()}
    assert rows["rice"].specific == "341 JPY/kg"
    assert rows["beef"].range_pct == (38.5, 9.0)
    assert rows["cars"].rate_pct == 0.0


def test_wall_in_the_model_matrix(table: UsImportsHS2) -> None:
    """third_countries='wall': Chinese textiles (HS 41-43, 50-67, no Section 232) on 2025-10-01 pay the
    dataset's rate + 20 (fentanyl, EO 14228) + 10 (reciprocal, Geneva truce) points exactly; Japan's rates
    (the product-group path) are the same as under 'all_origins'."""
    import numpy as np

    from tradetalks.data import load
    from tradetalks.policy.tariffs import tariffs_on

    d = load("world2014")
    on = D("2025-10-01")
    w = tariffs_on(on, d, third_countries="wall").matrix
    a = tariffs_on(on, d, third_countries="all_origins").matrix
    assert w is not None and a is not None
    us, cn, jp, k = d.index("USA"), d.index("CHN"), d.index("JPN"), d.sector_index("textiles")
    assert w[cn, us, k] == pytest.approx(float(d.tariff[cn, us, k]) + 0.30, abs=1e-12)
    np.testing.assert_allclose(w[jp, us], a[jp, us], atol=1e-15)
