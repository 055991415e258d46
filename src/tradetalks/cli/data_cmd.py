"""``tradetalks data ...`` and ``tradetalks demo``: list, show, validate and aggregate datasets.

Thin adapters: parse the arguments, call one library function, render a rich table or JSON.
Units and orientation: trade values at pre-tariff prices in US$ millions unless a dataset's ``units``
says otherwise, ``trade[exporter, importer, sector]`` with domestic sales on the diagonal; tariffs are
imposed by the importer on the exporter's goods and are printed in percent.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from tradetalks.cli.common import console, emit_json, guard
from tradetalks.data import DATASETS, TradeData, available, load
from tradetalks.data.elasticities import label as elasticity_label
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.data.registry import DEFAULT_DATASET, reference_dir
from tradetalks.errors import FileFormatError, OptionError

ORIENTATION = (
    "Orientation: trade[exporter, importer, sector] at pre-tariff prices, US$ millions unless the "
    "dataset's units say otherwise; the diagonal (exporter = importer) is domestic sales. Tariffs are "
    "imposed by the importer on the exporter's goods, shown in percent."
)

app = typer.Typer(
    help="Trade datasets: list, show, validate and aggregate.\n\n" + ORIENTATION,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON document instead of tables.")]


def _options(year: int | None, option: list[str] | None) -> dict[str, Any]:
    """Reader options from ``--year`` and repeated ``--option key=value``."""
    out: dict[str, Any] = {}
    if year is not None:
        out["year"] = year
    for item in option or []:
        if "=" not in item:
            raise OptionError("--option", "key=value", item)
        key, value = item.split("=", 1)
        out[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else value.strip()
    return out


def _summary(td: TradeData) -> dict[str, Any]:
    """Totals of a dataset (US$ millions unless its units say otherwise)."""
    x = td.trade
    n = td.n_countries
    offdiag = x * (1.0 - np.eye(n))[:, :, None]
    imports = offdiag.sum(axis=(0, 2))
    exports = offdiag.sum(axis=(1, 2))
    revenue = td.tariff_revenue()
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_tariff = np.where(imports > 0, revenue / np.where(imports > 0, imports, 1.0), 0.0)
    return {
        "name": td.name,
        "countries": td.countries,
        "sectors": td.sectors,
        "dims": f"{td.n_countries}x{td.n_sectors}",
        "variables": sorted(map(str, td.ds.data_vars)),
        "year": td.attrs.get("year"),
        "units": td.attrs.get("units"),
        "source": td.attrs.get("source"),
        "citation": td.attrs.get("citation"),
        "licence": td.attrs.get("licence"),
        "caveats": [c.lstrip("- ") for c in str(td.attrs.get("caveats", "")).splitlines() if c],
        "elasticities": (
            {"set": elasticity_label(td), "sigma": [float(v) for v in td.param("sigma")]}
            if td.has("sigma") else None
        ),
        "total_flows": float(x.sum()),
        "international_trade": float(offdiag.sum()),
        "domestic_sales": float(x.sum() - offdiag.sum()),
        "by_country": {
            c: {
                "exports": float(exports[k]),
                "imports": float(imports[k]),
                "domestic_sales": float(x[k, k].sum()),
                "avg_tariff_on_imports_pct": float(100 * avg_tariff[k]),
            }
            for k, c in enumerate(td.countries)
        },
    }


@app.command("list")
@guard
def list_cmd(json: JsonOpt = False) -> None:
    """List the registered datasets: name, availability, dims (countries x sectors), year, summary.

    Reference datasets are read from $TRADETALKS_DATA_DIR (default ../shared/data/raw); the bundled
    datasets world2014 and world2022 are always available.
    """
    rows = [
        {
            "name": d.name,
            "available": available(d.name),
            "dims": d.dims,
            "year": d.year,
            "summary": d.summary,
            "folder": d.folder,
        }
        for d in DATASETS.values()
    ]
    if json:
        emit_json({"reference_dir": str(reference_dir()), "datasets": rows})
        return
    table = Table(title=f"Datasets (reference folder: {reference_dir()})")
    for col in ("name", "available", "dims", "year", "summary"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["name"]), "yes" if r["available"] else "no", str(r["dims"]), str(r["year"]),
            str(r["summary"]),
        )
    console.print(table)
    console.print("dims = countries x sectors. " + ORIENTATION)


@app.command("show")
@guard
def show(
    name: Annotated[str, typer.Argument(help="Registered name (see `data list`) or a .nc file.")],
    year: Annotated[int | None, typer.Option(help="Year, for panel datasets.")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Reader option key=value (e.g. tariffs=2005, flows=raw)."),
    ] = None,
    elasticities: Annotated[
        str | None,
        typer.Option(
            "--elasticities",
            help="Elasticity set IS|U4|CP|BSY|GYY|Shap|FGO|LL (icio*, wiod16-*, world2022) or a CSV file "
            "with columns sector and epsilon (or sigma).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Show a dataset: countries, sectors, totals, units, source, elasticities and caveats.

    Totals are at pre-tariff prices in the dataset's units (US$ millions unless stated): exports and
    imports exclude domestic sales; the average tariff is the import-weighted tariff the country
    imposes, in percent.
    """
    td = load_with_elasticities(name, elasticities, **_options(year, option))
    s = _summary(td)
    if json:
        emit_json(s)
        return
    console.print(f"[bold]{s['name']}[/]  {s['dims']} (countries x sectors), year {s['year']}")
    console.print(f"units: {s['units']}")
    console.print(f"source: {s['source']}")
    console.print(f"countries: {' '.join(s['countries'])}")
    console.print(f"sectors: {' '.join(s['sectors'])}")
    console.print(f"variables: {', '.join(s['variables'])}")
    if s["elasticities"] is not None:
        console.print(f"elasticities: {s['elasticities']['set']}")
        for k, sec in enumerate(s["sectors"]):
            console.print(f"  {sec}: sigma {s['elasticities']['sigma'][k]:.3f}")
    console.print(
        f"total flows {s['total_flows']:,.0f}; international {s['international_trade']:,.0f}; "
        f"domestic {s['domestic_sales']:,.0f}"
    )
    table = Table(title="By country (pre-tariff values; tariff imposed by the country, %)")
    for col in ("country", "exports", "imports", "domestic sales", "avg tariff %"):
        table.add_column(col, justify="right" if col != "country" else "left")
    for c, v in s["by_country"].items():
        table.add_row(
            c, f"{v['exports']:,.0f}", f"{v['imports']:,.0f}", f"{v['domestic_sales']:,.0f}",
            f"{v['avg_tariff_on_imports_pct']:.2f}",
        )
    console.print(table)
    if s["caveats"]:
        console.print("[bold]caveats[/]")
        for c in s["caveats"]:
            console.print(f"  - {c}")


@app.command("validate")
@guard
def validate(
    path: Annotated[Path, typer.Argument(help="A .nc file written by TradeData.save.")],
    json: JsonOpt = False,
) -> None:
    """Load a saved dataset and check every validation rule; exit code 2 with the named error."""
    if not path.exists():
        raise FileNotFoundError(f"no file at '{path}'")
    td = TradeData.load(path)
    if json:
        emit_json({"path": str(path), "ok": True, "name": td.name, "dims": f"{td.n_countries}x{td.n_sectors}"})
        return
    console.print(f"OK: {path} ({td.name}, {td.n_countries} countries x {td.n_sectors} sectors)")


def _read_mapping(path: Path, labels: list[str], what: str) -> dict[str, str]:
    """A TOML map: ``region = ["A", "B"]`` lines or ``A = "region"`` lines."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"'{path}': expected a TOML file; {exc}") from exc
    mapping: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            for member in value:
                mapping[str(member)] = str(key)
        elif isinstance(value, str):
            mapping[str(key)] = value
        else:
            raise FileFormatError(
                f"'{path}': expected 'group = [\"{what}\", ...]' or '{what} = \"group\"'; "
                f"found {key} = {value!r}"
            )
    unknown = sorted(set(mapping) - set(labels))
    if unknown:
        raise FileFormatError(f"'{path}': unknown {what} labels {unknown}; expected some of {labels}")
    return mapping


@app.command("aggregate")
@guard
def aggregate(
    name: Annotated[str, typer.Argument(help="Registered name or a .nc file.")],
    out: Annotated[Path, typer.Option("--out", help="Output .nc file.")],
    countries: Annotated[
        Path | None,
        typer.Option(help='TOML map of countries to regions: EU = ["DEU", "FRA"] or DEU = "EU".'),
    ] = None,
    sectors: Annotated[
        Path | None, typer.Option(help='TOML map of sectors to groups: goods = ["food", "auto"].')
    ] = None,
    year: Annotated[int | None, typer.Option(help="Year, for panel datasets.")] = None,
    json: JsonOpt = False,
) -> None:
    """Aggregate countries into regions and/or sectors into groups, and save to a .nc file.

    Flows are summed (flows within a region become its domestic sales); tariffs are trade-weighted
    means; totals are conserved (checked). Countries/sectors absent from the map keep their label.
    """
    if countries is None and sectors is None:
        raise OptionError("aggregate", "--countries and/or --sectors", None)
    td = load(name, **_options(year, None))
    before = float(td.trade.sum())
    if countries is not None:
        td = td.aggregate_countries(_read_mapping(countries, td.countries, "country"))
    if sectors is not None:
        td = td.aggregate_sectors(_read_mapping(sectors, td.sectors, "sector"))
    written = td.save(out)
    info = {
        "out": str(written),
        "dims": f"{td.n_countries}x{td.n_sectors}",
        "countries": td.countries,
        "sectors": td.sectors,
        "total_before": before,
        "total_after": float(td.trade.sum()),
    }
    if json:
        emit_json(info)
        return
    console.print(
        f"wrote {written}: {info['dims']} (countries x sectors); total flows "
        f"{before:,.0f} -> {info['total_after']:,.0f}"
    )


def demo_summary(td: TradeData, a: str = "USA", b: str = "JPN") -> dict[str, Any]:
    """Bilateral flows by sector (US$ bn) between ``a`` and ``b`` and each side's tariffs (%)."""
    i, j = td.index(a), td.index(b)
    rows = []
    for k, s in enumerate(td.sectors):
        rows.append(
            {
                "sector": s,
                f"{b}_to_{a}_bn": float(td.trade[j, i, k] / 1000),
                f"{a}_to_{b}_bn": float(td.trade[i, j, k] / 1000),
                f"tariff_{a}_on_{b}_pct": float(100 * td.tariff[j, i, k]),
                f"tariff_{b}_on_{a}_pct": float(100 * td.tariff[i, j, k]),
            }
        )
    x_ba, x_ab = td.trade[j, i], td.trade[i, j]
    return {
        "dataset": td.name,
        "year": td.attrs.get("year"),
        "units": "flows US$ bn at pre-tariff prices; tariffs % (imposed by the importer), "
        "totals' tariffs trade-weighted",
        "countries": td.countries,
        "sectors": td.sectors,
        "pair": [a, b],
        "by_sector": rows,
        "total": {
            f"{b}_to_{a}_bn": float(x_ba.sum() / 1000),
            f"{a}_to_{b}_bn": float(x_ab.sum() / 1000),
            f"tariff_{a}_on_{b}_pct": float(100 * (td.tariff[j, i] * x_ba).sum() / x_ba.sum()),
            f"tariff_{b}_on_{a}_pct": float(100 * (td.tariff[i, j] * x_ab).sum() / x_ab.sum()),
        },
    }


@app.command("summary")
@guard
def demo(
    dataset: Annotated[
        str, typer.Option("--dataset", help="Registered name or .nc file (default: the bundled default).")
    ] = DEFAULT_DATASET,
    json: JsonOpt = False,
) -> None:
    """Summary of a dataset (default: the bundled default): US-Japan flows by sector and tariffs.

    Flows in US$ bn at pre-tariff prices of the data year; tariffs in percent, imposed by the importer
    (applied rates of the data, before the 2025 US measures).
    """
    td = load(dataset)
    d = demo_summary(td)
    if json:
        emit_json(d)
        return
    default = " (bundled default)" if dataset == DEFAULT_DATASET else ""
    console.print(f"[bold]{td.name}[/]{default}; {td.attrs.get('source', '')}")
    console.print(f"economies ({td.n_countries}): {' '.join(td.countries)}")
    console.print(f"sectors ({td.n_sectors}): {' '.join(td.sectors)}")
    if td.has("sigma"):
        console.print(f"elasticities: {elasticity_label(td)}")
    year = td.attrs.get("year", "")
    table = Table(
        title=f"US-Japan, {year}: flows (US$ bn, pre-tariff) and applied tariffs (%, by importer)"
    )
    table.add_column("sector", no_wrap=True)
    for col in ("JPN->USA $bn", "USA->JPN $bn", "US tariff on JPN %", "JPN tariff on US %"):
        table.add_column(col, justify="right")
    for r in d["by_sector"]:
        table.add_row(
            r["sector"], f"{r['JPN_to_USA_bn']:.1f}", f"{r['USA_to_JPN_bn']:.1f}",
            f"{r['tariff_USA_on_JPN_pct']:.2f}", f"{r['tariff_JPN_on_USA_pct']:.2f}",
        )
    t = d["total"]
    table.add_row(
        "[bold]total[/]", f"{t['JPN_to_USA_bn']:.1f}", f"{t['USA_to_JPN_bn']:.1f}",
        f"{t['tariff_USA_on_JPN_pct']:.2f}", f"{t['tariff_JPN_on_USA_pct']:.2f}",
    )
    console.print(table)
    console.print(
        f"Totals' tariffs are trade-weighted. Citation: {td.attrs.get('citation', 'see PROVENANCE.md')}; "
        f"see `tradetalks data show {td.name}`."
    )
