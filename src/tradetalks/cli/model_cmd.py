"""CLI adapters of the GE engine: ``tradetalks solve`` and ``tradetalks optimal-tariff``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from tradetalks.cli.common import ElasticitiesOpt, check_converged, console, emit_json, guard
from tradetalks.data import TradeData
from tradetalks.data.edits import TariffEdit, apply_edits, read_edits
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.errors import OptionError
from tradetalks.model.api import MODELS, solve
from tradetalks.model.common import Closure, SolverOptions, check_closure
from tradetalks.policy.evaluate import elasticities_of
from tradetalks.results.counterfactual import CounterfactualResult
from tradetalks.results.strategic import tariff_outcome
from tradetalks.vocabulary import DEFAULT_DATASET, DEFAULT_MODEL, PUBLISHED_BALANCED, default_closure

CLOSURE_HELP = ("Trade imbalances: 'data' (held as in the data) or 'balanced' (purged first). Default: "
                f"'data'; 'balanced' on {', '.join(sorted(PUBLISHED_BALANCED))} (as in the published tables).")


def _country_table(res: CounterfactualResult, title: str) -> Table:
    df = res.to_frame("country")
    tab = Table(title=title, title_justify="left")
    tab.add_column("country")
    cols = [("welfare_pct", "welfare %"), ("gov_welfare_pct", "gov. welfare %"), ("wage_pct", "wage %")]
    cols = [c for c in cols if c[0] in df.columns]
    for _, label in cols:
        tab.add_column(label, justify="right")
    for label in (
        "exports US$bn",
        "imports US$bn",
        "balance US$bn (before -> after)",
        "tariff revenue US$bn",
    ):
        tab.add_column(label, justify="right")
    for country, row in df.iterrows():
        vals = [f"{row[c]:+.3f}" for c, _ in cols]
        vals += [
            f"{row['exports_base'] / 1e3:,.1f} -> {row['exports_new'] / 1e3:,.1f}",
            f"{row['imports_base'] / 1e3:,.1f} -> {row['imports_new'] / 1e3:,.1f}",
            f"{row['balance_base'] / 1e3:+,.1f} -> {row['balance_new'] / 1e3:+,.1f}",
            f"{row['revenue_base'] / 1e3:,.1f} -> {row['revenue_new'] / 1e3:,.1f}",
        ]
        tab.add_row(str(country), *vals)
    return tab


@guard
def solve_cmd(
    dataset: Annotated[
        str, typer.Option(help="Dataset name (see `tradetalks data list`) or a .nc file.")
    ] = DEFAULT_DATASET,
    model: Annotated[str, typer.Option(help=f"GE model: one of {', '.join(MODELS)}.")] = DEFAULT_MODEL,
    tariff: Annotated[
        list[str] | None,
        typer.Option(
            "--tariff",
            "-t",
            help="Tariff rule IMPORTER:EXPORTER:SECTOR=PCT (set) or ...+=PCT (add, percentage points); "
            "parts may be '*'. Repeatable; applied in order. Example: -t 'USA:JPN:motor_vehicles=27.5'.",
        ),
    ] = None,
    tariff_file: Annotated[
        Path | None, typer.Option(help="CSV of rules: importer, exporter, sector, tariff_pct[, op=set|add].")
    ] = None,
    closure: Annotated[
        str | None, typer.Option(help=CLOSURE_HELP)
    ] = None,
    tol: Annotated[float, typer.Option(help="Solver tolerance (max-norm of scaled residuals).")] = 1e-10,
    max_iter: Annotated[int, typer.Option(help="Solver iteration limit.")] = 200,
    strict: Annotated[bool, typer.Option(help="Fail (exit 2) if the solver does not converge.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    elasticities: ElasticitiesOpt = None,
) -> None:
    """Solve a tariff counterfactual and print each country's welfare, trade, balance and revenue.

    Trade values are pre-tariff, in US$ billions in the tables (the data are US$ millions); the balance
    is exports minus imports of goods and services in the model; rates are in percent. The closure
    printed with the result says how imbalances were treated.
    """
    closure = check_closure(closure or default_closure(dataset))
    if model not in MODELS:
        raise OptionError("model", MODELS, model)
    data = load_with_elasticities(dataset, elasticities)
    edits = [TariffEdit.parse(x) for x in (tariff or [])]
    if tariff_file is not None:
        edits = read_edits(tariff_file) + edits
    t_new = apply_edits(data, edits)
    res = solve(
        model, data, t_new, closure=closure, options=SolverOptions(tol=tol, max_iter=max_iter, strict=strict)
    )
    if as_json:
        df = res.to_frame("country")
        emit_json(
            {
                "dataset": res.dataset,
                "model": res.model,
                "closure": res.closure,
                "elasticities": elasticities_of(data),
                **res.info.as_dict(),
                "rules": [e.__dict__ for e in edits],
                "countries": {str(c): row.to_dict() for c, row in df.iterrows()},
                "params": dict(res.params),
            }
        )
        return
    console.print(_country_table(res, f"{res.model} on {res.dataset} (elasticities: {elasticities_of(data)}), "
                                      f"closure '{res.closure}'"))
    console.print(
        f"converged={res.info.converged} iterations={res.info.iterations} residual={res.info.residual:.2e} "
        f"solve time={1e3 * res.info.seconds:.1f} ms; rules: {len(edits)}"
    )


def _optimal_payload(data: TradeData, base: Any, r: Any, j: int, closure: Closure, seconds: float,
                     flags: dict[str, bool]) -> dict[str, Any]:
    """JSON-ready result of a best response, rendered from the labelled
    :class:`~tradetalks.results.strategic.TariffOutcome` (full tariff vector, Ossa's wage/profit columns)."""
    country = data.countries[j]
    own = r.own[np.arange(data.n_countries) != j]
    by_sector = {s: 100 * float(np.median(own[:, k])) for k, s in enumerate(data.sectors)}
    res = tariff_outcome("optimal-tariff", base, r, data.countries, data.sectors, [j], closure=closure,
                         iterations=r.iterations, residual=r.projected_gradient,
                         info=dict(flags))
    table = res.to_frame("country")
    return {
        "dataset": data.name,
        "elasticities": elasticities_of(data),
        "country": country,
        **flags,
        "closure": closure,
        "median_tariff_pct": 100 * r.median_tariff(),
        "median_tariff_by_sector_pct": by_sector,
        "countries": {
            str(c): {
                "welfare_pct": float(row["welfare_pct"]),
                "gov_welfare_pct": float(row["gov_welfare_pct"]),
                "wage_pct": float(row["wage_pct"]),
                "profit_pct": float(row["profit_pct"]),
            }
            for c, row in table.iterrows()
        },
        "tariffs_pct": res.tariffs_of(country),
        "units": {"tariffs_pct": f"% ({country}'s tariff by partner and sector)",
                  "wage_pct": "pp relative to the mean wage change (Ossa)",
                  "profit_pct": "% change deflated by the own wage (Ossa)"},
        "converged": r.converged,
        "starts": [{"start": name, "gov_welfare_pct": 100 * (g - 1)} for name, g in r.starts],  # issue 11
        "start_spread_pct": 100 * r.spread,
        "iterations": r.iterations,
        "projected_gradient": r.projected_gradient,
        "solve_seconds": seconds,
    }


# --- issue 11 (HPE, HPW): Ossa's sigma choice (one option for optimal-tariff, war, bargain, frontier) ----------

OSSA_SIGMA = {"feenstra": "ossa2014", "3.5": "ossa2014-sigma3.5", "5": "ossa2014-sigma5",
              "6.5": "ossa2014-sigma6.5", "const": "ossa2014-sigma-const"}
"""``--sigma`` choices → registry names (``sigma_s.csv`` columns 1–5 of Ossa 2014)."""

SigmaOpt = Annotated[
    str | None,
    typer.Option(
        "--sigma",
        metavar="feenstra|3.5|5|6.5|const",
        help="Ossa's elasticities of substitution (ossa2014 only): 'feenstra' his estimates (default), "
        "3.5 / 5 / 6.5 rescaled to those means (his Tables 3c/4c/5c; datasets ossa2014-sigma3.5|5|6.5), "
        "'const' 3.42 in every sector. Political weights are re-calibrated for the chosen sigma.",
    ),
]
"""The ``--sigma`` option (one definition, used by every command that takes it)."""


@guard
def optimal_tariff_cmd(
    country: Annotated[str, typer.Option(help="The country setting its tariffs (e.g. JPN).")],
    dataset: Annotated[str, typer.Option(help="Dataset with sigma (Ossa model).")] = "ossa2014",
    mfn: Annotated[bool, typer.Option("--mfn", help="One tariff per sector for all partners (MFN).")] = False,
    political_weights: Annotated[
        bool,
        typer.Option(
            "--political-weights",
            help="Use Ossa's (2014) political-economy weights in government welfare: the published "
            "lambda_pol on ossa2014, re-calibrated from his non-cooperative tariff measures for any other "
            "sigma (--sigma, ossa2014-sigma* datasets, --elasticities); default lambda = 1 (welfare).",
        ),
    ] = False,
    sigma: SigmaOpt = None,
    closure: Annotated[str | None, typer.Option(help=CLOSURE_HELP)] = None,
    starts: Annotated[
        str | None,
        typer.Option(
            "--starts",
            help="Starting points (issue 11): a count k or names among uniform, zero, current, random; "
            "default uniform, zero, current and 3 random (fixed seed); the best optimum is kept.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (with the full optimal tariff vector) instead of tables.")
    ] = False,
    elasticities: ElasticitiesOpt = None,
) -> None:
    """Best-response (optimal) tariffs of one country, others' tariffs fixed (Ossa 2014 model).

    Prints per-country welfare %, government welfare % and the country's median optimal tariff % (over
    all its bilateral tariffs pooled across partners and sectors, as in Ossa's tables).
    """
    from tradetalks.model import ossa, ossa_optimal

    dataset = ossa_sigma_dataset(dataset, sigma)
    closure = check_closure(closure or default_closure(dataset))
    data = load_with_elasticities(dataset, elasticities)
    j = data.index(country)
    base = ossa.baseline_from_data(data, closure)
    lam, lam_note = _political_weights(data, base, j, closure, political_weights)
    start = time.perf_counter()
    r = ossa_optimal.optimal_tariff(base, j, mfn=mfn, political_weights=lam, starts=ossa_optimal.parse_starts(starts))
    seconds = time.perf_counter() - start
    payload = _optimal_payload(data, base, r, j, closure, seconds,
                               {"mfn": mfn, "political_weights": political_weights})
    if lam_note:
        payload["political_weights_source"] = lam_note["source"]
        payload["political_weights_provenance"] = lam_note["provenance"]
        if "fit" in lam_note:
            payload["political_weights_fit"] = lam_note["fit"]
    if as_json:
        emit_json(payload)
        check_converged(r.converged, f"best response of {country}", False, r.own)
        return
    tab = Table(title=f"Best response of {country} on {data.name} ({'MFN' if mfn else 'bilateral'} tariffs; "
                      f"elasticities: {elasticities_of(data)})")
    tab.add_column("country")
    tab.add_column("welfare %", justify="right")
    tab.add_column("gov. welfare %", justify="right")
    tab.add_column("wage (pp vs mean)", justify="right")
    tab.add_column("profits %", justify="right")
    for c, v in payload["countries"].items():  # type: ignore[attr-defined]
        tab.add_row(c, f"{v['welfare_pct']:+.2f}", f"{v['gov_welfare_pct']:+.2f}", f"{v['wage_pct']:+.2f}",
                    f"{v['profit_pct']:+.2f}")
    console.print(tab)
    console.print(
        f"median optimal tariff of {country}: {payload['median_tariff_pct']:.1f} %  "
        f"(converged={r.converged}, iterations={r.iterations}, {seconds:.2f} s)"
    )
    if lam_note:
        console.print(f"political weights: {lam_note['source']}")
    check_converged(r.converged, f"best response of {country}", False, r.own)



def ossa_sigma_dataset(dataset: str, sigma: str | None) -> str:
    """The dataset name for ``--sigma`` (``None``: ``dataset`` unchanged).

    Raises
    ------
    OptionError
        An unknown choice, or ``--sigma`` with a dataset other than the ossa2014 family.
    """
    if sigma is None:
        return dataset
    key = sigma.strip().lower().removesuffix(".0")
    if key not in OSSA_SIGMA:
        raise OptionError("--sigma", tuple(OSSA_SIGMA), sigma)
    if dataset not in OSSA_SIGMA.values():
        raise OptionError("--sigma", "the ossa2014 datasets (Ossa's elasticities)", f"--dataset {dataset}")
    return OSSA_SIGMA[key]


def _political_weights(data: TradeData, base: Any, j: int, closure: Closure, wanted: bool) -> tuple[Any, dict[str, Any]]:
    """λ for ``--political-weights`` (``None`` without it) and a note saying where it comes from
    (:func:`tradetalks.model.political_source.political_weights_for`, the one decision of λ)."""
    if not wanted:
        return None, {}
    from tradetalks.model import political, political_source

    res = political_source.political_weights_for(data, base if closure == "balanced" else None)
    fit = res.fit_of(j)
    if res.calibration is None or fit is None:
        return res.weights, {"source": res.describe(data.countries), "provenance": res.as_dict(data.countries)}
    lam, pw = res.weights, res.calibration
    cal_base = base if closure == "balanced" else ossa_baseline_balanced(data)
    curvature = political.check_second_order(cal_base, fit)
    note = (f"re-calibrated for {res.sigma} from Ossa's non-cooperative tariffs (his MFN first-order "
            f"conditions; {data.countries[j]}: shift {100 * fit.shift:+.1f} pp, first-order residual "
            f"{fit.foc_residual:.1e}, converged={fit.converged}; all {len(pw.fits)} countries in "
            f"{pw.seconds:.1f} s)")
    if curvature > 0:
        note += (f"; caution: for {data.countries[j]} the fitted tariffs are a stationary point but not a "
                 f"local maximum (Hessian eigenvalue {curvature:+.1e}): weights of near-prohibitive sectors "
                 "are weakly identified, as in Ossa's own Japan fit")
    return lam, {"source": note, "provenance": res.as_dict(data.countries), "fit": {
        "country": data.countries[j], "shift_pct": 100 * fit.shift, "foc_residual": fit.foc_residual,
        "converged": fit.converged, "iterations": fit.iterations, "curvature": curvature,
        "all_converged": pw.converged,
        "zero_weight_sectors": [data.sectors[k] for k in np.flatnonzero(fit.zero_weight)],
        "weights": dict(zip(data.sectors, map(float, lam[j]), strict=True)), "seconds": pw.seconds}}


def ossa_baseline_balanced(data: TradeData) -> Any:
    """The deficit-purged Ossa baseline (where his weights are calibrated)."""
    from tradetalks.model import ossa

    return ossa.baseline_from_data(data, "balanced")
