"""Bad facts files are rejected with named errors (issue 10): a missing source, overlapping measures with
no stacking rule, a date out of order. The shipped facts pass the same checks."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from tradetalks.errors import DateOrderError, MissingSourceError, OverlappingMeasuresError
from tradetalks.policy.measures import facts_text, parse_measures
from tradetalks.policy.timeline import parse_events
from tradetalks.policy.wall import parse_wall


def _wall() -> dict[str, Any]:
    return tomllib.loads(facts_text("wall.toml"))


def test_shipped_facts_are_valid() -> None:
    w = parse_wall(_wall())
    assert len(w.measures) > 20
    parse_measures(tomllib.loads(facts_text("measures.toml")))
    parse_events(tomllib.loads(facts_text("timeline.toml")))


def test_wall_missing_source() -> None:
    doc = _wall()
    doc["measure"][0]["source_address"] = ""
    with pytest.raises(MissingSourceError, match="source_address"):
        parse_wall(doc)
    doc = _wall()
    del doc["usmca"]["CAN_source_title"]
    with pytest.raises(MissingSourceError, match="CAN"):
        parse_wall(doc)


def test_wall_overlap_without_stacking_rule() -> None:
    doc = _wall()
    dup = copy.deepcopy(next(m for m in doc["measure"] if m["id"] == "fentanyl-can-35"))
    dup["id"] = "fentanyl-can-40"
    dup["start"] = dup["start"].replace(month=9)
    doc["measure"].append(dup)
    with pytest.raises(OverlappingMeasuresError, match="fentanyl-can-35"):
        parse_wall(doc)
    doc = _wall()
    doc["measure"][0]["slot"] = "s232_semiconductors"
    with pytest.raises(OverlappingMeasuresError, match="no stacking rule"):
        parse_wall(doc)


def test_wall_date_out_of_order() -> None:
    doc = _wall()
    m = next(m for m in doc["measure"] if m["id"] == "fentanyl-chn-20")
    m["end"], m["start"] = m["start"], m["end"]
    with pytest.raises(DateOrderError, match="fentanyl-chn-20"):
        parse_wall(doc)


def test_measures_file_errors() -> None:
    base = tomllib.loads(facts_text("measures.toml"))
    doc = copy.deepcopy(base)
    doc["measure"][0]["source_title"] = ""
    with pytest.raises(MissingSourceError):
        parse_measures(doc)
    doc = copy.deepcopy(base)
    m = next(m for m in doc["measure"] if m["id"] == "s232-metals-25")
    m["end"] = m["start"].replace(year=2024)
    with pytest.raises(DateOrderError):
        parse_measures(doc)


def test_timeline_errors() -> None:
    doc = tomllib.loads(facts_text("timeline.toml"))
    ev = doc["event"]
    ev[0], ev[1] = ev[1], ev[0]
    with pytest.raises(DateOrderError, match="date order"):
        parse_events(doc)
    doc = tomllib.loads(facts_text("timeline.toml"))
    del doc["event"][3]["source_title"]
    with pytest.raises(MissingSourceError):
        parse_events(doc)
