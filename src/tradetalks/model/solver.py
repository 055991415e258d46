"""One batched, damped Newton solver for the GE models' equilibrium systems.

Each model supplies ``fun(x, idx, want_jac) -> (F, J)``: residuals ``F`` (b, K) and, when asked, the
analytic Jacobian ``J`` (b, K, K) at unknowns ``x`` (b, K) for the batch members ``idx`` (b,). The solver
steps only the members that have not converged, with a per-member backtracking line search on the
max-norm of the residual (Armijo-type: a step is halved until the norm decreases), and falls back to a
least-squares step where a Jacobian is singular. It never prints; diagnostics come back in
:class:`NewtonResult` and are turned into :class:`~tradetalks.model.common.SolveInfo` by the caller.

References
----------
Dennis & Schnabel (1996), Numerical Methods for Unconstrained Optimization and Nonlinear Equations, ch. 6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradetalks.model.common import SolverOptions

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

ResidualFn = Callable[[FloatArray, IntArray, bool], tuple[FloatArray, FloatArray | None]]
"""``fun(x, idx, want_jac) -> (F, J or None)`` for the batch members ``idx``."""

MAX_BACKTRACKS = 30


@dataclass(frozen=True, eq=False)
class NewtonResult:
    """Outcome of :func:`newton`.

    Attributes
    ----------
    x
        (B, K) unknowns at the last iterate.
    residual
        (B,) max-norm of the residual of each member.
    iterations
        Newton iterations taken (the most of any member).
    converged
        (B,) whether each member met the tolerance.
    """

    x: FloatArray
    residual: FloatArray
    iterations: int
    converged: npt.NDArray[np.bool_]


def _step(jac: FloatArray, f: FloatArray) -> FloatArray:
    try:
        return np.asarray(np.linalg.solve(jac, -f[..., None])[..., 0])
    except np.linalg.LinAlgError:  # a singular Jacobian somewhere in the batch: least squares
        return np.stack([np.linalg.lstsq(jac[k], -f[k], rcond=None)[0] for k in range(jac.shape[0])])


def newton(fun: ResidualFn, x0: FloatArray, options: SolverOptions) -> NewtonResult:
    """Solve ``F(x) = 0`` for every member of a batch by damped Newton steps.

    Parameters
    ----------
    fun
        Residuals and Jacobian for a subset of the batch (see the module docstring).
    x0
        (B, K) starting points (warm starts welcome).
    options
        ``tol`` on the max-norm of each member's residual and ``max_iter``.
    """
    x = np.array(x0, dtype=float)
    everyone = np.arange(x.shape[0])
    f, _ = fun(x, everyone, False)
    norm = np.abs(f).max(axis=1)
    it = 0
    while it < options.max_iter:
        act = np.flatnonzero(~(norm <= options.tol))
        if act.size == 0:
            break
        it += 1
        fa, ja = fun(x[act], act, True)
        assert ja is not None
        step = _step(ja, fa)
        base = norm[act]
        t = np.ones(act.size)
        for _ in range(MAX_BACKTRACKS):
            x_try = x[act] + t[:, None] * step
            f_try, _ = fun(x_try, act, False)
            n_try = np.abs(f_try).max(axis=1)
            bad = (~(n_try < base) & (n_try > options.tol)) | ~np.isfinite(n_try)
            if not bad.any():
                break
            t = np.where(bad, 0.5 * t, t)
        x[act] = x_try
        norm[act] = n_try
    return NewtonResult(x, norm, it, norm <= options.tol)
