r"""Ossa (2014) equilibrium over a batch of parameter members (elasticities differ by member).

Split out of :mod:`tradetalks.model.ossa`: the same equations and Newton solver as
:func:`tradetalks.model.ossa.solve_equilibrium`, with the member axis carried through the baseline
(σ, and after a purge the flows) so that Monte Carlo draws and named elasticity sets run as one batched solve
(issue 13).

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ModelError, ShapeError
from tradetalks.model import ossa_columns
from tradetalks.model.common import SolveInfo, SolverOptions, finish
from tradetalks.model.ossa import TARIFF_UPPER, Equilibrium, FloatArray, OssaBaseline
from tradetalks.model.ossa_chord import ChordModel, chord_model, chord_start, member_steps
from tradetalks.model.solver import newton

# --------------------------------------------------------------------------------------------
# batched parameters (issue 13, H13): one Newton solve over members that differ in sigma (and baseline)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OssaParamBatch:
    r"""Baselines of B members that differ in their elasticities (and, after a purge, in their flows).

    The same quantities as :class:`OssaBaseline` with a leading member axis; arrays that do not depend on
    the member keep a leading axis of length 1 (broadcast). Build with :func:`calibrate_batch`.

    Attributes
    ----------
    trade, tariff, gamma
        (B or 1, N, N, S).
    sigma
        (B, S) elasticities of substitution of each member.
    nx, expenditure
        (B or 1, N).
    labour_income
        (B, N) :math:`w_jL_j = \sum_s (\sigma_s - 1)/\sigma_s R_{js}` of each member.
    mu
        (B or 1, N, S).
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
    def size(self) -> int:
        """Number of members B."""
        return int(self.sigma.shape[0])

    def member(self, k: int) -> OssaBaseline:
        """Member ``k`` as an ordinary :class:`OssaBaseline` (e.g. for :func:`result_from_equilibrium`)."""

        def pick(a: FloatArray) -> FloatArray:
            return np.asarray(a[0 if a.shape[0] == 1 else k])

        return OssaBaseline(
            pick(self.trade),
            pick(self.tariff),
            pick(self.sigma),
            pick(self.nx),
            pick(self.expenditure),
            pick(self.labour_income),
            pick(self.gamma),
            pick(self.mu),
        )


def calibrate_batch(trade: npt.ArrayLike, tariff: npt.ArrayLike, sigma: npt.ArrayLike) -> OssaParamBatch:
    """:func:`calibrate` for B elasticity vectors at once.

    Parameters
    ----------
    trade, tariff
        (N, N, S) shared by every member, or (B, N, N, S).
    sigma
        (B, S) elasticities of substitution, each > 1.

    Raises
    ------
    ShapeError, ModelError
        Mismatched shapes; σ ≤ 1.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    sg = np.asarray(sigma, dtype=float)
    x = x[None] if x.ndim == 3 else x
    t = t[None] if t.ndim == 3 else t
    if x.ndim != 4 or x.shape[1] != x.shape[2] or t.shape[1:] != x.shape[1:]:
        raise ShapeError(
            "trade/tariff", "(N, N, S) or (B, N, N, S) arrays of one shape", f"{x.shape} and {t.shape}"
        )
    if sg.ndim != 2 or sg.shape[1] != x.shape[3] or (x.shape[0] not in (1, sg.shape[0])):
        raise ShapeError("sigma", f"shape (B, {x.shape[3]}) with B matching the flows", f"shape {sg.shape}")
    if not np.all(sg > 1.0):
        raise ModelError(f"sigma: expected values > 1 in the Ossa model; found min {np.nanmin(sg):.4g}")
    spend = (1.0 + t) * x
    e_js = spend.sum(axis=1)  # (B|1, N, S)
    gamma = np.divide(spend, e_js[:, None], out=np.zeros_like(spend), where=e_js[:, None] > 0)
    e = e_js.sum(axis=2)
    mu = e_js / e[:, :, None]
    sales = x.sum(axis=2)  # (B|1, N, S)
    nx = sales.sum(axis=2) - x.sum(axis=(1, 3))
    wl = (sales * ((sg - 1.0) / sg)[:, None, :]).sum(axis=2)
    return OssaParamBatch(x, t, sg, nx, e, np.broadcast_to(wl, (sg.shape[0], x.shape[1])).copy(), gamma, mu)


def _pb_residual_jacobian(
    pb: OssaParamBatch,
    idx: npt.NDArray[np.intp],
    g_t: FloatArray,
    x_t: FloatArray,
    tx_t: FloatArray,
    nx_new: FloatArray,
    u: FloatArray,
    v: FloatArray,
    jac: bool,
    shares: bool = False,
    flows: bool = False,
) -> tuple[FloatArray, FloatArray | None, FloatArray, FloatArray, FloatArray]:
    r"""Scaled residuals, Jacobian, new flows (when ``jac``, ``shares`` or ``flows``) and shares (when ``jac``
    or ``shares``; else empty arrays) and Q for members ``idx`` of a parameter batch.

    Layout: the (b, S, N, N) arrays are sector-major [member, sector, exporter i, importer j], so every sum
    over exporters or importers is a batched matrix product (BLAS) and a residual needs no (b, N, N, S)
    temporary: with :math:`a_{si} = e^{(1-\sigma_s)u_i}` and :math:`c_{sj} = e^{v_j}/Q_{sj}`,

    .. math:: Q_{sj} = \sum_i a_{si}\,\tilde\gamma_{sij}, \quad
              \text{sales}_{si} = a_{si}\sum_j \tilde X_{sij} c_{sj}, \quad
              \text{rev}_j = \sum_s c_{sj} \sum_i a_{si}\, t'_{sij}\tilde X_{sij}.

    ``g_t`` = γ b̂ τ̂^{1−σ}, ``x_t`` = X b̂ τ̂^{−σ} and ``tx_t`` = t' ``x_t`` are precomputed for the members
    (they do not change between Newton iterations). Flows and shares come back in the same layout.
    """

    everyone = idx.size == pb.size

    def take(a: FloatArray) -> FloatArray:
        return a if a.shape[0] == 1 or everyone else a[idx]

    sg = take(pb.sigma)  # (b, S)
    om = 1.0 - sg
    kappa = (sg - 1.0) / sg
    wl = take(pb.labour_income)
    e0 = take(pb.expenditure)
    a_i = np.exp(om[:, :, None] * u[:, None, :])  # (b, S, N exporter)
    q = (a_i[:, :, None, :] @ g_t)[:, :, 0, :]  # (b, S, N importer)
    q_safe = np.where(q > 0, q, 1.0)
    ev = np.exp(v)
    c = ev[:, None, :] / q_safe
    sales = a_i * (x_t @ c[..., None])[..., 0]  # (b, S, N exporter)
    ra = (a_i[:, :, None, :] @ tx_t)[:, :, 0, :]  # (b, S, N importer): sum_i a t' X~
    w = np.exp(u)
    # sums over sectors as batched products (a middle-axis .sum is several times slower at these sizes)
    lab_prof = np.stack([kappa, 1.0 / sg], axis=1) @ sales  # (b, 2, N): sum_s kappa_s sales_s, sum_s sales_s/sigma_s
    rev = np.einsum("bsj,bsj->bj", c, ra)
    f = _assemble(wl, w, e0, ev, nx_new, lab_prof[:, 0], lab_prof[:, 1], rev)
    if not (jac or shares or flows):
        return f, None, np.empty(0), np.empty(0), q_safe
    xn = x_t * a_i[..., :, None]  # in place from here: no (b, S, N, N) temporaries
    xn *= c[..., None, :]
    if not (jac or shares):
        return f, None, xn, np.empty(0), q_safe
    share = g_t * a_i[..., :, None]
    share *= (1.0 / q_safe)[..., None, :]
    if not jac:
        return f, None, xn, share, q_safe
    # sum_s (1 - sigma_s) t' X'_sij without forming t' X' (one pass)
    rev_om = np.einsum("bsij,bsi,bsj->bij", tx_t, a_i * om[:, :, None], c)
    scale = 1.0 / e0.sum(axis=1, keepdims=True)
    return f, _jacobian(sg, wl, w, e0, ev, sales, rev, xn, share, c * ra, rev_om, scale), xn, share, q_safe


def _assemble(wl: FloatArray, w: FloatArray, e0: FloatArray, ev: FloatArray, nx_new: FloatArray, lab: FloatArray,
              profit: FloatArray, rev: FloatArray) -> FloatArray:
    r"""The scaled residuals (b, 2N) from the sums over sectors: labour markets
    :math:`\sum_s \kappa_s \text{sales}_s - w_jL_j\hat w_j` (the last one replaced by the numeraire
    :math:`\sum_j w_jL_j(\hat w_j - 1)`) and budgets :math:`w_jL_j\hat w_j + \Pi_j + T_j - NX'_j - E_j\hat E_j`,
    all divided by world expenditure."""
    labour = lab - wl * w
    budget = wl * w + profit + rev - nx_new - e0 * ev
    numeraire = (wl * w).sum(-1) - wl.sum(-1)
    scale = 1.0 / e0.sum(axis=1, keepdims=True)
    return np.asarray(np.concatenate([labour[:, :-1], numeraire[:, None], budget], axis=1) * scale)


def _split_residual(pb: OssaParamBatch, cs: ossa_columns.ColumnSplit, idx: npt.NDArray[np.intp],
                    nx_new: FloatArray, u: FloatArray, v: FloatArray) -> tuple[FloatArray, ossa_columns.ColumnSums]:
    """The scaled residuals of members ``idx`` with the shared-columns sums of :mod:`ossa_columns` (the same
    equations as :func:`_pb_residual_jacobian`), and the sums."""
    everyone = idx.size == pb.size
    sg = pb.sigma if everyone else pb.sigma[idx]
    wl = pb.labour_income if everyone else pb.labour_income[idx]
    e0 = np.broadcast_to(pb.expenditure, (pb.size, u.shape[1]))
    e0 = e0 if everyone else e0[idx]
    sums = ossa_columns.column_sums(cs, idx, everyone, 1.0 - sg, u, v)
    weights = np.stack([(sg - 1.0) / sg, 1.0 / sg], axis=1)  # (b, 2, S)
    lab_prof = np.einsum("bks,sbi->bki", weights, sums.sales)
    rev = np.einsum("sbj,sbj->bj", sums.c, sums.ra)
    return _assemble(wl, np.exp(u), e0, np.exp(v), nx_new, lab_prof[:, 0], lab_prof[:, 1], rev), sums


def _jacobian(sg: FloatArray, wl: FloatArray, w: FloatArray, e0: FloatArray, ev: FloatArray, sales: FloatArray,
              rev: FloatArray, xn: FloatArray, share: FloatArray, rv: FloatArray, rev_om: FloatArray,
              scale: FloatArray) -> FloatArray:
    """Analytic Jacobian of the scaled residuals in the sector-major layout of :func:`_pb_residual_jacobian`
    (``rv`` = revenue by importer and sector, ``rev_om`` = Σ_s (1 − σ_s) t' X' by cell); sums over sectors
    are batched products with the (b, S) weight vectors."""
    b, s_, n = sales.shape
    eye = np.eye(n)
    om = 1.0 - sg
    kappa = (sg - 1.0) / sg
    w1, w2 = om * kappa, om / sg

    def over_s(wt: FloatArray, arr: FloatArray) -> FloatArray:  # sum_s wt[b, s] arr[b, s, i, j] -> (b, i, j)
        return (wt[:, None, :] @ arr.reshape(b, s_, n * n))[:, 0].reshape(b, n, n)

    cross = (xn @ share.transpose(0, 1, 3, 2)).reshape(b, s_, n * n)  # [s, i, k] = sum_j xn_sij share_skj
    cross1 = (w1[:, None, :] @ cross)[:, 0].reshape(b, n, n)
    cross2 = (w2[:, None, :] @ cross)[:, 0].reshape(b, n, n)
    wlw = (wl * w)[:, :, None]
    d_lab_u = eye * (sales * w1[:, :, None]).sum(1)[:, :, None] - cross1 - eye * wlw
    d_lab_v = over_s(kappa, xn)
    d_bud_u = eye * (sales * w2[:, :, None]).sum(1)[:, :, None] - cross2
    d_bud_u += rev_om.transpose(0, 2, 1)
    d_bud_u -= np.einsum("bsij,bsj->bij", share, rv * om[:, :, None]).transpose(0, 2, 1)
    d_bud_u += eye * wlw
    d_bud_v = over_s(1.0 / sg, xn) + eye * (rev - e0 * ev)[:, :, None]
    d_num_u = (wl * w)[:, None, :]
    d_num_v = np.zeros((b, 1, n))
    top = np.concatenate([d_lab_u[:, :-1], d_num_u, d_bud_u], axis=1)
    bottom = np.concatenate([d_lab_v[:, :-1], d_num_v, d_bud_v], axis=1)
    return np.asarray(np.concatenate([top, bottom], axis=2) * scale[:, :, None])


def _scenario_arrays(
    pb: OssaParamBatch, tariff_new: npt.ArrayLike, demand_shift: npt.ArrayLike | None, nx_new: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Checked scenario inputs of :func:`solve_equilibrium_batch`: tariffs (B, N, N, S), and in the
    sector-major layout (B, S, N, N) γ b̂ τ̂^{1−σ}, X b̂ τ̂^{−σ} and t' X b̂ τ̂^{−σ}; net exports (B, N).

    Raises
    ------
    ShapeError, ModelError
        See :func:`_check_scenario`.
    """
    t_new, shift, nx = _check_scenario(pb, tariff_new, demand_shift, nx_new)
    g_t, x_t, tx_t = _dense_arrays(pb, t_new, shift)
    return np.broadcast_to(t_new, (pb.size, *t_new.shape[1:])), g_t, x_t, tx_t, nx


def _check_scenario(
    pb: OssaParamBatch, tariff_new: npt.ArrayLike, demand_shift: npt.ArrayLike | None, nx_new: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray | None, FloatArray]:
    """The scenario's tariffs (B|1, N, N, S), demand shifts (B|1, N, N, S) or ``None``, and net exports (B, N).

    Raises
    ------
    ShapeError, ModelError
        Wrong shapes; tariffs outside [0, TARIFF_UPPER]; non-positive shifts; net exports not summing to 0.
    """
    bsz = pb.size
    n, s = pb.trade.shape[1], pb.trade.shape[3]
    t_new = np.asarray(tariff_new, dtype=float)
    t_new = t_new[None] if t_new.ndim == 3 else t_new
    if t_new.shape[1:] != (n, n, s) or t_new.shape[0] not in (1, bsz):
        raise ShapeError(
            "tariff_new", f"shape ({n}, {n}, {s}) or ({bsz}, {n}, {n}, {s})", f"shape {t_new.shape}"
        )
    if np.any(t_new < 0) or np.any(t_new > TARIFF_UPPER) or not np.all(np.isfinite(t_new)):
        raise ModelError(
            f"tariff_new: expected finite fractions in [0, {TARIFF_UPPER}]; found min "
            f"{np.nanmin(t_new):.4g}, max {np.nanmax(t_new):.4g}"
        )
    shift = None
    if demand_shift is not None:
        shift = np.asarray(demand_shift, dtype=float)
        shift = shift[None] if shift.ndim == 3 else shift
        if shift.shape[1:] != (n, n, s) or shift.shape[0] not in (1, bsz):
            raise ShapeError("demand_shift", f"shape ({n}, {n}, {s}) or ({bsz}, ...)", f"shape {shift.shape}")
        if np.any(shift <= 0) or not np.all(np.isfinite(shift)):
            raise ModelError("demand_shift: expected positive finite multipliers")
    nx = np.asarray(pb.nx if nx_new is None else nx_new, dtype=float)
    nx = np.broadcast_to(nx[None] if nx.ndim == 1 else nx, (bsz, n)).copy()
    if np.any(np.abs(nx.sum(axis=1)) > 1e-8 * np.broadcast_to(pb.expenditure, (bsz, n)).sum(axis=1)):
        raise ModelError(f"nx_new: expected net exports summing to zero; found sums {nx.sum(axis=1)}")
    return t_new, shift, nx


def _sector_major(a: FloatArray) -> FloatArray:
    """(B|1, N, N, S) -> contiguous (B|1, S, N, N): a contiguous copy (the factors shared by the members are
    small, and (B, S, N, N) products with a contiguous operand run several times faster than with a view)."""
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def _dense_arrays(pb: OssaParamBatch, t_new: FloatArray,
                  shift: FloatArray | None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """γ b̂ τ̂^{1−σ}, X b̂ τ̂^{−σ} and t' X b̂ τ̂^{−σ} of every member, (B, S, N, N)."""
    bsz, n, s = pb.size, pb.trade.shape[1], pb.trade.shape[3]
    # g = γ τ̂^{1−σ} b̂ in one exp; X τ̂^{−σ} b̂ = g E_js / (1 + t') since γ_ijs = (1 + t_ijs) X_ijs / E_js
    log_tau = _sector_major(np.log1p(t_new) - np.log1p(pb.tariff))
    om = 1.0 - pb.sigma
    changed = np.nonzero(log_tau[0]) if log_tau.shape[0] == 1 else None
    if changed is not None and changed[0].size < log_tau[0].size // 4:
        # a scenario changes few cells: τ̂^{1−σ} = 1 exactly elsewhere, so exponentiate only the changed cells
        g_t = np.empty((bsz, s, n, n))
        g_t[...] = _sector_major(pb.gamma)
        g_t[:, changed[0], changed[1], changed[2]] *= np.exp(om[:, changed[0]] * log_tau[0][changed])
    else:
        g_t = np.multiply(om[:, :, None, None], log_tau, order="C")
        np.exp(g_t, out=g_t)
        g_t *= _sector_major(pb.gamma)
    if shift is not None:
        g_t *= _sector_major(shift)
    e_js = (pb.mu * pb.expenditure[:, :, None]).transpose(0, 2, 1)  # (B|1, S, N importer)
    t_sm = _sector_major(t_new)
    x_t = np.multiply(g_t, np.ascontiguousarray(e_js[:, :, None, :] / (1.0 + t_sm)), order="C")
    return g_t, x_t, np.multiply(x_t, t_sm, order="C")


def _column_split(pb: OssaParamBatch, t_new: FloatArray,
                  shift: FloatArray | None) -> ossa_columns.ColumnSplit | None:
    """The shared-columns form of the scenario (:mod:`ossa_columns`) when the members share their flows and
    the tariffs, and few importers' columns change; else ``None`` (the dense arrays are used)."""
    if pb.trade.shape[0] != 1 or t_new.shape[0] != 1:
        return None
    log_tau = _sector_major(np.log1p(t_new) - np.log1p(pb.tariff))[0]
    e_js = (pb.mu * pb.expenditure[:, :, None]).transpose(0, 2, 1)[0]
    return ossa_columns.split_columns(_sector_major(pb.gamma)[0], e_js, _sector_major(t_new)[0], log_tau, pb.sigma,
                                      None if shift is None else _sector_major(shift))


def jacobian_at(pb: OssaParamBatch, tariff_new: npt.ArrayLike, x: tuple[FloatArray, FloatArray], *,
                demand_shift: npt.ArrayLike | None = None, nx_new: npt.ArrayLike | None = None) -> FloatArray:
    """The scaled system's analytic Jacobian (B, 2N, 2N) of every member at ``x`` = (ln ŵ, ln Ê)."""
    bsz, n = pb.size, pb.trade.shape[1]
    _, g_t, x_t, tx_t, nx = _scenario_arrays(pb, tariff_new, demand_shift, nx_new)
    u = np.broadcast_to(np.asarray(x[0], dtype=float), (bsz, n))
    v = np.broadcast_to(np.asarray(x[1], dtype=float), (bsz, n))
    _, jac, *_ = _pb_residual_jacobian(pb, np.arange(bsz), g_t, x_t, tx_t, nx, u, v, True)
    assert jac is not None
    return jac


ResidualFn = Callable[[FloatArray, npt.NDArray[np.intp], bool], tuple[FloatArray, FloatArray | None]]


def _residual_fn(pb: OssaParamBatch, split: ossa_columns.ColumnSplit | None,
                 dense: tuple[FloatArray, FloatArray, FloatArray] | None, nx: FloatArray) -> ResidualFn:
    """Residuals (and Jacobians) of members ``idx`` at z = (ln ŵ, ln Ê), as :func:`tradetalks.model.solver.newton`
    calls them: the shared-columns sums when the scenario has a split (the dense arrays of the members that
    need their own Jacobian only), else the dense arrays (no copies when every member is active)."""
    bsz, n = pb.size, pb.trade.shape[1]

    def fun(z: FloatArray, idx: npt.NDArray[np.intp], want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        u, v = z[:, :n], z[:, n:]
        everyone = idx.size == bsz
        if split is not None and not want_jac:
            return _split_residual(pb, split, idx, nx if everyone else nx[idx], u, v)[0], None
        if split is not None:
            g_t, x_t, tx_t = ossa_columns.dense_arrays(split, idx)
            f, j, *_ = _pb_residual_jacobian(pb, idx, g_t, x_t, tx_t, nx[idx], u, v, want_jac)
            return f, j
        assert dense is not None
        arrays = dense if everyone else (dense[0][idx], dense[1][idx], dense[2][idx])
        f, j, *_ = _pb_residual_jacobian(pb, idx, *arrays, nx if everyone else nx[idx], u, v, want_jac)
        return f, j

    return fun


def _flows(pb: OssaParamBatch, split: ossa_columns.ColumnSplit | None,
           dense: tuple[FloatArray, FloatArray, FloatArray] | None, nx: FloatArray, u: FloatArray, v: FloatArray,
           want_shares: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    """New flows and shares (B, S, N, N) and Q (B, S, N) of every member at the solution."""
    if split is not None:
        sums = _split_residual(pb, split, np.arange(pb.size), nx, u, v)[1]
        xn_t, share_t = ossa_columns.flows_and_shares(split, sums, want_shares)
        return xn_t, share_t, sums.q.transpose(1, 0, 2)
    assert dense is not None
    _, _, xn_t, share_t, q_t = _pb_residual_jacobian(pb, np.arange(pb.size), *dense, nx, u, v, False,
                                                     shares=want_shares, flows=True)
    return xn_t, share_t, q_t


def solve_equilibrium_batch(
    pb: OssaParamBatch,
    tariff_new: npt.ArrayLike,
    *,
    demand_shift: npt.ArrayLike | None = None,
    nx_new: npt.ArrayLike | None = None,
    x0: tuple[FloatArray, FloatArray] | None = None,
    options: SolverOptions = SolverOptions(),
    want_shares: bool = True,
    chord: ChordModel | None = None,
) -> Equilibrium:
    r""":func:`solve_equilibrium` for members that differ in σ (and baseline), in one batched Newton solve.

    Member b solves the equations of the module docstring with its own σ_b, flows and incomes; the
    scenario arrays (new tariffs, demand shifts, net exports) are shared, (N, N, S) / (N,), or given per
    member, (B, N, N, S) / (B, N). ``want_shares=False`` skips the import shares of the result (NaN; the
    flows, prices and incomes are computed as always) when the caller needs no shares.

    ``chord``, a nearby member's solution and Jacobian (:class:`ChordModel`, e.g. the central σ's, with
    their derivatives in σ), gives Newton a better start: the model's first-order prediction of each
    member's solution (it replaces ``x0``), then chord steps with residual evaluations only
    (:func:`~tradetalks.model.ossa_chord.chord_start`); members it brings below the tolerance need no Jacobian of their own, the others
    continue with Newton from where it left them.

    Returns
    -------
    Equilibrium
        With a leading axis of B members; ``converged_each`` says which members converged (a member
        that did not is reported, not dropped).
    """
    start = time.perf_counter()
    bsz, n = pb.size, pb.trade.shape[1]
    t_new, shift, nx = _check_scenario(pb, tariff_new, demand_shift, nx_new)
    split = _column_split(pb, t_new, shift)
    dense = _dense_arrays(pb, t_new, shift) if split is None else None
    z0 = np.zeros((bsz, 2 * n))
    if x0 is not None:
        z0[:, :n] = np.broadcast_to(np.asarray(x0[0], dtype=float), (bsz, n))
        z0[:, n:] = np.broadcast_to(np.asarray(x0[1], dtype=float), (bsz, n))

    fun = _residual_fn(pb, split, dense, nx)
    if chord is not None:
        offset, inverses = member_steps(chord, pb.sigma)
        z0 = chord.x[None] + offset
        z0 = chord_start(fun, z0, chord.jac, options.tol, inverses=inverses)
    res = newton(fun, z0, options)
    u, v = res.x[:, :n], res.x[:, n:]
    xn_t, share_t, q_t = _flows(pb, split, dense, nx, u, v, want_shares)
    xn, q = xn_t.transpose(0, 2, 3, 1), q_t.transpose(0, 2, 1)
    share = share_t.transpose(0, 2, 3, 1) if want_shares else np.broadcast_to(np.float64(np.nan), xn.shape)
    p_hat = q ** (1.0 / (1.0 - pb.sigma[:, None, :]))
    conv = res.converged
    info = SolveInfo(
        converged=bool(conv.all()),
        iterations=res.iterations,
        residual=float(res.residual.max()),
        seconds=time.perf_counter() - start,
        method="newton (analytic Jacobian, batched parameters)",
    )
    finish(info, "Ossa equilibrium (parameter batch)", options)
    return Equilibrium(np.exp(u), np.exp(v), xn, share, p_hat, np.broadcast_to(t_new, (bsz, *t_new.shape[1:])), nx,
                       info, conv)


def purge_deficits_batch(pb: OssaParamBatch, options: SolverOptions = SolverOptions(),
                         chord: ChordModel | None = None) -> OssaParamBatch:
    """:func:`purge_deficits` for every member: factual tariffs, NX' = 0, recalibrated on the new flows.

    The factual tariffs are passed as the shared (1, N, N, S) array, so members that share their flows are
    solved in the shared-columns layout (no column changes); ``chord`` (:func:`purge_model`) starts them near
    their solutions."""
    eq = purge_equilibrium_batch(pb, options, chord)
    return calibrate_batch(eq.trade_new, np.broadcast_to(pb.tariff, eq.trade_new.shape), pb.sigma)


def purge_equilibrium_batch(pb: OssaParamBatch, options: SolverOptions = SolverOptions(),
                            chord: ChordModel | None = None) -> Equilibrium:
    """The equilibrium of :func:`purge_deficits_batch` (factual tariffs, NX' = 0) of every member."""
    return solve_equilibrium_batch(pb, pb.tariff, nx_new=np.zeros(pb.trade.shape[1]), options=options,
                                   want_shares=False, chord=chord)


def solved_state(pb: OssaParamBatch, tariff_new: npt.ArrayLike, eq: Equilibrium) -> tuple[FloatArray, FloatArray]:
    """The members' solutions z = (ln ŵ, ln Ê) (B, 2N) and the Jacobians at them (B, 2N, 2N): what
    :func:`~tradetalks.model.ossa_chord.chord_model` needs of a solved batch."""
    x = np.concatenate([np.log(eq.w_hat), np.log(eq.e_hat)], axis=1)
    n = x.shape[1] // 2
    return x, jacobian_at(pb, tariff_new, (x[:, :n], x[:, n:]), nx_new=eq.nx_new)


def purge_model(trade: FloatArray, tariff: FloatArray, sigma0: FloatArray,
                options: SolverOptions = SolverOptions()) -> ChordModel | None:
    """The :class:`ChordModel` of the deficit purge around ``sigma0`` (:func:`chord_model`)."""
    def solve(sigma: FloatArray, chord: ChordModel | None) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        pb = calibrate_batch(trade, tariff, sigma)
        eq = purge_equilibrium_batch(pb, options, chord)
        return *solved_state(pb, pb.tariff, eq), np.asarray(eq.converged_each, dtype=bool)

    return chord_model(solve, np.asarray(sigma0, dtype=float))


def welfare_hat_batch(pb: OssaParamBatch, eq: Equilibrium) -> FloatArray:
    """Real-income change Ŵ_j = Ê_j / Π_s P̂_js^{μ_js} of each member, (B, N)."""
    return np.asarray(eq.e_hat / np.exp((pb.mu * np.log(eq.p_hat)).sum(-1)))
