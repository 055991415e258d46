"""Helpers shared by the CLI adapters: consoles, JSON output, and the error boundary.

No bare traceback reaches a user. :func:`guard` maps

- every :class:`TradeTalksError` (named errors) to its message and exit code 2;
- the expected failures of the outside world to the named error they stand for, exit code 2:
  undecodable text (:class:`~tradetalks.errors.EncodingError`), too deep nesting
  (:class:`~tradetalks.errors.NestingError`), numbers too large for the arithmetic or the database
  (``OverflowError`` → :class:`~tradetalks.errors.BoundsError`), OS errors on paths
  (:class:`~tradetalks.errors.OutputPathError`);
- a non-converged result (:class:`~tradetalks.errors.NotConvergedError`, or a
  :class:`~tradetalks.errors.ConvergenceWarning` emitted while the command ran: a solve that did not meet its
  tolerance or ended with NaN/inf) to exit code 3 after the output, unless ``tradetalks --allow-nonconverged``;
- anything else to a one-line message with a log reference (exit code 70): the traceback is written to
  the log file :func:`error_log_path`, and printed only with ``tradetalks --debug`` (or
  ``TRADETALKS_DEBUG=1``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
import secrets
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import click
import numpy as np
import typer
from rich.console import Console

from tradetalks.errors import ConvergenceWarning, InputError, NotConvergedError
from tradetalks.inputs import named_error

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

#: Exit codes: 2 named error (bad input, missing data, ...), 3 result not converged, 70 internal error.
EXIT_ERROR = 2
EXIT_NOT_CONVERGED = 3
EXIT_INTERNAL = 70
DEBUG_ENV = "TRADETALKS_DEBUG"

_state = {"debug": False, "allow_nonconverged": False}


def set_debug(on: bool) -> None:
    """Print tracebacks of unexpected errors (the ``--debug`` root option)."""
    _state["debug"] = bool(on)


def debug_enabled() -> bool:
    """True under ``--debug`` or ``TRADETALKS_DEBUG=1``."""
    return _state["debug"] or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0", "false")


def error_log_path() -> Path:
    """Where tracebacks of unexpected errors are appended (``$TRADETALKS_LOG_DIR`` or the temp folder)."""
    folder = os.environ.get("TRADETALKS_LOG_DIR") or tempfile.gettempdir()
    return Path(folder) / "tradetalks-errors.log"


def log_unexpected(exc: BaseException, where: str) -> str:
    """Append the traceback of ``exc`` to the error log; return its reference (``E-<hex>``)."""
    ref = "E-" + secrets.token_hex(4)
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        with error_log_path().open("a", encoding="utf-8") as fh:
            fh.write(f"--- {ref} {dt.datetime.now(dt.UTC).isoformat()} {where}\n{text}\n")
    except OSError:
        pass
    return ref


def _fail(exc: BaseException, where: str) -> NoReturn:
    named = named_error(exc)
    if isinstance(named, NotConvergedError):
        err_console.print(f"[bold red]not converged[/]: {named}")
        err_console.print("[dim]pass --allow-nonconverged to accept the result anyway[/]")
        raise typer.Exit(code=EXIT_NOT_CONVERGED) from None
    if named is not None:
        err_console.print(
            f"[bold red]error[/]: {type(named).__name__}: {named}", markup=True, highlight=False
        )
        raise typer.Exit(code=EXIT_ERROR) from None
    ref = log_unexpected(exc, where)
    err_console.print(
        f"[bold red]internal error[/] {ref}: {type(exc).__name__}: {str(exc)[:200]}\n"
        f"[dim]the traceback is in {error_log_path()} under {ref}; `tradetalks --debug ...` prints it. "
        "Please report it.[/]"
    )
    if debug_enabled():
        err_console.print(
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), markup=False
        )
    raise typer.Exit(code=EXIT_INTERNAL) from None


def _run_watching_convergence(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn``; a :class:`ConvergenceWarning` it emits (shown as usual) makes the command exit 3 after
    its output, unless ``--allow-nonconverged`` (or ``TRADETALKS_ALLOW_NONCONVERGED=1``)."""
    caught: list[str] = []
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *rest: Any, **kw: Any) -> None:
            if issubclass(category, ConvergenceWarning):
                caught.append(str(message))
            shown(message, category, *rest, **kw)

        warnings.showwarning = show
        warnings.simplefilter("always", ConvergenceWarning)
        out = fn(*args, **kwargs)
    if caught and not nonconverged_allowed():
        raise NotConvergedError(
            f"expected every solve to converge to a finite result; found {len(caught)} that did not "
            f"(first: {caught[0][:200]})"
        )
    return out


def nonconverged_allowed() -> bool:
    """True under ``tradetalks --allow-nonconverged`` or ``TRADETALKS_ALLOW_NONCONVERGED=1``."""
    env = os.environ.get("TRADETALKS_ALLOW_NONCONVERGED", "").strip() not in ("", "0", "false")
    return _state["allow_nonconverged"] or env


def guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator for typer commands: the error boundary (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return _run_watching_convergence(fn, *args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # the boundary: nothing escapes as a traceback
            _fail(exc, getattr(fn, "__name__", "command"))

    return wrapper


def parsed(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A typer ``callback`` that runs a :mod:`tradetalks.inputs` parser on an option's value.

    ``None`` passes through; an :class:`InputError` becomes typer's usage error (exit code 2, no
    traceback). Example: ``typer.Option("1e-8", callback=parsed(lambda v: parse_float(v, "--tol",
    lo=0, hi=1, lo_open=True)))``.
    """

    def callback(value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except InputError as exc:
            raise typer.BadParameter(str(exc)) from None

    return callback


ElasticitiesOpt = Annotated[
    str | None,
    typer.Option("--elasticities", metavar="SET|FILE",
                 help="Elasticity set (IS|U4|CP|BSY|GYY|Shap|FGO|LL) or a CSV file; results name the set used "
                      "(default: the dataset's own)."),
]
"""The ``--elasticities`` option (one definition for every command that takes it; read with
:func:`tradetalks.data.elasticities.load_with_elasticities`)."""


def check_converged(converged: bool, what: str, allow: bool, values: Any = None) -> None:
    """Raise :class:`NotConvergedError` unless ``converged`` and ``values`` are all finite (or ``allow``).

    Adapters call it after printing a result so the user sees the numbers and gets a non-zero exit.
    """
    finite = True
    if values is not None:
        try:
            finite = bool(np.isfinite(np.asarray(values, dtype=float)).all())
        except (TypeError, ValueError):
            finite = True
    if allow or nonconverged_allowed() or (converged and finite):
        return
    why = "contains NaN/inf" if not finite else "did not converge"
    raise NotConvergedError(f"{what}: expected a converged, finite result; found one that {why}")


def _jsonable(o: Any) -> Any:
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.ndarray):
        return _jsonable(o.tolist())
    if isinstance(o, (np.floating, float)):
        f = float(o)
        return f if math.isfinite(f) else None
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return o


def emit_json(payload: Any) -> None:
    """Print a JSON document on stdout (NaN/inf become null)."""
    typer.echo(json.dumps(_jsonable(payload), indent=2))


def root_options(
    debug: bool = typer.Option(
        False, "--debug", help="Print the traceback of an unexpected error (also TRADETALKS_DEBUG=1)."
    ),
    allow_nonconverged: bool = typer.Option(
        False,
        "--allow-nonconverged",
        help="Exit 0 even when a solve did not converge or gave NaN/inf (default: exit code 3).",
    ),
) -> None:
    """Options of the ``tradetalks`` command itself."""
    set_debug(debug)
    _state["allow_nonconverged"] = bool(allow_nonconverged)
