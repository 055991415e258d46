"""A best response stopped by L-BFGS-B's iteration limit is continued from where it stopped
(``ossa_optimal.MAX_CONTINUATIONS``), so a low limit no longer decides ``converged``.

Reference: the same best response with a generous limit (500); the continued run reaches its government
welfare to 1e-9 (relative) and reports converged; without continuation the low limit leaves it not converged.
"""

from __future__ import annotations

import pytest

from tradetalks.model import ossa, ossa_optimal

from .test_ossa import random_economy


def test_continuation_finishes_a_run_stopped_by_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    base = ossa.baseline_from_data(random_economy(4, n=4, s=3), "balanced")
    ref = ossa_optimal.optimal_tariff(base, 1, starts=("uniform",), max_iter=500)
    assert ref.converged
    low = 8
    continued = ossa_optimal.optimal_tariff(base, 1, starts=("uniform",), max_iter=low)
    assert continued.converged and continued.iterations > low
    assert continued.gov_welfare_hat[1] == pytest.approx(ref.gov_welfare_hat[1], rel=1e-9)
    monkeypatch.setattr(ossa_optimal, "MAX_CONTINUATIONS", 0)
    stopped = ossa_optimal.optimal_tariff(base, 1, starts=("uniform",), max_iter=low)
    assert not stopped.converged and "LIMIT" in stopped.message.upper()
