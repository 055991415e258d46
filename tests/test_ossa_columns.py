"""The shared-columns residual of the parameter batch (:mod:`tradetalks.model.ossa_columns`, issue 13 speed).

Reference: the dense layout of :mod:`tradetalks.model.ossa_batch`, which evaluates the same equations cell by
cell (an identity: the two differ only in the order of floating-point sums). Residuals agree to 1e-12 of the
largest, equilibria to 1e-9 relative (both meet the residual tolerance 1e-10), with tariff changes in two
importers' columns, per-member demand shifts in a third, and member-specific net exports.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.model import ossa_batch, ossa_columns

from .test_ossa import random_economy

N = 9  # three changed columns of nine: the split is used


def _case() -> tuple[ossa_batch.OssaParamBatch, np.ndarray, np.ndarray, np.ndarray]:
    data = random_economy(11, n=N, s=4)
    rng = np.random.default_rng(3)
    pb = ossa_batch.calibrate_batch(data.trade, data.tariff, 2.0 + rng.uniform(0.0, 5.0, (9, 4)))
    t_new = data.tariff.copy()
    t_new[:, 0, :] += 0.25  # importer 0
    t_new[2, 4, 1] = 0.4  # importer 4, one cell
    shift = np.ones((9, *data.tariff.shape))
    shift[:, 3, 2, 0] = rng.uniform(0.8, 1.5, 9)  # importer 2: a commitment's shifter, one per member
    nx = np.broadcast_to(pb.nx, (9, N)).copy()
    nx[:, 0] += 0.01 * pb.expenditure[0, 0]
    nx[:, 1] -= 0.01 * pb.expenditure[0, 0]
    return pb, t_new, shift, nx


def test_columns_are_the_changed_importers() -> None:
    pb, t_new, shift, _ = _case()
    split = ossa_batch._column_split(pb, t_new[None], shift)
    assert split is not None
    assert split.cols.tolist() == [0, 2, 4]


def test_split_residual_equals_the_dense_residual() -> None:
    pb, t_new, shift, nx = _case()
    split = ossa_batch._column_split(pb, t_new[None], shift)
    assert split is not None
    _, g_t, x_t, tx_t, _ = ossa_batch._scenario_arrays(pb, t_new, shift, nx)
    rng = np.random.default_rng(4)
    z = rng.normal(0.0, 0.05, (9, 2 * N))
    for idx in (np.arange(9), np.array([1, 4, 7])):
        dense = ossa_batch._pb_residual_jacobian(pb, idx, g_t[idx], x_t[idx], tx_t[idx], nx[idx], z[idx, :N],
                                                 z[idx, N:], False)[0]
        fast = ossa_batch._split_residual(pb, split, idx, nx[idx], z[idx, :N], z[idx, N:])[0]
        np.testing.assert_allclose(fast, dense, rtol=0, atol=1e-12 * np.abs(dense).max())
        g, x, tx = ossa_columns.dense_arrays(split, idx)
        np.testing.assert_allclose(g, g_t[idx], rtol=1e-14)
        np.testing.assert_allclose(x, x_t[idx], rtol=1e-14)
        np.testing.assert_allclose(tx, tx_t[idx], rtol=1e-14, atol=0)


def test_split_equilibrium_equals_the_dense_equilibrium(monkeypatch: pytest.MonkeyPatch) -> None:
    pb, t_new, shift, nx = _case()
    fast = ossa_batch.solve_equilibrium_batch(pb, t_new, demand_shift=shift, nx_new=nx)
    monkeypatch.setattr(ossa_columns, "MAX_CHANGED_SHARE", -1.0)  # every scenario takes the dense layout
    assert ossa_batch._column_split(pb, t_new[None], shift) is None
    dense = ossa_batch.solve_equilibrium_batch(pb, t_new, demand_shift=shift, nx_new=nx)
    assert fast.converged_each.all() and dense.converged_each.all()
    for name in ("w_hat", "e_hat", "trade_new", "share", "p_hat"):
        np.testing.assert_allclose(getattr(fast, name), getattr(dense, name), rtol=1e-9, err_msg=name)


def test_purge_with_its_chord_model_equals_the_plain_purge() -> None:
    """The deficit purge in the shared-columns layout started from its chord model
    (:func:`ossa_batch.purge_model`) reaches the purged baselines of :func:`ossa.purge_deficits`, member by member
    (1e-8 relative: both meet the Newton tolerance 1e-10 on residuals scaled by world expenditure, which leaves
    small flows a few 1e-9 apart)."""
    from tradetalks.model import ossa

    data = random_economy(13, n=5, s=3)
    rng = np.random.default_rng(5)
    sig0 = np.array([3.0, 4.0, 6.0])
    sigma = sig0 * rng.uniform(0.7, 1.4, (6, 3))
    model = ossa_batch.purge_model(data.trade, data.tariff, sig0)
    assert model is not None and model.djac is not None
    pb = ossa_batch.purge_deficits_batch(ossa_batch.calibrate_batch(data.trade, data.tariff, sigma), chord=model)
    for k in range(sigma.shape[0]):
        ref = ossa.purge_deficits(ossa.calibrate(data.trade, data.tariff, sigma[k]))
        np.testing.assert_allclose(pb.trade[k], ref.trade, rtol=1e-8, atol=1e-12 * ref.trade.max())
