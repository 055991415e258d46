"""``tradetalks timeline``, ``tradetalks scenarios`` and ``tradetalks tariffs``: the policy layer.

Thin adapters over :mod:`tradetalks.policy`. Tariffs are imposed by the importer on the exporter's goods
and printed in percent; trade values are US$ millions (dataset) or US$ bn (facts), as labelled.
"""

from __future__ import annotations

import warnings
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from tradetalks.cli.common import console, emit_json, guard
from tradetalks.data import load
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.errors import LabelError, LaterChangesUnknownWarning, OptionError
from tradetalks.policy.mapping import default_mapping
from tradetalks.policy.measures import default_measures
from tradetalks.policy.scenarios import BUILTIN, list_scenarios, resolve
from tradetalks.policy.spec import DATE_MAX, DATE_MIN, describe_schema
from tradetalks.policy.tariffs import tariffs_on
from tradetalks.policy.timeline import EVENT_KINDS, timeline
from tradetalks.policy.wall import Wall, default_wall, japan_schedule, later_changes_warning, us_wall

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON document instead of tables.")]


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise OptionError("--on", "a date YYYY-MM-DD", text[:40]) from None
    if not DATE_MIN <= day <= DATE_MAX:  # issue 15: dates far outside the facts are refused
        raise OptionError("--on", f"a date between {DATE_MIN} and {DATE_MAX}", text)
    return day


@guard
def timeline_cmd(
    kind: Annotated[list[str] | None, typer.Option("--kind", help=f"Only these kinds: {', '.join(EVENT_KINDS)}.")] = None,
    sources: Annotated[bool, typer.Option("--sources", help="Show each event's source.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The 2025-26 Japan-US negotiation: rounds, US measures, the deal, the court ruling (with sources)."""
    evs = timeline(tuple(kind) if kind else None)
    if as_json:
        emit_json([
            {"date": e.date.isoformat(), "kind": e.kind, "title": e.title, "place": e.place,
             "counterparts": e.counterparts, "source_title": e.source.title,
             "source_address": e.source.address, "note": e.source.note}
            for e in evs
        ])
        return
    tab = Table(title="Japan-US tariff talks 2025-26 (Japan side / US side)")
    for col in ("date", "kind", "event", "place", "counterparts"):
        tab.add_column(col, overflow="fold")
    if sources:
        tab.add_column("source", overflow="fold")
    for e in evs:
        row = [e.date.isoformat(), e.kind, e.title, e.place, e.counterparts]
        if sources:
            row.append(f"{e.source.title} <{e.source.address}>")
        tab.add_row(*row)
    console.print(tab)
    kt = default_wall().known_through
    console.print(f"[dim]- last sourced fact: {kt.isoformat()}; later events are unknown to the facts files "
                  "(dated entries after it are statutory or scheduled, as their notes say).[/]")


@guard
def scenarios_cmd(
    show: Annotated[str | None, typer.Option("--show", help="Print one scenario in full (name or .toml file).")] = None,
    schema: Annotated[bool, typer.Option("--schema", help="Print the scenario-file layout and defaults.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The built-in Japan-US scenarios, one line each (or one in full with --show)."""
    if schema:
        typer.echo(describe_schema())
        return
    if show is not None:
        spec = resolve(show)
        if as_json:
            emit_json(spec.as_dict())
            return
        console.print(f"[bold]{spec.name}[/]  ({spec.date.isoformat()})  {spec.title}")
        console.print(spec.description)
        if spec.baseline:
            console.print(f"compared with: {spec.baseline}")
        if spec.measures.on or spec.measures.off:
            console.print(f"measures on: {list(spec.measures.on)}  off: {list(spec.measures.off)}")
        console.print("options:")
        from tradetalks.policy.package import Package

        for line in Package.from_spec(spec).options.describe():
            console.print(f"  {line}")
        for pc in spec.purchase_commitment:
            console.print(f"purchase commitment {pc.name}: {pc.importer} buys {pc.usd_bn_per_year:g} US$bn/yr "
                          f"({pc.kind}) of {pc.sector} from {pc.exporter} [{pc.source_title}]")
        for ip in spec.investment_pledge:
            console.print(f"investment pledge {ip.name}: {ip.investor} -> {ip.host} {ip.usd_bn:g} US$bn over "
                          f"{ip.horizon_years:g} yr, host profit share {ip.profit_share_host:g}, mode {ip.mode} "
                          f"[{ip.source_title}]")
        for u in spec.unmodelled:
            console.print(f"not modelled: {u.description} ({u.value}): {u.reason}")
        return
    specs = list_scenarios()
    if as_json:
        emit_json([{"name": s.name, "date": s.date.isoformat(), "title": s.title} for s in specs])
        return
    for s in specs:
        typer.echo(f"{s.name:<22} {s.date.isoformat()}  {s.title}")


@guard
def tariffs_cmd(
    on: Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: the scenario's date, else today).")] = None,
    exporter: Annotated[str, typer.Option("--exporter", help="Exporter (ISO3).")] = "JPN",
    importer: Annotated[str, typer.Option("--importer", help="Importer (ISO3); the measures are US measures.")] = "USA",
    scenario: Annotated[str | None, typer.Option("--scenario", help=f"Built-in ({', '.join(BUILTIN)}) or .toml file.")] = None,
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset for the sector rates.")] = DEFAULT_DATASET,
    mapping: Annotated[bool, typer.Option("--mapping", help="Show the product -> sector weights and their sources.")] = False,
    measures: Annotated[bool, typer.Option("--measures", help="List every measure of the facts with its source.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Tariff in force on a date by product group and by model sector, with the measures behind it."""
    data = load(dataset)
    _check_pair(data, exporter, importer)
    if measures:
        _show_measures(as_json)
        return
    if mapping:
        _show_mapping(data, as_json)
        return
    switch_on: tuple[str, ...] = ()
    switch_off: tuple[str, ...] = ()
    third = "all_origins"
    if scenario is not None:
        spec = resolve(scenario)
        day = _date(on) if on else spec.date
        switch_on, switch_off, third = spec.measures.on, spec.measures.off, spec.options.third_countries
    else:
        day = _date(on) if on else date.today()
    tf = tariffs_on(day, data, exporter=exporter, importer=importer, switch_on=switch_on,
                    switch_off=switch_off, third_countries=third)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LaterChangesUnknownWarning)
        late = later_changes_warning(day)
        wall = us_wall(day) if importer == "USA" and scenario is None else None  # weights always bundled
    if as_json:
        emit_json(_tariffs_payload(tf, scenario, late, wall, importer))
        return
    if late is not None:
        console.print(f"[bold yellow]warning (LaterChangesUnknownWarning):[/] {late}")
    if importer == "JPN":
        _print_japan_schedule()
    title = f"{importer} tariffs on goods from {exporter} in force on {day.isoformat()}"
    if scenario:
        title += f" (scenario {scenario})"
    if importer != "USA":
        _print_sectors_of_importer(tf, data.name, importer)
        return
    _print_us_tariffs(tf, data.name, title)
    if wall is not None:
        _print_wall(wall)


def _check_pair(data: Any, exporter: str, importer: str) -> None:
    """Both countries in the dataset and different (issue 15: no made-up answers)."""
    for flag, code in (("--exporter", exporter), ("--importer", importer)):
        if code not in data.countries:
            raise LabelError(flag, f"one of the countries of {data.name} {data.countries}", repr(code[:40]))
    if exporter == importer:
        raise LabelError("--exporter", "a country different from --importer", f"{exporter} on both sides")


def _show_measures(as_json: bool) -> None:
    """Every US measure of the facts with its source (``tariffs --measures``)."""
    ms = default_measures()
    if as_json:
        emit_json([{**m.__dict__, "start": m.start.isoformat(), "end": m.end.isoformat() if m.end else None,
                    "source": m.source.__dict__} for m in ms.measures])
        return
    tab = Table(title="US tariff measures (facts)")
    for col in ("id", "authority", "kind", "rate %", "groups", "partner", "in force", "status", "source"):
        tab.add_column(col, overflow="fold")
    for m in ms.measures:
        tab.add_row(m.id, m.authority, m.kind, f"{m.rate_pct:g}", ",".join(m.groups), m.partner,
                    f"{m.start} .. {m.end or ''}", m.status, f"{m.source.title} <{m.source.address}>")
    console.print(tab)


def _show_mapping(data: Any, as_json: bool) -> None:
    """The product group -> sector weights and their sourced figures (``tariffs --mapping``)."""
    mp = default_mapping(data)
    rows = mp.table()
    if as_json:
        emit_json({"dataset": data.name, "weights": rows,
                   "figures": [{**f.__dict__, "source": f.source.__dict__} for f in mp.figures]})
        return
    tab = Table(title=f"Product group -> sector weights, US imports from Japan ({data.name})")
    for col in ("sector", "group", "weight", "group US$bn", "sector US$bn", "sector basis", "derivation"):
        tab.add_column(col, overflow="fold")
    for row in rows:
        tab.add_row(row["sector"], row["group"], f"{row['weight']:.4f}", _bn(row["group_value_usd_bn"]),
                    _bn(row["sector_value_usd_bn"]), row["sector_basis"], row["derivation"])
    console.print(tab)
    for f in mp.figures:
        console.print(f"  {f.id} = {f.value:g} {f.unit}: {f.label} [{f.source.title} <{f.source.address}>]")


def _tariffs_payload(tf: Any, scenario: str | None, late: str | None, wall: Wall | None,
                     importer: str) -> dict[str, Any]:
    """The ``tariffs --json`` document."""
    payload: dict[str, Any] = tf.as_dict()
    if scenario is not None:
        payload["scenario"] = scenario
    payload["warnings"] = [] if late is None else [late]
    if wall is not None:
        payload["wall"] = wall.as_dict()
    if importer == "JPN":
        payload["japan_schedule"] = [_jp_row(t) for t in japan_schedule()]
    if importer != "USA":
        payload["groups"] = {}
        payload["notes"] = [f"the product groups are US measures; {importer}'s rates are the dataset's "
                            "applied rates by sector (and the sourced product tariffs in japan_schedule)"]
    return payload


def _print_us_tariffs(tf: Any, dataset: str, title: str) -> None:
    """US tariffs by product group (with the measures and exemptions) and by model sector, and the notes."""
    tab = Table(title=title + ", by product group (%)")
    for col in ("group", "HS", "MFN", "total", "formula", "measures", "exempted"):
        tab.add_column(col, overflow="fold")
    ms = default_measures()
    for gid, r in tf.groups.items():
        g = ms.group(gid)
        tab.add_row(
            gid, ",".join(g.hs), "varies" if r.mfn_pct is None else f"{r.mfn_pct:g}",
            "MFN-dependent" if r.mfn_pct is None else f"{r.total_pct():.2f}", r.formula(),
            ", ".join(c.measure_id for c in r.components) or "-",
            "; ".join(r.exempted) or "-",
        )
    console.print(tab)
    st = Table(title=f"by model sector of {dataset} (%): dataset rate + mapped additional duties")
    for col in ("sector", "dataset rate", "additional", "total", "groups (weight: +points)"):
        st.add_column(col, overflow="fold")
    for s in tf.sectors:
        st.add_row(s.sector, f"{s.base_pct:.2f}", f"{s.additional_pct:.2f}", f"{s.total_pct:.2f}",
                   ", ".join(f"{g} {w:.3f}: +{a:.2f}" for g, w, a in s.contributions))
    console.print(st)
    for n in tf.notes:
        console.print(f"[dim]- {n}[/]")


def _print_sectors_of_importer(tf: Any, dataset: str, importer: str) -> None:
    """Sector rates of a non-US importer: the dataset's applied rates (the US measures do not apply), with
    the sourced product tariffs of Japan's schedule beside their sectors."""
    facts: dict[str, list[str]] = {}
    if importer == "JPN":
        for t in japan_schedule():
            rate = (f"{t.rate_pct:g} %" if t.rate_pct is not None
                    else f"{t.range_pct[0]:g}->{t.range_pct[1]:g} %" if t.range_pct else t.specific)
            facts.setdefault(t.sector, []).append(f"{t.id} {rate}")
    st = Table(title=f"{importer} tariffs on {tf.exporter} by model sector of {dataset} (%): the dataset's "
                     "applied, trade-weighted rates")
    for col in ("sector", "dataset rate", "products in the facts"):
        st.add_column(col, overflow="fold")
    for s in tf.sectors:
        st.add_row(s.sector, f"{s.base_pct:.2f}", "; ".join(facts.get(s.sector, [])))
    console.print(st)
    console.print("[dim]- trade-weighted rates hide prohibitive tariffs (rice: 341 JPY/kg out of quota, no "
                  "trade outside the 770,000 t quota), so the product tariffs are shown beside the sectors[/]")


def _print_wall(w: Wall, top: int = 25) -> None:
    named = {"JPN", "CHN", "CAN", "MEX", "EU", "KOR", "GBR", "IND", "TWN", "VNM", "CHE"}
    tab = Table(title=f"US tariff wall on {w.on.isoformat()}, trade-weighted at 2024 US imports (%)")
    for col in ("partner", "imports 2024 US$bn", "effective", "statutory", "collected 2024"):
        tab.add_column(col, justify="right" if col != "partner" else "left")
    rows = [r for i, r in enumerate(w.partners) if i < top or r.partner in named]
    for r in rows:
        tab.add_row(f"{r.partner} ({r.name.title()})" if r.partner != r.name else r.name.title(),
                    f"{r.imports_usd_bn:.1f}", f"{r.effective_pct:.2f}", f"{r.statutory_pct:.2f}",
                    f"{r.collected_2024_pct:.2f}")
    tab.add_row("ALL partners", f"{sum(r.imports_usd_bn for r in w.partners):.1f}",
                f"{w.overall_effective_pct:.2f}", f"{w.overall_statutory_pct:.2f}",
                f"{w.overall_collected_2024_pct:.2f}")
    console.print(tab)
    for n in w.notes:
        console.print(f"[dim]- {n}[/]")
    console.print("[dim]- assumptions: " + "; ".join(w.assumptions) + "[/]")


def _jp_row(t: Any) -> dict[str, Any]:
    return {"id": t.id, "label": t.label, "sector": t.sector, "rate_pct": t.rate_pct,
            "range_pct": list(t.range_pct) if t.range_pct else None, "specific": t.specific, "note": t.note,
            "source_title": t.source.title, "source_address": t.source.address}


def _print_japan_schedule() -> None:
    tab = Table(title="Japan's tariffs on US goods (facts; percent or specific duty)")
    for col in ("product", "sector", "rate", "note", "source"):
        tab.add_column(col, overflow="fold")
    for t in japan_schedule():
        rate = (f"{t.rate_pct:g} %" if t.rate_pct is not None
                else f"{t.range_pct[0]:g} -> {t.range_pct[1]:g} %" if t.range_pct else t.specific or "unknown")
        tab.add_row(t.label, t.sector, rate, t.note, t.source.title)
    console.print(tab)


def _bn(v: float) -> str:
    return "" if v != v else f"{v:.2f}"


def register(app: typer.Typer) -> None:
    """Add the policy commands to the top-level app."""
    app.command("timeline")(timeline_cmd)
    app.command("scenarios")(scenarios_cmd)
    app.command("tariffs")(tariffs_cmd)
