"""CLI adapter ``tradetalks negotiate``: alternating offers on the Pareto frontier toward deadlines, via
:func:`tradetalks.bargain.negotiate.simulate`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tradetalks.bargain import negotiate as neg
from tradetalks.bargain.frontier import trace_frontier
from tradetalks.bargain.solutions import Solution, solve
from tradetalks.bargain.space import NoDealPoint, PackageSpace
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
    StartsOpt,
    UpperOpt,
    _charts,
    _nodeal,
    _print_lambda,
    _progress,
    _two_party,
    data_notes,
    dataset_and_closure,
)
from tradetalks.cli.common import ElasticitiesOpt, console, emit_json, guard
from tradetalks.errors import OptionError
from tradetalks.inputs import (
    MAX_POINTS,
    MAX_ROUNDS,
    parse_floats,
    parse_int,
)
from tradetalks.vocabulary import (
    DEFAULT_BREAKDOWN,
    DEFAULT_DATASET,
    DEFAULT_IMPASSE,
    normalise_no_deal,
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
    elasticities: ElasticitiesOpt = None,
) -> None:
    """Simulate alternating offers on the Pareto frontier toward deadlines; log every round."""
    dataset, closure = dataset_and_closure(dataset, None, closure)
    points = parse_int(points, "--points", lo=2, hi=MAX_POINTS)  # issue 15: parsed once, bounded, finite
    rounds = [parse_int(r, "--rounds", lo=1, hi=MAX_ROUNDS) for r in rounds or []] or None
    delta_ab = list(parse_floats(delta, "--delta", n=2, lo=0.0, hi=1.0, lo_open=True, hi_open=True))
    strategies = (neg.parse_strategy(strategy_a), neg.parse_strategy(strategy_b))
    space, extra = _two_party(dataset, closure, parties, objectives, instrument, upper, political_weights,
                              escalate_items, starts, elasticities=elasticities)
    d = _nodeal(space, no_deal, extra)
    e = _nodeal(space, impasse, extra) if normalise_no_deal(impasse) != d.name else d
    dates, deadlines = _schedule(deadline, start, rounds)
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
    payload = _negotiate_payload(dataset, closure, space, d, e, deadlines, res, exact, sols)
    payload |= data_notes(extra[3], political_weights)
    if as_json:
        emit_json(payload)
        return
    _print_negotiation(space, d, e, res, exact, sols)
    _print_lambda(space, extra[3], political_weights)


def _schedule(deadline: list[str] | None, start: str, rounds: list[int] | None) -> tuple[Any, Any]:
    """Round dates and deadlines of ``--deadline``, ``--start`` and ``--rounds``."""
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
    return neg.schedule(start_day, dls, per)


def _negotiate_payload(
    dataset: str,
    closure: str,
    space: PackageSpace,
    d: NoDealPoint,
    e: NoDealPoint,
    deadlines: Any,
    res: Any,
    exact: Any,
    sols: list[Solution],
) -> dict[str, Any]:
    """The ``--json`` payload of ``negotiate``."""
    a, b = space.parties
    return {
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


def _print_negotiation(
    space: PackageSpace, d: NoDealPoint, e: NoDealPoint, res: Any, exact: Any, sols: list[Solution]
) -> None:
    """The tables and lines ``negotiate`` prints without ``--json``."""
    a, b = space.parties
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

