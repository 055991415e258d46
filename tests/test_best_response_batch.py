"""Batched best responses (issue 11): the batched Ĝ gradient of the lock-step starts is the derivative.

Reference: central finite differences of ln Ĝ (step 1e-6; relative 1e-5), as tests/test_ossa.py does for
the one-equilibrium gradient; and the lock-step multi-start reaches what the starts reach one at a time.
"""

from __future__ import annotations

import numpy as np

from tradetalks.model import ossa, ossa_gradient, ossa_optimal
from tradetalks.model.common import SolverOptions

from .test_ossa import random_economy


def test_batched_gradient_matches_finite_differences() -> None:
    """Three different tariff points in one batch, each with its own government m_b and political
    weights λ: d ln Ĝ_{m_b}/dt' equals central finite differences of each member alone."""
    base = ossa.baseline_from_data(random_economy(7, n=4, s=3), "balanced")
    rng = np.random.default_rng(3)
    lam = rng.uniform(0.5, 1.5, (4, 3))
    tb = np.stack([np.clip(base.tariff + rng.uniform(0, 0.4, base.tariff.shape), 0, 10) for _ in range(3)])
    for t in tb:
        t[np.arange(4), np.arange(4)] = 0
    eqb = ossa.solve_equilibrium(base, tb, options=SolverOptions(tol=1e-13))
    ms = np.array([0, 2, 3], dtype=np.intp)
    g = ossa_gradient.gov_gradient_members(base, eqb, ms, lam)
    opts = SolverOptions(tol=1e-14)
    h = 1e-6
    for b, m in enumerate(ms):
        for i, j, s in [(1, 0, 0), (0, 2, 1), (3, 1, 2), ((m + 1) % 4, m, 0)]:
            tp, tm = tb[b].copy(), tb[b].copy()
            tp[i, j, s] += h
            tm[i, j, s] -= h
            gp = np.log(ossa.gov_welfare_hat(base, ossa.solve_equilibrium(base, tp, options=opts), lam)[0, m])
            gm = np.log(ossa.gov_welfare_hat(base, ossa.solve_equilibrium(base, tm, options=opts), lam)[0, m])
            np.testing.assert_allclose(g[b, i, j, s], (gp - gm) / (2 * h), rtol=1e-5, atol=1e-9)


def test_lockstep_starts_reach_what_each_start_reaches_alone() -> None:
    """Each start of a lock-step multi-start best response reaches the Ĝ its own single-start run
    reaches (to 1e-9 relative; the batched and the one-point evaluations agree to rounding)."""
    base = ossa.baseline_from_data(random_economy(5, n=3, s=2), "balanced")
    starts = ("uniform", "zero", "current")
    together = ossa_optimal.optimal_tariff(base, 1, starts=starts)
    for name, value in together.starts:
        alone = ossa_optimal.optimal_tariff(base, 1, starts=(name,))
        assert abs(alone.starts[0][1] / value - 1.0) < 1e-9, (name, value, alone.starts)
