r"""The US tariff wall of 2025-26, partner by partner, trade-weighted at 2024 US imports.

Facts: ``policy/facts/wall.toml`` (every measure with its source; shares the sources do not give are
flagged ``assumption``/``unknown`` and printed). Weights: ``us-imports-hs2-2024`` (US imports by
partner × HS2 chapter, 2024, customs value).

Rate of a cell (partner p, chapter c, date d)
---------------------------------------------
The base :math:`b_{pc}` is the rate *collected* in 2024 (duty / imports: MFN plus the 2018-19 Section
301/232 duties). In each stacking slot k one measure m applies (partner-specific before all-origins).
Its duty over the base is :math:`a_m(b) = r_m` (additional) or :math:`\max(0, r_m - b)` (all-in), and it
is paid by a fraction of the cell's trade

.. math:: f_m = s_{mc}\,\phi_m(p), \qquad
          \phi_m = \begin{cases} 1 - u_p & \text{USMCA-qualifying goods exempt} \\
          (1-u_p) + u_p\,\nu & \text{USMCA goods pay on non-US content } \nu \\ 1 & \text{otherwise}\end{cases}

with :math:`s_{mc}` the share of the chapter the measure covers and :math:`u_p` the USMCA share of the
partner (zero outside Canada and Mexico). A slot k excluded by a slot m present in the cell (stacking
rules, applied in the stated order) keeps only :math:`f_k (1 - g_m)`, with :math:`g_m` the fraction of
goods *subject* to m (:math:`s_{mc}(1-u_p)` when qualifying goods are exempt, else :math:`s_{mc}`;
independence of coverage). Then

.. math:: t_{pc} = b_{pc} + \sum_k f_k\,a_k(b_{pc}), \qquad
          \bar t_p = \frac{\sum_c X_{pc} t_{pc}}{\sum_c X_{pc}}, \qquad
          \bar t = \frac{\sum_{p,c} X_{pc} t_{pc}}{\sum_{p,c} X_{pc}} .

The *statutory* rate is the same with :math:`f \equiv 1` (a fully covered, non-qualifying good: the
headline rate); the *collected* rate is the 2024 one (2025-26 collections are not in the data).
Weights are 2024 flows: no trade response (a tracker's "pre-substitution" rate).
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Literal

from tradetalks.errors import (
    DateOrderError,
    FactsError,
    LaterChangesUnknownWarning,
    MissingSourceError,
    OverlappingMeasuresError,
)
from tradetalks.policy.measures import Source, facts_text

Kind = Literal["additional", "all_in"]
Usmca = Literal["exempt", "content", "applies"]
ALL = "*"
USMCA_PARTNERS = ("CAN", "MEX")


@dataclass(frozen=True)
class WallMeasure:
    """One US measure at HS2 level (fields as in the facts file's header)."""

    id: str
    title: str
    slot: str
    kind: Kind
    rate_pct: float
    partners: tuple[str, ...]
    excluded_partners: tuple[str, ...]
    chapters: tuple[str, ...]
    chapter_rates: tuple[tuple[str, float], ...]
    share: float
    share_basis: str
    usmca: Usmca
    start: date
    end: date | None
    status: str
    source: Source

    def covers(self, partner: str, chapter: str) -> bool:
        ok_p = partner in self.partners or (ALL in self.partners and partner not in self.excluded_partners)
        return ok_p and (ALL in self.chapters or chapter in self.chapters)

    def in_force(self, on: date) -> bool:
        return self.status == "enacted" and self.start <= on and (self.end is None or on < self.end)

    def rate_on(self, chapter: str) -> float:
        return dict(self.chapter_rates).get(chapter, self.rate_pct)

    def duty_over(self, base_pct: float, chapter: str) -> float:
        """Duty over the base, points: the rate (additional) or ``max(0, rate - base)`` (all-in)."""
        r = self.rate_on(chapter)
        return max(0.0, r - base_pct) if self.kind == "all_in" else r


@dataclass(frozen=True)
class Parameter:
    """A sourced (or flagged) number used by the wall."""

    name: str
    value: float
    basis: str
    source: Source


@dataclass(frozen=True)
class WallFacts:
    """The validated facts file."""

    measures: tuple[WallMeasure, ...]
    slots: tuple[str, ...]
    order: tuple[str, ...]
    excludes: tuple[tuple[str, tuple[str, ...]], ...]
    usmca_share: tuple[tuple[str, Parameter], ...]
    non_us_content: Parameter
    known_through: date
    known_through_source: Source
    stacking_source: Source

    @cached_property
    def _usmca_map(self) -> dict[str, float]:
        return {p: v.value for p, v in self.usmca_share}

    @cached_property
    def excludes_map(self) -> dict[str, tuple[str, ...]]:
        """:attr:`excludes` as a mapping (read once; the stacking of every cell uses it)."""
        return dict(self.excludes)

    def usmca(self, partner: str) -> float:
        return self._usmca_map.get(partner, 0.0)

    def assumptions(self) -> tuple[str, ...]:
        """Every flagged share or parameter, one line each (printed with results)."""
        out = [f"{m.id}: share {m.share:g} ({m.share_basis})" for m in self.measures if m.share_basis != "sourced"]
        out.append(f"USMCA non-US content of qualifying vehicles = {self.non_us_content.value:g} "
                   f"({self.non_us_content.basis})")
        for p, par in self.usmca_share:
            out.append(f"USMCA share {p} = {par.value:g} ({par.basis}: {par.source.note})")
        return tuple(out)


# --------------------------------------------------------------------------------------------
# parsing and validation
# --------------------------------------------------------------------------------------------


def _source(d: Mapping[str, Any], where: str, prefix: str = "") -> Source:
    title, addr = str(d.get(f"{prefix}source_title", "")).strip(), str(d.get(f"{prefix}source_address", "")).strip()
    if not title or not addr:
        raise MissingSourceError(
            f"{where}: expected {prefix}source_title and {prefix}source_address; found "
            f"title={title!r}, address={addr!r}"
        )
    return Source(title, addr, str(d.get(f"{prefix}note", d.get("note", ""))))


def _date(v: Any, where: str) -> date:
    if not isinstance(v, date):
        raise FactsError(f"{where}: expected a TOML date YYYY-MM-DD; found {v!r}")
    return v


def parse_wall(doc: Mapping[str, Any], origin: str = "wall.toml") -> WallFacts:
    """Validate a wall facts document.

    Raises
    ------
    MissingSourceError
        A measure, parameter or the stacking rules without a source.
    DateOrderError
        A measure ending before it starts.
    OverlappingMeasuresError
        A measure in a slot with no stacking rule, or two measures of one slot in force on the same
        goods, partner and day at the same specificity.
    FactsError
        Other malformed entries (named by id and field).
    """
    try:
        st = doc["stacking"]
        slots = tuple(str(s) for s in st["slots"])
        order = tuple(str(s) for s in st.get("order", ()))
        excludes = tuple((str(k), tuple(str(x) for x in v)) for k, v in st.get("excludes", {}).items())
        stacking_source = _source(st, f"{origin} [stacking]")
        for k, v in excludes:
            for s in (k, *v):
                if s not in slots:
                    raise OverlappingMeasuresError(f"{origin} [stacking.excludes]: slot '{s}' not in slots {slots}")
        meta = doc["meta"]
        known = _date(meta["known_through"], f"{origin} [meta] known_through")
        known_src = _source(meta, f"{origin} [meta]", "known_through_")
        us = doc["usmca"]
        shares = []
        for p in USMCA_PARTNERS:
            if p in us:
                shares.append((p, Parameter(f"usmca_{p}", float(us[p]), str(us.get(f"{p}_basis", "sourced")),
                                            _source(us, f"{origin} [usmca] {p}", f"{p}_"))))
        nuc = Parameter("non_us_content", float(us["non_us_content"]), str(us.get("non_us_content_basis", "sourced")),
                        Source("ASSUMPTION", "", str(us.get("non_us_content_note", ""))))
        measures = tuple(_measure(m, origin, slots) for m in doc["measure"])
    except KeyError as exc:
        raise FactsError(f"{origin}: missing field {exc}") from None
    ids = [m.id for m in measures]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise FactsError(f"{origin}: duplicate measure ids {sorted(dup)}")
    _check_overlaps(measures, origin)
    return WallFacts(measures, slots, order, excludes, tuple(shares), nuc, known, known_src, stacking_source)


def _measure(m: Mapping[str, Any], origin: str, slots: Sequence[str]) -> WallMeasure:
    mid = str(m.get("id", "?"))
    where = f"{origin} measure '{mid}'"
    kind, usmca = str(m["kind"]), str(m.get("usmca", "applies"))
    if kind not in ("additional", "all_in"):
        raise FactsError(f"{where}: kind expected 'additional' or 'all_in'; found {kind!r}")
    if usmca not in ("exempt", "content", "applies"):
        raise FactsError(f"{where}: usmca expected 'exempt', 'content' or 'applies'; found {usmca!r}")
    slot = str(m["slot"])
    if slot not in slots:
        raise OverlappingMeasuresError(
            f"{where}: slot '{slot}' has no stacking rule; expected one of {list(slots)} (declare it in [stacking].slots)"
        )
    start = _date(m["start"], f"{where} start")
    end = None if m.get("end") is None else _date(m["end"], f"{where} end")
    if end is not None and end < start:
        raise DateOrderError(f"{where}: end {end} is before start {start}; expected end >= start")
    share = float(m.get("share", 1.0))
    if not 0.0 <= share <= 1.0:
        raise FactsError(f"{where}: share expected in [0, 1]; found {share}")
    return WallMeasure(
        id=mid, title=str(m["title"]), slot=slot, kind=kind,  # type: ignore[arg-type]
        rate_pct=float(m["rate_pct"]),
        partners=tuple(str(p) for p in m["partners"]),
        excluded_partners=tuple(str(p) for p in m.get("except", ())),
        chapters=tuple(str(c) for c in m["chapters"]),
        chapter_rates=tuple((str(k), float(v)) for k, v in m.get("chapter_rates", {}).items()),
        share=share, share_basis=str(m.get("share_basis", "sourced")), usmca=usmca,  # type: ignore[arg-type]
        start=start, end=end, status=str(m["status"]), source=_source(m, where),
    )


def _check_overlaps(measures: Sequence[WallMeasure], origin: str) -> None:
    live = [m for m in measures if m.status == "enacted"]
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            if a.slot != b.slot or (ALL in a.partners) != (ALL in b.partners):
                continue
            if ALL in a.partners:
                pa = pb = True
            else:
                pa = pb = bool(set(a.partners) & set(b.partners))
            chap = ALL in a.chapters or ALL in b.chapters or bool(set(a.chapters) & set(b.chapters))
            a_end, b_end = a.end or date.max, b.end or date.max
            days = a.start < b_end and b.start < a_end
            if pa and pb and chap and days:
                raise OverlappingMeasuresError(
                    f"{origin}: measures '{a.id}' and '{b.id}' are both in force in slot '{a.slot}' on the same "
                    f"goods from {max(a.start, b.start)}; expected consecutive dates or a stacking rule"
                )


@lru_cache(maxsize=1)
def default_wall() -> WallFacts:
    """The facts of ``policy/facts/wall.toml``."""
    return parse_wall(tomllib.loads(facts_text("wall.toml")), "facts/wall.toml")


# --------------------------------------------------------------------------------------------
# stacking
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellRate:
    """Rate on one partner × chapter cell (percent)."""

    partner: str
    chapter: str
    base_pct: float
    statutory_pct: float
    effective_pct: float
    measures: tuple[tuple[str, float, float], ...]
    """(measure id, paying fraction f, duty over base a) of every measure that applies."""


def _choose(facts: WallFacts, partner: str, chapter: str, on: date,
            candidates: Sequence[WallMeasure] | None = None) -> dict[str, WallMeasure]:
    chosen: dict[str, WallMeasure] = {}
    for m in facts.measures if candidates is None else candidates:
        if not (m.in_force(on) and m.covers(partner, chapter)):
            continue
        cur = chosen.get(m.slot)
        if cur is None or (ALL in cur.partners and ALL not in m.partners):
            chosen[m.slot] = m
    return chosen


def cell_rate(facts: WallFacts, partner: str, chapter: str, base_pct: float, on: date,
              candidates: Sequence[WallMeasure] | None = None) -> CellRate:
    """Stack the measures in force on one cell (equations in the module docstring).

    ``candidates``: a subset of ``facts.measures`` in their order that holds every measure in force on
    ``on`` for ``partner`` (:func:`measures_by_partner`); a speed-up for loops over many cells, same result."""
    chosen = _choose(facts, partner, chapter, on, candidates)
    u = facts.usmca(partner)
    nu = facts.non_us_content.value
    frac: dict[str, float] = {}
    cover: dict[str, float] = {}
    for slot, m in chosen.items():
        phi = 1.0 - u if m.usmca == "exempt" else (1.0 - u) + u * nu if m.usmca == "content" else 1.0
        frac[slot] = m.share * phi
        cover[slot] = m.share * (1.0 - u if m.usmca == "exempt" else 1.0)
    stat = dict.fromkeys(chosen, 1.0)
    excl = facts.excludes_map
    for k in facts.order:
        if k not in chosen:
            continue
        for j in excl.get(k, ()):
            if j in frac:
                frac[j] *= 1.0 - cover[k]
                cover[j] *= 1.0 - cover[k]
                stat[j] *= 1.0 - stat[k]
    rows = tuple((m.id, frac[s], m.duty_over(base_pct, chapter)) for s, m in sorted(chosen.items()))
    eff = base_pct + sum(f * a for _, f, a in rows)
    sta = base_pct + sum(stat[s] * m.duty_over(base_pct, chapter) for s, m in chosen.items())
    return CellRate(partner, chapter, base_pct, sta, eff, rows)


def measures_by_partner(facts: WallFacts, on: date,
                        partners: Sequence[str]) -> dict[str, tuple[WallMeasure, ...]]:
    """The measures in force on ``on`` that can cover each partner (any chapter), in the facts' order."""
    live = [m for m in facts.measures if m.in_force(on)]
    return {p: tuple(m for m in live if p in m.partners or (ALL in m.partners and p not in m.excluded_partners))
            for p in set(partners)}


# --------------------------------------------------------------------------------------------
# trade-weighted wall
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRate:
    """Trade-weighted US rates on one partner (percent; imports US$bn 2024)."""

    partner: str
    name: str
    imports_usd_bn: float
    collected_2024_pct: float
    statutory_pct: float
    effective_pct: float


@dataclass(frozen=True)
class Wall:
    """The US tariff wall on a date (see the module docstring)."""

    on: date
    partners: tuple[PartnerRate, ...]
    overall_effective_pct: float
    overall_statutory_pct: float
    overall_collected_2024_pct: float
    known_through: date
    warnings: tuple[str, ...]
    assumptions: tuple[str, ...]
    notes: tuple[str, ...]

    def partner(self, p: str) -> PartnerRate:
        for r in self.partners:
            if r.partner == p:
                return r
        raise FactsError(f"no partner '{p}' in the wall; expected one of {[r.partner for r in self.partners][:20]} ...")

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.on.isoformat(), "importer": "USA", "units": "percent ad valorem; imports US$bn (2024)",
            "weights": "US imports 2024 by partner x HS2 (us-imports-hs2-2024), no trade response",
            "overall": {"effective_pct": self.overall_effective_pct, "statutory_pct": self.overall_statutory_pct,
                        "collected_2024_pct": self.overall_collected_2024_pct},
            "partners": [r.__dict__ for r in self.partners],
            "known_through": self.known_through.isoformat(), "warnings": list(self.warnings),
            "assumptions": list(self.assumptions), "notes": list(self.notes),
        }


NOTES: tuple[str, ...] = (
    "effective = 2024 collected base + the 2025-26 measures weighted by coverage and USMCA shares; "
    "statutory = the headline rate on a fully covered, non-USMCA good; collected = 2024 duties / imports "
    "(2025-26 collections are not in the data).",
    "Weights: 2024 US imports (customs value, Census via tradewartracker), no trade response.",
    "Not modelled at HS2: Annex II / electronics exemptions from the reciprocal duty (overstates chapters "
    "27, 30, 71, 84, 85), country rates of EO 14326 not in the facts (understates e.g. Vietnam, Switzerland, "
    "Brazil), quotas (UK cars), the Nov 2025 agricultural exemptions, AD/CVD duties.",
)


def us_wall(on: date, *, facts: WallFacts | None = None, table: Any = None) -> Wall:
    """Trade-weighted US tariff by partner and overall on a date.

    Parameters
    ----------
    on
        Date.
    facts
        The wall facts (default :func:`default_wall`).
    table
        A :class:`~tradetalks.data.readers.us_imports_hs2.UsImportsHS2` (default: the reference data).

    Returns
    -------
    Wall

    Warns
    -----
    LaterChangesUnknownWarning
        ``on`` is after the last sourced fact.
    """
    from tradetalks.data.readers.us_imports_hs2 import load_table

    fx = facts if facts is not None else default_wall()
    tb = table if table is not None else load_table()
    msg = later_changes_warning(on, fx)
    warn: list[str] = [] if msg is None else [msg]
    f = tb.frame
    rows: list[PartnerRate] = []
    tot_x = tot_e = tot_s = tot_d = 0.0
    live = measures_by_partner(fx, on, [str(p) for p in f["partner"].unique()])
    for p, g in f.groupby("partner", sort=True):
        x_p = e_p = s_p = 0.0
        for c, x, d in zip(g["hs2"], g["imports_usd"], g["duty_usd"], strict=True):
            base = 100.0 * d / x if x > 0 else 0.0
            cr = cell_rate(fx, str(p), str(c), base, on, live.get(str(p)))
            x_p += x
            e_p += x * cr.effective_pct
            s_p += x * cr.statutory_pct
        d_p = float(g["duty_usd"].sum())
        if x_p <= 0:
            continue
        rows.append(PartnerRate(str(p), str(g["partner_name"].iloc[0]), x_p / 1e9, 100.0 * d_p / x_p,
                                s_p / x_p, e_p / x_p))
        tot_x, tot_e, tot_s, tot_d = tot_x + x_p, tot_e + e_p, tot_s + s_p, tot_d + d_p
    rows.sort(key=lambda r: -r.imports_usd_bn)
    return Wall(on, tuple(rows), tot_e / tot_x, tot_s / tot_x, 100.0 * tot_d / tot_x, fx.known_through,
                tuple(warn), fx.assumptions(), NOTES)


def later_changes_warning(on: date, facts: WallFacts | None = None) -> str | None:
    """The warning text for a date after the last sourced fact (also emitted as a warning), else ``None``."""
    fx = facts if facts is not None else default_wall()
    if on <= fx.known_through:
        return None
    msg = (f"{on.isoformat()} is after the last sourced fact ({fx.known_through.isoformat()}): later changes "
           "are unknown; measures run to their stated or statutory end (Section 122 lapses on 2026-07-24 "
           "at the end of its 150-day term; no sourced extension).")
    warnings.warn(LaterChangesUnknownWarning(msg), stacklevel=2)
    return msg


# --------------------------------------------------------------------------------------------
# Japan's tariffs on US goods
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JapanTariff:
    """Japan's applied tariff on one US product (``rate_pct`` None where no percentage is sourced)."""

    id: str
    label: str
    sector: str
    rate_pct: float | None
    range_pct: tuple[float, float] | None
    specific: str
    note: str
    source: Source


@lru_cache(maxsize=1)
def japan_schedule() -> tuple[JapanTariff, ...]:
    """Japan's tariffs on US goods from ``policy/facts/japan_tariffs.toml``."""
    doc = tomllib.loads(facts_text("japan_tariffs.toml"))
    out = []
    for p in doc["product"]:
        where = f"facts/japan_tariffs.toml product '{p.get('id', '?')}'"
        rng = (float(p["rate_pct_from"]), float(p["rate_pct_to"])) if "rate_pct_from" in p else None
        out.append(JapanTariff(str(p["id"]), str(p["label"]), str(p["sector"]),
                               None if p.get("rate_pct") is None else float(p["rate_pct"]), rng,
                               str(p.get("specific", "")), str(p.get("ave_pct_note", "")), _source(p, where)))
    return tuple(out)
