"""CLI adapters for global tariff wars and the 2025 US scenarios: ``tradetalks global ...``.

Thin: parse → one library call (:mod:`tradetalks.model.lashkaripour`, :mod:`tradetalks.model.onesector`,
:mod:`tradetalks.policy.us_scenarios`) → render. Rates and changes are in percent; the models and their
closures are named in every table title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradetalks.cli.common import check_converged, console, emit_json, guard
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.errors import OptionError
from tradetalks.model.common import SolverOptions
from tradetalks.vocabulary import DEFAULT_DATASET

app = typer.Typer(
    help=(
        "Global tariff wars and US tariff scenarios: the multi-sector model of Lashkaripour (2021) on "
        "WIOD 44x16 / ICIO 81x28 and the one-sector model with employment of Ignatenko, Lashkaripour, "
        "Macedoni and Simonovska (2025) on 194 economies. Changes in percent."
    ),
    no_args_is_help=True,
)

ELAST_HELP = "Elasticity set IS|U4|CP|BSY|GYY|Shap|FGO|LL or a CSV file (datasets that store the sets)."
FLOWS_HELP = (
    "How to read the flows: 'data' (pre-tariff values, the project's convention) or 'gross' (spending "
    "gross of tariffs, as the tariffwar package reads its cubes)."
)


SHORT = {
    "welfare_pct": "welfare %",
    "deficit_pct": "deficit %",
    "exports_gdp_pct": "exp/GDP %",
    "imports_gdp_pct": "imp/GDP %",
    "employment_pct": "empl. %",
    "prices_pct": "prices %",
    "revenue_share": "rev/E",
    "revenue_gdp_pct": "rev/GDP %",
}
"""Column labels of the one-sector outputs (MODEL.md §4.1)."""
WAR_COLS = {
    "tariff_pct": "tariff %",
    "welfare_pct": "welfare %",
    "wage_pct": "wage %",
    "income_pct": "income %",
}


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _frame_table(df: pd.DataFrame, title: str, fmt: dict[str, str]) -> Table:
    tab = Table(title=title, title_justify="left")
    tab.add_column(str(df.index.name or ""))
    for c in df.columns:
        tab.add_column(c, justify="right")
    for idx, row in df.iterrows():
        tab.add_row(
            str(idx), *[format(row[c], fmt.get(c, "+.3f")) if pd.notna(row[c]) else "-" for c in df.columns]
        )
    return tab


@app.command("war")
@guard
def war_cmd(
    dataset: Annotated[str, typer.Argument(help="Dataset, e.g. wiod16-2014 or icio2022.")] = DEFAULT_DATASET,
    elasticities: Annotated[str | None, typer.Option(help=ELAST_HELP)] = None,
    flows: Annotated[str, typer.Option(help=FLOWS_HELP)] = "data",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Global Nash tariff war (Lashkaripour 2021): every country's uniform tariff t = 1/Σ_k ε_k ω_k,
    solved jointly with the equilibrium from the balanced-trade baseline. Prints each country's Nash
    tariff and welfare change (%), and the averages."""
    from tradetalks.model import lashkaripour_data as lkd

    data = load_with_elasticities(dataset, elasticities)
    with console.status(f"Nash tariff war on {dataset} ({data.n_countries} x {data.n_sectors}) ..."):
        war = lkd.war_from_data(data, flows=flows)
    summ = war.summary()
    if as_json:
        emit_json(
            {
                "dataset": dataset,
                "elasticities": war.elasticities,
                "flows": flows,
                **war.info.as_dict(),
                "summary": summ,
                "countries": war.frame.to_dict(orient="index"),
            }
        )
    else:
        console.print(
            _frame_table(
                war.frame.rename(columns=WAR_COLS),
                f"Global Nash tariff war, Lashkaripour (2021) model, {dataset}, "
                f"elasticities {war.elasticities}, balanced baseline, flows '{flows}'",
                {"tariff %": ".1f"},
            )
        )
        console.print(
            f"mean welfare {summ['welfare_mean_pct']:+.3f} % (income-weighted {summ['welfare_income_weighted_pct']:+.3f} %), "
            f"mean Nash tariff {summ['tariff_mean_pct']:.1f} %; converged={war.info.converged} "
            f"iterations={war.info.iterations} residual={war.info.residual:.1e} time={war.info.seconds:.2f} s"
        )
    check_converged(war.info.converged, "Nash tariff war", False, war.frame.to_numpy())


@app.command("optimal")
@guard
def optimal_cmd(
    country: Annotated[str, typer.Argument(help="The country setting its uniform tariff (e.g. USA).")],
    dataset: Annotated[str, typer.Option(help="Dataset name.")] = DEFAULT_DATASET,
    elasticities: Annotated[str | None, typer.Option(help=ELAST_HELP)] = None,
    flows: Annotated[str, typer.Option(help=FLOWS_HELP)] = "data",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Unilaterally optimal uniform tariff of one country (Lashkaripour 2021, eq. 14), others' tariffs at
    their factual levels. The table's tariff column is the chooser's rate and the others' trade-weighted
    factual rates."""
    from tradetalks.model import lashkaripour_data as lkd

    data = load_with_elasticities(dataset, elasticities)
    res = lkd.optimal_from_data(data, country, flows=flows)
    i = data.index(country)
    if as_json:
        emit_json(
            {
                "dataset": dataset,
                "country": country,
                "tariff": float(res.tariffs[i]),
                "elasticities": res.elasticities,
                **res.info.as_dict(),
                "countries": res.frame.to_dict(orient="index"),
            }
        )
    else:
        console.print(
            _frame_table(
                res.frame.rename(columns=WAR_COLS),
                f"Optimal uniform tariff of {country}: {100 * res.tariffs[i]:.2f} % "
                f"(Lashkaripour 2021 model, {dataset}, elasticities {res.elasticities})",
                {"tariff %": ".1f"},
            )
        )
    check_converged(res.info.converged, "optimal tariff", False, res.frame.to_numpy())


@app.command("us")
@guard
def us_cmd(
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Dataset(s); repeatable.")
    ] = None,
    elasticities: Annotated[
        list[str] | None, typer.Option("--elasticities", "-e", help=ELAST_HELP + " Repeatable.")
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            "-s",
            help="schedule2025 | uniform:RATE | targeted:ISO3:RATE | optimal (RATE a "
            "fraction). Repeatable. Default: all four with uniform:0.1 and targeted:CHN:0.54.",
        ),
    ] = None,
    retaliation: Annotated[
        list[str] | None,
        typer.Option("--retaliation", "-r", help="none | reciprocal | optimal. Repeatable; default all."),
    ] = None,
    model: Annotated[
        str, typer.Option(help="lashkaripour (multi-sector) or onesector (employment model).")
    ] = "lashkaripour",
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="Add scenario rates to the factual US tariffs instead of "
            "replacing them (the default, as the peer packages do).",
        ),
    ] = False,
    flows: Annotated[str, typer.Option(help=FLOWS_HELP)] = "data",
    out: Annotated[Path | None, typer.Option(help="Write the full table (.csv or .parquet).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (the full table) instead of tables.")
    ] = False,
) -> None:
    """US tariff scenarios × retaliation on one or more datasets and elasticity sets. One output row per
    country × scenario × elasticity set × dataset, with the solver's convergence status. A scenario rate
    REPLACES the factual US tariff on the partner in every sector unless --add."""
    from tradetalks.policy import us_scenarios as us

    combine = "add" if add else "replace"
    rets = retaliation or list(us.RETALIATIONS)
    specs = scenario or ["schedule2025", "uniform:0.1", "targeted:CHN:0.54", "optimal"]
    scs = [us.parse_scenario(s, r, combine) for s in specs for r in rets]
    names = dataset or [DEFAULT_DATASET]
    sets: list[str | None] = list(elasticities) if elasticities else [None]
    frames = []
    with _progress() as prog:
        task = prog.add_task("US scenarios", total=len(names) * len(sets) * len(scs))
        for name in names:
            for es in sets:
                data = load_with_elasticities(name, es)
                frames.append(
                    us.run_scenarios(
                        [(name, es, data)], scs, model, progress=lambda _msg: prog.advance(task), flows=flows
                    )
                )
    df = pd.concat(frames, ignore_index=True)
    if out is not None:
        us.write_table(df, out)
    if as_json:
        emit_json(df.to_dict(orient="records"))
    else:
        console.print(_us_table(df, model, combine))
        if out is not None:
            console.print(f"wrote {len(df)} rows to {out}")
    check_converged(bool(df["converged"].all()), "US scenarios", False)


def _us_summary_rows(df: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    """One row per dataset x elasticities x scenario x retaliation: US welfare, the others' mean, rates."""
    rows: list[dict[str, Any]] = []
    for key, g in df.groupby(keys, sort=False):
        usa = g[g["country"] == "USA"]
        oth = g[g["country"] != "USA"]
        lab = dict(zip(keys, key, strict=True))
        lab["elasticities"] = str(lab["elasticities"])[:14]
        rows.append(
            {
                **lab,
                "USA welfare %": float(usa["welfare_pct"].iloc[0]) if len(usa) else float("nan"),
                "others mean %": float(oth["welfare_pct"].mean()),
                "US rate %": 100 * float(g["us_rate"].iloc[0])
                if pd.notna(g["us_rate"].iloc[0])
                else float("nan"),
                "retal. rate %": 100 * float(g["retaliation_rate"].iloc[0])
                if pd.notna(g["retaliation_rate"].iloc[0])
                else float("nan"),
                "converged": bool(g["converged"].all()),
            }
        )
    return rows


def _us_table(df: pd.DataFrame, model: str, combine: str) -> Table:
    """The summary table of ``global us`` (a column shared by every row goes into the title)."""
    keys = ["dataset", "elasticities", "scenario", "retaliation"]
    rows = _us_summary_rows(df, keys)
    tab = Table(
        title=f"US tariff scenarios, model {model} (rates {combine} factual US tariffs); "
        "welfare change %, others = unweighted mean",
        title_justify="left",
    )
    single = [k for k in ("dataset", "elasticities") if len({r[k] for r in rows}) == 1]
    if single:
        tab.title = f"{tab.title} — " + ", ".join(f"{k} {rows[0][k]}" for k in single)
    cols = [c for c in rows[0] if c not in single]
    for c in cols:
        tab.add_column(c, justify="left" if c in keys else "right")
    for r in rows:
        tab.add_row(
            *[
                ("-" if v != v else f"{v:+.3f}") if isinstance(v, float) else str(v)
                for v in (r[c] for c in cols)
            ]
        )
    return tab


@app.command("liberation")
@guard
def liberation_cmd(
    case: Annotated[
        list[int] | None,
        typer.Option("--case", "-c", help="Paper case (slot) number; repeatable. Default 1 8 4 6 5 7."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """The one-sector model with employment on 194 economies (Ignatenko, Lashkaripour, Macedoni and
    Simonovska 2025; data liberation_day_2025): the paper's cases — 1 USTR + income-tax relief, 8 lump sum,
    4 optimal US tariff, 6 reciprocal retaliation, 5 optimal retaliation, 7 optimal + optimal retaliation,
    2 passthrough 0.25, 9 elasticity 8, 3 Eaton-Kortum. Rows USA, CHN, EU, non-US (expenditure-weighted)."""
    from tradetalks.data.readers.liberation_day import read_baseline
    from tradetalks.data.registry import dataset_folder
    from tradetalks.model import onesector_cases as os1c

    cases = case or [1, 8, 4, 6, 5, 7]
    for c in cases:
        if c not in os1c.PAPER_CASES:
            raise OptionError("case", tuple(sorted(os1c.PAPER_CASES)), c)
    lb = read_baseline(dataset_folder("liberation2025"))
    results = {}
    with _progress() as prog:
        task = prog.add_task("one-sector cases (194 economies)", total=len(cases))
        for c in cases:
            results[c] = os1c.paper_case(lb, c, SolverOptions())
            prog.advance(task)
    if as_json:
        emit_json(
            {
                str(c): {
                    "case": os1c.PAPER_CASES[c],
                    **r.eq.info.as_dict(),
                    "headline": r.headline().to_dict(orient="index"),
                    "countries": r.frame.to_dict(orient="index"),
                }
                for c, r in results.items()
            }
        )
    else:
        for c, r in results.items():
            h = r.headline().rename(columns=SHORT)
            h.index.name = "economy"
            console.print(
                _frame_table(
                    h,
                    f"Case {c}: {os1c.PAPER_CASES[c]} (changes %, revenue_share = R'/E)",
                    {"rev/E": ".4f"},
                )
            )
    check_converged(all(r.eq.info.converged for r in results.values()), "one-sector cases", False)


def register(root: typer.Typer) -> None:
    """Add ``tradetalks global ...`` to the root app."""
    root.add_typer(app, name="global")


__all__ = ["app", "register"]
