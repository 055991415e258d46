"""Helpers shared by the CLI adapters: consoles, JSON output, and turning errors into messages.

No bare traceback reaches a user: :func:`guard` turns every :class:`TradeTalksError` into a red
message on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np
import typer
from rich.console import Console

from tradetalks.errors import TradeTalksError

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator for typer commands: named errors become a message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except TradeTalksError as exc:
            err_console.print(f"[bold red]error[/]: {type(exc).__name__}: {exc}")
            raise typer.Exit(code=2) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            err_console.print(f"[bold red]error[/]: {exc}")
            raise typer.Exit(code=2) from None

    return wrapper


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
