r"""Tariff measures as data, and the stacking rules that turn the measures in force into one rate.

A :class:`Measure` is one legal act on one set of product groups: its authority, rate, partner (an ISO3
exporter or ``"*"`` for all origins), effective dates and stacking *slot*. The facts are in
``policy/facts/measures.toml`` (hand-transcribed, each with its source's title and address).

Stacking (per product group g, exporter p, date d)
--------------------------------------------------
1. In force: ``start <= d < end`` and ``status == "enacted"``, or the measure is switched on by a
   scenario (then its dates are ignored); a measure switched off never applies.
2. Within a slot (``s232_autos``, ``s232_metals``, ``ieepa_reciprocal``, ``s122``) one measure applies:
   the partner-specific one before an all-origins one, then the latest start.
3. Exemptions remove the slots they list; goods under a Section 232 slot are exempt from the slots in
   ``[stacking] exempt_when_s232`` (the reciprocal duty; Section 122 by assumption).
4. The total is

   .. math:: t_g = m_g + \sum_{k \in \text{slots}} a_k(m_g), \qquad
             a_k(m) = \begin{cases} r_k & \text{additional} \\ \max(0, r_k - m) & \text{all-in}\end{cases}

   with :math:`m_g` the MFN (column-1) rate: the Japan deal's "15 % all-in" is ``all_in`` with r = 15.

All rates here are in percent.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from tradetalks.errors import DateOrderError, MissingSourceError, PolicyError

Kind = Literal["additional", "all_in", "exemption", "cap"]
Status = Literal["enacted", "announced", "threatened", "superseded"]

KINDS: tuple[str, ...] = ("additional", "all_in", "exemption", "cap")
STATUSES: tuple[str, ...] = ("enacted", "announced", "threatened", "superseded")
ALL = "*"


@dataclass(frozen=True)
class Source:
    """Where a figure comes from."""

    title: str
    address: str
    note: str = ""


@dataclass(frozen=True)
class ProductGroup:
    """A product group defined on HS headings.

    Attributes
    ----------
    id, label
        Identifier and description.
    hs
        HS headings (or chapters) covered.
    sector
        The model sector (WIOD 16-sector label) it belongs to; ``"*"`` for "other" (every sector).
    mfn_pct
        US column-1 rate in percent, or ``None`` when it varies by line (the model then uses the
        dataset's sector rate).
    mfn_source
        Source of the MFN rate (title ``"ASSUMPTION ..."`` where the facts have none).
    """

    id: str
    label: str
    hs: tuple[str, ...]
    sector: str
    mfn_pct: float | None
    mfn_source: Source | None = None


@dataclass(frozen=True)
class Measure:
    """One tariff measure (see the module docstring for the fields' meaning)."""

    id: str
    title: str
    authority: str
    slot: str
    kind: Kind
    rate_pct: float
    groups: tuple[str, ...]
    partner: str
    start: date
    end: date | None
    status: Status
    source: Source
    importer: str = "USA"
    exempts: tuple[str, ...] = ()

    def covers(self, group: str, exporter: str, importer: str = "USA") -> bool:
        """Whether the measure is about this product group, exporter and importer."""
        return (
            importer == self.importer
            and (self.partner == ALL or self.partner == exporter)
            and (ALL in self.groups or group in self.groups)
        )

    def dated_in_force(self, on: date) -> bool:
        """In force on the dated timeline: enacted and ``start <= on < end``."""
        return (
            self.status == "enacted"
            and self.start <= on
            and (self.end is None or on < self.end)
        )

    def additional_pct(self, mfn_pct: float) -> float:
        """Duty added on top of MFN: the rate (additional) or ``max(0, rate - MFN)`` (all-in)."""
        if self.kind == "all_in":
            return max(0.0, self.rate_pct - mfn_pct)
        if self.kind == "additional":
            return self.rate_pct
        return 0.0

    def formula(self) -> str:
        """The measure's contribution as a formula in the MFN rate."""
        if self.kind == "all_in":
            return f"max(0, {self.rate_pct:g} - MFN)"
        if self.kind == "additional":
            return f"{self.rate_pct:g}"
        return "0"


@dataclass(frozen=True)
class StackingRules:
    """Stacking rules that are not a measure: slots dropped for Section 232 goods."""

    exempt_when_s232: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class MeasureSet:
    """The product groups, measures and stacking rules (the facts file, or a modified copy)."""

    groups: tuple[ProductGroup, ...]
    measures: tuple[Measure, ...]
    stacking: StackingRules

    @property
    def group_ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.groups)

    @property
    def measure_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.measures)

    def group(self, gid: str) -> ProductGroup:
        for g in self.groups:
            if g.id == gid:
                return g
        raise PolicyError(f"unknown product group '{gid}': expected one of {list(self.group_ids)}")

    def measure(self, mid: str) -> Measure:
        for m in self.measures:
            if m.id == mid:
                return m
        raise PolicyError(f"unknown measure '{mid}': expected one of {list(self.measure_ids)}")

    def check_ids(self, ids: Iterable[str]) -> None:
        """Raise :class:`PolicyError` for an unknown measure id."""
        for mid in ids:
            self.measure(mid)


@dataclass(frozen=True)
class Component:
    """One measure's part of a stacked rate."""

    measure_id: str
    slot: str
    authority: str
    kind: Kind
    rate_pct: float
    additional_pct: float | None
    """Duty over MFN for this group's MFN (``None`` when MFN is unknown and the measure is all-in)."""

    def formula(self) -> str:
        if self.kind == "all_in":
            return f"max(0, {self.rate_pct:g} - MFN)"
        return f"{self.rate_pct:g}"


@dataclass(frozen=True)
class GroupRate:
    """The rate in force on one product group: MFN plus the components, and what was exempted.

    ``mfn_pct`` is ``None`` for a group whose MFN varies by line ("other"); :meth:`total_pct` then needs
    an MFN argument.
    """

    group: str
    exporter: str
    importer: str
    on: date
    mfn_pct: float | None
    components: tuple[Component, ...]
    exempted: tuple[str, ...] = field(default=())
    """Slots removed, each as ``"slot (reason)"``."""

    def additional_pct(self, mfn_pct: float | None = None) -> float:
        """Duty over MFN (percentage points)."""
        m = self._mfn(mfn_pct)
        return float(sum(_component_additional(c, m) for c in self.components))

    def total_pct(self, mfn_pct: float | None = None) -> float:
        """Total rate in percent, ``MFN + Σ components``."""
        m = self._mfn(mfn_pct)
        return m + self.additional_pct(m)

    def component(self, slot: str) -> Component | None:
        """The component filling a slot, if any."""
        for c in self.components:
            if c.slot == slot:
                return c
        return None

    def formula(self) -> str:
        """Total as a formula, e.g. ``MFN + 25`` or ``MFN + max(0, 15 - MFN)``."""
        parts = ["MFN"] + [c.formula() for c in self.components]
        return " + ".join(parts)

    def _mfn(self, mfn_pct: float | None) -> float:
        if mfn_pct is not None:
            return float(mfn_pct)
        if self.mfn_pct is None:
            raise PolicyError(
                f"group '{self.group}': the MFN rate varies by tariff line; pass mfn_pct to get a number"
            )
        return self.mfn_pct


def _component_additional(c: Component, mfn: float) -> float:
    if c.kind == "all_in":
        return max(0.0, c.rate_pct - mfn)
    return c.rate_pct


# --------------------------------------------------------------------------------------------
# stacking
# --------------------------------------------------------------------------------------------


def group_rate(
    measures: MeasureSet,
    group: str,
    on: date,
    exporter: str = "JPN",
    importer: str = "USA",
    *,
    switch_on: Iterable[str] = (),
    switch_off: Iterable[str] = (),
    all_origins_only: bool = False,
) -> GroupRate:
    """Stack the measures in force on one product group (rules in the module docstring).

    Parameters
    ----------
    measures
        The facts (:func:`default_measures`) or a modified set.
    group
        Product-group id.
    on
        Date.
    exporter, importer
        ISO3 labels; only measures naming this exporter (or all origins) and importer apply.
    switch_on, switch_off
        Measure ids forced in force (dates ignored) or out of force (a scenario's choices).
    all_origins_only
        Ignore partner-specific measures (used for third countries under ``japan_only=False``).
    """
    g = measures.group(group)
    on_ids = set(switch_on)
    off_ids = set(switch_off)
    measures.check_ids(on_ids | off_ids)
    active = [
        m
        for m in measures.measures
        if m.covers(group, exporter, importer)
        and m.id not in off_ids
        and (m.id in on_ids or m.dated_in_force(on))
        and not (all_origins_only and m.partner != ALL)
    ]
    exempted: list[str] = []
    removed: set[str] = set()
    for m in active:
        if m.kind == "exemption":
            for slot in m.exempts:
                removed.add(slot)
                exempted.append(f"{slot} ({m.id})")
    chosen: dict[str, Measure] = {}
    for m in active:
        if m.kind not in ("additional", "all_in") or m.slot in removed:
            continue
        cur = chosen.get(m.slot)
        if cur is None or _priority(m, on_ids) > _priority(cur, on_ids):
            chosen[m.slot] = m
    if any(slot.startswith("s232") for slot in chosen):
        for slot in measures.stacking.exempt_when_s232:
            if slot in chosen:
                del chosen[slot]
                exempted.append(f"{slot} (Section 232 good)")
    mfn = g.mfn_pct
    comps = tuple(
        Component(
            m.id,
            m.slot,
            m.authority,
            m.kind,
            m.rate_pct,
            None if (mfn is None and m.kind == "all_in") else m.additional_pct(mfn or 0.0),
        )
        for m in sorted(chosen.values(), key=lambda m: m.slot)
    )
    return GroupRate(group, exporter, importer, on, mfn, comps, tuple(exempted))


def _priority(m: Measure, on_ids: set[str]) -> tuple[int, int, date]:
    """Switched-on first, then partner-specific before all origins, then the latest start."""
    return (int(m.id in on_ids), int(m.partner != ALL), m.start)


def rates_on(
    on: date,
    exporter: str = "JPN",
    importer: str = "USA",
    *,
    measures: MeasureSet | None = None,
    switch_on: Iterable[str] = (),
    switch_off: Iterable[str] = (),
) -> dict[str, GroupRate]:
    """Rates in force on every product group for one exporter-importer pair on a date."""
    ms = measures if measures is not None else default_measures()
    return {
        g.id: group_rate(ms, g.id, on, exporter, importer, switch_on=switch_on, switch_off=switch_off)
        for g in ms.groups
    }


# --------------------------------------------------------------------------------------------
# facts file
# --------------------------------------------------------------------------------------------


def _src(d: Mapping[str, Any], prefix: str = "") -> Source:
    return Source(
        str(d.get(f"{prefix}source_title", "")),
        str(d.get(f"{prefix}source_address", "")),
        str(d.get(f"{prefix}note", "")),
    )


def parse_measures(doc: Mapping[str, Any], origin: str = "measures.toml") -> MeasureSet:
    """Build a :class:`MeasureSet` from a parsed measures document (the facts file's layout).

    Raises
    ------
    PolicyError
        A malformed entry (named by its id and field).
    """
    try:
        groups = tuple(
            ProductGroup(
                id=str(g["id"]),
                label=str(g["label"]),
                hs=tuple(str(h) for h in g["hs"]),
                sector=str(g["sector"]),
                mfn_pct=None if g.get("mfn_pct") is None else float(g["mfn_pct"]),
                mfn_source=_src(g, "mfn_") if "mfn_source_title" in g else None,
            )
            for g in doc["group"]
        )
        gids = {g.id for g in groups}
        measures: list[Measure] = []
        for m in doc["measure"]:
            kind = str(m["kind"])
            status = str(m["status"])
            if kind not in KINDS:
                raise PolicyError(f"{origin}: measure '{m['id']}': kind expected one of {KINDS}; found {kind!r}")
            if status not in STATUSES:
                raise PolicyError(
                    f"{origin}: measure '{m['id']}': status expected one of {STATUSES}; found {status!r}"
                )
            if not str(m.get("source_title", "")).strip() or not str(m.get("source_address", "")).strip():
                raise MissingSourceError(
                    f"{origin}: measure '{m['id']}': expected source_title and source_address; found "
                    f"{m.get('source_title')!r}, {m.get('source_address')!r}"
                )
            if m.get("end") is not None and m["end"] < m["start"]:
                raise DateOrderError(
                    f"{origin}: measure '{m['id']}': end {m['end']} is before start {m['start']}; expected end >= start"
                )
            grp = tuple(str(x) for x in m["groups"])
            bad = [x for x in grp if x != ALL and x not in gids]
            if bad:
                raise PolicyError(f"{origin}: measure '{m['id']}': unknown groups {bad}")
            measures.append(
                Measure(
                    id=str(m["id"]),
                    title=str(m["title"]),
                    authority=str(m["authority"]),
                    slot=str(m["slot"]),
                    kind=kind,  # type: ignore[arg-type]
                    rate_pct=float(m["rate_pct"]),
                    groups=grp,
                    partner=str(m["partner"]),
                    start=m["start"],
                    end=m.get("end"),
                    status=status,  # type: ignore[arg-type]
                    source=_src(m),
                    importer=str(m.get("importer", "USA")),
                    exempts=tuple(str(x) for x in m.get("exempts", ())),
                )
            )
        st = doc["stacking"]
        stacking = StackingRules(tuple(str(x) for x in st["exempt_when_s232"]), _src(st))
    except KeyError as exc:
        raise PolicyError(f"{origin}: missing field {exc}") from None
    ids = [m.id for m in measures]
    if len(set(ids)) != len(ids):
        raise PolicyError(f"{origin}: duplicate measure ids")
    return MeasureSet(groups, tuple(measures), stacking)


def facts_text(name: str) -> str:
    """Text of a facts file shipped in ``tradetalks/policy/facts``."""
    return resources.files("tradetalks.policy").joinpath("facts", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_measures() -> MeasureSet:
    """The US measures on Japan (and all-origins measures) of 2025-26, from the facts file."""
    return parse_measures(tomllib.loads(facts_text("measures.toml")), "facts/measures.toml")
