"""Benchmark: the gegravity CAN–JPN PTA counterfactual (baseline, conditional and full GE), ours vs gegravity.

gegravity 0.3's own example on ``gegravity-sample`` (30 countries, σ = 5, PPML cost coefficients of
its example script, reference importer DEU). Two measurements:

* ``end_to_end``: from the same pandas DataFrame to the solved counterfactual. Peer: BaselineData,
  OneSectorGE, build_baseline, define_experiment, simulate. Ours: pivot the covariates, construct
  costs, :func:`tradetalks.model.armington_gravity.gravity_counterfactual` (textbook full GE).
* ``solver``: the solves only. Peer: build_baseline + define_experiment + simulate on a prepared
  model. Ours: :func:`gravity_counterfactual` on prepared arrays.

Times are medians of several runs (time.perf_counter); peak memory is measured in a separate run
with tracemalloc. Run alone with ``python benchmarks/bench_armington.py``.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.data.registry import dataset_folder
from tradetalks.model import armington_gravity as amg

COEFS = {
    "lndist": -0.3898623,
    "contiguity": 0.891577,
    "common_language": 0.0326249,
    "pta": 0.4711383,
    "international": -3.412584,
    "constant": 16.32434,
}
COST_VARS = list(COEFS)


def _load() -> pd.DataFrame:
    folder: Path = dataset_folder("gegravity-sample")
    df = pd.read_csv(folder / "sample_data_set.dlm")
    df["constant"] = 1
    return df


def _experiment(df: pd.DataFrame) -> pd.DataFrame:
    exp = df.copy()
    exp.loc[(exp["importer"] == "CAN") & (exp["exporter"] == "JPN"), "pta"] = 1
    exp.loc[(exp["importer"] == "JPN") & (exp["exporter"] == "CAN"), "pta"] = 1
    return exp


# --- peer ---------------------------------------------------------------------------------------


def _peer_model(df: pd.DataFrame) -> Any:
    import gegravity as ge

    base = ge.BaselineData(
        df.copy(), imp_var_name="importer", exp_var_name="exporter", year_var_name="year",
        trade_var_name="trade", expend_var_name="E", output_var_name="Y",
    )
    ests = pd.DataFrame(list(COEFS.items()), columns=["var", "beta"])
    coefs = ge.CostCoeffs(estimates=ests, identifier_col="var", coeff_col="beta")
    return ge.OneSectorGE(
        base, year="2006", reference_importer="DEU", sigma=5, cost_variables=COST_VARS,
        cost_coeff_values=coefs, quiet=True,
    )


def _peer_solve(model: Any) -> Any:
    model.build_baseline(omr_rescale=10)
    model.define_experiment(_experiment(model.baseline_data))
    model.simulate()
    return model


def peer_end_to_end(df: pd.DataFrame) -> Any:
    return _peer_solve(_peer_model(df))


# --- ours ---------------------------------------------------------------------------------------


def _arrays(df: pd.DataFrame) -> dict[str, Any]:
    countries = sorted(df["exporter"].unique())
    pos = {c: k for k, c in enumerate(countries)}
    i = df["exporter"].map(pos).to_numpy()
    j = df["importer"].map(pos).to_numpy()
    n = len(countries)
    cov = {}
    for c in COST_VARS:
        m = np.zeros((n, n))
        m[i, j] = df[c].to_numpy(dtype=float)
        cov[c] = m
    y = np.zeros(n)
    e = np.zeros(n)
    y[i] = df["Y"].to_numpy(dtype=float)
    e[j] = df["E"].to_numpy(dtype=float)
    pta = cov["pta"].copy()
    a, b = pos["CAN"], pos["JPN"]
    pta[a, b] = pta[b, a] = 1.0
    return {
        "cost_base": amg.trade_costs_from_covariates(cov, COEFS),
        "cost_new": amg.trade_costs_from_covariates({**cov, "pta": pta}, COEFS),
        "y": y,
        "e": e,
        "ref": pos["DEU"],
    }


def _ours_solve(a: dict[str, Any]) -> amg.GravityCounterfactual:
    return amg.gravity_counterfactual(a["cost_base"], a["cost_new"], a["y"], a["e"], 5.0, a["ref"])


def ours_end_to_end(df: pd.DataFrame) -> amg.GravityCounterfactual:
    return _ours_solve(_arrays(df))


# --- harness ------------------------------------------------------------------------------------


def _median_time(fn: Callable[[Any], Any], runs: int, setup: Callable[[], Any] = lambda: None) -> float:
    times = []
    for _ in range(runs):
        arg = setup()
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _peak_mb(fn: Callable[[Any], Any], setup: Callable[[], Any] = lambda: None) -> float:
    arg = setup()
    tracemalloc.start()
    try:
        fn(arg)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _entry(
    name: str,
    ours: Callable[[Any], Any],
    peer: Callable[[Any], Any],
    peer_setup: Callable[[], Any] = lambda: None,
    ours_runs: int = 30,
    peer_runs: int = 5,
) -> dict[str, Any]:
    ours(None)  # warm-up (imports, caches)
    peer(peer_setup())
    t_ours = _median_time(ours, ours_runs)
    t_peer = _median_time(peer, peer_runs, peer_setup)
    return {
        "name": name,
        "ours_median_s": t_ours,
        "peer_median_s": t_peer,
        "ours_peak_mb": _peak_mb(ours),
        "peer_peak_mb": _peak_mb(peer, peer_setup),
        "ratio": t_peer / t_ours,
        "peer": "gegravity 0.3 OneSectorGE",
    }


def run() -> list[dict[str, Any]]:
    """Both benchmarks; ``ratio`` = peer median time / our median time (> 1: we are faster)."""
    df = _load()
    arrays = _arrays(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e2e = _entry(
            "armington: gegravity CAN-JPN PTA, end to end (baseline, conditional, full GE)",
            lambda _: ours_end_to_end(df),
            lambda _: peer_end_to_end(df),
        )
        solver = _entry(
            "armington: gegravity CAN-JPN PTA, solves only (baseline, conditional, full GE)",
            lambda _: _ours_solve(arrays),
            _peer_solve,
            peer_setup=lambda: _peer_model(df),
        )
    solver["note"] = "peer: build_baseline + define_experiment + simulate on a constructed model"
    return [e2e, solver]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
