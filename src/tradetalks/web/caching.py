"""Result caches of the web service (per worker process): package evaluations by their request.

The tariffs in force per date are cached in :mod:`tradetalks.web.services` (``_in_force``); frontiers and
wars there too. This module adds the package-result cache used by ``POST /api/package/evaluate`` and
``POST /api/runs``: the key is the request's canonical JSON, so equal requests share one evaluation.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from tradetalks.web import schemas as S
from tradetalks.web import services as sv

MAX_ENTRIES = 512
#: Threads evaluating packages in one worker process (CPU-bound work: about one per core; more threads
#: only contend for the GIL and delay quick requests such as record writes, which use another pool).
EVAL_THREADS = max(1, min(4, os.cpu_count() or 1))
_pool = ThreadPoolExecutor(max_workers=EVAL_THREADS, thread_name_prefix="tradetalks-eval")

_cache: OrderedDict[str, S.Impact] = OrderedDict()
_lock = threading.Lock()


def impact(spec: S.PackageSpec) -> S.Impact:
    """``services.impact(spec)``, memoised (least recently used entries dropped beyond :data:`MAX_ENTRIES`)."""
    key = spec.model_dump_json()
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    out = sv.impact(spec)
    with _lock:
        _cache[key] = out
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return out


def clear() -> None:
    """Drop every cached result."""
    with _lock:
        _cache.clear()


async def impact_async(spec: S.PackageSpec) -> S.Impact:
    """:func:`impact` in the evaluation pool (the event loop and the request thread pool stay free)."""
    key = spec.model_dump_json()
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    return await asyncio.get_running_loop().run_in_executor(_pool, impact, spec)
