"""Sweeps (issue 13): partitioned runs on Dask or in-process, Parquet content, resume, named spec errors.

The references here are the other entry points on the same inputs: a run on a LocalCluster is compared
with the same run in this process, an interrupted-and-resumed run with an uninterrupted one, and the
bands read back from a run with :func:`tradetalks.sweep.bands_for_evaluation` on the same draws.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data import load
from tradetalks.errors import ElasticitySetError, ScenarioNotFoundError, SweepRunError, SweepSpecError
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.scenarios import resolve
from tradetalks.sweep import bands_for_evaluation
from tradetalks.sweep.run import PartitionStats, open_run, plan, run_sweep
from tradetalks.sweep.spec import SweepSpec, from_mapping, load_spec, reciprocal_tariffs

SMALL = {"name": "t", "scenarios": ["jp-us-deal", "jp-us-no-deal"], "datasets": ["world2014"], "draws": 5,
         "chunk_size": 3, "seed": 4}


@pytest.fixture(scope="module")
def spec() -> SweepSpec:
    return from_mapping(dict(SMALL))


@pytest.fixture(scope="module")
def in_process(spec: SweepSpec, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("inproc")
    stats = run_sweep(spec, out)
    assert stats.computed == stats.partitions == 4 and stats.skipped == 0
    return open_run(out).to_pandas()


def test_local_cluster_gives_same_parquet_content(spec: SweepSpec, in_process: pd.DataFrame, tmp_path: Path) -> None:
    """Two Dask workers (LocalCluster, threads) write exactly what the in-process run writes."""
    stats = run_sweep(spec, tmp_path, scheduler="local", n_workers=2, processes=False)
    assert stats.computed == 4 and stats.solves == 6 * 3 + 6  # deal: 3 side cases; no deal: none
    pd.testing.assert_frame_equal(open_run(tmp_path).to_pandas(), in_process, check_exact=True)


def test_interrupted_run_resumes_without_recomputing(spec: SweepSpec, in_process: pd.DataFrame,
                                                     tmp_path: Path) -> None:
    """Killed after 3 of 4 partitions, the restarted run computes only the 4th; content equals a clean run."""

    class Killed(Exception):
        pass

    def kill_after_three(stats: PartitionStats, done: int, total: int) -> None:
        if done == 3:
            raise Killed

    with pytest.raises(Killed):
        run_sweep(spec, tmp_path, on_partition=kill_after_three)
    assert len(open_run(tmp_path).finished()) == 3 and not open_run(tmp_path).complete
    stats = run_sweep(spec, tmp_path)
    assert (stats.partitions, stats.skipped, stats.computed) == (4, 3, 1)
    again = run_sweep(spec, tmp_path)
    assert (again.skipped, again.computed) == (4, 0)
    pd.testing.assert_frame_equal(open_run(tmp_path).to_pandas(), in_process, check_exact=True)


def test_run_reads_back_with_named_dims_and_matches_in_memory_bands(spec: SweepSpec, tmp_path: Path) -> None:
    """The run as xarray has named dims; its bands equal bands_for_evaluation on the same seed (1e-12)."""
    run_sweep(spec, tmp_path)
    r = open_run(tmp_path)
    ds = r.to_xarray()
    assert ds["value"].dims == ("dataset", "retaliation", "scenario", "member", "side", "metric")
    assert list(ds["side"].values) == ["low", "central", "high", "purchase-low", "purchase-high"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["data"]["world2014"]["checksum"].startswith("sha256:")
    assert {"git_commit", "package_version", "spec_digest", "options", "partitions"} <= set(manifest)
    data = load("world2014")
    evaluated = {n: evaluate(resolve(n), data) for n in spec.scenarios}
    ref = bands_for_evaluation(evaluated, data, spec.draws, seed=spec.seed).band_frame("all")
    got = r.uncertainty().band_frame("all").loc[ref.index]
    num = ["central", "p5", "p95", "n", "n_converged"]
    np.testing.assert_allclose(got[num].to_numpy(float), ref[num].to_numpy(float), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"datasets": ["no-such-data"]}, SweepSpecError, "datasets"),
        ({"draws": -3}, SweepSpecError, "draws"),
        ({"elasticity_sets": ["CP"]}, ElasticitySetError, "world2014"),
        ({"elasticity_sets": ["XX"]}, ElasticitySetError, "XX"),
        ({"retaliation": ["nuclear"]}, SweepSpecError, "retaliation"),
        ({"chunk_size": 0}, SweepSpecError, "chunk_size"),
        ({"colour": "red"}, SweepSpecError, "colour"),
        ({"name": "../escape"}, SweepSpecError, "name"),
        ({"scenarios": ["no-such-scenario"]}, ScenarioNotFoundError, "no-such-scenario"),
    ],
)
def test_bad_spec_gets_named_error_before_any_work(change: dict[str, object], error: type[Exception], field: str,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(error, match=field):
        run_sweep(from_mapping({**SMALL, **change}), out)
    assert not out.exists()


def test_resume_refuses_another_spec(spec: SweepSpec, tmp_path: Path) -> None:
    run_sweep(from_mapping({**SMALL, "draws": 2}), tmp_path)
    with pytest.raises(SweepRunError, match="another sweep"):
        run_sweep(spec, tmp_path)


def test_partitions_are_chunks_of_batched_solves(spec: SweepSpec, tmp_path: Path) -> None:
    """Work is chunked: ceil(members / chunk_size) partitions per dataset x scenario x retaliation."""
    tasks = plan(from_mapping({**SMALL, "draws": 10, "retaliation": ["none", "reciprocal"]}), tmp_path)
    assert len(tasks) == 2 * 2 * 4 and max(t.stop - t.start for t in tasks) == 3


def test_reciprocal_retaliation_mirrors_increases() -> None:
    """Where j's tariff on i rose by d, i's tariff on j rises by d (sector by sector); cuts are not mirrored."""
    base = np.zeros((2, 2, 1))
    new = base.copy()
    new[1, 0, 0] = 0.25  # country 0 taxes imports from 1
    out = reciprocal_tariffs(base, new)
    assert out[0, 1, 0] == pytest.approx(0.25) and out[1, 0, 0] == pytest.approx(0.25)
    assert np.array_equal(reciprocal_tariffs(new, base), base)


def test_cli_run_and_show(tmp_path: Path) -> None:
    spec_file = tmp_path / "s.toml"
    spec_file.write_text('name = "cli"\nscenarios = ["jp-us-no-deal"]\ndatasets = ["world2014"]\ndraws = 2\n'
                         'chunk_size = 2\n')
    assert load_spec(spec_file).draws == 2
    runner = CliRunner()
    res = runner.invoke(app, ["sweep", "run", str(spec_file), "--out", str(tmp_path / "r"), "--scheduler", "none"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["sweep", "show", str(tmp_path / "r"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["finished"] == 2 and doc["bands"]["world2014/none"]["n_draws"] == 2
    bad = runner.invoke(app, ["sweep", "run", str(spec_file), "--scheduler", "nowhere"])
    assert bad.exit_code == 2 and "--scheduler" in bad.output


def test_evaluate_uncertainty_json_and_csv(tmp_path: Path) -> None:
    """`evaluate --uncertainty N` carries the draws' summary in JSON and p5/p95 columns in CSV; a set the
    dataset lacks is a named error (exit code 2)."""
    runner = CliRunner()
    csv = tmp_path / "h.csv"
    res = runner.invoke(app, ["evaluate", "jp-us-deal", "--vs", "jp-us-no-deal", "--uncertainty", "4",
                              "--seed", "3", "--json"])
    assert res.exit_code == 0, res.output
    unc = json.loads(res.output)["uncertainty"]
    assert (unc["n_draws"], unc["seed"], unc["share_converged"]) == (4, 3, 1.0)
    rows = {(r["scenario"], r["metric"]): r for r in unc["bands"]["all"]}
    assert rows[("jp-us-deal - jp-us-no-deal", "balance.USA-JPN.after")]["p5"] is not None
    res = runner.invoke(app, ["evaluate", "jp-us-deal", "--uncertainty", "3", "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    assert "Bands (5-95 %)" in res.output
    assert {"jp-us-deal p5", "jp-us-deal p95"} <= set(pd.read_csv(csv).columns)
    bad = runner.invoke(app, ["evaluate", "jp-us-deal", "--dataset", "world2014", "--elasticity-sets", "CP"])
    assert bad.exit_code == 2 and "CP" in bad.output


def test_partial_run_bands_count_only_finished_members(spec: SweepSpec, tmp_path: Path) -> None:
    """Bands read from an interrupted run use the members finished for every scenario; the members that have
    not run are not reported as non-converged."""

    def stop(stats: PartitionStats, done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path, on_partition=stop)  # finished: deal chunks 0-1, no-deal chunk 0
    u = open_run(tmp_path).uncertainty()
    assert list(u.values["member"].values) == ["central", "mc-0", "mc-1"]
    assert u.converged.values.all()
