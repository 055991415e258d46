r"""Lashkaripour (2021): the equilibrium system, its analytic Jacobian and the batched solvers.

The model and its notation are in :mod:`tradetalks.model.lashkaripour`. Unknowns per scenario are
``u = ln ŵ`` and ``y = ln Ŷ`` (N each), plus — for a Nash war or an optimal tariff — the uniform tariffs
``t_C`` of the choosing countries ``C``. Levels are in units of the world wage bill. The residuals are

.. math::

    F^1_i = \sum_{j,k} X'_{ijk} - R_i \hat w_i \quad (i < N),\qquad F^1_N = \sum_i R_i \hat w_i - 1
    \quad\text{(numeraire)}

    F^2_i = \hat Y_i Y_i - R_i \hat w_i - \sum_{j,k} t'_{jik} X'_{jik} - D'_i

    F^3_c = t_c \sum_k \varepsilon_k \omega_{ck} - 1 \quad (c \in C)

with ``X'`` and ``λ'`` from the hat-algebra expressions of the model docstring. The Jacobian is analytic
(:func:`_jacobian`): with ``dln λ'_ijk = −ε_k (du_i − Σ_m λ'_mjk du_m)``, ``dln X' = dln λ' + dy_j`` and, for a
chooser's tariff, ``h_c = dt_c / (1 + t_c)``, ``dln λ'_ick = ε_k (Λ_ck − o_ic) h_c`` (``Λ_ck = 1 − λ'_cck``,
``o`` = 1 off the diagonal). The project's batched damped Newton solver (:mod:`tradetalks.model.solver`)
solves many scenarios at once (:func:`solve_batch`, in cache-sized chunks); line-search evaluations at
fixed tariffs skip the materialisation of ``λ'`` and ``X'`` (:func:`_residual_fixed`).

References
----------
Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. Journal of
International Economics 131, 103489.
Dekle, R., J. Eaton and S. Kortum (2008). Global Rebalancing with Gravity. IMF Staff Papers 55(3).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ModelError, ShapeError
from tradetalks.model.common import SolveInfo, SolverOptions, finish
from tradetalks.model.lashkaripour import FOC_FLOOR, FloatArray, LBaseline, LEquilibrium, rebase
from tradetalks.model.solver import IntArray, newton
from tradetalks.model.threads import single_blas_thread


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


@dataclass(frozen=True)
class _ChooserFlows:
    """Export flows of the choosers ``c`` and the weights of their FOC derivatives (internal)."""

    xr: FloatArray  # (b, C, N, S) X'_cjk
    lr: FloatArray  # (b, C, N, S) λ'_cjk
    orow: FloatArray  # (1, C, N, 1) 1 off the diagonal
    wex: FloatArray  # ε o X': weights of d exports / du
    v: FloatArray  # ε² o X' (1 − 2 λ'): weights of d FOC numerator / du


def _chooser_flows(cx: _Ctx, pt: _Pt) -> _ChooserFlows:
    eps = cx.base.eps
    c = cx.choosers
    xr = pt.x[:, c]  # (b, C, N, S)
    lr = pt.lam[:, c]
    orow = cx.off[None][:, c]  # (1, C, N, 1)
    wex = eps * orow * xr
    v = eps**2 * orow * xr * (1.0 - 2.0 * lr)
    return _ChooserFlows(xr, lr, orow, wex, v)


def _share_products(cx: _Ctx, pt: _Pt, cf: _ChooserFlows | None) -> FloatArray:
    """``Σ_jk W_ijk λ'_mjk`` for ``W = ε X'`` (rows ``i``: sales) and, with choosers, ``W = wex`` and ``W = v``
    (rows ``c``: exports and FOC numerator) in one matrix product; (b, N [+ 2C], N)."""
    base = cx.base
    bsz, n = pt.u.shape
    ns = n * base.s
    lam_t = pt.lam.reshape(bsz, n, ns).transpose(0, 2, 1)  # (b, NS, N)
    ex_ = base.eps * pt.x
    if cf is None:
        return ex_.reshape(bsz, n, ns) @ lam_t
    nc = cf.xr.shape[1]
    return (
        np.concatenate(
            [ex_.reshape(bsz, n, ns), cf.wex.reshape(bsz, nc, ns), cf.v.reshape(bsz, nc, ns)], axis=1
        )
        @ lam_t
    )


def _jac_wages_income(cx: _Ctx, pt: _Pt, ds_du: FloatArray, nc: int) -> FloatArray:
    """Rows ``F¹`` (wages, numeraire) and ``F²`` (income) in the columns ``(u, y)``; (b, K, K), ``K = 2N + nc``,
    the tariff columns left zero. ``ds_du`` (the sales rows of :func:`_share_products`) is completed in place."""
    eps = cx.base.eps
    bsz, n = pt.u.shape
    w = np.exp(pt.u)
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
    return jac


def _jac_tariff_columns(cx: _Ctx, pt: _Pt, tc: FloatArray, jac: FloatArray) -> None:
    """Columns of the choosers' tariffs in rows ``F¹`` and ``F²`` (in place), with ``h_c = dt_c / (1 + t_c)``."""
    eps = cx.base.eps
    n = pt.u.shape[1]
    c = cx.choosers
    nc = c.size
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


def _jac_foc_rows(
    cx: _Ctx, pt: _Pt, tc: FloatArray, cf: _ChooserFlows, prods: FloatArray, jac: FloatArray
) -> None:
    """Rows ``F³_c = t_c Num_c / Ex_c − 1`` of the choosers (exporter ``c``) in every column (in place)."""
    eps = cx.base.eps
    n = pt.u.shape[1]
    c = cx.choosers
    nc = c.size
    xr, lr, orow = cf.xr, cf.lr, cf.orow
    inv1 = 1.0 / (1.0 + tc)  # (b, C)
    num, ex = _foc_terms(cx, pt)
    # exports Ex_c
    dex_du = prods[:, n : n + nc]
    dex_du[:, np.arange(nc), c] -= cf.wex.sum(axis=(2, 3))
    dex_dy = (orow * xr).sum(axis=3)
    # Num_c
    dnum_du = prods[:, n + nc :]
    dnum_du[:, np.arange(nc), c] -= cf.v.sum(axis=(2, 3))
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


def _jacobian(cx: _Ctx, pt: _Pt, tc: FloatArray | None) -> FloatArray:
    """Analytic Jacobian of :func:`_residual` in ``(ln ŵ, ln Ŷ[, t_C])``, (b, K, K).

    With ``dln λ'_ijk = −ε_k (du_i − Σ_m λ'_mjk du_m)`` (and for a chooser's tariff ``h_c = dt_c/(1+t_c)``:
    ``dln λ'_ick = ε_k (Λ_ck − o_ic) h_c``, ``Λ_ck = 1 − λ'_cck``), ``dln X' = dln λ' + dy_j − h_c o_ic``.
    Blocks: :func:`_jac_wages_income`, :func:`_jac_tariff_columns`, :func:`_jac_foc_rows`.
    """
    n = pt.u.shape[1]
    nc = cx.choosers.size if tc is not None else 0
    cf = _chooser_flows(cx, pt) if nc else None
    prods = _share_products(cx, pt, cf)
    jac = _jac_wages_income(cx, pt, prods[:, :n], nc)
    if cf is None or tc is None:
        return jac
    _jac_tariff_columns(cx, pt, tc, jac)
    _jac_foc_rows(cx, pt, tc, cf, prods, jac)
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
# solvers
# --------------------------------------------------------------------------------------------


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


def purge_deficits(base: LBaseline, options: SolverOptions = SolverOptions()) -> tuple[LBaseline, SolveInfo]:
    """The balanced-trade world: the model's equilibrium at the factual tariffs with every deficit set to zero.

    Dekle–Eaton–Kortum (2008) step used by Lashkaripour (2021) before every counterfactual: the data's
    deficits ``D_i`` enter the baseline budgets, ``D' = 0`` the counterfactual; the flows are rebuilt from
    the solution and everything is recalibrated.
    """
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
    return rebase(base, eq), info


__all__ = [
    "CHUNK_ELEMENTS",
    "foc_tariff",
    "purge_deficits",
    "solve_batch",
    "solve_equilibrium",
]
