r"""Ossa (2014) multi-sector Krugman model with profits, in exact hat algebra.

Model (Ossa 2014, "Trade Wars and Trade Talks with Data", AER 104(12); DESIGN.md §4). Indices: i exporter,
j importer, s sector; X pre-tariff values; τ = 1 + t; x̂ = x'/x. A fixed number of firms per country and
sector earns profits Π_is = R_is / σ_s on sales R_is = Σ_j X_ijs; one factor (labour) earns the rest.

.. math::

    \hat P_{js}^{1-\sigma_s} = \sum_i \gamma_{ijs} \hat b_{ijs} (\hat w_i \hat\tau_{ijs})^{1-\sigma_s},
    \qquad \gamma_{ijs} = \frac{\tau_{ijs} X_{ijs}}{\sum_k \tau_{kjs} X_{kjs}}

    \hat X_{ijs} = \hat b_{ijs}\,\hat w_i^{1-\sigma_s} \hat\tau_{ijs}^{-\sigma_s} \hat P_{js}^{\sigma_s-1} \hat E_j

    w_iL_i\,\hat w_i = \sum_s \tfrac{\sigma_s-1}{\sigma_s} \sum_j X_{ijs}\hat X_{ijs}       (labour market)

    E_j \hat E_j = w_jL_j\hat w_j + \sum_s \tfrac{1}{\sigma_s}\sum_i X_{jis}\hat X_{jis}
                 + \sum_{i,s} t'_{ijs} X_{ijs}\hat X_{ijs} - NX'_j                          (budget)

with :math:`\hat b` an optional preference (import-demand) shifter, Cobb–Douglas upper tier with fixed
tariff-inclusive expenditure shares μ_js, and the numeraire :math:`\sum_i w_iL_i \hat w_i = \sum_i w_iL_i`
(one labour-market equation is dropped by Walras' law). Labour income is the residual
:math:`w_jL_j = E_j + NX_j - T_j - \sum_s \Pi_{js}` (= Σ_s (σ_s−1)/σ_s R_js). Welfare is real income
:math:`\hat W_j = \hat E_j / \prod_s \hat P_{js}^{\mu_{js}}`; government welfare with political-economy
weights λ is

.. math::  G_j = \frac{\sum_s \lambda_{js} (R_{js} + \delta_{js} (T_j - NX_j))}{P_j},
           \qquad \delta_{js} = L_{js}/L_j,

which equals real income when λ ≡ 1.

Numerics: the equilibrium has 2N unknowns (ln ŵ, ln Ê) whatever the number of tariffs; it is solved by
Newton's method with the analytic Jacobian, batched along a leading axis. Gradients of government welfare
with respect to all tariffs come from the implicit-function theorem (one adjoint solve per objective with
the same small Jacobian). Optimal tariffs maximise Ĝ_j over j's import tariffs with L-BFGS-B on these exact
gradients, each tariff scaled by the square root of its flow, started from j's optimal uniform tariff.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
Dekle, Eaton and Kortum (2007) for exact hat algebra.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ConvergenceError, ModelError, ShapeError
from tradetalks.model.common import SolveInfo, SolverOptions, check_closure, finish
from tradetalks.model.solver import newton
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset

FloatArray = npt.NDArray[np.float64]

TARIFF_UPPER = 10.0
"""Upper bound of optimal tariffs (Ossa 2014: 0 ≤ t ≤ 10)."""

PG_TOL = 1e-6
"""A best response counts as converged when L-BFGS-B says so or when the projected gradient of ln Ĝ
per unit of tariff is below this (line searches can stop on the flat optimum)."""


# --------------------------------------------------------------------------------------------
# baseline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OssaBaseline:
    """Calibrated baseline arrays (pure data; build with :func:`calibrate`).

    Attributes
    ----------
    trade, tariff
        (N, N, S) pre-tariff flows and importer-imposed tariffs.
    sigma
        (S,) elasticities of substitution.
    nx
        (N,) net exports Σ_s R_js − Σ_{i,s} X_ijs.
    expenditure
        (N,) tariff-inclusive expenditure E_j.
    labour_income
        (N,) w_j L_j = Σ_s (σ_s − 1)/σ_s R_js.
    gamma
        (N, N, S) tariff-inclusive import shares γ_ijs.
    mu
        (N, S) tariff-inclusive expenditure shares μ_js.
    """

    trade: FloatArray
    tariff: FloatArray
    sigma: FloatArray
    nx: FloatArray
    expenditure: FloatArray
    labour_income: FloatArray
    gamma: FloatArray
    mu: FloatArray

    @property
    def n(self) -> int:
        return int(self.trade.shape[0])

    @property
    def s(self) -> int:
        return int(self.trade.shape[2])

    @property
    def sales(self) -> FloatArray:
        """R_is = Σ_j X_ijs, (N, S)."""
        return np.asarray(self.trade.sum(axis=1))

    @property
    def profits(self) -> FloatArray:
        """Π_is = R_is / σ_s, (N, S)."""
        return np.asarray(self.sales / self.sigma)

    @property
    def revenue(self) -> FloatArray:
        """T_j = Σ_{i,s} t_ijs X_ijs, (N,)."""
        return np.asarray((self.tariff * self.trade).sum(axis=(0, 2)))


def calibrate(trade: FloatArray, tariff: FloatArray, sigma: FloatArray) -> OssaBaseline:
    """Compute the baseline shares and incomes from flows, tariffs and elasticities.

    Parameters
    ----------
    trade, tariff
        (N, N, S) arrays in the orientation of DESIGN.md §3.
    sigma
        (S,) elasticities of substitution, each > 1.

    Raises
    ------
    ShapeError, ModelError
        Mismatched shapes; σ ≤ 1.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    sg = np.asarray(sigma, dtype=float)
    if x.ndim != 3 or x.shape[0] != x.shape[1] or t.shape != x.shape:
        raise ShapeError("trade/tariff", "two (N, N, S) arrays of one shape", f"{x.shape} and {t.shape}")
    if sg.shape != (x.shape[2],):
        raise ShapeError("sigma", f"shape ({x.shape[2]},)", f"shape {sg.shape}")
    if np.any(sg <= 1.0):
        raise ModelError(f"sigma: expected values > 1 in the Ossa model; found min {sg.min():.4g}")
    spend = (1.0 + t) * x
    e_js = spend.sum(axis=0)  # (N, S)
    gamma = np.divide(spend, e_js[None], out=np.zeros_like(spend), where=e_js[None] > 0)
    e = e_js.sum(axis=1)
    mu = e_js / e[:, None]
    sales = x.sum(axis=1)
    nx = sales.sum(axis=1) - x.sum(axis=(0, 2))
    wl = (sales * (sg - 1.0) / sg).sum(axis=1)
    return OssaBaseline(x, t, sg, nx, e, wl, gamma, mu)


# --------------------------------------------------------------------------------------------
# equilibrium
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """Solved counterfactual equilibrium (arrays carry a leading batch axis B).

    Attributes
    ----------
    w_hat, e_hat
        (B, N) wage and expenditure changes.
    trade_new
        (B, N, N, S) new pre-tariff flows X' = X X̂.
    share
        (B, N, N, S) new tariff-inclusive import shares.
    p_hat
        (B, N, S) sectoral price-index changes.
    tariff_new
        (B, N, N, S) the tariffs of the counterfactual.
    nx_new
        (B, N) net exports imposed.
    info
        Worst-case diagnostics over the batch; ``converged_each`` per scenario.
    """

    w_hat: FloatArray
    e_hat: FloatArray
    trade_new: FloatArray
    share: FloatArray
    p_hat: FloatArray
    tariff_new: FloatArray
    nx_new: FloatArray
    info: SolveInfo
    converged_each: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _flows(
    base: OssaBaseline, u: FloatArray, v: FloatArray, tau_hat: FloatArray, shift: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """New flows, shares and CES aggregators Q = P̂^{1−σ} for log wages u and log expenditures v."""
    one_m_sigma = 1.0 - base.sigma
    a = (np.exp(u)[:, :, None, None] * tau_hat) ** one_m_sigma
    if shift is not None:
        a = a * shift
    ga = base.gamma * a
    q = ga.sum(axis=1)  # (B, N_importer, S)
    q_safe = np.where(q > 0, q, 1.0)
    share = ga / q_safe[:, None]
    xn = base.trade * (a / tau_hat) * (np.exp(v)[:, None, :, None] / q_safe[:, None])
    return xn, share, q_safe


def _residual_jacobian(
    base: OssaBaseline,
    u: FloatArray,
    v: FloatArray,
    tau_hat: FloatArray,
    t_new: FloatArray,
    nx_new: FloatArray,
    shift: FloatArray | None,
    jac: bool = True,
) -> tuple[FloatArray, FloatArray | None]:
    """Scaled residuals (B, 2N) and their Jacobian (B, 2N, 2N) in (ln ŵ, ln Ê)."""
    sg = base.sigma
    kappa = (sg - 1.0) / sg
    wl = base.labour_income
    e0 = base.expenditure
    scale = 1.0 / e0.sum()
    xn, share, _ = _flows(base, u, v, tau_hat, shift)
    w = np.exp(u)
    ev = np.exp(v)
    sales = xn.sum(axis=2)  # (B, N, S)
    labour = (sales * kappa).sum(-1) - wl * w
    profit = (sales / sg).sum(-1)
    rev_x = t_new * xn
    rev = rev_x.sum(axis=(1, 3))
    budget = wl * w + profit + rev - nx_new - e0 * ev
    numeraire = (wl * w).sum(-1) - wl.sum()
    f = np.concatenate([labour[:, :-1], numeraire[:, None], budget], axis=1) * scale
    if not jac:
        return f, None
    b, n = u.shape
    eye = np.eye(n)
    om = 1.0 - sg
    # labour rows
    xk = xn * (om * kappa)  # (B, N, N, S) weights (1-σ)κ X'
    d_lab_u = eye * xk.sum(axis=(2, 3))[:, :, None] - np.einsum("bmjs,bkjs->bmk", xk, share)
    d_lab_u -= eye * (wl * w)[:, :, None]
    d_lab_v = np.einsum("bmks,s->bmk", xn, kappa)
    # budget rows: profits
    xp = xn * (om / sg)
    d_bud_u = eye * xp.sum(axis=(2, 3))[:, :, None] - np.einsum("bmjs,bkjs->bmk", xp, share)
    # revenue: Σ_s (1-σ_s)[t'_kms X'_kms − s'_kms Σ_i t'_ims X'_ims]
    rv_ms = rev_x.sum(axis=1)  # (B, N_importer m, S)
    d_bud_u += np.einsum("bkms,s->bmk", rev_x, om) - np.einsum("bkms,bms,s->bmk", share, rv_ms, om)
    d_bud_u += eye * (wl * w)[:, :, None]
    d_bud_v = np.einsum("bmks,s->bmk", xn, 1.0 / sg) + eye * (rev - e0 * ev)[:, :, None]
    d_num_u = (wl * w)[:, None, :]
    d_num_v = np.zeros((b, 1, n))
    top = np.concatenate([d_lab_u[:, :-1], d_num_u, d_bud_u], axis=1)
    bottom = np.concatenate([d_lab_v[:, :-1], d_num_v, d_bud_v], axis=1)
    j = np.concatenate([top, bottom], axis=2) * scale
    return f, j


def _batch(
    base: OssaBaseline, arr: npt.ArrayLike | None, default: FloatArray, name: str, shape: tuple[int, ...]
) -> FloatArray:
    a = default if arr is None else np.asarray(arr, dtype=float)
    if a.shape == shape:
        a = a[None]
    if a.shape[1:] != shape:
        raise ShapeError(name, f"shape {shape} or (B, *{shape})", f"shape {a.shape}")
    return a


def solve_equilibrium(
    base: OssaBaseline,
    tariff_new: npt.ArrayLike,
    *,
    demand_shift: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    x0: tuple[FloatArray, FloatArray] | None = None,
    options: SolverOptions = SolverOptions(),
) -> Equilibrium:
    """Solve the counterfactual equilibrium for new tariffs (one scenario or a batch).

    Parameters
    ----------
    base
        Calibrated baseline.
    tariff_new
        New tariffs, (N, N, S) or a batch (B, N, N, S).
    demand_shift
        Optional preference shifter b̂_ijs (same shapes), 1 = none.
    nx_new
        New net exports (N,) or (B, N) in data units; default: the baseline's (imbalances held fixed).
        Must sum to zero.
    x0
        Warm start (ln ŵ, ln Ê), each (B, N).
    options
        Tolerance on the max-norm of residuals scaled by world expenditure, iteration limit, strictness.

    Returns
    -------
    Equilibrium
    """
    start = time.perf_counter()
    n, s = base.n, base.s
    t_new = _batch(base, tariff_new, base.tariff, "tariff_new", (n, n, s))
    if np.any(t_new < 0) or np.any(t_new > TARIFF_UPPER) or not np.all(np.isfinite(t_new)):
        raise ModelError(
            f"tariff_new: expected finite fractions in [0, {TARIFF_UPPER}]; found min "
            f"{np.nanmin(t_new):.4g}, max {np.nanmax(t_new):.4g}"
        )
    bsz = t_new.shape[0]
    shift = None
    if demand_shift is not None:
        shift = _batch(base, demand_shift, np.ones((n, n, s)), "demand_shift", (n, n, s))
        if np.any(shift <= 0) or not np.all(np.isfinite(shift)):
            raise ModelError("demand_shift: expected positive finite multipliers")
        shift = np.broadcast_to(shift, (bsz, n, n, s))
    nx = _batch(base, nx_new, base.nx, "nx_new", (n,))
    nx = np.broadcast_to(nx, (bsz, n)).copy()
    if np.any(np.abs(nx.sum(axis=1)) > 1e-8 * base.expenditure.sum()):
        raise ModelError(f"nx_new: expected net exports summing to zero; found sums {nx.sum(axis=1)}")
    tau_hat = (1.0 + t_new) / (1.0 + base.tariff)
    if x0 is None:
        z0 = np.zeros((bsz, 2 * n))
    else:
        z0 = np.concatenate(
            [
                np.broadcast_to(np.asarray(x0[0], dtype=float), (bsz, n)),
                np.broadcast_to(np.asarray(x0[1], dtype=float), (bsz, n)),
            ],
            axis=1,
        )

    def fun(z: FloatArray, idx: npt.NDArray[np.intp], want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        sub = None if shift is None else shift[idx]
        return _residual_jacobian(base, z[:, :n], z[:, n:], tau_hat[idx], t_new[idx], nx[idx], sub, want_jac)

    res = newton(fun, z0, options)
    u, v = res.x[:, :n], res.x[:, n:]
    xn, share, q = _flows(base, u, v, tau_hat, shift)
    p_hat = q ** (1.0 / (1.0 - base.sigma))
    conv = res.converged
    info = SolveInfo(
        converged=bool(conv.all()),
        iterations=res.iterations,
        residual=float(res.residual.max()),
        seconds=time.perf_counter() - start,
        method="newton (analytic Jacobian)",
    )
    finish(info, "Ossa equilibrium", options)
    return Equilibrium(np.exp(u), np.exp(v), xn, share, p_hat, t_new, nx, info, conv)


def solve_warm(
    base: OssaBaseline,
    tariff_new: npt.ArrayLike,
    x0: tuple[FloatArray, FloatArray] | None,
    *,
    demand_shift: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
) -> Equilibrium:
    """:func:`solve_equilibrium` warm-started at ``x0`` (e.g. the previous point of an optimiser or a
    root-finder), falling back to a cold start if the warm start does not converge."""
    if x0 is not None:
        try:
            return solve_equilibrium(
                base,
                tariff_new,
                demand_shift=demand_shift,
                nx_new=nx_new,
                x0=x0,
                options=replace(options, strict=True),
            )
        except ConvergenceError:
            pass
    return solve_equilibrium(base, tariff_new, demand_shift=demand_shift, nx_new=nx_new, options=options)


def purge_deficits(base: OssaBaseline, options: SolverOptions = SolverOptions()) -> OssaBaseline:
    """Ossa's zero-imbalance baseline: factual tariffs, NX' = 0, then recalibrate on the new flows.

    Returns
    -------
    OssaBaseline
        Calibrated on X⁰ = X X̂ solved with NX' = 0 and the factual tariffs.
    """
    eq = solve_equilibrium(base, base.tariff, nx_new=np.zeros(base.n), options=options)
    return calibrate(eq.trade_new[0], base.tariff, base.sigma)


# --------------------------------------------------------------------------------------------
# welfare, government welfare and their gradients
# --------------------------------------------------------------------------------------------


def welfare_hat(base: OssaBaseline, eq: Equilibrium) -> FloatArray:
    """Real-income change Ŵ_j = Ê_j / Π_s P̂_js^{μ_js}, (B, N)."""
    return np.asarray(eq.e_hat / np.exp((base.mu * np.log(eq.p_hat)).sum(-1)))


def _lam(base: OssaBaseline, lam: npt.ArrayLike | None) -> FloatArray:
    if lam is None:
        return np.ones((base.n, base.s))
    a = np.asarray(lam, dtype=float)
    if a.shape != (base.n, base.s):
        raise ShapeError("political_weights", f"shape ({base.n}, {base.s})", f"shape {a.shape}")
    return a


def _gov_level(
    base: OssaBaseline, x: FloatArray, t: FloatArray, nx: FloatArray, lam: FloatArray
) -> FloatArray:
    """Numerator of G: Σ_s λ_js (R_js + δ_js (T_j − NX_j)), for flows x (..., N, N, S)."""
    kappa = (base.sigma - 1.0) / base.sigma
    sales = x.sum(axis=-2)  # (..., N, S)
    rev = (t * x).sum(axis=(-3, -1))
    lab = sales * kappa
    delta = lab / lab.sum(-1, keepdims=True)
    return np.asarray((lam * (sales + delta * (rev - nx)[..., None])).sum(-1))


def gov_welfare_hat(
    base: OssaBaseline, eq: Equilibrium, political_weights: npt.ArrayLike | None = None
) -> FloatArray:
    """Government-welfare change Ĝ_j (B, N); equals Ŵ_j when λ ≡ 1."""
    lam = _lam(base, political_weights)
    g0 = _gov_level(base, base.trade, base.tariff, base.nx, lam)
    g1 = _gov_level(base, eq.trade_new, eq.tariff_new, eq.nx_new, lam)
    log_p = (base.mu * np.log(eq.p_hat)).sum(-1)
    return np.asarray(g1 / g0 / np.exp(log_p))


# --------------------------------------------------------------------------------------------
# TradeData-facing wrappers
# --------------------------------------------------------------------------------------------


def baseline_from_data(
    data: TradeData, closure: str = "balanced", options: SolverOptions = SolverOptions()
) -> OssaBaseline:
    """Calibrate the Ossa baseline of a dataset under a closure.

    ``"balanced"`` purges imbalances first (Ossa's procedure); ``"data"`` keeps them.

    Raises
    ------
    DataError
        The dataset has neither ``sigma`` nor ``theta`` (σ = θ + 1 when only θ is given).
    OptionError
        Unknown closure.
    """
    check_closure(closure)
    # Krugman/CES: the trade elasticity is σ − 1, so a dataset with only θ gives σ = θ + 1
    sigma = data.param("sigma") if data.has("sigma") or not data.has("theta") else data.param("theta") + 1.0
    base = calibrate(data.trade, data.tariff, sigma)
    return purge_deficits(base, options) if closure == "balanced" else base


def result_from_equilibrium(
    data: TradeData,
    base: OssaBaseline,
    eq: Equilibrium,
    closure: str,
    political_weights: npt.ArrayLike | None = None,
    k: int = 0,
    params: dict[str, Any] | None = None,
) -> CounterfactualResult:
    """Package scenario ``k`` of a solved equilibrium as a :class:`CounterfactualResult`."""
    sg = base.sigma
    w = welfare_hat(base, eq)[k]
    g = gov_welfare_hat(base, eq, political_weights)[k]
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * (w - 1.0),
        gov_welfare_pct=100.0 * (g - 1.0),
        wage_hat=eq.w_hat[k],
        price_index_hat=eq.p_hat[k],
        trade_base=base.trade,
        trade_new=eq.trade_new[k],
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new[k],
        income_base=base.expenditure,
        income_new=base.expenditure * eq.e_hat[k],
        profits_base=(base.trade.sum(axis=1) / sg).sum(-1),
        profits_new=(eq.trade_new[k].sum(axis=1) / sg).sum(-1),
        extra={
            "nx_base": (("country",), base.nx),
            "nx_new": (("country",), eq.nx_new[k]),
        },
    )
    info = SolveInfo(
        bool(eq.converged_each[k]) if eq.converged_each.size else eq.info.converged,
        eq.info.iterations,
        eq.info.residual,
        eq.info.seconds,
        eq.info.method,
    )
    p: dict[str, Any] = {
        "sigma_source": str(data.attrs.get("sigma_source", "")),
        "political_weights": "none (lambda = 1)" if political_weights is None else "given",
        "numeraire": "labour-income-weighted mean wage change = 1",
    }
    p.update(params or {})
    return CounterfactualResult("ossa", data.name, closure, ds, info, p)


def solve_counterfactual(
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "data",
    demand_shift: npt.ArrayLike | None = None,
    nx_change: npt.ArrayLike | None = None,
    political_weights: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    baseline: OssaBaseline | None = None,
) -> CounterfactualResult:
    """Ossa counterfactual of new tariffs (and optional demand shifts / imbalance changes) on a dataset.

    Parameters
    ----------
    data
        Baseline dataset with ``sigma``.
    tariff_new
        (N, N, S) new importer-imposed tariffs (fractions).
    closure
        ``"data"`` (imbalances held at their data values) or ``"balanced"`` (purged to zero first;
        changes reported relative to the purged equilibrium).
    demand_shift
        Optional multiplicative preference shifter b̂_ijs on importer j's demand for i's goods in s.
    nx_change
        Optional change of net exports by country (data units, sums to zero), e.g. transfers.
    political_weights
        λ (N, S) for government welfare; default 1.
    baseline
        A pre-computed :func:`baseline_from_data` for the same data and closure (saves the purge).

    Returns
    -------
    CounterfactualResult
    """
    base = baseline if baseline is not None else baseline_from_data(data, closure, options)
    nx_new = None
    if nx_change is not None:
        d = np.asarray(nx_change, dtype=float)
        if d.shape != (base.n,):
            raise ShapeError("nx_change", f"shape ({base.n},)", f"shape {d.shape}")
        nx_new = base.nx + d
    eq = solve_equilibrium(base, tariff_new, demand_shift=demand_shift, nx_new=nx_new, options=options)
    return result_from_equilibrium(data, base, eq, closure, political_weights)
