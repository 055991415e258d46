"""The bundled compact US imports table (partners the tariff wall does not name summed as OTHER) gives the
same wall as the full reference table, so a fresh clone without reference data and a machine with it compute
the same US tariffs on every partner.

Reference: the full table ``us_imports_hs2_2024`` (US Census Bureau via tradewartracker; needs the reference
data). Checked on the five dates of ``test_tariff_wall.py``: every named partner's effective and statutory
rate, the overall rates (1e-9 percentage points), and the additional duties by partner and sector on the
world2022 and world2014 economies (1e-9 points); the compact table's totals equal the full table's (1 US$).
The bundled file is what ``scripts/derive_us_imports_compact.py`` writes from the reference table.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tradetalks.data import load
from tradetalks.data.readers import us_imports_hs2 as reader
from tradetalks.data.registry import BUNDLED_DIR, available, dataset_folder
from tradetalks.policy.wall import us_wall
from tradetalks.policy.wall_sectors import sector_additional

DATES = [date(2024, 12, 31), date(2025, 4, 15), date(2025, 10, 1), date(2026, 3, 1), date(2026, 8, 1)]
needs_reference = pytest.mark.skipif(not available(reader.NAME), reason="needs the us_imports_hs2_2024 reference data")


@pytest.fixture(scope="module")
def compact() -> reader.UsImportsHS2:
    return reader.read_compact(BUNDLED_DIR / reader.COMPACT_FILE)


@pytest.fixture(scope="module")
def full() -> reader.UsImportsHS2:
    return reader.read_table(dataset_folder(reader.NAME))


@needs_reference
def test_bundled_file_is_the_derivation_of_the_reference(full: reader.UsImportsHS2,
                                                          compact: reader.UsImportsHS2) -> None:
    derived = reader.compact_frame(full.frame)
    pd.testing.assert_frame_equal(compact.frame.reset_index(drop=True), derived.round(0).reset_index(drop=True),
                                  check_dtype=False)
    for col in ("imports_usd", "duty_usd"):
        assert abs(compact.frame[col].sum() - full.frame[col].sum()) <= 1.0 * len(full.frame)


@needs_reference
@pytest.mark.parametrize("on", DATES)
def test_same_wall_on_both_tables(full: reader.UsImportsHS2, compact: reader.UsImportsHS2, on: date) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = us_wall(on, table=full), us_wall(on, table=compact)
        for name in ("overall_effective_pct", "overall_statutory_pct", "overall_collected_2024_pct"):
            assert getattr(b, name) == pytest.approx(getattr(a, name), abs=1e-9), name
        for r in b.partners:
            if r.partner != reader.OTHER:
                ref = a.partner(r.partner)
                assert (r.effective_pct, r.statutory_pct) == pytest.approx((ref.effective_pct, ref.statutory_pct),
                                                                          abs=1e-9), r.partner
        for dataset in ("world2022", "world2014"):
            data = load(dataset)
            others = [c for c in data.countries if c != "USA"]
            sa = sector_additional(on, others, data.sectors, table=full)
            sb = sector_additional(on, others, data.sectors, table=compact)
            assert sa.keys() == sb.keys()
            np.testing.assert_allclose([sb[k] for k in sa], [sa[k] for k in sa], rtol=0, atol=1e-9)


def test_load_table_falls_back_to_the_bundled_table(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """Without the reference folder the wall still has its weights (no all-origins fallback)."""
    monkeypatch.setenv("TRADETALKS_DATA_DIR", str(tmp_path))
    t = reader.load_table()
    assert "bundled compact table" in t.source
    assert reader.OTHER in t.partners and "JPN" in t.partners
