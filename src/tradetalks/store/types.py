"""Value types of the negotiation record (frozen in/out dataclasses) and the checks of stored values.

Inputs: :class:`Party`, :class:`RoundSpec`, :class:`OfferSpec`, :class:`RunSpec`. Outputs: :class:`Record`,
:class:`Round`, :class:`Offer`, :class:`Run` (each with ``as_dict()``). The helpers check text, ids, pages
and JSON payloads and raise :class:`~tradetalks.errors.StoreInputError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from tradetalks.errors import StoreInputError
from tradetalks.inputs import MAX_NESTING, MAX_PAGE, MAX_PARTY_CODE, MAX_RECORD_KEY, MAX_ROW_ID

#: Kinds of round (a meeting of negotiators, a phone call, a leaders' summit, a deal or other event).
ROUND_KINDS: Final = ("round", "call", "summit", "deal", "other")
#: Largest page a list method returns (:data:`tradetalks.inputs.MAX_PAGE`; ids: ``inputs.MAX_ROW_ID``).
MAX_LIMIT: Final = MAX_PAGE
#: Largest JSON payload (offer package, run inputs/results), bytes once serialised.
MAX_PAYLOAD_BYTES: Final = 4_000_000

_PARTY_CODE = re.compile(rf"^[A-Z][A-Z0-9_-]{{0,{MAX_PARTY_CODE - 1}}}$")
_KEY = re.compile(rf"^[a-z0-9][a-z0-9._-]{{0,{MAX_RECORD_KEY - 1}}}$")


# --- value types ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """A government or bloc at the table.

    Attributes
    ----------
    code
        Upper-case identifier, ISO3-like (``JPN``, ``USA``, ``EU``): 1–16 characters ``[A-Z0-9_-]``
        starting with a letter.
    name
        Display name (1–200 characters).
    """

    code: str
    name: str


@dataclass(frozen=True)
class OfferSpec:
    """An offer to store: what ``party`` put on the table.

    Attributes
    ----------
    party
        Code of one of the record's parties.
    label
        Short description (1–500 characters).
    package
        The package specification as a JSON object (a ``dict`` with string keys; numbers must be
        finite; numpy scalars and arrays are converted to numbers and lists).
    """

    party: str
    label: str
    package: Mapping[str, Any]


@dataclass(frozen=True)
class RoundSpec:
    """A round to store.

    Attributes
    ----------
    date
        Day of the round (the last day when it spanned several).
    title
        What happened (1–500 characters).
    number
        Position in the record (>= 1, unique per record); ``None`` takes the next free number.
    kind
        One of :data:`ROUND_KINDS`.
    place, counterparts, notes
        Free text (``counterparts`` e.g. ``"Akazawa / Lutnick, Bessent"``).
    source_title, source_address
        Where the facts come from.
    offers
        Offers made in this round, stored in the same transaction.
    """

    date: dt.date
    title: str
    number: int | None = None
    kind: str = "round"
    place: str = ""
    counterparts: str = ""
    notes: str = ""
    source_title: str = ""
    source_address: str = ""
    offers: tuple[OfferSpec, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    """An evaluation run to store, with everything needed to reproduce it.

    Attributes
    ----------
    inputs
        The request as a JSON object (scenario or package spec, options, ...).
    dataset_name
        Registry name of the dataset.
    dataset_version
        Content hash from :func:`tradetalks.store.dataset_version`.
    model, closure
        Model name (``armington``, ``ossa``, ``caliendo_parro``, ...) and closure/variant.
    results
        The results as a JSON object.
    record_id, offer_id
        Optional links to the record and the offer that was evaluated (the offer must belong to the
        record when both are given).
    tradetalks_version
        Package version that computed the results; ``None`` records the running version.
    """

    inputs: Mapping[str, Any]
    dataset_name: str
    dataset_version: str
    model: str
    closure: str
    results: Mapping[str, Any]
    record_id: int | None = None
    offer_id: int | None = None
    tradetalks_version: str | None = None


@dataclass(frozen=True)
class Offer:
    """A stored offer (``package`` is a plain JSON object; treat it as read-only)."""

    id: int
    round_id: int
    party: str
    label: str
    package: dict[str, Any]
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (timestamps as ISO 8601 strings)."""
        return {
            "id": self.id,
            "round_id": self.round_id,
            "party": self.party,
            "label": self.label,
            "package": self.package,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Round:
    """A stored round with its offers (ordered by id)."""

    id: int
    record_id: int
    number: int
    date: dt.date
    kind: str
    title: str
    place: str
    counterparts: str
    notes: str
    source_title: str
    source_address: str
    created_at: dt.datetime
    offers: tuple[Offer, ...] = ()
    skipped_offers: tuple[int, ...] = ()
    """Ids of stored offers left out because their content fails validation (reported, never raised)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO 8601 strings)."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "number": self.number,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "place": self.place,
            "counterparts": self.counterparts,
            "notes": self.notes,
            "source_title": self.source_title,
            "source_address": self.source_address,
            "created_at": self.created_at.isoformat(),
            "offers": [o.as_dict() for o in self.offers],
            "skipped_offers": list(self.skipped_offers),
        }


@dataclass(frozen=True)
class Record:
    """A stored negotiation record (without its rounds; see :meth:`Store.list_rounds`)."""

    id: int
    key: str | None
    title: str
    description: str
    parties: tuple[Party, ...]
    created_at: dt.datetime
    n_rounds: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "parties": [{"code": p.code, "name": p.name} for p in self.parties],
            "created_at": self.created_at.isoformat(),
            "n_rounds": self.n_rounds,
        }


@dataclass(frozen=True)
class Run:
    """A stored evaluation run (``inputs``/``results`` are plain JSON objects; treat as read-only)."""

    id: int
    record_id: int | None
    offer_id: int | None
    inputs: dict[str, Any]
    dataset_name: str
    dataset_version: str
    model: str
    closure: str
    tradetalks_version: str
    results: dict[str, Any]
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "offer_id": self.offer_id,
            "inputs": self.inputs,
            "dataset_name": self.dataset_name,
            "dataset_version": self.dataset_version,
            "model": self.model,
            "closure": self.closure,
            "tradetalks_version": self.tradetalks_version,
            "results": self.results,
            "created_at": self.created_at.isoformat(),
        }


# --- validation helpers --------------------------------------------------------------------------


def _text(field_name: str, value: object, *, max_len: int, allow_empty: bool) -> str:
    if not isinstance(value, str):
        raise StoreInputError(f"{field_name}: expected a string; found {type(value).__name__} {value!r}")
    if "\x00" in value:
        raise StoreInputError(f"{field_name}: expected text without NUL characters; found one")
    s = value.strip()
    if not s and not allow_empty:
        raise StoreInputError(f"{field_name}: expected a non-empty string; found {value!r}")
    if len(s) > max_len:
        raise StoreInputError(f"{field_name}: expected at most {max_len} characters; found {len(s)}")
    return s


def _party_code(value: object) -> str:
    if not isinstance(value, str) or not _PARTY_CODE.match(value):
        raise StoreInputError(
            "party code: expected 1-16 characters [A-Z0-9_-] starting with an upper-case letter "
            f"(e.g. 'JPN'); found {value!r}"
        )
    return value


def _positive_id(field_name: str, value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not 1 <= int(value) <= MAX_ROW_ID
    ):
        raise StoreInputError(f"{field_name}: expected an integer id in [1, {MAX_ROW_ID}]; found {value!r}")
    return int(value)


def _page(limit: int, offset: int) -> tuple[int, int]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise StoreInputError(f"limit: expected an integer in [1, {MAX_LIMIT}]; found {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise StoreInputError(f"offset: expected a non-negative integer; found {offset!r}")
    return limit, offset


def to_json_value(value: object, path: str = "$", _depth: int = 0) -> Any:
    """Convert ``value`` to plain JSON types, or raise :class:`StoreInputError` naming the bad path.

    Accepted: ``None``, ``bool``, ``int``, finite ``float``, ``str``, lists/tuples, dicts with string
    keys, numpy scalars and arrays (converted). Rejected: NaN/inf, other objects.
    """
    if _depth > MAX_NESTING:
        raise StoreInputError(f"{path}: expected JSON nested at most {MAX_NESTING} levels deep; found deeper")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise StoreInputError(f"{path}: expected text without NUL characters; found one")
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        if not -(2**63) <= int(value) < 2**63:
            raise StoreInputError(f"{path}: expected an integer that fits 64 bits; found {int(value)}")
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            raise StoreInputError(f"{path}: expected a finite number; found {f}")
        return f
    if isinstance(value, np.ndarray):
        return to_json_value(value.tolist(), path)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str) or "\x00" in k:
                raise StoreInputError(f"{path}: expected string keys without NUL characters; found key {k!r}")
            out[k] = to_json_value(v, f"{path}.{k}", _depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, f"{path}[{i}]", _depth + 1) for i, v in enumerate(value)]
    raise StoreInputError(
        f"{path}: expected a JSON value (null, bool, number, string, list, object); "
        f"found {type(value).__name__}"
    )


def _json_object(field_name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise StoreInputError(f"{field_name}: expected a JSON object (mapping); found {type(value).__name__}")
    out = to_json_value(value, field_name)
    assert isinstance(out, dict)
    size = len(_dumps(out).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise StoreInputError(
            f"{field_name}: expected at most {MAX_PAYLOAD_BYTES} bytes of JSON; found {size}"
        )
    return out


def _dumps(obj: Any) -> str:
    return json.dumps(obj, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
