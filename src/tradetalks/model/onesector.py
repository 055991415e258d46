r"""One-sector trade model with employment of the 2025 "Liberation Day" literature.

The baseline model of Ignatenko, Lashkaripour, Macedoni and Simonovska (2025), "Making America great
again? The economic impacts of Liberation Day tariffs", Journal of International Economics, as described
for implementers in ``shared/data/raw/liberation_day_2025/MODEL.md`` (§2–§4; equation numbers below refer
to its sections). Orientation: ``X[o, d]`` origin (exporter) row, destination (importer) column; tariffs
``t[o, d]`` are imposed by the importer ``d``.

Unknowns ``ŵ_n, Ê_n, L̂_n`` (3N). With ``A_od = λ_od (ŵ_o L̂_o^{−ψ})^{−ε} ((1+t'_od)/(1+t_od))^{−εφ_d}``,
``S_d = Σ_o A_od``, ``λ'_od = A_od/S_d`` (§3.2):

.. math::

    \hat P_d = (\hat E_d/\hat w_d)^{1-\varphi_d} S_d^{-1/\varepsilon},\quad
    X'_{od} = \lambda'_{od}\hat E_d E_d/(1+t'_{od}),\quad R'_d = \sum_o t'_{od} X'_{od}

    \sum_d (1-\nu_d) X'_{nd} + \nu_n \sum_o X'_{on} = \hat w_n \hat L_n Y_n \quad (n < N)      (income)

    \sum_n E_n (\hat P_n - 1) = 0                                                   (numeraire, replaces n = N)

    \hat E_n E_n = R'_n + \hat w_n \hat L_n Y_n + T_n \sum_k Y'_k / \sum_k Y_k      (budget; deficits T fixed
                                                                                     shares of world income)

    \hat L_n = (\hat\tau_n \hat w_n / \hat P_n)^{\kappa}                           (labour supply)

with ``τ̂ = 1/(1 − R'/Y')`` when tariff revenue replaces income tax ("income_tax", the paper's default) and
``τ̂ = 1`` when it is rebated lump sum. Welfare (§3.4):
``Ŵ = δ Ê/P̂ + (1−δ) ŵL̂/P̂``, ``δ = E/(E − κ/(1+κ)(1−τ)Y)``.

Parameters (§2): ``ε = 4``, ``κ = 0.5``, ``ψ = 0.67/ε``, ``θ = ε/0.67``, passthrough
``φ_n = φ̃ + (1+θ)/((1−ν_n)θ) − 1/θ − 1``. With ``ν ≡ 0`` and ``φ ≡ 1`` it is the Eaton–Kortum model with
employment (the paper's "EK" case), which is what a generic one-sector dataset gets (:func:`baseline_from_data`).

Numerics: the project's Newton solver (:mod:`tradetalks.model.solver`) in ``(ln ŵ, ln Ê, ln L̂)`` with
residuals scaled row by row (income by ``Y_n``, budget by ``E_n``, numeraire by ``ΣE``, labour in logs);
an analytic Jacobian (checked in the tests against complex-step differentiation, Martins, Sturdza
and Alonso 2003).

Modules: this one holds the parameters, the baseline data tuple and the equilibrium (:func:`solve_equilibrium`,
:func:`outputs`); :mod:`tradetalks.model.onesector_cases` the paper's closed-form optimal and retaliation
tariffs and its nine cases (``paper_case``).

References
----------
Ignatenko, A., A. Lashkaripour, L. Macedoni and I. Simonovska (2025). Making America great again? The
economic impacts of Liberation Day tariffs. Journal of International Economics.
Martins, J., P. Sturdza and J. Alonso (2003). The complex-step derivative approximation. ACM TOMS 29(3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.readers.liberation_day import LiberationData
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ModelError, OptionError, ShapeError
from tradetalks.model.common import SolveInfo, SolverOptions, finish
from tradetalks.model.solver import IntArray, newton
from tradetalks.model.threads import single_blas_thread

FloatArray = npt.NDArray[np.float64]
Rebate = Literal["income_tax", "lump_sum"]
REBATES: tuple[str, ...] = ("income_tax", "lump_sum")
OUTPUT_COLUMNS = (
    "welfare_pct",
    "deficit_pct",
    "exports_gdp_pct",
    "imports_gdp_pct",
    "employment_pct",
    "prices_pct",
    "revenue_share",
)
"""Per-country outputs (MODEL.md §4.1, columns 1–7; ``revenue_share`` = R'/E as a fraction)."""


@dataclass(frozen=True)
class OSParams:
    """Parameters (MODEL.md §2). ``psi`` and ``theta`` default to the paper's ``0.67/4`` and ``4/0.67``
    and are *not* recomputed when ``eps`` changes (as in the paper's ε = 8 robustness case)."""

    eps: float = 4.0
    kappa: float = 0.5
    psi: float = 0.67 / 4.0
    theta: float = 4.0 / 0.67
    phi_tilde: float = 1.0
    rebate: Rebate = "income_tax"

    def __post_init__(self) -> None:
        if not self.eps > 0 or not self.theta > 0 or self.kappa < 0:
            raise OptionError(
                "eps/theta/kappa", "eps > 0, theta > 0, kappa >= 0", (self.eps, self.theta, self.kappa)
            )
        if self.rebate not in REBATES:
            raise OptionError("rebate", REBATES, self.rebate)


@dataclass(frozen=True, eq=False)
class OSBaseline:
    """Baseline data tuple ``(E, Y, λ, T, ν)`` (MODEL.md §1.4 step 4) and baseline tariffs.

    Attributes
    ----------
    countries
        Labels.
    trade
        (N, N) flows at producer prices incl. domestic sales.
    tariff
        (N, N) baseline tariffs (zero in the paper).
    expenditure, income, transfer
        (N,) ``E_n = Σ_o (1+t_on) X_on`` (tariff-inclusive), model income ``Y_n``, transfer
        ``T_n = E_n − Y_n − R_n`` (``R_n`` baseline tariff revenue, zero in the paper's data).
    lam
        (N, N) ``λ_od = (1+t_od) X_od / E_d``.
    nu
        (N,) income shares ν.
    gdp
        (N,) GDP used as weights where the paper does (WDI), or ``Y``.
    """

    countries: tuple[str, ...]
    trade: FloatArray
    tariff: FloatArray
    expenditure: FloatArray
    income: FloatArray
    transfer: FloatArray
    lam: FloatArray
    nu: FloatArray
    gdp: FloatArray

    @property
    def n(self) -> int:
        return len(self.countries)

    @property
    def revenue(self) -> FloatArray:
        """Baseline tariff revenue ``R_n = Σ_o t_on X_on`` (zero in the paper)."""
        return np.asarray((self.tariff * self.trade).sum(axis=0))

    @property
    def tax(self) -> FloatArray:
        """Baseline income-tax rate replaced by tariff revenue, ``R_n / Y_n``."""
        return np.asarray(self.revenue / self.income)

    def index(self, label: str) -> int:
        try:
            return self.countries.index(label)
        except ValueError:
            from tradetalks.errors import LabelError

            raise LabelError("country", "a country of the baseline", repr(label)) from None

    def phi(self, params: OSParams) -> FloatArray:
        """Passthrough exponents ``φ_n`` (MODEL.md §2)."""
        th = params.theta
        return np.asarray(params.phi_tilde + (1.0 + th) / ((1.0 - self.nu) * th) - 1.0 / th - 1.0)


def baseline(
    trade: npt.ArrayLike,
    countries: tuple[str, ...],
    *,
    tariff: npt.ArrayLike | None = None,
    nu: npt.ArrayLike | None = None,
    gdp: npt.ArrayLike | None = None,
) -> OSBaseline:
    """Data tuple from a completed flow matrix (MODEL.md §1.4 step 4).

    ``Y_n = Σ_d (1−ν_d) X_nd + ν_n E_n``; with ``ν = 0`` it is sales (the EK case).
    """
    x = np.asarray(trade, dtype=float)
    n = len(countries)
    if x.shape != (n, n):
        raise ShapeError("trade", f"shape ({n}, {n})", f"shape {x.shape}")
    t = np.zeros_like(x) if tariff is None else np.asarray(tariff, dtype=float)
    v = np.zeros(n) if nu is None else np.asarray(nu, dtype=float)
    if np.any(x < 0) or np.any(t < 0):
        raise ModelError("trade/tariff: expected non-negative values; found negative entries")
    spend = (1.0 + t) * x
    e = spend.sum(axis=0)
    if np.any(e <= 0):
        raise ModelError("expenditure: expected > 0 for every country")
    y = ((1.0 - v)[None, :] * x).sum(axis=1) + v * e
    lam = spend / e[None, :]
    g = y.copy() if gdp is None else np.asarray(gdp, dtype=float)
    rev = (t * x).sum(axis=0)
    return OSBaseline(tuple(countries), x, t, e, y, e - y - rev, lam, v, g)


def baseline_from_liberation(lb: LiberationData) -> OSBaseline:
    """The paper's baseline from :func:`tradetalks.data.readers.liberation_day.read_baseline` (WDI GDP kept
    for reference; model income ``Y`` is what the paper uses for weights and ratios)."""
    return baseline(lb.trade, lb.countries, nu=lb.nu, gdp=lb.gdp)


def baseline_from_data(data: TradeData) -> OSBaseline:
    """One-sector baseline of any dataset: sectors summed, baseline tariffs the trade-weighted mean; ``ν``
    from a ``nu`` country variable when present (``liberation2025``), else 0 (the EK case)."""
    x = data.trade.sum(axis=2)
    t = np.divide((data.tariff * data.trade).sum(axis=2), x, out=np.zeros_like(x), where=x > 0)
    nu = data.param("nu")[:, 0] if data.has("nu") else None
    return baseline(x, tuple(data.countries), tariff=t, nu=nu)


# --------------------------------------------------------------------------------------------
# equilibrium
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    base: OSBaseline
    params: OSParams
    phi: FloatArray
    t_new: FloatArray  # (N, N)
    lt_hat: FloatArray  # (N, N) ln((1+t')/(1+t))
    transfer: FloatArray  # (N,) T used in the budget


def _parts(
    cx: _Ctx, xv: npt.NDArray[np.complex128] | FloatArray
) -> dict[str, npt.NDArray[np.complex128] | FloatArray]:
    b, p = cx.base, cx.params
    n = b.n
    u, ev, lv = xv[:, :n], xv[:, n : 2 * n], xv[:, 2 * n :]
    w, e_hat, l_hat = np.exp(u), np.exp(ev), np.exp(lv)
    ln_a = (
        np.log(np.where(b.lam > 0, b.lam, 1.0))[None]
        - p.eps * (u - p.psi * lv)[:, :, None]
        - (p.eps * cx.phi[None, None, :] * cx.lt_hat[None])
    )
    a = np.where(b.lam[None] > 0, np.exp(ln_a), 0.0)
    s = a.sum(axis=1)  # (B, N) over origins
    lam = a / s[:, None, :]
    p_hat = (e_hat / w) ** (1.0 - cx.phi) * s ** (-1.0 / p.eps)
    e_new = e_hat * b.expenditure
    x_new = lam * e_new[:, None, :] / (1.0 + cx.t_new)[None]
    rev = (cx.t_new[None] * x_new).sum(axis=1)
    y_new = w * l_hat * b.income
    if p.rebate == "income_tax":
        tau = rev / y_new
        tau_hat = (1.0 - b.tax) / (1.0 - tau)
    else:
        tau = np.zeros_like(rev)
        tau_hat = np.ones_like(rev)
    return {
        "w": w,
        "e_hat": e_hat,
        "l_hat": l_hat,
        "lam": lam,
        "p_hat": p_hat,
        "x": x_new,
        "rev": rev,
        "y_new": y_new,
        "tau": tau,
        "tau_hat": tau_hat,
    }


def _residual(
    cx: _Ctx, xv: npt.NDArray[np.complex128] | FloatArray
) -> npt.NDArray[np.complex128] | FloatArray:
    b, p = cx.base, cx.params
    q = _parts(cx, xv)
    x = q["x"]
    inc = ((1.0 - b.nu)[None, None, :] * x).sum(axis=2) + b.nu * x.sum(axis=1)
    f1 = (inc - q["y_new"]) / b.income
    f1[:, -1] = (b.expenditure * (q["p_hat"] - 1.0)).sum(axis=1) / b.expenditure.sum()
    world = q["y_new"].sum(axis=1, keepdims=True) / b.income.sum()
    f2 = (q["e_hat"] * b.expenditure - q["rev"] - q["y_new"] - cx.transfer * world) / b.expenditure
    f3 = xv[:, 2 * b.n :] - p.kappa * np.log(q["tau_hat"] * q["w"] / q["p_hat"])
    return np.concatenate([f1, f2, f3], axis=1)


def _jacobian(cx: _Ctx, xv: FloatArray) -> FloatArray:
    """Analytic Jacobian of :func:`_residual` at one point ``xv`` (3N,), (3N, 3N).

    With ``c_o = ln ŵ_o − ψ ln L̂_o``: ``dln λ'_od = −ε (dc_o − Σ_m λ'_md dc_m)``, ``dln X'_od = dln λ'_od +
    dln Ê_d``, ``dln P̂_d = (1−φ_d)(dln Ê_d − dln ŵ_d) + Σ_m λ'_md dc_m``.
    """
    b, p = cx.base, cx.params
    n = b.n
    eps, psi = p.eps, p.psi
    q = _parts(cx, xv[None])
    lam, x = q["lam"][0], q["x"][0]
    rev, y_new, tau = q["rev"][0], q["y_new"][0], q["tau"][0]
    p_hat = q["p_hat"][0]
    e_hat = q["e_hat"][0]
    eye = np.eye(n)
    imports = x.sum(axis=0)  # M_n = Σ_o X'_on
    # d inc_n / dc_m and / dv_d
    onu = (1.0 - b.nu)[None, :]
    dinc_dc = eps * ((onu * x) @ lam.T) - eps * np.diag((onu * x).sum(axis=1))
    dinc_dc += b.nu[:, None] * eps * (-x.T + lam.T * imports[:, None])
    dinc_dv = onu * x + np.diag(b.nu * imports)
    # d rev_d / dc_m, / dv_d
    tx = cx.t_new * x
    drev_dc = -eps * tx.T + eps * rev[:, None] * lam.T  # [d, m]
    # d ln P̂_n
    dp_du = -np.diag(1.0 - cx.phi) + lam.T  # [n, m]
    dp_dl = -psi * lam.T
    dp_dv = np.diag(1.0 - cx.phi)
    jac = np.zeros((3 * n, 3 * n))
    u_, v_, l_ = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
    yn = np.diag(y_new)
    jac[u_, u_] = (dinc_dc - yn) / b.income[:, None]
    jac[u_, l_] = (-psi * dinc_dc - yn) / b.income[:, None]
    jac[u_, v_] = dinc_dv / b.income[:, None]
    wgt = (b.expenditure * p_hat / b.expenditure.sum())[None, :]
    jac[n - 1, u_] = (wgt @ dp_du)[0]
    jac[n - 1, l_] = (wgt @ dp_dl)[0]
    jac[n - 1, v_] = (wgt @ dp_dv)[0]
    tw = cx.transfer[:, None] * y_new[None, :] / b.income.sum()
    ee = b.expenditure[:, None]
    jac[v_, v_] = np.diag(e_hat * b.expenditure - rev) / ee
    jac[v_, u_] = (-drev_dc - yn - tw) / ee
    jac[v_, l_] = (psi * drev_dc - yn - tw) / ee
    if p.rebate == "income_tax":
        inv = (1.0 / (1.0 - tau))[:, None]  # dln τ̂ = dτ / (1 − τ)
        dt_du = inv * (drev_dc / y_new[:, None] - np.diag(tau))
        dt_dl = inv * (-psi * drev_dc / y_new[:, None] - np.diag(tau))
        dt_dv = np.diag(inv[:, 0] * rev / y_new)
    else:
        dt_du = dt_dl = dt_dv = np.zeros((n, n))
    jac[l_, u_] = -p.kappa * (dt_du + eye - dp_du)
    jac[l_, l_] = eye - p.kappa * (dt_dl - dp_dl)
    jac[l_, v_] = -p.kappa * (dt_dv - dp_dv)
    return jac


def _make_fun(cx: _Ctx):  # type: ignore[no-untyped-def]
    def fun(xv: FloatArray, idx: IntArray, want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        f = np.real(_residual(cx, xv))
        f = np.where(np.isfinite(f), f, 1e300)
        if not want_jac:
            return f, None
        return f, np.stack([_jacobian(cx, xv[m]) for m in range(xv.shape[0])])

    return fun


def _complex_step_jacobian(cx: _Ctx, xv: FloatArray, h: float = 1e-30) -> FloatArray:
    """Complex-step Jacobian (Martins et al. 2003) at one point — the reference for :func:`_jacobian`."""
    k = xv.size
    xc = np.repeat(xv[None].astype(complex), k, axis=0)
    xc[np.arange(k), np.arange(k)] += 1j * h
    return np.asarray(np.imag(_residual(cx, xc)).T / h)


@dataclass(frozen=True, eq=False)
class OSEquilibrium:
    """A solved equilibrium with the paper's outputs.

    Attributes
    ----------
    w_hat, e_hat, l_hat, p_hat
        (N,) changes of wage, expenditure, employment and the price index.
    trade_new, tariff_new
        (N, N) counterfactual flows at producer prices and tariffs.
    revenue_new, tau
        (N,) tariff revenue and the income-tax rate it replaces (0 under lump sum).
    welfare_hat
        (N,) ``Ŵ``.
    info
        Convergence diagnostics.
    """

    w_hat: FloatArray
    e_hat: FloatArray
    l_hat: FloatArray
    p_hat: FloatArray
    trade_new: FloatArray
    tariff_new: FloatArray
    revenue_new: FloatArray
    tau: FloatArray
    welfare_hat: FloatArray
    info: SolveInfo


def solve_equilibrium(
    base: OSBaseline,
    tariff_new: npt.ArrayLike,
    params: OSParams = OSParams(),
    *,
    transfer: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    init: FloatArray | None = None,
) -> OSEquilibrium:
    """Equilibrium of new tariffs (MODEL.md §3.3) from all-ones (or ``init`` in logs).

    Raises
    ------
    ShapeError, ModelError
        Bad tariff shape or negative tariffs.
    ConvergenceError
        Strict mode and no convergence.
    """
    t0 = time.perf_counter()
    n = base.n
    tn = np.asarray(tariff_new, dtype=float)
    if tn.shape != (n, n):
        raise ShapeError("tariff_new", f"shape ({n}, {n})", f"shape {tn.shape}")
    if np.any(~(tn >= 0)):
        raise ModelError("tariff_new: expected non-negative finite tariffs; found negative or NaN")
    tr = base.transfer if transfer is None else np.asarray(transfer, dtype=float)
    phi = base.phi(params)
    cx = _Ctx(base, params, phi, tn, np.log1p(tn) - np.log1p(base.tariff), tr)
    x0 = np.zeros((1, 3 * n)) if init is None else np.asarray(init, dtype=float).reshape(1, 3 * n)
    with single_blas_thread():
        res = newton(_make_fun(cx), x0, options)
    info = SolveInfo(
        bool(res.converged[0]),
        res.iterations,
        float(res.residual[0]),
        time.perf_counter() - t0,
        "Newton (analytic Jacobian), scaled residuals",
    )
    finish(info, "one-sector equilibrium", options)
    q = _parts(cx, res.x)
    e, y = base.expenditure, base.income
    tau = np.real(q["tau"][0])
    delta = e / (e - params.kappa / (1.0 + params.kappa) * (1.0 - tau) * y)
    p_hat = np.real(q["p_hat"][0])
    w, eh, lh = np.exp(res.x[0, :n]), np.exp(res.x[0, n : 2 * n]), np.exp(res.x[0, 2 * n :])
    welfare = delta * eh / p_hat + (1.0 - delta) * w * lh / p_hat
    return OSEquilibrium(w, eh, lh, p_hat, np.real(q["x"][0]), tn, np.real(q["rev"][0]), tau, welfare, info)


def outputs(base: OSBaseline, eq: OSEquilibrium) -> pd.DataFrame:
    """The paper's per-country results (MODEL.md §4.1), one row per country.

    Columns: ``welfare_pct``, ``deficit_pct`` (``100 (D' − D)/|D|``, D = imports − exports at producer
    prices: negative = the deficit falls), ``exports_gdp_pct`` and ``imports_gdp_pct`` (changes of the
    ratios to model income), ``employment_pct``, ``prices_pct``, ``revenue_share`` (``R'/E``, a fraction),
    and ``revenue_gdp_pct`` (``100 R'/Y'``, tariff revenue as % of model income).
    """
    x0, x1 = base.trade, eq.trade_new
    n = base.n
    off = 1.0 - np.eye(n)
    d0 = x0.sum(axis=0) - x0.sum(axis=1)
    d1 = x1.sum(axis=0) - x1.sum(axis=1)
    y0 = base.income
    y1 = y0 * eq.w_hat * eq.l_hat
    ex0, ex1 = (x0 * off).sum(axis=1), (x1 * off).sum(axis=1)
    im0, im1 = (x0 * off).sum(axis=0), (x1 * off).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = pd.DataFrame(
            {
                "welfare_pct": 100.0 * (eq.welfare_hat - 1.0),
                "deficit_pct": 100.0 * (d1 - d0) / np.abs(d0),
                "exports_gdp_pct": 100.0 * ((ex1 / y1) / (ex0 / y0) - 1.0),
                "imports_gdp_pct": 100.0 * ((im1 / y1) / (im0 / y0) - 1.0),
                "employment_pct": 100.0 * (eq.l_hat - 1.0),
                "prices_pct": 100.0 * (eq.p_hat - 1.0),
                "revenue_share": eq.revenue_new / base.expenditure,
                "revenue_gdp_pct": 100.0 * eq.revenue_new / y1,
            },
            index=pd.Index(list(base.countries), name="country"),
        )
    return df


def budget_residuals(base: OSBaseline, eq: OSEquilibrium, params: OSParams = OSParams()) -> dict[str, float]:
    """Largest violations (relative to each country's E or Y) of income, budget and labour supply for every
    country (incl. the one replaced by the numeraire: Walras' law), and of the numeraire."""
    x = eq.trade_new
    y1 = base.income * eq.w_hat * eq.l_hat
    inc = ((1.0 - base.nu)[None, :] * x).sum(axis=1) + base.nu * x.sum(axis=0)
    world = y1.sum() / base.income.sum()
    budget = eq.e_hat * base.expenditure - eq.revenue_new - y1 - base.transfer * world
    tau_hat = (1.0 - base.tax) / (1.0 - eq.tau) if params.rebate == "income_tax" else np.ones(base.n)
    labour = np.log(eq.l_hat) - params.kappa * np.log(tau_hat * eq.w_hat / eq.p_hat)
    spend = ((1.0 + eq.tariff_new) * x).sum(axis=0)
    return {
        "income": float(np.abs((inc - y1) / base.income).max()),
        "budget": float(np.abs(budget / base.expenditure).max()),
        "expenditure": float(np.abs(spend / (eq.e_hat * base.expenditure) - 1.0).max()),
        "labour": float(np.abs(labour).max()),
        "numeraire": float(abs((base.expenditure * (eq.p_hat - 1.0)).sum() / base.expenditure.sum())),
    }


__all__ = [
    "OUTPUT_COLUMNS",
    "REBATES",
    "OSBaseline",
    "OSEquilibrium",
    "OSParams",
    "Rebate",
    "baseline",
    "baseline_from_data",
    "baseline_from_liberation",
    "budget_residuals",
    "outputs",
    "solve_equilibrium",
]
