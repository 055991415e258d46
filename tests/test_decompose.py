"""Step rows (policy/decompose.py): increments add up to the total exactly (identity)."""

from __future__ import annotations

import pytest

from tradetalks.errors import InputError
from tradetalks.policy.decompose import STEPS, step_rows


def test_increments_sum_to_total() -> None:
    rows = step_rows("JPN", -5.0, -4.2, -0.3, -4.3, gdp_usd_bn=4000.0)
    assert [r.step for r in rows] == list(STEPS)
    assert sum(r.increment_usd_bn for r in rows) == pytest.approx(rows[-1].ev_usd_bn, abs=1e-12)
    assert rows[-1].pct_gdp == pytest.approx(100 * (-5.0 + 0.8 - 0.3 - 4.3) / 4000.0 + 100 * 5.0 / 4000.0 - 100 * 5.0 / 4000.0)


def test_bad_inputs() -> None:
    with pytest.raises(InputError):
        step_rows("JPN", float("nan"), 0.0, 0.0, 0.0)
    with pytest.raises(InputError):
        step_rows("JPN", 0.0, 0.0, 0.0, 0.0, gdp_usd_bn=0.0)
