r"""Lashkaripour (2021): multi-sector Armington/Eaton–Kortum model, its global tariff war and optimal tariffs.

The economy (Lashkaripour 2021, "The cost of a global tariff war: a sufficient-statistics approach",
Journal of International Economics 131, 103489; DESIGN.md §4). One factor (labour) per country, mobile
across sectors; Cobb–Douglas across sectors with expenditure shares ``e_jk``; CES within sector ``k`` with
trade elasticity ``ε_k = σ_k − 1``; perfect competition, no profits, no input–output links; tariff revenue
rebated to the importer's households. Indices: ``i`` exporter, ``j`` importer, ``k`` sector; arrays are
``[exporter, importer, sector]`` as in :class:`~tradetalks.data.tradedata.TradeData` (flows ``X`` at
pre-tariff prices). With ``λ_ijk`` the tariff-inclusive share of ``i`` in ``j``'s spending on ``k`` and
``τ̂ = (1 + t')/(1 + t)``, the equilibrium in exact hat algebra, unknowns ``ŵ_i`` and ``Ŷ_i``, is

.. math::

    \lambda'_{ijk} = \frac{\lambda_{ijk} (\hat w_i \hat\tau_{ijk})^{-\varepsilon_k}}
                         {\sum_m \lambda_{mjk} (\hat w_m \hat\tau_{mjk})^{-\varepsilon_k}},\qquad
    \hat P_{jk} = \Bigl[\sum_m \lambda_{mjk} (\hat w_m \hat\tau_{mjk})^{-\varepsilon_k}\Bigr]^{-1/\varepsilon_k}

    X'_{ijk} = \lambda'_{ijk}\, e_{jk}\, \hat Y_j Y_j / (1 + t'_{ijk})          (pre-tariff flows)

    \hat w_i R_i = \sum_{j,k} X'_{ijk}                                          (wage income = sales net of tariffs)

    \hat Y_i Y_i = \hat w_i R_i + \sum_{j,k} t'_{jik} X'_{jik} + D_i'             (income = wages + tariff revenue)

with ``R_i`` the baseline wage bill, ``Y_i`` total income (= expenditure) and ``D_i'`` the trade deficit
(zero after purging). Numeraire (:mod:`tradetalks.model.common`): the world wage bill is fixed,
``Σ_i R_i ŵ_i = Σ_i R_i``; it replaces the last wage equation (Walras' law). Welfare is real income
``Ŵ_i = Ŷ_i / Π_k P̂_ik^{e_ik}``.

Baseline. As in the paper (and its MATLAB package ``tariffwar``), the data's imbalances are purged
first: :func:`purge_deficits` solves the same system at the factual tariffs with ``D' = 0``
(Dekle–Eaton–Kortum) and rebuilds the flows; every counterfactual is measured from that balanced world.

Nash tariff war. Each country's best response is uniform across partners and sectors and satisfies
(Lashkaripour 2021, eq. 14)

.. math::

    t_i = \frac{1}{\sum_k \varepsilon_k \omega_{ik}},\qquad
    \omega_{ik} = \frac{\sum_{j\ne i} X'_{ijk}(1 - \lambda'_{ijk})}{\sum_{j\ne i}\sum_k X'_{ijk}}

(ω: trade-weighted inverse export-supply elasticity at the new equilibrium). The Nash equilibrium solves
this for every ``i`` jointly with the equilibrium — ``3N`` unknowns ``(ŵ, Ŷ, t)``, no nested
optimisation (:func:`nash_war`). The unilaterally optimal uniform tariff of one country, others' tariffs
held fixed, solves the same condition for that country only (:func:`optimal_uniform_tariff`). A
Nash/optimal tariff *replaces* the factual tariff on every import of the country that sets it.

Numerics. The project's batched Newton solver (:mod:`tradetalks.model.solver`) with analytic Jacobians
in ``(ln ŵ, ln Ŷ[, t])``; wage and income residuals in units of the world wage bill, the first-order
conditions as ``t_i Σ_k ε_k ω_ik − 1``. Many counterfactuals are solved in one batch
(:func:`solve_batch`).

References
----------
Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. Journal of
International Economics 131, 103489.
Dekle, R., J. Eaton and S. Kortum (2008). Global Rebalancing with Gravity. IMF Staff Papers 55(3).
Costinot, A. and A. Rodríguez-Clare (2014). Trade Theory with Numbers. Handbook of Int. Econ. 4, ch. 4.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticityError, ModelError, ShapeError
from tradetalks.model.common import SolveInfo, SolverOptions, finish
from tradetalks.model.solver import IntArray, newton
from tradetalks.model.threads import single_blas_thread
from tradetalks.results.counterfactual import CounterfactualResult, build_dataset

FloatArray = npt.NDArray[np.float64]

MODEL_NAME = "lashkaripour"
FOC_FLOOR = 1.0
"""Floor on ``Σ_k ε_k ω_ik`` in the first-order condition (caps a near-autarkic country's tariff at 100 %;
binds for no economy in the WIOD/ICIO data)."""


# --------------------------------------------------------------------------------------------
# baseline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LBaseline:
    """Baseline arrays of the model (build with :func:`calibrate`, balance with :func:`purge_deficits`).

    Attributes
    ----------
    trade, tariff
        (N, N, S) pre-tariff flows ``[exporter, importer, sector]`` and importer-imposed tariffs.
    eps
        (S,) trade elasticities ``ε_k = σ_k − 1``.
    lam
        (N, N, S) tariff-inclusive shares ``λ_ijk`` (sum to one over exporters; 1 on the diagonal where an
        importer absorbs nothing of a sector).
    e
        (N, S) Cobb–Douglas expenditure shares ``e_jk``.
    income
        (N,) total expenditure ``Y_j = Σ_{i,k} (1 + t_ijk) X_ijk``.
    wage_bill
        (N,) ``R_i = Σ_{j,k} X_ijk`` (sales net of tariffs).
    deficit
        (N,) ``D_i = Y_i − R_i − tariff revenue_i`` (imports − exports at pre-tariff prices).
    """

    trade: FloatArray
    tariff: FloatArray
    eps: FloatArray
    lam: FloatArray
    e: FloatArray
    income: FloatArray
    wage_bill: FloatArray
    deficit: FloatArray

    @property
    def n(self) -> int:
        return int(self.trade.shape[0])

    @property
    def s(self) -> int:
        return int(self.trade.shape[2])

    @property
    def revenue(self) -> FloatArray:
        """Tariff revenue by importer, ``Σ_{i,k} t_ijk X_ijk``, (N,)."""
        return np.asarray((self.tariff * self.trade).sum(axis=(0, 2)))


def calibrate(trade: npt.ArrayLike, tariff: npt.ArrayLike, eps: npt.ArrayLike) -> LBaseline:
    """Shares and totals of a dataset (no equilibrium imposed; imbalances kept).

    Parameters
    ----------
    trade, tariff
        (N, N, S) pre-tariff flows and importer-imposed tariffs (fractions).
    eps
        (S,) trade elasticities, each > 0.

    Raises
    ------
    ShapeError, ElasticityError, ModelError
        Mismatched shapes, ``ε ≤ 0``, negative flows or tariffs, a country with no sales.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    ep = np.asarray(eps, dtype=float)
    if x.ndim != 3 or x.shape[0] != x.shape[1] or t.shape != x.shape:
        raise ShapeError("trade/tariff", "two (N, N, S) arrays of one shape", f"{x.shape} and {t.shape}")
    n, _, s = x.shape
    if ep.shape != (s,):
        raise ShapeError("eps", f"shape ({s},)", f"shape {ep.shape}")
    if np.any(~(ep > 0)):
        raise ElasticityError("eps", "trade elasticities > 0", f"min {np.nanmin(ep):.4g}")
    if np.any(~(x >= 0)) or np.any(~(t >= 0)):
        raise ModelError("trade/tariff: expected non-negative finite values; found negative or NaN entries")
    spend = (1.0 + t) * x
    absorb = spend.sum(axis=0)  # (N, S)
    lam = np.divide(spend, absorb[None], out=np.zeros_like(spend), where=absorb[None] > 0)
    idx = np.arange(n)
    lam[idx, idx, :] += np.where(absorb > 0, 0.0, 1.0)
    income = absorb.sum(axis=1)
    if np.any(income <= 0):
        raise ModelError(f"expenditure: expected > 0 for every country; found {income.min():.4g}")
    e = absorb / income[:, None]
    wage = x.sum(axis=(1, 2))
    if np.any(wage <= 0):
        raise ModelError(f"sales: expected > 0 for every country; found {wage.min():.4g}")
    rev = (t * x).sum(axis=(0, 2))
    return LBaseline(x, t, ep, lam, e, income, wage, income - wage - rev)


def elasticities_of(data: TradeData) -> tuple[FloatArray, str]:
    """Trade elasticities ``ε_k`` of a dataset and their source: ``σ − 1`` if it has ``sigma``, else ``theta``.

    Raises
    ------
    DataError
        The dataset has neither.
    """
    src = str(
        data.attrs.get("elasticities", data.attrs.get("sigma_source", data.attrs.get("theta_source", "")))
    )
    if data.has("sigma"):
        return np.asarray(data.param("sigma"), dtype=float) - 1.0, src
    return np.asarray(data.param("theta"), dtype=float), src


FLOWS: tuple[str, ...] = ("data", "gross")


def calibrate_data(data: TradeData, flows: str = "data") -> LBaseline:
    """:func:`calibrate` on a dataset (ε from ``sigma − 1`` or ``theta``).

    Parameters
    ----------
    flows
        ``"data"``: the dataset's flows are pre-tariff values (the project's convention); ``"gross"``: they
        are importer spending gross of tariffs, so pre-tariff flows are ``X / (1 + t)`` — how the
        ``tariffwar`` package reads its cubes (tariffwar_cubes/SOURCE.md, ``compute_derived_cubes``).
    """
    if flows not in FLOWS:
        from tradetalks.errors import OptionError

        raise OptionError("flows", FLOWS, flows)
    eps, _ = elasticities_of(data)
    x = data.trade if flows == "data" else data.trade / (1.0 + data.tariff)
    return calibrate(x, data.tariff, eps)


# --------------------------------------------------------------------------------------------
# the equilibrium system
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """Constants of one system (internal). Levels in units of the world wage bill."""

    base: LBaseline
    r: FloatArray  # (N,) wage bill / world wage bill
    y0: FloatArray  # (N,) income / world wage bill
    d: FloatArray  # (N,) imposed deficits / world wage bill
    lt0: FloatArray  # (N, N, S) ln(1 + t) baseline
    off: FloatArray  # (N, N, 1) 1 off the diagonal
    choosers: IntArray  # importers whose uniform tariff is an unknown (Nash / optimal)
    tariffs: FloatArray  # (B, N, N, S) or (1, N, N, S): tariffs of the others / of counterfactuals
    kap: FloatArray | None = None  # (B, N, N, S) λ τ̂^{-ε} when the tariffs are fixed (no choosers)
    inv1t: FloatArray | None = None  # (B, N, N, S) 1 / (1 + t') when the tariffs are fixed


@dataclass
class _Pt:
    """Everything at one iterate of a batch (internal)."""

    u: FloatArray  # (b, N) ln ŵ
    yv: FloatArray  # (b, N) ln Ŷ
    tn: FloatArray  # (b, N, N, S) t'
    lam: FloatArray  # (b, N, N, S) λ'
    x: FloatArray  # (b, N, N, S) X' (units of world wage bill)
    ls: FloatArray  # (b, N, S) ln Σ_m λ (ŵ τ̂)^-ε
    sales: FloatArray  # (b, N)
    rev: FloatArray  # (b, N)
    xs: FloatArray  # (b, N, N) Σ_k X'
    rk: FloatArray  # (b, N, S) Σ_i t' X'


def _take(arr: FloatArray, idx: IntArray) -> FloatArray:
    """``arr[idx]`` along the batch axis without a copy when ``idx`` is the whole (sorted) batch or the
    array is shared by the batch (leading size 1)."""
    if arr.shape[0] == 1 or (idx.size == arr.shape[0] and idx[0] == 0 and idx[-1] == idx.size - 1):
        return arr
    return np.asarray(arr[idx])


def _tariffs_at(cx: _Ctx, idx: IntArray, tc: FloatArray | None) -> FloatArray:
    base = (
        _take(cx.tariffs, idx)
        if cx.tariffs.shape[0] > 1
        else np.broadcast_to(cx.tariffs, (idx.size, *cx.tariffs.shape[1:]))
    )
    if tc is None or cx.choosers.size == 0:
        return np.asarray(base)
    tn = np.array(base)
    tn[:, :, cx.choosers, :] = tc[:, None, :, None] * cx.off[None, :, cx.choosers, :]
    return tn


def _point(cx: _Ctx, u: FloatArray, yv: FloatArray, tn: FloatArray, idx: IntArray | None = None) -> _Pt:
    b = cx.base
    with np.errstate(over="ignore", under="ignore"):
        if cx.kap is not None and idx is not None and cx.inv1t is not None:  # fixed tariffs: reuse λ τ̂^-ε
            kap = _take(cx.kap, idx)
            inv1t = _take(cx.inv1t, idx)
            a = kap * np.exp(-b.eps * u[:, :, None])[:, :, None, :]
        else:
            lt = np.log1p(tn)
            a = b.lam[None] * np.exp(-b.eps * (u[:, :, None, None] + lt - cx.lt0[None]))
            inv1t = 1.0 / (1.0 + tn)
    s = a.sum(axis=1)  # (b, N, S)
    lam = a / s[:, None]
    spend = b.e[None] * (cx.y0 * np.exp(yv))[:, :, None]  # (b, j, k)
    x = lam * spend[:, None] * inv1t
    xs = x @ np.ones(b.s)  # Σ_k X' (a matrix-vector product is faster than a short-axis sum)
    sales = xs.sum(axis=2)
    rk = np.einsum("bijk,bijk->bjk", tn, x)  # (b, j, k) revenue by importer and sector
    rev = rk.sum(axis=2)
    with np.errstate(divide="ignore"):
        ls = np.log(s)
    return _Pt(u, yv, tn, lam, x, ls, sales, rev, xs, rk)


def _residual(cx: _Ctx, pt: _Pt, tc: FloatArray | None) -> FloatArray:
    w = np.exp(pt.u)
    f1 = pt.sales - cx.r * w
    f1[:, -1] = (cx.r * w).sum(axis=1) - 1.0
    f2 = cx.y0 * np.exp(pt.yv) - cx.r * w - pt.rev - cx.d
    parts = [f1, f2]
    if tc is not None and cx.choosers.size:
        num, ex = _foc_terms(cx, pt)
        parts.append(tc * num / ex - 1.0)
    return np.concatenate(parts, axis=1)


def _foc_terms(cx: _Ctx, pt: _Pt) -> tuple[FloatArray, FloatArray]:
    """``Σ_{j≠c,k} ε_k X'_cjk (1 − λ'_cjk)`` and exports ``Σ_{j≠c,k} X'_cjk`` of the choosers ``c``."""
    c = cx.choosers
    xo = pt.x[:, c] * cx.off[None, c]  # (b, C, N, S)
    num = (cx.base.eps * xo * (1.0 - pt.lam[:, c])).sum(axis=(2, 3))
    ex = np.maximum(xo.sum(axis=(2, 3)), 1e-300)
    num = np.maximum(num, FOC_FLOOR * ex)
    return num, ex


def foc_tariff(base: LBaseline, trade_new: FloatArray, lam_new: FloatArray) -> FloatArray:
    """Right-hand side of the first-order condition, ``1 / Σ_k ε_k ω_ik`` for every country, (N,).

    Parameters
    ----------
    trade_new, lam_new
        (N, N, S) flows ``X'`` and shares ``λ'`` of an equilibrium.
    """
    n = base.n
    off = 1.0 - np.eye(n)[:, :, None]
    xo = trade_new * off
    num = (base.eps * xo * (1.0 - lam_new)).sum(axis=(1, 2))
    ex = xo.sum(axis=(1, 2))
    return np.asarray(1.0 / np.maximum(num / ex, FOC_FLOOR))


def _jacobian(cx: _Ctx, pt: _Pt, tc: FloatArray | None) -> FloatArray:
    """Analytic Jacobian of :func:`_residual` in ``(ln ŵ, ln Ŷ[, t_C])``, (b, K, K).

    With ``dln λ'_ijk = −ε_k (du_i − Σ_m λ'_mjk du_m)`` (and for a chooser's tariff ``h_c = dt_c/(1+t_c)``:
    ``dln λ'_ick = ε_k (Λ_ck − o_ic) h_c``, ``Λ_ck = 1 − λ'_cck``), ``dln X' = dln λ' + dy_j − h_c o_ic``.
    """
    base = cx.base
    eps = base.eps
    bsz, n = pt.u.shape
    ns = n * base.s
    w = np.exp(pt.u)
    lam_t = pt.lam.reshape(bsz, n, ns).transpose(0, 2, 1)  # (b, NS, N)
    ex_ = eps * pt.x
    c = cx.choosers
    nc = c.size if tc is not None else 0
    if nc:  # one matrix product for the sales, exports and FOC-numerator terms: Σ_jk W_ijk λ'_mjk
        xr = pt.x[:, c]  # (b, C, N, S)
        lr = pt.lam[:, c]
        orow = cx.off[None][:, c]  # (1, C, N, 1)
        wex = eps * orow * xr
        v = eps**2 * orow * xr * (1.0 - 2.0 * lr)
        stacked = (
            np.concatenate(
                [ex_.reshape(bsz, n, ns), wex.reshape(bsz, nc, ns), v.reshape(bsz, nc, ns)], axis=1
            )
            @ lam_t
        )
        ds_du = stacked[:, :n]
    else:
        ds_du = ex_.reshape(bsz, n, ns) @ lam_t
    # sales_i: the own term Σ_jk ε X'_ijk is the row sum of the product (Σ_m λ'_mjk = 1)
    ds_du[:, np.arange(n), np.arange(n)] -= ds_du.sum(axis=2)
    ds_dy = pt.xs
    # revenue_j
    rk = pt.rk
    etx = np.einsum("bmjk,bmjk,k->bmj", pt.tn, pt.x, eps)  # Σ_k ε_k t'_mjk X'_mjk
    dr_du = -etx.transpose(0, 2, 1) + np.einsum("bmjk,bjk->bjm", pt.lam, rk * eps)
    ri = np.arange(n)
    k = 2 * n + nc
    jac = np.zeros((bsz, k, k))
    # F1
    jac[:, :n, :n] = ds_du
    jac[:, ri, ri] -= cx.r * w
    jac[:, :n, n : 2 * n] = ds_dy
    jac[:, n - 1, :] = 0.0
    jac[:, n - 1, :n] = cx.r * w
    # F2
    jac[:, n : 2 * n, :n] = -dr_du
    jac[:, n + ri, ri] -= cx.r * w
    jac[:, n + ri, n + ri] = cx.y0 * np.exp(pt.yv) - pt.rev
    if nc == 0 or tc is None:
        return jac
    # tariff columns: h_c = dt_c / (1 + t_c)
    off = cx.off[None]  # (1, N, N, 1)
    big_l = 1.0 - pt.lam[:, c, c, :]  # (b, C, S): Λ_ck
    xc = pt.x[:, :, c, :]  # (b, N, C, S) flows into chooser c
    oc = off[:, :, c, :]  # (1, N, C, 1)
    q = eps * (big_l[:, None] - oc) - oc  # dln X'_ick / dh_c
    inv1 = 1.0 / (1.0 + tc)  # (b, C)
    jac[:, :n, 2 * n :] = (xc * q).sum(axis=3) * inv1[:, None, :]
    jac[:, n - 1, 2 * n :] = 0.0
    tq = (pt.tn[:, :, c, :] * xc * q).sum(axis=(1, 3))  # Σ_ik t' X' q
    mc = (xc * oc).sum(axis=(1, 3))  # imports M_c
    jac[:, n + c, 2 * n + np.arange(nc)] = -(mc + tq * inv1)
    # FOC rows of the choosers (exporter c)
    num, ex = _foc_terms(cx, pt)
    # exports Ex_c
    dex_du = stacked[:, n : n + nc]
    dex_du[:, np.arange(nc), c] -= wex.sum(axis=(2, 3))
    dex_dy = (orow * xr).sum(axis=3)
    # Num_c
    dnum_du = stacked[:, n + nc :]
    dnum_du[:, np.arange(nc), c] -= v.sum(axis=(2, 3))
    dnum_dy = (eps * orow * xr * (1.0 - lr)).sum(axis=3)
    # w.r.t. chooser tariffs t_m (m in C): exporter c's sales into m
    bl = 1.0 - pt.lam[:, c, c, :]  # (b, C[m], S)
    xcm = xr[:, :, c, :]  # (b, C[c], C[m], S)
    lcm = lr[:, :, c, :]
    ocm = orow[:, :, c, :]
    em = eps * (bl[:, None] - 1.0)  # ε(Λ_mk − 1)
    dex_dt = (ocm * xcm * (em - 1.0)).sum(axis=3) * inv1[:, None, :]
    dnum_dt = (ocm * eps * xcm * (em * (1.0 - 2.0 * lcm) - (1.0 - lcm))).sum(axis=3) * inv1[:, None, :]
    a1 = (tc / ex)[:, :, None]
    a2 = (tc * num / ex**2)[:, :, None]
    rows = slice(2 * n, 2 * n + nc)
    jac[:, rows, :n] = a1 * dnum_du - a2 * dex_du
    jac[:, rows, n : 2 * n] = a1 * dnum_dy - a2 * dex_dy
    jac[:, rows, 2 * n :] = a1 * dnum_dt - a2 * dex_dt
    jac[:, 2 * n + np.arange(nc), 2 * n + np.arange(nc)] += num / ex
    return jac


def _residual_fixed(cx: _Ctx, u: FloatArray, yv: FloatArray, idx: IntArray) -> FloatArray:
    """:func:`_residual` for fixed tariffs without materialising λ' or X' (line-search evaluations):
    sales and revenue as contractions of ``a = λ τ̂^{-ε} ŵ^{-ε}`` with ``spend / S``."""
    b = cx.base
    assert cx.kap is not None and cx.inv1t is not None
    kap = _take(cx.kap, idx)
    inv1t = _take(cx.inv1t, idx)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        a = kap * np.exp(-b.eps * u[:, :, None])[:, :, None, :]
        s = a.sum(axis=1)
        g = b.e[None] * (cx.y0 * np.exp(yv))[:, :, None] / s  # spend / S, (b, j, k)
        if inv1t.shape[0] == 1 and a.shape[0] > 1:
            inv1t = np.broadcast_to(inv1t, a.shape)
        ai = a * inv1t  # X' = ai * g
        sales = np.einsum("bijk,bjk->bi", ai, g)
        net = np.einsum("bijk,bjk->bj", ai, g)
    rev = b.e.sum(axis=1) * cx.y0 * np.exp(yv) - net  # Σ_i t' X' = spend_j − Σ_i X'_ij
    w = np.exp(u)
    f1 = sales - cx.r * w
    f1[:, -1] = (cx.r * w).sum(axis=1) - 1.0
    f2 = cx.y0 * np.exp(yv) - cx.r * w - rev - cx.d
    return np.asarray(np.concatenate([f1, f2], axis=1))


def _make_fun(cx: _Ctx) -> Any:
    n = cx.base.n
    has_t = cx.choosers.size > 0

    def fun(xv: FloatArray, idx: IntArray, want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        if not want_jac and not has_t and cx.kap is not None:
            f = _residual_fixed(cx, xv[:, :n], xv[:, n:], idx)
            return np.where(np.isfinite(f), f, 1e300), None
        tc = xv[:, 2 * n :] if has_t else None
        tn = _tariffs_at(cx, idx, tc)
        pt = _point(cx, xv[:, :n], xv[:, n : 2 * n], tn, None if has_t else idx)
        f = _residual(cx, pt, tc)
        f = np.where(np.isfinite(f), f, 1e300)
        return f, (_jacobian(cx, pt, tc) if want_jac else None)

    return fun


# --------------------------------------------------------------------------------------------
# solutions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LEquilibrium:
    """A solved equilibrium (one member of a batch).

    Attributes
    ----------
    w_hat, y_hat
        (N,) wage and income changes.
    p_hat
        (N, S) sectoral price-index changes ``P̂_jk``.
    lam_new
        (N, N, S) new tariff-inclusive shares.
    trade_new, tariff_new
        (N, N, S) new pre-tariff flows and the tariffs applied.
    deficit_new
        (N,) deficits imposed.
    info
        Convergence diagnostics.
    """

    w_hat: FloatArray
    y_hat: FloatArray
    p_hat: FloatArray
    lam_new: FloatArray
    trade_new: FloatArray
    tariff_new: FloatArray
    deficit_new: FloatArray
    info: SolveInfo

    @property
    def revenue_new(self) -> FloatArray:
        """New tariff revenue by importer, (N,)."""
        return np.asarray((self.tariff_new * self.trade_new).sum(axis=(0, 2)))


def _ctx(
    base: LBaseline, tariffs: FloatArray, deficit: FloatArray, choosers: Sequence[int] | IntArray = ()
) -> _Ctx:
    scale = float(base.wage_bill.sum())
    n = base.n
    return _Ctx(
        base=base,
        r=base.wage_bill / scale,
        y0=base.income / scale,
        d=deficit / scale,
        lt0=np.log1p(base.tariff),
        off=(1.0 - np.eye(n))[:, :, None],
        choosers=np.asarray(choosers, dtype=np.intp),
        tariffs=tariffs,
        kap=None
        if len(choosers)
        else base.lam[None] * np.exp(-base.eps * (np.log1p(tariffs) - np.log1p(base.tariff)[None])),
        inv1t=None if len(choosers) else 1.0 / (1.0 + tariffs),
    )


def _unpack(cx: _Ctx, xv: FloatArray, tn: FloatArray, info: SolveInfo, d: FloatArray) -> LEquilibrium:
    base = cx.base
    n = base.n
    scale = float(base.wage_bill.sum())
    pt = _point(cx, xv[None, :n], xv[None, n : 2 * n], tn[None])
    p_hat = np.exp(-pt.ls[0] / base.eps)
    return LEquilibrium(
        w_hat=np.exp(xv[:n]),
        y_hat=np.exp(xv[n : 2 * n]),
        p_hat=p_hat,
        lam_new=pt.lam[0],
        trade_new=pt.x[0] * scale,
        tariff_new=tn,
        deficit_new=d,
        info=info,
    )


def _check_tariffs(base: LBaseline, tariffs: FloatArray) -> None:
    if tariffs.shape[-3:] != base.trade.shape:
        raise ShapeError(
            "tariff_new", f"shape (..., {', '.join(map(str, base.trade.shape))})", f"shape {tariffs.shape}"
        )
    if np.any(~(tariffs >= 0)):
        raise ModelError("tariff_new: expected non-negative finite tariffs; found negative or NaN")


def _deficits(base: LBaseline, deficit_new: npt.ArrayLike | None) -> FloatArray:
    d = np.zeros(base.n) if deficit_new is None else np.asarray(deficit_new, dtype=float)
    if d.shape != (base.n,):
        raise ShapeError("deficit_new", f"shape ({base.n},)", f"shape {d.shape}")
    if abs(d.sum()) > 1e-8 * float(base.wage_bill.sum()):
        raise ModelError(f"deficit_new: expected deficits summing to zero; found sum {d.sum():.6g}")
    return d


def solve_batch(
    base: LBaseline,
    tariffs: npt.ArrayLike,
    *,
    deficit_new: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    init: FloatArray | None = None,
) -> tuple[LEquilibrium, ...]:
    """Solve many counterfactuals at once (one vectorised Newton iteration for the whole batch).

    Parameters
    ----------
    base
        Baseline (balanced for the paper's setting: :func:`purge_deficits`).
    tariffs
        (B, N, N, S) new tariffs, or (N, N, S) for one.
    deficit_new
        (N,) deficits held in the counterfactual (units of the data; sum to zero). Default zero.
    options
        Tolerance on the max-norm of the residuals (units of the world wage bill) and iteration limit.
    init
        (B, 2N) or (2N,) warm start in ``(ln ŵ, ln Ŷ)``.

    Returns
    -------
    tuple of LEquilibrium
        One per scenario; each carries the batch's diagnostics (worst member's residual).
    """
    t0 = time.perf_counter()
    tb = np.asarray(tariffs, dtype=float)
    if tb.ndim == 3:
        tb = tb[None]
    _check_tariffs(base, tb)
    d = _deficits(base, deficit_new)
    n = base.n
    nb = tb.shape[0]
    x0 = np.zeros((nb, 2 * n)) if init is None else np.broadcast_to(np.asarray(init, float), (nb, 2 * n))
    step = max(1, CHUNK_ELEMENTS // tb[0].size)  # members per chunk: arrays stay cache-sized
    out: list[LEquilibrium] = []
    worst_res, worst_it, all_ok = 0.0, 0, True
    for lo in range(0, nb, step):
        sl = slice(lo, min(nb, lo + step))
        eqs, ok, it, r = _solve_chunk(base, tb[sl], d, options, np.asarray(x0[sl]), t0)
        out += eqs
        all_ok, worst_it, worst_res = all_ok and ok, max(worst_it, it), max(worst_res, r)
    finish(
        SolveInfo(all_ok, worst_it, worst_res, time.perf_counter() - t0), "Lashkaripour equilibrium", options
    )
    return tuple(out)


CHUNK_ELEMENTS = 200_000
"""Batch members are solved in chunks of about this many flow cells (N·N·S per member): the work
arrays then stay in cache, which is several times faster than one huge batch and bounds memory."""


def _solve_chunk(
    base: LBaseline, tb: FloatArray, d: FloatArray, options: SolverOptions, x0: FloatArray, t0: float
) -> tuple[list[LEquilibrium], bool, int, float]:
    n = base.n
    cx = _ctx(base, tb, d)
    with single_blas_thread():
        res = newton(_make_fun(cx), x0, options)
    final = _point(cx, res.x[:, :n], res.x[:, n:], tb, np.arange(tb.shape[0]))
    scale = float(base.wage_bill.sum())
    out = []
    for b in range(tb.shape[0]):
        info = SolveInfo(
            converged=bool(res.converged[b]),
            iterations=res.iterations,
            residual=float(res.residual[b]),
            seconds=time.perf_counter() - t0,
            method="Newton (analytic Jacobian, batched)",
        )
        out.append(
            LEquilibrium(
                w_hat=np.exp(res.x[b, :n]),
                y_hat=np.exp(res.x[b, n:]),
                p_hat=np.exp(-final.ls[b] / base.eps),
                lam_new=final.lam[b],
                trade_new=final.x[b] * scale,
                tariff_new=tb[b],
                deficit_new=d,
                info=info,
            )
        )
    return out, bool(res.converged.all()), res.iterations, float(res.residual.max())


def solve_equilibrium(
    base: LBaseline,
    tariff_new: npt.ArrayLike,
    *,
    deficit_new: npt.ArrayLike | None = None,
    options: SolverOptions = SolverOptions(),
    init: FloatArray | None = None,
) -> LEquilibrium:
    """One counterfactual equilibrium of new tariffs (see the module docstring for the system)."""
    return solve_batch(base, tariff_new, deficit_new=deficit_new, options=options, init=init)[0]


def rebase(base: LBaseline, eq: LEquilibrium) -> LBaseline:
    """The equilibrium ``eq`` as a new baseline (its flows, tariffs and deficits)."""
    return calibrate(eq.trade_new, eq.tariff_new, base.eps)


def purge_deficits(base: LBaseline, options: SolverOptions = SolverOptions()) -> tuple[LBaseline, SolveInfo]:
    """The balanced-trade world: the model's equilibrium at the factual tariffs with every deficit set to zero.

    Dekle–Eaton–Kortum (2008) step used by Lashkaripour (2021) before every counterfactual: the data's
    deficits ``D_i`` enter the baseline budgets, ``D' = 0`` the counterfactual; the flows are rebuilt from
    the solution and everything is recalibrated.
    """
    scale = float(base.wage_bill.sum())
    cx = _ctx(base, base.tariff[None], np.zeros(base.n))
    # the baseline's own budgets include D: Ŷ Y = ŵ R + T' (D' = 0) is the purge
    t0 = time.perf_counter()
    with single_blas_thread():
        res = newton(_make_fun(cx), np.zeros((1, 2 * base.n)), options)
    info = SolveInfo(
        bool(res.converged[0]),
        res.iterations,
        float(res.residual[0]),
        time.perf_counter() - t0,
        "Newton (analytic Jacobian): deficits purged at factual tariffs",
    )
    finish(info, "Lashkaripour balanced-trade baseline", options)
    eq = _unpack(cx, res.x[0], base.tariff, info, np.zeros(base.n))
    del scale
    return rebase(base, eq), info


def welfare_hat(base: LBaseline, eq: LEquilibrium) -> FloatArray:
    """Real income ``Ŵ_i = Ŷ_i / Π_k P̂_ik^{e_ik}``, (N,)."""
    return np.asarray(eq.y_hat / np.exp((base.e * np.log(eq.p_hat)).sum(axis=1)))


def market_residuals(base: LBaseline, eq: LEquilibrium) -> dict[str, float]:
    """Largest violations, relative to the world wage bill: ``wages`` (ŵR = sales net of tariffs, every
    country incl. the one dropped for the numeraire), ``budget`` (Ŷ Y = ŵR + revenue + D'), ``balance``
    (imports − exports = D'), ``shares`` (λ' sum to one), ``numeraire``."""
    scale = float(base.wage_bill.sum())
    x = eq.trade_new
    wage_new = base.wage_bill * eq.w_hat
    sales = x.sum(axis=(1, 2))
    inc_new = base.income * eq.y_hat
    spend = ((1.0 + eq.tariff_new) * x).sum(axis=(0, 2))
    return {
        "wages": float(np.abs(sales - wage_new).max() / scale),
        "budget": float(np.abs(inc_new - wage_new - eq.revenue_new - eq.deficit_new).max() / scale),
        "expenditure": float(np.abs(spend - inc_new).max() / scale),
        "balance": float(np.abs(x.sum(axis=(0, 2)) - sales - eq.deficit_new).max() / scale),
        "shares": float(np.abs(eq.lam_new.sum(axis=0) - 1.0).max()),
        "numeraire": float(abs(wage_new.sum() / scale - 1.0)),
    }


# --------------------------------------------------------------------------------------------
# Nash war and optimal uniform tariffs
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# TradeData-facing wrappers and results
# --------------------------------------------------------------------------------------------


def baseline_from_data(
    data: TradeData, options: SolverOptions = SolverOptions(), flows: str = "data"
) -> LBaseline:
    """The balanced-trade baseline of a dataset (deficits purged at factual tariffs; ``flows`` as in
    :func:`calibrate_data`)."""
    base, _ = purge_deficits(calibrate_data(data, flows), options)
    return base


def result_from_equilibrium(
    data: TradeData, base: LBaseline, eq: LEquilibrium, params: dict[str, Any] | None = None
) -> CounterfactualResult:
    """Package a solved equilibrium as a :class:`CounterfactualResult` (model ``"lashkaripour"``)."""
    w = welfare_hat(base, eq)
    ds = build_dataset(
        data.countries,
        data.sectors,
        welfare_pct=100.0 * (w - 1.0),
        wage_hat=eq.w_hat,
        price_index_hat=eq.p_hat,
        trade_base=base.trade,
        trade_new=eq.trade_new,
        tariff_base=base.tariff,
        tariff_new=eq.tariff_new,
        income_base=base.income,
        income_new=base.income * eq.y_hat,
        extra={
            "income_hat": (("country",), eq.y_hat),
            "deficit_base": (("country",), base.deficit),
            "deficit_new": (("country",), eq.deficit_new),
        },
    )
    _, src = elasticities_of(data)
    p: dict[str, Any] = {
        "elasticities": src,
        "numeraire": "world wage bill fixed (sum_i R_i w_hat_i = sum_i R_i)",
        "welfare": "real income Y_hat / prod_k P_hat^e",
        "baseline": "balanced trade: deficits purged at factual tariffs (Dekle-Eaton-Kortum), as in Lashkaripour (2021)",
    }
    p.update(params or {})
    return CounterfactualResult(MODEL_NAME, data.name, "balanced", ds, eq.info, p)


def solve_counterfactual(
    data: TradeData,
    tariff_new: npt.ArrayLike,
    *,
    closure: str = "balanced",
    options: SolverOptions = SolverOptions(),
    baseline: LBaseline | None = None,
    flows: str = "data",
) -> CounterfactualResult:
    """Counterfactual of new tariffs on a dataset.

    Parameters
    ----------
    data
        Dataset with ``sigma`` (ε = σ − 1) or ``theta``.
    tariff_new
        (N, N, S) new tariffs (fractions).
    closure
        ``"balanced"`` (the paper's: deficits purged first, changes measured from the balanced world) or
        ``"data"`` (the data's deficits held fixed in units of the world wage bill; no purge).
    baseline
        A pre-computed baseline for the same closure (saves the purge).
    """
    from tradetalks.model.common import check_closure

    c = check_closure(closure)
    if baseline is not None:
        base = baseline
    elif c == "balanced":
        base = baseline_from_data(data, options, flows)
    else:
        base = calibrate_data(data, flows)
    deficit = None if c == "balanced" else base.deficit
    eq = solve_equilibrium(base, tariff_new, deficit_new=deficit, options=options)
    res = result_from_equilibrium(data, base, eq, {"flows": flows})
    if c == "data":
        res = CounterfactualResult(
            MODEL_NAME,
            data.name,
            "data",
            res.ds,
            res.info,
            {**res.params, "baseline": "the data, deficits held fixed (units of the world wage bill)"},
        )
    return res


@dataclass(frozen=True, eq=False)
class WarResult:
    """A global Nash tariff war (or one country's optimal tariff) on a dataset.

    Attributes
    ----------
    kind
        ``"nash"`` or ``"optimal"``.
    dataset, elasticities
        Names of the data and the elasticity set.
    countries
        Labels of all economies.
    tariffs
        (N,) uniform tariff of each country in the outcome (Nash: solved; optimal: the chooser's solved
        rate, others' trade-weighted factual rate).
    result
        The counterfactual (from the balanced baseline), with ``welfare_pct`` etc.
    frame
        One row per country: ``tariff_pct``, ``welfare_pct``, ``wage_pct``, ``income_pct``.
    """

    kind: str
    dataset: str
    elasticities: str
    countries: tuple[str, ...]
    tariffs: FloatArray
    result: CounterfactualResult
    info: SolveInfo
    frame: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, float]:
        """Average welfare change (unweighted and income-weighted, %) and mean tariff (%)."""
        f = self.frame
        inc = self.result.ds["income_base"].values
        return {
            "welfare_mean_pct": float(f["welfare_pct"].mean()),
            "welfare_income_weighted_pct": float(np.average(f["welfare_pct"], weights=inc)),
            "tariff_mean_pct": float(f["tariff_pct"].mean()),
        }


def _war_frame(countries: list[str], tariffs: FloatArray, res: CounterfactualResult) -> pd.DataFrame:
    df = pd.DataFrame(index=pd.Index(countries, name="country"))
    df["tariff_pct"] = 100.0 * tariffs
    df["welfare_pct"] = res.ds["welfare_pct"].values
    df["wage_pct"] = 100.0 * (res.ds["wage_hat"].values - 1.0)
    df["income_pct"] = 100.0 * (res.ds["income_hat"].values - 1.0)
    return df


def war_from_data(
    data: TradeData,
    *,
    options: SolverOptions = SolverOptions(),
    baseline: LBaseline | None = None,
    flows: str = "data",
) -> WarResult:
    """Global Nash tariff war on a dataset (balanced baseline first; ``flows`` as in :func:`calibrate_data`)."""
    base = baseline if baseline is not None else baseline_from_data(data, options, flows)
    sol = nash_war(base, options)
    res = result_from_equilibrium(data, base, sol.eq, {"scenario": "global Nash tariff war"})
    _, src = elasticities_of(data)
    return WarResult(
        "nash",
        data.name,
        src,
        tuple(data.countries),
        sol.tariffs,
        res,
        sol.eq.info,
        _war_frame(data.countries, sol.tariffs, res),
    )


def optimal_from_data(
    data: TradeData,
    country: str,
    *,
    options: SolverOptions = SolverOptions(),
    baseline: LBaseline | None = None,
    flows: str = "data",
) -> WarResult:
    """Unilaterally optimal uniform tariff of ``country`` on a dataset, others at factual tariffs."""
    base = baseline if baseline is not None else baseline_from_data(data, options, flows)
    i = data.index(country)
    sol = optimal_uniform_tariff(base, i, options=options)
    res = result_from_equilibrium(data, base, sol.eq, {"scenario": f"optimal uniform tariff of {country}"})
    x = base.trade
    tw = (base.tariff * x).sum(axis=(0, 2)) / np.maximum(
        (x * (1.0 - np.eye(base.n))[:, :, None]).sum(axis=(0, 2)), 1e-300
    )
    tw[i] = sol.tariffs[0]
    _, src = elasticities_of(data)
    return WarResult(
        "optimal",
        data.name,
        src,
        tuple(data.countries),
        tw,
        res,
        sol.eq.info,
        _war_frame(data.countries, tw, res),
    )


__all__ = [
    "LBaseline",
    "LEquilibrium",
    "TariffSolution",
    "WarResult",
    "baseline_from_data",
    "best_uniform_response",
    "calibrate",
    "calibrate_data",
    "elasticities_of",
    "foc_tariff",
    "market_residuals",
    "nash_war",
    "optimal_from_data",
    "optimal_uniform_tariff",
    "purge_deficits",
    "rebase",
    "result_from_equilibrium",
    "solve_batch",
    "solve_counterfactual",
    "solve_equilibrium",
    "war_from_data",
    "welfare_hat",
]
