"""Uncertainty and sweep benchmarks (issue 13).

Goals (benchmarks, not tests; 2 cores):
- 200 draws of the deal evaluation (deal vs no deal, side items low/central/high) on the default dataset:
  under 5 s;
- batched throughput of the parameter-batched Ossa solve on the default dataset: >= 5,000 solves/s on 2 cores
  (measured in one process and with the blocks on 2 worker processes; wall and CPU seconds);
- a 10,000-solve sweep on a LocalCluster with 2 workers vs in-process: report the ratio; goal: overhead under
  15 % (overhead = 2 x cluster wall time / in-process wall time - 1, i.e. the work lost to scheduling,
  serialisation and Parquet writes when two workers share the job; same chunking, single-threaded workers,
  the two runs alternated twice so that load drift hits both; the load average is recorded with each row);
- peak memory of that sweep: bounded by the chunk size, not the sweep size (tracemalloc peak of the
  in-process run for 5,000 and 10,000 solves at the same chunk size).

No peer implements this, so the figures are absolute. Run: ``python benchmarks/run.py sweep``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _util import measure, row

from tradetalks.data import load
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import DrawOptions, bands_for_evaluation, make_draws
from tradetalks.sweep.members import available_cores, solve_blocks
from tradetalks.sweep.run import local_cluster, run_sweep
from tradetalks.sweep.spec import from_mapping
from tradetalks.sweep.uncertainty import inputs_from_evaluation

SWEEP_SOLVES = 10_000
CHUNK = 1000
SWEEP_ROUNDS = 4


def _spec(solves: int) -> Any:
    # jp-us-no-deal has no side items and no purchase commitments: one equilibrium per member
    return from_mapping({"name": f"bench-{solves}", "scenarios": ["jp-us-no-deal"], "datasets": [DEFAULT_DATASET],
                        "draws": solves - 1, "chunk_size": CHUNK, "seed": 1})


def _timed_run(spec: Any, scheduler: str | None, client: Any = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds of one sweep: this process (client and, for a LocalCluster, its
    scheduler) plus, with ``client``, every worker process (``client.run(time.process_time)`` before and
    after). CPU seconds barely depend on the load of the machine; wall seconds do."""
    out = Path(tempfile.mkdtemp(prefix="tt-bench-sweep-"))

    def workers_cpu() -> float:
        return 0.0 if client is None else float(sum(client.run(time.process_time).values()))

    try:
        c0, w0 = time.process_time(), workers_cpu()
        t0 = time.perf_counter()
        stats = run_sweep(spec, out, scheduler=scheduler)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0 + workers_cpu() - w0
        assert stats.computed == stats.partitions and stats.converged == stats.solves == spec.n_members
        return elapsed, cpu
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _peak_mb(spec: Any) -> float:
    tracemalloc.start()
    try:
        _timed_run(spec, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _load() -> dict[str, Any]:
    one, five, fifteen = os.getloadavg()
    return {"load_1min": one, "load_5min": five, "load_15min": fifteen}


def _pool_cpu() -> float:
    """CPU seconds of the worker processes of :func:`solve_blocks` so far (psutil; 0 before the pool starts)."""
    import psutil  # type: ignore[import-untyped]

    from tradetalks.sweep import members

    total = 0.0
    for pool in members._POOLS.values():
        for pid in list(getattr(pool, "_processes", {}) or {}):
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
    return total


def _throughput(data: Any, evaluated: dict[str, Any]) -> list[dict[str, Any]]:
    """The parameter-batched solve of 2,000 members in this process (1 worker) and on 2 worker processes,
    alternated twice so that load drift hits both; CPU seconds count this process and the workers."""
    inputs = inputs_from_evaluation(evaluated["jp-us-no-deal"], data)
    sigma = make_draws(data, DrawOptions(n_draws=1999, seed=2)).sigma
    times: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    loads: dict[int, list[float]] = {1: [], 2: []}
    peaks: dict[int, float] = {}
    for workers in (1, 2):
        solve_blocks(data, inputs, sigma, workers=workers)  # warm: caches, and the pool's processes
    for _ in range(2):
        for workers in (1, 2):
            def solve(w: int = workers) -> Any:
                return solve_blocks(data, inputs, sigma, workers=w)  # what bands and sweep partitions call

            loads[workers].append(_load()["load_1min"])
            med, peaks[workers] = measure(solve, repeat=5, warmup=0)
            times[workers].append(med)
            c0, p0 = time.process_time(), _pool_cpu()
            solve()
            cpus[workers].append(time.process_time() - c0 + _pool_cpu() - p0)
    rows = []
    for workers in (1, 2):
        med, cpu = statistics.median(times[workers]), statistics.median(cpus[workers])
        rows.append(row(f"batched parameter solve, 2,000 members, {DEFAULT_DATASET}, {workers} worker(s)",
                        (med, peaks[workers]), goal=">= 5,000 solves/s on 2 cores", solves_per_second=2000 / med,
                        solves_per_cpu_second=2000 / cpu, workers=workers, medians_s=times[workers],
                        cpu_s=cpus[workers], load_1min_each=loads[workers],
                        speedup_vs_1_worker=statistics.median(times[1]) / med if times[1] else None,
                        cores=available_cores(),
                        peak_note="" if workers == 1 else "tracemalloc peak of this process: the new flows "
                        "mapped from the workers' shared file (8 B x members x N x N x S) are not counted"))
    return rows


def _sweeps() -> list[dict[str, Any]]:
    """10,000 solves in-process vs on a LocalCluster of 2 single-threaded workers, same chunking, each run
    :data:`SWEEP_ROUNDS` times alternately (in, cluster, in, cluster, ...) so load drift hits both; medians
    (single runs of this ratio ranged 7-16 % on a quiet 2-core machine)."""
    from distributed import Client

    spec = _spec(SWEEP_SOLVES)
    _timed_run(_spec(2 * CHUNK), None)  # warm caches of this process
    cluster = local_cluster(2, processes=True)
    client = Client(cluster)  # type: ignore[no-untyped-call]
    inproc: list[tuple[float, float]] = []
    dask: list[tuple[float, float]] = []
    loads = [_load()]
    try:
        _timed_run(_spec(2 * CHUNK), cluster.scheduler_address)  # workers import and load once
        for _ in range(SWEEP_ROUNDS):
            inproc.append(_timed_run(spec, None))
            dask.append(_timed_run(spec, cluster.scheduler_address, client))
            loads.append(_load())
    finally:
        client.close()  # type: ignore[no-untyped-call]
        cluster.close()  # type: ignore[no-untyped-call]
    i, d = statistics.median(x[0] for x in inproc), statistics.median(x[0] for x in dask)
    ic, dc = statistics.median(x[1] for x in inproc), statistics.median(x[1] for x in dask)
    load: dict[str, Any] = {"load_1min_each": [x["load_1min"] for x in loads]}
    return [
        row(f"sweep {SWEEP_SOLVES:,} solves in-process (chunks of {CHUNK:,})", (i, 0.0), goal="",
            solves_per_second=SWEEP_SOLVES / i, runs_wall_cpu_s=inproc, cpu_s=ic, **load),
        row(f"sweep {SWEEP_SOLVES:,} solves on LocalCluster, 2 workers x 1 thread (processes)", (d, 0.0),
            goal="overhead < 15 %", solves_per_second=SWEEP_SOLVES / d, runs_wall_cpu_s=dask, cpu_s=dc,
            wall_ratio_cluster_to_inprocess=d / i, overhead=2.0 * d / i - 1.0,
            cpu_overhead=dc / ic - 1.0, **load),
    ]


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data = load(DEFAULT_DATASET)
    evaluated = {n: evaluate(resolve(n), data) for n in ("jp-us-deal", "jp-us-no-deal")}
    ld = _load()
    med, peak = measure(lambda: bands_for_evaluation(evaluated, data, 200, seed=1), repeat=3)
    rows.append(row(f"uncertainty: 200 draws x side cases, deal vs no deal, {DEFAULT_DATASET}", (med, peak),
                    goal="< 5 s", **ld))
    rows += _throughput(data, evaluated)
    rows += _sweeps()
    spec = _spec(SWEEP_SOLVES)
    ld = _load()
    half, full = _peak_mb(_spec(SWEEP_SOLVES // 2)), _peak_mb(spec)
    rows.append(row(f"sweep peak memory, {SWEEP_SOLVES // 2:,} vs {SWEEP_SOLVES:,} solves (chunk {CHUNK:,})",
                    (0.0, full), goal="bounded by chunk size", peak_mb_half_size=half, peak_mb_full_size=full, **ld))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
