"""Ossa (2014) headline results with political-economy weights, against the paper's abstract.

Reference: Ossa, R. (2014), "Trade Wars and Trade Talks with Data", AER 104(12), abstract: "optimal tariffs
average 62 percent, world trade war tariffs average 63 percent, the government welfare losses from a
breakdown of international trade policy cooperation average 2.9 percent, and the possible government
welfare gains from future multilateral trade negotiations average 0.5 percent." These use Ossa's calibrated
political-economy weights (``lambda_pol``) on the purged factual baseline; "average" is the mean over the
seven regions of each region's median tariff (Table 3/4 convention) or of its government-welfare change.
Tolerances: ±1 percentage point on tariffs (the median is the least precise statistic, DESIGN.md §4);
±0.05 pp on welfare averages (the abstract rounds to 0.1).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.model import ossa, ossa_optimal, strategic


@pytest.fixture(scope="module")
def pe_setup() -> tuple[ossa.OssaBaseline, np.ndarray]:
    from tradetalks.data import load
    from tradetalks.data.registry import available, reference_required

    if not available("ossa2014"):
        if reference_required():
            pytest.fail("reference dataset ossa2014 missing (TRADETALKS_REQUIRE_REFERENCE_DATA=1)")
        pytest.skip("reference dataset ossa2014 not found")
    data = load("ossa2014")
    return ossa.baseline_from_data(data, "balanced"), data.param("lambda_pol")


@pytest.mark.reference
def test_optimal_tariffs_average_62(pe_setup: tuple[ossa.OssaBaseline, np.ndarray]) -> None:
    """Abstract: optimal (political-economy) tariffs average 62 %."""
    base, lam = pe_setup
    meds = [ossa_optimal.optimal_tariff(base, j, political_weights=lam).median_tariff() for j in range(base.n)]
    assert abs(100 * np.mean(meds) - 62.0) < 1.0


@pytest.fixture(scope="module")
def pe_war(pe_setup: tuple[ossa.OssaBaseline, np.ndarray]) -> strategic.TradeWarResult:
    base, lam = pe_setup
    return strategic.trade_war(base, political_weights=lam)


@pytest.mark.reference
def test_trade_war_tariffs_average_63_and_loss_2_9(pe_war: strategic.TradeWarResult) -> None:
    """Abstract: world trade war tariffs average 63 %; government welfare losses average 2.9 %."""
    assert pe_war.converged
    n = pe_war.tariff.shape[0]
    meds = [pe_war.median_tariff(j) for j in range(n)]
    assert abs(100 * np.mean(meds) - 63.0) < 1.0
    assert abs(100 * (pe_war.gov_welfare_hat.mean() - 1) - (-2.9)) <= 0.05


@pytest.mark.reference
@pytest.mark.slow
def test_trade_talks_gain_0_5(pe_setup: tuple[ossa.OssaBaseline, np.ndarray]) -> None:
    """Abstract: government welfare gains from multilateral negotiations (cooperative tariffs from the
    factual point, equal % gains) average 0.5 %."""
    base, lam = pe_setup
    coop = strategic.cooperative(base, base.tariff, political_weights=lam, start="factual")
    assert coop.converged
    gain = 100 * (np.exp(coop.gains).mean() - 1)
    assert abs(gain - 0.5) <= 0.05
