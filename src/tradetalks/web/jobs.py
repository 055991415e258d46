"""Registry of background jobs (a thread pool per process) with progress and cooperative cancellation,
shared across the service's worker processes through the record store.

A job is a callable ``fn(report)``; ``report(fraction, message)`` records progress and raises
:class:`JobCancelled` once the job has been cancelled, so long computations stop at their next report.
Finished jobs are kept (up to ``keep``) so their results can be fetched; at most ``max_pending`` jobs may
be queued or running at once, and at most ``max_per_owner`` of one client.

With ``shared`` (a callable returning the record store), every job's state is written to the store's
``jobs`` table (progress at most every :data:`SYNC_EVERY_S` seconds), so a job started by one worker
process can be listed, followed and cancelled through any other: the cancel flag is read by the running
process at its next report. Without it (or while the store is unavailable or read-only), jobs live in
this process only.

A job's result is whatever ``fn`` returns; :meth:`Job.view` renders pydantic models as JSON objects. A
request handler that wants the answer synchronously awaits :attr:`Job.future` (the work still runs in the
pool, never in the handler).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from tradetalks.errors import ResourceNotFoundError, ServiceLimitError, StoreError, TradeTalksError

Status = Literal["queued", "running", "done", "failed", "cancelled"]
Report = Callable[[float, str], None]
PENDING = ("queued", "running")
SYNC_EVERY_S = 0.5
"""Least interval between two progress writes (and cancel-flag reads) of one job in the store."""
STALE_S = 3600.0
"""A pending job not updated for this long belongs to a process that is gone: shown as failed."""

log = logging.getLogger("tradetalks.web")


class JobCancelled(Exception):
    """Raised inside a job by its progress report after cancellation."""


@dataclass
class Job:
    id: str
    kind: str
    status: Status = "queued"
    progress: float = 0.0
    message: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    value: Any = None
    error: str | None = None
    owner: str = ""
    exc: BaseException | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future[None] = field(default_factory=Future)
    synced: float = 0.0

    @property
    def result(self) -> dict[str, Any] | None:
        """The result as a JSON object (``None`` until done)."""
        v = self.value
        if v is None:
            return None
        if hasattr(v, "model_dump"):
            out = v.model_dump(mode="json")
            return out if isinstance(out, dict) else {"result": out}
        return v if isinstance(v, dict) else {"result": v}

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "created": self.created,
            "result": self.result,
            "error": self.error,
        }

    def row(self) -> dict[str, Any]:
        """The job as a row of the store's ``jobs`` table."""
        return {
            "id": self.id,
            "kind": self.kind,
            "owner": self.owner[:100],
            "status": self.status,
            "progress": self.progress,
            "message": self.message[:500],
            "created": self.created,
            "updated": time.time(),
            "result": self.result,
            "error": None if self.error is None else self.error[:2000],
            "worker": _WORKER,
        } | ({"cancel_requested": True} if self.cancel.is_set() else {})  # never clears another's flag

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        """A job of another process, as the store has it (a stale pending job is shown as failed)."""
        job = cls(
            str(row["id"]),
            str(row["kind"]),
            status=row["status"],
            progress=float(row["progress"]),
            message=str(row["message"]),
            created=float(row["created"]),
            value=row["result"],
            error=row["error"],
            owner=str(row["owner"]),
        )
        if job.status in PENDING and float(row["updated"]) < time.time() - STALE_S:
            job.status, job.error = "failed", "the worker process running this job is gone"
        return job


_WORKER = f"{socket.gethostname()[:60]}:{os.getpid()}"


class JobRegistry:
    """Thread-pool job runner; thread-safe; optionally shared through the record store."""

    def __init__(
        self,
        workers: int = 2,
        max_pending: int = 8,
        keep: int = 100,
        max_per_owner: int = 3,
        shared: Callable[[], Any] | None = None,
    ) -> None:
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tradetalks-job")
        self._closed = False
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._shared = shared
        self.max_pending = max_pending
        self.max_per_owner = max_per_owner
        self.keep = keep

    # --- the shared store ------------------------------------------------------------------------------

    def _store(self) -> Any:
        """The record store when jobs are shared and it is writable, else ``None``."""
        if self._shared is None:
            return None
        try:
            st = self._shared()
        except StoreError:
            return None
        return None if getattr(st, "read_only", False) else st

    def _sync(self, job: Job, *, force: bool = True) -> None:
        """Write the job's state to the store (throttled unless ``force``); read its cancel flag."""
        now = time.time()
        if not force and now - job.synced < SYNC_EVERY_S:
            return
        st = self._store()
        if st is None:
            return
        job.synced = now
        try:
            if not job.cancel.is_set() and st.job_cancel_requested(job.id):
                job.cancel.set()
            st.put_job(job.row())
        except StoreError as exc:  # the job goes on; its state is still visible in this process
            log.warning("job %s: state not shared: %s", job.id, exc)

    # --- API -----------------------------------------------------------------------------------------------

    def submit(self, kind: str, fn: Callable[[Report], Any], owner: str = "") -> Job:
        """Queue ``fn(report)``; raise :class:`ServiceLimitError` (429) beyond the pending limits."""
        st = self._store()
        with self._lock:
            live = [j for j in self._jobs.values() if j.status in PENDING]
            n_all = len(live)
            mine = sum(j.owner == owner for j in live) if owner else 0
        if st is not None:
            try:
                since = time.time() - STALE_S
                n_all = max(n_all, st.count_pending_jobs(since=since))
                if owner:
                    mine = max(mine, st.count_pending_jobs(since=since, owner=owner))
            except StoreError:
                st = None
        if n_all >= self.max_pending:
            raise ServiceLimitError(f"jobs: at most {self.max_pending} may be pending; found {n_all}")
        if owner and mine >= self.max_per_owner:
            raise ServiceLimitError(
                f"jobs: at most {self.max_per_owner} pending per client; found {mine} from {owner}"
            )
        with self._lock:
            self._evict()
            job = Job(uuid.uuid4().hex, kind, owner=owner)
            self._jobs[job.id] = job
            if self._closed:  # the app was shut down and started again (lifespan): a fresh pool
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="tradetalks-job"
                )
                self._closed = False
            pool = self._pool
        if st is not None:
            self._sync(job)
            if len(self._jobs) % 20 == 0:
                try:
                    st.prune_jobs(self.keep)
                except StoreError:
                    pass
        pool.submit(self._run, job, fn)
        return job

    def _evict(self) -> None:
        done = [j for j in self._jobs.values() if j.status not in PENDING]
        done.sort(key=lambda j: j.created)
        while len(self._jobs) >= self.keep and done:
            self._jobs.pop(done.pop(0).id, None)

    def _run(self, job: Job, fn: Callable[[Report], Any]) -> None:
        try:
            self._execute(job, fn)
        finally:
            self._sync(job)
            if not job.future.done():
                job.future.set_result(None)

    def _execute(self, job: Job, fn: Callable[[Report], Any]) -> None:
        def report(fraction: float, message: str) -> None:
            self._sync(job, force=False)
            if job.cancel.is_set():
                raise JobCancelled
            with self._lock:
                job.progress = max(0.0, min(1.0, float(fraction)))
                job.message = message

        self._sync(job, force=False)
        with self._lock:
            if job.cancel.is_set():
                job.status = "cancelled"
                return
            job.status = "running"
            job.started = time.time()
        self._sync(job)
        try:
            result = fn(report)
        except JobCancelled:
            with self._lock:
                job.status, job.message = "cancelled", "cancelled by request"
            return
        except TradeTalksError as exc:
            with self._lock:
                job.status, job.error, job.exc = "failed", f"{type(exc).__name__}: {exc}", exc
            return
        except Exception as exc:  # a bug: keep the service up, show it in the job
            log.exception("job %s (%s) failed", job.id, job.kind)
            with self._lock:
                job.status, job.error, job.exc = "failed", f"internal error: {type(exc).__name__}", exc
            return
        with self._lock:
            if job.cancel.is_set():
                job.status = "cancelled"
            else:
                job.status, job.progress, job.value, job.message = "done", 1.0, result, "done"

    def get(self, job_id: str) -> Job:
        """A job of this process, or of another one through the store."""
        with self._lock:
            if job_id in self._jobs:
                return self._jobs[job_id]
        st = self._store()
        row = None if st is None else st.get_job(job_id)
        if row is None:
            raise ResourceNotFoundError(f"job '{job_id}': no such job (finished jobs are kept for a while)")
        return Job.from_row(row)

    def list(self) -> list[Job]:
        """Every known job (all processes' when shared), oldest first."""
        with self._lock:
            mine = dict(self._jobs)
        st = self._store()
        if st is not None:
            try:
                for row in st.list_jobs(limit=self.keep):
                    mine.setdefault(str(row["id"]), Job.from_row(row))
            except StoreError:
                pass
        return sorted(mine.values(), key=lambda j: j.created)

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop (at its next report; a queued job never starts)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            st = self._store()
            if st is None or not st.request_job_cancel(job_id):
                raise ResourceNotFoundError(
                    f"job '{job_id}': no such job (finished jobs are kept for a while)"
                )
            return self.get(job_id)
        job.cancel.set()
        with self._lock:
            if job.status == "queued":
                job.status, job.message = "cancelled", "cancelled before start"
                if not job.future.done():
                    job.future.set_result(None)
        self._sync(job)
        return job

    def shutdown(self) -> None:
        """Cancel every job of this process and stop the pool (a later submit starts a new one)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for j in jobs:
            j.cancel.set()
        with self._lock:
            self._closed = True
            pool = self._pool
        pool.shutdown(wait=False, cancel_futures=True)
