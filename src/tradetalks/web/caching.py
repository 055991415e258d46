"""Result caches of the web service: package evaluations, shared by the worker processes.

Two levels, both keyed by what determines a result (:func:`package_key`):

1. *memory*, per worker process: the last :data:`MAX_ENTRIES` results (least recently used dropped);
2. *folder*, shared by every worker process of a deployment and kept across restarts: one JSON file per
   key (written to a temporary name and renamed, so a reader never sees half a file), at most
   :data:`MAX_FILES` files (the oldest pruned). :func:`configure` sets the folder (the web app: next to a
   SQLite record, or ``$TRADETALKS_CACHE_DIR``); without one only the memory level is used. The folder is
   a cache: a file that cannot be read or written is a miss, never an error.

The key of a package evaluation is the SHA-256 of: the rendering (``source``), the package's canonical
payload (:meth:`~tradetalks.policy.package.Package.to_payload`, sorted JSON), the content hash of its
dataset (:func:`tradetalks.store.dataset_version`), the evaluation options
(:data:`~tradetalks.policy.evaluate.EVALUATE_OPTIONS`, short run on) and a fingerprint of the code and facts
(the package's ``.py``/``.toml``/``.csv`` files), so a changed model, fact or dataset never reads a stale
result. Every evaluation the service makes goes through :func:`package_impact`: desk requests
(``POST /api/package/evaluate``, ``POST /api/runs``), stored offers and the timeline's tariffs in force.
Cached results are shared objects: callers copy before changing them (``model_copy``).

On top, :func:`impact` keeps the desk request itself (its canonical JSON) in memory, so a repeated request
skips building the package; :func:`impact_async` runs evaluations in a one-thread pool per worker process
(CPU-bound Python: a second thread would only contend for the GIL; measured with the load test, 50 clients
and two workers at load average 6: record-write p99 3.3 s with two evaluation threads, 0.27 s with one),
leaving the event loop and the request threads free for quick requests; with :func:`use_processes` (the
default of ``tradetalks serve --workers N``, N > 1) they run in a warmed process of their own per worker,
which keeps even the GIL free for quick requests (load test at load average 0.8-2.3: evaluate p99 1.8 s,
record-write p99 0.27 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tradetalks.web import schemas as S

log = logging.getLogger("tradetalks.web")

MAX_ENTRIES = 512
MAX_FILES = 20_000
KEY_VERSION = "impact-v1"
#: Threads evaluating packages in one worker process (``$TRADETALKS_EVAL_THREADS``, default 1): the work is
#: CPU-bound Python holding the GIL, so more threads only contend for it and delay quick requests such as
#: record writes (another pool); several worker processes use several cores.
EVAL_THREADS = max(1, min(8, int(os.environ.get("TRADETALKS_EVAL_THREADS", "1") or 1)))
_pool = ThreadPoolExecutor(max_workers=EVAL_THREADS, thread_name_prefix="tradetalks-eval")

SPREAD_CONNECTIONS = "close"
"""``Connection`` header of the responses to evaluations (``POST /api/package/evaluate``, ``/api/runs``).
Worker processes share one listening socket and a keep-alive connection stays with the worker that accepted
it; when many clients connect at once, one worker accepts nearly all of them (measured: 47 of 50) and the
others idle. Closing the connection after each evaluation lets the client's next request be accepted by
whichever worker is free (a new loopback/LAN connection costs well under a millisecond)."""

_lock = threading.Lock()
_requests: OrderedDict[str, S.Impact] = OrderedDict()  # desk request JSON -> result
_results: OrderedDict[str, S.Impact] = OrderedDict()  # package_key -> result
_folder: list[Path | None] = [None]
_writes = itertools.count()
stats: dict[str, int] = {"memory": 0, "folder": 0, "computed": 0}
"""Hits per level and evaluations made, in this process (for tests and the load test's report)."""


# --------------------------------------------------------------------------------------------
# configuration and keys
# --------------------------------------------------------------------------------------------


def configure(folder: str | Path | None) -> None:
    """Use ``folder`` as the shared level (created on the first write); ``None``: memory only."""
    _folder[0] = None if folder is None else Path(folder)


def folder() -> Path | None:
    """The shared folder in use, if any."""
    return _folder[0]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the package's source and facts files (paths and contents), computed once per process."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".toml", ".csv") and p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=32)
def dataset_fingerprint(name: str) -> str:
    """Content hash of a registered dataset (:func:`tradetalks.store.dataset_version`), once per name."""
    from tradetalks.store.versioning import dataset_version
    from tradetalks.web import services as sv

    return dataset_version(sv.dataset(name))


def package_key(pkg: Any, source: str) -> str:
    """The cache key of a package's evaluation rendered as ``source`` (see the module docstring)."""
    from tradetalks.policy.evaluate import EVALUATE_OPTIONS

    payload = json.dumps(pkg.to_payload(), sort_keys=True, default=str, separators=(",", ":"))
    h = hashlib.sha256()
    for part in (KEY_VERSION, source, payload, dataset_fingerprint(pkg.dataset), repr(EVALUATE_OPTIONS),
                 "short_run=True", code_fingerprint()):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# the two levels
# --------------------------------------------------------------------------------------------


def _remember(store: OrderedDict[str, S.Impact], key: str, value: S.Impact) -> None:
    with _lock:
        store[key] = value
        store.move_to_end(key)
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)


def _recall(store: OrderedDict[str, S.Impact], key: str) -> S.Impact | None:
    with _lock:
        hit = store.get(key)
        if hit is not None:
            store.move_to_end(key)
        return hit


def _path(key: str) -> Path | None:
    f = _folder[0]
    return None if f is None else f / key[:2] / f"{key}.json"


def _read(key: str) -> S.Impact | None:
    p = _path(key)
    if p is None:
        return None
    try:
        return S.Impact.model_validate_json(p.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, ValueError) as exc:  # unreadable or damaged: a miss
        log.debug("result cache: %s not used: %s", p, exc)
        return None


def _write(key: str, value: S.Impact) -> None:
    p = _path(key)
    if p is None:
        return
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "wb") as fh:
            fh.write(value.model_dump_json().encode())
        os.replace(tmp, p)
    except OSError as exc:  # read-only or full disk: the memory level still works
        log.debug("result cache: %s not written: %s", p, exc)
        return
    if next(_writes) % 256 == 255:
        prune()


def prune(limit: int = MAX_FILES) -> int:
    """Delete the oldest files of the shared folder beyond ``limit``; the number deleted."""
    f = _folder[0]
    if f is None or not f.is_dir():
        return 0
    try:
        files = sorted(f.glob("*/*.json"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return 0
    n = 0
    for p in files[: max(0, len(files) - limit)]:
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


def memoised(key: str, compute: Callable[[], S.Impact]) -> S.Impact:
    """The result under ``key``: from memory, else the shared folder, else ``compute()`` (then stored in
    both)."""
    hit = _recall(_results, key)
    if hit is not None:
        stats["memory"] += 1
        return hit
    hit = _read(key)
    if hit is not None:
        stats["folder"] += 1
        _remember(_results, key, hit)
        return hit
    out = compute()
    stats["computed"] += 1
    _remember(_results, key, out)
    _write(key, out)
    return out


def package_impact(pkg: Any, source: str, compute: Callable[[], S.Impact]) -> S.Impact:
    """:func:`memoised` under :func:`package_key` ``(pkg, source)``."""
    return memoised(package_key(pkg, source), compute)


def clear() -> None:
    """Drop every result held in memory (the shared folder is left alone)."""
    with _lock:
        _requests.clear()
        _results.clear()


# --------------------------------------------------------------------------------------------
# desk requests
# --------------------------------------------------------------------------------------------


def impact(spec: S.PackageSpec) -> S.Impact:
    """``services.impact(spec)`` (itself through :func:`package_impact`), the request kept in memory."""
    from tradetalks.web import services as sv

    key = spec.model_dump_json()
    hit = _recall(_requests, key)
    if hit is not None:
        stats["memory"] += 1
        return hit
    out = sv.impact(spec)
    _remember(_requests, key, out)
    return out


async def impact_async(spec: S.PackageSpec) -> S.Impact:
    """:func:`impact` in the evaluation pool (the event loop and the request thread pool stay free): the
    evaluation processes when :func:`use_processes` started them, else the thread."""
    key = spec.model_dump_json()
    hit = _recall(_requests, key)
    if hit is not None:
        stats["memory"] += 1
        return hit
    procs = _procs[0]
    out = await asyncio.get_running_loop().run_in_executor(_pool if procs is None else procs, impact, spec)
    if procs is not None:
        _remember(_requests, key, out)
    return out


# --------------------------------------------------------------------------------------------
# evaluation processes
# --------------------------------------------------------------------------------------------

_procs: list[ProcessPoolExecutor | None] = [None]


def _start_child(cache_folder: str | None) -> None:
    """Initialiser of an evaluation process: the shared cache folder, warm caches, and a watchdog that ends
    the process when its worker process is gone (even one killed without a chance to stop its pool)."""
    parent = os.getppid()

    def watchdog() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True, name="tradetalks-eval-watchdog").start()
    configure(cache_folder)
    warm(timeline=False)


def _pid() -> int:
    return os.getpid()


def use_processes(n: int) -> None:
    """Evaluate desk packages in ``n`` separate processes (spawned and warmed now) instead of a thread of
    this one: evaluation is CPU-bound Python, and in a thread it holds the GIL the event loop and the quick
    requests (record writes holding the SQLite write lock) need. Results come back through the shared
    cache levels as before. ``n = 0`` stops them."""
    old = _procs[0]
    if old is not None:
        _procs[0] = None
        old.shutdown(wait=True, cancel_futures=True)  # the running evaluation ends, then the process
    if n <= 0:
        return
    f = _folder[0]
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_child, initargs=(None if f is None else str(f),))
    for fut in [pool.submit(_pid) for _ in range(n)]:
        fut.result()  # started and warm before the worker serves
    _procs[0] = pool


# --------------------------------------------------------------------------------------------
# start-up
# --------------------------------------------------------------------------------------------


def warm(dataset_name: str | None = None, timeline: bool = True) -> dict[str, float]:
    """Load the default dataset, calibrate its baselines and evaluate the desk's default package and (when
    ``timeline``) the tariffs in force on every date of the talks, so that the first requests of a
    worker process find everything ready. Seconds per part; failures are logged, never raised."""
    import time

    from tradetalks.web import services as sv

    out: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        spec = S.PackageSpec.model_validate({} if dataset_name is None else {"dataset": dataset_name})
        impact(spec)
        out["package"] = time.perf_counter() - t0
        if timeline:
            t0 = time.perf_counter()
            sv.timeline_events([], spec.dataset)
            out["timeline"] = time.perf_counter() - t0
    except Exception as exc:  # warming is an optimisation: the request path reports the errors
        log.warning("start-up warming stopped: %s: %s", type(exc).__name__, exc)
    return out
