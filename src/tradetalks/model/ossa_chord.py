r"""Where the members of a parameter batch start: a central member's solution and Jacobian moved to first order
in σ, and chord steps from there (issue 13 throughput).

Split out of :mod:`tradetalks.model.ossa_batch`. :class:`ChordModel` holds a central member's solution
:math:`\bar z`, its Jacobian :math:`\bar J` and their derivatives in σ; :func:`chord_model` builds it for any
problem by forward differences; :func:`member_steps` gives each member its first-order start and approximate
inverse Jacobian; :func:`chord_start` takes chord steps with them before Newton. Nothing here decides a
solution: every member still ends with its own Newton test of the residual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


CHORD_STEPS = 30
"""Most chord steps of :func:`chord_start` (each one residual evaluation of the batch)."""
CHORD_RATE = 0.5
"""A member leaves the chord steps when one step cuts its residual by less than this factor."""
CHORD_SUBSET = 0.25
"""Once no more than this fraction of the batch still takes chord steps, a step evaluates those members only
(copying their (b, S, N, N) arrays then costs less than evaluating every member; measured on world2022 with
the dense layout and the plain chord, 2,000 members: 0.1 / 0.2 / 0.3 / 0.5 / 0.75 gave about 3,500 / 3,600 /
3,550 / 3,250 / 2,850 solves/s; the shared-columns layout copies only the members' changed columns)."""


@dataclass(frozen=True, eq=False)
class ChordModel:
    r"""The equilibrium of a central member and its first-order change in σ: a start for nearby members.

    With :math:`\Delta\sigma_b = \sigma_b - \bar\sigma` a member starts at
    :math:`z_b^0 = \bar z + \sum_s \Delta\sigma_{bs}\, \partial z/\partial\sigma_s` and takes chord steps
    :math:`z \leftarrow z - \tilde J_b^{-1} F_b(z)` with the linearised Jacobian
    :math:`\tilde J_b = \bar J + \sum_s \Delta\sigma_{bs}\, \mathrm dJ/\mathrm d\sigma_s` (the total
    derivative along the solution path, :math:`\mathrm dJ/\mathrm d\sigma_s = \partial J/\partial\sigma_s
    + \partial J/\partial z\; \partial z/\partial\sigma_s`), inverted to second order,
    :math:`\tilde J_b^{-1} \approx (I - M_b + M_b^2)\,\bar J^{-1}` with :math:`M_b = \bar J^{-1}(\tilde J_b -
    \bar J)`. The chord iteration then contracts at a rate of order :math:`\|\Delta\sigma\|^2` instead of
    :math:`\|\Delta\sigma\|` (measured on world2022, 2,000 draws of 20 % dispersion: 5.4 residual
    evaluations per member instead of 12.5). Only the start depends on the model: every member still ends
    with its own Newton test of the residual.

    Attributes
    ----------
    sigma
        (S,) the central member's σ̄.
    x
        (2N,) its solution :math:`\bar z` = (ln ŵ, ln Ê).
    jac
        (2N, 2N) its scaled system's Jacobian at :math:`\bar z` (:func:`tradetalks.model.ossa_batch.jacobian_at`).
    dx, djac
        (S, 2N) and (S, 2N, 2N) derivatives of the solution and of the Jacobian at the solution in σ
        (:meth:`from_differences`); ``None``: the plain chord with :math:`\bar J` from :math:`\bar z`.
    """

    sigma: FloatArray
    x: FloatArray
    jac: FloatArray
    dx: FloatArray | None = None
    djac: FloatArray | None = None

    @classmethod
    def from_differences(cls, sigma: FloatArray, x: FloatArray, jac: FloatArray, step: FloatArray,
                         x_step: FloatArray, jac_step: FloatArray) -> ChordModel:
        """Forward differences: ``x_step[s]``, ``jac_step[s]`` are the solution and its Jacobian for σ̄ with
        σ_s raised by ``step[s]`` (the same scenario and closure)."""
        h = np.asarray(step, dtype=float)
        return cls(sigma, x, jac, (x_step - x[None]) / h[:, None], (jac_step - jac[None]) / h[:, None, None])


ChordSolve = Callable[[FloatArray, "ChordModel | None"], tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]]
"""``solve(sigma (M, S), chord)`` → the members' solutions z (M, 2N), Jacobians at them (M, 2N, 2N) and
whether they converged (M,): one problem (scenario, closure) solved for M elasticity vectors."""


def chord_model(solve: ChordSolve, sigma0: FloatArray, step: float = 1e-4) -> ChordModel | None:
    """The :class:`ChordModel` of a problem around ``sigma0``: its solution and Jacobian there, and their
    derivatives in σ by forward differences (relative ``step``; S more members, solved from the plain model in
    one batch). ``None`` when the central solve does not converge; the plain model (no derivatives) when a
    perturbed one does not."""
    x0, j0, ok = solve(sigma0[None], None)
    if not ok.all():
        return None
    plain = ChordModel(sigma0, x0[0], j0[0])
    h = step * sigma0
    xs, js, ok = solve(sigma0[None] + np.diag(h), plain)
    if not ok.all():
        return plain
    return ChordModel.from_differences(sigma0, x0[0], j0[0], h, xs, js)


def member_steps(model: ChordModel, sigma: FloatArray) -> tuple[FloatArray, FloatArray | None]:
    r"""The start offsets Δσ ∂z/∂σ (B, 2N) and the members' approximate inverse Jacobians (B, 2N, 2N), or
    ``None`` when the model has no derivatives (then every member uses :math:`\bar J^{-1}`)."""
    dsig = sigma - model.sigma[None]
    if model.dx is None or model.djac is None:
        return np.zeros((sigma.shape[0], model.x.size)), None
    k = model.jac.shape[0]
    inv0 = np.linalg.inv(model.jac)
    dj = (dsig @ model.djac.reshape(model.djac.shape[0], k * k)).reshape(-1, k, k)
    m = inv0 @ dj
    h = m @ m - m
    h += np.eye(k)
    return dsig @ model.dx, h @ inv0


def chord_start(fun: Callable[[FloatArray, npt.NDArray[np.intp], bool], tuple[FloatArray, FloatArray | None]],
                 z0: FloatArray, jac0: FloatArray, tol: float, steps: int = CHORD_STEPS,
                 inverses: FloatArray | None = None) -> FloatArray:
    r"""A better Newton start: chord steps :math:`z \leftarrow z - H_b F(z)` with :math:`H_b` = ``inverses[b]``
    (:class:`ChordModel`) or, without them, :math:`J_0^{-1}` for every member.

    A member takes a step only while its residual (max-norm) falls, and stops once it is below ``tol``, or
    when a step cuts it by less than :data:`CHORD_RATE` (then Newton, with its own Jacobian, is faster). A step
    evaluates the residuals of the whole batch (no copies) while more than :data:`CHORD_SUBSET` of it is
    active, else of the active members only; a member's step depends on its own inputs only either way."""
    inv_t = np.linalg.inv(jac0).T
    z = z0.copy()
    everyone = np.arange(z.shape[0])
    f, _ = fun(z, everyone, False)
    norm = np.abs(f).max(axis=1)
    active = norm > tol
    for _ in range(steps):
        n_active = int(active.sum())
        if n_active == 0:
            break
        idx = everyone if n_active > CHORD_SUBSET * z.shape[0] else np.flatnonzero(active)
        if inverses is None:
            z_try = z[idx] - f[idx] @ inv_t
        else:
            z_try = z[idx] - (inverses[idx] @ f[idx][:, :, None])[:, :, 0]
        f_try, _ = fun(z_try, idx, False)
        n_try = np.abs(f_try).max(axis=1)
        better = active[idx] & np.isfinite(n_try) & (n_try < norm[idx])
        active[idx] = better & (n_try > tol) & (n_try < CHORD_RATE * norm[idx])
        moved = idx[better]
        z[moved], f[moved], norm[moved] = z_try[better], f_try[better], n_try[better]
    return z
