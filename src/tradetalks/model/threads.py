"""One BLAS thread for small dense linear algebra (issue 12).

The Newton systems of the global models are small (a few hundred unknowns). A multi-threaded BLAS gains
nothing on them and, on a shared 2-core machine, loses a lot: measured here, a 162 × 162 ``solve`` took
12 ms with OpenBLAS's default threads under load and 0.6 ms with one. :func:`single_blas_thread` limits
BLAS to one thread for the duration of a solve (threadpoolctl; about 10 µs per use) and restores it after.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - optional at run time
        return None
    return ThreadpoolController()


def single_blas_thread() -> AbstractContextManager[Any]:
    """Context manager limiting BLAS to one thread (no-op when threadpoolctl is absent)."""
    c = _controller()
    if c is None:  # pragma: no cover
        return nullcontext()
    cm: AbstractContextManager[Any] = c.limit(limits=1, user_api="blas")
    return cm


__all__ = ["single_blas_thread"]
