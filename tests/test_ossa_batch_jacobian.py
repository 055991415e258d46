"""The parameter-batched Ossa system's analytic Jacobian (sector-major layout, issue 13 performance work).

Reference: central finite differences of the residuals (step 1e-6; agreement 1e-6 relative to the largest
entry), with a demand shift and per-member tariffs so every term of the Jacobian is exercised.
"""

from __future__ import annotations

import numpy as np

from tradetalks.model import ossa_batch, ossa_chord
from tradetalks.model.common import SolverOptions
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
    """Chord steps from a central member's solution and Jacobian (:class:`ChordModel`, plain and with its
    derivatives in σ) only change the start: every member ends at the equilibrium plain Newton finds (1e-8
    relative; all meet the residual tolerance 1e-10)."""
    data = random_economy(5, n=4, s=3)
    rng = np.random.default_rng(2)
    central = np.full((1, 3), 4.0)
    t_new = data.tariff + 0.2
    c = ossa_batch.calibrate_batch(data.trade, data.tariff, central)
    eq_c = ossa_batch.solve_equilibrium_batch(c, t_new)
    warm = (np.log(eq_c.w_hat), np.log(eq_c.e_hat))
    x = np.concatenate([warm[0][0], warm[1][0]])
    jac0 = ossa_batch.jacobian_at(c, t_new, warm)[0]
    plain_model = ossa_chord.ChordModel(central[0], x, jac0)
    h = 1e-4 * central[0]
    moved_pb = ossa_batch.calibrate_batch(data.trade, data.tariff, central + np.diag(h))
    moved = ossa_batch.solve_equilibrium_batch(moved_pb, t_new, x0=warm)
    xs = np.concatenate([np.log(moved.w_hat), np.log(moved.e_hat)], axis=1)
    jacs = ossa_batch.jacobian_at(moved_pb, t_new, (xs[:, :4], xs[:, 4:]))
    linear = ossa_chord.ChordModel.from_differences(central[0], x, jac0, h, xs, jacs)
    pb = ossa_batch.calibrate_batch(data.trade, data.tariff, central * rng.uniform(0.7, 1.3, (40, 3)))
    plain = ossa_batch.solve_equilibrium_batch(pb, t_new, x0=warm)
    for model in (plain_model, linear):
        chord = ossa_batch.solve_equilibrium_batch(pb, t_new, chord=model)
        assert plain.converged_each.all() and chord.converged_each.all()
        np.testing.assert_allclose(chord.w_hat, plain.w_hat, rtol=1e-8)
        np.testing.assert_allclose(chord.e_hat, plain.e_hat, rtol=1e-8)
        assert chord.info.iterations <= plain.info.iterations


def test_chord_model_derivatives_match_the_implicit_function_theorem() -> None:
    """∂z/∂σ of :meth:`ChordModel.from_differences` equals the implicit-function theorem's
    −J⁻¹ ∂F/∂σ (∂F/∂σ by central differences of the residual at the central solution; 1e-4 relative to the
    largest entry, the forward difference's truncation error at step 1e-4 σ)."""
    data = random_economy(7, n=4, s=3)
    central = np.array([3.0, 4.0, 6.0])
    t_new = data.tariff + 0.1
    c = ossa_batch.calibrate_batch(data.trade, data.tariff, central[None])
    eq_c = ossa_batch.solve_equilibrium_batch(c, t_new, options=SolverOptions(tol=1e-13))
    x = np.concatenate([np.log(eq_c.w_hat[0]), np.log(eq_c.e_hat[0])])
    jac0 = ossa_batch.jacobian_at(c, t_new, (x[:4], x[4:]))[0]
    h = 1e-4 * central
    moved_pb = ossa_batch.calibrate_batch(data.trade, data.tariff, central[None] + np.diag(h))
    moved = ossa_batch.solve_equilibrium_batch(moved_pb, t_new, x0=(x[:4], x[4:]), options=SolverOptions(tol=1e-13))
    xs = np.concatenate([np.log(moved.w_hat), np.log(moved.e_hat)], axis=1)
    jacs = ossa_batch.jacobian_at(moved_pb, t_new, (xs[:, :4], xs[:, 4:]))
    model = ossa_chord.ChordModel.from_differences(central, x, jac0, h, xs, jacs)

    def residual(sig: np.ndarray) -> np.ndarray:
        pb = ossa_batch.calibrate_batch(data.trade, data.tariff, sig[None])
        _, g_t, x_t, tx_t, nx = ossa_batch._scenario_arrays(pb, t_new, None, None)
        return _pb_residual_jacobian(pb, np.arange(1), g_t, x_t, tx_t, nx, x[None, :4], x[None, 4:], False)[0][0]

    d = 1e-6
    df = np.stack([(residual(central + d * e) - residual(central - d * e)) / (2 * d) for e in np.eye(3)])
    ift = -np.linalg.solve(jac0, df.T).T
    assert model.dx is not None
    np.testing.assert_allclose(model.dx, ift, rtol=0, atol=1e-4 * np.abs(ift).max())
