"""CLI adapters of the bargaining layer: ``tradetalks war``, ``frontier``, ``bargain``, ``negotiate``.

Thin adapters: parse, call the library (:mod:`tradetalks.model.strategic`, :mod:`tradetalks.bargain`),
render rich tables or JSON. Progress bars go to stderr, so ``--json`` output on stdout stays clean.
Tariffs print in percent; welfare and government welfare as % changes relative to the model baseline
(the purged zero-imbalance equilibrium under the default ``balanced`` closure, as in Ossa 2014).
Objectives U are 100 ln Ĝ plus any weighted terms of an objectives file (≈ % of government welfare).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradetalks.bargain import negotiate as neg
from tradetalks.bargain.chart import negotiation_figure, write_html, write_png
from tradetalks.bargain.frontier import trace_frontier
from tradetalks.bargain.objectives import ObjectiveSpec, load_objectives
from tradetalks.bargain.problem import (
    NODEAL_KINDS,
    build_space,
    escalate,
    nodeal_point,
    players_from,
    political_weights_array,
    political_weights_name,
    region_rows,
    to_package,
)
from tradetalks.bargain.solutions import SOLUTIONS, Solution, solve
from tradetalks.bargain.space import NoDealPoint, PackageSpace
from tradetalks.cli.common import console, emit_json, err_console, guard
from tradetalks.data import load
from tradetalks.errors import OptionError
from tradetalks.inputs import (
    MAX_ITERATIONS,
    MAX_POINTS,
    MAX_ROUNDS,
    WEIGHT_MAX,
    parse_float,
    parse_floats,
    parse_int,
)
from tradetalks.model.common import check_closure
from tradetalks.model.ossa import baseline_from_data, solve_equilibrium, welfare_hat
from tradetalks.model.strategic import START_POINTS, cooperative, start_tariffs, trade_war

Dataset = Annotated[str, typer.Option(help="Dataset name (see `tradetalks data list`) or a .nc file.")]
ClosureOpt = Annotated[
    str,
    typer.Option(help="Imbalances: 'balanced' (purged first, Ossa 2014) or 'data' (held as in the data)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
PwOpt = Annotated[
    bool,
    typer.Option(
        "--political-weights",
        help="Use the dataset's calibrated political-economy weights (Ossa's lambda_pol) in government "
        "welfare; default lambda = 1 (ordinary welfare), as in `tradetalks optimal-tariff`.",
    ),
]
PartiesOpt = Annotated[str, typer.Option(help="Two negotiating parties, 'A,B' (e.g. USA,JPN).")]
InstrOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--instrument",
        "-i",
        help="Negotiated instrument IMPORTER:SECTOR[+SECTOR..]|all|rest (repeatable); default: each side's "
        "import tariff on the other, by sector. Example: -i USA:motor_vehicles -i USA:rest -i JPN:all.",
    ),
]
ObjOpt = Annotated[
    Path | None, typer.Option("--objectives", help="TOML file of [objective.<country>] tables.")
]
UpperOpt = Annotated[float, typer.Option(help="Upper bound of negotiated tariffs (percent).")]
NoDealOpt = Annotated[
    str, typer.Option("--no-deal", help=f"Payoff if talks collapse: {', '.join(NODEAL_KINDS)}.")
]
ImpasseOpt = Annotated[
    str, typer.Option("--impasse", help=f"Payoff while talks drag on: {', '.join(NODEAL_KINDS)}.")
]
EscOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--escalate",
        help="Announced duty added for the 'escalation' point: IMPORTER:EXPORTER:SECTOR|all:RATE (fraction); "
        "e.g. --escalate USA:JPN:all:0.24 --escalate USA:JPN:motor_vehicles:0.25.",
    ),
]


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar on stderr, fed by the library's ``(what, done, total)`` callbacks."""
    if not enabled:
        yield lambda what, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        tasks: dict[str, Any] = {}

        def cb(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = prog.add_task(what, total=total)
            prog.update(tasks[what], completed=done, total=total)

        yield cb


def _regions_table(rows: list[dict[str, Any]], title: str) -> Table:
    tab = Table(title=title, title_justify="left")
    for c in ("region", "player", "median tariff %", "welfare %", "gov. welfare %"):
        tab.add_column(c, justify="left" if c == "region" else "right")
    for r in rows:
        tab.add_row(
            r["region"],
            "yes" if r["player"] else "no",
            f"{r['median_tariff_pct']:.1f}",
            f"{r['welfare_pct']:+.2f}",
            f"{r['gov_welfare_pct']:+.2f}",
        )
    return tab


def _split(text: str | None) -> list[str] | None:
    return None if not text else [p.strip() for p in text.split(",") if p.strip()]


@guard
def war_cmd(
    dataset: Dataset = "ossa2014",
    closure: ClosureOpt = "balanced",
    players: Annotated[
        str | None, typer.Option(help="Players 'A,B,...' (default: all; others passive).")
    ] = None,
    mfn: Annotated[
        bool, typer.Option(help="Players set one (MFN) tariff per sector for all partners.")
    ] = False,
    political_weights: PwOpt = False,
    tol: Annotated[float, typer.Option(help="Stop when the trade-weighted mean tariff change < tol.")] = 1e-4,
    max_rounds: Annotated[int, typer.Option(help="Limit on rounds of best responses.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Nash trade war: iterate best responses among the players until tariffs stop moving (Ossa 2014).

    Prints per region the median import tariff (pooled over partners and sectors, unweighted), the welfare
    change and the government-welfare change, in %, relative to the baseline.
    """
    tol = parse_float(tol, "--tol", lo=0.0, hi=1.0, lo_open=True)  # issue 15: bounded, finite
    max_rounds = parse_int(max_rounds, "--max-rounds", lo=1, hi=MAX_ITERATIONS)
    data = load(dataset)
    check_closure(closure)
    lam = political_weights_array(data, political_weights)
    base = baseline_from_data(data, closure)
    ps = players_from(data, _split(players))
    with _progress() as cb:
        war = trade_war(base, ps, mfn=mfn, political_weights=lam, tol=tol, max_rounds=max_rounds, progress=cb)
    rows = region_rows(data.countries, war.tariff, war.welfare_hat, war.gov_welfare_hat, ps)
    payload = {
        "command": "war",
        "dataset": data.name,
        "closure": closure,
        "political_weights": political_weights_name(political_weights),
        "mfn": mfn,
        "players": [data.countries[p] for p in ps],
        "rounds": war.rounds,
        "converged": war.converged,
        "max_change": war.max_change,
        "seconds": war.seconds,
        "regions": rows,
        "tariff_by_sector_pct": {
            c: {
                s: 100.0 * float(np.median(np.delete(war.tariff[:, j, k], j)))
                for k, s in enumerate(data.sectors)
            }
            for j, c in enumerate(data.countries)
        },
        "conventions": "median tariff over a region's bilateral import tariffs pooled across partners and "
        "sectors (unweighted); tariff_by_sector_pct: median over partners; welfare and government welfare "
        "in % relative to the baseline",
    }
    if as_json:
        emit_json(payload)
        return
    console.print(
        _regions_table(
            rows,
            f"Nash trade war on {data.name} ({closure}, λ: {political_weights_name(political_weights)}, "
            f"{'MFN' if mfn else 'bilateral'} tariffs)",
        )
    )
    console.print(
        f"rounds {war.rounds}, converged {war.converged}, last change {war.max_change:.2e}, "
        f"{war.seconds:.1f} s"
    )


def _two_party(
    data_name: str,
    closure: str,
    parties: str,
    objectives: Path | None,
    instrument: list[str] | None,
    upper_pct: float,
    political_weights: str | bool,
    escalate_items: list[str] | None,
) -> tuple[PackageSpace, tuple[Any, Any]]:
    """Build the two-party space; returns it with (λ or None, escalation tariffs or None) for
    :func:`_nodeal`."""
    data = load(data_name)
    check_closure(closure)
    ps = _split(parties) or []
    if len(ps) != 2:
        raise OptionError("--parties", "two labels 'A,B'", parties)
    specs: dict[str, ObjectiveSpec] = load_objectives(objectives) if objectives is not None else {}
    lam = political_weights_array(data, political_weights)
    base = baseline_from_data(data, closure)
    space = build_space(
        data,
        base,
        (ps[0], ps[1]),
        specs,
        instruments=instrument,
        upper=upper_pct / 100.0,
        political_weights=political_weights,
    )
    esc = escalate(data, base.tariff, escalate_items) if escalate_items else None
    return space, (lam, esc)


def _nodeal(space: PackageSpace, kind: str, extra: tuple[Any, Any]) -> NoDealPoint:
    lam, esc = extra
    return nodeal_point(space, kind, escalation_tariff=esc, political_weights=lam)


@guard
def frontier_cmd(
    dataset: Dataset = "world2014",
    parties: PartiesOpt = "USA,JPN",
    closure: ClosureOpt = "balanced",
    points: Annotated[int, typer.Option(help="Number of frontier points.")] = 30,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    political_weights: PwOpt = False,
    no_deal: NoDealOpt = "status-quo",
    escalate_items: EscOpt = None,
    html: Annotated[
        Path | None, typer.Option(help="Write an interactive chart (self-contained HTML).")
    ] = None,
    png: Annotated[Path | None, typer.Option(help="Write a static PNG chart.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Pareto frontier of a two-party package space, restricted to the zone of agreement against a no-deal point."""
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: bounded
    space, extra = _two_party(
        dataset, closure, parties, objectives, instrument, upper, political_weights, escalate_items
    )
    d = _nodeal(space, no_deal, extra)
    with _progress() as cb:
        fr = trace_frontier(space, points, nodeal=d.u, progress=cb)
    a, b = space.parties
    payload = {
        "command": "frontier",
        "dataset": dataset,
        "closure": closure,
        "parties": [a, b],
        "objectives": [o.spec.as_dict() for o in space.objectives],
        "instruments": [i.name for i in space.instruments],
        "no_deal": d.as_dict(),
        "points": fr.to_records(),
        "seconds": fr.seconds,
        "evaluations": fr.evaluations,
        "all_converged": bool(fr.converged.all()),
    }
    _charts(fr.curve(), (a, b), {d.name: d.u}, [], None, html, png)
    if as_json:
        emit_json(payload)
        return
    for o in space.objectives:
        console.print(o.spec.describe())
    console.print(f"no deal ({d.name}): U_{a} = {d.u[0]:+.4f}, U_{b} = {d.u[1]:+.4f}  [{d.note}]")
    tab = Table(
        title=f"Pareto frontier {a}–{b} ({len(fr.u)} points, {fr.seconds:.1f} s)", title_justify="left"
    )
    tab.add_column(f"U {a}", justify="right")
    tab.add_column(f"U {b}", justify="right")
    for ins in space.instruments:
        tab.add_column(ins.name + (" %" if ins.kind == "tariff" else ""), justify="right")
    for u, x in zip(fr.u, fr.x, strict=True):
        vals = [
            f"{100 * v:.1f}" if ins.kind == "tariff" else f"{v:.2f}"
            for ins, v in zip(space.instruments, x, strict=True)
        ]
        tab.add_row(f"{u[0]:+.4f}", f"{u[1]:+.4f}", *vals)
    console.print(tab)


def _charts(
    curve: Any,
    parties: tuple[str, str],
    nodeal: dict[str, Any],
    sols: list[Solution],
    result: Any,
    html: Path | None,
    png: Path | None,
) -> None:
    if html is not None:
        write_html(negotiation_figure(curve, parties, nodeal, sols, result), html)
        err_console.print(f"chart written to {html}")
    if png is not None:
        write_png(curve, parties, nodeal, sols, result, png)
        err_console.print(f"chart written to {png}")


FROM_TO_NODEAL = {"nash": "trade-war", "factual": "status-quo", "free-trade": "free-trade"}


@guard
def bargain_cmd(
    dataset: Dataset = "ossa2014",
    solution: Annotated[str, typer.Option(help=f"Solution concept: {', '.join(SOLUTIONS)}.")] = "nash",
    start: Annotated[
        str, typer.Option("--from", help="Equal-gain start point / no-deal point: nash, factual, free-trade.")
    ] = "nash",
    parties: Annotated[
        str | None,
        typer.Option(
            help="Two parties 'A,B' for a bilateral package; omitted with equal-gain: Ossa's "
            "multilateral cooperative tariffs among --players."
        ),
    ] = None,
    players: Annotated[str | None, typer.Option(help="Multilateral players 'A,B,...' (default all).")] = None,
    closure: ClosureOpt = "balanced",
    political_weights: PwOpt = False,
    points: Annotated[int, typer.Option(help="Frontier points (bilateral).")] = 25,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    beta: Annotated[str, typer.Option(help="Nash bargaining weights 'bA,bB'.")] = "1,1",
    delta: Annotated[str, typer.Option(help="Rubinstein discount factors per round 'dA,dB'.")] = "0.95,0.95",
    impasse: ImpasseOpt = "status-quo",
    escalate_items: EscOpt = None,
    html: Annotated[Path | None, typer.Option(help="Chart (self-contained HTML).")] = None,
    png: Annotated[Path | None, typer.Option(help="Chart (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Bargaining solution: multilateral equal-%-gain cooperative tariffs (Ossa 2014), or a two-party
    package (Nash, Kalai–Smorodinsky, egalitarian, equal-gain, Rubinstein) on the Pareto frontier."""
    if solution not in SOLUTIONS:
        raise OptionError("--solution", SOLUTIONS, solution)
    if start not in START_POINTS:
        raise OptionError("--from", START_POINTS, start)
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: parsed once, bounded, finite
    b_ = list(parse_floats(beta, "--beta", n=2, lo=0.0, hi=WEIGHT_MAX, lo_open=True))
    dl = list(parse_floats(delta, "--delta", n=2, lo=0.0, hi=1.0, lo_open=True, hi_open=True))
    if parties is None:
        if solution != "equal-gain":
            raise OptionError("--parties", "two parties 'A,B' (required unless --solution equal-gain)", None)
        _multilateral_equal_gain(dataset, start, players, closure, political_weights, as_json)
        return
    space, extra = _two_party(
        dataset, closure, parties, objectives, instrument, upper, political_weights, escalate_items
    )
    d = _nodeal(space, FROM_TO_NODEAL[start], extra)
    e = _nodeal(space, impasse, extra) if impasse != FROM_TO_NODEAL[start] else d
    with _progress() as cb:
        fr = trace_frontier(space, points, nodeal=d.u, progress=cb)
    curve = fr.curve()
    sol = solve(solution, curve, d.u, beta=b_, delta=dl, impasse=e.u)
    pkg = to_package(space, fr, sol)
    a, b = space.parties
    payload = {
        "command": "bargain",
        "dataset": dataset,
        "closure": closure,
        "parties": [a, b],
        "objectives": [o.spec.as_dict() for o in space.objectives],
        "no_deal": {
            "breakdown (if talks collapse)": d.as_dict(),
            "impasse (while talks drag on)": e.as_dict(),
        },
        "result": pkg.as_dict(space),
        "frontier_seconds": fr.seconds,
    }
    _charts(curve, (a, b), {d.name: d.u, **({e.name: e.u} if e is not d else {})}, [sol], None, html, png)
    if as_json:
        emit_json(payload)
        return
    for o in space.objectives:
        console.print(o.spec.describe())
    console.print(
        f"no deal if talks collapse ({d.name}): ({d.u[0]:+.4f}, {d.u[1]:+.4f}); "
        f"while talks drag on ({e.name}): ({e.u[0]:+.4f}, {e.u[1]:+.4f})"
    )
    console.print(
        f"[bold]{solution}[/]: U_{a} = {pkg.u[0]:+.4f}, U_{b} = {pkg.u[1]:+.4f}, "
        f"distance to frontier {pkg.distance:.2e}  {sol.params}"
    )
    tab = Table(title="package", title_justify="left")
    tab.add_column("instrument")
    tab.add_column("value", justify="right")
    for ins, v in zip(space.instruments, pkg.x, strict=True):
        tab.add_row(ins.name, f"{100 * v:.1f} %" if ins.kind == "tariff" else f"{v:.2f} US$ bn")
    console.print(tab)


def _multilateral_equal_gain(
    dataset: str, start: str, players: str | None, closure: str, political_weights: str | bool, as_json: bool
) -> None:
    data = load(dataset)
    check_closure(closure)
    lam = political_weights_array(data, political_weights)
    base = baseline_from_data(data, closure)
    ps = players_from(data, _split(players))
    with _progress() as cb:
        war = trade_war(base, ps, political_weights=lam, progress=cb) if start == "nash" else None
        t0 = start_tariffs(base, start, ps, lam, war=war)
        coop = cooperative(base, t0, ps, political_weights=lam, start=start, progress=cb)
    rows = region_rows(data.countries, coop.tariff, coop.welfare_hat, coop.gov_welfare_hat, ps)
    w_start = welfare_hat(base, solve_equilibrium(base, t0))[0]
    start_rows = region_rows(data.countries, t0, w_start, coop.start_gov_welfare_hat, ps)
    for r, r0 in zip(rows, start_rows, strict=True):
        r["welfare_pct_vs_start"] = 100.0 * ((1 + r["welfare_pct"] / 100) / (1 + r0["welfare_pct"] / 100) - 1)
        r["gov_welfare_pct_vs_start"] = 100.0 * (
            (1 + r["gov_welfare_pct"] / 100) / (1 + r0["gov_welfare_pct"] / 100) - 1
        )
    payload = {
        "command": "bargain",
        "solution": "equal-gain",
        "from": start,
        "dataset": data.name,
        "closure": closure,
        "political_weights": political_weights_name(political_weights),
        "players": [data.countries[p] for p in ps],
        "common_gain_pct": 100.0 * (float(np.exp(coop.gain)) - 1.0),
        "converged": coop.converged,
        "max_violation": coop.max_violation,
        "iterations": coop.iterations,
        "seconds": coop.seconds,
        "trade_war": None if war is None else {"rounds": war.rounds, "converged": war.converged},
        "regions": rows,
        "start_point": start_rows,
        "conventions": "Ossa's cooperative tariffs: efficient, equal % gain in government welfare for every "
        "player relative to the start point; welfare and government welfare in % relative to the baseline; "
        "median tariff over a region's bilateral import tariffs pooled across partners and sectors; "
        "*_vs_start: change relative to the start point; start_point: the start point relative to the baseline",
    }
    if as_json:
        emit_json(payload)
        return
    console.print(
        _regions_table(
            rows,
            f"Cooperative (equal-%-gain) tariffs from {start} on {data.name} "
            f"({closure}, λ: {political_weights_name(political_weights)})",
        )
    )
    console.print(
        f"common gain {payload['common_gain_pct']:+.3f} % of government welfare from the start point; "
        f"converged {coop.converged}, {coop.seconds:.1f} s"
    )


@guard
def negotiate_cmd(
    dataset: Dataset = "world2014",
    parties: PartiesOpt = "USA,JPN",
    closure: ClosureOpt = "balanced",
    strategy_a: Annotated[
        str,
        typer.Option(
            help="A's strategy: boulware, linear, conceder, time:<e>, "
            "tit-for-tat, model; options ',const=<u>', ',fit'."
        ),
    ] = "boulware",
    strategy_b: Annotated[str, typer.Option(help="B's strategy (same syntax).")] = "conceder",
    start: Annotated[str, typer.Option(help="Date talks start (ISO).")] = "2025-04-17",
    deadline: Annotated[
        list[str] | None,
        typer.Option(
            "--deadline",
            help="Deadline DATE[=NAME] (repeatable; the last is hard, earlier ones "
            "are extended). Default: 2025-07-09 and 2025-08-01.",
        ),
    ] = None,
    rounds: Annotated[list[int] | None, typer.Option("--rounds", help="Rounds before each deadline.")] = None,
    delta: Annotated[str, typer.Option(help="Per-round discount factors 'dA,dB'.")] = "0.99,0.99",
    points: Annotated[int, typer.Option(help="Frontier points.")] = 25,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    political_weights: PwOpt = False,
    no_deal: NoDealOpt = "status-quo",
    impasse: ImpasseOpt = "status-quo",
    escalate_items: EscOpt = None,
    html: Annotated[Path | None, typer.Option(help="Chart (self-contained HTML).")] = None,
    png: Annotated[Path | None, typer.Option(help="Chart (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate alternating offers on the Pareto frontier toward deadlines; log every round."""
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: parsed once, bounded, finite
    rounds = [parse_int(r, "--rounds", lo=1, hi=MAX_ROUNDS) for r in rounds or []] or None
    delta_ab = list(parse_floats(delta, "--delta", n=2, lo=0.0, hi=1.0, lo_open=True, hi_open=True))
    strategies = (neg.parse_strategy(strategy_a), neg.parse_strategy(strategy_b))
    space, extra = _two_party(
        dataset, closure, parties, objectives, instrument, upper, political_weights, escalate_items
    )
    d = _nodeal(space, no_deal, extra)
    e = _nodeal(space, impasse, extra) if impasse != no_deal else d
    dls_raw = deadline or ["2025-07-09=July 9", "2025-08-01=August 1"]
    dls: list[tuple[dt.date, str]] = []
    for item in dls_raw:
        day, _, name = item.partition("=")
        try:
            dls.append((dt.date.fromisoformat(day.strip()), name.strip() or day.strip()))
        except ValueError:
            raise OptionError("--deadline", "DATE[=NAME] with an ISO date", item) from None
    try:
        start_day = dt.date.fromisoformat(start)
    except ValueError:
        raise OptionError("--start", "an ISO date", start) from None
    per: list[int] | int = list(rounds) if rounds else 10
    if isinstance(per, list) and len(per) == 1:
        per = per[0]
    dates, deadlines = neg.schedule(start_day, dls, per)
    with _progress() as cb:
        fr = trace_frontier(space, points, nodeal=d.u, progress=cb)
    curve = fr.curve()
    res = neg.simulate(
        curve,
        d.u,
        strategies,
        deadlines,
        impasse=e.u,
        delta=delta_ab,
        dates=dates,
        parties=space.parties,
        package_of=fr.package_near,
    )
    sols = [solve(n, curve, d.u, impasse=e.u) for n in ("nash", "ks", "egalitarian")]
    exact = space.evaluate(res.package, gradient=False).u if res.package is not None else None
    a, b = space.parties
    _charts(curve, (a, b), {d.name: d.u, **({e.name: e.u} if e is not d else {})}, sols, res, html, png)
    payload = {
        "command": "negotiate",
        "dataset": dataset,
        "closure": closure,
        "parties": [a, b],
        "strategies": list(res.strategies),
        "objectives": [o.spec.as_dict() for o in space.objectives],
        "no_deal": {
            "breakdown (if talks collapse)": d.as_dict(),
            "impasse (while talks drag on)": e.as_dict(),
        },
        "deadlines": [{"round": x.round, "name": x.name, "hard": x.hard} for x in deadlines],
        "agreement": res.agreement,
        "round": res.round,
        "reason": res.reason,
        "u": res.u.tolist(),
        "u_exact_package": None if exact is None else exact.tolist(),
        "u_discounted": res.u_discounted.tolist(),
        "package": None
        if res.package is None
        else {ins.name: float(v) for ins, v in zip(space.instruments, res.package, strict=True)},
        "solutions": [{"name": s.name, "u": s.u.tolist()} for s in sols],
        "log": res.log.to_dict(orient="records"),
    }
    if as_json:
        emit_json(payload)
        return
    for o in space.objectives:
        console.print(o.spec.describe())
    console.print(
        f"no deal if talks collapse ({d.name}): ({d.u[0]:+.4f}, {d.u[1]:+.4f}); "
        f"while talks drag on ({e.name}): ({e.u[0]:+.4f}, {e.u[1]:+.4f})"
    )
    tab = Table(
        title=f"Negotiation {a} ({res.strategies[0]}) vs {b} ({res.strategies[1]})", title_justify="left"
    )
    for c in ("round", "date", "phase", "proposer", f"U {a}", f"U {b}", "accepted"):
        tab.add_column(c, justify="right")
    for row in res.log.to_dict(orient="records"):
        tab.add_row(
            str(row["round"]),
            str(row["date"]),
            str(row["phase"]),
            str(row["proposer"]),
            f"{row[f'u_{a}']:+.4f}",
            f"{row[f'u_{b}']:+.4f}",
            "yes" if row["accepted"] else "",
        )
    console.print(tab)
    console.print(
        f"{res.reason}; U = ({res.u[0]:+.4f}, {res.u[1]:+.4f})"
        + ("" if exact is None else f"; package evaluated exactly: ({exact[0]:+.4f}, {exact[1]:+.4f})")
    )
    for s in sols:
        console.print(f"  {s.name}: ({s.u[0]:+.4f}, {s.u[1]:+.4f})")


def register(app: typer.Typer) -> None:
    """Register ``war``, ``frontier``, ``bargain`` and ``negotiate`` on the main app."""
    app.command("war")(war_cmd)
    app.command("frontier")(frontier_cmd)
    app.command("bargain")(bargain_cmd)
    app.command("negotiate")(negotiate_cmd)
