r"""One evaluated scenario solved for many elasticity members × side-item cases in batched Newton solves.

Members
-------
Each scenario is solved for M elasticity members (the central σ, Monte Carlo draws, named published
sets; :mod:`tradetalks.sweep.draws`) crossed with C side-item cases (low / central / high valuation of
investment pledges as net-export changes), B = M × C equilibria in **one batched Newton solve**
(:func:`tradetalks.model.ossa_batch.solve_equilibrium_batch`; members differ in σ and, under the ``balanced``
closure, in their purged baseline). Every member starts from the central σ's equilibrium moved to first order
in its σ, and takes chord steps with the central member's Jacobian moved to first order in its σ before
Newton (:class:`tradetalks.model.ossa_chord.ChordModel`, derivatives by forward differences): most members
then need no Jacobian of their own. The tariff matrix of the scenario does not depend on σ and is taken
from the one policy evaluation.

Purchase commitments are met in every member as in the policy evaluation (a demand shifter
:math:`\hat b` on the committed cell such that the new flow equals the target: ``level`` = amount,
``incremental`` = the member's own flow without commitments + amount; a level target that the flow
already exceeds does not bind). The shifters of all members are found together by the iteration

.. math:: \ln \hat b \leftarrow \ln \hat b - \frac{\ln(X'/\bar X)}{1 - s'},

where :math:`1 - s'` (one minus the new import share of the cell) is :math:`\partial \ln X'/\partial \ln
\hat b` at given wages and incomes, each step a warm-started batched solve, to a relative error of
``COMMITMENT_RTOL``.
"""

from __future__ import annotations

import dataclasses
import mmap
import multiprocessing
import os
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ConvergenceWarning
from tradetalks.model import ossa, ossa_batch, ossa_chord
from tradetalks.model.common import SolveInfo, SolverOptions
from tradetalks.model.threads import single_blas_thread
from tradetalks.results.counterfactual import CounterfactualResult
from tradetalks.sweep.draws import central_sigma
from tradetalks.sweep.inputs import Commitment, ScenarioInputs

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

COMMITMENT_RTOL = 1e-10
MAX_COMMITMENT_STEPS = 40

def _repeat(pb: ossa_batch.OssaParamBatch, c: int) -> ossa_batch.OssaParamBatch:
    if c == 1:
        return pb
    fields = {f.name: getattr(pb, f.name) for f in dataclasses.fields(pb)}
    per_member = ("sigma", "labour_income")  # always (B, ...); the others are (1, ...) when shared
    return ossa_batch.OssaParamBatch(**{k: (a if a.shape[0] == 1 and k not in per_member else np.repeat(a, c, axis=0))
                                  for k, a in fields.items()})


@dataclass(frozen=True, eq=False)
class MemberSolution:
    """Solved members of one scenario: B = M × C (member-major), their baselines and convergence.

    When the members were solved in several blocks, ``eq.share`` is NaN (not kept; see :func:`_concat`)."""

    batch: ossa_batch.OssaParamBatch
    eq: ossa.Equilibrium
    converged: BoolArray
    n_members: int
    n_cases: int


def _shift(n: int, s: int, b: int, comms: Sequence[Commitment], logb: FloatArray) -> FloatArray:
    arr = np.ones((b, n, n, s))
    for q, c in enumerate(comms):
        arr[:, c.exporter, c.importer, c.sector] *= np.exp(logb[:, q])
    return arr


BLOCK = 128
"""Members per batched Newton solve: blocks of this size keep the (B, N, N, S) arrays in cache (measured
on world2014: 128 per block is 2-3 times faster per solve than 1,000 at once)."""


def solve_members(
    data: TradeData, inputs: ScenarioInputs, sigma: FloatArray, options: SolverOptions = SolverOptions(),
    block: int = BLOCK, threads: int = 1, workers: int = 1,
) -> MemberSolution:
    """Solve a scenario for every elasticity member × side-item case, in batched solves of about ``block``
    equilibria each (see module), joined into one solution (:func:`solve_blocks` keeps the blocks apart)."""
    parts = solve_blocks(data, inputs, sigma, options, block, threads, workers)
    return parts[0] if len(parts) == 1 else _concat(parts)


def solve_blocks(
    data: TradeData, inputs: ScenarioInputs, sigma: FloatArray, options: SolverOptions = SolverOptions(),
    block: int = BLOCK, threads: int = 1, workers: int = 1,
) -> list[MemberSolution]:
    """:func:`solve_members` as its blocks, in member order (no copy of the blocks' flows into one array:
    memory and time stay per block).

    ``workers`` > 1 solves the blocks in that many worker processes (a pool kept warm, one BLAS thread
    each; the blocks are split into ``workers`` contiguous groups; a script that uses them needs an
    ``if __name__ == "__main__":`` guard, as for any spawned :mod:`multiprocessing` user). The default is 1:
    since the shared-columns residual (:mod:`tradetalks.model.ossa_columns`) a solve costs about as much as
    shipping its flows back. Measured on this 2-core machine (world2022, 2,000 equilibria): quiet (load 0.9),
    7,950 solves/s in one process and 9,840 on 2 workers (1.24x); with another busy process (load 1.6-2.3),
    8,100 in one process and 5,600 on 2 workers (10,000 / 20,000 equilibria: 8,700 / 9,000 vs 7,500 /
    4,900). Sweeps use every core through Dask partitions. ``threads`` > 1 solves
    the blocks on a thread pool instead (measured: no gain, the batched matrix products of numpy hold the
    GIL). Every member starts from the same model and its Newton path depends on its own inputs only (up
    to the rounding of the matrix products over a block's members), and the blocks do not depend on
    ``workers`` or ``threads``, so neither does the result (bit for bit). Keep 1 where the caller already
    runs one task per core (Dask workers, the web's process pool). BLAS runs on one thread throughout (the
    products are small: measured on world2022, 2,000 members in this process took 0.68 s with OpenBLAS's
    two threads and 0.23 s with one)."""
    c = len(inputs.side_cases)
    step = max(1, block // c)
    with single_blas_thread():
        starts = _starts(data, inputs, options)
    chunks = [sigma[k:k + step] for k in range(0, sigma.shape[0], step)]
    if workers > 1 and len(chunks) > 1:
        nproc = min(workers, len(chunks))
        groups = [chunks[len(chunks) * g // nproc:len(chunks) * (g + 1) // nproc] for g in range(nproc)]
        try:
            return _solve_on_pool(data, inputs, groups, c, options, starts)
        except BrokenProcessPool:
            broken = _POOLS.pop(nproc, None)
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            raise
    with single_blas_thread():
        if threads > 1 and len(chunks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=threads) as tpool:
                parts = list(tpool.map(lambda sg: _solve_block(data, inputs, sg, options, starts), chunks))
        else:
            parts = [_solve_block(data, inputs, sg, options, starts) for sg in chunks]
    return parts


CHORD_STEP = 1e-4
"""Relative step in σ of the forward differences of the members' chord models (:func:`_starts`)."""


@dataclass(frozen=True, eq=False)
class _Starts:
    """The chord models every member of a solve starts from: the scenario's and, under the ``balanced``
    closure, the deficit purge's (:class:`tradetalks.model.ossa_chord.ChordModel`; ``None``: from zero)."""

    scenario: ossa_chord.ChordModel | None
    purge: ossa_chord.ChordModel | None = None


def _starts(data: TradeData, inputs: ScenarioInputs, options: SolverOptions) -> _Starts:
    """The start of every member: the purge's and the scenario's equilibria at the dataset's central σ
    (first side case, no commitments), their Jacobians, and their derivatives in σ by forward differences
    (:func:`tradetalks.model.ossa_chord.chord_model`). Each member's Newton path then depends on its own
    inputs only, so blocks, workers and partitions give the same numbers."""
    sig0 = central_sigma(data)
    quiet = dataclasses.replace(options, strict=False)
    purge = (ossa_batch.purge_model(data.trade, data.tariff, sig0, quiet) if inputs.closure == "balanced"
             else None)
    central = dataclasses.replace(inputs, side_cases=inputs.side_cases[:1], commitments=())

    def solve(sigma: FloatArray, chord: ossa_chord.ChordModel | None) -> tuple[FloatArray, FloatArray, BoolArray]:
        sol = _solve_block(data, central, sigma, options, _Starts(chord, purge))
        return *ossa_batch.solved_state(sol.batch, inputs.tariff, sol.eq), sol.converged

    return _Starts(ossa_chord.chord_model(solve, sig0, CHORD_STEP), purge)


def available_cores() -> int:
    """Cores this process may run on (``os.sched_getaffinity`` where available, else ``os.cpu_count``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _init_worker() -> None:
    single_blas_thread().__enter__()  # for the life of the worker: blocks are small dense products


def _process_pool(n: int) -> ProcessPoolExecutor:
    """A pool of ``n`` spawned worker processes, created once and kept warm (shut down at exit)."""
    pool = _POOLS.get(n)
    if pool is None:
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)
        _POOLS[n] = pool
    return pool


@dataclass(frozen=True)
class _Shared:
    """An array whose leading axis is a broadcast (stride 0): sent as one row, rebuilt as a view."""

    row: FloatArray
    shape: tuple[int, ...]


def _compact(obj: Any) -> Any:
    """``obj`` (a dataclass of arrays) with every broadcast leading axis replaced by :class:`_Shared`, so that
    a worker does not send (B, N, N, S) copies of one row."""
    def one(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.ndim > 0 and v.shape[0] > 1 and v.strides[0] == 0:
            return _Shared(np.ascontiguousarray(v[0]), v.shape)
        return _compact(v) if dataclasses.is_dataclass(v) and not isinstance(v, type) else v
    return {f.name: one(getattr(obj, f.name)) for f in dataclasses.fields(obj)} | {"__type__": type(obj)}


def _expand(packed: Any) -> Any:
    """Inverse of :func:`_compact`."""
    if not isinstance(packed, dict) or "__type__" not in packed:
        return np.broadcast_to(packed.row, packed.shape) if isinstance(packed, _Shared) else packed
    kind = packed["__type__"]
    return kind(**{k: _expand(v) for k, v in packed.items() if k != "__type__"})


@dataclass(frozen=True)
class _InFile:
    """The new flows of a block, left by a worker in the shared flows file at equilibrium ``start``."""

    start: int
    shape: tuple[int, ...]


def _flows_view(path: str, total: int, n: int, s: int, writable: bool) -> FloatArray:
    """The shared flows file as a (total, N, N, S) array mapped in memory (the mapping outlives the file):
    ``writable`` writes through to the file (a worker); else copy-on-write (the reader's arrays stay writable
    as usual, and a write does not reach the file)."""
    with open(path, "r+b" if writable else "rb") as fh:
        mm = mmap.mmap(fh.fileno(), total * n * n * s * 8, access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_COPY)
    return np.frombuffer(mm, dtype=np.float64).reshape(total, n, n, s)


def _solve_group(data: TradeData, inputs: ScenarioInputs, chunks: Sequence[FloatArray], options: SolverOptions,
                 starts: _Starts, flows: tuple[str, int, int]) -> list[Any]:
    """Worker task: the blocks of ``chunks`` in order, compacted for the trip back; their new flows, the bulk
    of a result, are written into the shared flows file (``flows`` = path, equilibria in it, first
    equilibrium of this group) instead of being pickled through the pipe."""
    path, total, first = flows
    n, s = data.n_countries, data.trade.shape[2]
    out = _flows_view(path, total, n, s, writable=True)
    packed = []
    for sg in chunks:
        sol = _solve_block(data, inputs, sg, options, starts)
        b = sol.eq.trade_new.shape[0]
        out[first:first + b] = sol.eq.trade_new
        entry = _compact(dataclasses.replace(sol, eq=dataclasses.replace(sol.eq, trade_new=np.empty(0))))
        entry["eq"]["trade_new"] = _InFile(first, sol.eq.trade_new.shape)
        packed.append(entry)
        first += b
    return packed


def _solve_on_pool(data: TradeData, inputs: ScenarioInputs, groups: Sequence[Sequence[FloatArray]], c: int,
                   options: SolverOptions, starts: _Starts) -> list[MemberSolution]:
    """The groups of blocks on the process pool (one task per group), in order. The new flows come back
    through a file in shared memory (``/dev/shm`` where it exists), mapped by this process and deleted at
    once (the mapping, and so the flows, live as long as the arrays that view it)."""
    sizes = [sum(sg.shape[0] * c for sg in grp) for grp in groups]
    total = sum(sizes)
    n, s = data.n_countries, data.trade.shape[2]
    tmpdir = "/dev/shm" if os.path.isdir("/dev/shm") else None
    fd, path = tempfile.mkstemp(prefix="tradetalks-flows-", dir=tmpdir)
    try:
        os.ftruncate(fd, total * n * n * s * 8)
        os.close(fd)
        pool = _process_pool(len(groups))
        firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        futures = [pool.submit(_solve_group, data, inputs, grp, options, starts, (path, total, int(f0)))
                   for grp, f0 in zip(groups, firsts, strict=True)]
        packed = [p for fut in futures for p in fut.result()]
        flows = _flows_view(path, total, n, s, writable=False)
    finally:
        os.unlink(path)
    for p in packed:
        loc = p["eq"]["trade_new"]
        p["eq"]["trade_new"] = flows[loc.start:loc.start + loc.shape[0]]
    return [_expand(p) for p in packed]


def _concat(parts: Sequence[MemberSolution]) -> MemberSolution:
    def cat(arrs: Sequence[FloatArray], per_member: bool) -> FloatArray:
        if not per_member and all(a.shape[0] == 1 for a in arrs):
            return arrs[0]
        return np.concatenate(arrs, axis=0)

    sizes = [p.eq.w_hat.shape[0] for p in parts]
    fields = [f.name for f in dataclasses.fields(ossa_batch.OssaParamBatch)]
    batch = ossa_batch.OssaParamBatch(**{
        k: cat([np.broadcast_to(getattr(p.batch, k), (n, *getattr(p.batch, k).shape[1:]))
                if getattr(p.batch, k).shape[0] != 1 or k in ("sigma", "labour_income") else getattr(p.batch, k)
                for p, n in zip(parts, sizes, strict=True)], k in ("sigma", "labour_income"))
        for k in fields})
    eqs = [p.eq for p in parts]
    info = SolveInfo(all(e.info.converged for e in eqs), max(e.info.iterations for e in eqs),
                          max(e.info.residual for e in eqs), sum(e.info.seconds for e in eqs), eqs[0].info.method)
    total = sum(sizes)

    def cat_eq(k: str) -> FloatArray:
        arrs = [getattr(e, k) for e in eqs]
        if all(a.strides[0] == 0 for a in arrs) and all(np.array_equal(a[0], arrs[0][0]) for a in arrs[1:]):
            return np.broadcast_to(arrs[0][0], (total, *arrs[0].shape[1:]))  # shared by every member: no copy
        return np.concatenate(arrs)

    # import shares of the members are not kept across blocks (the commitments' fit uses them block by block;
    # no headline figure needs them): NaN, so a reader cannot mistake them for values; memory stays bounded
    nan_share = np.broadcast_to(np.float64(np.nan), (total, *eqs[0].share.shape[1:]))
    eq = ossa.Equilibrium(cat_eq("w_hat"), cat_eq("e_hat"), cat_eq("trade_new"), nan_share, cat_eq("p_hat"),
                          cat_eq("tariff_new"), cat_eq("nx_new"), info, np.concatenate([e.converged_each for e in eqs]))
    return MemberSolution(batch, eq, np.concatenate([p.converged for p in parts]),
                          sum(p.n_members for p in parts), parts[0].n_cases)


def _solve_block(
    data: TradeData, inputs: ScenarioInputs, sigma: FloatArray, options: SolverOptions,
    starts: _Starts = _Starts(None),
) -> MemberSolution:
    m, c = sigma.shape[0], len(inputs.side_cases)
    pb = ossa_batch.calibrate_batch(data.trade, data.tariff, sigma)
    quiet = dataclasses.replace(options, strict=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # counted per member below, never hidden
        if inputs.closure == "balanced":
            pb = ossa_batch.purge_deficits_batch(pb, quiet, starts.purge)
        pb = _repeat(pb, c)
        b, n = m * c, data.n_countries
        nx0 = np.broadcast_to(pb.nx, (b, n))
        d = np.stack([np.zeros(n) if k.nx_change is None else np.asarray(k.nx_change, float)
                      for k in inputs.side_cases])
        nx_new = nx0 + np.tile(d, (m, 1))
        comms = inputs.commitments  # their fit needs the import shares; nothing else does
        eq = ossa_batch.solve_equilibrium_batch(pb, inputs.tariff, nx_new=nx_new, options=quiet,
                                                want_shares=bool(comms), chord=starts.scenario)
        ok = eq.converged_each.copy()
        if comms:
            eq, met = _fit_commitments(pb, inputs.tariff, nx_new, comms, eq, quiet)
            ok &= met & eq.converged_each
    return MemberSolution(pb, eq, ok, m, c)


def _fit_commitments(
    pb: ossa_batch.OssaParamBatch, tariff: FloatArray, nx_new: FloatArray, comms: Sequence[Commitment],
    eq0: ossa.Equilibrium, options: SolverOptions,
) -> tuple[ossa.Equilibrium, BoolArray]:
    ii = np.array([k.exporter for k in comms])
    jj = np.array([k.importer for k in comms])
    kk = np.array([k.sector for k in comms])
    amount = np.array([k.amount for k in comms])
    incr = np.array([k.kind == "incremental" for k in comms])
    flow0 = eq0.trade_new[:, ii, jj, kk]
    target = np.where(incr, flow0 + amount, amount)
    binding = incr | (target > flow0)
    b, n = eq0.w_hat.shape
    s = pb.trade.shape[3]
    logb = np.zeros((b, len(comms)))
    eq = eq0
    done = ~binding.any(axis=1)
    for _ in range(MAX_COMMITMENT_STEPS):
        x0 = (np.log(eq.w_hat), np.log(eq.e_hat))
        eq = ossa_batch.solve_equilibrium_batch(pb, tariff, demand_shift=_shift(n, s, b, comms, logb), nx_new=nx_new,
                                          x0=x0, options=options)
        flow = eq.trade_new[:, ii, jj, kk]
        ratio = np.where(binding, flow / target, 1.0)
        done = np.all(np.abs(ratio - 1.0) <= COMMITMENT_RTOL, axis=1)
        if np.all(done | ~eq.converged_each):
            break
        slope = np.maximum(1.0 - eq.share[:, ii, jj, kk], 0.05)
        logb = logb - np.where(binding, np.log(np.maximum(ratio, 1e-300)) / slope, 0.0)
    return eq, np.asarray(done, dtype=bool)


def member_eq(eq: ossa.Equilibrium, k: int) -> ossa.Equilibrium:
    """Member ``k`` of a batched equilibrium as a batch of one."""
    sl = slice(k, k + 1)
    return ossa.Equilibrium(eq.w_hat[sl], eq.e_hat[sl], eq.trade_new[sl], eq.share[sl], eq.p_hat[sl],
                            eq.tariff_new[sl], eq.nx_new[sl], eq.info, eq.converged_each[sl])


def member_result(data: TradeData, sol: MemberSolution, k: int, closure: str) -> CounterfactualResult:
    """Member ``k`` of a solution as an ordinary :class:`CounterfactualResult`."""
    return ossa.result_from_equilibrium(data, sol.batch.member(k), member_eq(sol.eq, k), closure)


__all__ = ["BLOCK", "COMMITMENT_RTOL", "MemberSolution", "available_cores",
           "member_eq", "member_result", "solve_blocks", "solve_members"]
