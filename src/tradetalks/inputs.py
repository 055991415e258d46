"""Parsing and bounds of everything a user types: one place, named errors, no NaN, no unbounded size.

Every entry point (CLI options, TOML/YAML files, web request bodies, stored records) that takes a
number, a count, a list of numbers, a name or a text file from a user goes through these functions,
so the same input gets the same answer and the same message wherever it enters.

Rules
-----
- Text is parsed once, with :class:`~tradetalks.errors.NumberFormatError` naming the field and the text
  (``=e``, ``1.2.3``, ``abc`` are refused; Python's ``float('nan')``/``'inf'`` spellings too).
- NaN and infinities are refused at the edge (:class:`~tradetalks.errors.NonFiniteError`).
- Every number, count, list length, name length and file size has an upper bound
  (:class:`~tradetalks.errors.BoundsError`); the bounds are the constants below.
- Text files are read as UTF-8 (a BOM is tolerated); anything else is an
  :class:`~tradetalks.errors.EncodingError`. TOML nested deeper than :data:`MAX_NESTING` is a
  :class:`~tradetalks.errors.NestingError` (Python's parser would otherwise hit ``RecursionError``).

All errors derive from :class:`~tradetalks.errors.InputError`, itself a ``ValueError``, so a pydantic
validator that calls these functions reports a field error (HTTP 422), and the CLI guard a message with
exit code 2.

The API is small on purpose and stable: ``parse_float``, ``parse_int``, ``parse_floats``, ``check_text``,
``check_id``, ``check_finite``, ``read_text``, ``load_toml``, and the limit constants.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from tradetalks.errors import (
    BoundsError,
    EncodingError,
    FileFormatError,
    NestingError,
    NonFiniteError,
    NumberFormatError,
    OutputPathError,
    TradeTalksError,
)

__all__ = [
    "DESK_PURCHASE_BN_MAX",
    "DESK_TARIFF_CHANGE_PP",
    "DESK_TARIFF_PCT_MAX",
    "DESK_WEIGHT_MAX",
    "DISCOUNT_RANGE",
    "ELASTICITY_MAX",
    "FLOW_MAX",
    "INSTRUMENT_UPPER_PCT",
    "MAX_DATASET_NAME",
    "MAX_DEADLINES",
    "MAX_DRAWS",
    "MAX_FILE_BYTES",
    "MAX_ID",
    "MAX_ITERATIONS",
    "MAX_LABEL",
    "MAX_LIST",
    "MAX_NAME_LENGTH",
    "MAX_NESTING",
    "MAX_OFFERS",
    "MAX_PAGE",
    "MAX_PARTIES",
    "MAX_PARTY_CODE",
    "MAX_PATH_LENGTH",
    "MAX_POINTS",
    "MAX_RECORD_KEY",
    "MAX_ROUNDS",
    "MAX_ROUNDS_PER_DEADLINE_WEB",
    "MAX_ROW_ID",
    "MAX_RULES",
    "MAX_SCENARIO_NAME",
    "MAX_SEED",
    "MAX_STRATEGY_TEXT",
    "MAX_TITLE_LENGTH",
    "MIN_PARTIES",
    "MONEY_BN_MAX",
    "PCT_MAX",
    "PLEDGE_YEARS_RANGE",
    "RETURN_PCT_MAX",
    "RULE_LENGTH",
    "SHARE_RANGE",
    "TOL_RANGE",
    "WAR_PLAYERS",
    "WEB_FRONTIER_POINTS",
    "WEIGHT_MAX",
    "check_finite",
    "check_id",
    "check_range",
    "check_text",
    "load_toml",
    "named_error",
    "parse_float",
    "parse_floats",
    "parse_int",
    "read_text",
]

# --- limits (one definition each; CLI, files and web use the same) ----------------------------------

MAX_NAME_LENGTH: Final = 200
"""Longest dataset, scenario, party or strategy name (characters)."""
MAX_PATH_LENGTH: Final = 4096
"""Longest file path (characters)."""
MAX_TEXT_LENGTH: Final = 20_000
"""Longest free text (notes, descriptions)."""
MAX_LIST: Final = 1000
"""Most items in a comma-separated list or a JSON array typed by a user."""
MAX_ROUNDS: Final = 1000
"""Most negotiation rounds in one simulation (per deadline)."""
MAX_ITERATIONS: Final = 10_000
"""Most solver iterations / best-response rounds a user may ask for."""
MAX_POINTS: Final = 500
"""Most points on a frontier or a sweep grid typed by a user."""
TOL_RANGE: Final = (0.0, 1.0)
"""Solver tolerance: strictly positive, at most 1 (open below)."""
DISCOUNT_RANGE: Final = (0.0, 1.0)
"""Discount factor per round: strictly inside (0, 1)."""
WEIGHT_MAX: Final = 1000.0
"""Largest bargaining or objective weight (weights are relative; non-negative)."""
PCT_MAX: Final = 1000.0
"""Largest tariff in percent a user can type (tariffs are bounded at 0–1000 %)."""
MONEY_BN_MAX: Final = 2000.0
"""Largest pledge or purchase commitment, US$ bn (a year or in total)."""
FLOW_MAX: Final = 1.0e12
"""Largest single trade flow accepted in a dataset (world GDP is about 1e8 US$ millions; the bound leaves
room for datasets in US$ thousands while keeping the solvers' sums and squares finite)."""
ELASTICITY_MAX: Final = 200.0
"""Largest trade elasticity or elasticity of substitution accepted (Caliendo-Parro's largest theta is 69)."""
MAX_ID: Final = 2**63 - 1
"""Largest database id (signed 64-bit)."""
MAX_FILE_BYTES: Final = 5_000_000
"""Largest scenario / package / objective / rules file read as text."""
MAX_NESTING: Final = 32
"""Deepest nesting of tables and arrays in a TOML/JSON document typed by a user."""

# --- names, texts and pages (CLI, web, record store) ---------------------------------------------------

MAX_DATASET_NAME: Final = 40
"""Longest registry name of a dataset (:data:`tradetalks.data.registry.NAME_PATTERN`); a path to a file may have
:data:`MAX_PATH_LENGTH` characters (:func:`tradetalks.data.registry.check_name`)."""
MAX_SCENARIO_NAME: Final = 64
"""Longest built-in scenario name."""
MAX_LABEL: Final = 32
"""Longest country or sector label."""
MAX_PARTY_CODE: Final = 16
"""Longest party code of the record (``USA``, ``EU``...)."""
MAX_RECORD_KEY: Final = 100
"""Longest key of a record (``japan-us-2025``)."""
MAX_TITLE_LENGTH: Final = 500
"""Longest title or label of a record, round or offer."""
MAX_PAGE: Final = 1000
"""Largest page of a list (records, runs)."""
MAX_ROW_ID: Final = 2**31 - 1
"""Largest id a stored row can have (the id columns are 32-bit integers on PostgreSQL)."""
MAX_SEED: Final = 2**31 - 1
"""Largest random seed."""
RULE_LENGTH: Final = (5, 120)
"""Shortest and longest tariff rule text (``USA:JPN:motor_vehicles=25``)."""
MAX_RULES: Final = 50
"""Most tariff rules in one web package."""
MAX_STRATEGY_TEXT: Final = 40
"""Longest strategy text (``time:0.5``, ``const=0.2``)."""

# --- the web desk's instruments and the web's caps on heavy requests -------------------------------------

DESK_TARIFF_PCT_MAX: Final = 100.0
"""Largest tariff a desk slider sets, % (files and the CLI allow up to :data:`PCT_MAX`)."""
DESK_TARIFF_CHANGE_PP: Final = 50.0
"""Largest change (either sign) of the partner's tariffs on the desk, percentage points."""
DESK_PURCHASE_BN_MAX: Final = 100.0
"""Largest purchase commitment on the desk, US$ bn a year (files: :data:`MONEY_BN_MAX`)."""
PLEDGE_YEARS_RANGE: Final = (0.5, 30.0)
"""Horizon of an investment pledge, years."""
RETURN_PCT_MAX: Final = 50.0
"""Largest expected return on a pledge, % a year."""
SHARE_RANGE: Final = (0.0, 1.0)
"""A share (e.g. the US share of a pledge's returns)."""
MAX_DRAWS: Final = 200
"""Most Monte Carlo draws of a web request's uncertainty bands (about 2 s of CPU)."""
WEB_FRONTIER_POINTS: Final = (3, 25)
"""Points of a frontier traced for a web request (a heavy job; the CLI allows up to :data:`MAX_POINTS`)."""
INSTRUMENT_UPPER_PCT: Final = (5.0, 200.0)
"""Upper bound of every tariff instrument of the web's package space, %."""
DESK_WEIGHT_MAX: Final = 1.0
"""Largest weight of the optional objective terms on the web (US balance, Japan's auto output)."""
WAR_PLAYERS: Final = (2, 3)
"""Players of a trade war started from the web."""
MAX_ROUNDS_PER_DEADLINE_WEB: Final = 20
"""Rounds per deadline of a simulation started from the web (the CLI allows :data:`MAX_ROUNDS`)."""
MAX_DEADLINES: Final = 6
"""Deadlines of a simulated negotiation."""
MIN_PARTIES: Final = 2
"""Fewest parties of one record (a negotiation)."""
MAX_PARTIES: Final = 8
"""Parties of one record."""
MAX_OFFERS: Final = 6
"""Offers in one round."""

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_SHOW = 60


def _show(value: object) -> str:
    """Short repr of a user value for a message (long input is cut, never echoed in full)."""
    text = repr(value)
    return text if len(text) <= _SHOW else f"{text[:_SHOW]}... ({len(text)} characters)"


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    if lo is None and hi is None:
        return "a finite number"
    if hi is None:
        return f"a finite number {'>' if lo_open else '>='} {lo:g}"
    if lo is None:
        return f"a finite number {'<' if hi_open else '<='} {hi:g}"
    return f"a number in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"


def check_range(
    value: float,
    field: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``value`` if it is finite and inside the range, else raise.

    Raises
    ------
    NonFiniteError
        NaN or ±inf.
    BoundsError
        Outside ``[lo, hi]`` (or the open variant).
    """
    want = _range_text(lo, hi, lo_open, hi_open)
    if not math.isfinite(value):
        raise NonFiniteError(field, want, _show(value))
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise BoundsError(field, want, f"{value:g}")
    if hi is not None and (value > hi or (hi_open and value == hi)):
        raise BoundsError(field, want, f"{value:g}")
    return value


def parse_float(
    value: object,
    field: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """A finite float from text or a number, inside the given range.

    Accepts ``12``, ``-0.5``, ``1e-3``, ``.5`` (and a trailing ``%`` is *not* stripped: callers that
    accept percent signs strip them). Refuses ``nan``, ``inf``, ``1.2.3``, ``e``, ``0x10``, booleans and
    text longer than 64 characters.

    Raises
    ------
    NumberFormatError, NonFiniteError, BoundsError
    """
    want = _range_text(lo, hi, lo_open, hi_open)
    if isinstance(value, bool) or value is None:
        raise NumberFormatError(field, want, _show(value))
    if isinstance(value, (int, np.integer)):
        x = float(value) if abs(int(value)) < 2**1023 else math.inf
    elif isinstance(value, (float, np.floating)):
        x = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 64 or not _NUMBER.match(text):
            low = text.lower().lstrip("+-")
            if low in ("nan", "inf", "infinity"):
                raise NonFiniteError(field, want, _show(value))
            raise NumberFormatError(field, want, _show(value))
        x = float(text)
    else:
        raise NumberFormatError(field, want, _show(value))
    return check_range(x, field, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)


def parse_int(value: object, field: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """An integer from text or a number, inside ``[lo, hi]``.

    A float is accepted only if it is integral (``3.0``); ``3.5``, ``1e3`` as text, ``abc`` are refused.

    Raises
    ------
    NumberFormatError, BoundsError
    """
    want = (
        "an integer"
        if lo is None and hi is None
        else f"an integer in [{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
    )
    if isinstance(value, bool) or value is None:
        raise NumberFormatError(field, want, _show(value))
    if isinstance(value, (int, np.integer)):
        n = int(value)
    elif isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise NonFiniteError(field, want, _show(value))
        if float(value) != int(value):
            raise NumberFormatError(field, want, _show(value))
        n = int(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        if len(text) > 24 or not _INTEGER.match(text):
            raise NumberFormatError(field, want, _show(value))
        n = int(text)
    else:
        raise NumberFormatError(field, want, _show(value))
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise BoundsError(field, want, _show(n))
    return n


def parse_floats(
    value: str | Sequence[object],
    field: str,
    *,
    n: int | None = None,
    min_n: int = 1,
    max_n: int = MAX_LIST,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    sep: str = ",",
) -> tuple[float, ...]:
    """A tuple of finite floats from ``"0.5,0.5"`` or a sequence, each inside the range.

    ``n`` fixes the length (``--delta 0.9,0.95`` for two parties); otherwise ``min_n``–``max_n``.

    Raises
    ------
    NumberFormatError, NonFiniteError, BoundsError
        The message names the item (``--delta[2]``).
    """
    if isinstance(value, str):
        if len(value) > 64 * max_n:
            raise BoundsError(field, f"at most {max_n} numbers", f"{len(value)} characters")
        items: list[object] = [p for p in (s.strip() for s in value.split(sep))]
        if items == [""]:
            items = []
    else:
        items = list(value)
    lo_n, hi_n = (n, n) if n is not None else (min_n, max_n)
    if not lo_n <= len(items) <= hi_n:
        want = f"{n} numbers" if n is not None else f"{min_n} to {max_n} numbers"
        raise BoundsError(field, f"{want} separated by '{sep}'", f"{len(items)}: {_show(value)}")
    return tuple(
        parse_float(v, f"{field}[{k + 1}]", lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
        for k, v in enumerate(items)
    )


def check_text(
    value: object, field: str, *, max_len: int = MAX_NAME_LENGTH, allow_empty: bool = False
) -> str:
    """A string of at most ``max_len`` characters without control characters.

    Checked before anything else looks at it, so a 100 KB "dataset name" is refused at once.

    Raises
    ------
    BoundsError
        Too long, empty, or not a string.
    """
    if not isinstance(value, str):
        raise BoundsError(field, "text", _show(value))
    if len(value) > max_len:
        raise BoundsError(field, f"at most {max_len} characters", f"{len(value)} characters")
    if not allow_empty and not value.strip():
        raise BoundsError(field, "a non-empty text", _show(value))
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x00" in value:
        raise BoundsError(field, "text without control characters", _show(value))
    return value


def check_id(value: object, field: str = "id") -> int:
    """A database id: an integer in ``[1, 2**63 - 1]`` (larger ids overflow SQLite and PostgreSQL)."""
    return parse_int(value, field, lo=1, hi=MAX_ID)


def check_finite(values: Any, field: str, *, max_abs: float | None = None) -> np.ndarray[Any, Any]:
    """A float array with only finite values (optionally ``|x| <= max_abs``).

    Raises
    ------
    NonFiniteError
        NaN/inf present (the message gives the count and the first position).
    BoundsError
        A value beyond ``max_abs``.
    """
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise NumberFormatError(field, "numbers", f"{type(exc).__name__}: {exc}"[:200]) from None
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise NonFiniteError(field, "finite numbers", f"{int(bad.sum())} NaN/inf values, first at {first}")
    if max_abs is not None and a.size and float(np.abs(a).max()) > max_abs:
        first = tuple(int(i) for i in np.argwhere(np.abs(a) > max_abs)[0])
        raise BoundsError(field, f"|values| <= {max_abs:g}", f"{float(a[first]):g} at {first}")
    return a


def read_text(path: str | Path, field: str = "file", *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a user's file (a leading BOM is dropped).

    Raises
    ------
    FileFormatError
        No such file, a directory, or unreadable.
    BoundsError
        Larger than ``max_bytes``.
    EncodingError
        Not UTF-8 (UTF-16, Latin-1, binary); the message names the byte offset.
    """
    p = Path(check_text(str(path), field, max_len=MAX_PATH_LENGTH))
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise FileFormatError(f"{field}: expected a file; found a directory at '{p}'")
        if size > max_bytes:
            raise BoundsError(field, f"a file of at most {max_bytes} bytes", f"{size} bytes in '{p}'")
        raw = p.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{field}: cannot read '{p}': {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = " (looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:64] else ""
        raise EncodingError(
            f"{field} '{p}': expected UTF-8 text; found byte {raw[exc.start]:#04x} at offset {exc.start}{hint}"
        ) from None


def _depth(text: str) -> int:
    """Upper bound of the bracket nesting depth of a TOML text (strings are skipped roughly)."""
    depth = best = 0
    in_str: str | None = None
    for c in text:
        if in_str:
            if c == in_str:
                in_str = None
            continue
        if c in "\"'":
            in_str = c
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
        elif c == "\n":
            in_str = None
    return best


def load_toml(text: str, source: str = "<toml>") -> dict[str, Any]:
    """Parse a TOML document typed by a user, with the nesting bound.

    Raises
    ------
    NestingError
        Nested deeper than :data:`MAX_NESTING` (also if the parser runs out of recursion depth).
    FileFormatError
        Not valid TOML (the parser's message with line and column).
    """
    if _depth(text) > MAX_NESTING + 2:  # [table] headers count one level
        raise NestingError(f"{source}: expected TOML nested at most {MAX_NESTING} levels deep; found deeper")
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise NestingError(f"{source}: expected TOML nested at most {MAX_NESTING} levels deep") from None
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"{source}: expected TOML; {exc}") from None


def named_error(exc: BaseException) -> TradeTalksError | None:
    """The named error an expected failure of the outside world stands for; ``None`` for a bug.

    Used by the CLI guard and the web handlers: undecodable text → :class:`EncodingError`, too deep
    nesting (``RecursionError``) → :class:`NestingError`, ``OverflowError`` (ids above 2**63, huge
    numbers) → :class:`BoundsError`, ``OSError`` on a path → :class:`OutputPathError`.
    """
    if isinstance(exc, TradeTalksError):
        return exc
    if isinstance(exc, UnicodeError):
        return EncodingError(f"input: expected UTF-8 text; found undecodable bytes ({exc})"[:300])
    if isinstance(exc, RecursionError):
        return NestingError(
            f"input: expected a document nested at most {MAX_NESTING} levels deep; found deeper"
        )
    if isinstance(exc, OverflowError):
        return BoundsError("number", "a value that fits 64-bit arithmetic", str(exc)[:200])
    if isinstance(exc, OSError):
        where = f" {_show(str(exc.filename))}" if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc)[:300] or type(exc).__name__
        return OutputPathError(
            f"path{where}: expected a readable/writable path in an existing folder; found: {reason}"
        )
    return None
