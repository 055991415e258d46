r"""Lashkaripour (2021): the global Nash tariff war and unilaterally optimal uniform tariffs.

Each country's best response is uniform across partners and sectors and satisfies (Lashkaripour 2021,
eq. 14)

.. math::

    t_i = \frac{1}{\sum_k \varepsilon_k \omega_{ik}},\qquad
    \omega_{ik} = \frac{\sum_{j\ne i} X'_{ijk}(1 - \lambda'_{ijk})}{\sum_{j\ne i}\sum_k X'_{ijk}}

at the new equilibrium (ω: trade-weighted inverse export-supply elasticity; floored at
:data:`~tradetalks.model.lashkaripour.FOC_FLOOR`). :func:`nash_war` solves it for every country jointly
with the equilibrium (3N unknowns, one Newton system of :mod:`tradetalks.model.lashkaripour_equilibrium`);
:func:`optimal_uniform_tariff` for one country, others' tariffs fixed. A Nash/optimal tariff *replaces* the
factual tariff on every import of the country that sets it. :func:`best_uniform_response` maximises the
exact welfare instead (a diagnostic: eq. 14 holds foreign wages fixed).

References
----------
Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. Journal of
International Economics 131, 103489.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradetalks.model.common import SolveInfo, SolverOptions, finish
from tradetalks.model.lashkaripour import FloatArray, LBaseline, LEquilibrium, welfare_hat
from tradetalks.model.lashkaripour_equilibrium import (
    _check_tariffs,
    _ctx,
    _make_fun,
    _tariffs_at,
    _unpack,
    solve_equilibrium,
)
from tradetalks.model.solver import newton
from tradetalks.model.threads import single_blas_thread


@dataclass(frozen=True, eq=False)
class TariffSolution:
    """Equilibrium with endogenous uniform tariffs (a Nash war or one country's optimum).

    Attributes
    ----------
    countries
        Indices of the countries whose tariff was solved for.
    tariffs
        (len(countries),) their uniform tariffs (fractions).
    eq
        The equilibrium at those tariffs.
    """

    countries: tuple[int, ...]
    tariffs: FloatArray
    eq: LEquilibrium


def _solve_choosers(
    base: LBaseline,
    choosers: Sequence[int],
    others: FloatArray,
    options: SolverOptions,
    start: float | FloatArray,
    what: str,
) -> TariffSolution:
    t0 = time.perf_counter()
    n = base.n
    c = np.asarray(choosers, dtype=np.intp)
    cx = _ctx(base, others[None], np.zeros(n), c)
    x0 = np.concatenate([np.zeros(2 * n), np.broadcast_to(np.asarray(start, float), (c.size,))])[None]
    with single_blas_thread():
        res = newton(_make_fun(cx), x0, options)
    info = SolveInfo(
        bool(res.converged[0]),
        res.iterations,
        float(res.residual[0]),
        time.perf_counter() - t0,
        f"Newton (analytic Jacobian), {2 * n + c.size} unknowns: {what}",
    )
    finish(info, f"Lashkaripour {what}", options)
    tc = res.x[0, 2 * n :]
    tn = _tariffs_at(cx, np.zeros(1, dtype=np.intp), tc[None])[0]
    eq = _unpack(cx, res.x[0, : 2 * n], tn, info, np.zeros(n))
    return TariffSolution(tuple(int(i) for i in c), tc.copy(), eq)


def nash_war(base: LBaseline, options: SolverOptions = SolverOptions(), start: float = 0.3) -> TariffSolution:
    """Global Nash tariff war: every country's uniform tariff satisfies ``t_i = 1/Σ_k ε_k ω_ik`` at the
    new equilibrium; solved jointly with the equilibrium (3N unknowns)."""
    return _solve_choosers(base, range(base.n), np.zeros_like(base.tariff), options, start, "Nash tariff war")


def optimal_uniform_tariff(
    base: LBaseline,
    country: int,
    *,
    others: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    start: float = 0.2,
) -> TariffSolution:
    """Unilaterally optimal uniform tariff of ``country`` (on all its imports, replacing its factual tariffs),
    the other countries' tariffs held at ``others`` (default: the baseline's)."""
    oth = base.tariff if others is None else np.asarray(others, dtype=float)
    _check_tariffs(base, oth)
    return _solve_choosers(base, [country], oth, options, start, "optimal uniform tariff")


def best_uniform_response(
    base: LBaseline,
    country: int,
    *,
    others: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    bounds: tuple[float, float] = (0.0, 2.0),
    xtol: float = 1e-7,
) -> tuple[float, float]:
    """The uniform tariff that maximises ``country``'s exact welfare ``Ŷ/P̂``, others' tariffs fixed.

    A diagnostic beside :func:`optimal_uniform_tariff`: eq. 14 of Lashkaripour (2021) is the inverse
    export-supply elasticity holding foreign wages fixed, so the exact welfare optimum differs from it at
    second order (on world2014 the US rate is about 1 pp higher; Japan's and China's within 0.5 pp).
    Bounded scalar search (Brent) over equilibria, each warm-started at the previous one.

    Returns
    -------
    (tariff, welfare_hat)
    """
    from scipy.optimize import minimize_scalar

    oth = np.array(base.tariff if others is None else others, dtype=float)
    _check_tariffs(base, oth)
    off = 1.0 - np.eye(base.n)
    warm: list[FloatArray] = []

    def neg_welfare(t: float) -> float:
        tn = oth.copy()
        tn[:, country, :] = t * off[:, country, None]
        init = warm[-1] if warm else None
        eq = solve_equilibrium(base, tn, options=options, init=init)
        warm.append(np.concatenate([np.log(eq.w_hat), np.log(eq.y_hat)]))
        return -float(welfare_hat(base, eq)[country])

    res = minimize_scalar(neg_welfare, bounds=bounds, method="bounded", options={"xatol": xtol})
    return float(res.x), -float(res.fun)


__all__ = ["TariffSolution", "best_uniform_response", "nash_war", "optimal_uniform_tariff"]
