"""Repository of the web service's background jobs, so that every worker process sees every job.

A job row holds its kind, owner (client address), status, progress, message, result (JSON) or error, and a
``cancel_requested`` flag that any process may set and the running process honours. Rows are plain dicts
here; :mod:`tradetalks.web.jobs` gives them their meaning.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update

from tradetalks.store.base import Repository
from tradetalks.store.schema import JobRow
from tradetalks.store.types import _json_object

_FIELDS = (
    "id",
    "kind",
    "owner",
    "status",
    "progress",
    "message",
    "created",
    "updated",
    "result",
    "error",
    "cancel_requested",
    "worker",
)
PENDING = ("queued", "running")


def _row(r: Any) -> dict[str, Any]:
    return {f: getattr(r, f) for f in _FIELDS}


class JobRepository(Repository):
    """Background jobs shared by the web service's worker processes."""

    def put_job(self, values: dict[str, Any]) -> None:
        """Insert a job row or update it (by ``id``) with ``values`` (the ``result`` must be a JSON object)."""
        vals = {k: v for k, v in values.items() if k in _FIELDS}
        if vals.get("result") is not None:
            vals["result"] = _json_object("job result", vals["result"])
        if vals.get("message") is not None:
            vals["message"] = str(vals["message"])[:500]
        with self._tx("save job", write=True) as conn:
            n = conn.execute(update(JobRow).where(JobRow.id == vals["id"]).values(**vals)).rowcount
            if not n:
                conn.execute(insert(JobRow).values(**vals))

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        """One job row, ``None`` when absent."""
        with self._tx("get job", write=False) as conn:
            r = conn.execute(select(JobRow).where(JobRow.id == job_id)).first()
        return None if r is None else _row(r)

    def list_jobs(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest ``limit`` jobs, oldest first (without results)."""
        with self._tx("list jobs", write=False) as conn:
            rows = conn.execute(select(JobRow).order_by(JobRow.created.desc()).limit(limit)).all()
        return [{**_row(r), "result": None} for r in reversed(rows)]

    def count_pending_jobs(self, *, since: float, owner: str | None = None) -> int:
        """Jobs queued or running, updated after ``since`` (a job of a vanished process stops counting)."""
        stmt = (
            select(func.count())
            .select_from(JobRow)
            .where(JobRow.status.in_(PENDING), JobRow.updated >= since)
        )
        if owner is not None:
            stmt = stmt.where(JobRow.owner == owner)
        with self._tx("count jobs", write=False) as conn:
            return int(conn.execute(stmt).scalar_one())

    def request_job_cancel(self, job_id: str) -> bool:
        """Set the cancel flag of a job; False when there is no such job."""
        with self._tx("cancel job", write=True) as conn:
            n = conn.execute(update(JobRow).where(JobRow.id == job_id).values(cancel_requested=True)).rowcount
        return bool(n)

    def job_cancel_requested(self, job_id: str) -> bool:
        """Whether any process asked to cancel the job."""
        with self._tx("job cancel flag", write=False) as conn:
            v = conn.execute(select(JobRow.cancel_requested).where(JobRow.id == job_id)).scalar()
        return bool(v)

    def prune_jobs(self, keep: int) -> None:
        """Delete the oldest finished jobs beyond the newest ``keep``."""
        with self._tx("prune jobs", write=True) as conn:
            cutoff = conn.execute(
                select(JobRow.created).order_by(JobRow.created.desc()).offset(keep).limit(1)
            ).scalar()
            if cutoff is not None:
                conn.execute(delete(JobRow).where(JobRow.created <= cutoff, JobRow.status.not_in(PENDING)))
