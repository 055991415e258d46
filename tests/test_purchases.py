"""Purchase commitments never raise the buyer's welfare (policy/purchases.py).

Analytic property (module docstring): dW <= (p0 - p_w) M_bar <= 0, zero iff the target does not bind.
Checked on several datasets (their bilateral flows and elasticities) and sizes, to 1e-12.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tradetalks.data import TradeData
from tradetalks.policy.purchases import PurchaseCommitment, purchase_cost


def _sigma(td: TradeData) -> np.ndarray:
    ds = td.ds if hasattr(td, "ds") else None
    if ds is not None and "sigma" in ds:
        return np.asarray(ds["sigma"].values, dtype=float)
    return np.asarray(ds["theta"].values, dtype=float) + 1.0  # type: ignore[index]


@pytest.mark.parametrize("name", ["world2014", "ossa2014", "cp1993", "icio7-2017"])
def test_never_raises_buyer_welfare(reference: Callable[..., TradeData], name: str) -> None:
    td = reference(name)
    sig = _sigma(td)
    x = np.asarray(td.trade, dtype=float)
    rng = np.random.default_rng(0)
    n, _, s = x.shape
    for _ in range(60):
        i, j, k = (int(v) for v in rng.integers(0, [n, n, s]))
        if i == j or x[i, j, k] <= 0:
            continue
        base = x[i, j, k] / 1000.0
        for size in (0.0, 0.01 * base, base, 10 * base, 1e3):
            for kind in ("level", "increment"):
                for eps in (math.inf, 20.0, 2.0, 0.5):
                    c = PurchaseCommitment("B", "S", "s", size, kind)  # type: ignore[arg-type]
                    r = purchase_cost(c, base, float(sig[k]), eps)
                    assert r.welfare_change_usd_bn <= 1e-12 * max(1.0, r.target_usd_bn)
                    bound = (1.0 - r.seller_price) * r.target_usd_bn
                    assert r.welfare_change_usd_bn <= bound + 1e-12 * max(1.0, r.target_usd_bn)
                    if not r.binds:
                        assert r.welfare_change_usd_bn == 0.0


def test_agri_target_does_not_bind() -> None:
    """The deal's US$8bn a year of agricultural purchases against ~US$14bn of US food and agricultural
    exports to Japan (14.6 in 2022, trade_by_product.csv): as a level target it does not bind."""
    r = purchase_cost(PurchaseCommitment("JPN", "USA", "agri+food", 8.0, "level"), 14.6, 5.0)
    assert not r.binds and r.welfare_change_usd_bn == 0.0
    r2 = purchase_cost(PurchaseCommitment("JPN", "USA", "agri+food", 8.0, "increment"), 14.6, 5.0)
    assert r2.binds and r2.welfare_change_usd_bn < 0.0
