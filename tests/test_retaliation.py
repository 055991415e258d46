"""The one retaliation builder (issue 13): reciprocal retaliation and rate retaliation on tariff arrays.

References: analytic identities of the definitions in :mod:`tradetalks.policy.retaliation` (exact up to
one rounding, 1e-15).
"""

from __future__ import annotations

import numpy as np

from tradetalks.policy.retaliation import reciprocal_tariffs, retaliate_at_rates, set_rates


def _tariffs(n: int = 4, s: int = 3, seed: int = 0) -> np.ndarray:
    t = np.random.default_rng(seed).uniform(0.0, 0.2, (n, n, s))
    for k in range(n):
        t[k, k] = 0.0
    return t


def test_add_mirrors_rises_point_for_point() -> None:
    """``add``: t'_{jis} = t_{jis} + max(t_{ijs} - t0_{ijs}, 0); no change without rises; cuts not mirrored."""
    base = _tariffs()
    scen = base.copy()
    scen[1, 2, 0] += 0.3  # importer 2 taxes exporter 1 more in sector 0
    scen[3, 0, 1] -= 0.05  # a cut: not mirrored
    out = reciprocal_tariffs(base, scen)
    expect = scen.copy()
    expect[2, 1, 0] += 0.3
    np.testing.assert_allclose(out, expect, rtol=0, atol=1e-15)  # (s - b) re-added: rounding only
    np.testing.assert_array_equal(reciprocal_tariffs(base, base), base)


def test_replace_mirrors_rates_of_listed_partners_only() -> None:
    """``replace`` with an imposer and partners: partner p's tariff on the imposer = imposer's on p;
    every other cell unchanged."""
    base = _tariffs(seed=1)
    scen = set_rates(base, [(1, 0, 0.25), (2, 0, 0.4)])  # importer 0 sets 25 % / 40 % on exporters 1, 2
    out = reciprocal_tariffs(base, scen, combine="replace", imposer=0, partners=[1])
    assert np.allclose(out[0, 1], 0.25)
    mask = np.ones_like(out, dtype=bool)
    mask[0, 1] = False
    np.testing.assert_array_equal(out[mask], scen[mask])


def test_rate_retaliation_and_cap() -> None:
    """Partners put their rate on the imposer's goods (2-D arrays too); the cap bounds the mirror."""
    t = _tariffs()[..., 0]
    out = retaliate_at_rates(t, 0, {1: 0.5, 3: 0.1}, "add")
    assert out[0, 1] == t[0, 1] + 0.5 and out[0, 3] == t[0, 3] + 0.1 and out[0, 2] == t[0, 2]
    big = set_rates(t, [(1, 0, 9.9)])
    assert reciprocal_tariffs(t, big, upper=10.0)[0, 1] <= 10.0
