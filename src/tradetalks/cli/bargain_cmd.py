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
from tradetalks.bargain.advisor import advise
from tradetalks.bargain.chart import negotiation_figure, write_html, write_png
from tradetalks.bargain.enforce import Enforcement, check_package
from tradetalks.bargain.frontier import trace_frontier
from tradetalks.bargain.inverse import implied_beta, implied_objective_weight
from tradetalks.bargain.objectives import ObjectiveSpec, WeightedTerm, load_objectives
from tradetalks.bargain.problem import (
    NODEAL_KINDS,
    build_space,
    escalation_tariff,
    nodeal_point,
    players_from,
    political_weights_array,
    political_weights_name,
    region_rows,
    to_package,
)
from tradetalks.bargain.solutions import SOLUTIONS, Solution, solve
from tradetalks.bargain.space import NoDealPoint, PackageSpace
from tradetalks.bargain.transfers import efficiency_loss, real_deal_x
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
from tradetalks.model.ossa import baseline_from_data, parse_starts, solve_equilibrium, welfare_hat
from tradetalks.model.strategic import (
    COOP_DEFAULT_STARTS,
    START_POINTS,
    cooperative,
    start_tariffs,
    trade_war,
)
from tradetalks.results.strategic import tariff_outcome
from tradetalks.vocabulary import (
    DEFAULT_BREAKDOWN,
    DEFAULT_DATASET,
    DEFAULT_IMPASSE,
    NO_DEAL_KINDS,
    default_closure,
    normalise_no_deal,
)

Dataset = Annotated[str, typer.Option(help="Dataset name (see `tradetalks data list`) or a .nc file.")]
ClosureOpt = Annotated[
    str | None,
    typer.Option(
        help="Imbalances: 'balanced' (purged first, Ossa 2014) or 'data' (held as in the data); default "
        "'data', 'balanced' on Ossa's published datasets (tradetalks.vocabulary.default_closure)."
    ),
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
    str,
    typer.Option(
        "--no-deal",
        help=f"Payoff if talks collapse (breakdown point): {', '.join(NODEAL_KINDS)}. 'bilateral-war': "
        "each party best-responds with tariffs on the other only, third-country tariffs fixed.",
    ),
]
ImpasseOpt = Annotated[
    str, typer.Option("--impasse", help=f"Payoff while talks drag on: {', '.join(NODEAL_KINDS)}.")
]
EscOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--escalate",
        help="Announced duty added for the 'escalation' point: IMPORTER:EXPORTER:SECTOR|all:RATE (percent); "
        "e.g. --escalate USA:JPN:all:24. Default for USA,JPN: the built-in escalation (the July 7 2025 "
        "letter's 25 % on top of MFN and the Section 232 duties; scenario jp-us-no-deal).",
    ),
]

StartsOpt = Annotated[
    str | None,
    typer.Option(
        "--starts",
        help="Starting points of best responses and cooperative tariffs: a count k (the defaults 'uniform, "
        "zero, current' then random points with a fixed seed) or names among uniform, zero, current, "
        "random. Default: uniform, zero, current and 3 random (best responses); current, zero "
        "(cooperative).",
    ),
]


def _starts(spec: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(best-response starts, cooperative starts) of a ``--starts`` value."""
    if spec is None:
        return parse_starts(None), COOP_DEFAULT_STARTS
    br = parse_starts(spec)
    if spec.strip().isdigit():
        k = int(spec)
        coop = (COOP_DEFAULT_STARTS + ("random",) * k)[:k]
    else:
        coop = tuple(s for s in br if s in ("current", "zero", "random")) or ("current",)
    return br, coop


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
    closure: ClosureOpt = None,
    players: Annotated[
        str | None, typer.Option(help="Players 'A,B,...' (default: all; others passive).")
    ] = None,
    mfn: Annotated[
        bool, typer.Option(help="Players set one (MFN) tariff per sector for all partners.")
    ] = False,
    political_weights: PwOpt = False,
    tol: Annotated[float, typer.Option(help="Stop when the trade-weighted mean tariff change < tol.")] = 1e-4,
    max_rounds: Annotated[int, typer.Option(help="Limit on rounds of best responses.")] = 50,
    starts: StartsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Nash trade war: iterate best responses among the players until tariffs stop moving (Ossa 2014).

    Prints per region the median import tariff (pooled over partners and sectors, unweighted), the welfare
    change and the government-welfare change, in %, relative to the baseline.
    """
    closure = closure or default_closure(dataset)
    tol = parse_float(tol, "--tol", lo=0.0, hi=1.0, lo_open=True)  # issue 15: bounded, finite
    max_rounds = parse_int(max_rounds, "--max-rounds", lo=1, hi=MAX_ITERATIONS)
    data = load(dataset)
    check_closure(closure)
    lam = political_weights_array(data, political_weights)
    base = baseline_from_data(data, closure)
    ps = players_from(data, _split(players))
    with _progress() as cb:
        war = trade_war(
            base,
            ps,
            mfn=mfn,
            political_weights=lam,
            tol=tol,
            max_rounds=max_rounds,
            starts=_starts(starts)[0],
            progress=cb,
        )
    rows = region_rows(data.countries, war.tariff, war.welfare_hat, war.gov_welfare_hat, ps)
    labelled = tariff_outcome(
        "trade-war",
        base,
        war,
        data.countries,
        data.sectors,
        ps,
        closure=closure,
        iterations=war.rounds,
        residual=war.max_change,
    ).as_dict()  # issue 9 (H9)
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
        "best_response_check_gain": war.improvement,
        "start_spread": war.spread,
        "seconds": war.seconds,
        "regions": rows,
        "tariffs_pct": labelled["tariffs_pct"],
        "ossa_columns": labelled["countries"],
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
    starts: str | None = None,
    transfers: bool = False,
) -> tuple[PackageSpace, tuple[Any, Any, Any, Any]]:
    """Build the two-party space; returns it with (λ or None, escalation tariffs or None, best-response
    starts, the dataset) for :func:`_nodeal`."""
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
        transfers=transfers,
    )
    esc = escalation_tariff(data, ps, escalate_items, base.tariff)
    return space, (lam, esc, _starts(starts)[0], data)


def _nodeal(space: PackageSpace, kind: str, extra: tuple[Any, Any, Any, Any]) -> NoDealPoint:
    lam, esc, br_starts, _ = extra
    return nodeal_point(space, kind, escalation_tariff=esc, political_weights=lam, starts=br_starts)


@guard
def frontier_cmd(
    dataset: Dataset = DEFAULT_DATASET,
    parties: PartiesOpt = "USA,JPN",
    closure: ClosureOpt = None,
    points: Annotated[int, typer.Option(help="Number of frontier points.")] = 30,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    political_weights: PwOpt = False,
    no_deal: NoDealOpt = DEFAULT_BREAKDOWN,
    escalate_items: EscOpt = None,
    starts: StartsOpt = None,
    html: Annotated[
        Path | None, typer.Option(help="Write an interactive chart (self-contained HTML).")
    ] = None,
    png: Annotated[Path | None, typer.Option(help="Write a static PNG chart.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Pareto frontier of a two-party package space, restricted to the zone of agreement against a no-deal point."""
    closure = closure or default_closure(dataset)
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: bounded
    space, extra = _two_party(
        dataset, closure, parties, objectives, instrument, upper, political_weights, escalate_items, starts
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


FROM_CHOICES: tuple[str, ...] = (*NO_DEAL_KINDS, *START_POINTS)
"""``--from`` values: a no-deal kind (two parties) or Ossa's start points (multilateral equal gain)."""
START_TO_NODEAL = {"nash": "bilateral-war", "factual": "status-quo", "free-trade": "free-trade"}
NODEAL_TO_START = {"global-war": "nash", "status-quo": "factual", "free-trade": "free-trade"}


def _from_kind(start: str | None, bilateral: bool) -> str:
    """The no-deal kind (two parties) or Ossa start point (multilateral) of a ``--from`` value."""
    if start is None:
        return DEFAULT_BREAKDOWN if bilateral else "nash"
    if start not in FROM_CHOICES and start != "trade-war":
        raise OptionError("--from", FROM_CHOICES, start)
    if bilateral:
        return normalise_no_deal(START_TO_NODEAL.get(start, start))
    if start in START_POINTS:
        return start
    if start in NODEAL_TO_START:
        return NODEAL_TO_START[start]
    raise OptionError("--from (multilateral equal gain)", (*START_POINTS, *NODEAL_TO_START), start)


def _enforcement_text(en: Enforcement) -> str:
    parts = []
    for k, p in enumerate(en.parties):
        cd = float(en.critical_delta[k])
        parts.append(
            f"{p}: one-shot gain {en.gain[k]:+.4f}, PV of no-deal loss {en.pv_loss[k]:+.4f}, "
            f"critical δ {'never' if not np.isfinite(cd) else f'{cd:.3f}'}"
        )
    verdict = "self-enforcing" if en.self_enforcing else "NOT self-enforcing"
    return f"self-enforcement at δ = {en.delta}: {verdict}; " + "; ".join(parts)


@guard
def bargain_cmd(
    dataset: Dataset = DEFAULT_DATASET,
    solution: Annotated[str, typer.Option(help=f"Solution concept: {', '.join(SOLUTIONS)}.")] = "nash",
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=f"No-deal point if talks collapse (two parties): {', '.join(NO_DEAL_KINDS)} (default "
            f"{DEFAULT_BREAKDOWN}); or Ossa's start point of multilateral equal gain: "
            f"{', '.join(START_POINTS)} (default nash).",
        ),
    ] = None,
    parties: Annotated[
        str | None,
        typer.Option(
            help="Two parties 'A,B' for a bilateral package; omitted with equal-gain: Ossa's "
            "multilateral cooperative tariffs among --players."
        ),
    ] = None,
    players: Annotated[str | None, typer.Option(help="Multilateral players 'A,B,...' (default all).")] = None,
    closure: ClosureOpt = None,
    political_weights: PwOpt = False,
    mfn: Annotated[
        bool,
        typer.Option(
            help="Multilateral equal gain: one (MFN) tariff per player and sector (Ossa's MFN talks)."
        ),
    ] = False,
    points: Annotated[int, typer.Option(help="Frontier points (bilateral).")] = 25,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    beta: Annotated[str, typer.Option(help="Nash bargaining weights 'bA,bB'.")] = "1,1",
    delta: Annotated[str, typer.Option(help="Rubinstein discount factors per round 'dA,dB'.")] = "0.95,0.95",
    impasse: ImpasseOpt = DEFAULT_IMPASSE,
    escalate_items: EscOpt = None,
    enforce: Annotated[
        float | None,
        typer.Option(
            help="Check the package is self-enforcing at this discount factor δ (one-shot deviation gain vs "
            "the present value of the no-deal loss); prints the critical δ."
        ),
    ] = None,
    starts: StartsOpt = None,
    transfers: Annotated[
        bool,
        typer.Option(
            "--transfers",
            help="Add side payments as instruments: the pledge (US$bn) and purchases (US$bn a year), valued "
            "through the pledge and purchase economics; with USA,JPN the real July 2025 package is placed in "
            "the same space (its efficiency loss in % and US$bn in --json, and on the chart).",
        ),
    ] = False,
    implied: Annotated[
        bool,
        typer.Option(
            "--implied",
            help="Inverse problem: the bargaining weight beta under which the real July 2025 package (USA,JPN) "
            "is the Nash solution, with its fit and identification (implies --transfers).",
        ),
    ] = False,
    implied_balance: Annotated[
        str | None,
        typer.Option(
            "--implied-balance",
            help="With --implied: also fit party A's weight on its bilateral balance with party B, over these "
            "weights per US$bn (e.g. 0,0.002,0.005); each weight traces its own frontier.",
        ),
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Chart (self-contained HTML).")] = None,
    png: Annotated[Path | None, typer.Option(help="Chart (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Bargaining solution: a two-party package (Nash, Kalai–Smorodinsky, egalitarian, equal-gain,
    Rubinstein) on the Pareto frontier against a no-deal point (default: the bilateral tariff war), or
    Ossa's multilateral equal-%-gain cooperative tariffs (no --parties)."""
    closure = closure or default_closure(dataset)
    if solution not in SOLUTIONS:
        raise OptionError("--solution", SOLUTIONS, solution)
    if parties is None:
        if solution != "equal-gain":
            raise OptionError("--parties", "two parties 'A,B' (required unless --solution equal-gain)", None)
        _multilateral_equal_gain(
            dataset, _from_kind(start, False), players, closure, political_weights, as_json, mfn, starts
        )
        return
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: parsed once, bounded, finite
    b_ = list(parse_floats(beta, "--beta", n=2, lo=0.0, hi=WEIGHT_MAX, lo_open=True))
    dl = list(parse_floats(delta, "--delta", n=2, lo=0.0, hi=1.0, lo_open=True, hi_open=True))
    if enforce is not None:
        enforce = parse_float(enforce, "--enforce", lo=0.0, hi=1.0, hi_open=True)
    kind = _from_kind(start, True)
    transfers = transfers or implied
    space, extra = _two_party(
        dataset, closure, parties, objectives, instrument, upper, political_weights, escalate_items, starts,
        transfers,
    )  # fmt: skip
    d = _nodeal(space, kind, extra)
    e = _nodeal(space, impasse, extra) if normalise_no_deal(impasse) != d.name else d
    with _progress() as cb:
        fr = trace_frontier(space, points, nodeal=d.u, progress=cb)
    curve = fr.curve()
    sol = solve(solution, curve, d.u, beta=b_, delta=dl, impasse=e.u)
    pkg = to_package(space, fr, sol)
    en = check_package(space, pkg.x, d, enforce, starts=extra[2]) if enforce is not None else None
    real = None
    if transfers and set(space.parties) == {"USA", "JPN"}:
        xr, notes = real_deal_x(space, extra[3])
        real = efficiency_loss(space, xr, space.base.expenditure, notes)
    elif implied:
        raise OptionError("--implied", "parties USA,JPN (the real July 2025 package)", parties)
    inv = implied_beta(curve, d.u, real.u) if implied and real is not None else None
    inv_w = None
    if implied_balance is not None and inv is not None:
        grid = tuple(parse_floats(implied_balance, "--implied-balance", lo=-1.0, hi=1.0))
        data = extra[3]
        pa, pb = space.parties

        def space_for(w: float) -> PackageSpace:
            spec = ObjectiveSpec(pa, political_weights=political_weights_name(political_weights),
                                 balance=(WeightedTerm(pb, w),) if w else ())  # fmt: skip
            return build_space(
                data, space.base, (pa, pb), {pa: spec}, instruments=instrument, upper=upper / 100.0,
                political_weights=political_weights, transfers=True,
            )  # fmt: skip

        inv_w = implied_objective_weight(
            space_for, grid, d.tariff, lambda s: real_deal_x(s, data)[0], max(points // 2, 8),
            f"{pa}'s balance with {pb} (per US$bn)",
        )  # fmt: skip
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
        "self_enforcement": None if en is None else en.as_dict(),
        "real_deal": None
        if real is None
        else real.as_dict(space.parties, [i.name for i in space.instruments]),
        "implied": None if inv is None else inv.as_dict(space.parties),
        "implied_balance_weight": None if inv_w is None else inv_w.as_dict(space.parties),
        "side_valuations": [{"instrument": v.name, "valuation": v.source} for v in space.valuations],
        "frontier_seconds": fr.seconds,
    }
    marks = {d.name: d.u, **({e.name: e.u} if e is not d else {})}
    if real is not None:
        marks["real deal (July 2025)"] = real.u
    _charts(curve, (a, b), marks, [sol], None, html, png)
    if as_json:
        emit_json(payload)
        return
    for o in space.objectives:
        console.print(o.spec.describe())
    console.print(
        f"no deal if talks collapse ({d.name}): ({d.u[0]:+.4f}, {d.u[1]:+.4f}) [{d.note}]; "
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
    if en is not None:
        console.print(_enforcement_text(en))
    for v in space.valuations:
        console.print(f"{v.name}: {v.source}")
    if real is not None:
        console.print(
            f"real deal (July 2025): U_{a} = {real.u[0]:+.4f}, U_{b} = {real.u[1]:+.4f}; efficiency loss "
            f"{a} {real.loss_units[0]:.4f} % ({real.loss_usd_bn[0]:.1f} US$bn/yr), "
            f"{b} {real.loss_units[1]:.4f} % ({real.loss_usd_bn[1]:.1f} US$bn/yr)"
        )
    if inv is not None:
        console.print(
            f"implied bargaining weight: beta_{a} = {inv.beta:.3f} (interval {inv.beta_interval[0]:.3f}–"
            f"{inv.beta_interval[1]:.3f}, {inv.identified}); fit distance {inv.distance:.4f} "
            f"({'exact' if inv.exact else 'closest fit'}; real deal in zone of agreement: {inv.in_zone})"
        )
    if inv_w is not None:
        bw = inv_w.fits[inv_w.best]
        console.print(
            f"implied weight on {inv_w.term}: {inv_w.weights[inv_w.best]:g} with beta_{a} = {bw.beta:.3f}, "
            f"fit distance {bw.distance:.4f} (grid: "
            + ", ".join(f"{w:g}: {f.distance:.4f}" for w, f in zip(inv_w.weights, inv_w.fits, strict=True))
            + ")"
        )


def parse_package(space: PackageSpace, items: list[str] | None) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A package from items ``IMPORTER:SECTOR|all=PCT`` (tariff instruments whose importer matches and
    whose sectors include SECTOR, or all) or ``NAME=VALUE`` (an instrument by its full name; side items
    in US$ bn); instruments not named stay at the reference."""
    x = space.reference_x()
    names = [i.name for i in space.instruments]
    for it in items or []:
        key, sep, val = it.rpartition("=")
        try:
            v = float(val)
        except ValueError:
            raise OptionError("--offer", "IMPORTER:SECTOR|all=PCT or NAME=VALUE with a number", it) from None
        if not sep:
            raise OptionError("--offer", "IMPORTER:SECTOR|all=PCT or NAME=VALUE", it)
        if key in names:
            k = names.index(key)
            x[k] = v / 100.0 if space.instruments[k].kind == "tariff" else v
            continue
        imp, _, sec = key.partition(":")
        hit = False
        for k, ins in enumerate(space.instruments):
            if ins.kind != "tariff" or space.countries[ins.importer] != imp:
                continue
            if sec == "all" or (sec in space.sectors and space.sectors.index(sec) in ins.sectors):
                x[k] = v / 100.0
                hit = True
        if not hit:
            raise OptionError("--offer", "an instrument name or IMPORTER:SECTOR|all of a party", key)
    return np.clip(x, space.lower, space.upper)


@guard
def counter_offer_cmd(
    offer: Annotated[
        list[str],
        typer.Option(
            "--offer",
            help="The other side's offer: IMPORTER:SECTOR|all=PCT (repeatable; e.g. --offer USA:all=15 "
            "--offer JPN:all=0); instruments not named stay at the reference tariffs.",
        ),
    ],
    us: Annotated[str, typer.Option(help="The party advised (one of --parties).")] = "JPN",
    position: Annotated[
        list[str] | None,
        typer.Option(help="Our last offer (same syntax); default our ideal package."),
    ] = None,
    dataset: Dataset = DEFAULT_DATASET,
    parties: PartiesOpt = "USA,JPN",
    closure: ClosureOpt = None,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    political_weights: PwOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Counter-offer advisor: the best package for us that leaves the other side at least as well off as
    its offer, and our smallest concession from our position that both sides prefer to the offer."""
    closure = closure or default_closure(dataset)
    space, _ = _two_party(dataset, closure, parties, objectives, instrument, upper, political_weights, None)
    if us not in space.parties:
        raise OptionError("--us", space.parties, us)
    k = space.parties.index(us)
    xo = parse_package(space, offer)
    xp = parse_package(space, position) if position else None
    adv = advise(space, xo, k, xp)
    payload = {
        "command": "counter-offer",
        "dataset": dataset,
        "parties": list(space.parties),
        **adv.as_dict(space),
    }
    if as_json:
        emit_json(payload)
        return
    a, b = space.parties
    tab = Table(title=f"Counter-offer advice for {us}", title_justify="left")
    tab.add_column("instrument")
    for c in ("their offer", "best for us", "smallest concession"):
        tab.add_column(c, justify="right")
    for i, ins in enumerate(space.instruments):
        vals = (adv.offer_x[i], adv.best_x[i], adv.concession_x[i])
        if ins.kind == "tariff":
            tab.add_row(ins.name, *(f"{100 * v:.1f} %" for v in vals))
        else:
            tab.add_row(ins.name, *(f"{v:.2f} US$ bn" for v in vals))
    tab.add_row(f"U {a}", *(f"{u[0]:+.4f}" for u in (adv.offer_u, adv.best_u, adv.concession_u)))
    tab.add_row(f"U {b}", *(f"{u[1]:+.4f}" for u in (adv.offer_u, adv.best_u, adv.concession_u)))
    console.print(tab)
    console.print(f"gain for {us} over the offer: {adv.gain:+.4f}; converged {adv.converged}")


def _multilateral_equal_gain(
    dataset: str,
    start: str,
    players: str | None,
    closure: str,
    political_weights: str | bool,
    as_json: bool,
    mfn: bool = False,
    starts: str | None = None,
) -> None:
    data = load(dataset)
    check_closure(closure)
    lam = political_weights_array(data, political_weights)
    base = baseline_from_data(data, closure)
    ps = players_from(data, _split(players))
    with _progress() as cb:
        br, co = _starts(starts)
        war = (
            trade_war(base, ps, political_weights=lam, mfn=mfn, starts=br, progress=cb)
            if start == "nash"
            else None
        )
        t0 = start_tariffs(base, start, ps, lam, war=war)
        coop = cooperative(base, t0, ps, political_weights=lam, start=start, mfn=mfn, starts=co, progress=cb)
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
        "mfn": mfn,
        "converged": coop.converged,
        "max_violation": coop.max_violation,
        "start_values": {name: 100.0 * (float(np.exp(g)) - 1.0) for name, g in coop.starts},
        "start_spread_pct": 100.0 * coop.spread,
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
            f"Cooperative (equal-%-gain{', MFN' if mfn else ''}) tariffs from {start} on {data.name} "
            f"({closure}, λ: {political_weights_name(political_weights)})",
        )
    )
    console.print(
        f"common gain {payload['common_gain_pct']:+.3f} % of government welfare from the start point; "
        f"converged {coop.converged}, {coop.seconds:.1f} s"
    )


@guard
def negotiate_cmd(
    dataset: Dataset = DEFAULT_DATASET,
    parties: PartiesOpt = "USA,JPN",
    closure: ClosureOpt = None,
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
    no_deal: NoDealOpt = DEFAULT_BREAKDOWN,
    impasse: ImpasseOpt = DEFAULT_IMPASSE,
    escalate_items: EscOpt = None,
    starts: StartsOpt = None,
    html: Annotated[Path | None, typer.Option(help="Chart (self-contained HTML).")] = None,
    png: Annotated[Path | None, typer.Option(help="Chart (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate alternating offers on the Pareto frontier toward deadlines; log every round."""
    closure = closure or default_closure(dataset)
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: parsed once, bounded, finite
    rounds = [parse_int(r, "--rounds", lo=1, hi=MAX_ROUNDS) for r in rounds or []] or None
    delta_ab = list(parse_floats(delta, "--delta", n=2, lo=0.0, hi=1.0, lo_open=True, hi_open=True))
    strategies = (neg.parse_strategy(strategy_a), neg.parse_strategy(strategy_b))
    space, extra = _two_party(
        dataset, closure, parties, objectives, instrument, upper, political_weights, escalate_items, starts
    )
    d = _nodeal(space, no_deal, extra)
    e = _nodeal(space, impasse, extra) if normalise_no_deal(impasse) != d.name else d
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
    """Register ``war``, ``frontier``, ``bargain``, ``negotiate`` and ``counter-offer`` on the main app."""
    app.command("war")(war_cmd)
    app.command("frontier")(frontier_cmd)
    app.command("bargain")(bargain_cmd)
    app.command("negotiate")(negotiate_cmd)
    app.command("counter-offer")(counter_offer_cmd)
