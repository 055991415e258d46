"""In-process registry of background jobs (a thread pool) with progress and cooperative cancellation.

A job is a callable ``fn(report)``; ``report(fraction, message)`` records progress and raises
:class:`JobCancelled` once the job has been cancelled, so long computations stop at their next report.
Finished jobs are kept (up to ``keep``) so their results can be fetched; at most ``max_pending`` jobs may
be queued or running at once, and at most ``max_per_owner`` of one client.

A job's result is whatever ``fn`` returns; :meth:`Job.view` renders pydantic models as JSON objects. A
request handler that wants the answer synchronously awaits :attr:`Job.future` (the work still runs in the
pool, never in the handler; the handler spends no CPU on it).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from tradetalks.errors import ResourceNotFoundError, ServiceLimitError, TradeTalksError

Status = Literal["queued", "running", "done", "failed", "cancelled"]
Report = Callable[[float, str], None]


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


class JobRegistry:
    """Thread-pool job runner; thread-safe."""

    def __init__(
        self, workers: int = 2, max_pending: int = 8, keep: int = 100, max_per_owner: int = 3
    ) -> None:
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tradetalks-job")
        self._closed = False
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.max_pending = max_pending
        self.max_per_owner = max_per_owner
        self.keep = keep

    def submit(self, kind: str, fn: Callable[[Report], Any], owner: str = "") -> Job:
        """Queue ``fn(report)``; raise :class:`ServiceLimitError` (429) beyond the pending limits."""
        with self._lock:
            live = [j for j in self._jobs.values() if j.status in ("queued", "running")]
            if len(live) >= self.max_pending:
                raise ServiceLimitError(f"jobs: at most {self.max_pending} may be pending; found {len(live)}")
            mine = sum(j.owner == owner for j in live) if owner else 0
            if owner and mine >= self.max_per_owner:
                raise ServiceLimitError(
                    f"jobs: at most {self.max_per_owner} pending per client; found {mine} from {owner}"
                )
            self._evict()
            job = Job(uuid.uuid4().hex, kind, owner=owner)
            self._jobs[job.id] = job
            if self._closed:  # the app was shut down and started again (lifespan): a fresh pool
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="tradetalks-job"
                )
                self._closed = False
            pool = self._pool
        pool.submit(self._run, job, fn)
        return job

    def _evict(self) -> None:
        done = [j for j in self._jobs.values() if j.status not in ("queued", "running")]
        done.sort(key=lambda j: j.created)
        while len(self._jobs) >= self.keep and done:
            self._jobs.pop(done.pop(0).id, None)

    def _run(self, job: Job, fn: Callable[[Report], Any]) -> None:
        try:
            self._execute(job, fn)
        finally:
            if not job.future.done():
                job.future.set_result(None)

    def _execute(self, job: Job, fn: Callable[[Report], Any]) -> None:
        def report(fraction: float, message: str) -> None:
            if job.cancel.is_set():
                raise JobCancelled
            with self._lock:
                job.progress = max(0.0, min(1.0, float(fraction)))
                job.message = message

        with self._lock:
            if job.cancel.is_set():
                job.status = "cancelled"
                return
            job.status = "running"
            job.started = time.time()
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
            with self._lock:
                job.status, job.error, job.exc = "failed", f"internal error: {type(exc).__name__}", exc
            return
        with self._lock:
            if job.cancel.is_set():
                job.status = "cancelled"
            else:
                job.status, job.progress, job.value, job.message = "done", 1.0, result, "done"

    def get(self, job_id: str) -> Job:
        with self._lock:
            if job_id not in self._jobs:
                raise ResourceNotFoundError(
                    f"job '{job_id}': no such job (finished jobs are kept for a while)"
                )
            return self._jobs[job_id]

    def list(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created)

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        job.cancel.set()
        with self._lock:
            if job.status == "queued":
                job.status, job.message = "cancelled", "cancelled before start"
                if not job.future.done():
                    job.future.set_result(None)
        return job

    def shutdown(self) -> None:
        """Cancel every job and stop the pool (a later submit starts a new one)."""
        for j in self.list():
            j.cancel.set()
        with self._lock:
            self._closed = True
            pool = self._pool
        pool.shutdown(wait=False, cancel_futures=True)
