"""The negotiation rounds and tariff events of the 2025-26 Japan-US talks, as data.

Facts from ``policy/facts/timeline.toml`` (hand-transcribed from the us-japan-2025 reference data; every
event keeps its source's title and address).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from tradetalks.errors import DateOrderError, FactsError, MissingSourceError, OptionError
from tradetalks.policy.measures import Source, facts_text

EVENT_KINDS: tuple[str, ...] = ("round", "measure", "deal", "court", "summit", "other")


@dataclass(frozen=True)
class Event:
    """One dated event: a negotiation round, a US measure, the deal, a court ruling, a summit."""

    date: date
    kind: str
    title: str
    place: str
    counterparts: str
    source: Source


def parse_events(doc: Mapping[str, Any], origin: str = "timeline.toml") -> tuple[Event, ...]:
    """Validate a timeline document: every event sourced, of a known kind, in date order.

    Raises
    ------
    MissingSourceError, DateOrderError, FactsError
    """
    out: list[Event] = []
    for n, e in enumerate(doc.get("event", ())):
        where = f"{origin} event {n + 1} ({e.get('title', '?')!r})"
        title, addr = str(e.get("source_title", "")).strip(), str(e.get("source_address", "")).strip()
        if not title or not addr:
            raise MissingSourceError(f"{where}: expected source_title and source_address; found {title!r}, {addr!r}")
        if not isinstance(e.get("date"), date):
            raise FactsError(f"{where}: date expected YYYY-MM-DD; found {e.get('date')!r}")
        if str(e.get("kind")) not in EVENT_KINDS:
            raise FactsError(f"{where}: kind expected one of {EVENT_KINDS}; found {e.get('kind')!r}")
        ev = Event(e["date"], str(e["kind"]), str(e["title"]), str(e.get("place", "")),
                   str(e.get("counterparts", "")), Source(title, addr, str(e.get("note", ""))))
        if out and ev.date < out[-1].date:
            raise DateOrderError(f"{where}: date {ev.date} is before the previous event's {out[-1].date}; "
                                 "expected events in date order")
        out.append(ev)
    return tuple(out)


@lru_cache(maxsize=1)
def events() -> tuple[Event, ...]:
    """All events in date order."""
    return parse_events(tomllib.loads(facts_text("timeline.toml")), "facts/timeline.toml")


def timeline(kinds: tuple[str, ...] | None = None, start: date | None = None,
             end: date | None = None) -> list[Event]:
    """Events filtered by kind and date range (inclusive)."""
    if kinds is not None:
        for k in kinds:
            if k not in EVENT_KINDS:
                raise OptionError("kind", EVENT_KINDS, k)
    return [
        e for e in events()
        if (kinds is None or e.kind in kinds)
        and (start is None or e.date >= start)
        and (end is None or e.date <= end)
    ]
