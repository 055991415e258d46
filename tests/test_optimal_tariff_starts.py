"""Issue 11: robust best responses on Ossa's (2014) data — the CLI defaults beat ten random starts."""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.model import ossa, ossa_optimal
from tradetalks.vocabulary import default_closure


@pytest.mark.reference
@pytest.mark.slow
@pytest.mark.parametrize("political", [False, True], ids=["welfare", "political-weights"])
def test_default_optimal_tariff_beats_ten_random_starts(reference, political: bool) -> None:  # type: ignore[no-untyped-def]
    """For every Ossa region, with λ = 1 and with the calibrated political-economy weights, the optimal
    tariff with the CLI defaults (``tradetalks optimal-tariff``: default closure of ``ossa2014`` and
    default starting points) reaches a government welfare Ĝ at least as high as the best of ten random
    starting points (tariffs uniform on [0, 1], another seed), to 1e-9 relative — a property of a global
    optimiser stated in issue 11 (Japan with political weights stopped at +2.43 % from one start)."""
    data = reference("ossa2014")
    base = ossa.baseline_from_data(data, default_closure("ossa2014"))
    lam = np.asarray(data.param("lambda_pol")) if political else None
    for j, c in enumerate(data.countries):
        default = ossa_optimal.optimal_tariff(base, j, political_weights=lam)
        assert default.converged, c
        rand = ossa_optimal.optimal_tariff(base, j, political_weights=lam, starts=("random",) * 10, seed=2014)
        best_random = max(g for _, g in rand.starts)
        assert default.gov_welfare_hat[j] >= best_random * (1 - 1e-9), (c, default.starts, rand.starts)
