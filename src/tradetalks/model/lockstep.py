"""Several L-BFGS-B runs in lock step, their objective evaluations batched (issue 11: cheap multi-start).

A multi-start optimiser runs the same problem from several points. Each evaluation of a GE objective
solves an equilibrium; the solvers take a batch axis, and a batch of B small systems costs much less than
B separate solves (numpy's per-call overhead dominates at these sizes). SciPy's L-BFGS-B drives one run
per call, so each run gets a thread; its objective hands the point to a shared :class:`_Lockstep` and waits
until every still-running run has done the same, then one thread evaluates the whole batch. Each run's
iterates are exactly those of a run alone (the batch only changes how its equilibria are computed), so the
result is that of running the starts one after another, up to rounding.

The threads only wait for each other (the GIL is held by whichever thread evaluates); nothing runs
concurrently, so the core counts as single-threaded. An exception in an evaluation is re-raised in every
run and by :func:`minimize_lockstep`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

FloatArray = npt.NDArray[np.float64]
BatchObjective = Callable[[list[int], list[FloatArray]], list[tuple[float, FloatArray]]]
"""``(run indices, points) -> [(f, ∇f) per run]``: evaluates several runs' points together."""


class _Aborted(Exception):
    """Internal: another run's evaluation failed; this run stops (the original error is re-raised once)."""


class _Lockstep:
    """Collects one point per active run, evaluates them together, hands each run its value."""

    def __init__(self, evaluate: BatchObjective, runs: int) -> None:
        self.evaluate = evaluate
        self.active = runs
        self.cv = threading.Condition()
        self.pending: dict[int, FloatArray] = {}
        self.out: dict[int, tuple[float, FloatArray]] = {}
        self.error: BaseException | None = None

    def _flush(self) -> None:  # caller holds the lock
        if not self.pending or len(self.pending) < self.active:
            return
        ks = sorted(self.pending)
        try:
            vals = self.evaluate(ks, [self.pending[k] for k in ks])
            self.out.update(zip(ks, vals, strict=True))
        except BaseException as exc:
            self.error = exc
        self.pending = {}
        self.cv.notify_all()

    def fg(self, k: int, y: FloatArray) -> tuple[float, FloatArray]:
        with self.cv:
            if self.error is not None:
                raise _Aborted
            self.pending[k] = np.array(y, dtype=float)
            self._flush()
            self.cv.wait_for(lambda: k in self.out or self.error is not None)
            if self.error is not None:
                raise _Aborted
            return self.out.pop(k)

    def leave(self) -> None:
        with self.cv:
            self.active -= 1
            self._flush()


def minimize_lockstep(
    evaluate: BatchObjective,
    y0s: Sequence[FloatArray],
    bounds: Sequence[tuple[float, float]],
    options: dict[str, Any],
) -> list[optimize.OptimizeResult]:
    """Minimise from each point of ``y0s`` with L-BFGS-B (``jac=True``), evaluations batched.

    Parameters
    ----------
    evaluate
        Batched objective and gradient (see :data:`BatchObjective`).
    y0s
        Starting points, one run each.
    bounds, options
        As for :func:`scipy.optimize.minimize` with ``method="L-BFGS-B"``, shared by the runs.

    Returns
    -------
    list of OptimizeResult
        One per starting point, in order.
    """
    if len(y0s) == 1:
        return [
            optimize.minimize(
                lambda y: evaluate([0], [y])[0],
                y0s[0],
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options=options,
            )
        ]
    step = _Lockstep(evaluate, len(y0s))
    results: list[optimize.OptimizeResult | None] = [None] * len(y0s)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            results[k] = optimize.minimize(
                lambda y: step.fg(k, y), y0s[k], jac=True, method="L-BFGS-B", bounds=bounds, options=options
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            step.leave()

    # daemon threads: an interrupted caller (Ctrl-C in the CLI) does not wait for the runs to finish
    threads = [
        threading.Thread(target=run, args=(k,), name=f"lockstep-{k}", daemon=True) for k in range(len(y0s))
    ]
    for th in threads:
        th.start()
    try:
        for th in threads:
            th.join()
    except BaseException:
        with step.cv:  # stop the other runs at their next evaluation
            step.error = step.error or RuntimeError("lock-step runs interrupted")
            step.cv.notify_all()
        raise
    if step.error is not None:
        raise step.error
    if errors:
        raise errors[0]
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]
