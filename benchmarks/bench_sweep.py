"""Uncertainty and sweep benchmarks (issue 13).

Goals (benchmarks, not tests; 2 cores):
- 200 draws of the deal evaluation (deal vs no deal, side items low/central/high) on the default dataset:
  under 5 s;
- batched throughput of the parameter-batched Ossa solve on the default dataset: >= 5,000 solves/s;
- a 10,000-solve sweep on a LocalCluster with 2 workers vs in-process: report the ratio; goal: overhead under
  15 % (overhead = 2 x cluster wall time / in-process wall time - 1, i.e. the work lost to scheduling,
  serialisation and Parquet writes when two workers share the job);
- peak memory of that sweep: bounded by the chunk size, not the sweep size (tracemalloc peak of the
  in-process run for 5,000 and 10,000 solves at the same chunk size).

No peer implements this, so the figures are absolute. Run: ``python benchmarks/run.py sweep``.
"""

from __future__ import annotations

import shutil
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
from tradetalks.sweep.run import local_cluster, run_sweep
from tradetalks.sweep.spec import from_mapping
from tradetalks.sweep.uncertainty import inputs_from_evaluation, solve_members

SWEEP_SOLVES = 10_000
CHUNK = 1000


def _spec(solves: int) -> Any:
    # jp-us-no-deal has no side items and no purchase commitments: one equilibrium per member
    return from_mapping({"name": f"bench-{solves}", "scenarios": ["jp-us-no-deal"], "datasets": [DEFAULT_DATASET],
                        "draws": solves - 1, "chunk_size": CHUNK, "seed": 1})


def _timed_run(spec: Any, scheduler: str | None) -> float:
    out = Path(tempfile.mkdtemp(prefix="tt-bench-sweep-"))
    try:
        t0 = time.perf_counter()
        stats = run_sweep(spec, out, scheduler=scheduler)
        elapsed = time.perf_counter() - t0
        assert stats.computed == stats.partitions and stats.converged == stats.solves == spec.n_members
        return elapsed
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


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data = load(DEFAULT_DATASET)
    evaluated = {n: evaluate(resolve(n), data) for n in ("jp-us-deal", "jp-us-no-deal")}
    med, peak = measure(lambda: bands_for_evaluation(evaluated, data, 200, seed=1), repeat=3)
    rows.append(row(f"uncertainty: 200 draws x 3 side cases, deal vs no deal, {DEFAULT_DATASET}", (med, peak),
                    goal="< 5 s", solves=2 * 201 * 3 - 2 * 201))

    inputs = inputs_from_evaluation(evaluated["jp-us-no-deal"], data)
    sigma = make_draws(data, DrawOptions(n_draws=1999, seed=2)).sigma
    med, peak = measure(lambda: solve_members(data, inputs, sigma), repeat=3)
    rows.append(row(f"batched parameter solve, 2,000 members, {DEFAULT_DATASET}", (med, peak),
                    goal=">= 5,000 solves/s", solves_per_second=2000 / med))

    spec = _spec(SWEEP_SOLVES)
    _timed_run(_spec(2 * CHUNK), None)  # warm caches of this process
    inproc = _timed_run(spec, None)
    from distributed import Client

    cluster = local_cluster(2, processes=True)
    client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        _timed_run(_spec(2 * CHUNK), cluster.scheduler_address)  # workers import and load once
        dask = _timed_run(spec, cluster.scheduler_address)
    finally:
        client.close()
        cluster.close()
    rows.append(row(f"sweep {SWEEP_SOLVES:,} solves in-process (chunks of {CHUNK:,})", (inproc, 0.0),
                    goal="", solves_per_second=SWEEP_SOLVES / inproc))
    rows.append(row(f"sweep {SWEEP_SOLVES:,} solves on LocalCluster, 2 workers (processes)", (dask, 0.0),
                    goal="overhead < 15 %", solves_per_second=SWEEP_SOLVES / dask,
                    wall_ratio_cluster_to_inprocess=dask / inproc, overhead=2.0 * dask / inproc - 1.0))
    half, full = _peak_mb(_spec(SWEEP_SOLVES // 2)), _peak_mb(spec)
    rows.append(row(f"sweep peak memory, {SWEEP_SOLVES // 2:,} vs {SWEEP_SOLVES:,} solves (chunk {CHUNK:,})",
                    (0.0, full), goal="bounded by chunk size", peak_mb_half_size=half, peak_mb_full_size=full))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
