"""Heavy requests: Pareto frontier, bargaining solutions, trade wars, negotiation simulations, the
counter-offer advisor and cooperative tariffs.

They run as background jobs in the job pool, never in a request handler:

- ``POST /api/jobs/{frontier,bargain,war,counter-offer,cooperative}`` (and ``/api/jobs/simulate``, which
  needs the token) start a job and answer 202 with it; ``GET /api/jobs/{id}`` shows progress and the result,
  ``DELETE`` cancels it (the war and cooperative jobs stop at the end of the current round or iteration).
- ``POST /api/frontier``, ``/api/bargain``, ``/api/war``, ``/api/counter-offer``, ``/api/cooperative`` start
  the same job and wait for it at most :data:`SYNC_WAIT_S` seconds (the handler itself only waits): 200 with
  the result when it is ready (a cached result comes back at once), else 202 with the job (``Location:
  /api/jobs/{id}``) to follow.

Starts are limited per client (token bucket, 429 with ``Retry-After``) and by the number of pending jobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tradetalks.errors import ServiceError, TradeTalksError
from tradetalks.web import schemas as S
from tradetalks.web import schemas_bargain as SB
from tradetalks.web import services as sv
from tradetalks.web import services_bands as sbands
from tradetalks.web import services_bargain as sb
from tradetalks.web.deps import HeavyStart, Read, Write, context
from tradetalks.web.handlers import ERROR_RESPONSES
from tradetalks.web.jobs import Job, Report
from tradetalks.web.routers.common import JobId

router = APIRouter(responses=ERROR_RESPONSES)

#: Longest a synchronous heavy request waits for its job before answering 202 with the job.
SYNC_WAIT_S = 2.0
_STILL_RUNNING: dict[int | str, dict[str, Any]] = {
    202: {"model": S.JobOut, "description": "Still running: follow the job at the Location header"}
}


def _traced_job(spec: S.FrontierSpec, finish: Callable[[Any], Any]) -> Callable[[Report], Any]:
    """A job that traces the frontier of ``spec`` (with progress) and then returns ``finish(spec)``
    (the frontier itself, or the bargaining solutions on it)."""

    def run(report: Report) -> Any:
        report(0.0, "tracing the frontier")
        sv.trace(
            spec, lambda what, done, total: report(0.95 * done / max(total, 1), f"{what}: {done}/{total}")
        )
        return finish(spec)

    return run


def _frontier_job(spec: S.FrontierSpec) -> Callable[[Report], Any]:
    """The frontier; with ``uncertainty`` > 0 (a :class:`~tradetalks.web.schemas.FrontierRequest`) its points,
    solutions and no-deal point banded over the draws (:func:`tradetalks.web.services_bands.frontier_bands`,
    issue 13) after the trace."""
    draws, seed = int(getattr(spec, "uncertainty", 0)), int(getattr(spec, "uncertainty_seed", 0))
    if not draws:
        return _traced_job(spec, sv.frontier)

    def run(report: Report) -> Any:
        report(0.0, "tracing the frontier")
        sv.trace(spec, lambda what, done, total: report(0.6 * done / max(total, 1), f"{what}: {done}/{total}"))
        return sbands.frontier_bands(spec, draws, seed, lambda f, what: report(0.6 + 0.39 * f, what))

    return run


def _bargain_job(spec: S.BargainSpec) -> Callable[[Report], Any]:
    return _traced_job(spec, sv.bargain)


def _war_job(spec: S.WarSpec) -> Callable[[Report], Any]:
    """The war with its rounds as progress; a cancelled job's report raises inside the war's round hook,
    which stops the best responses at the end of the round."""

    def run(report: Report) -> Any:
        from tradetalks.model.strategic import WarProgress

        report(0.0, "best responses")
        done = WarProgress()

        def hook(rnd: int, max_rounds: int, change: float) -> None:
            report(done(rnd, max_rounds, change), f"round {rnd}: change {change:.1e}")

        return sv.war(spec, progress=hook)

    return run


def _counter_offer_job(inp: sb.AdvisorInput) -> Callable[[Report], Any]:
    def run(report: Report) -> Any:
        report(0.0, "evaluating the offer")
        return sb.counter_offer(inp, report)

    return run


def _cooperative_job(spec: SB.CooperativeSpec) -> Callable[[Report], Any]:
    def run(report: Report) -> Any:
        report(0.0, "trade war" if spec.start == "nash" else "cooperative tariffs")
        return sb.cooperative(spec, report)

    return run


def _advisor_input(request: Request, spec: SB.CounterOfferSpec) -> sb.AdvisorInput:
    """Validate an advisor request before a job is queued (bad items or labels: 422; an unknown stored
    offer: 404); a stored offer's package is read from the record here."""
    stored = None
    if spec.offer_id is not None:
        stored = context(request).store().get_offer(spec.offer_id).package
    return sb.advisor_input(spec, stored)


def _simulate_job(spec: S.SimulationSpec) -> Callable[[Report], Any]:
    def run(report: Report) -> Any:
        report(0.0, "tracing the frontier")

        def progress(what: str, done: int, total: int) -> None:
            report(0.9 * done / max(total, 1), f"{what}: {done}/{total}")

        out = sv.simulate(spec, progress)
        report(0.9 if spec.uncertainty else 0.99, "rounds simulated")
        if spec.uncertainty:  # issue 13: bands on the frontier and on every round's offer
            out = sbands.simulation_bands(spec, out, lambda f, what: report(0.9 + 0.09 * f, what))
        return out

    return run


def _start(request: Request, kind: str, fn: Callable[[Report], Any], owner: str) -> Job:
    """Start a job for a validated request: per-client rate limit, then the pending limits (429)."""
    ctx = context(request)
    ctx.limiter.take(owner, "heavy job starts")
    return ctx.jobs.submit(kind, fn, owner=owner)


async def _await(job: Job) -> Any:
    try:
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(job.future)), SYNC_WAIT_S)
    except TimeoutError:
        return JSONResponse(
            S.JobOut(**job.view()).model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/api/jobs/{job.id}"},
        )
    if job.status == "done":
        return job.value
    if isinstance(job.exc, TradeTalksError):
        raise job.exc
    if job.exc is not None:
        raise job.exc
    raise ServiceError(f"job {job.id}: expected a result; found the job {job.status}")


STILL_RUNNING = _STILL_RUNNING
start_job = _start
await_job = _await
"""Public names of the job start and await, for routers whose requests turn heavy with an option (the
timeline with bands, issue 13)."""


# --- synchronous forms (await a job) -------------------------------------------------------------


@router.post("/api/frontier", dependencies=[Read], responses=_STILL_RUNNING, response_model=S.FrontierOut)
async def frontier(request: Request, spec: S.FrontierRequest, client: str = HeavyStart) -> Any:
    return await _await(_start(request, "frontier", _frontier_job(spec), client))


@router.post("/api/bargain", dependencies=[Read], responses=_STILL_RUNNING, response_model=S.SolutionOut)
async def bargain(request: Request, spec: S.BargainSpec, client: str = HeavyStart) -> Any:
    return await _await(_start(request, "bargain", _bargain_job(spec), client))


@router.post("/api/war", dependencies=[Read], responses=_STILL_RUNNING, response_model=S.WarOut)
async def war(request: Request, spec: S.WarSpec, client: str = HeavyStart) -> Any:
    return await _await(_start(request, "war", _war_job(spec), client))


@router.post(
    "/api/counter-offer", dependencies=[Read], responses=_STILL_RUNNING, response_model=SB.CounterOfferOut
)
async def counter_offer(request: Request, spec: SB.CounterOfferSpec, client: str = HeavyStart) -> Any:
    inp = await asyncio.to_thread(_advisor_input, request, spec)
    return await _await(_start(request, "counter-offer", _counter_offer_job(inp), client))


@router.post(
    "/api/cooperative", dependencies=[Read], responses=_STILL_RUNNING, response_model=SB.CooperativeOut
)
async def cooperative(request: Request, spec: SB.CooperativeSpec, client: str = HeavyStart) -> Any:
    sb.check_cooperative(spec)
    return await _await(_start(request, "cooperative", _cooperative_job(spec), client))


# --- background jobs -----------------------------------------------------------------------------


@router.post("/api/jobs/simulate", dependencies=[Write], status_code=202)
def start_simulation(request: Request, spec: S.SimulationSpec, client: str = HeavyStart) -> S.JobOut:
    sv.check_simulation(spec)
    return S.JobOut(**_start(request, "simulate", _simulate_job(spec), client).view())


@router.post("/api/jobs/frontier", dependencies=[Read], status_code=202)
def start_frontier(request: Request, spec: S.FrontierRequest, client: str = HeavyStart) -> S.JobOut:
    return S.JobOut(**_start(request, "frontier", _frontier_job(spec), client).view())


@router.post("/api/jobs/bargain", dependencies=[Read], status_code=202)
def start_bargain(request: Request, spec: S.BargainSpec, client: str = HeavyStart) -> S.JobOut:
    return S.JobOut(**_start(request, "bargain", _bargain_job(spec), client).view())


@router.post("/api/jobs/war", dependencies=[Read], status_code=202)
def start_war(request: Request, spec: S.WarSpec, client: str = HeavyStart) -> S.JobOut:
    return S.JobOut(**_start(request, "war", _war_job(spec), client).view())


@router.post("/api/jobs/counter-offer", dependencies=[Read], status_code=202)
def start_counter_offer(request: Request, spec: SB.CounterOfferSpec, client: str = HeavyStart) -> S.JobOut:
    inp = _advisor_input(request, spec)
    return S.JobOut(**_start(request, "counter-offer", _counter_offer_job(inp), client).view())


@router.post("/api/jobs/cooperative", dependencies=[Read], status_code=202)
def start_cooperative(request: Request, spec: SB.CooperativeSpec, client: str = HeavyStart) -> S.JobOut:
    sb.check_cooperative(spec)
    return S.JobOut(**_start(request, "cooperative", _cooperative_job(spec), client).view())


@router.get("/api/jobs", dependencies=[Read])
def list_jobs(request: Request) -> list[S.JobOut]:
    return [S.JobOut(**{**j.view(), "result": None}) for j in context(request).jobs.list()]


@router.get("/api/jobs/{job_id}", dependencies=[Read])
def get_job(request: Request, job_id: JobId) -> S.JobOut:
    return S.JobOut(**context(request).jobs.get(job_id).view())


@router.delete("/api/jobs/{job_id}", dependencies=[Write])
def cancel_job(request: Request, job_id: JobId) -> S.JobOut:
    return S.JobOut(**context(request).jobs.cancel(job_id).view())
