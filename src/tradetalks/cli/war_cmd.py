"""CLI adapter ``tradetalks war``: the Nash trade war among players (Ossa 2014), via
:func:`tradetalks.model.strategic.trade_war`."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import typer

from tradetalks.bargain.problem import (
    players_from,
    political_weights_label,
    political_weights_name,
    political_weights_resolved,
    region_rows,
)
from tradetalks.cli._bargain_common import (
    ClosureOpt,
    Dataset,
    JsonOpt,
    PwOpt,
    SigmaOpt,
    StartsOpt,
    _progress,
    _regions_table,
    _split,
    _starts,
    data_notes,
    dataset_and_closure,
)
from tradetalks.cli.common import ElasticitiesOpt, check_converged, console, emit_json, guard
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.inputs import (
    MAX_ITERATIONS,
    parse_float,
    parse_int,
)
from tradetalks.model.common import check_closure
from tradetalks.model.ossa import baseline_from_data
from tradetalks.model.strategic import WarProgress, trade_war
from tradetalks.results.strategic import tariff_outcome


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
    sigma: SigmaOpt = None,
    elasticities: ElasticitiesOpt = None,
    tol: Annotated[float, typer.Option(help="Stop when the trade-weighted mean tariff change < tol.")] = 1e-4,
    max_rounds: Annotated[int, typer.Option(help="Limit on rounds of best responses.")] = 50,
    starts: StartsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Nash trade war: iterate best responses among the players until tariffs stop moving (Ossa 2014).

    Prints per region the median import tariff (pooled over partners and sectors, unweighted), the welfare
    change and the government-welfare change, in %, relative to the baseline.
    """
    dataset, closure = dataset_and_closure(dataset, sigma, closure)
    tol = parse_float(tol, "--tol", lo=0.0, hi=1.0, lo_open=True)  # issue 15: bounded, finite
    max_rounds = parse_int(max_rounds, "--max-rounds", lo=1, hi=MAX_ITERATIONS)
    data = load_with_elasticities(dataset, elasticities)
    check_closure(closure)
    resolved = political_weights_resolved(data, political_weights)  # issue 11 item 7: the one decision of λ
    lam = None if resolved is None else resolved.weights
    base = baseline_from_data(data, closure)
    ps = players_from(data, _split(players))
    done = WarProgress(tol)
    with _progress() as cb:

        def hook(i: int, n: int, change: float) -> None:
            cb("trade war (% done, estimated)", round(100 * done(i, n, change)), 100)

        war = trade_war(base, ps, mfn=mfn, political_weights=lam, tol=tol, max_rounds=max_rounds,
                        starts=_starts(starts)[0], progress=hook)
    rows = region_rows(data.countries, war.tariff, war.welfare_hat, war.gov_welfare_hat, ps)
    payload = _war_payload(data, base, war, ps, rows, closure, political_weights, mfn)
    if as_json:
        emit_json(payload)
        check_converged(war.converged, f"trade war ({war.reason(data.countries)})", False)
        return
    console.print(
        _regions_table(
            rows,
            f"Nash trade war on {data.name} ({closure}, {'MFN' if mfn else 'bilateral'} tariffs)",
        )
    )
    console.print(f"λ: {political_weights_label(data, political_weights)}")
    console.print(
        f"rounds {war.rounds}, converged {war.converged}, last change {war.max_change:.2e}, "
        f"{war.seconds:.1f} s"
    )
    check_converged(war.converged, f"trade war ({war.reason(data.countries)})", False)


def _war_payload(
    data: Any,
    base: Any,
    war: Any,
    ps: Any,
    rows: list[dict[str, Any]],
    closure: str,
    political_weights: bool,
    mfn: bool,
) -> dict[str, Any]:
    """The ``--json`` payload of ``war``."""
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
    return {
        "command": "war",
        "dataset": data.name,
        "closure": closure,
        "political_weights": political_weights_name(political_weights),
        **data_notes(data, political_weights),
        "mfn": mfn,
        "players": [data.countries[p] for p in ps],
        "rounds": war.rounds,
        "converged": war.converged,
        "why_not_converged": war.reason(data.countries),
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
