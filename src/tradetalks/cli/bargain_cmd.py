"""CLI adapters of the bargaining layer: ``tradetalks frontier`` and ``bargain`` (here), and :func:`register`
for ``war`` (:mod:`.war_cmd`), ``negotiate`` (:mod:`.negotiate_cmd`) and ``counter-offer``
(:mod:`.counter_offer_cmd`); shared options and helpers in :mod:`._bargain_common`.

Thin adapters: parse, call the library (:mod:`tradetalks.model.strategic`, :mod:`tradetalks.bargain`),
render rich tables or JSON. Progress bars go to stderr, so ``--json`` output on stdout stays clean.
Tariffs print in percent; welfare and government welfare as % changes relative to the model baseline
(the purged zero-imbalance equilibrium under the default ``balanced`` closure, as in Ossa 2014).
Objectives U are 100 ln Ĝ plus any weighted terms of an objectives file (≈ % of government welfare).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from tradetalks.bargain.enforce import Enforcement, check_package
from tradetalks.bargain.frontier import trace_frontier
from tradetalks.bargain.inverse import implied_beta, implied_objective_weight
from tradetalks.bargain.objectives import ObjectiveSpec, WeightedTerm
from tradetalks.bargain.problem import (
    build_space,
    cooperative_talks,
    players_from,
    political_weights_array,
    political_weights_label,
    political_weights_name,
    to_package,
)
from tradetalks.bargain.solutions import SOLUTIONS, Solution, solve
from tradetalks.bargain.space import NoDealPoint, PackageSpace
from tradetalks.bargain.transfers import efficiency_loss, real_deal_x
from tradetalks.cli._bargain_common import (
    ClosureOpt,
    Dataset,
    EscOpt,
    ImpasseOpt,
    InstrOpt,
    JsonOpt,
    NoDealOpt,
    ObjOpt,
    PartiesOpt,
    PwOpt,
    SigmaOpt,
    StartsOpt,
    UpperOpt,
    _charts,
    _nodeal,
    _print_lambda,
    _progress,
    _regions_table,
    _split,
    _starts,
    _two_party,
    data_notes,
    dataset_and_closure,
)
from tradetalks.cli.common import ElasticitiesOpt, console, emit_json, guard
from tradetalks.cli.sweep_cmd import bargain_bands, print_bargain_bands
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.errors import OptionError
from tradetalks.inputs import (
    MAX_POINTS,
    WEIGHT_MAX,
    parse_float,
    parse_floats,
    parse_int,
)
from tradetalks.model.common import check_closure
from tradetalks.model.ossa import baseline_from_data
from tradetalks.model.strategic import (
    START_POINTS,
)
from tradetalks.vocabulary import (
    DEFAULT_BREAKDOWN,
    DEFAULT_DATASET,
    DEFAULT_IMPASSE,
    NO_DEAL_KINDS,
    normalise_no_deal,
)


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
    sigma: SigmaOpt = None,
    elasticities: ElasticitiesOpt = None,
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
    dataset, closure = dataset_and_closure(dataset, sigma, closure)
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: bounded
    space, extra = _two_party(dataset, closure, parties, objectives, instrument, upper, political_weights,
                              escalate_items, starts, elasticities=elasticities)
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
        **data_notes(extra[3], political_weights),
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
    _print_lambda(space, extra[3], political_weights)
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


SolutionOpt = Annotated[str, typer.Option(help=f"Solution concept: {', '.join(SOLUTIONS)}.")]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help=f"No-deal point if talks collapse (two parties): {', '.join(NO_DEAL_KINDS)} (default "
        f"{DEFAULT_BREAKDOWN}); or Ossa's start point of multilateral equal gain: "
        f"{', '.join(START_POINTS)} (default nash).",
    ),
]
BargainPartiesOpt = Annotated[
    str | None,
    typer.Option(
        help="Two parties 'A,B' for a bilateral package; omitted with equal-gain: Ossa's "
        "multilateral cooperative tariffs among --players."
    ),
]
EqualGainMfnOpt = Annotated[
    bool,
    typer.Option(
        help="Multilateral equal gain: one (MFN) tariff per player and sector (Ossa's MFN talks)."
    ),
]
EnforceOpt = Annotated[
    float | None,
    typer.Option(
        help="Check the package is self-enforcing at this discount factor δ (one-shot deviation gain vs "
        "the present value of the no-deal loss); prints the critical δ."
    ),
]
TransfersOpt = Annotated[
    bool,
    typer.Option(
        "--transfers",
        help="Add side payments as instruments: the pledge (US$bn) and purchases (US$bn a year), valued "
        "through the pledge and purchase economics; with USA,JPN the real July 2025 package is placed in "
        "the same space (its efficiency loss in % and US$bn in --json, and on the chart).",
    ),
]
ImpliedOpt = Annotated[
    bool,
    typer.Option(
        "--implied",
        help="Inverse problem: the bargaining weight beta under which the real July 2025 package (USA,JPN) "
        "is the Nash solution, with its fit and identification (implies --transfers).",
    ),
]
ImpliedBalanceOpt = Annotated[
    str | None,
    typer.Option(
        "--implied-balance",
        help="With --implied: also fit party A's weight on its bilateral balance with party B, over these "
        "weights per US$bn (e.g. 0,0.002,0.005); each weight traces its own frontier.",
    ),
]


@guard
def bargain_cmd(
    dataset: Dataset = DEFAULT_DATASET,
    solution: SolutionOpt = "nash",
    start: FromOpt = None,
    parties: BargainPartiesOpt = None,
    players: Annotated[str | None, typer.Option(help="Multilateral players 'A,B,...' (default all).")] = None,
    closure: ClosureOpt = None,
    political_weights: PwOpt = False,
    sigma: SigmaOpt = None,
    elasticities: ElasticitiesOpt = None,
    mfn: EqualGainMfnOpt = False,
    points: Annotated[int, typer.Option(help="Frontier points (bilateral).")] = 25,
    instrument: InstrOpt = None,
    objectives: ObjOpt = None,
    upper: UpperOpt = 100.0,
    beta: Annotated[str, typer.Option(help="Nash bargaining weights 'bA,bB'.")] = "1,1",
    delta: Annotated[str, typer.Option(help="Rubinstein discount factors per round 'dA,dB'.")] = "0.95,0.95",
    impasse: ImpasseOpt = DEFAULT_IMPASSE,
    escalate_items: EscOpt = None,
    enforce: EnforceOpt = None,
    starts: StartsOpt = None,
    transfers: TransfersOpt = False,
    implied: ImpliedOpt = False,
    implied_balance: ImpliedBalanceOpt = None,
    html: Annotated[Path | None, typer.Option(help="Chart (self-contained HTML).")] = None,
    png: Annotated[Path | None, typer.Option(help="Chart (PNG).")] = None,
    as_json: JsonOpt = False,
    uncertainty: Annotated[int, typer.Option(help="Issue 13: 5-95 % bands of the package's objectives, gains, "
                                             "welfare and balance over N elasticity draws (0: none).")] = 0,
) -> None:
    """Bargaining solution: a two-party package (Nash, Kalai–Smorodinsky, egalitarian, equal-gain,
    Rubinstein) on the Pareto frontier against a no-deal point (default: the bilateral tariff war), or
    Ossa's multilateral equal-%-gain cooperative tariffs (no --parties)."""
    dataset, closure = dataset_and_closure(dataset, sigma, closure)
    if solution not in SOLUTIONS:
        raise OptionError("--solution", SOLUTIONS, solution)
    if parties is None:
        if solution != "equal-gain":
            raise OptionError("--parties", "two parties 'A,B' (required unless --solution equal-gain)", None)
        _multilateral_equal_gain(
            dataset, _from_kind(start, False), players, closure, political_weights, as_json, mfn, starts, elasticities
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
        transfers, elasticities,
    )  # fmt: skip
    d = _nodeal(space, kind, extra)
    e = _nodeal(space, impasse, extra) if normalise_no_deal(impasse) != d.name else d
    with _progress() as cb:
        fr = trace_frontier(space, points, nodeal=d.u, progress=cb)
    curve = fr.curve()
    sol = solve(solution, curve, d.u, beta=b_, delta=dl, impasse=e.u)
    pkg = to_package(space, fr, sol)
    en = check_package(space, pkg.x, d, enforce, starts=extra[2]) if enforce is not None else None
    real = _real_deal(space, extra[3], transfers, implied, parties)
    inv = implied_beta(curve, d.u, real.u) if implied and real is not None else None
    inv_w = None
    if implied_balance is not None and inv is not None:
        inv_w = _implied_balance(space, extra[3], d, implied_balance, political_weights, instrument, upper,
                                 points)  # fmt: skip
    a, b = space.parties
    payload = _bargain_payload(dataset, closure, space, d, e, pkg, en, real, inv, inv_w, fr)
    payload |= data_notes(extra[3], political_weights)
    bands = bargain_bands(space, pkg.x, d, parse_int(uncertainty, "--uncertainty", lo=0, hi=10_000), extra[3])
    if bands is not None:
        payload["uncertainty"] = bands.as_dict()
    marks = {d.name: d.u, **({e.name: e.u} if e is not d else {})}
    if real is not None:
        marks["real deal (July 2025)"] = real.u
    _charts(curve, (a, b), marks, [sol], None, html, png)
    if as_json:
        emit_json(payload)
        return
    _print_bargain(space, solution, d, e, pkg, sol, en, real, inv, inv_w)
    _print_lambda(space, extra[3], political_weights)
    print_bargain_bands(bands)


def _real_deal(space: PackageSpace, data: Any, transfers: bool, implied: bool, parties: str) -> Any:
    """The real July 2025 package in the space (``--transfers`` with USA,JPN), or None."""
    if transfers and set(space.parties) == {"USA", "JPN"}:
        xr, notes = real_deal_x(space, data)
        return efficiency_loss(space, xr, space.base.expenditure, notes)
    if implied:
        raise OptionError("--implied", "parties USA,JPN (the real July 2025 package)", parties)
    return None


def _implied_balance(
    space: PackageSpace,
    data: Any,
    d: NoDealPoint,
    implied_balance: str,
    political_weights: bool,
    instrument: list[str] | None,
    upper: float,
    points: int,
) -> Any:
    """``--implied-balance``: fit party A's weight on its bilateral balance with B over a grid of weights."""
    grid = tuple(parse_floats(implied_balance, "--implied-balance", lo=-1.0, hi=1.0))
    pa, pb = space.parties

    def space_for(w: float) -> PackageSpace:
        spec = ObjectiveSpec(pa, political_weights=political_weights_name(political_weights),
                             balance=(WeightedTerm(pb, w),) if w else ())  # fmt: skip
        return build_space(
            data, space.base, (pa, pb), {pa: spec}, instruments=instrument, upper=upper / 100.0,
            political_weights=political_weights, transfers=True,
        )  # fmt: skip

    return implied_objective_weight(
        space_for, grid, d.tariff, lambda s: real_deal_x(s, data)[0], max(points // 2, 8),
        f"{pa}'s balance with {pb} (per US$bn)",
    )  # fmt: skip


def _bargain_payload(
    dataset: str,
    closure: str,
    space: PackageSpace,
    d: NoDealPoint,
    e: NoDealPoint,
    pkg: Any,
    en: Any,
    real: Any,
    inv: Any,
    inv_w: Any,
    fr: Any,
) -> dict[str, Any]:
    """The ``--json`` payload of a two-party ``bargain``."""
    a, b = space.parties
    return {
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


def _print_bargain(
    space: PackageSpace,
    solution: str,
    d: NoDealPoint,
    e: NoDealPoint,
    pkg: Any,
    sol: Solution,
    en: Any,
    real: Any,
    inv: Any,
    inv_w: Any,
) -> None:
    """The lines and package table a two-party ``bargain`` prints without ``--json``."""
    a, b = space.parties
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



def _multilateral_equal_gain(
    dataset: str,
    start: str,
    players: str | None,
    closure: str,
    political_weights: str | bool,
    as_json: bool,
    mfn: bool = False,
    starts: str | None = None,
    elasticities: str | None = None,
) -> None:
    data = load_with_elasticities(dataset, elasticities)
    check_closure(closure)
    lam = political_weights_array(data, political_weights)
    base = baseline_from_data(data, closure)
    ps = players_from(data, _split(players))
    with _progress() as cb:
        br, co = _starts(starts)
        talks = cooperative_talks(
            base,
            data.countries,
            start,
            ps,
            lam,
            mfn=mfn,
            br_starts=br,
            coop_starts=co,
            war_progress=lambda i, n, _change: cb("best-response rounds", i, n),
            progress=lambda i, n, _viol: cb("cooperative tariffs (iterations)", i, n),
        )
    coop, war, rows, start_rows = talks.result, talks.war, talks.rows, talks.start_rows
    payload = {
        "command": "bargain",
        "solution": "equal-gain",
        "from": start,
        "dataset": data.name,
        "closure": closure,
        "political_weights": political_weights_name(political_weights),
        **data_notes(data, political_weights),
        "players": [data.countries[p] for p in ps],
        "common_gain_pct": talks.common_gain_pct,
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
            f"({closure})",
        )
    )
    console.print(f"λ: {political_weights_label(data, political_weights)}")
    console.print(
        f"common gain {payload['common_gain_pct']:+.3f} % of government welfare from the start point; "
        f"converged {coop.converged}, {coop.seconds:.1f} s"
    )



def register(app: typer.Typer) -> None:
    """Register ``war``, ``frontier``, ``bargain``, ``negotiate`` and ``counter-offer`` on the main app."""
    from tradetalks.cli.counter_offer_cmd import counter_offer_cmd
    from tradetalks.cli.negotiate_cmd import negotiate_cmd
    from tradetalks.cli.war_cmd import war_cmd

    app.command("war")(war_cmd)
    app.command("frontier")(frontier_cmd)
    app.command("bargain")(bargain_cmd)
    app.command("negotiate")(negotiate_cmd)
    app.command("counter-offer")(counter_offer_cmd)
