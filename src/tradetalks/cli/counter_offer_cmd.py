"""CLI adapter ``tradetalks counter-offer``: the counter-offer advisor, via
:func:`tradetalks.bargain.advisor.advise`."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from tradetalks.bargain.advisor import advise, improvement_set, parse_offer
from tradetalks.bargain.space import PackageSpace
from tradetalks.cli._bargain_common import (
    ClosureOpt,
    Dataset,
    InstrOpt,
    JsonOpt,
    ObjOpt,
    PartiesOpt,
    PwOpt,
    UpperOpt,
    _print_lambda,
    _two_party,
    data_notes,
    dataset_and_closure,
)
from tradetalks.cli.common import ElasticitiesOpt, console, emit_json, guard
from tradetalks.errors import OptionError
from tradetalks.vocabulary import DEFAULT_DATASET


def parse_package(space: PackageSpace, items: list[str] | None) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A package from ``--offer``/``--position`` items (:func:`tradetalks.bargain.advisor.parse_offer`)."""
    return parse_offer(space, items)


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
    elasticities: ElasticitiesOpt = None,
) -> None:
    """Counter-offer advisor: the best package for us that leaves the other side at least as well off as
    its offer, and our smallest concession from our position that both sides prefer to the offer."""
    dataset, closure = dataset_and_closure(dataset, None, closure)
    space, extra = _two_party(dataset, closure, parties, objectives, instrument, upper, political_weights, None,
                              elasticities=elasticities)
    if us not in space.parties:
        raise OptionError("--us", space.parties, us)
    k = space.parties.index(us)
    xo = parse_package(space, offer)
    xp = parse_package(space, position) if position else None
    adv = advise(space, xo, k, xp)
    size = improvement_set(space, adv)
    payload = {
        "command": "counter-offer",
        "dataset": dataset,
        "parties": list(space.parties),
        **adv.as_dict(space),
        "improvement_set": size.as_dict(space.parties),
        **data_notes(extra[3], political_weights),
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
    console.print(
        "packages both sides prefer to the offer: largest gain "
        + ", ".join(
            f"{p} {g:+.4f} % ({usd:+.2f} US$bn/yr)"
            for p, g, usd in zip(space.parties, size.max_gain, size.max_gain_usd_bn, strict=True)
        )
        + f"; {100 * size.sampled_share:.1f} % of {size.samples} sampled packages"
    )
    _print_lambda(space, extra[3], political_weights)
