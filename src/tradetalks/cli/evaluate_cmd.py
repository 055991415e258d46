"""``tradetalks evaluate`` and ``tradetalks demo``: what a scenario or deal does, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from tradetalks.cli import sweep_cmd
from tradetalks.cli.common import ElasticitiesOpt, console, emit_json, guard
from tradetalks.data import TradeData, load
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.errors import OptionError
from tradetalks.policy.decompose import breakeven_usd_bn
from tradetalks.policy.evaluate import PackageResult, evaluate
from tradetalks.policy.outcome import Outcome, decomposition_frame, outcome
from tradetalks.policy.report import comparison_frame, sector_chart_html, sector_chart_png, sector_effects
from tradetalks.policy.scenarios import resolve


def _evaluate_many(names: list[str], dataset: str | None, elasticities: str | None = None
                   ) -> dict[str, PackageResult]:
    out: dict[str, PackageResult] = {}
    cache: dict[str, TradeData] = {}
    with console.status("solving the GE model ...", spinner="dots"):
        for name in names:
            spec = resolve(name)
            ds_name = dataset or spec.dataset
            if ds_name not in cache:
                cache[ds_name] = (load(ds_name) if elasticities is None
                                  else load_with_elasticities(ds_name, elasticities))
            out[spec.name] = evaluate(spec, cache[ds_name])
    return out


def _breakeven(outs: dict[str, Outcome], results: dict[str, PackageResult]) -> float | None:
    """Japan's (the investor's) break-even annual transfer of the first package vs the second."""
    keys = list(results)
    first = results[keys[0]]
    if len(keys) != 2 or outs[keys[0]].pledge is None:
        return None
    investor = next(p.investor for p in first.package.pledges if p.valuation != "ignore")
    return breakeven_usd_bn(first, results[keys[1]], investor)


def decomposition_lines(outs: dict[str, Outcome], breakeven: float | None) -> list[str]:
    """Plain-text rendering of the outcome reports' steps, channels, pledge band and horizons."""
    lines: list[str] = []
    for name, o in outs.items():
        lines.append(f"Step decomposition of {name} (EV, US$bn a year at baseline prices: cumulative "
                     "(increment) = % of GDP (increment)):")
        for r in o.steps or ():
            gdp = "" if r.pct_gdp is None else f"  = {r.pct_gdp:+.3f} % of GDP ({r.increment_pct_gdp:+.3f})"
            lines.append(f"  {r.country} {r.step:<28} {r.ev_usd_bn:+9.2f} ({r.increment_usd_bn:+.2f}){gdp}  "
                         f"[{r.note}]")
        if o.channels is not None:
            lines.append(f"Welfare by channel of {name}, % of gross absorption (sum = total; {o.channels.note}):")
            for c in o.parties:
                lines.append("  " + c + ": " + ", ".join(f"{k} {v:+.4f}" for k, v in o.channels.row(c).items()))
        for c in o.commitments:
            if c.cost is not None:
                lines.append(f"  purchase '{c.name}': " + c.cost.line())
        if o.horizons:
            lines.append(f"Two horizons of {name} (EV US$bn a year incl. side items, % of GDP; GE part in % of "
                         f"gross absorption; {o.parties[0]}-{o.parties[1]} balance after, US$bn):")
            for h in o.horizons:
                gdp = "" if h.pct_gdp is None else f" = {h.pct_gdp:+.3f} % of GDP"
                lines.append(f"  {h.horizon:<10} {h.country}: EV {h.ev_usd_bn:+.2f}{gdp}; GE part "
                             f"{h.pct_gross_absorption:+.3f} %, balance {h.balance_after_usd_bn:+.1f} "
                             f"[elasticities: {h.elasticities}; closure {h.closure}]")
    first = next(iter(outs.values()))
    if first.pledge is not None:
        lines.extend(first.pledge.lines())
        if breakeven is not None:
            lines.append(f"  break-even annual transfer (investor indifferent between {' and '.join(outs)}, "
                         f"before the pledge): {breakeven:+.2f} US$bn/yr (central case books "
                         f"{first.pledge.case('central').annual_transfer_usd_bn:.2f})")
    return lines


def _table(
    df: pd.DataFrame, title: str, diff: tuple[str, str] | None = None, names: dict[str, str] | None = None
) -> Table:
    names = names or {}
    tab = Table(title=title, title_justify="left")
    tab.add_column("")
    tab.add_column("unit")
    tab.add_column("before", justify="right")
    cols = [c for c in df.columns if c not in ("unit", "before")]
    for c in cols:
        tab.add_column(names.get(c, c), justify="right")
    if diff:
        tab.add_column(
            f"{names.get(diff[0], diff[0])} - {names.get(diff[1], diff[1])}", justify="right", style="bold"
        )
    for metric, row in df.iterrows():
        pct = str(row["unit"]).startswith("%") or "equivalent variation" in str(metric)
        vals = ["" if pd.isna(row["before"]) else f"{row['before']:,.1f}"]
        vals += [_num(row[c], pct) for c in cols]
        if diff:
            vals.append(_num(row[diff[0]] - row[diff[1]], True))
        tab.add_row(str(metric), str(row["unit"]), *vals)
    return tab


def _num(v: float, signed: bool) -> str:
    if pd.isna(v):
        return "n/a"
    return f"{v:+,.2f}" if signed else f"{v:,.1f}"


def _assumptions(results: dict[str, PackageResult]) -> list[str]:
    seen: list[str] = []
    for pr in results.values():
        for a in pr.assumptions:
            if a not in seen:
                seen.append(a)
    return seen


def _render(
    results: dict[str, PackageResult],
    diff: tuple[str, str] | None,
    title: str,
    full: bool,
    names: dict[str, str] | None = None,
) -> None:
    df = comparison_frame(results)
    console.print(_table(df, title, diff, names))
    first = next(iter(results.values()))
    console.print(
        f"[dim]model: Ossa (2014) on {first.result.dataset} (elasticities: {first.elasticities}); closure '{first.result.closure}' (balances "
        f"{'as in the data' if first.result.closure == 'data' else 'purged to zero first'}); changes vs the "
        f"dataset's baseline; US$bn per year at baseline prices; welfare as % of GDP, as an equivalent "
        f"variation (US$bn a year) and, labelled, as % of gross (tariff-inclusive) absorption; converged="
        f"{all(r.result.converged for r in results.values())}[/]"
    )
    for name, pr in results.items():
        for c in pr.commitments:
            console.print(
                f"[dim]{name}: purchase commitment '{c.name}' ({c.importer} from {c.exporter}, {c.sector}): "
                f"target {c.target / 1e3:,.2f} bn, achieved {c.flow_achieved / 1e3:,.2f} bn"
                f"{'' if c.binding else ' (not binding)'}[/]"
            )
        for p in pr.pledges:
            console.print(f"[dim]{name}: pledge '{p.name}': {p.description}[/]")
    items = _assumptions(results)
    if full:
        console.print("[bold]Assumptions[/]")
        for a in items:
            console.print(f"  - {a}")
    else:
        console.print(f"[dim]{len(items)} modelling assumptions apply; `--assumptions` prints them.[/]")


def _write_files(csv: Path | None, chart: Path | None, df: pd.DataFrame, bands: Any,
                 diff: tuple[str, str] | None, outs: dict[str, Any], results: dict[str, Any]) -> None:
    """``--csv`` (the comparison table, bands and decomposition) and ``--chart`` (sector output effects)."""
    if csv is not None:
        table = df if bands is None else sweep_cmd.band_columns(df, bands, diff)
        pd.concat([table, decomposition_frame(outs)]).to_csv(csv)
    if chart is not None:
        frames = {k: sector_effects(v) for k, v in results.items()}
        (sector_chart_html if chart.suffix == ".html" else sector_chart_png)(frames, str(chart))


def _evaluate_payload(results: dict[str, Any], outs: dict[str, Any], df: pd.DataFrame, be: Any, bands: Any,
                      diff: tuple[str, str] | None) -> dict[str, Any]:
    """The ``evaluate --json`` document: per scenario the side items, headline, outcome report and the
    country table; the units; the bands when asked for."""
    return {
        "breakeven_usd_bn_per_year": be,
        "scenarios": {
            k: {
                **v.as_dict(),
                "headline": df[k].to_dict(),
                "outcome": outs[k].as_dict(),
                "countries": {
                    str(c): row.to_dict() for c, row in v.result.to_frame("country").iterrows()
                },
            }
            for k, v in results.items()
        },
        "units": df["unit"].to_dict(),
        **({} if bands is None else {"uncertainty": bands.summary_dict(diff)}),
    }


@guard
def evaluate_cmd(
    scenario: Annotated[
        str, typer.Argument(help="Built-in scenario name (see `tradetalks scenarios`) or a .toml file.")
    ],
    vs: Annotated[
        str | None, typer.Option("--vs", help="A second scenario to compare with (difference column).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Override the scenario's dataset (default: the scenario's, "
                                      f"else {DEFAULT_DATASET}).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (headline figures, side items, assumptions).")
    ] = False,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Write the comparison table to this CSV file.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write a chart of sector output effects (.html or .png).")
    ] = None,
    assumptions: Annotated[
        bool, typer.Option("--assumptions", help="Print every modelling assumption.")
    ] = False,
    uncertainty: Annotated[  # issue 13: bands (tradetalks.sweep)
        int, typer.Option("--uncertainty", min=0, max=100_000, metavar="N",
                          help="Bands (5-95 %) from N Monte Carlo draws of the elasticities x side-item cases.")
    ] = 0,
    elasticity_sets: Annotated[
        str | None, typer.Option("--elasticity-sets", metavar="A,B",
                                 help="Named elasticity sets the bands also span (default: every set the "
                                      "dataset carries, e.g. the eight of world2022; 'none': none).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws.")] = 0,
    elasticities: ElasticitiesOpt = None,
) -> None:
    """Evaluate a scenario with the GE model: welfare, real wages, trade, the US-Japan balance in US$bn
    before and after, autos, tariff revenue and effective tariff rates, for Japan, the US and third
    countries — with the assumptions that produced them."""
    if chart is not None and chart.suffix not in (".html", ".png"):
        raise OptionError("--chart", (".html", ".png"), chart.suffix or str(chart))
    names = [scenario] + ([vs] if vs else [])
    results = _evaluate_many(names, dataset, elasticities)
    keys = list(results)
    outs = {k: outcome(v) for k, v in results.items()}
    be = _breakeven(outs, results)
    diff = (keys[0], keys[1]) if len(keys) == 2 else None
    df = comparison_frame(results)
    bands = sweep_cmd.bands_for_cli(results, uncertainty, elasticity_sets, seed)
    _write_files(csv, chart, df, bands, diff, outs, results)
    if as_json:
        emit_json(_evaluate_payload(results, outs, df, be, bands, diff))
        return
    _render(results, diff, f"{' vs '.join(keys)}", assumptions)
    if bands is not None:
        sweep_cmd.render_bands(bands, diff)
    for line in decomposition_lines(outs, be):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if csv is not None:
        console.print(f"wrote {csv}")
    if chart is not None:
        console.print(f"wrote {chart}")


DEMO_SCENARIOS = ("jp-us-2024-baseline", "jp-us-no-deal", "jp-us-deal")
DEMO_DRAWS = 200
"""Monte Carlo draws of the demo's bands (with the dataset's published sets and the side items)."""


@guard
def demo() -> None:
    """The main job: the July 2025 Japan-US deal against no deal and against the pre-2025 baseline, on the
    embedded default data (no reference folder needed)."""
    results = _evaluate_many(list(DEMO_SCENARIOS), None)
    console.rule("[bold]The Japan-US tariff deal of July 2025, in a general-equilibrium model[/]")
    first = next(iter(results.values()))
    data = load(first.package.dataset)
    console.print(
        f"Three worlds on {data.name} ({data.attrs.get('year', '?')} trade data, {data.n_countries} economies x "
        f"{data.n_sectors} sectors; {str(data.attrs.get('source', ''))[:90]}): tariffs as before 2025 "
        "('pre-2025'), the escalation threatened without a deal (25 % reciprocal + 27.5 % on cars, "
        "'no deal'), and the deal as implemented on 2025-09-16 (15 % all-in incl. autos, purchases, "
        "the $550bn vehicle valued from its terms, 'deal'); other partners face the US tariff wall."
    )
    _render(
        results,
        ("jp-us-deal", "jp-us-no-deal"),
        f"Deal vs no deal vs the pre-2025 baseline (changes vs {data.name} data; US$bn levels)",
        False,
        {"jp-us-2024-baseline": "pre-2025", "jp-us-no-deal": "no deal", "jp-us-deal": "deal"},
    )
    pair = {k: results[k] for k in ("jp-us-deal", "jp-us-no-deal")}
    sweep_cmd.render_bands(sweep_cmd.bands_for_cli(pair, DEMO_DRAWS, None, 0), ("jp-us-deal", "jp-us-no-deal"),
                           {"jp-us-no-deal": "no deal", "jp-us-deal": "deal"})
    console.print(
        "Read: 'jp-us-deal - jp-us-no-deal' is what the deal changes relative to the escalation; the bands "
        "say how far each figure moves when the elasticities or the side items' values are off. Run "
        "`tradetalks evaluate jp-us-deal --vs jp-us-no-deal --assumptions` for every assumption."
    )
