"""Shared solver conventions of the GE models: options, diagnostics, closures.

Numeraire convention (all models): the world-income-weighted mean of factor-price changes is one,
``Σ_i (w_i L_i / Σ_k w_k L_k) ŵ_i = 1`` (Ossa 2014; Caliendo–Parro 2015 fix world GDP likewise).
Reported welfare is a real (price-deflated) change, so it does not depend on the numeraire.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ConvergenceError, ConvergenceWarning, OptionError

FloatArray = npt.NDArray[np.float64]

Closure = Literal["data", "balanced"]
"""Trade-imbalance closure.

``"data"``: imbalances held fixed at their data values (in units of the numeraire);
``"balanced"``: imbalances are first purged to zero (the model's own equilibrium with NX = 0), and
results are reported relative to that purged baseline (Ossa 2014, Caliendo–Parro 2015 "no S").
"""
CLOSURES: tuple[str, ...] = ("data", "balanced")


def check_closure(closure: str) -> Closure:
    """Validate a closure option at the edge."""
    if closure not in CLOSURES:
        raise OptionError("closure", CLOSURES, closure)
    return closure  # type: ignore[return-value]


@dataclass(frozen=True)
class SolverOptions:
    """Options of every equilibrium solver.

    Attributes
    ----------
    tol
        Convergence tolerance on the max-norm of the equilibrium residual.
    max_iter
        Iteration limit.
    strict
        Raise :class:`~tradetalks.errors.ConvergenceError` on failure instead of warning.
    """

    tol: float = 1e-10
    max_iter: int = 200
    strict: bool = False

    def __post_init__(self) -> None:
        if not (0 < self.tol <= 1):  # also refuses NaN and inf (issue 15: --tol inf "converged")
            raise OptionError("tol", "a finite number in (0, 1]", self.tol)
        if not 1 <= self.max_iter <= 100_000:
            raise OptionError("max_iter", "an integer in [1, 100000]", self.max_iter)


@dataclass(frozen=True)
class SolveInfo:
    """Diagnostics of one solve (or the worst of a batch)."""

    converged: bool
    iterations: int
    residual: float
    seconds: float
    method: str = ""

    def __post_init__(self) -> None:
        # issue 15: a solve whose residual is NaN/inf is never reported as converged
        if self.converged and not np.isfinite(self.residual):
            object.__setattr__(self, "converged", False)

    def as_dict(self) -> dict[str, object]:
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "residual": self.residual,
            "solve_seconds": self.seconds,
            "method": self.method,
        }


def finish(info: SolveInfo, what: str, options: SolverOptions) -> SolveInfo:
    """Raise (strict) or warn when a solve did not converge; return ``info`` unchanged."""
    if not info.converged:
        if options.strict:
            raise ConvergenceError(what, info.iterations, info.residual, options.tol)
        warnings.warn(
            f"{what} did not converge: residual {info.residual:.3e} after {info.iterations} iterations",
            ConvergenceWarning,
            stacklevel=3,
        )
    return info
