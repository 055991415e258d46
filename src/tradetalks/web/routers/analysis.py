"""Quick reads: datasets, package evaluation, scenarios, the timeline of the talks.

Each handler calls one function of :mod:`tradetalks.web.services` (cached there). A stored offer that
cannot be evaluated never breaks the timeline: it is left out and named in the ``X-Skipped-Offers``
header and the log. The timeline with bands (``?uncertainty=N``, issue 13) is heavy: it runs as a job of
:mod:`tradetalks.web.routers.heavy` (``start_job`` + ``await_job``), never in the handler.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from tradetalks.errors import TradeTalksError
from tradetalks.web import caching
from tradetalks.web import schemas as S
from tradetalks.web import services as sv
from tradetalks.web import services_bands as sbands
from tradetalks.web.deps import HeavyStart, Read, context
from tradetalks.web.handlers import ERROR_RESPONSES
from tradetalks.web.jobs import Report
from tradetalks.web.routers.common import DEFAULT_DATASET, DatasetQ, DrawsQ, ScenarioName, SeedQ
from tradetalks.web.routers.heavy import STILL_RUNNING, await_job, start_job

log = logging.getLogger("tradetalks.web")
router = APIRouter(responses=ERROR_RESPONSES, dependencies=[Read])


@router.get("/api/datasets")
def datasets() -> list[S.DatasetOut]:
    return sv.list_datasets()


@router.get("/api/package/defaults")
def package_defaults(dataset: DatasetQ = DEFAULT_DATASET) -> S.PackageDefaults:
    return sv.package_defaults(dataset)


@router.post("/api/package/evaluate")
async def evaluate_package(spec: S.PackageSpec, response: Response) -> S.Impact:
    out = await caching.impact_async(spec)
    response.headers["Connection"] = caching.SPREAD_CONNECTIONS
    return out


@router.get("/api/scenarios")
def scenarios() -> list[S.ScenarioOut]:
    return sv.list_scenarios()


@router.post("/api/scenarios/{name}/evaluate")
def evaluate_scenario(name: ScenarioName, req: S.ScenarioRequest | None = None) -> S.ScenarioResult:
    return sv.scenario_impact(name, None if req is None else req.dataset)


def _evaluable(rounds: list[Any]) -> tuple[list[Any], list[str]]:
    """The rounds with only the offers that evaluate; the ids of those left out."""
    kept, skipped = [], []
    for r in rounds:
        ok = []
        for o in r.offers:
            try:
                sv.evaluate_offer(dict(o.package))
                ok.append(o)
            except TradeTalksError as exc:
                skipped.append(str(o.id))
                log.warning("timeline: offer %s left out: %s: %s", o.id, type(exc).__name__, exc)
        kept.append(dataclasses.replace(r, offers=tuple(ok)))
    return kept, skipped


def _timeline_events(request: Request, response: Response, dataset: str) -> list[S.TimelineEvent]:
    ctx = context(request)
    st = ctx.store()
    seed_id = ctx.state.get("seed_id")
    rounds = st.list_rounds(seed_id) if seed_id is not None else []
    skipped = [str(s) for r in rounds for s in getattr(r, "skipped_offers", ())]
    try:
        events = sv.timeline_events(rounds, dataset)
    except TradeTalksError as exc:
        log.warning("timeline: an offer failed (%s); evaluating offer by offer", type(exc).__name__)
        rounds, bad = _evaluable(rounds)
        skipped += bad
        events = sv.timeline_events(rounds, dataset)
    if skipped:
        response.headers["X-Skipped-Offers"] = ",".join(skipped)[:1000]
    return events


@router.get("/api/timeline", response_model=list[S.TimelineEvent], responses=STILL_RUNNING)
async def timeline(
    request: Request, response: Response, dataset: DatasetQ = DEFAULT_DATASET, uncertainty: DrawsQ = 0,
    uncertainty_seed: SeedQ = 0, client: str = HeavyStart,
) -> Any:
    """Every event of the talks with the tariffs in force evaluated. With ``uncertainty`` > 0 (issue 13) each
    date's ``in_force`` carries its 5-95 % bands and their summary (draws, seed, converged share): a heavy
    job (:func:`tradetalks.web.services_bands.timeline_bands`) awaited like the heavy requests — 200 with the
    events when ready within two seconds, else 202 with the job (its result: ``{"events": [...],
    "uncertainty": {...}}``)."""
    events = await run_in_threadpool(_timeline_events, request, response, dataset)
    if not uncertainty:
        return events

    def job(report: Report) -> S.TimelineBands:
        report(0.0, "evaluating the tariffs in force")
        return sbands.timeline_bands(events, dataset, uncertainty, uncertainty_seed, report)

    out = await await_job(start_job(request, "timeline-bands", job, client))
    return out.events if isinstance(out, S.TimelineBands) else out
