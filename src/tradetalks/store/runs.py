"""Repository of evaluation runs (inputs, dataset version, model, results)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from tradetalks.errors import OfferNotFoundError, RunNotFoundError, StoreInputError
from tradetalks.store.base import Repository
from tradetalks.store.schema import OfferRow, RecordRow, RoundRow, RunRow, utcnow
from tradetalks.store.types import Run, RunSpec, _json_object, _page, _positive_id, _text


class RunRepository(Repository):
    """Evaluation runs, optionally linked to a record and an offer."""

    def add_run(self, spec: RunSpec) -> Run:
        """Store an evaluation run (one transaction)."""
        from tradetalks import __version__

        if not isinstance(spec, RunSpec):
            raise StoreInputError(f"run: expected a RunSpec; found {type(spec).__name__}")
        inputs = _json_object("inputs", spec.inputs)
        results = _json_object("results", spec.results)
        record_id = None if spec.record_id is None else _positive_id("record id", spec.record_id)
        offer_id = None if spec.offer_id is None else _positive_id("offer id", spec.offer_id)
        values: dict[str, Any] = {
            "inputs": inputs,
            "results": results,
            "dataset_name": _text("dataset_name", spec.dataset_name, max_len=200, allow_empty=False),
            "dataset_version": _text("dataset_version", spec.dataset_version, max_len=100, allow_empty=False),
            "model": _text("model", spec.model, max_len=100, allow_empty=False),
            "closure": _text("closure", spec.closure, max_len=100, allow_empty=True),
            "tradetalks_version": _text(
                "tradetalks_version",
                __version__ if spec.tradetalks_version is None else spec.tradetalks_version,
                max_len=50,
                allow_empty=False,
            ),
            "record_id": record_id,
            "offer_id": offer_id,
            "created_at": utcnow(),
        }
        with self._tx("add run", write=True) as conn:
            if record_id is not None:
                self._lock_run_record(conn, record_id)
            if offer_id is not None:
                rec_of_offer = conn.execute(
                    select(RoundRow.record_id)
                    .join(OfferRow, OfferRow.round_id == RoundRow.id)
                    .where(OfferRow.id == offer_id)
                ).scalar()
                if rec_of_offer is None:
                    raise OfferNotFoundError(f"offer id: expected an existing offer; found {offer_id}")
                if record_id is not None and rec_of_offer != record_id:
                    raise StoreInputError(
                        f"offer id: expected an offer of record {record_id}; "
                        f"found offer {offer_id} of record {rec_of_offer}"
                    )
            run_id = conn.execute(insert(RunRow).values(**values).returning(RunRow.id)).scalar_one()
            return _load_runs(conn, select(RunRow).where(RunRow.id == run_id))[0]

    def get_run(self, run_id: int) -> Run:
        """One run; :class:`RunNotFoundError` when absent."""
        rid = _positive_id("run id", run_id)
        with self._tx("get run", write=False) as conn:
            found = _load_runs(conn, select(RunRow).where(RunRow.id == rid))
        if not found:
            raise RunNotFoundError(f"run id: expected an existing run; found {rid}")
        return found[0]

    def list_runs(
        self,
        *,
        record_id: int | None = None,
        offer_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Run]:
        """Runs ordered by id, optionally only those of a record and/or an offer."""
        limit, offset = _page(limit, offset)
        stmt = select(RunRow)
        if record_id is not None:
            stmt = stmt.where(RunRow.record_id == _positive_id("record id", record_id))
        if offer_id is not None:
            stmt = stmt.where(RunRow.offer_id == _positive_id("offer id", offer_id))
        stmt = stmt.order_by(RunRow.id).limit(limit).offset(offset)
        with self._tx("list runs", write=False) as conn:
            return _load_runs(conn, stmt)

    def _lock_run_record(self, conn: Connection, rid: int) -> None:
        if conn.execute(select(RecordRow.id).where(RecordRow.id == rid)).scalar() is None:
            from tradetalks.errors import RecordNotFoundError

            raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")


def _load_runs(conn: Connection, stmt: Any) -> list[Run]:
    return [
        Run(
            id=r.id,
            record_id=r.record_id,
            offer_id=r.offer_id,
            inputs=dict(r.inputs),
            dataset_name=r.dataset_name,
            dataset_version=r.dataset_version,
            model=r.model,
            closure=r.closure,
            tradetalks_version=r.tradetalks_version,
            results=dict(r.results),
            created_at=r.created_at,
        )
        for r in conn.execute(stmt).all()
    ]
