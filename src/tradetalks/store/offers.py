"""Validation of an offer's package, on write and on read.

A stored offer's ``package`` is a JSON object with exactly one of these kinds (plus an optional ``meta``
object of free notes):

- ``{"scenario": NAME}`` — a built-in scenario (optionally with its ``"spec"`` document, checked too);
- ``{"spec": {...}}`` — a scenario/package document in the TOML file's layout
  (:func:`tradetalks.policy.spec.parse_spec`);
- ``{"package": {...}}`` — a :class:`tradetalks.policy.package.Package` payload (``Package.to_payload``);
- ``{"web_package": {...}}`` — the web desk's package request, checked by the validator the web layer
  registers with :func:`register_offer_kind` (the store does not import the web layer).

:func:`check_offer_package` raises :class:`~tradetalks.errors.InvalidRecordError` (a 422 on the web) naming
what is wrong. Results are cached by content, so re-checking on every read is cheap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from tradetalks.errors import InvalidRecordError, TradeTalksError

OfferCheck = Callable[[Mapping[str, Any]], object]

KINDS = ("scenario", "spec", "package", "web_package")
_extra: dict[str, OfferCheck] = {}


def register_offer_kind(kind: str, check: OfferCheck) -> None:
    """Register the validator of an offer kind defined by an upper layer (the web desk's ``web_package``)."""
    if kind not in KINDS:
        raise ValueError(f"offer kind: expected one of {KINDS}; found {kind!r}")
    _extra[kind] = check
    _cached.cache_clear()


def _check_scenario(doc: Mapping[str, Any]) -> None:
    from tradetalks.policy.scenarios import BUILTIN

    name = doc.get("scenario")
    if not isinstance(name, str) or name not in BUILTIN:
        raise InvalidRecordError(f"offer package 'scenario': expected one of {list(BUILTIN)}; found {name!r}")


def _check_spec(spec: object, what: str) -> None:
    from tradetalks.policy.spec import parse_spec

    if not isinstance(spec, Mapping):
        raise InvalidRecordError(
            f"offer package '{what}': expected a JSON object; found {type(spec).__name__}"
        )
    parse_spec({k: v for k, v in spec.items() if k != "source_file"}, f"stored offer ({what})")


def _check_package(payload: object) -> None:
    from tradetalks.policy.package import Package

    if not isinstance(payload, Mapping):
        raise InvalidRecordError(
            f"offer package 'package': expected a JSON object; found {type(payload).__name__}"
        )
    Package.from_payload(payload, "stored offer (package)")


@lru_cache(maxsize=2048)
def _cached(text: str) -> None:
    doc = json.loads(text)
    kinds = [k for k in KINDS if k in doc]
    extra = sorted(set(doc) - set(KINDS) - {"meta"})
    if extra:
        raise InvalidRecordError(
            f"offer package: expected keys among {[*KINDS, 'meta']}; found unknown keys {extra[:10]}"
        )
    if not kinds or (len(kinds) > 1 and set(kinds) != {"scenario", "spec"}):
        raise InvalidRecordError(
            f"offer package: expected exactly one of {list(KINDS)} (a scenario may carry its 'spec'); found {kinds}"
        )
    if "meta" in doc and not isinstance(doc["meta"], dict):
        raise InvalidRecordError(
            f"offer package 'meta': expected a JSON object; found {type(doc['meta']).__name__}"
        )
    try:
        if "scenario" in doc:
            _check_scenario(doc)
        if "spec" in doc:
            _check_spec(doc["spec"], "spec")
        if "package" in doc:
            _check_package(doc["package"])
        if "web_package" in doc:
            check = _extra.get("web_package")
            if not isinstance(doc["web_package"], dict):
                raise InvalidRecordError("offer package 'web_package': expected a JSON object")
            if check is not None:
                check(doc["web_package"])
    except InvalidRecordError:
        raise
    except (TradeTalksError, ValueError, TypeError, KeyError) as exc:
        raise InvalidRecordError(f"offer package: {type(exc).__name__}: {str(exc)[:500]}") from None


def check_offer_package(package: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``package`` (a JSON object) if it is a valid offer package, else raise.

    Raises
    ------
    InvalidRecordError
        Unknown kind, unknown scenario, or a document the policy layer refuses.
    """
    if not isinstance(package, Mapping):
        raise InvalidRecordError(f"offer package: expected a JSON object; found {type(package).__name__}")
    try:
        text = json.dumps(package, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"offer package: expected JSON values; {exc}") from None
    _cached(text)
    return dict(package)
