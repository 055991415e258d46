"""Shared option types and helpers of the bargaining CLI (``war``, ``frontier``, ``bargain``, ``negotiate``,
``counter-offer``): option annotations, ``--starts`` parsing, the progress bar, region tables, the two-party
package space and no-deal points, charts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradetalks.bargain.chart import negotiation_figure, write_html, write_png
from tradetalks.bargain.objectives import ObjectiveSpec, load_objectives
from tradetalks.bargain.problem import (
    NODEAL_KINDS,
    build_space,
    escalation_tariff,
    nodeal_point,
    political_weights_array,
    political_weights_label,
    political_weights_name,
    political_weights_source,
)

__all__ = ["SigmaOpt", "ossa_sigma_dataset"]  # issue 11 item 7: the one --sigma option, re-exported
from tradetalks.bargain.solutions import Solution
from tradetalks.bargain.space import NoDealPoint, PackageSpace
from tradetalks.cli.common import console, err_console
from tradetalks.cli.model_cmd import SigmaOpt, ossa_sigma_dataset
from tradetalks.data.elasticities import load_with_elasticities
from tradetalks.errors import OptionError
from tradetalks.model.common import check_closure
from tradetalks.model.ossa import baseline_from_data
from tradetalks.model.ossa_optimal import parse_starts
from tradetalks.model.strategic import (
    COOP_DEFAULT_STARTS,
    COOP_STARTS,
)
from tradetalks.policy.evaluate import elasticities_of
from tradetalks.vocabulary import default_closure

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
        help="Use Ossa's (2014) political-economy weights in government welfare: the published lambda_pol "
        "when the dataset's sigma is the one they were calibrated for, re-calibrated from his non-cooperative "
        "tariffs for any other sigma (--sigma, ossa2014-sigma* datasets); default lambda = 1 (ordinary "
        "welfare), as in `tradetalks optimal-tariff`. Outputs name the source.",
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
        coop = tuple(s for s in br if s in COOP_STARTS) or ("current",)
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


def dataset_and_closure(dataset: str, sigma: str | None, closure: str | None) -> tuple[str, str]:
    """The dataset for ``--dataset`` with ``--sigma`` (:func:`ossa_sigma_dataset`) and the closure
    (``--closure``, default the dataset's: :func:`tradetalks.vocabulary.default_closure`)."""
    name = ossa_sigma_dataset(dataset, sigma)
    return name, closure or default_closure(name)


def data_notes(data: Any, political_weights: str | bool) -> dict[str, object]:
    """What a strategic or bargaining result says about its data: the elasticities used
    (:func:`tradetalks.policy.evaluate.elasticities_of`) and where λ comes from."""
    return {"elasticities": elasticities_of(data),
            "political_weights_source": political_weights_source(data, political_weights)}


def _split(text: str | None) -> list[str] | None:
    return None if not text else [p.strip() for p in text.split(",") if p.strip()]


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
    elasticities: str | None = None,
) -> tuple[PackageSpace, tuple[Any, Any, Any, Any]]:
    """Build the two-party space; returns it with (λ or None, escalation tariffs or None, best-response
    starts, the dataset) for :func:`_nodeal`."""
    data = load_with_elasticities(data_name, elasticities)
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


def _print_lambda(space: PackageSpace, data: Any, political_weights: str | bool) -> None:
    """Name the source of the political-economy weights (issue 11 item 7) when an objective uses them."""
    if political_weights_name(political_weights) == "calibrated" or any(
        o.spec.political_weights == "calibrated" for o in space.objectives
    ):
        console.print(f"λ: {political_weights_label(data, 'calibrated')}")
