"""Run a sweep in partitions — in-process or on Dask — to partitioned Parquet with a manifest; resume; read back.

Partitions
----------
One partition is one (dataset, scenario, retaliation mode, chunk of ``chunk_size`` elasticity members),
solved for all its members × side-item cases in **one batched solve**
(:func:`tradetalks.sweep.members.solve_blocks`) — work is chunked, not one task per solve. Its
headline figures go to ``parts/dataset=D/scenario=S/retaliation=R/chunk=00000.parquet`` (long format:
``member``, ``kind``, ``side``, ``metric``, ``value``, ``converged``), written to a temporary name and
renamed, so a file that exists is complete. Members are drawn from the spec's seed with a stream per dataset
(the same draws for every scenario: differences are paired), so a partition's content does not depend on
where or in which order it runs.

Run folder
----------
``manifest.json`` holds the spec and its digest, the seed, the data checksums
(:func:`tradetalks.store.versioning.dataset_version`), the package version and git commit, the options, and
the partition list. Running again into the same folder resumes: finished partitions are skipped (counted
in :class:`RunStats`), the rest are computed. A folder holding another spec or other data is refused
(:class:`~tradetalks.errors.SweepRunError`).

Execution
---------
``scheduler=None`` runs in this process; ``"local"`` starts a :class:`distributed.LocalCluster`
(``n_workers`` processes, one thread each) for the run; any other string is the address of a running Dask
scheduler (``tcp://host:8786``), whose workers need tradetalks installed and the datasets readable.
Each partition is one Dask task; results stay on disk (the tasks return small statistics only), so memory
is bounded by the chunk size, not by the size of the sweep.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from tradetalks.errors import SweepRunError
from tradetalks.sweep.draws import make_draws
from tradetalks.sweep.headline import case_table
from tradetalks.sweep.members import solve_blocks
from tradetalks.sweep.spec import SweepSpec, from_mapping, reciprocal_tariffs, validate
from tradetalks.sweep.uncertainty import (
    SIDE_ORDER,
    ScenarioInputs,
    SideCase,
    UncertaintyResult,
    inputs_from_evaluation,
)

MANIFEST = "manifest.json"
COST_CASE_PREFIX = "purchase-"
"""Side labels of the purchase-cost cases (:class:`tradetalks.sweep.inputs.CostCase`): no solves of their own."""
PARTS = "parts"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class PartitionTask:
    """One partition of a sweep (picklable; runs anywhere the datasets can be read)."""

    spec: dict[str, Any]
    dataset: str
    dataset_index: int
    scenario: str
    retaliation: str
    chunk: int
    start: int
    stop: int
    path: str

    @property
    def key(self) -> str:
        """``dataset=D/scenario=S/retaliation=R/chunk=NNNNN`` (file stems for .toml/.nc names)."""
        return _key(self)


@dataclass(frozen=True)
class PartitionStats:
    """What a finished partition reports back (the values are on disk)."""

    key: str
    rows: int
    solves: int
    converged: int
    seconds: float


@dataclass(frozen=True)
class RunStats:
    """Outcome of :func:`run_sweep`."""

    path: str
    partitions: int
    computed: int
    skipped: int
    solves: int
    converged: int
    seconds: float


def _safe(name: str) -> str:
    return Path(name).stem if name.endswith((".toml", ".nc")) else name


def plan(spec: SweepSpec, out: Path) -> list[PartitionTask]:
    """Every partition of a sweep, in a fixed order."""
    tasks = []
    raw = spec.as_dict()
    for di, d in enumerate(spec.datasets):
        for s in spec.scenarios:
            for r in spec.retaliation:
                for c, start in enumerate(range(0, spec.n_members, spec.chunk_size)):
                    t = PartitionTask(raw, d, di, s, r, c, start, min(start + spec.chunk_size, spec.n_members), "")
                    tasks.append(PartitionTask(**{**asdict(t), "path": str(out / PARTS / f"{_key(t)}.parquet")}))
    return tasks


def _key(t: PartitionTask) -> str:
    return (f"dataset={_safe(t.dataset)}/scenario={_safe(t.scenario)}/retaliation={t.retaliation}/"
            f"chunk={t.chunk:05d}")


# --------------------------------------------------------------------------------------------
# the work of one partition (runs on workers; caches per process)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _data(name: str) -> Any:
    from tradetalks.data.registry import load

    return load(name)


@lru_cache(maxsize=32)
def _inputs(dataset: str, scenario: str, retaliation: str, side_items: bool) -> ScenarioInputs:
    import dataclasses

    from tradetalks.policy.evaluate import evaluate
    from tradetalks.policy.scenarios import resolve

    data = _data(dataset)
    pr = evaluate(resolve(scenario), data)
    inputs = inputs_from_evaluation(pr, data)
    if not side_items:
        central = next(c for c in inputs.side_cases if c.label == "central")
        inputs = dataclasses.replace(inputs, side_cases=(SideCase("central", central.nx_change, central.note),),
                                     cost_cases=())
    if retaliation == "reciprocal":
        inputs = dataclasses.replace(inputs, tariff=reciprocal_tariffs(data.tariff, inputs.tariff))
    return inputs


@lru_cache(maxsize=8)
def _sigma(dataset: str, dataset_index: int, spec_json: str) -> np.ndarray[Any, Any]:
    spec = from_mapping(json.loads(spec_json))
    return make_draws(_data(dataset), spec.draw_options(), stream=dataset_index).sigma


def partition_frame(task: PartitionTask) -> pd.DataFrame:
    """Solve one partition and return its long table (no I/O besides reading the dataset)."""
    spec = from_mapping(dict(task.spec))
    data = _data(task.dataset)
    inputs = _inputs(task.dataset, task.scenario, task.retaliation, spec.side_items)
    sigma = _sigma(task.dataset, task.dataset_index, json.dumps(task.spec, sort_keys=True))[task.start:task.stop]
    from tradetalks.model.common import SolverOptions

    blocks = solve_blocks(data, inputs, sigma, SolverOptions())
    tab = case_table(blocks, data, inputs, tuple(spec.parties))  # type: ignore[arg-type]
    m, c, n_k = tab.values.shape
    labels = _member_labels(spec)[task.start:task.stop]
    kinds = _member_kinds(spec)[task.start:task.stop]
    return pd.DataFrame({
        "member": np.repeat(labels, c * n_k),
        "kind": np.repeat(kinds, c * n_k),
        "side": np.tile(np.repeat(list(tab.labels), n_k), m),
        "metric": np.tile(list(tab.metrics), m * c),
        "value": tab.values.reshape(-1),
        "converged": np.repeat(tab.converged.reshape(-1), n_k),
    })


def _member_labels(spec: SweepSpec) -> list[str]:
    return ["central", *(f"mc-{d}" for d in range(spec.draws)), *(f"set-{s}" for s in spec.elasticity_sets)]


def _member_kinds(spec: SweepSpec) -> list[str]:
    return ["central", *(["mc"] * spec.draws), *(["set"] * len(spec.elasticity_sets))]


def run_partition(task: PartitionTask) -> PartitionStats:
    """Solve one partition and write its Parquet file atomically (temporary name, then rename)."""
    start = time.perf_counter()
    df = partition_frame(task)
    path = Path(task.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    ge = df[~df["side"].str.startswith(COST_CASE_PREFIX)]  # purchase-cost cases reuse the central solves
    solves = int(ge.drop_duplicates(["member", "side"]).shape[0])
    conv = int(ge.drop_duplicates(["member", "side"])["converged"].sum())
    return PartitionStats(task.key, len(df), solves, conv, time.perf_counter() - start)


# --------------------------------------------------------------------------------------------
# manifest and driver
# --------------------------------------------------------------------------------------------


def _git_commit() -> str:
    repo = Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def manifest_for(spec: SweepSpec, datasets: dict[str, Any], tasks: Sequence[PartitionTask],
                 scheduler: str | None) -> dict[str, Any]:
    """The run manifest (see the module docstring)."""
    from importlib.metadata import PackageNotFoundError, version

    from tradetalks.store.versioning import dataset_version

    try:
        pkg_version = version("tradetalks")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        pkg_version = "unknown"
    return {
        "format": FORMAT_VERSION,
        "name": spec.name,
        "spec": spec.as_dict(),
        "spec_digest": spec.digest(),
        "spec_file": spec.source,
        "seed": spec.seed,
        "data": {d: {"checksum": dataset_version(x), "attrs_name": str(x.name)} for d, x in datasets.items()},
        "package_version": pkg_version,
        "git_commit": _git_commit(),
        "numpy": np.__version__,
        "options": {"model": "ossa", "solver": "newton, analytic Jacobian, batched parameters",
                    "tol": 1e-10, "scheduler_first_run": scheduler or "in-process",
                    "percentiles": [5, 95]},
        "partitions": [t.key for t in tasks],
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _check_resume(old: dict[str, Any], new: dict[str, Any], out: Path) -> None:
    if old.get("spec_digest") != new["spec_digest"]:
        raise SweepRunError(f"run folder {out} holds another sweep (spec digest {old.get('spec_digest', '?')[:12]} "
                            f"vs {new['spec_digest'][:12]}): choose a new folder to run this spec")
    for d, info in new["data"].items():
        if old.get("data", {}).get(d, {}).get("checksum") != info["checksum"]:
            raise SweepRunError(f"run folder {out}: dataset '{d}' changed since the run started "
                                "(checksum differs); start a new run")


def local_cluster(n_workers: int = 2, processes: bool = True) -> Any:
    """A :class:`distributed.LocalCluster` of ``n_workers`` single-threaded workers for sweeps.

    Its worker processes start without distributed's default ``MALLOC_TRIM_THRESHOLD_`` (set by the nanny):
    setting it switches off glibc's dynamic mmap threshold, so every large temporary array of the batched
    solve is mmap'ed and unmapped again, which measured 2-3 times slower per partition here. Workers of
    a cluster you start yourself should be started the same way (README, "Sweeps on a cluster"). The workers'
    statistical profiler is off (``distributed.worker.profile.enabled``; about 11 % of the CPU of a sweep).
    """
    import dask
    from distributed import LocalCluster

    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    # the workers' statistical profiler samples every thread every 10 ms: measured 11 % of a sweep's CPU here
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ, "distributed.worker.profile.enabled": False}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1,  # type: ignore[no-untyped-call]
                            processes=processes, dashboard_address=None)


def _client(scheduler: str, n_workers: int, processes: bool) -> tuple[Any, Any]:
    from distributed import Client

    if scheduler == "local":
        cluster = local_cluster(n_workers, processes)
        return Client(cluster), cluster  # type: ignore[no-untyped-call]
    return Client(scheduler), None  # type: ignore[no-untyped-call]


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    processes: bool = True,
    on_partition: Callable[[PartitionStats, int, int], None] | None = None,
) -> RunStats:
    """Run (or resume) a sweep into the folder ``out``.

    Parameters
    ----------
    spec
        A sweep spec (validated again against the data here, before any work).
    out
        Run folder (created; an existing folder of the same spec is resumed).
    scheduler
        ``None`` in-process, ``"local"`` a LocalCluster for this run, or a scheduler address.
    n_workers, processes
        Size and kind (processes or threads) of the LocalCluster.
    on_partition
        Called after each finished partition with its stats, the count done and the total (progress).

    Returns
    -------
    RunStats
        Partitions computed and skipped (already finished), solves and converged solves of this call.
    """
    start = time.perf_counter()
    out = Path(out)
    datasets = validate(spec)
    tasks = plan(spec, out)
    manifest = manifest_for(spec, datasets, tasks, scheduler)
    mpath = out / MANIFEST
    if mpath.exists():
        _check_resume(json.loads(mpath.read_text()), manifest, out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        tmp = mpath.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=1))
        os.replace(tmp, mpath)
    todo = [t for t in tasks if not Path(t.path).exists()]
    skipped = len(tasks) - len(todo)
    done, solves, conv = skipped, 0, 0
    for stats in _execute(todo, scheduler, n_workers, processes):
        done += 1
        solves += stats.solves
        conv += stats.converged
        if on_partition is not None:
            on_partition(stats, done, len(tasks))
    return RunStats(str(out), len(tasks), len(todo), skipped, solves, conv, time.perf_counter() - start)


def _execute(todo: Sequence[PartitionTask], scheduler: str | None, n_workers: int,
             processes: bool) -> Iterator[PartitionStats]:
    if not todo:
        return
    if scheduler is None:
        for t in todo:
            yield run_partition(t)
        return
    from distributed import as_completed

    client, cluster = _client(scheduler, n_workers, processes)
    try:
        futures = client.map(run_partition, list(todo), pure=False)
        for fut in as_completed(futures):  # type: ignore[no-untyped-call]
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------------------------
# reading back
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SweepRun:
    """A run folder opened for reading (:func:`open_run`)."""

    path: Path
    manifest: dict[str, Any]

    @property
    def spec(self) -> SweepSpec:
        return from_mapping(dict(self.manifest["spec"]))

    def finished(self) -> list[str]:
        """Keys of the partitions whose file exists."""
        return [k for k in self.manifest["partitions"] if (self.path / PARTS / f"{k}.parquet").exists()]

    @property
    def complete(self) -> bool:
        return len(self.finished()) == len(self.manifest["partitions"])

    def to_pandas(self) -> pd.DataFrame:
        """Every finished partition as one long table: dataset, scenario, retaliation, chunk, member, kind,
        side, metric, value, converged (sorted, with a fresh index)."""
        frames = []
        for k in self.finished():
            df = pd.read_parquet(self.path / PARTS / f"{k}.parquet")
            for part in k.split("/"):
                name, val = part.split("=", 1)
                df.insert(0, name, int(val) if name == "chunk" else val)
            frames.append(df)
        if not frames:
            raise SweepRunError(f"run {self.path} has no finished partition yet")
        cols = ["dataset", "scenario", "retaliation", "chunk", "member", "kind", "side", "metric"]
        return pd.concat(frames, ignore_index=True)[[*cols, "value", "converged"]].sort_values(
            cols, kind="stable").reset_index(drop=True)

    def to_xarray(self) -> xr.Dataset:
        """``value`` and ``converged`` with named dims dataset × retaliation × scenario × member × side ×
        metric (``kind`` a coordinate of ``member``)."""
        df = self.to_pandas()
        idx = ["dataset", "retaliation", "scenario", "member", "side", "metric"]
        ds = xr.Dataset.from_dataframe(df.set_index(idx)[["value", "converged"]])
        present = set(df["member"])
        sides = sorted(set(df["side"]), key=lambda x: SIDE_ORDER.get(x, len(SIDE_ORDER)))
        ds = ds.reindex(member=[m for m in _member_labels(self.spec) if m in present], side=sides,
                        metric=list(dict.fromkeys(df["metric"])))
        kinds = df.drop_duplicates("member").set_index("member")["kind"]
        ds = ds.assign_coords(kind=("member", [kinds[m] for m in ds["member"].values]))
        ds["converged"] = ds["converged"].fillna(False).astype(bool).all("metric")
        if "central" in sides:
            # a scenario without side items does not depend on them: its central case stands for every case
            absent = ds["value"].isnull().all(["member", "metric"])
            ds["value"] = ds["value"].where(~absent, ds["value"].sel(side="central"))
            ds["converged"] = ds["converged"].where(~absent, ds["converged"].sel(side="central"))
        ds.attrs.update({"seed": self.manifest["seed"], "spec_digest": self.manifest["spec_digest"]})
        return ds

    def uncertainty(self, dataset: str | None = None, retaliation: str = "none") -> UncertaintyResult:
        """The bands of one dataset and retaliation mode as an :class:`UncertaintyResult`.

        In a run still in progress, only the members finished for every scenario enter (the others are not
        counted as non-converged: they have not run yet).

        Raises
        ------
        SweepRunError
            No finished partition for that dataset and retaliation mode.
        """
        spec = self.spec
        dataset = dataset or spec.datasets[0]
        ds = self.to_xarray()
        if _safe(dataset) not in ds["dataset"].values or retaliation not in ds["retaliation"].values:
            raise SweepRunError(f"run {self.path}: no finished partition for dataset '{dataset}' and "
                                f"retaliation '{retaliation}'")
        ds = ds.sel(dataset=_safe(dataset), retaliation=retaliation)
        finished = ds["value"].notnull().any(["side", "metric"]).all("scenario")
        ds = ds.isel(member=np.flatnonzero(finished.values))
        draws = make_draws(_data(dataset), spec.draw_options(), stream=spec.datasets.index(dataset))
        keep = [i for i, lab in enumerate(draws.label) if lab in ds["member"].values]
        import dataclasses

        draws = dataclasses.replace(draws, sigma=draws.sigma[keep], kind=tuple(draws.kind[i] for i in keep),
                                    label=tuple(draws.label[i] for i in keep))
        values = ds["value"].transpose("scenario", "member", "side", "metric")
        conv = ds["converged"].transpose("scenario", "member", "side")
        return UncertaintyResult(values, conv, draws, dataset, {})


def open_run(path: str | Path) -> SweepRun:
    """Open a run folder written by :func:`run_sweep`.

    Raises
    ------
    SweepRunError
        No manifest in the folder.
    """
    p = Path(path)
    m = p / MANIFEST
    if not m.exists():
        raise SweepRunError(f"no sweep run at {p}: expected a folder with {MANIFEST} written by `tradetalks sweep run`")
    return SweepRun(p, json.loads(m.read_text()))


__all__ = ["PartitionStats", "PartitionTask", "RunStats", "SweepRun", "local_cluster", "open_run", "partition_frame", "plan",
           "run_partition", "run_sweep"]
