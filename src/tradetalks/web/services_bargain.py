"""Thin adapters behind the bargaining jobs added for issue 11: the counter-offer advisor and Ossa's
cooperative tariffs (the war job's adapter is :func:`tradetalks.web.services.war`).

No economics here: the advisor is :func:`tradetalks.bargain.advisor.advise` (with
:func:`~tradetalks.bargain.advisor.improvement_set` and :func:`~tradetalks.bargain.advisor.parse_offer`,
the parser ``tradetalks counter-offer`` uses) on the space :func:`tradetalks.bargain.problem.build_space`
builds for the CLI from the same inputs, so the web and the CLI advise the same package; offers from a
preset or the record become instrument vectors through :func:`tradetalks.bargain.transfers.package_x`
(the one package path). Cooperative tariffs are :func:`tradetalks.bargain.problem.cooperative_talks`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradetalks.bargain.advisor import CounterOffer, ImprovementSet, advise, improvement_set, parse_offer
from tradetalks.bargain.problem import build_space, cooperative_talks, players_from, political_weights_array
from tradetalks.bargain.space import PackageSpace
from tradetalks.bargain.transfers import package_x, usd_bn_per_unit
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import BargainingError
from tradetalks.model import ossa
from tradetalks.model.common import check_closure
from tradetalks.policy.package import Package
from tradetalks.results.strategic import tariff_outcome
from tradetalks.web import schemas as S
from tradetalks.web import schemas_bargain as SB
from tradetalks.web import services as sv

Report = Callable[[float, str], None]

_lock = threading.Lock()
_baselines: dict[tuple[str, str], ossa.OssaBaseline] = {}


def _baseline(name: str, closure: str) -> ossa.OssaBaseline:
    """The Ossa baseline as ``tradetalks counter-offer`` builds it (``baseline_from_data`` with its default
    solver options), cached per dataset and closure."""
    key = (name, closure)
    with _lock:
        if key in _baselines:
            return _baselines[key]
    check_closure(closure)
    b = ossa.baseline_from_data(sv.dataset(name), closure)
    with _lock:
        return _baselines.setdefault(key, b)


# --------------------------------------------------------------------------------------------
# counter-offer advisor
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AdvisorInput:
    """A validated advisor request: the space, the offer and our position as instrument vectors."""

    spec: SB.CounterOfferSpec
    data: TradeData
    space: PackageSpace
    offer_x: np.ndarray[Any, np.dtype[np.float64]]
    position_x: np.ndarray[Any, np.dtype[np.float64]] | None
    source: str
    notes: tuple[str, ...]


def advisor_input(spec: SB.CounterOfferSpec, stored_offer: Mapping[str, Any] | None = None) -> AdvisorInput:
    """Build the space and read the offer (cheap: no equilibrium is solved); bad items, labels or a stored
    offer that is not a package raise named errors before a job is queued. ``stored_offer``: the package
    payload of ``spec.offer_id`` as the record holds it."""
    data = sv.dataset(spec.dataset)
    base = _baseline(spec.dataset, spec.closure)
    political_weights_array(data, spec.political_weights)  # refuses 'calibrated' without lambda_pol or tariff_noncoop (political_source.political_weights_for)
    space = build_space(
        data,
        base,
        spec.parties,
        {},
        instruments=spec.instruments,
        upper=spec.upper_pct / 100.0,
        political_weights=spec.political_weights,
    )
    notes: tuple[str, ...] = ()
    if spec.offer:
        xo = parse_offer(space, spec.offer, "offer")
        source = "offer items: " + ", ".join(spec.offer)
    else:
        pkg = _offer_package(spec, stored_offer)
        xo, notes = package_x(space, data, pkg)
        source = (
            f"built-in scenario {spec.offer_scenario!r}"
            if spec.offer_scenario is not None
            else f"stored offer #{spec.offer_id} ({pkg.name})"
        )
    xp = parse_offer(space, spec.position, "position") if spec.position else None
    return AdvisorInput(spec, data, space, xo, xp, source, notes)


def _offer_package(spec: SB.CounterOfferSpec, stored: Mapping[str, Any] | None) -> Package:
    """The offer's :class:`Package`: a built-in scenario's, or a stored offer's (the three stored forms:
    ``{"package": ...}``, ``{"web_package": ...}``, ``{"scenario": NAME}``)."""
    from tradetalks.policy.scenarios import BUILTIN, builtin_spec
    from tradetalks.web.desk import desk_package

    if spec.offer_scenario is not None:
        return Package.from_spec(builtin_spec(spec.offer_scenario))
    if stored is None:
        raise BargainingError(f"offer_id {spec.offer_id}: expected a stored offer; found none")
    if isinstance(stored.get("package"), dict):
        return Package.from_payload(stored["package"], f"stored offer #{spec.offer_id}")
    if isinstance(stored.get("web_package"), dict):
        return desk_package(S.PackageSpec.model_validate(stored["web_package"]))
    name = stored.get("scenario")
    if isinstance(name, str) and name in BUILTIN:
        return Package.from_spec(builtin_spec(name))
    raise BargainingError(
        f"offer_id {spec.offer_id}: expected a stored package (package, web_package or a built-in scenario); "
        f"found keys {sorted(stored)[:6]}"
    )


_advice: dict[tuple[str, bytes, bytes], SB.CounterOfferOut] = {}


def counter_offer(inp: AdvisorInput, report: Report | None = None) -> SB.CounterOfferOut:
    """Advice for ``spec.us`` against the offer, with the size of the improvement set (progress: the four
    optimisations of the advice, then the set); kept per request and offer, so asking again answers at
    once."""
    key = (
        inp.spec.model_dump_json(),
        inp.offer_x.tobytes(),
        b"" if inp.position_x is None else inp.position_x.tobytes(),
    )
    with _lock:
        hit = _advice.get(key)
    if hit is None:
        hit = _advise(inp, report)
        with _lock:
            if len(_advice) >= 64:
                _advice.clear()
            _advice[key] = hit
    return hit


def _advise(inp: AdvisorInput, report: Report | None) -> SB.CounterOfferOut:
    space, spec = inp.space, inp.spec
    us = space.parties.index(spec.us)

    def step(what: str, done: int, total: int) -> None:
        if report is not None:
            report(0.8 * done / max(total, 1), f"{what}: {done}/{total}")

    adv = advise(space, inp.offer_x, us, inp.position_x, progress=step)
    if report is not None:
        report(0.85, "measuring the set both sides prefer to the offer")
    size = improvement_set(space, adv, samples=spec.samples)
    return _advice_out(inp, adv, size)


def _advice_out(inp: AdvisorInput, adv: CounterOffer, size: ImprovementSet) -> SB.CounterOfferOut:
    space, spec = inp.space, inp.spec
    rows = [
        SB.InstrumentRow(
            name=ins.name,
            unit="%" if ins.kind == "tariff" else "US$ bn",
            **{
                k: (100.0 if ins.kind == "tariff" else 1.0) * float(v[i])
                for k, v in (
                    ("offer", adv.offer_x),
                    ("best", adv.best_x),
                    ("concession", adv.concession_x),
                    ("position", adv.position_x),
                )
            },
        )
        for i, ins in enumerate(space.instruments)
    ]
    objectives = [
        SB.ObjectiveRow(
            party=p,
            offer=float(adv.offer_u[m]),
            best=float(adv.best_u[m]),
            concession=float(adv.concession_u[m]),
        )
        for m, p in enumerate(space.parties)
    ]
    per = usd_bn_per_unit(space.base.expenditure, [o.country for o in space.objectives])
    return SB.CounterOfferOut(
        dataset=spec.dataset,
        closure=spec.closure,
        parties=list(space.parties),
        advised_party=spec.us,
        offer_source=inp.source,
        instruments=rows,
        objectives=objectives,
        gain_over_offer_pct=float(adv.gain),
        gain_over_offer_usd_bn_per_year=float(adv.gain * per[adv.us]),
        improvement_set=SB.ImprovementSetOut(**size.as_dict(space.parties)),
        converged=bool(adv.converged),
        notes=list(inp.notes),
    )


# --------------------------------------------------------------------------------------------
# cooperative tariffs
# --------------------------------------------------------------------------------------------


def check_cooperative(spec: SB.CooperativeSpec) -> list[int]:
    """Player indices of a cooperative request (unknown players, weights or a dataset the Ossa model cannot
    calibrate on raise before a job is queued)."""
    data = sv.dataset(spec.dataset)
    _baseline(spec.dataset, spec.closure)
    political_weights_array(data, spec.political_weights)
    return players_from(data, spec.players)


def cooperative(spec: SB.CooperativeSpec, report: Report | None = None) -> SB.CooperativeOut:
    """Cooperative tariffs among the players; progress from the war's rounds (start ``nash``) and the
    augmented-Lagrangian iterations (a cancelled job's report raises and stops them)."""
    data = sv.dataset(spec.dataset)
    ps = check_cooperative(spec)
    lam = political_weights_array(data, spec.political_weights)
    base = _baseline(spec.dataset, spec.closure)
    war_share = 0.4 if spec.start == "nash" else 0.0

    def war_hook(i: int, n: int, change: float) -> None:
        if report is not None:
            report(war_share * i / max(n, 1), f"trade war: round {i} (change {change:.1e})")

    def coop_hook(i: int, n: int, violation: float) -> None:
        if report is not None:
            report(
                war_share + (0.95 - war_share) * i / max(n, 1),
                f"cooperative tariffs: iteration {i}/{n} (violation {violation:.1e})",
            )

    talks = cooperative_talks(
        base, data.countries, spec.start, ps, lam, mfn=spec.mfn, war_progress=war_hook, progress=coop_hook
    )
    coop = talks.result
    labelled = tariff_outcome(
        "cooperative",
        base,
        coop,
        data.countries,
        data.sectors,
        ps,
        closure=spec.closure,
        iterations=int(coop.iterations),
        residual=float(coop.max_violation),
    )
    return SB.CooperativeOut(
        dataset=spec.dataset,
        closure=spec.closure,
        players=[data.countries[p] for p in ps],
        start=spec.start,
        mfn=spec.mfn,
        common_gain_pct=talks.common_gain_pct,
        converged=bool(coop.converged),
        max_violation=float(coop.max_violation),
        iterations=int(coop.iterations),
        seconds=float(coop.seconds),
        regions=[
            SB.CooperativeRegion(**{k: r[k] for k in SB.CooperativeRegion.model_fields}) for r in talks.rows
        ],
        tariffs_pct={data.countries[p]: labelled.tariffs_of(data.countries[p]) for p in ps},
    )
