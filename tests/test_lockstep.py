"""Lock-step L-BFGS-B runs (model/lockstep.py): the same iterates as SciPy's own runs one after another."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from tradetalks.model.lockstep import minimize_lockstep

OPTIONS = {"maxiter": 500, "ftol": 1e-15, "gtol": 1e-10}
BOUNDS = [(-2.0, 2.0)] * 4


def _rosen(y: np.ndarray) -> tuple[float, np.ndarray]:
    return float(optimize.rosen(y)), optimize.rosen_der(y)


def test_lockstep_equals_sequential_scipy_runs() -> None:
    """Peer check: each lock-step run ends where ``scipy.optimize.minimize(method="L-BFGS-B")`` alone ends
    from the same start (bounded Rosenbrock, 5 starts), with the same iteration count; the batch evaluator
    is called with every still-running run at once (at most 5 points, at least 1)."""
    rng = np.random.default_rng(3)
    y0s = [rng.uniform(-2, 2, 4) for _ in range(5)]
    sizes: list[int] = []

    def batch(ks: list[int], ys: list[np.ndarray]) -> list[tuple[float, np.ndarray]]:
        sizes.append(len(ks))
        return [_rosen(y) for y in ys]

    got = minimize_lockstep(batch, y0s, BOUNDS, OPTIONS)
    for y0, r in zip(y0s, got, strict=True):
        ref = optimize.minimize(_rosen, y0, jac=True, method="L-BFGS-B", bounds=BOUNDS, options=OPTIONS)
        np.testing.assert_array_equal(r.x, ref.x)
        assert r.nit == ref.nit
    assert max(sizes) == 5 and min(sizes) >= 1


def test_lockstep_error_propagates() -> None:
    """An evaluation error stops every run and is raised once, unchanged."""

    def batch(ks: list[int], ys: list[np.ndarray]) -> list[tuple[float, np.ndarray]]:
        if any(abs(y).max() < 1.5 for y in ys):
            raise ValueError("boom")
        return [_rosen(y) for y in ys]

    with pytest.raises(ValueError, match="boom"):
        minimize_lockstep(batch, [np.full(4, 1.9), np.full(4, -1.9)], BOUNDS, OPTIONS)
