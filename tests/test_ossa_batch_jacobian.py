"""The parameter-batched Ossa system's analytic Jacobian (sector-major layout, issue 13 performance work).

Reference: central finite differences of the residuals (step 1e-6; agreement 1e-6 relative to the largest
entry), with a demand shift and per-member tariffs so every term of the Jacobian is exercised.
"""

from __future__ import annotations

import numpy as np

from tradetalks.model import ossa_batch
from tradetalks.model.ossa_batch import _pb_residual_jacobian

from .test_ossa import random_economy


def test_analytic_jacobian_equals_finite_differences() -> None:
    data = random_economy(3, n=4, s=3)
    rng = np.random.default_rng(1)
    sigma = 2.0 + rng.uniform(0.0, 4.0, (2, 3))
    pb = ossa_batch.calibrate_batch(data.trade, data.tariff, sigma)
    t_new = data.tariff + rng.uniform(0.0, 0.4, (2, *data.tariff.shape))
    shift = rng.uniform(0.8, 1.3, (2, *data.tariff.shape))
    sg = pb.sigma[:, None, None, :]
    log_tau = np.log1p(t_new) - np.log1p(pb.tariff)
    g_t = (pb.gamma * np.exp((1.0 - sg) * log_tau) * shift).transpose(0, 3, 1, 2).copy()
    x_t = (pb.trade * np.exp(-sg * log_tau) * shift).transpose(0, 3, 1, 2).copy()
    tx_t = t_new.transpose(0, 3, 1, 2) * x_t
    nx = np.broadcast_to(pb.nx, (2, 4)).copy()
    idx = np.arange(2)
    z = rng.normal(0.0, 0.05, (2, 8))

    def f(zz: np.ndarray) -> np.ndarray:
        return _pb_residual_jacobian(pb, idx, g_t, x_t, tx_t, nx, zz[:, :4], zz[:, 4:], False)[0]

    _, jac, *_ = _pb_residual_jacobian(pb, idx, g_t, x_t, tx_t, nx, z[:, :4], z[:, 4:], True)
    assert jac is not None
    h = 1e-6
    fd = np.zeros_like(jac)
    for k in range(8):
        e = np.zeros(8)
        e[k] = h
        fd[:, :, k] = (f(z + e) - f(z - e)) / (2 * h)
    np.testing.assert_allclose(jac, fd, rtol=0, atol=1e-6 * np.abs(fd).max())


def test_chord_start_reaches_the_same_equilibrium() -> None:
    """Chord steps with the central member's Jacobian (``jac0``) only change the start: every member ends
    at the equilibrium plain Newton finds (1e-8 relative; both meet the residual tolerance 1e-10)."""
    data = random_economy(5, n=4, s=3)
    rng = np.random.default_rng(2)
    central = np.full((1, 3), 4.0)
    t_new = data.tariff + 0.2
    c = ossa_batch.calibrate_batch(data.trade, data.tariff, central)
    eq_c = ossa_batch.solve_equilibrium_batch(c, t_new)
    warm = (np.log(eq_c.w_hat), np.log(eq_c.e_hat))
    jac0 = ossa_batch.jacobian_at(c, t_new, warm)[0]
    pb = ossa_batch.calibrate_batch(data.trade, data.tariff, central * rng.uniform(0.7, 1.3, (40, 3)))
    plain = ossa_batch.solve_equilibrium_batch(pb, t_new, x0=warm)
    chord = ossa_batch.solve_equilibrium_batch(pb, t_new, x0=warm, jac0=jac0)
    assert plain.converged_each.all() and chord.converged_each.all()
    np.testing.assert_allclose(chord.w_hat, plain.w_hat, rtol=1e-8)
    np.testing.assert_allclose(chord.e_hat, plain.e_hat, rtol=1e-8)
    assert chord.info.iterations <= plain.info.iterations
