"""The negotiation record: records, rounds with their offers, evaluation runs.

Offers are validated by the store on write (their package must be one the policy layer accepts); a
stored record that fails validation on read is left out of the answer and reported, never a 500.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from tradetalks.store.offers import register_offer_kind
from tradetalks.web import caching
from tradetalks.web import schemas as S
from tradetalks.web.deps import Read, Write, context
from tradetalks.web.handlers import ERROR_RESPONSES
from tradetalks.web.routers.common import Limit, Offset, OptId, RecId

router = APIRouter(responses=ERROR_RESPONSES)

# the store validates a stored web-desk package with the web's own request model (the store does not
# import the web layer)
register_offer_kind("web_package", S.PackageSpec.model_validate)


@lru_cache(maxsize=16)
def _version(name: str) -> str:
    """The dataset's content hash (computed once per worker: :func:`tradetalks.web.caching.dataset_fingerprint`)."""
    return caching.dataset_fingerprint(name)


@router.get("/api/records", dependencies=[Read])
def list_records(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, object]:
    st = context(request).store()
    return {
        "total": st.count_records(),
        "records": [r.as_dict() for r in st.list_records(limit=limit, offset=offset)],
    }


@router.post("/api/records", dependencies=[Write], status_code=201)
def create_record(request: Request, req: S.RecordIn) -> dict[str, object]:
    rec = (
        context(request)
        .store()
        .create_record(req.title, list(req.parties), key=req.key, description=req.description)
    )
    return dict(rec.as_dict())


@router.get("/api/records/{record_id}", dependencies=[Read])
def get_record(request: Request, record_id: RecId) -> dict[str, object]:
    st = context(request).store()
    rec = st.get_record(record_id)
    rounds = st.list_rounds(record_id)
    skipped = [s for r in rounds for s in getattr(r, "skipped_offers", ())]
    return {**rec.as_dict(), "rounds": [r.as_dict() for r in rounds], "skipped_offers": skipped}


@router.post("/api/records/{record_id}/rounds", dependencies=[Write], status_code=201)
def add_round(request: Request, record_id: RecId, req: S.RoundIn) -> dict[str, object]:
    from tradetalks.store import OfferSpec, RoundSpec

    spec = RoundSpec(
        date=req.date,
        title=req.title,
        kind=req.kind,
        place=req.place,
        counterparts=req.counterparts,
        notes=req.notes,
        offers=tuple(
            OfferSpec(o.party, o.label, {"web_package": o.package.model_dump(mode="json")})
            for o in req.offers
        ),
    )
    return dict(context(request).store().add_round(record_id, spec).as_dict())


@router.post("/api/runs", dependencies=[Write], status_code=201)
async def add_run(request: Request, req: S.RunIn, response: Response) -> dict[str, object]:
    from tradetalks.store import RunSpec

    ctx = context(request)
    result = await caching.impact_async(req.package)  # in the evaluation pool
    response.headers["Connection"] = caching.SPREAD_CONNECTIONS
    spec = RunSpec(
        inputs={"package": req.package.model_dump(mode="json"), "label": req.label},
        dataset_name=req.package.dataset,
        dataset_version=await run_in_threadpool(_version, req.package.dataset),
        model="ossa",
        closure=req.package.closure,
        results=result.model_dump(mode="json"),
        record_id=req.record_id,
        offer_id=req.offer_id,
    )
    run = await run_in_threadpool(lambda: ctx.store().add_run(spec))
    return dict(run.as_dict())


@router.get("/api/runs", dependencies=[Read])
def list_runs(
    request: Request, record_id: OptId = None, limit: Limit = 100, offset: Offset = 0
) -> list[dict[str, object]]:
    st = context(request).store()
    return [r.as_dict() for r in st.list_runs(record_id=record_id, limit=limit, offset=offset)]


@router.get("/api/runs/{run_id}", dependencies=[Read])
def get_run(request: Request, run_id: RecId) -> dict[str, object]:
    return dict(context(request).store().get_run(run_id).as_dict())
