"""The negotiation rounds and tariff events of the 2025-26 Japan-US talks, as data.

Facts from ``policy/facts/timeline.toml`` (hand-transcribed from the us-japan-2025 reference data; every
event keeps its source's title and address).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from tradetalks.errors import OptionError
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


@lru_cache(maxsize=1)
def events() -> tuple[Event, ...]:
    """All events in date order."""
    doc = tomllib.loads(facts_text("timeline.toml"))
    out = [
        Event(e["date"], str(e["kind"]), str(e["title"]), str(e.get("place", "")),
              str(e.get("counterparts", "")),
              Source(str(e["source_title"]), str(e["source_address"]), str(e.get("note", ""))))
        for e in doc["event"]
    ]
    return tuple(sorted(out, key=lambda e: e.date))


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
