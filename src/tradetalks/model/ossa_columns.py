r"""The parameter batch's residual when members share their flows and a scenario changes few importers' columns.

Members that differ only in their elasticities σ_b (flows, tariffs and the scenario shared, the ``data``
closure of a Monte Carlo band or an elasticity sweep) have the scenario factors (sector-major layout
[s, exporter i, importer j] of :mod:`tradetalks.model.ossa_batch`)

.. math:: \tilde\gamma_{bsij} = \gamma_{sij}\,\hat\tau_{sij}^{1-\sigma_{bs}}\hat b_{bsij}, \qquad
          \tilde X_{bsij} = \tilde\gamma_{bsij} E_{sj}/(1 + t'_{sij}),

equal to the shared :math:`\gamma_{sij}` and :math:`\gamma_{sij}E_{sj}/(1+t'_{sij})` in every cell whose
tariff and demand shift do not change. A package, a retaliation or a purchase commitment changes the
tariffs of a few importers (the "changed columns" C: the US and Japan in the Japan–US cases). The sums of
the residual over exporters then split into one matrix product per sector over all members with the shared
matrices, whose changed columns are zero, plus the members' own changed columns:

.. math:: Q_{bsj} = \sum_i a_{bsi}\,\gamma^0_{sij} + [j \in C]\sum_i a_{bsi}\tilde\gamma_{bsij},
          \qquad a_{bsi} = e^{(1-\sigma_{bs})u_{bi}},

and the same for the revenue :math:`\sum_i a_{bsi} t'_{sij}\tilde X_{bsij}` and, over importers, the
sales :math:`a_{bsi}\sum_j \tilde X_{bsij} c_{bsj}`. The per-member arrays are (S, B, N, |C|) instead of
(B, S, N, N), and the shared products are matrix–matrix products over the members (measured on world2022:
the three sums cost about 1 µs per member instead of 8). Members are laid out [s, member, country] here so
that each sector's product is one contiguous matrix product.

Reference: Ossa (2014), the equations of :mod:`tradetalks.model.ossa`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

MAX_CHANGED_SHARE = 0.34
"""The split is used when at most this share of the importers' columns changes (else the dense layout of
:mod:`tradetalks.model.ossa_batch`; with every column changed the split would only add work)."""


@dataclass(frozen=True, eq=False)
class ColumnSplit:
    """Scenario arrays of a parameter batch split into shared matrices and the members' changed columns.

    Attributes
    ----------
    cols
        (C,) importers whose column changes in some cell.
    gamma, x, tx
        (S, N, N) the shared γ, :math:`\\gamma E/(1+t')` and :math:`t'\\gamma E/(1+t')`, every column.
    g_tx0
        (S, N, 2N) [γ | t'X] with the changed columns zero (sums over exporters, one product).
    x0_t
        (S, N importer, N exporter) the shared X transposed per sector, changed importers zero.
    g_c, x_c, tx_c
        (S, B, N, C) the members' changed columns of γ̃, X̃ and t'X̃.
    """

    cols: IntArray
    gamma: FloatArray
    x: FloatArray
    tx: FloatArray
    g_tx0: FloatArray
    x0_t: FloatArray
    g_c: FloatArray
    x_c: FloatArray
    tx_c: FloatArray


def changed_columns(log_tau: FloatArray, shift: FloatArray | None) -> IntArray:
    """Importers j with a tariff change (``log_tau`` (S, N, N), sector-major) or a demand shift ≠ 1 (``shift``
    (B|1, S, N, N)) in some cell."""
    changed = np.any(log_tau != 0.0, axis=(0, 1))
    if shift is not None:
        changed |= np.any(shift != 1.0, axis=(0, 1, 2))
    return np.flatnonzero(changed)


def split_columns(gamma: FloatArray, e_js: FloatArray, tariff_new: FloatArray, log_tau: FloatArray,
                  sigma: FloatArray, shift: FloatArray | None) -> ColumnSplit | None:
    """The :class:`ColumnSplit` of a scenario, or ``None`` when more than :data:`MAX_CHANGED_SHARE` of the
    columns change.

    Parameters
    ----------
    gamma
        (S, N, N) shared import shares γ (sector-major).
    e_js
        (S, N) sectoral expenditure by importer.
    tariff_new, log_tau
        (S, N, N) the new tariffs t' and :math:`\\ln\\hat\\tau` = ln(1 + t') − ln(1 + t).
    sigma
        (B, S) the members' elasticities.
    shift
        (B|1, S, N, N) demand shifts, or ``None``.
    """
    n = gamma.shape[1]
    cols = changed_columns(log_tau, shift)
    if cols.size > MAX_CHANGED_SHARE * n:
        return None
    inv_t = e_js[:, None, :] / (1.0 + tariff_new)
    x = gamma * inv_t
    tx = x * tariff_new
    g0 = gamma.copy()
    g0[:, :, cols] = 0.0
    tx0 = tx.copy()
    tx0[:, :, cols] = 0.0
    x0_t = np.ascontiguousarray(x.transpose(0, 2, 1))
    x0_t[:, cols, :] = 0.0
    om = (1.0 - sigma).T  # (S, B)
    g_c = gamma[:, None, :, cols] * np.exp(om[:, :, None, None] * log_tau[:, None, :, cols])
    if shift is not None:
        g_c = g_c * shift.transpose(1, 0, 2, 3)[..., cols]
    x_c = g_c * inv_t[:, None, :, cols]
    tx_c = x_c * tariff_new[:, None, :, cols]
    return ColumnSplit(cols, gamma, x, tx, np.concatenate([g0, tx0], axis=2), x0_t, g_c, x_c, tx_c)


@dataclass(frozen=True, eq=False)
class ColumnSums:
    """The sums of the residual of members ``idx`` at (u, v), laid out (S, b, N).

    Attributes
    ----------
    a
        :math:`a_{bsi} = e^{(1-\\sigma_{bs})u_{bi}}`.
    q
        :math:`Q_{bsj}` (positive; zero entries replaced by 1).
    c
        :math:`e^{v_j}/Q_{bsj}`.
    sales
        :math:`a_{bsi}\\sum_j \\tilde X_{bsij} c_{bsj}`.
    ra
        :math:`\\sum_i a_{bsi} t'_{sij}\\tilde X_{bsij}`.
    """

    a: FloatArray
    q: FloatArray
    c: FloatArray
    sales: FloatArray
    ra: FloatArray


def column_sums(cs: ColumnSplit, idx: IntArray, everyone: bool, om: FloatArray, u: FloatArray,
                v: FloatArray) -> ColumnSums:
    """:class:`ColumnSums` of members ``idx`` (``everyone``: all of them, no copies); ``om`` = 1 − σ (b, S),
    ``u``, ``v`` (b, N) the log wage and expenditure changes."""
    n = u.shape[1]
    cols = cs.cols
    a = np.exp(om.T[:, :, None] * u[None])  # (S, b, N)
    qr = a @ cs.g_tx0  # (S, b, 2N): the shared part of Q and of the revenue sums
    q, ra = qr[..., :n], qr[..., n:]
    if cols.size:
        g_c = cs.g_c if everyone else cs.g_c[:, idx]
        tx_c = cs.tx_c if everyone else cs.tx_c[:, idx]
        q[..., cols] += np.einsum("sbi,sbic->sbc", a, g_c)
        ra[..., cols] += np.einsum("sbi,sbic->sbc", a, tx_c)
    q = np.where(q > 0, q, 1.0)
    c = np.exp(v)[None] / q
    inner = c @ cs.x0_t  # (S, b, N exporter)
    if cols.size:
        x_c = cs.x_c if everyone else cs.x_c[:, idx]
        inner += np.einsum("sbic,sbc->sbi", x_c, c[..., cols])
    return ColumnSums(a, q, c, a * inner, ra)


def dense_arrays(cs: ColumnSplit, idx: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """γ̃, X̃ and t'X̃ of members ``idx`` in the dense member-major layout (b, S, N, N) of
    :mod:`tradetalks.model.ossa_batch` (for the members that need their own Jacobian)."""
    out = []
    for shared, own in ((cs.gamma, cs.g_c), (cs.x, cs.x_c), (cs.tx, cs.tx_c)):
        arr = np.empty((idx.size, *shared.shape))
        arr[...] = shared
        arr[..., cs.cols] = own[:, idx].transpose(1, 0, 2, 3)
        out.append(arr)
    return out[0], out[1], out[2]


def flows_and_shares(cs: ColumnSplit, sums: ColumnSums, shares: bool) -> tuple[FloatArray, FloatArray]:
    """The new flows :math:`\\tilde X a c` and (when ``shares``, else an empty array) import shares
    :math:`\\tilde\\gamma a / Q` of every member at the sums' point, (B, S, N, N) member-major."""
    a = sums.a.transpose(1, 0, 2)[..., None]  # (B, S, N, 1)
    c = sums.c.transpose(1, 0, 2)[:, :, None, :]  # (B, S, 1, N)
    xn = np.empty((a.shape[0], *cs.x.shape))
    xn[...] = cs.x
    xn[..., cs.cols] = cs.x_c.transpose(1, 0, 2, 3)
    xn *= a
    xn *= c
    if not shares:
        return xn, np.empty(0)
    share = np.empty_like(xn)
    share[...] = cs.gamma
    share[..., cs.cols] = cs.g_c.transpose(1, 0, 2, 3)
    share *= a
    share *= (1.0 / sums.q.transpose(1, 0, 2))[:, :, None, :]
    return xn, share


__all__ = ["MAX_CHANGED_SHARE", "ColumnSplit", "ColumnSums", "changed_columns", "column_sums", "dense_arrays",
           "flows_and_shares", "split_columns"]
